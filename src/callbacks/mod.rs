//! Callback delivery. Handlers only enqueue a plan; a worker task delivers it with reqwest after
//! the scheduled delay (on the merchant's sandbox clock), retries with backoff and jitter, records every
//! attempt, and releases a transaction's next step only when the previous one is finished, so
//! multi-step sequences arrive in order. HTTP deliveries run in their own tasks: a slow receiver
//! never holds up an API response or another receiver. Callbacks addressed to the sandbox's own
//! sink are stored by the worker itself, in order, with no request and no task.
//!
//! A receiver's answer is read only as far as a short excerpt, redirects are recorded and never
//! followed, and every callback request is marked (`X-Sandbox-Callback`) so that the sandbox
//! refuses it anywhere but its sink: a callback URL cannot act on the admin API, however spelt.
//!
//! Here: what handlers call (queueing a plan, listing and redelivering jobs). Beside it: `job`
//! (a job and the plan it comes from), `store` (the log and the schedule), `worker` (the delivery
//! loop and what an attempt's outcome leads to), `attempt` (one HTTP attempt and its answer),
//! `retry` (the retry policy), `own_sink` (the sink path and the refusal of other self-calls),
//! `saved` (the state file's plans) and `shutdown`.

use crate::clock::Clocks;
use crate::config::CallbackSettings;
use crate::ids::Ids;
use crate::metrics::Metrics;
use crate::scenario::CallbackFault;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::{watch, Notify, Semaphore};

mod attempt;
mod job;
mod own_sink;
mod retry;
mod saved;
mod shutdown;
mod store;
mod worker;

use job::ChainId;
pub(crate) use job::{Filter, Job, JobId, JobState, JsonBytes, Plan, QueueLimit, Step};
pub(crate) use own_sink::refuse_callback_to_self;
use own_sink::OwnSink;
use retry::later;
pub(crate) use saved::QueuedPlan;
use store::{Chain, Store};

pub(crate) struct Callbacks {
    store: Mutex<Store>,
    wake: Notify,
    /// Announces new jobs and attempts to admin requests that wait for them.
    pub changes: crate::wait::Changes,
    settings: CallbackSettings,
    client: reqwest::Client,
    clocks: Arc<Clocks>,
    ids: Arc<Ids>,
    in_flight: Arc<Semaphore>,
    metrics: Arc<Metrics>,
    /// Signs bodies when `callbacks.sign` is on.
    signer: Option<crate::crypto::IssuerKey>,
    /// This server's port and sink: callbacks addressed to it are stored directly, without a
    /// round trip through HTTP to ourselves.
    own_sink: std::sync::OnceLock<OwnSink>,
    /// Shutting down: steps released from now on are sent at once.
    flushing: AtomicBool,
    /// True once the worker must stop; attempts under way are cut short.
    stopping: watch::Sender<bool>,
}

const USER_AGENT: &str = concat!("jenga-sandbox/", env!("CARGO_PKG_VERSION"));

impl Callbacks {
    pub(crate) fn new(
        settings: CallbackSettings,
        clocks: Arc<Clocks>,
        ids: Arc<Ids>,
        metrics: Arc<Metrics>,
        signer: Option<crate::crypto::IssuerKey>,
    ) -> Self {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .pool_max_idle_per_host(32)
            // A redirect is the attempt's answer: following it would let a receiver send the
            // callback anywhere, the sandbox's own admin API included.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("the HTTP client builds with static settings");
        let in_flight = Arc::new(Semaphore::new(settings.max_in_flight.max(1)));
        Self {
            store: Mutex::default(),
            wake: Notify::new(),
            changes: Default::default(),
            settings,
            client,
            clocks,
            ids,
            in_flight,
            metrics,
            signer,
            own_sink: std::sync::OnceLock::new(),
            flushing: AtomicBool::new(false),
            stopping: watch::channel(false).0,
        }
    }

    /// Wakes the worker if `merchant`'s next job is due before the worker would look by itself.
    fn wake_if_sooner(&self, store: &Store, merchant: &str) {
        let Some(due) = store.next_due_of(merchant) else { return };
        let clock = self.clocks.of(merchant);
        let now = clock.now_ms();
        // A frozen clock brings nothing due by itself; moving it wakes the worker.
        let sooner = due <= now
            || (!clock.is_frozen() && worker::wall_now_ms().saturating_add(due - now) < store.worker_looks_at);
        if sooner {
            self.wake.notify_one();
        }
    }

    pub(crate) fn first_delay_ms(&self) -> u64 {
        self.settings.first_delay_ms
    }

    /// Queues a transaction's callbacks; returns the ids of the jobs created now.
    pub(crate) fn enqueue(&self, mut plan: Plan) -> Vec<String> {
        if plan.steps.is_empty() {
            return Vec::new();
        }
        let now = self.clocks.now_ms_of(&plan.merchant);
        let copies = if plan.faults.contains(&CallbackFault::Duplicate) { 2 } else { 1 };
        let mut store = self.store.lock();
        // Waiters wake to find the store locked, and look once these jobs are in.
        self.changes.changed();
        if plan.faults.contains(&CallbackFault::OutOfOrder) {
            // Last step first, each still waiting for the one before it.
            plan.steps.reverse();
        }
        let created = if plan.faults.contains(&CallbackFault::NeverSent) {
            self.create_unsent(&mut store, &plan, copies, now, JobState::Suppressed, None)
        } else if let Some(limit) = store.full_queue(&plan.merchant, &self.settings) {
            self.create_unsent(&mut store, &plan, copies, now, JobState::Dropped, Some(limit))
        } else {
            let due = self.due_of(now, &plan.steps[0]);
            let merchant = plan.merchant.clone();
            let created = self.start_sequence(&mut store, plan, copies, &vec![(due, 0); copies]);
            self.wake_if_sooner(&store, &merchant);
            created
        };
        drop(store);
        created.iter().map(|id| id.to_string()).collect()
    }

    /// Schedules the first step of `plan`, one job per `(due, earlier attempts)` copy, and keeps
    /// the later steps until every copy is finished.
    fn start_sequence(&self, store: &mut Store, plan: Plan, copies: usize, current: &[(i64, u32)]) -> Vec<JobId> {
        let chain = (plan.steps.len() > 1).then(|| store.new_chain());
        let mut created = Vec::with_capacity(current.len());
        for &(due, earlier_attempts) in current {
            let id = self.create_job(store, &plan, 0, due, JobState::Scheduled, chain);
            if earlier_attempts > 0 {
                if let Some(job) = store.jobs.get_mut(&id) {
                    job.earlier_attempts = earlier_attempts;
                    // The receiver_timeout fault's ignored answer was spent before the restart.
                    job.ignore_first_answer = false;
                }
            }
            created.push(id);
        }
        if let Some(id) = chain {
            store.chains.insert(id, Chain { plan, next: 1, copies, pending: current.len() });
        }
        created
    }

    /// Records every step of a transaction as not sent, in `state`.
    fn create_unsent(
        &self,
        store: &mut Store,
        plan: &Plan,
        copies: usize,
        now: i64,
        state: JobState,
        dropped_by: Option<QueueLimit>,
    ) -> Vec<JobId> {
        let mut created = Vec::new();
        for index in 0..plan.steps.len() {
            for _ in 0..copies {
                let id = self.create_job(store, plan, index, now, state, None);
                if let Some(job) = store.jobs.get_mut(&id) {
                    job.dropped_by = dropped_by;
                }
                created.push(id);
            }
        }
        if let Some(limit) = dropped_by {
            let count = created.len() as u64;
            let before = self.metrics.callbacks_dropped.fetch_add(count, Ordering::Relaxed);
            // The first time, then every 10,000: a full queue under load drops on every request.
            if before == 0 || (before + count) / 10_000 > before / 10_000 {
                let value = match limit {
                    QueueLimit::PerMerchant => self.settings.queue_limit,
                    QueueLimit::Total => self.settings.total_queue_limit,
                };
                tracing::warn!(
                    merchant = %plan.merchant,
                    limit = limit.name(),
                    value,
                    queued = store.queued.total,
                    dropped_so_far = before + count,
                    "callback queue full: new callbacks are dropped until it has room (is the receiver down?)"
                );
            }
        }
        created
    }

    /// When a step falls due, counted from `now`: at once while shutting down.
    fn due_of(&self, now: i64, step: &Step) -> i64 {
        if self.flushing.load(Ordering::Relaxed) {
            return now;
        }
        later(now, step.after_ms.unwrap_or(self.settings.first_delay_ms))
    }

    fn create_job(
        &self,
        store: &mut Store,
        plan: &Plan,
        index: usize,
        due_ms: i64,
        state: JobState,
        chain: Option<ChainId>,
    ) -> JobId {
        let id: JobId = self.ids.of(&plan.merchant).callback_id().into();
        let step = &plan.steps[index];
        let job = Job {
            id: id.clone(),
            merchant: plan.merchant.clone(),
            operation: plan.operation.clone(),
            reference: plan.reference.clone(),
            scenario: plan.scenario.clone(),
            url: store.shared_url(&plan.url),
            step: count(index + 1),
            steps: count(plan.steps.len()),
            body: JsonBytes::of(&step.body),
            state,
            created_ms: self.clocks.now_ms_of(&plan.merchant),
            due_ms,
            attempts: Vec::new(),
            earlier_attempts: 0,
            dropped_by: None,
            chain,
            malformed: plan.faults.contains(&CallbackFault::MalformedBody),
            ignore_first_answer: plan.faults.contains(&CallbackFault::ReceiverTimeout),
            basic_auth: plan.basic_auth.clone().map(Box::new),
        };
        store.insert(job, self.settings.log_limit);
        id
    }

    /// Sends a job again now, whatever its state (unless it is on its way).
    pub(crate) fn redeliver(&self, id: &str) -> Option<Job> {
        let mut store = self.store.lock();
        let job = store.jobs.get(id)?;
        let merchant = job.merchant.clone();
        if job.state != JobState::InFlight {
            store.schedule(id, self.clocks.now_ms_of(&merchant));
        }
        self.wake_if_sooner(&store, &merchant);
        store.jobs.get(id).map(|job| Job::clone(job))
    }

    pub(crate) fn get(&self, id: &str) -> Option<Job> {
        self.store.lock().jobs.get(id).map(|job| Job::clone(job))
    }

    /// Newest first.
    pub(crate) fn list(&self, filter: &Filter) -> Vec<Job> {
        self.store.lock().list(filter)
    }

    /// Takes out the jobs `ids` with the steps still to follow them, and returns their bodies in
    /// order: proxy mode reads what the sandbox would have sent, and nothing is sent.
    pub(crate) fn take_planned(&self, ids: &[String]) -> Vec<(String, serde_json::Value)> {
        self.store.lock().take(ids)
    }

    /// Forgets jobs (of one merchant, or all); queued ones are not sent.
    pub(crate) fn clear(&self, merchant: Option<&str>) {
        self.store.lock().clear(merchant);
    }

    /// Wakes the worker to look at the schedule again (after the clock moved).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Requests being sent right now.
    pub(crate) fn in_flight(&self) -> usize {
        self.settings.max_in_flight.max(1) - self.in_flight.available_permits()
    }

    pub(crate) fn queued(&self) -> usize {
        self.store.lock().queued.total
    }
}

/// A step number or count as jobs keep it (a sequence has a handful of steps).
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
