//! The worker: takes what falls due on each merchant's sandbox clock, sends each over HTTP in a task of its
//! own (or stores it in the own sink at once), records the outcome, schedules the retry, and
//! releases a sequence's next step when the current one is finished.

use super::attempt::{attempt, url_for_logs, Outcome, Sending, Target, CALLBACK_HEADER, SIGNATURE_HEADER};
use super::job::ChainId;
use super::job::{Attempt, JobState};
use super::retry::{later, verdict, Verdict};
use super::store::Store;
use super::Callbacks;
use crate::metrics::Metrics;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long an idle worker sleeps before looking at the schedule again.
const IDLE_LOOK_MS: i64 = 60_000;

/// Wall-clock ms, which the worker's own sleeps are counted in.
pub(super) fn wall_now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Callbacks {
    /// The delivery loop; returns once `shut_down` has stopped it.
    pub(crate) async fn run(self: Arc<Self>) {
        let mut stopping = self.stopping.subscribe();
        loop {
            let (ready, wait) = {
                let mut store = self.store.lock();
                let ready = store.take_due(|merchant| self.clocks.now_ms_of(merchant));
                let next_due_in = store.next_due_in(|merchant| {
                    let clock = self.clocks.of(merchant);
                    (!clock.is_frozen()).then(|| clock.now_ms())
                });
                let wait = next_due_in.map_or(IDLE_LOOK_MS, |ms| ms.clamp(0, IDLE_LOOK_MS));
                store.worker_looks_at = wall_now_ms().saturating_add(wait);
                (ready, wait)
            };
            for id in ready {
                // Deliveries to the own sink are quick and local: done here, in order, without a task each.
                let Some(sending) = self.sending(&id) else { continue };
                let Some(sending) = self.deliver_to_own_sink(&id, sending) else { continue };
                let permit = tokio::select! {
                    permit = self.in_flight.clone().acquire_owned() => permit.ok(),
                    _ = stopping.wait_for(|stop| *stop) => None,
                };
                let Some(permit) = permit.filter(|_| !*stopping.borrow()) else {
                    self.put_back(&id);
                    continue;
                };
                let me = self.clone();
                tokio::spawn(async move {
                    me.deliver(&id, sending).await;
                    drop(permit);
                });
            }
            if *stopping.borrow() {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
                _ = self.wake.notified() => {}
                _ = self.clocks.changes().notified() => {}
                _ = stopping.wait_for(|stop| *stop) => return,
            }
        }
    }

    /// Returns a job taken for sending to the schedule, at the time it had (the worker stopped).
    fn put_back(&self, id: &str) {
        let mut store = self.store.lock();
        if let Some(due) = store.jobs.get(id).map(|j| j.due_ms) {
            store.schedule(id, due);
        }
    }

    /// What the next attempt of a job sends, read under the lock without copying the body.
    fn sending(&self, id: &str) -> Option<Sending> {
        let store = self.store.lock();
        let job = store.jobs.get(id)?;
        let sent = if job.malformed { &job.body.0[..job.body.0.len() / 2] } else { &job.body.0[..] };
        let body = actix_web::web::Bytes::copy_from_slice(sent);
        let target = match self.own_sink_name(&job.url) {
            Some(name) => Target::OwnSink(name),
            None => Target::Url(job.url.clone()),
        };
        let ignore_answer = job.ignore_first_answer && job.attempts.is_empty();
        let clock = self.clocks.of(&job.merchant);
        Some(Sending { clock, target, body, basic_auth: job.basic_auth.as_deref().cloned(), ignore_answer })
    }

    pub(super) fn sign(&self, body: &[u8]) -> Option<String> {
        use base64::Engine;
        self.signer.as_ref().map(|s| base64::engine::general_purpose::STANDARD.encode(s.sign_rs256(body)))
    }

    async fn deliver(&self, id: &str, sending: Sending) {
        let Target::Url(url) = &sending.target else { return };
        let signature = self.sign(&sending.body);
        let at = sending.clock.now_ms();
        let started = Instant::now();
        let (body, basic_auth) = (sending.body, sending.basic_auth);
        let mut request = self
            .client
            .post(&**url)
            .header("Content-Type", "application/json")
            .header(CALLBACK_HEADER, id)
            .timeout(Duration::from_millis(self.settings.timeout_ms));
        if let Some(signature) = signature {
            request = request.header(SIGNATURE_HEADER, signature);
        }
        let request = request.body(body);
        let request = match &basic_auth {
            Some((user, password)) => request.basic_auth(user, Some(password)),
            None => request,
        };
        let mut stopping = self.stopping.subscribe();
        let outcome = tokio::select! {
            outcome = attempt(request) => outcome,
            _ = stopping.wait_for(|stop| *stop) => {
                Outcome::failed("timed out (cut short: the sandbox was shutting down)")
            }
        };
        self.record_attempt(id, at, started, outcome, sending.ignore_answer);
    }

    /// Records one attempt's outcome and decides what follows: delivered, retried later, or
    /// failed; then releases the sequence's next step.
    pub(super) fn record_attempt(&self, id: &str, at: i64, started: Instant, outcome: Outcome, ignore_answer: bool) {
        let latency_ms = started.elapsed().as_millis() as u64;
        // The receiver_timeout fault: the first answer is treated as never having come, so the
        // receiver sees the callback again, as after a real timeout.
        let outcome = if ignore_answer {
            Outcome::failed("timed out (receiver_timeout fault: the receiver's answer was ignored)")
        } else {
            outcome
        };
        let Outcome { status, retry_after_ms, error, excerpt } = outcome;
        let verdict = verdict(status);
        let mut store = self.store.lock();
        let Some(job) = store.jobs.get_mut(id) else { return };
        let made = job.earlier_attempts as usize + job.attempts.len() + 1;
        let number = u32::try_from(made).unwrap_or(u32::MAX);
        // Logged: the answer's status or the error, never the excerpt (a receiver may echo secrets).
        let failure = (verdict != Verdict::Delivered).then(|| match (status, &error) {
            (Some(status), _) => format!("answered {status}"),
            (None, Some(error)) => error.clone(),
            (None, None) => "no answer".to_string(),
        });
        job.attempts.push(Attempt { number, at, status, latency_ms, error, response_excerpt: excerpt });
        self.changes.changed();
        let retry_in = (verdict == Verdict::Retry).then(|| self.retry_wait_ms(made, retry_after_ms)).flatten();
        let finished = if verdict == Verdict::Delivered {
            Metrics::count(&self.metrics.callbacks_delivered);
            let (reference, status) = (&job.reference, status.unwrap_or_default());
            // The URL is cleaned for the log only when the line is written: it is parsed to do so.
            tracing::info!(%reference, job = id, url = %url_for_logs(&job.url), attempt = number, status, latency_ms, "callback delivered");
            JobState::Delivered
        } else if let Some(wait) = retry_in {
            Metrics::count(&self.metrics.callbacks_retried);
            let (reference, url, merchant) = (job.reference.clone(), job.url.clone(), job.merchant.clone());
            store.schedule(id, later(self.clocks.now_ms_of(&merchant), wait));
            self.wake_if_sooner(&store, &merchant);
            drop(store);
            let failure = failure.unwrap_or_default();
            tracing::warn!(%reference, job = id, url = %url_for_logs(&url), attempt = number, retry_in_ms = wait, "callback attempt failed: {failure}");
            return;
        } else {
            Metrics::count(&self.metrics.callbacks_failed);
            let (reference, failure) = (&job.reference, failure.unwrap_or_default());
            tracing::warn!(%reference, job = id, url = %url_for_logs(&job.url), attempts = number, "callback given up: {failure}");
            JobState::Failed
        };
        let merchant = job.merchant.clone();
        let chain = store.finish(id, finished);
        self.release_next(&mut store, chain);
        // A burst queues more jobs than the log keeps; they become evictable only now.
        store.evict(self.settings.log_limit);
        self.wake_if_sooner(&store, &merchant);
    }

    /// Counts a finished job against its sequence; schedules the next step once every copy of
    /// the current one is finished, so steps arrive in order even when one is duplicated.
    fn release_next(&self, store: &mut Store, chain: Option<ChainId>) {
        let Some(chain_id) = chain else { return };
        let Some(chain) = store.chains.get_mut(&chain_id) else { return };
        chain.pending = chain.pending.saturating_sub(1);
        if chain.pending > 0 {
            return;
        }
        let Some(mut chain) = store.chains.remove(&chain_id) else { return };
        let index = chain.next;
        let due = self.due_of(self.clocks.now_ms_of(&chain.plan.merchant), &chain.plan.steps[index]);
        chain.next += 1;
        let more = chain.next < chain.plan.steps.len();
        for _ in 0..chain.copies {
            self.create_job(store, &chain.plan, index, due, JobState::Scheduled, more.then_some(chain_id));
        }
        if more {
            chain.pending = chain.copies;
            store.chains.insert(chain_id, chain);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Plan, Step};
    use super::*;
    use crate::clock::Clocks;
    use crate::config::CallbackSettings;
    use crate::ids::Ids;
    use crate::scenario::CallbackFault;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000_000;

    /// Callbacks on a frozen clock, with no jitter: due times are exact.
    fn callbacks(settings: CallbackSettings) -> Callbacks {
        let clocks = Arc::new(Clocks::default());
        clocks.set(None, Some(NOW), Some(true)).unwrap();
        let settings = CallbackSettings { jitter: 0.0, ..settings };
        Callbacks::new(settings, clocks, Arc::new(Ids::new(7)), Arc::default(), None)
    }

    fn plan(url: &str, steps: usize, faults: Vec<CallbackFault>) -> Plan {
        Plan {
            merchant: "m".into(),
            operation: "op".into(),
            reference: "ref".into(),
            scenario: "default".into(),
            url: url.into(),
            basic_auth: None,
            steps: (1..=steps).map(|n| Step { after_ms: Some(10 * n as u64), body: json!({"step": n}) }).collect(),
            faults,
        }
    }

    /// The worker's part up to sending: every job due now, marked in flight.
    fn take_due(callbacks: &Callbacks) -> Vec<String> {
        callbacks.store.lock().take_due(|m| callbacks.clocks.now_ms_of(m)).iter().map(|id| id.to_string()).collect()
    }

    fn answered(status: u16) -> Outcome {
        Outcome { status: Some(status), ..Outcome::default() }
    }

    fn record(callbacks: &Callbacks, id: &str, outcome: Outcome) {
        let ignore = callbacks.sending(id).is_some_and(|s| s.ignore_answer);
        callbacks.record_attempt(id, callbacks.clocks.shared().now_ms(), Instant::now(), outcome, ignore);
    }

    #[test]
    fn a_failed_attempt_is_retried_on_the_schedule_then_given_up() {
        let callbacks = callbacks(CallbackSettings { retry_schedule_ms: vec![1_000], ..Default::default() });
        let [id] = callbacks.enqueue(plan("http://receiver.test/cb", 1, vec![])).try_into().unwrap();
        assert!(take_due(&callbacks).is_empty(), "due only after the step's wait");
        callbacks.clocks.advance(None, 10).unwrap();
        assert_eq!(take_due(&callbacks), std::slice::from_ref(&id));
        record(&callbacks, &id, answered(503));
        let job = callbacks.get(&id).unwrap();
        assert_eq!((job.state, job.due_ms, job.attempts.len()), (JobState::Scheduled, NOW + 10 + 1_000, 1));
        callbacks.clocks.advance(None, 1_000).unwrap();
        assert_eq!(take_due(&callbacks), std::slice::from_ref(&id));
        record(&callbacks, &id, Outcome::failed("could not connect"));
        let job = callbacks.get(&id).unwrap();
        assert_eq!((job.state, job.attempts.len()), (JobState::Failed, 2));
        assert_eq!(job.attempts[1].error.as_deref(), Some("could not connect"));
        assert_eq!(callbacks.queued(), 0);
        let counted = |counter: &std::sync::atomic::AtomicU64| counter.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(
            (counted(&callbacks.metrics.callbacks_retried), counted(&callbacks.metrics.callbacks_failed)),
            (1, 1)
        );
    }

    #[test]
    fn a_client_error_is_given_up_at_once() {
        let callbacks = callbacks(CallbackSettings::default());
        let [id] = callbacks.enqueue(plan("http://receiver.test/cb", 1, vec![])).try_into().unwrap();
        callbacks.clocks.advance(None, 10).unwrap();
        take_due(&callbacks);
        record(&callbacks, &id, answered(404));
        assert_eq!(callbacks.get(&id).unwrap().state, JobState::Failed);
    }

    #[test]
    fn the_next_step_waits_for_every_copy_of_the_current_one() {
        let callbacks = callbacks(CallbackSettings::default());
        let first = callbacks.enqueue(plan("http://receiver.test/cb", 2, vec![CallbackFault::Duplicate]));
        assert_eq!(first.len(), 2, "two copies of the first step");
        callbacks.clocks.advance(None, 10).unwrap();
        assert_eq!(take_due(&callbacks), first);
        record(&callbacks, &first[0], answered(200));
        assert_eq!(callbacks.list(&Default::default()).len(), 2, "step 2 waits for the other copy");
        record(&callbacks, &first[1], answered(204));
        let jobs = callbacks.list(&Default::default());
        let second: Vec<_> = jobs.iter().filter(|j| j.step == 2).collect();
        assert_eq!(second.len(), 2);
        assert!(second.iter().all(|j| j.state == JobState::Scheduled && j.due_ms == NOW + 10 + 20));
        assert_eq!(callbacks.get(&first[0]).unwrap().state, JobState::Delivered);
    }

    #[test]
    fn the_receiver_timeout_fault_disregards_only_the_first_answer() {
        let callbacks = callbacks(CallbackSettings { retry_schedule_ms: vec![1_000], ..Default::default() });
        let [id] = callbacks
            .enqueue(plan("http://receiver.test/cb", 1, vec![CallbackFault::ReceiverTimeout]))
            .try_into()
            .unwrap();
        callbacks.clocks.advance(None, 10).unwrap();
        take_due(&callbacks);
        record(&callbacks, &id, answered(200));
        let job = callbacks.get(&id).unwrap();
        assert_eq!(job.state, JobState::Scheduled);
        assert!(job.attempts[0].error.as_deref().is_some_and(|e| e.contains("receiver_timeout")));
        callbacks.clocks.advance(None, 1_000).unwrap();
        take_due(&callbacks);
        record(&callbacks, &id, answered(200));
        assert_eq!(callbacks.get(&id).unwrap().state, JobState::Delivered);
    }

    #[test]
    fn a_malformed_body_fault_sends_half_the_body() {
        let callbacks = callbacks(CallbackSettings::default());
        let [id] = callbacks
            .enqueue(plan("http://receiver.test/cb", 1, vec![CallbackFault::MalformedBody]))
            .try_into()
            .unwrap();
        let sending = callbacks.sending(&id).unwrap();
        let whole = callbacks.get(&id).unwrap().body.0;
        assert_eq!(sending.body, whole[..whole.len() / 2]);
        assert!(matches!(sending.target, Target::Url(_)));
    }

    #[tokio::test]
    async fn the_worker_stores_own_sink_callbacks_in_their_order() {
        let callbacks = Arc::new(callbacks(CallbackSettings::default()));
        let sink = Arc::new(crate::sink::Sink::new(100));
        callbacks.set_own_sink(4000, sink.clone());
        let ids = callbacks.enqueue(plan("http://127.0.0.1:4000/__sandbox/sink/orders", 3, vec![]));
        let worker = tokio::spawn(callbacks.clone().run());
        // Each step falls due 10 to 30 ms (sandbox time) after the one before it has been
        // delivered: the frozen clock moves on 100 ms whenever the sink has received one more.
        let stored = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let changed = sink.changes.notify().notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                let received = sink.list("orders");
                if received.len() == 3 {
                    return received;
                }
                callbacks.clocks.advance(None, 100).unwrap();
                changed.await;
            }
        })
        .await
        .expect("three deliveries to the sink");
        let steps: Vec<_> =
            stored.iter().rev().map(|r| serde_json::to_value(r).unwrap()["body"]["step"].clone()).collect();
        assert_eq!(steps, [json!(1), json!(2), json!(3)]);
        assert_eq!(
            stored[0].headers.get(CALLBACK_HEADER).map(String::as_str),
            callbacks.list(&Default::default()).first().map(|j| &*j.id)
        );
        assert_eq!(callbacks.get(&ids[0]).unwrap().attempts[0].status, Some(200));
        assert_eq!(callbacks.shut_down(Duration::ZERO).await, 0);
        worker.await.unwrap();
    }
}
