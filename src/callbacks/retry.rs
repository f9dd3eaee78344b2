//! The retry policy: how long to wait before the next attempt (the schedule with jitter, or a
//! receiver's Retry-After, bounded), computed so that no value can overflow.

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

impl Callbacks {
    /// The wait before the next attempt after `made` attempts, or None when they are used up:
    /// the schedule's wait with jitter, or the receiver's Retry-After when longer (at most
    /// `MAX_RETRY_AFTER_MS`).
    pub(super) fn retry_wait_ms(&self, made: usize, retry_after_ms: Option<u64>) -> Option<u64> {
        let base = *self.settings.retry_schedule_ms.get(made.checked_sub(1)?)? as f64;
        let jitter = 1.0 + self.settings.jitter * (self.ids.unit() * 2.0 - 1.0);
        // A float cast to an integer saturates: a configured wait near u64::MAX stays one.
        let scheduled = (base * jitter) as u64;
        Some(scheduled.max(retry_after_ms.unwrap_or(0).min(MAX_RETRY_AFTER_MS)))
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
}
