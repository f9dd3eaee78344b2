//! A callback job (one step of a transaction's callbacks, one copy), its attempts, and the plan an
//! operation hands over.

use crate::scenario::CallbackFault;
use compact_str::CompactString;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

/// Job ids are shared by the log, its order, the schedule and the chains: one allocation each.
pub(crate) type JobId = Arc<str>;

/// Names a transaction's sequence while its later steps wait (see `store::Chain`).
pub(super) type ChainId = u64;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum JobState {
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
    pub(super) fn is_queued(self) -> bool {
        matches!(self, JobState::Scheduled | JobState::InFlight)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attempt {
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
pub(crate) struct Job {
    pub id: JobId,
    // A second's queue holds tens of thousands of jobs: the short texts are inline, and the URL is
    // shared with the jobs before it that have the same.
    pub merchant: CompactString,
    pub operation: CompactString,
    pub reference: CompactString,
    pub scenario: CompactString,
    pub url: Arc<str>,
    /// 1-based position in the transaction's sequence, and the sequence length.
    pub step: u32,
    pub steps: u32,
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
    pub dropped_by: Option<QueueLimit>,
    /// The sequence this job is a step of, while the next step waits for it.
    #[serde(skip)]
    pub(super) chain: Option<ChainId>,
    #[serde(skip)]
    pub(super) malformed: bool,
    #[serde(skip)]
    pub(super) ignore_first_answer: bool,
    #[serde(skip)]
    pub(super) basic_auth: Option<Box<(String, String)>>,
}

/// The queue limit a dropped job met, written as the configuration names it (`name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueueLimit {
    PerMerchant,
    Total,
}

impl Serialize for QueueLimit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl QueueLimit {
    pub(crate) fn name(self) -> &'static str {
        match self {
            QueueLimit::PerMerchant => "callbacks.queue_limit",
            QueueLimit::Total => "callbacks.total_queue_limit",
        }
    }
}

/// JSON text kept as bytes, written out as JSON (not as a string) where jobs are listed. Kept
/// until delivered, and a second's queue holds tens of thousands: the exact bytes, boxed (an
/// attempt copies them into the request).
#[derive(Debug, Clone)]
pub(crate) struct JsonBytes(pub Box<[u8]>);

impl JsonBytes {
    pub(super) fn of(value: &Value) -> Self {
        Self(serde_json::to_vec(value).unwrap_or_default().into_boxed_slice())
    }

    pub(crate) fn to_value(&self) -> Value {
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
pub(crate) struct Step {
    /// Wait after the previous step finishes (or after acceptance); None: the configured first delay.
    pub after_ms: Option<u64>,
    pub body: Value,
}

/// Everything an operation hands over: who, where, and the steps in order. The short texts are
/// inline, as in the jobs made from it: planning a push's callback allocates none of them.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub merchant: CompactString,
    pub operation: CompactString,
    pub reference: CompactString,
    pub scenario: CompactString,
    pub url: String,
    pub basic_auth: Option<(String, String)>,
    pub steps: Vec<Step>,
    pub faults: Vec<CallbackFault>,
}

pub(super) fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Which jobs a listing shows.
#[derive(Debug, Default, Clone)]
pub(crate) struct Filter {
    pub merchant: Option<String>,
    pub reference: Option<String>,
    pub state: Option<String>,
    pub limit: Option<usize>,
}

impl Filter {
    pub(super) fn matches(&self, job: &Job) -> bool {
        self.merchant.as_deref().is_none_or(|m| job.merchant == m)
            && self.reference.as_deref().is_none_or(|r| job.reference == r)
            && self.state.as_deref().is_none_or(|s| serde_json::to_value(job.state).is_ok_and(|v| v == s))
    }
}
