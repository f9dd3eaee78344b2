//! Transactions the sandbox accepted, per merchant, for the transaction details query. An
//! asynchronous transaction's state follows its callback schedule on the sandbox clock: pending
//! until a step's time has come, then what that step's code says.

use crate::money::Cents;
use crate::recent::{Key, Keyed, Recent};
use compact_str::CompactString;
use parking_lot::Mutex;

#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    pub merchant: CompactString,
    pub reference: CompactString,
    pub service_name: &'static str,
    pub amount: Cents,
    pub charge: Cents,
    pub created_ms: i64,
    /// Each planned callback; empty for synchronous transactions.
    pub steps: Vec<Step>,
    pub biller: CompactString,
}

/// A planned callback: from `at_ms` on the sandbox clock, the transaction is in the state its
/// `code` says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub at_ms: i64,
    pub code: i64,
    pub message: CompactString,
}

/// The state file keeps a step as `[atMs, code, message]`.
impl serde::Serialize for Step {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&(self.at_ms, self.code, &self.message), serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Step {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (at_ms, code, message) = serde::Deserialize::deserialize(deserializer)?;
        Ok(Self { at_ms, code, message })
    }
}

/// What the details query reports: `state`, `stateCode`, `code`, `message`.
#[derive(Debug, PartialEq)]
pub(crate) struct Status {
    pub state: &'static str,
    pub state_code: i64,
    pub code: i64,
    pub message: String,
}

impl Transaction {
    pub(crate) fn status_at(&self, now_ms: i64) -> Status {
        if self.steps.is_empty() {
            return Status { state: "Success", state_code: 2, code: 0, message: "Success".into() };
        }
        let reached = self.steps.iter().rfind(|step| step.at_ms <= now_ms);
        match reached {
            None | Some(Step { code: 0, .. }) => Status {
                state: "Pending",
                state_code: -1,
                code: -1,
                message: "Transaction has been successfully acknowledged, await final transaction status on callback"
                    .into(),
            },
            Some(Step { code: 2 | 3, .. }) => {
                Status { state: "Success", state_code: 2, code: 0, message: "Success".into() }
            }
            // Cancelled by the payer, or left unanswered: a failure to the details query's stateCode.
            Some(Step { code: code @ (5 | 6), message, .. }) => {
                Status { state: "Cancelled", state_code: 1, code: *code, message: message.to_string() }
            }
            Some(Step { code, message, .. }) => {
                Status { state: "Failed", state_code: 1, code: *code, message: message.to_string() }
            }
        }
    }
}

impl Keyed for Transaction {
    fn key(&self) -> Key<'_> {
        Key(&self.merchant, &self.reference)
    }
}

/// Kept up to `limit`; the oldest go first.
pub(crate) struct Transactions {
    inner: Mutex<Recent<Transaction>>,
    pub changes: crate::wait::Changes,
}

impl Transactions {
    pub(crate) fn new(limit: usize) -> Self {
        Self { inner: Mutex::new(Recent::new(limit)), changes: Default::default() }
    }

    pub(crate) fn record(&self, transaction: Transaction) {
        self.inner.lock().insert(transaction);
        self.changes.changed();
    }

    /// Newest first, of one merchant or all.
    pub(crate) fn list(&self, merchant: Option<&str>, limit: usize) -> Vec<Transaction> {
        let inner = self.inner.lock();
        inner.iter().rev().filter(|t| merchant.is_none_or(|m| t.merchant == m)).take(limit).cloned().collect()
    }

    pub(crate) fn get(&self, merchant: &str, reference: &str) -> Option<Transaction> {
        self.inner.lock().get(Key(merchant, reference)).cloned()
    }

    /// Every transaction, oldest first.
    pub(crate) fn all(&self) -> Vec<Transaction> {
        self.inner.lock().iter().cloned().collect()
    }

    pub(crate) fn clear(&self, merchant: Option<&str>) {
        self.inner.lock().retain(|t| merchant.is_some_and(|m| t.merchant != m));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(at_ms: i64, code: i64, message: &str) -> Step {
        Step { at_ms, code, message: message.into() }
    }

    #[test]
    fn an_asynchronous_transaction_follows_its_callback_schedule() {
        let t = Transaction {
            merchant: "m".into(),
            reference: "r".into(),
            service_name: "STK Push",
            amount: Cents::from_cents(500),
            charge: Cents::from_cents(100),
            created_ms: 0,
            steps: vec![step(100, 0, "pending"), step(200, 1, "InsufficientFund")],
            biller: CompactString::default(),
        };
        assert_eq!(t.status_at(50).state_code, -1);
        assert_eq!(t.status_at(150).state_code, -1);
        let failed = t.status_at(200);
        assert_eq!((failed.state, failed.code, failed.message.as_str()), ("Failed", 1, "InsufficientFund"));
        let cancelled = Transaction { steps: vec![step(100, 5, "Cancelled by user")], ..t };
        assert_eq!((cancelled.status_at(100).state, cancelled.status_at(100).state_code), ("Cancelled", 1));
    }

    #[test]
    fn a_step_keeps_the_state_files_array_form() {
        let text = serde_json::to_string(&step(100, 5, "Cancelled")).unwrap();
        assert_eq!(text, r#"[100,5,"Cancelled"]"#);
        assert_eq!(serde_json::from_str::<Step>(&text).unwrap(), step(100, 5, "Cancelled"));
    }
}
