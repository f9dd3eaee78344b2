//! The sandbox clock: wall time plus an offset that `POST /__sandbox/clock/advance` moves.
//! Every time the sandbox reasons about (token expiry, callback schedules) comes from here.

use chrono::{DateTime, TimeZone, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::Notify;

/// The latest sandbox time, 9999-12-31T23:59:59.999Z: the last an ISO-8601 date writes with a
/// four-digit year, which is what clients parse.
pub const LATEST_MS: i64 = 253_402_300_799_999;

#[derive(Default)]
pub struct Clock {
    offset_ms: AtomicI64,
    advanced: Notify,
}

impl Clock {
    /// Milliseconds since the Unix epoch on the sandbox clock.
    pub fn now_ms(&self) -> i64 {
        Utc::now().timestamp_millis() + self.offset_ms.load(Ordering::Relaxed)
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

    /// Moves the clock by `ms` and wakes whoever waits for a point in sandbox time. Refused when
    /// the clock would pass `LATEST_MS`; the error is how far it could still go, in ms.
    pub fn advance(&self, ms: i64) -> Result<(), i64> {
        let real = Utc::now().timestamp_millis();
        let moved = self.offset_ms.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
            offset.checked_add(ms).filter(|next| real.saturating_add(*next) <= LATEST_MS)
        });
        match moved {
            Ok(_) => {
                self.advanced.notify_waiters();
                Ok(())
            }
            Err(offset) => Err(LATEST_MS - real - offset),
        }
    }

    /// Resolves the next time the clock is advanced.
    pub async fn advanced(&self) {
        self.advanced.notified().await
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
