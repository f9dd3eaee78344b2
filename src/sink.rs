//! The built-in callback sink: any POST to `/__sandbox/sink/NAME` is stored, `GET` lists what
//! arrived (newest first), `DELETE` clears. For users who have no receiver of their own.

use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Entries kept per sink name, and sink names kept; the oldest go first.
const PER_SINK: usize = 1_000;
const SINKS: usize = 1_000;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    pub id: u64,
    pub received_at: String,
    pub headers: BTreeMap<String, String>,
    /// The body as JSON when it parses, else as text (a malformed callback stays visible).
    pub body: Value,
}

#[derive(Default)]
pub struct Sink {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    by_name: HashMap<String, VecDeque<Received>>,
    names: VecDeque<String>,
    next_id: u64,
}

impl Sink {
    pub fn store(&self, name: &str, received_at: String, headers: BTreeMap<String, String>, raw: &[u8]) -> Received {
        let body =
            serde_json::from_slice(raw).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(raw).into_owned()));
        let mut inner = self.inner.lock();
        inner.next_id += 1;
        let entry = Received { id: inner.next_id, received_at, headers, body };
        if !inner.by_name.contains_key(name) {
            inner.names.push_back(name.to_string());
            if inner.names.len() > SINKS {
                if let Some(oldest) = inner.names.pop_front() {
                    inner.by_name.remove(&oldest);
                }
            }
        }
        let list = inner.by_name.entry(name.to_string()).or_default();
        list.push_front(entry.clone());
        list.truncate(PER_SINK);
        entry
    }

    pub fn list(&self, name: &str) -> Vec<Received> {
        self.inner.lock().by_name.get(name).map(|l| l.iter().cloned().collect()).unwrap_or_default()
    }

    pub fn clear(&self, name: &str) {
        let mut inner = self.inner.lock();
        inner.by_name.remove(name);
        inner.names.retain(|n| n != name);
    }
}
