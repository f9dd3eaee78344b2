//! Shutdown: what is due within the grace period is sent, retry waits are kept, and the rest is
//! left queued for the state file.

use super::{later, Callbacks, JobId, JobState};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often shutdown looks whether what is due within its grace period has been sent.
const SETTLE_LOOK: Duration = Duration::from_millis(10);

/// How long shutdown waits for attempts it cut short to record their outcome.
const CUT_WAIT: Duration = Duration::from_secs(1);

impl Callbacks {
    /// At shutdown, within `grace`: sends at once every job not yet attempted (and each step it
    /// releases), makes the retries that fall due within `grace` at their time (a retry's wait is
    /// never shortened), then stops the worker, cutting short attempts still under way. Returns
    /// how many jobs are left queued, with their schedule and attempts, for the state file.
    pub(crate) async fn shut_down(&self, grace: Duration) -> usize {
        if self.flushing.swap(true, Ordering::Relaxed) {
            return self.queued();
        }
        let deadline = tokio::time::Instant::now() + grace;
        {
            let mut store = self.store.lock();
            let untried: Vec<(JobId, i64)> = store
                .jobs
                .values()
                .filter(|j| j.state == JobState::Scheduled && j.attempts.is_empty() && j.earlier_attempts == 0)
                .filter_map(|j| {
                    let now = self.clocks.now_ms_of(&j.merchant);
                    (j.due_ms > now).then(|| (j.id.clone(), now))
                })
                .collect();
            for (id, now) in untried {
                store.schedule(&id, now);
            }
        }
        self.wake.notify_one();
        while !self.settled(deadline) {
            tokio::select! {
                _ = tokio::time::sleep(SETTLE_LOOK) => {}
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        self.stopping.send_replace(true);
        // Attempts cut short record their outcome at once; every permit back means all are done.
        let all = u32::try_from(self.settings.max_in_flight.max(1)).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(CUT_WAIT, self.in_flight.acquire_many(all)).await;
        self.queued()
    }

    /// Nothing is being sent, and nothing else falls due before `deadline`.
    pub(super) fn settled(&self, deadline: tokio::time::Instant) -> bool {
        if self.in_flight() > 0 {
            return false;
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        // What falls due before `deadline` on the job's merchant's clock; a frozen clock brings
        // nothing due by itself.
        let horizon = |merchant: &str| {
            let clock = self.clocks.of(merchant);
            later(clock.now_ms(), if clock.is_frozen() { 0 } else { left.as_millis() as u64 })
        };
        let store = self.store.lock();
        !store.jobs.values().any(|j| {
            j.state == JobState::InFlight || (j.state == JobState::Scheduled && j.due_ms <= horizon(&j.merchant))
        })
    }

    /// Marks what is still queued as abandoned (at shutdown, after it was saved); returns how many.
    pub(crate) fn abandon_queued(&self) -> usize {
        self.store.lock().abandon_queued()
    }
}
