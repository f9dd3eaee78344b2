//! Waiting instead of sleeping (contract §10): the admin lists take `wait_ms=N` and `count=K`
//! and answer as soon as K matching entries exist, or after N ms with what there is. Stores
//! announce additions through `Changes`; a waiter sleeps until one of its sources changes (or
//! until the sandbox time at which its answer would change by itself), and never polls.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};

/// The longest wait a request may ask for.
pub const MAX_WAIT_MS: u64 = 60_000;

/// Announces that a store gained or changed entries, and counts the changes, so a reader that
/// was busy elsewhere when one was announced (the dashboard's event stream) still sees it.
#[derive(Default)]
pub struct Changes {
    notify: Notify,
    count: AtomicU64,
}

impl Changes {
    pub fn changed(&self) {
        self.count.fetch_add(1, Ordering::Release);
        self.notify.notify_waiters();
    }

    pub fn notify(&self) -> &Notify {
        &self.notify
    }

    /// Changes so far: compared with an earlier reading, whether anything changed since.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Acquire)
    }
}

/// What a list request asked to wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait {
    pub wait_ms: u64,
    pub count: usize,
}

impl Wait {
    /// Reads `wait_ms` and `count` from a query; None when no wait was asked for. The error
    /// names the bad parameter.
    pub fn from_query(wait_ms: Option<&str>, count: Option<&str>) -> Result<Option<Wait>, String> {
        let count = match count {
            None => 1,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => return Err(format!("count: {text:?} is not a whole number of at least 1")),
            },
        };
        let Some(text) = wait_ms else {
            return Ok(None);
        };
        match text.parse::<u64>() {
            Ok(ms) if ms <= MAX_WAIT_MS => Ok(Some(Wait { wait_ms: ms, count })),
            _ => Err(format!("wait_ms: {text:?} is not a whole number of milliseconds from 0 to {MAX_WAIT_MS}")),
        }
    }
}

/// How a wait ended, for the `X-Sandbox-Wait` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Satisfied,
    Timeout,
}

impl Outcome {
    pub fn header_value(self) -> &'static str {
        match self {
            Outcome::Satisfied => "satisfied",
            Outcome::Timeout => "timeout",
        }
    }
}

/// One look at a store: the matching entries, and, when the answer will change by itself as
/// time passes (a pending transaction's next step), how long until then.
pub struct Look<T> {
    pub items: Vec<T>,
    pub changes_in: Option<Duration>,
}

impl<T> Look<T> {
    pub fn of(items: Vec<T>) -> Self {
        Self { items, changes_in: None }
    }
}

/// Bounds the requests waiting at once, so waits cannot pile up without limit.
pub struct Waiters {
    slots: Semaphore,
    limit: usize,
}

/// Every waiting slot is taken.
#[derive(Debug)]
pub struct Busy {
    pub limit: usize,
}

impl Waiters {
    pub fn new(limit: usize) -> Self {
        Self { slots: Semaphore::new(limit), limit }
    }

    /// Requests waiting now.
    pub fn waiting(&self) -> usize {
        self.limit - self.slots.available_permits()
    }

    /// Looks until `wait.count` entries match or `wait.wait_ms` has passed. Each source is a
    /// store's `Changes` (or the clock's notifier); a wake re-runs `look`. A client that goes
    /// away drops this future, and with it its slot.
    pub async fn until<T>(
        &self,
        wait: Wait,
        sources: &[&Notify],
        client: Option<crate::connection::Connection>,
        mut look: impl FnMut() -> Look<T>,
    ) -> Result<(Vec<T>, Outcome), Busy> {
        let _slot = self.slots.try_acquire().map_err(|_| Busy { limit: self.limit })?;
        let gone = async {
            match client {
                Some(connection) => connection.closed().await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(gone);
        let deadline = tokio::time::Instant::now() + Duration::from_millis(wait.wait_ms);
        loop {
            // Registered before looking, so a change between the look and the wait is not missed.
            let mut wakes: Vec<Pin<Box<tokio::sync::futures::Notified<'_>>>> =
                sources.iter().map(|n| Box::pin(n.notified())).collect();
            for wake in &mut wakes {
                wake.as_mut().enable();
            }
            let now = look();
            if now.items.len() >= wait.count {
                return Ok((now.items, Outcome::Satisfied));
            }
            let until = now.changes_in.map_or(deadline, |d| deadline.min(tokio::time::Instant::now() + d));
            let any_change = futures_util::future::select_all(
                wakes.into_iter().map(|w| w as Pin<Box<dyn Future<Output = ()> + Send + '_>>),
            );
            tokio::select! {
                () = &mut gone => return Ok((Vec::new(), Outcome::Timeout)),
                _ = any_change => {}
                () = tokio::time::sleep_until(until) => {
                    if until >= deadline {
                        let last = look();
                        let outcome = if last.items.len() >= wait.count { Outcome::Satisfied } else { Outcome::Timeout };
                        return Ok((last.items, outcome));
                    }
                }
            }
        }
    }
}

/// Requests that may wait at once.
pub const WAITERS_LIMIT: usize = 256;

impl Default for Waiters {
    fn default() -> Self {
        Self::new(WAITERS_LIMIT)
    }
}

/// Streams open at once: a few dashboards, and never a pile of forgotten tabs.
pub const STREAMS_LIMIT: usize = 8;

/// The dashboard's open event streams (`/__sandbox/events`): a bounded number, all ended when the server stops.
pub struct Streams {
    slots: Arc<Semaphore>,
    closing: watch::Sender<bool>,
}

impl Default for Streams {
    fn default() -> Self {
        Self { slots: Arc::new(Semaphore::new(STREAMS_LIMIT)), closing: watch::Sender::new(false) }
    }
}

impl Streams {
    /// Streams open now.
    pub fn open(&self) -> usize {
        STREAMS_LIMIT - self.slots.available_permits()
    }

    /// A place for one more stream (held until the permit drops) and the signal that ends it; None
    /// when every place is taken.
    pub fn try_open(&self) -> Option<(OwnedSemaphorePermit, watch::Receiver<bool>)> {
        let slot = self.slots.clone().try_acquire_owned().ok()?;
        Some((slot, self.closing.subscribe()))
    }

    /// Ends every stream (and any opened later), so a graceful stop does not wait for them.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wait_parameters_are_bounded_and_named_when_wrong() {
        assert_eq!(Wait::from_query(None, None), Ok(None));
        assert_eq!(Wait::from_query(Some("500"), None), Ok(Some(Wait { wait_ms: 500, count: 1 })));
        assert_eq!(Wait::from_query(Some("0"), Some("3")), Ok(Some(Wait { wait_ms: 0, count: 3 })));
        assert!(Wait::from_query(Some("60001"), None).unwrap_err().starts_with("wait_ms:"));
        assert!(Wait::from_query(Some("-1"), None).unwrap_err().starts_with("wait_ms:"));
        assert!(Wait::from_query(Some("5"), Some("0")).unwrap_err().starts_with("count:"));
        assert!(Wait::from_query(Some("5"), Some("many")).unwrap_err().starts_with("count:"));
    }

    #[tokio::test]
    async fn a_waiter_answers_when_the_entry_it_waits_for_is_added() {
        let changes = Arc::new(Changes::default());
        let store = Arc::new(parking_lot::Mutex::new(Vec::<u32>::new()));
        let waiters = Arc::new(Waiters::new(1));
        let (w, c, s) = (waiters.clone(), changes.clone(), store.clone());
        let waiting = tokio::spawn(async move {
            w.until(Wait { wait_ms: 30_000, count: 2 }, &[c.notify()], None, || Look::of(s.lock().clone()))
                .await
                .unwrap()
        });
        for n in [1, 2] {
            tokio::task::yield_now().await;
            store.lock().push(n);
            changes.changed();
        }
        let (items, outcome) = tokio::time::timeout(Duration::from_secs(10), waiting).await.unwrap().unwrap();
        assert_eq!((items, outcome), (vec![1, 2], Outcome::Satisfied));
    }

    #[tokio::test]
    async fn past_its_time_a_waiter_answers_with_what_there_is_and_frees_its_slot() {
        let changes = Changes::default();
        let waiters = Waiters::new(1);
        let (items, outcome) = waiters
            .until(Wait { wait_ms: 20, count: 1 }, &[changes.notify()], None, || Look::of(Vec::<u8>::new()))
            .await
            .unwrap();
        assert_eq!((items.len(), outcome), (0, Outcome::Timeout));
        assert!(waiters.until(Wait { wait_ms: 0, count: 1 }, &[], None, || Look::of(vec![1])).await.is_ok());
    }
}
