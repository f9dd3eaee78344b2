//! Callbacks still to be sent, as the state file keeps them: one plan per transaction sequence,
//! with every copy of its current step, their due times and the attempts already made.

use super::job::is_zero;
use super::{Callbacks, ChainId, Job, JobState, Plan, Step};
use crate::scenario::CallbackFault;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// A sequence still to be delivered, as the state file keeps it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct QueuedPlan {
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
    /// Attempts already made of the first step: they count towards the retry schedule, and a
    /// receiver_timeout fault has spent its ignored answer.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts: u32,
    /// Further copies of the first step still to be delivered (the duplicate fault): the next step
    /// waits for all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub twins: Vec<SavedCopy>,
    /// Files of older builds say only whether the first step was attempted.
    #[serde(default, skip_serializing)]
    pub attempted: bool,
}

/// One more copy of a plan's first step: when it is due and how often it was tried.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SavedCopy {
    pub due_ms: i64,
    #[serde(default)]
    pub attempts: u32,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SavedStep {
    pub after_ms: Option<u64>,
    pub body: Value,
}

impl Callbacks {
    /// What is still to be sent, one plan per transaction sequence: the unfinished copies of its
    /// current step (with their due times and attempts made) and the steps chained after them.
    /// For the state file.
    pub(crate) fn queued_plans(&self) -> Vec<QueuedPlan> {
        let store = self.store.lock();
        let mut queued: Vec<&Job> = store.jobs.values().map(|j| &**j).filter(|j| j.state.is_queued()).collect();
        queued.sort_by_key(|j| (j.due_ms, j.id.clone()));
        let mut plans = Vec::new();
        let mut sequences: HashMap<ChainId, usize> = HashMap::new();
        for job in queued {
            let attempts = job.earlier_attempts + job.attempts.len() as u32;
            let chain = job.chain.and_then(|id| store.chains.get(&id).map(|c| (id, c)));
            if let Some(&at) = chain.and_then(|(id, _)| sequences.get(&id)) {
                let plan: &mut QueuedPlan = &mut plans[at];
                plan.twins.push(SavedCopy { due_ms: job.due_ms, attempts });
                continue;
            }
            let mut steps = vec![SavedStep { after_ms: Some(0), body: job.body.to_value() }];
            if let Some((id, chain)) = chain {
                sequences.insert(id, plans.len());
                let rest = &chain.plan.steps[chain.next..];
                steps.extend(rest.iter().map(|s| SavedStep { after_ms: s.after_ms, body: s.body.clone() }));
            }
            // A job without a chain keeps the faults that still act on it.
            let faults = chain.map(|(_, c)| c.plan.faults.clone()).unwrap_or_else(|| {
                [
                    (job.malformed, CallbackFault::MalformedBody),
                    (job.ignore_first_answer, CallbackFault::ReceiverTimeout),
                ]
                .into_iter()
                .filter_map(|(on, fault)| on.then_some(fault))
                .collect()
            });
            plans.push(QueuedPlan {
                merchant: job.merchant.to_string(),
                operation: job.operation.to_string(),
                reference: job.reference.to_string(),
                scenario: job.scenario.to_string(),
                url: job.url.to_string(),
                basic_auth: job.basic_auth.as_deref().cloned(),
                due_ms: job.due_ms,
                steps,
                faults,
                attempts,
                twins: Vec::new(),
                attempted: false,
            });
        }
        plans
    }

    /// Queues saved plans again, each copy of a first step at its saved due time.
    pub(crate) fn restore(&self, plans: Vec<QueuedPlan>) {
        for saved in plans {
            let plan = Plan {
                merchant: saved.merchant.into(),
                operation: saved.operation.into(),
                reference: saved.reference.into(),
                scenario: saved.scenario.into(),
                url: saved.url,
                basic_auth: saved.basic_auth,
                steps: saved.steps.into_iter().map(|s| Step { after_ms: s.after_ms, body: s.body }).collect(),
                faults: saved.faults,
            };
            if plan.steps.is_empty() {
                continue;
            }
            // Out-of-order steps were saved in their sending order, so they are not reversed again;
            // steps after the first are still doubled by the duplicate fault.
            let copies = if plan.faults.contains(&CallbackFault::Duplicate) { 2 } else { 1 };
            let first = (saved.due_ms, saved.attempts.max(u32::from(saved.attempted)));
            let current: Vec<(i64, u32)> =
                std::iter::once(first).chain(saved.twins.iter().map(|t| (t.due_ms, t.attempts))).collect();
            let mut store = self.store.lock();
            if let Some(limit) = store.full_queue(&plan.merchant, &self.settings) {
                self.create_unsent(&mut store, &plan, copies, saved.due_ms, JobState::Dropped, Some(limit));
                continue;
            }
            let merchant = plan.merchant.clone();
            self.start_sequence(&mut store, plan, copies, &current);
            self.wake_if_sooner(&store, &merchant);
        }
    }
}
