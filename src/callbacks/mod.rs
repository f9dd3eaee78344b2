//! Callback delivery. Handlers only enqueue a plan; a worker task delivers it with reqwest after
//! the scheduled delay (on the sandbox clock), retries with backoff and jitter, records every
//! attempt, and releases a transaction's next step only when the previous one is finished, so
//! multi-step sequences arrive in order. HTTP deliveries run in their own tasks: a slow receiver
//! never holds up an API response or another receiver. Callbacks addressed to the sandbox's own
//! sink are stored by the worker itself, in order, with no request and no task.
//!
//! A receiver's answer is read only as far as a short excerpt, redirects are recorded and never
//! followed, and every callback request is marked (`X-Sandbox-Callback`) so that the sandbox
//! refuses it anywhere but its sink: a callback URL cannot act on the admin API, however spelt.
//!
//! Here: the jobs, their store and the worker. Beside it: `attempt` (one HTTP attempt and its
//! answer), `retry` (the retry policy), `own_sink` (the sink path and the refusal of other
//! self-calls), `saved` (the state file's plans) and `shutdown`.

use crate::clock::Clock;
use crate::config::CallbackSettings;
use crate::ids::Ids;
use crate::metrics::Metrics;
use crate::scenario::CallbackFault;
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify, Semaphore};

mod attempt;
mod own_sink;
mod retry;
mod saved;
mod shutdown;

use attempt::{attempt, url_for_logs, Outcome};
use own_sink::OwnSink;
pub use own_sink::{refuse_callback_to_self, CALLBACK_HEADER};
use retry::later;
pub use saved::{QueuedPlan, SavedCopy, SavedStep};

/// How long an idle worker sleeps before looking at the schedule again.
const IDLE_LOOK_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its time (first attempt or a retry).
    Scheduled,
    InFlight,
    Delivered,
    /// Gave up: attempts exhausted or a non-retryable answer.
    Failed,
    /// Recorded but deliberately not sent (the `never_sent` fault).
    Suppressed,
    /// Still queued when the sandbox stopped.
    Abandoned,
    /// Never sent: a queue was full (`queue_limit` or `total_queue_limit`) when its transaction was
    /// accepted; `droppedBy` names the limit.
    Dropped,
}

impl JobState {
    /// Waiting to be sent or being sent: what `queue_limit` bounds.
    fn is_queued(self) -> bool {
        matches!(self, JobState::Scheduled | JobState::InFlight)
    }
}

/// Jobs scheduled or in flight, in all and per merchant: `queue_limit` applies to each merchant,
/// so one merchant's unreachable receiver cannot cost another merchant its callbacks.
#[derive(Default)]
struct Queued {
    total: usize,
    by_merchant: HashMap<String, usize>,
}

impl Queued {
    fn add(&mut self, merchant: &str) {
        self.total += 1;
        match self.by_merchant.get_mut(merchant) {
            Some(count) => *count += 1,
            None => {
                self.by_merchant.insert(merchant.to_string(), 1);
            }
        }
    }

    fn remove(&mut self, merchant: &str) {
        self.total -= 1;
        if let Some(count) = self.by_merchant.get_mut(merchant) {
            *count -= 1;
        }
    }

    fn of(&self, merchant: &str) -> usize {
        self.by_merchant.get(merchant).copied().unwrap_or(0)
    }

    fn recount<'a>(&mut self, jobs: impl Iterator<Item = &'a Job>) {
        *self = Queued::default();
        for job in jobs.filter(|j| j.state.is_queued()) {
            self.add(&job.merchant);
        }
    }
}

/// Changes a job's state, keeping the count of queued jobs right.
fn set_state(queued: &mut Queued, job: &mut Job, state: JobState) {
    match (job.state.is_queued(), state.is_queued()) {
        (false, true) => queued.add(&job.merchant),
        (true, false) => queued.remove(&job.merchant),
        _ => {}
    }
    job.state = state;
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub number: u32,
    #[serde(serialize_with = "crate::clock::serialize_iso_ms")]
    pub at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_excerpt: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: JobId,
    pub merchant: String,
    pub operation: String,
    pub reference: String,
    pub scenario: String,
    pub url: String,
    /// 1-based position in the transaction's sequence, and the sequence length.
    pub step: usize,
    pub steps: usize,
    /// Serialised once when the job is created: sent as is, cheap to keep and to clone.
    pub body: JsonBytes,
    pub state: JobState,
    #[serde(rename = "createdAt", serialize_with = "crate::clock::serialize_iso_ms")]
    pub created_ms: i64,
    #[serde(rename = "dueAt", serialize_with = "crate::clock::serialize_iso_ms")]
    pub due_ms: i64,
    pub attempts: Vec<Attempt>,
    /// Attempts made before the sandbox restarted (from the state file); they count towards the
    /// retry schedule.
    #[serde(skip_serializing_if = "is_zero")]
    pub earlier_attempts: u32,
    /// For a dropped job, the limit that was reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_by: Option<&'static str>,
    /// The sequence this job is a step of, while the next step waits for it.
    #[serde(skip)]
    chain: Option<ChainId>,
    #[serde(skip)]
    malformed: bool,
    #[serde(skip)]
    ignore_first_answer: bool,
    #[serde(skip)]
    basic_auth: Option<(String, String)>,
}

/// JSON text kept as bytes, written out as JSON (not as a string) where jobs are listed.
#[derive(Debug, Clone)]
pub struct JsonBytes(pub actix_web::web::Bytes);

impl JsonBytes {
    fn of(value: &Value) -> Self {
        Self(actix_web::web::Bytes::from(serde_json::to_vec(value).unwrap_or_default()))
    }

    pub fn to_value(&self) -> Value {
        serde_json::from_slice(&self.0).unwrap_or(Value::Null)
    }
}

impl Serialize for JsonBytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

/// One callback to send, as the operation built it.
#[derive(Debug, Clone)]
pub struct Step {
    /// Wait after the previous step finishes (or after acceptance); None: the configured first delay.
    pub after_ms: Option<u64>,
    pub body: Value,
}

/// Everything an operation hands over: who, where, and the steps in order.
#[derive(Debug, Clone)]
pub struct Plan {
    pub merchant: String,
    pub operation: String,
    pub reference: String,
    pub scenario: String,
    pub url: String,
    pub basic_auth: Option<(String, String)>,
    pub steps: Vec<Step>,
    pub faults: Vec<CallbackFault>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A transaction's sequence: the steps after the one being sent, released when every copy of
/// that one is finished (a duplicated step has two).
struct Chain {
    plan: Plan,
    /// Index of the next step to schedule.
    next: usize,
    copies: usize,
    /// Copies of the current step not yet finished.
    pending: usize,
}

type ChainId = u64;

struct Store {
    jobs: HashMap<JobId, Job>,
    order: VecDeque<JobId>,
    due: BinaryHeap<Reverse<(i64, u64, JobId)>>,
    sequence: u64,
    /// The rest of each transaction's steps, by the id its current step's jobs carry.
    chains: HashMap<ChainId, Chain>,
    next_chain: ChainId,
    /// Ids of finished jobs, oldest first: what eviction drops (stale ids are skipped).
    finished: VecDeque<JobId>,
    queued: Queued,
    /// When the worker will look at the schedule again by itself (sandbox ms). A new job due
    /// before then must wake it; one due later need not, which spares a thread wake-up per
    /// request while callbacks fall due in the order they were queued.
    worker_looks_at: i64,
}

impl Default for Store {
    fn default() -> Self {
        Self {
            jobs: HashMap::new(),
            order: VecDeque::new(),
            due: BinaryHeap::new(),
            sequence: 0,
            chains: HashMap::new(),
            next_chain: 0,
            finished: VecDeque::new(),
            queued: Queued::default(),
            // Until the worker has looked once, every change wakes it.
            worker_looks_at: i64::MAX,
        }
    }
}

/// Where one attempt goes, and what it carries; taken from the job under the lock.
struct Sending {
    target: Target,
    body: actix_web::web::Bytes,
    basic_auth: Option<(String, String)>,
    /// The receiver_timeout fault's first attempt: the answer is disregarded.
    ignore_answer: bool,
}

enum Target {
    /// This server's own sink, by name: stored directly.
    OwnSink(String),
    Url(String),
}

pub struct Callbacks {
    store: Mutex<Store>,
    wake: Notify,
    /// Announces new jobs and attempts to admin requests that wait for them.
    pub changes: crate::wait::Changes,
    settings: CallbackSettings,
    client: reqwest::Client,
    clock: Arc<Clock>,
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

/// Job ids are shared by the log, its order, the schedule and the chains: one allocation each.
pub type JobId = Arc<str>;

pub const SIGNATURE_HEADER: &str = "X-Sandbox-Signature";

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub merchant: Option<String>,
    pub reference: Option<String>,
    pub state: Option<String>,
    pub limit: Option<usize>,
}

impl Callbacks {
    pub fn new(
        settings: CallbackSettings,
        clock: Arc<Clock>,
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
            clock,
            ids,
            in_flight,
            metrics,
            signer,
            own_sink: std::sync::OnceLock::new(),
            flushing: AtomicBool::new(false),
            stopping: watch::channel(false).0,
        }
    }

    /// Wakes the worker if the schedule's next job is due before it would look by itself.
    fn wake_if_sooner(&self, store: &Store) {
        if store.due.peek().is_some_and(|Reverse((due, _, _))| *due < store.worker_looks_at) {
            self.wake.notify_one();
        }
    }

    pub fn first_delay_ms(&self) -> u64 {
        self.settings.first_delay_ms
    }

    /// Queues a transaction's callbacks; returns the ids of the jobs created now.
    pub fn enqueue(&self, mut plan: Plan) -> Vec<String> {
        if plan.steps.is_empty() {
            return Vec::new();
        }
        let now = self.clock.now_ms();
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
        } else if let Some(limit) = self.full_queue(&store, &plan.merchant) {
            self.create_unsent(&mut store, &plan, copies, now, JobState::Dropped, Some(limit))
        } else {
            let due = self.due_of(now, &plan.steps[0]);
            self.start_sequence(&mut store, plan, copies, &vec![(due, 0); copies])
        };
        self.wake_if_sooner(&store);
        drop(store);
        created.iter().map(|id| id.to_string()).collect()
    }

    /// The limit a new transaction's callbacks would pass, if any. A full queue refuses new
    /// transactions rather than dropping queued ones, so callbacks already waiting (or retrying)
    /// keep their turn, and a receiver that never answers cannot grow memory without bound.
    fn full_queue(&self, store: &Store, merchant: &str) -> Option<&'static str> {
        if store.queued.of(merchant) >= self.settings.queue_limit {
            Some("callbacks.queue_limit")
        } else if store.queued.total >= self.settings.total_queue_limit {
            Some("callbacks.total_queue_limit")
        } else {
            None
        }
    }

    /// Schedules the first step of `plan`, one job per `(due, earlier attempts)` copy, and keeps
    /// the later steps until every copy is finished.
    fn start_sequence(&self, store: &mut Store, plan: Plan, copies: usize, current: &[(i64, u32)]) -> Vec<JobId> {
        let chain = (plan.steps.len() > 1).then(|| {
            store.next_chain += 1;
            store.next_chain
        });
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
        dropped_by: Option<&'static str>,
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
                    "callbacks.queue_limit" => self.settings.queue_limit,
                    _ => self.settings.total_queue_limit,
                };
                tracing::warn!(
                    merchant = %plan.merchant,
                    limit,
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
        let id: JobId = self.ids.callback_id().into();
        let step = &plan.steps[index];
        let job = Job {
            id: id.clone(),
            merchant: plan.merchant.clone(),
            operation: plan.operation.clone(),
            reference: plan.reference.clone(),
            scenario: plan.scenario.clone(),
            url: plan.url.clone(),
            step: index + 1,
            steps: plan.steps.len(),
            body: JsonBytes::of(&step.body),
            state,
            created_ms: self.clock.now_ms(),
            due_ms,
            attempts: Vec::new(),
            earlier_attempts: 0,
            dropped_by: None,
            chain,
            malformed: plan.faults.contains(&CallbackFault::MalformedBody),
            ignore_first_answer: plan.faults.contains(&CallbackFault::ReceiverTimeout),
            basic_auth: plan.basic_auth.clone(),
        };
        if state == JobState::Scheduled {
            store.sequence += 1;
            let seq = store.sequence;
            store.due.push(Reverse((due_ms, seq, id.clone())));
            store.queued.add(&plan.merchant);
        }
        if matches!(state, JobState::Suppressed | JobState::Dropped) {
            store.finished.push_back(id.clone());
        }
        store.jobs.insert(id.clone(), job);
        store.order.push_back(id.clone());
        self.evict(store);
        id
    }

    /// Keeps the log bounded, dropping the oldest finished jobs first, without scanning the log.
    fn evict(&self, store: &mut Store) {
        while store.jobs.len() > self.settings.log_limit {
            let Some(id) = store.finished.pop_front() else { break };
            let still_finished = store.jobs.get(&id).is_some_and(|j| !j.state.is_queued());
            if still_finished {
                store.jobs.remove(&id);
            }
        }
        // `order` keeps the ids of dropped jobs until it is compacted, when half of it is stale.
        if store.order.len() > 2 * store.jobs.len().max(64) {
            let Store { jobs, order, .. } = store;
            order.retain(|id| jobs.contains_key(id));
        }
    }

    fn schedule(&self, store: &mut Store, id: &str, due_ms: i64) {
        let Store { jobs, queued, .. } = &mut *store;
        if let Some(job) = jobs.get_mut(id) {
            set_state(queued, job, JobState::Scheduled);
            job.due_ms = due_ms;
            let shared = job.id.clone();
            store.sequence += 1;
            let seq = store.sequence;
            store.due.push(Reverse((due_ms, seq, shared)));
        }
    }

    /// Sends a job again now, whatever its state (unless it is on its way).
    pub fn redeliver(&self, id: &str) -> Option<Job> {
        let mut store = self.store.lock();
        let job = store.jobs.get(id)?;
        if job.state != JobState::InFlight {
            let now = self.clock.now_ms();
            self.schedule(&mut store, id, now);
        }
        self.wake_if_sooner(&store);
        store.jobs.get(id).cloned()
    }

    pub fn get(&self, id: &str) -> Option<Job> {
        self.store.lock().jobs.get(id).cloned()
    }

    /// Newest first.
    pub fn list(&self, filter: &Filter) -> Vec<Job> {
        let store = self.store.lock();
        store
            .order
            .iter()
            .rev()
            .filter_map(|id| store.jobs.get(id))
            .filter(|j| filter.merchant.as_deref().is_none_or(|m| j.merchant == m))
            .filter(|j| filter.reference.as_deref().is_none_or(|r| j.reference == r))
            .filter(|j| filter.state.as_deref().is_none_or(|s| serde_json::to_value(j.state).is_ok_and(|v| v == s)))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// Forgets jobs (of one merchant, or all); queued ones are not sent.
    pub fn clear(&self, merchant: Option<&str>) {
        let mut store = self.store.lock();
        let keep = |j: &Job| merchant.is_some_and(|m| j.merchant != m);
        store.jobs.retain(|_, j| keep(j));
        let Store { jobs, order, chains, finished, queued, .. } = &mut *store;
        order.retain(|id| jobs.contains_key(id));
        finished.retain(|id| jobs.contains_key(id));
        queued.recount(jobs.values());
        chains.retain(|_, c| merchant.is_some_and(|m| c.plan.merchant != m));
    }

    /// Wakes the worker to look at the schedule again (after the clock moved).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Requests being sent right now.
    pub fn in_flight(&self) -> usize {
        self.settings.max_in_flight.max(1) - self.in_flight.available_permits()
    }

    pub fn queued(&self) -> usize {
        self.store.lock().queued.total
    }

    /// The delivery loop; returns once `shut_down` has stopped it.
    pub async fn run(self: Arc<Self>) {
        let mut stopping = self.stopping.subscribe();
        loop {
            let now = self.clock.now_ms();
            let (ready, next_due) = {
                let mut store = self.store.lock();
                let mut ready = Vec::new();
                while let Some(Reverse((due, _, _))) = store.due.peek() {
                    if *due > now {
                        break;
                    }
                    let Some(Reverse((_, _, id))) = store.due.pop() else {
                        break;
                    };
                    // Stale entries (rescheduled, dropped or cleared jobs) are skipped.
                    let Store { jobs, queued, .. } = &mut *store;
                    if let Some(job) = jobs.get_mut(&id) {
                        if job.state == JobState::Scheduled && job.due_ms <= now {
                            set_state(queued, job, JobState::InFlight);
                            ready.push(id);
                        }
                    }
                }
                let next_due = store.due.peek().map(|Reverse((due, _, _))| *due);
                store.worker_looks_at = next_due.unwrap_or(now + IDLE_LOOK_MS).min(now + IDLE_LOOK_MS);
                (ready, next_due)
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
            let wait =
                next_due.map_or(IDLE_LOOK_MS, |due| due.saturating_sub(self.clock.now_ms()).clamp(0, IDLE_LOOK_MS));
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
                _ = self.wake.notified() => {}
                _ = self.clock.advanced() => {}
                _ = stopping.wait_for(|stop| *stop) => return,
            }
        }
    }

    /// Returns a job taken for sending to the schedule, at the time it had (the worker stopped).
    fn put_back(&self, id: &str) {
        let mut store = self.store.lock();
        if let Some(due) = store.jobs.get(id).map(|j| j.due_ms) {
            self.schedule(&mut store, id, due);
        }
    }

    /// What the next attempt of a job sends, read under the lock without copying the body.
    fn sending(&self, id: &str) -> Option<Sending> {
        let store = self.store.lock();
        let job = store.jobs.get(id)?;
        let body = if job.malformed { job.body.0.slice(..job.body.0.len() / 2) } else { job.body.0.clone() };
        let target = match self.own_sink_name(&job.url) {
            Some(name) => Target::OwnSink(name),
            None => Target::Url(job.url.clone()),
        };
        let ignore_answer = job.ignore_first_answer && job.attempts.is_empty();
        Some(Sending { target, body, basic_auth: job.basic_auth.clone(), ignore_answer })
    }

    fn sign(&self, body: &[u8]) -> Option<String> {
        use base64::Engine;
        self.signer.as_ref().map(|s| base64::engine::general_purpose::STANDARD.encode(s.sign_rs256(body)))
    }

    async fn deliver(&self, id: &str, sending: Sending) {
        let Target::Url(url) = &sending.target else { return };
        let signature = self.sign(&sending.body);
        let at = self.clock.now_ms();
        let started = Instant::now();
        let (body, basic_auth) = (sending.body, sending.basic_auth);
        let mut request = self
            .client
            .post(url.as_str())
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
    fn record_attempt(&self, id: &str, at: i64, started: Instant, outcome: Outcome, ignore_answer: bool) {
        let latency_ms = started.elapsed().as_millis() as u64;
        // The receiver_timeout fault: the first answer is treated as never having come, so the
        // receiver sees the callback again, as after a real timeout.
        let outcome = if ignore_answer {
            Outcome::failed("timed out (receiver_timeout fault: the receiver's answer was ignored)")
        } else {
            outcome
        };
        let Outcome { status, retry_after_ms, error, excerpt } = outcome;
        let retryable = match status {
            Some(s) => s == 429 || s >= 500,
            None => true,
        };
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        let mut store = self.store.lock();
        let Store { jobs, queued, .. } = &mut *store;
        let Some(job) = jobs.get_mut(id) else { return };
        let shared = job.id.clone();
        let made = job.earlier_attempts as usize + job.attempts.len() + 1;
        let number = u32::try_from(made).unwrap_or(u32::MAX);
        // Logged: the answer's status or the error, never the excerpt (a receiver may echo secrets).
        let failure = (!delivered).then(|| match (status, &error) {
            (Some(status), _) => format!("answered {status}"),
            (None, Some(error)) => error.clone(),
            (None, None) => "no answer".to_string(),
        });
        job.attempts.push(Attempt { number, at, status, latency_ms, error, response_excerpt: excerpt });
        self.changes.changed();
        if delivered {
            set_state(queued, job, JobState::Delivered);
            Metrics::count(&self.metrics.callbacks_delivered);
            let (reference, url) = (&job.reference, url_for_logs(&job.url));
            let status = status.unwrap_or_default();
            tracing::info!(%reference, job = id, %url, attempt = number, status, latency_ms, "callback delivered");
        } else if let Some(wait) = retryable.then(|| self.retry_wait_ms(made, retry_after_ms)).flatten() {
            Metrics::count(&self.metrics.callbacks_retried);
            let (reference, url) = (job.reference.clone(), url_for_logs(&job.url));
            let due = later(self.clock.now_ms(), wait);
            self.schedule(&mut store, id, due);
            self.wake_if_sooner(&store);
            drop(store);
            let failure = failure.unwrap_or_default();
            tracing::warn!(%reference, job = id, %url, attempt = number, retry_in_ms = wait, "callback attempt failed: {failure}");
            return;
        } else {
            set_state(queued, job, JobState::Failed);
            Metrics::count(&self.metrics.callbacks_failed);
            let (reference, url, failure) = (&job.reference, url_for_logs(&job.url), failure.unwrap_or_default());
            tracing::warn!(%reference, job = id, %url, attempts = number, "callback given up: {failure}");
        }
        let chain = job.chain.take();
        store.finished.push_back(shared);
        self.release_next(&mut store, chain);
        // A burst queues more jobs than the log keeps; they become evictable only now.
        self.evict(&mut store);
        self.wake_if_sooner(&store);
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
        let due = self.due_of(self.clock.now_ms(), &chain.plan.steps[index]);
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
