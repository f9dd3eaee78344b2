//! The sandbox clock: wall time plus an offset that `POST /__sandbox/clock/advance` moves, or a
//! frozen instant set by `PUT /__sandbox/clock`. Every time the sandbox reasons about or writes
//! (token expiry, callback schedules, answers, journal) comes from here, so a frozen clock makes
//! runs repeatable.
//!
//! Each merchant may have a clock of its own (`?merchant=CODE` on the clock calls), so parallel
//! test workers, each with its merchant, never see one another's time: `Clocks` keeps the clock
//! every merchant follows and the merchants' own ones.

use chrono::{DateTime, TimeZone, Utc};
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// The latest sandbox time, 9999-12-31T23:59:59.999Z: the last an ISO-8601 date writes with a
/// four-digit year, which is what clients parse.
pub const LATEST_MS: i64 = 253_402_300_799_999;

/// `frozen_at` when the clock runs.
const RUNNING: i64 = i64::MIN;

pub struct Clock {
    offset_ms: AtomicI64,
    /// The instant a frozen clock shows, or `RUNNING`.
    frozen_at: AtomicI64,
    /// Serialises changes, so that a set racing an advance cannot lose either. Reads take no lock.
    changing: Mutex<()>,
}

impl Default for Clock {
    fn default() -> Self {
        Self { offset_ms: AtomicI64::new(0), frozen_at: AtomicI64::new(RUNNING), changing: Mutex::new(()) }
    }
}

/// A change refused because it would leave the range a client can parse.
#[derive(Debug, PartialEq, Eq)]
pub struct OutOfRange {
    /// How far the clock could still go forward, in ms.
    pub room_ms: i64,
}

impl Clock {
    /// Milliseconds since the Unix epoch on the sandbox clock.
    pub fn now_ms(&self) -> i64 {
        match self.frozen_at.load(Ordering::Relaxed) {
            RUNNING => Utc::now().timestamp_millis() + self.offset_ms.load(Ordering::Relaxed),
            frozen => frozen,
        }
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen_at.load(Ordering::Relaxed) != RUNNING
    }

    /// Sets the clock to `now` (ms; None keeps the current time) and freezes or releases it
    /// (None keeps it as it is). Released, it runs on from the instant it showed.
    pub fn set(&self, now: Option<i64>, frozen: Option<bool>) -> Result<(), OutOfRange> {
        let _changing = self.changing.lock();
        let target = now.unwrap_or_else(|| self.now_ms());
        if !(0..=LATEST_MS).contains(&target) {
            return Err(OutOfRange { room_ms: LATEST_MS - self.now_ms() });
        }
        let freeze = frozen.unwrap_or_else(|| self.is_frozen());
        self.offset_ms.store(target - Utc::now().timestamp_millis(), Ordering::Relaxed);
        self.frozen_at.store(if freeze { target } else { RUNNING }, Ordering::Relaxed);
        Ok(())
    }

    /// Back to wall time, running.
    pub fn reset(&self) {
        let _changing = self.changing.lock();
        self.offset_ms.store(0, Ordering::Relaxed);
        self.frozen_at.store(RUNNING, Ordering::Relaxed);
    }

    /// A clock showing what `other` shows, frozen or running as it is, that moves on its own.
    fn copy_of(other: &Clock) -> Self {
        let clock = Clock::default();
        clock.offset_ms.store(other.offset_ms(), Ordering::Relaxed);
        clock.frozen_at.store(other.frozen_at.load(Ordering::Relaxed), Ordering::Relaxed);
        clock
    }

    /// Running on wall time, unmoved.
    fn is_wall_time(&self) -> bool {
        !self.is_frozen() && self.offset_ms() == 0
    }

    pub fn now(&self) -> DateTime<Utc> {
        Self::at(self.now_ms())
    }

    pub fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock by `ms` (a frozen clock stays frozen, at the later instant). Refused when
    /// the clock would pass `LATEST_MS`.
    pub fn advance(&self, ms: i64) -> Result<(), OutOfRange> {
        let _changing = self.changing.lock();
        let now = self.now_ms();
        let next =
            now.checked_add(ms).filter(|next| *next <= LATEST_MS).ok_or(OutOfRange { room_ms: LATEST_MS - now })?;
        self.offset_ms.fetch_add(next - now, Ordering::Relaxed);
        if self.is_frozen() {
            self.frozen_at.store(next, Ordering::Relaxed);
        }
        Ok(())
    }

    /// How far the clock may still move forward, in ms.
    fn room_ms(&self) -> i64 {
        LATEST_MS - self.now_ms()
    }
}

/// The clock every merchant follows, and the clocks of merchants given one of their own. A
/// merchant's clock is made (a copy of the shared one) the first time it is set or advanced on
/// its own; a change made for every merchant reaches each of them.
#[derive(Default)]
pub struct Clocks {
    shared: Arc<Clock>,
    own: RwLock<HashMap<String, Arc<Clock>>>,
    /// Serialises changes that touch several clocks.
    changing: Mutex<()>,
    changed: Notify,
}

impl Clocks {
    /// The clock `merchant`'s tokens, answers, transactions, journal entries and callbacks use.
    pub fn of(&self, merchant: &str) -> Arc<Clock> {
        let own = self.own.read();
        own.get(merchant).unwrap_or(&self.shared).clone()
    }

    /// Now on `merchant`'s clock, in ms.
    pub fn now_ms_of(&self, merchant: &str) -> i64 {
        let own = self.own.read();
        own.get(merchant).unwrap_or(&self.shared).now_ms()
    }

    /// The clock of requests that belong to no merchant (and of every merchant without its own).
    pub fn shared(&self) -> &Clock {
        &self.shared
    }

    /// Sets (and/or freezes) `merchant`'s clock, or every merchant's: the shared clock, which
    /// every merchant then follows.
    pub fn set(&self, merchant: Option<&str>, now: Option<i64>, frozen: Option<bool>) -> Result<(), OutOfRange> {
        let _changing = self.changing.lock();
        let result = match merchant {
            Some(code) => self.own_clock(code).set(now, frozen),
            None => self.shared.set(now, frozen).map(|()| self.own.write().clear()),
        };
        self.changed.notify_waiters();
        result
    }

    /// Moves `merchant`'s clock, or every merchant's (each by `ms`, or none when one of them
    /// would pass `LATEST_MS`).
    pub fn advance(&self, merchant: Option<&str>, ms: i64) -> Result<(), OutOfRange> {
        let _changing = self.changing.lock();
        let result = match merchant {
            Some(code) => self.own_clock(code).advance(ms),
            None => {
                let own = self.own.read();
                let room_ms = own.values().map(|c| c.room_ms()).fold(self.shared.room_ms(), i64::min);
                if ms > room_ms {
                    return Err(OutOfRange { room_ms });
                }
                let result = own.values().chain([&self.shared]).try_for_each(|clock| clock.advance(ms));
                result
            }
        };
        self.changed.notify_waiters();
        result
    }

    /// Returns `merchant`'s clock, or every clock, to wall time, running.
    pub fn reset(&self, merchant: Option<&str>) {
        let _changing = self.changing.lock();
        match merchant {
            None => {
                self.shared.reset();
                self.own.write().clear();
            }
            // Following the shared clock is wall time only while that clock shows it.
            Some(code) if self.shared.is_wall_time() => drop(self.own.write().remove(code)),
            Some(code) => drop(self.own.write().insert(code.to_string(), Arc::new(Clock::default()))),
        }
        self.changed.notify_waiters();
    }

    /// The offset from wall time of each merchant's own clock, by merchant code.
    pub fn own_offsets(&self) -> std::collections::BTreeMap<String, i64> {
        self.own.read().iter().map(|(code, clock)| (code.clone(), clock.offset_ms())).collect()
    }

    /// Notified whenever any clock is set, advanced or reset.
    pub fn changes(&self) -> &Notify {
        &self.changed
    }

    /// `merchant`'s own clock, made as a copy of the shared one if it has none yet.
    fn own_clock(&self, merchant: &str) -> Arc<Clock> {
        if let Some(clock) = self.own.read().get(merchant) {
            return clock.clone();
        }
        let mut own = self.own.write();
        own.entry(merchant.to_string()).or_insert_with(|| Arc::new(Clock::copy_of(&self.shared))).clone()
    }
}

/// RFC 3339 / ISO-8601 in UTC with a `Z`, as Jenga writes `issuedAt` and `expiresIn`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2023-10-11 14:15:20`, as Jenga's callbacks and v2 answers write local dates.
pub fn plain(ms: i64) -> String {
    Clock::at(ms).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Millisecond precision, for logs and journals.
pub fn iso_ms(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Writes a sandbox-clock instant (ms) as `iso_ms` text: records keep the number and format it
/// only when listed, which is rare next to how often they are made.
pub fn serialize_iso_ms<S: serde::Serializer>(ms: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&Clock::at(*ms).format("%Y-%m-%dT%H:%M:%S%.3fZ"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_stands_still_moves_only_when_advanced_and_runs_on_from_there_when_released() {
        let clock = Clock::default();
        let noon = 1_769_860_800_000; // 2026-01-31T12:00:00Z
        clock.set(Some(noon), Some(true)).unwrap();
        assert_eq!(clock.now_ms(), noon);
        assert_eq!(clock.now_ms(), noon);
        clock.advance(901_000).unwrap();
        assert_eq!(clock.now_ms(), noon + 901_000);
        clock.set(None, Some(false)).unwrap();
        let running = clock.now_ms();
        assert!((noon + 901_000..noon + 961_000).contains(&running), "{running}");
        clock.reset();
        assert!((clock.now_ms() - Utc::now().timestamp_millis()).abs() < 60_000);
        assert!(!clock.is_frozen());
    }

    #[test]
    fn a_merchant_set_on_its_own_keeps_its_time_until_every_merchant_is_set() {
        let clocks = Clocks::default();
        let noon = 1_769_860_800_000;
        clocks.set(Some("A"), Some(noon), Some(true)).unwrap();
        assert_eq!(clocks.now_ms_of("A"), noon);
        assert!(!clocks.of("B").is_frozen());
        clocks.advance(None, 1_000).unwrap();
        assert_eq!(clocks.now_ms_of("A"), noon + 1_000, "advancing every merchant moves A's own clock too");
        clocks.set(None, Some(noon - 5_000), Some(true)).unwrap();
        assert_eq!(clocks.now_ms_of("A"), noon - 5_000);
        assert_eq!(clocks.now_ms_of("B"), noon - 5_000);
        clocks.reset(Some("A"));
        assert!(!clocks.of("A").is_frozen(), "a merchant reset returns its clock to wall time");
        assert!(clocks.of("B").is_frozen());
    }

    #[test]
    fn the_clock_refuses_instants_a_client_could_not_parse() {
        let clock = Clock::default();
        assert!(clock.set(Some(LATEST_MS + 1), None).is_err());
        assert!(clock.set(Some(-1), None).is_err());
        clock.set(Some(LATEST_MS - 1_000), Some(true)).unwrap();
        assert_eq!(clock.advance(2_000), Err(OutOfRange { room_ms: 1_000 }));
        assert_eq!(clock.now_ms(), LATEST_MS - 1_000);
    }
}
