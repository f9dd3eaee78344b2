//! The jobs and their schedule: the log (bounded, oldest finished jobs dropped first), the heap of
//! due times, the sequences waiting for their current step, and the count of queued jobs. Plain
//! data under the `Callbacks` lock; nothing here sends, waits or reads the clock.

use super::job::{ChainId, Filter, Job, JobId, JobState, Plan, QueueLimit};
use crate::config::CallbackSettings;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

/// Jobs scheduled or in flight, in all and per merchant: `queue_limit` applies to each merchant,
/// so one merchant's unreachable receiver cannot cost another merchant its callbacks.
#[derive(Default)]
pub(super) struct Queued {
    pub(super) total: usize,
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
pub(super) fn set_state(queued: &mut Queued, job: &mut Job, state: JobState) {
    match (job.state.is_queued(), state.is_queued()) {
        (false, true) => queued.add(&job.merchant),
        (true, false) => queued.remove(&job.merchant),
        _ => {}
    }
    job.state = state;
}

/// A transaction's sequence: the steps after the one being sent, released when every copy of
/// that one is finished (a duplicated step has two).
pub(super) struct Chain {
    pub(super) plan: Plan,
    /// Index of the next step to schedule.
    pub(super) next: usize,
    pub(super) copies: usize,
    /// Copies of the current step not yet finished.
    pub(super) pending: usize,
}

type Schedule = BinaryHeap<Reverse<(i64, u64, JobId)>>;

pub(super) struct Store {
    /// Boxed: a queue of tens of thousands of jobs keeps its table small, and growing it moves
    /// pointers rather than whole jobs (the old and the new table live side by side meanwhile).
    pub(super) jobs: HashMap<JobId, Box<Job>>,
    order: VecDeque<JobId>,
    /// Each merchant's schedule, soonest first: due times are on that merchant's clock.
    due: HashMap<String, Schedule>,
    sequence: u64,
    /// The rest of each transaction's steps, by the id its current step's jobs carry.
    pub(super) chains: HashMap<ChainId, Chain>,
    next_chain: ChainId,
    /// Ids of finished jobs, oldest first: what eviction drops (stale ids are skipped).
    finished: VecDeque<JobId>,
    pub(super) queued: Queued,
    /// When the worker will look at the schedule again by itself (wall-clock ms). A new job due
    /// before then must wake it; one due later need not, which spares a thread wake-up per
    /// request while callbacks fall due in the order they were queued.
    pub(super) worker_looks_at: i64,
    /// The URL of the last job created: most jobs share their merchant's callback URL.
    last_url: Option<Arc<str>>,
}

impl Default for Store {
    fn default() -> Self {
        Self {
            jobs: HashMap::new(),
            order: VecDeque::new(),
            due: HashMap::new(),
            sequence: 0,
            chains: HashMap::new(),
            next_chain: 0,
            finished: VecDeque::new(),
            queued: Queued::default(),
            // Until the worker has looked once, every change wakes it.
            worker_looks_at: i64::MAX,
            last_url: None,
        }
    }
}

impl Store {
    /// `url`, sharing the last job's copy when it is the same.
    pub(super) fn shared_url(&mut self, url: &str) -> Arc<str> {
        match &self.last_url {
            Some(last) if **last == *url => last.clone(),
            _ => self.last_url.insert(Arc::from(url)).clone(),
        }
    }

    /// The limit a new transaction's callbacks would pass, if any. A full queue refuses new
    /// transactions rather than dropping queued ones, so callbacks already waiting (or retrying)
    /// keep their turn, and a receiver that never answers cannot grow memory without bound.
    pub(super) fn full_queue(&self, merchant: &str, settings: &CallbackSettings) -> Option<QueueLimit> {
        if self.queued.of(merchant) >= settings.queue_limit {
            Some(QueueLimit::PerMerchant)
        } else if self.queued.total >= settings.total_queue_limit {
            Some(QueueLimit::Total)
        } else {
            None
        }
    }

    /// When `merchant`'s next scheduled entry falls due, on its clock.
    pub(super) fn next_due_of(&self, merchant: &str) -> Option<i64> {
        self.due.get(merchant)?.peek().map(|Reverse((due, _, _))| *due)
    }

    pub(super) fn new_chain(&mut self) -> ChainId {
        self.next_chain += 1;
        self.next_chain
    }

    /// Adds a new job to the log (and to the schedule when it is scheduled), keeping the log
    /// within `log_limit`.
    pub(super) fn insert(&mut self, job: Job, log_limit: usize) {
        let id = job.id.clone();
        if job.state == JobState::Scheduled {
            self.push_due(&job.merchant, job.due_ms, id.clone());
            self.queued.add(&job.merchant);
        }
        if matches!(job.state, JobState::Suppressed | JobState::Dropped) {
            self.finished.push_back(id.clone());
        }
        self.jobs.insert(id.clone(), Box::new(job));
        self.order.push_back(id);
        self.evict(log_limit);
    }

    /// Puts a job on its merchant's schedule.
    fn push_due(&mut self, merchant: &str, due_ms: i64, id: JobId) {
        self.sequence += 1;
        let entry = Reverse((due_ms, self.sequence, id));
        match self.due.get_mut(merchant) {
            Some(schedule) => schedule.push(entry),
            None => {
                self.due.insert(merchant.to_string(), BinaryHeap::from([entry]));
            }
        }
    }

    /// Keeps the log within `log_limit`, dropping the oldest finished jobs first, without scanning it.
    pub(super) fn evict(&mut self, log_limit: usize) {
        while self.jobs.len() > log_limit {
            let Some(id) = self.finished.pop_front() else { break };
            let still_finished = self.jobs.get(&id).is_some_and(|j| !j.state.is_queued());
            if still_finished {
                self.jobs.remove(&id);
            }
        }
        // `order` keeps the ids of dropped jobs until it is compacted, when half of it is stale.
        if self.order.len() > 2 * self.jobs.len().max(64) {
            let Store { jobs, order, .. } = self;
            order.retain(|id| jobs.contains_key(id));
        }
    }

    /// Puts a job (back) on the schedule at `due_ms`.
    pub(super) fn schedule(&mut self, id: &str, due_ms: i64) {
        let Store { jobs, queued, .. } = self;
        if let Some(job) = jobs.get_mut(id) {
            set_state(queued, job, JobState::Scheduled);
            job.due_ms = due_ms;
            let (shared, merchant) = (job.id.clone(), job.merchant.clone());
            self.push_due(&merchant, due_ms, shared);
        }
    }

    /// Takes every job due on its merchant's clock (`now_of`), each merchant's in the order due
    /// (then queued), marking each in flight. Entries left by rescheduled, dropped or cleared
    /// jobs are skipped.
    pub(super) fn take_due(&mut self, now_of: impl Fn(&str) -> i64) -> Vec<JobId> {
        let mut ready = Vec::new();
        let Store { jobs, queued, due, .. } = self;
        due.retain(|merchant, schedule| {
            let now = now_of(merchant);
            while schedule.peek().is_some_and(|Reverse((due, _, _))| *due <= now) {
                let Some(Reverse((_, _, id))) = schedule.pop() else { break };
                if let Some(job) = jobs.get_mut(&id) {
                    if job.state == JobState::Scheduled && job.due_ms <= now {
                        set_state(queued, job, JobState::InFlight);
                        ready.push(id);
                    }
                }
            }
            !schedule.is_empty()
        });
        ready
    }

    /// How long (ms) until the next entry falls due, counting only merchants whose clock runs:
    /// `running_now_of` is a merchant's now, or None when its clock is frozen.
    pub(super) fn next_due_in(&self, running_now_of: impl Fn(&str) -> Option<i64>) -> Option<i64> {
        self.due
            .iter()
            .filter_map(|(merchant, schedule)| {
                let Reverse((due, _, _)) = schedule.peek()?;
                Some(due.saturating_sub(running_now_of(merchant)?))
            })
            .min()
    }

    /// Marks a job finished in `state`: it becomes evictable, and its sequence (if any) is handed
    /// back for the next step to be released.
    pub(super) fn finish(&mut self, id: &str, state: JobState) -> Option<ChainId> {
        let Store { jobs, queued, finished, .. } = self;
        let job = jobs.get_mut(id)?;
        set_state(queued, job, state);
        finished.push_back(job.id.clone());
        job.chain.take()
    }

    /// Marks every queued job abandoned; returns how many there were.
    pub(super) fn abandon_queued(&mut self) -> usize {
        let Store { jobs, finished, queued, .. } = self;
        let left = queued.total;
        for job in jobs.values_mut().filter(|j| j.state.is_queued()) {
            finished.push_back(job.id.clone());
            set_state(queued, job, JobState::Abandoned);
        }
        left
    }

    /// Newest first.
    pub(super) fn list(&self, filter: &Filter) -> Vec<Job> {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.jobs.get(id))
            .filter(|j| filter.matches(j))
            .take(filter.limit.unwrap_or(usize::MAX))
            .map(|job| Job::clone(job))
            .collect()
    }

    /// Takes out the jobs `ids` and the steps still to follow them: each body with its reference,
    /// in order.
    pub(super) fn take(&mut self, ids: &[String]) -> Vec<(String, serde_json::Value)> {
        let mut bodies = Vec::new();
        for id in ids {
            let Some(job) = self.jobs.remove(id.as_str()) else { continue };
            bodies.push((job.reference.to_string(), job.body.to_value()));
            if let Some(chain) = job.chain.and_then(|c| self.chains.remove(&c)) {
                let later = chain.plan.steps.iter().skip(chain.next);
                bodies.extend(later.map(|step| (job.reference.to_string(), step.body.clone())));
            }
        }
        let Store { jobs, order, finished, queued, .. } = self;
        order.retain(|id| jobs.contains_key(id));
        finished.retain(|id| jobs.contains_key(id));
        queued.recount(jobs.values().map(|job| &**job));
        bodies
    }

    /// Forgets jobs and sequences (of one merchant, or all).
    pub(super) fn clear(&mut self, merchant: Option<&str>) {
        let keep = |m: &str| merchant.is_some_and(|only| m != only);
        self.jobs.retain(|_, j| keep(&j.merchant));
        let Store { jobs, order, chains, finished, queued, due, .. } = self;
        order.retain(|id| jobs.contains_key(id));
        finished.retain(|id| jobs.contains_key(id));
        due.retain(|m, _| keep(m));
        queued.recount(jobs.values().map(|job| &**job));
        chains.retain(|_, c| keep(&c.plan.merchant));
    }
}

#[cfg(test)]
mod tests {
    use super::super::job::JsonBytes;
    use super::*;

    fn job(id: &str, merchant: &str, state: JobState, due_ms: i64) -> Job {
        Job {
            id: id.into(),
            merchant: merchant.into(),
            operation: "op".into(),
            reference: format!("ref-{id}").into(),
            scenario: "default".into(),
            url: "http://receiver.test/cb".into(),
            step: 1,
            steps: 1,
            body: JsonBytes::of(&serde_json::json!({"id": id})),
            state,
            created_ms: 0,
            due_ms,
            attempts: Vec::new(),
            earlier_attempts: 0,
            dropped_by: None,
            chain: None,
            malformed: false,
            ignore_first_answer: false,
            basic_auth: None,
        }
    }

    fn ids(jobs: &[JobId]) -> Vec<&str> {
        jobs.iter().map(|id| &**id).collect()
    }

    #[test]
    fn due_jobs_are_taken_in_due_order_then_queue_order() {
        let mut store = Store::default();
        store.insert(job("late", "m", JobState::Scheduled, 30), 100);
        store.insert(job("first", "m", JobState::Scheduled, 10), 100);
        store.insert(job("second", "m", JobState::Scheduled, 10), 100);
        assert!(store.take_due(|_| 9).is_empty());
        assert_eq!(ids(&store.take_due(|_| 10)), ["first", "second"]);
        assert_eq!(store.jobs["first"].state, JobState::InFlight);
        assert_eq!(store.next_due_in(|_| Some(0)), Some(30));
        assert_eq!(ids(&store.take_due(|_| 100)), ["late"]);
        assert_eq!(store.next_due_in(|_| Some(0)), None);
    }

    #[test]
    fn a_rescheduled_job_is_taken_once_at_its_new_time() {
        let mut store = Store::default();
        store.insert(job("a", "m", JobState::Scheduled, 10), 100);
        store.schedule("a", 50);
        // The entry for 10 is stale: the job is due at 50 now.
        assert!(store.take_due(|_| 20).is_empty());
        assert_eq!(ids(&store.take_due(|_| 50)), ["a"]);
        assert!(store.take_due(|_| 100).is_empty());
    }

    #[test]
    fn queued_jobs_are_counted_per_merchant_and_limited() {
        let settings = CallbackSettings { queue_limit: 2, total_queue_limit: 3, ..CallbackSettings::default() };
        let mut store = Store::default();
        store.insert(job("a1", "a", JobState::Scheduled, 0), 100);
        assert_eq!(store.full_queue("a", &settings), None);
        store.insert(job("a2", "a", JobState::Scheduled, 0), 100);
        assert_eq!(store.full_queue("a", &settings), Some(QueueLimit::PerMerchant));
        assert_eq!(store.full_queue("b", &settings), None);
        store.insert(job("b1", "b", JobState::Scheduled, 0), 100);
        assert_eq!(store.full_queue("b", &settings), Some(QueueLimit::Total));
        // Unsent jobs are not queued.
        store.insert(job("c1", "c", JobState::Dropped, 0), 100);
        assert_eq!(store.queued.total, 3);
        store.take_due(|_| 0);
        assert_eq!(store.queued.total, 3, "in flight still counts");
        assert_eq!(store.finish("a1", JobState::Delivered), None);
        assert_eq!(store.queued.total, 2);
        assert_eq!(store.full_queue("a", &settings), None);
    }

    #[test]
    fn eviction_drops_the_oldest_finished_jobs_and_keeps_queued_ones() {
        let mut store = Store::default();
        store.insert(job("queued", "m", JobState::Scheduled, 0), 3);
        store.insert(job("old", "m", JobState::Suppressed, 0), 3);
        store.insert(job("new", "m", JobState::Dropped, 0), 3);
        store.insert(job("newest", "m", JobState::Dropped, 0), 3);
        let kept: Vec<String> = store.list(&Filter::default()).into_iter().map(|j| j.id.to_string()).collect();
        assert_eq!(kept, ["newest", "new", "queued"]);
        // Nothing finished is left to drop: the log may exceed its limit rather than lose queued jobs.
        store.insert(job("more", "m", JobState::Scheduled, 0), 1);
        store.insert(job("again", "m", JobState::Scheduled, 0), 1);
        assert_eq!(store.jobs.len(), 3);
        assert!(store.jobs.contains_key("queued") && store.jobs.contains_key("again"));
    }

    #[test]
    fn listing_filters_newest_first_and_limits() {
        let mut store = Store::default();
        store.insert(job("a1", "a", JobState::Scheduled, 0), 100);
        store.insert(job("b1", "b", JobState::Suppressed, 0), 100);
        store.insert(job("a2", "a", JobState::Dropped, 0), 100);
        let listed =
            |filter: Filter| -> Vec<String> { store.list(&filter).into_iter().map(|j| j.id.to_string()).collect() };
        assert_eq!(listed(Filter { merchant: Some("a".into()), ..Filter::default() }), ["a2", "a1"]);
        assert_eq!(listed(Filter { state: Some("suppressed".into()), ..Filter::default() }), ["b1"]);
        assert_eq!(listed(Filter { reference: Some("ref-a1".into()), ..Filter::default() }), ["a1"]);
        assert_eq!(listed(Filter { limit: Some(2), ..Filter::default() }), ["a2", "b1"]);
    }

    #[test]
    fn clearing_one_merchant_keeps_the_others_and_their_count() {
        let mut store = Store::default();
        store.insert(job("a1", "a", JobState::Scheduled, 0), 100);
        store.insert(job("b1", "b", JobState::Scheduled, 0), 100);
        store.clear(Some("a"));
        assert_eq!(store.queued.total, 1);
        assert!(store.jobs.contains_key("b1") && !store.jobs.contains_key("a1"));
        // The schedule's entry for the forgotten job is skipped.
        assert_eq!(ids(&store.take_due(|_| 0)), ["b1"]);
        store.clear(None);
        assert!(store.jobs.is_empty());
        assert_eq!(store.queued.total, 0);
    }

    #[test]
    fn abandoning_marks_every_queued_job() {
        let mut store = Store::default();
        store.insert(job("a", "m", JobState::Scheduled, 0), 100);
        store.insert(job("b", "m", JobState::Scheduled, 5), 100);
        store.insert(job("c", "m", JobState::Suppressed, 0), 100);
        store.take_due(|_| 0);
        assert_eq!(store.abandon_queued(), 2);
        assert_eq!(store.queued.total, 0);
        assert!(["a", "b"].iter().all(|id| store.jobs[*id].state == JobState::Abandoned));
        assert_eq!(store.jobs["c"].state, JobState::Suppressed);
    }
}
