//! The retry policy: which answers are retried, and how long to wait before the next attempt (the
//! schedule with jitter, or a receiver's Retry-After, bounded), computed so that no value can
//! overflow.

use super::Callbacks;

/// Longest wait honoured from a receiver's Retry-After.
const MAX_RETRY_AFTER_MS: u64 = 3_600_000;

/// `now` plus `wait_ms`, saturating: no configured or announced wait can wrap the schedule.
pub(super) fn later(now: i64, wait_ms: u64) -> i64 {
    now.saturating_add(i64::try_from(wait_ms).unwrap_or(i64::MAX))
}

/// A Retry-After value in ms: delay-seconds or an HTTP-date, at most `MAX_RETRY_AFTER_MS`
/// (a number too big for any integer included). A date in the past is no wait; anything else
/// (negative, garbage) is ignored.
pub(super) fn retry_after_ms(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(seconds.saturating_mul(1000).min(MAX_RETRY_AFTER_MS));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let ms = date.with_timezone(&chrono::Utc).signed_duration_since(now).num_milliseconds();
    Some(u64::try_from(ms).unwrap_or(0).min(MAX_RETRY_AFTER_MS))
}

/// What an attempt's answer (or its absence: `None`) leads to.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Delivered,
    /// Worth another attempt, if the schedule has one left.
    Retry,
    GiveUp,
}

pub(super) fn verdict(status: Option<u16>) -> Verdict {
    match status {
        Some(200..=299) => Verdict::Delivered,
        Some(429 | 500..) | None => Verdict::Retry,
        Some(_) => Verdict::GiveUp,
    }
}

/// The wait before the next attempt after `made` attempts, or None when they are used up: the
/// schedule's wait varied by `jitter` (`unit` is a random draw in [0, 1)), or the receiver's
/// Retry-After when longer (at most `MAX_RETRY_AFTER_MS`).
pub(super) fn wait_ms(
    schedule: &[u64],
    jitter: f64,
    unit: f64,
    made: usize,
    retry_after_ms: Option<u64>,
) -> Option<u64> {
    let base = *schedule.get(made.checked_sub(1)?)? as f64;
    let jitter = 1.0 + jitter * (unit * 2.0 - 1.0);
    // A float cast to an integer saturates: a configured wait near u64::MAX stays one.
    let scheduled = (base * jitter) as u64;
    Some(scheduled.max(retry_after_ms.unwrap_or(0).min(MAX_RETRY_AFTER_MS)))
}

impl Callbacks {
    /// [`wait_ms`] with this sandbox's schedule, jitter and random draws.
    pub(super) fn retry_wait_ms(&self, made: usize, retry_after_ms: Option<u64>) -> Option<u64> {
        let settings = &self.settings;
        wait_ms(&settings.retry_schedule_ms, settings.jitter, self.ids.unit(), made, retry_after_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_clamped_and_never_overflows() {
        let now = chrono::Utc::now();
        for (value, expected) in [
            ("120", Some(120_000)),
            ("18446744073709551615", Some(MAX_RETRY_AFTER_MS)),
            ("99999999999999999999999999", Some(MAX_RETRY_AFTER_MS)),
            ("Fri, 31 Dec 9999 23:59:59 GMT", Some(MAX_RETRY_AFTER_MS)),
            ("Thu, 01 Jan 1970 00:00:00 GMT", Some(0)),
            ("-5", None),
            ("soon", None),
            ("", None),
        ] {
            assert_eq!(retry_after_ms(value, now), expected, "{value:?}");
        }
    }

    #[test]
    fn later_saturates() {
        assert_eq!(later(5, u64::MAX), i64::MAX);
        assert_eq!(later(i64::MAX - 1, 10), i64::MAX);
        assert_eq!(later(5, 10), 15);
    }

    #[test]
    fn only_2xx_delivers_and_only_429_5xx_or_no_answer_retries() {
        for (status, expected) in [
            (Some(200), Verdict::Delivered),
            (Some(204), Verdict::Delivered),
            (Some(299), Verdict::Delivered),
            (None, Verdict::Retry),
            (Some(429), Verdict::Retry),
            (Some(500), Verdict::Retry),
            (Some(503), Verdict::Retry),
            (Some(302), Verdict::GiveUp),
            (Some(400), Verdict::GiveUp),
            (Some(404), Verdict::GiveUp),
            (Some(100), Verdict::GiveUp),
        ] {
            assert_eq!(verdict(status), expected, "{status:?}");
        }
    }

    #[test]
    fn the_schedule_is_followed_until_used_up() {
        let schedule = [1_000, 5_000];
        // unit 0.5 is no jitter at all.
        assert_eq!(wait_ms(&schedule, 0.2, 0.5, 1, None), Some(1_000));
        assert_eq!(wait_ms(&schedule, 0.2, 0.5, 2, None), Some(5_000));
        assert_eq!(wait_ms(&schedule, 0.2, 0.5, 3, None), None);
        assert_eq!(wait_ms(&schedule, 0.2, 0.5, 0, None), None);
        assert_eq!(wait_ms(&[], 0.2, 0.5, 1, None), None);
    }

    #[test]
    fn jitter_varies_the_wait_by_at_most_its_fraction() {
        let waits: Vec<u64> =
            [0.0, 0.25, 0.75, 0.999_999].iter().map(|&unit| wait_ms(&[1_000], 0.2, unit, 1, None).unwrap()).collect();
        assert!(waits.iter().all(|w| (799..=1_200).contains(w)), "{waits:?}");
        assert!(waits[0] < 810 && waits[3] > 1_190, "the whole range is reached: {waits:?}");
        assert_eq!(wait_ms(&[1_000], 0.0, 0.0, 1, None), Some(1_000));
        assert_eq!(wait_ms(&[u64::MAX], 0.2, 0.999, 1, None), Some(u64::MAX));
    }

    #[test]
    fn a_longer_retry_after_wins_within_its_bound() {
        assert_eq!(wait_ms(&[1_000], 0.0, 0.5, 1, Some(30_000)), Some(30_000));
        assert_eq!(wait_ms(&[1_000], 0.0, 0.5, 1, Some(10)), Some(1_000));
        assert_eq!(wait_ms(&[1_000], 0.0, 0.5, 1, Some(u64::MAX)), Some(MAX_RETRY_AFTER_MS));
        // Retry-After does not add attempts.
        assert_eq!(wait_ms(&[1_000], 0.0, 0.5, 2, Some(30_000)), None);
    }
}
