//! Callback delivery. Handlers only enqueue a plan; a worker task delivers it with reqwest after
//! the scheduled delay (on the sandbox clock), retries with backoff and jitter, records every
//! attempt, and releases a transaction's next step only when the previous one is finished, so
//! multi-step sequences arrive in order. HTTP deliveries run in their own tasks: a slow receiver
//! never holds up an API response or another receiver. Callbacks addressed to the sandbox's own
//! sink are stored by the worker itself, in order, with no request and no task.

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
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify, Semaphore};

/// How much of a receiver's answer the log keeps.
const EXCERPT_BYTES: usize = 512;
/// How long an idle worker sleeps before looking at the schedule again.
const IDLE_LOOK_MS: i64 = 60_000;
/// Longest wait honoured from a receiver's Retry-After.
const MAX_RETRY_AFTER_MS: u64 = 3_600_000;

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
    /// Never sent: the merchant's queue was full (`queue_limit`) when its transaction was accepted.
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

/// A sequence still to be delivered, as the state file keeps it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueuedPlan {
    pub merchant: String,
    pub operation: String,
    pub reference: String,
    pub scenario: String,
    pub url: String,
    pub basic_auth: Option<(String, String)>,
    pub due_ms: i64,
    pub steps: Vec<SavedStep>,
    /// The scenario's fault modes, so a restart keeps them (absent from files of older builds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<CallbackFault>,
    /// The first job was already attempted: a receiver_timeout fault has spent its ignored answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub attempted: bool,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SavedStep {
    pub after_ms: Option<u64>,
    pub body: Value,
}

struct Chain {
    plan: Plan,
    /// Index of the next step to schedule.
    next: usize,
    copies: usize,
}

struct Store {
    jobs: HashMap<JobId, Job>,
    order: VecDeque<JobId>,
    due: BinaryHeap<Reverse<(i64, u64, JobId)>>,
    sequence: u64,
    /// Job id → the rest of its transaction's steps, released when that job finishes.
    chains: HashMap<JobId, Chain>,
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
}

struct OwnSink {
    port: u16,
    sink: Arc<crate::sink::Sink>,
    /// `http://127.0.0.1:PORT/__sandbox/sink/` and its `localhost` and `[::1]` twins: a prefix
    /// test settles the common URLs without parsing them.
    prefixes: [String; 3],
}

const SINK_PATH: &str = "/__sandbox/sink/";

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
        }
    }

    /// Once the server listens: its port, and the sink its `/__sandbox/sink/NAME` serves.
    pub fn set_own_sink(&self, port: u16, sink: Arc<crate::sink::Sink>) {
        let prefixes = ["127.0.0.1", "localhost", "[::1]"].map(|host| format!("http://{host}:{port}{SINK_PATH}"));
        let _ = self.own_sink.set(OwnSink { port, sink, prefixes });
    }

    /// The sink name when `url` is this server's own sink on loopback.
    fn own_sink_name(&self, url: &str) -> Option<String> {
        let own = self.own_sink.get()?;
        if !url.contains(SINK_PATH) {
            return None;
        }
        let plain_name = |name: &str| !name.is_empty() && !name.contains(['/', '?', '#', '%']);
        let fast = own.prefixes.iter().find_map(|p| url.strip_prefix(p.as_str())).map(|n| n.trim_end_matches('/'));
        if let Some(name) = fast.filter(|n| plain_name(n)) {
            return Some(name.to_string());
        }
        // Anything less plain (upper-case host, default port, escapes, a query) is parsed.
        let url = url::Url::parse(url).ok()?;
        let loopback = matches!(url.host_str()?, "127.0.0.1" | "localhost" | "[::1]");
        if !loopback || url.port_or_known_default() != Some(own.port) || url.query().is_some() {
            return None;
        }
        let name = url.path().strip_prefix(SINK_PATH)?.trim_end_matches('/');
        if name.is_empty() || name.contains('/') {
            return None;
        }
        Some(percent_encoding::percent_decode_str(name).decode_utf8_lossy().into_owned())
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
        let mut created = Vec::new();
        if plan.faults.contains(&CallbackFault::OutOfOrder) {
            // Last step first, each still waiting for the one before it.
            plan.steps.reverse();
        }
        if let Some(state) = self.unsent(&store, &plan) {
            created = self.create_unsent(&mut store, &plan, copies, now, state);
        } else {
            let due = now + self.delay_of(&plan.steps[0]) as i64;
            let first = self.create_job(&mut store, &plan, 0, due, JobState::Scheduled);
            created.push(first.clone());
            let mut last = first;
            for _ in 1..copies {
                // A twin rides the chain right after the original.
                let twin = self.create_job(&mut store, &plan, 0, due, JobState::Scheduled);
                created.push(twin.clone());
                last = twin;
            }
            if plan.steps.len() > 1 {
                store.chains.insert(last, Chain { plan, next: 1, copies });
            }
        }
        self.wake_if_sooner(&store);
        drop(store);
        created.iter().map(|id| id.to_string()).collect()
    }

    /// Why a new transaction's callbacks will not be sent, if they will not: its scenario says
    /// so, or the queue is full. A full queue refuses new transactions rather than dropping
    /// queued ones, so callbacks already waiting (or retrying) keep their turn, and a receiver
    /// that never answers cannot grow memory without bound.
    fn unsent(&self, store: &Store, plan: &Plan) -> Option<JobState> {
        if plan.faults.contains(&CallbackFault::NeverSent) {
            Some(JobState::Suppressed)
        } else if store.queued.of(&plan.merchant) >= self.settings.queue_limit {
            Some(JobState::Dropped)
        } else {
            None
        }
    }

    /// Records every step of a transaction as not sent, in `state`.
    fn create_unsent(&self, store: &mut Store, plan: &Plan, copies: usize, now: i64, state: JobState) -> Vec<JobId> {
        let mut created = Vec::new();
        for index in 0..plan.steps.len() {
            for _ in 0..copies {
                created.push(self.create_job(store, plan, index, now, state));
            }
        }
        if state == JobState::Dropped {
            let count = created.len() as u64;
            let before = self.metrics.callbacks_dropped.fetch_add(count, std::sync::atomic::Ordering::Relaxed);
            // The first time, then every 10,000: a full queue under load drops on every request.
            if before == 0 || (before + count) / 10_000 > before / 10_000 {
                tracing::warn!(
                    merchant = %plan.merchant,
                    queue_limit = self.settings.queue_limit,
                    dropped_so_far = before + count,
                    "callback queue full: new callbacks are dropped until it has room (is the receiver down?)"
                );
            }
        }
        created
    }

    /// What is still to be sent, one plan per transaction sequence: the queued (or in-flight)
    /// step and the steps chained after it. For the state file; faults are not kept.
    pub fn queued_plans(&self) -> Vec<QueuedPlan> {
        let store = self.store.lock();
        let mut queued: Vec<&Job> = store.jobs.values().filter(|j| j.state.is_queued()).collect();
        queued.sort_by_key(|j| (j.due_ms, j.id.clone()));
        queued
            .into_iter()
            .map(|job| {
                let mut steps = vec![SavedStep { after_ms: Some(0), body: job.body.to_value() }];
                let chain = store.chains.get(&job.id);
                if let Some(chain) = chain {
                    let rest = &chain.plan.steps[chain.next..];
                    steps.extend(rest.iter().map(|s| SavedStep { after_ms: s.after_ms, body: s.body.clone() }));
                }
                // A job without a chain keeps the faults that still act on it.
                let faults = chain.map(|c| c.plan.faults.clone()).unwrap_or_else(|| {
                    [
                        (job.malformed, CallbackFault::MalformedBody),
                        (job.ignore_first_answer, CallbackFault::ReceiverTimeout),
                    ]
                    .into_iter()
                    .filter_map(|(on, fault)| on.then_some(fault))
                    .collect()
                });
                QueuedPlan {
                    merchant: job.merchant.clone(),
                    operation: job.operation.clone(),
                    reference: job.reference.clone(),
                    scenario: job.scenario.clone(),
                    url: job.url.clone(),
                    basic_auth: job.basic_auth.clone(),
                    due_ms: job.due_ms,
                    steps,
                    faults,
                    attempted: !job.attempts.is_empty(),
                }
            })
            .collect()
    }

    /// Queues saved plans again, each first step at its saved due time.
    pub fn restore(&self, plans: Vec<QueuedPlan>) {
        for saved in plans {
            let plan = Plan {
                merchant: saved.merchant,
                operation: saved.operation,
                reference: saved.reference,
                scenario: saved.scenario,
                url: saved.url,
                basic_auth: saved.basic_auth,
                steps: saved.steps.into_iter().map(|s| Step { after_ms: s.after_ms, body: s.body }).collect(),
                faults: saved.faults,
            };
            if plan.steps.is_empty() {
                continue;
            }
            // Each twin of a duplicated step was saved as its own plan; later steps are still doubled.
            // Out-of-order steps were saved in their sending order, so they are not reversed again.
            let copies = if plan.faults.contains(&CallbackFault::Duplicate) { 2 } else { 1 };
            let mut store = self.store.lock();
            if store.queued.of(&plan.merchant) >= self.settings.queue_limit {
                self.create_unsent(&mut store, &plan, copies, saved.due_ms, JobState::Dropped);
                continue;
            }
            let first = self.create_job(&mut store, &plan, 0, saved.due_ms, JobState::Scheduled);
            if saved.attempted {
                if let Some(job) = store.jobs.get_mut(&first) {
                    job.ignore_first_answer = false;
                }
            }
            if plan.steps.len() > 1 {
                store.chains.insert(first, Chain { plan, next: 1, copies });
            }
            self.wake_if_sooner(&store);
        }
    }

    fn delay_of(&self, step: &Step) -> u64 {
        step.after_ms.unwrap_or(self.settings.first_delay_ms)
    }

    fn create_job(&self, store: &mut Store, plan: &Plan, index: usize, due_ms: i64, state: JobState) -> JobId {
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
        chains.retain(|id, c| jobs.contains_key(id) || merchant.is_some_and(|m| c.plan.merchant != m));
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

    /// Sends every queued job now, not waiting for due times or retry delays, until none is left
    /// or `within` has passed. What is left stays queued (see `abandon_queued`).
    pub async fn drain(self: &Arc<Self>, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let ready: Vec<JobId> = {
                let mut store = self.store.lock();
                let Store { jobs, queued, .. } = &mut *store;
                let mut ids = Vec::new();
                for job in jobs.values_mut().filter(|j| j.state == JobState::Scheduled) {
                    set_state(queued, job, JobState::InFlight);
                    ids.push(job.id.clone());
                }
                ids
            };
            if ready.is_empty() {
                break;
            }
            let deliveries = ready.iter().map(|id| async move {
                let Some(sending) = self.sending(id) else { return };
                let Some(sending) = self.deliver_to_own_sink(id, sending) else { return };
                let Ok(_permit) = self.in_flight.clone().acquire_owned().await else { return };
                self.deliver(id, sending).await;
            });
            if tokio::time::timeout_at(deadline, futures_util::future::join_all(deliveries)).await.is_err() {
                break;
            }
        }
    }

    /// The delivery loop; returns when `shutdown` turns true, after draining the queue for at
    /// most `drain_within`.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>, drain_within: Duration) {
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
                let Ok(permit) = self.in_flight.clone().acquire_owned().await else {
                    return;
                };
                let me = self.clone();
                tokio::spawn(async move {
                    me.deliver(&id, sending).await;
                    drop(permit);
                });
            }
            let wait = next_due.map_or(IDLE_LOOK_MS, |due| (due - self.clock.now_ms()).clamp(0, IDLE_LOOK_MS));
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
                _ = self.wake.notified() => {}
                _ = self.clock.advanced() => {}
                _ = shutdown.changed() => {
                    self.drain(drain_within).await;
                    return;
                }
            }
        }
    }

    /// Marks what is still queued as abandoned (at shutdown); returns how many.
    pub fn abandon_queued(&self) -> usize {
        let mut store = self.store.lock();
        let Store { jobs, finished, queued, .. } = &mut *store;
        let left = queued.total;
        for job in jobs.values_mut().filter(|j| j.state.is_queued()) {
            finished.push_back(job.id.clone());
            set_state(queued, job, JobState::Abandoned);
        }
        left
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

    /// Stores a callback addressed to this server's own sink, with the headers a request would
    /// have carried; hands back any other.
    fn deliver_to_own_sink(&self, id: &str, sending: Sending) -> Option<Sending> {
        let Target::OwnSink(name) = &sending.target else { return Some(sending) };
        let Some(own) = self.own_sink.get() else { return Some(sending) };
        let at = self.clock.now_ms();
        let started = Instant::now();
        let mut headers = std::collections::BTreeMap::new();
        headers.insert("content-type".to_string(), "application/json".to_string());
        headers.insert("user-agent".to_string(), USER_AGENT.to_string());
        if let Some((user, password)) = &sending.basic_auth {
            use base64::Engine;
            let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            headers.insert("authorization".to_string(), format!("Basic {credentials}"));
        }
        if let Some(signature) = self.sign(&sending.body) {
            headers.insert(SIGNATURE_HEADER.to_ascii_lowercase(), signature);
        }
        let entry = own.sink.store(name, at, headers, &sending.body);
        let excerpt = format!(r#"{{"status":"received","id":{entry}}}"#);
        self.record_attempt(id, at, started, (Some(200), None, None, Some(excerpt)), sending.ignore_answer);
        None
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
            .timeout(Duration::from_millis(self.settings.timeout_ms));
        if let Some(signature) = signature {
            request = request.header(SIGNATURE_HEADER, signature);
        }
        let request = request.body(body);
        let request = match &basic_auth {
            Some((user, password)) => request.basic_auth(user, Some(password)),
            None => request,
        };
        let result = request.send().await;
        let outcome = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|secs| (secs * 1000).min(MAX_RETRY_AFTER_MS));
                let text = response.text().await.unwrap_or_default();
                let excerpt = (!text.is_empty()).then(|| text.chars().take(EXCERPT_BYTES).collect::<String>());
                (Some(status), retry_after, None, excerpt)
            }
            Err(e) => (None, None, Some(describe(&e)), None),
        };
        self.record_attempt(id, at, started, outcome, sending.ignore_answer);
    }

    /// Records one attempt's outcome (status, Retry-After, error, answer excerpt) and decides
    /// what follows: delivered, retried later, or failed; then releases the chain's next step.
    fn record_attempt(
        &self,
        id: &str,
        at: i64,
        started: Instant,
        outcome: (Option<u16>, Option<u64>, Option<String>, Option<String>),
        ignore_answer: bool,
    ) {
        let (status, retry_after, error, excerpt) = outcome;
        let latency_ms = started.elapsed().as_millis() as u64;
        // The receiver_timeout fault: the first answer is treated as never having come, so the
        // receiver sees the callback again, as after a real timeout.
        let (status, error, excerpt) = if ignore_answer {
            (None, Some("timed out (receiver_timeout fault: the receiver's answer was ignored)".to_string()), None)
        } else {
            (status, error, excerpt)
        };
        let retryable = match status {
            Some(s) => s == 429 || s >= 500,
            None => true,
        };
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        let mut store = self.store.lock();
        let Store { jobs, queued, .. } = &mut *store;
        let Some(job) = jobs.get_mut(id) else { return };
        let shared = job.id.clone();
        let number = job.attempts.len() as u32 + 1;
        job.attempts.push(Attempt { number, at, status, latency_ms, error, response_excerpt: excerpt });
        self.changes.changed();
        let attempts_allowed = self.settings.retry_schedule_ms.len() + 1;
        if delivered {
            set_state(queued, job, JobState::Delivered);
            Metrics::count(&self.metrics.callbacks_delivered);
        } else if retryable && job.attempts.len() < attempts_allowed {
            Metrics::count(&self.metrics.callbacks_retried);
            let base = self.settings.retry_schedule_ms[job.attempts.len() - 1] as f64;
            let jitter = 1.0 + self.settings.jitter * (self.ids.unit() * 2.0 - 1.0);
            let wait = ((base * jitter) as u64).max(retry_after.unwrap_or(0));
            let due = self.clock.now_ms() + wait as i64;
            self.schedule(&mut store, id, due);
            self.wake_if_sooner(&store);
            return;
        } else {
            set_state(queued, job, JobState::Failed);
            Metrics::count(&self.metrics.callbacks_failed);
        }
        store.finished.push_back(shared);
        self.release_next(&mut store, id);
        // A burst queues more jobs than the log keeps; they become evictable only now.
        self.evict(&mut store);
        self.wake_if_sooner(&store);
    }

    /// Schedules the step after a finished job, if its transaction has one.
    fn release_next(&self, store: &mut Store, finished: &str) {
        let Some(mut chain) = store.chains.remove(finished) else {
            return;
        };
        let index = chain.next;
        let due = self.clock.now_ms() + self.delay_of(&chain.plan.steps[index]) as i64;
        let mut last = self.create_job(store, &chain.plan, index, due, JobState::Scheduled);
        for _ in 1..chain.copies {
            last = self.create_job(store, &chain.plan, index, due, JobState::Scheduled);
        }
        chain.next += 1;
        if chain.next < chain.plan.steps.len() {
            store.chains.insert(last, chain);
        }
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        format!("could not connect: {}", root_cause(e))
    } else {
        root_cause(e)
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
