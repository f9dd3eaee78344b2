//! The built-in callback sink: any POST to `/__sandbox/sink/NAME` is stored, `GET` lists what
//! arrived (newest first), `DELETE` clears. For users who have no receiver of their own.
//!
//! `/__sandbox/sink/CODE/NAME` is merchant `CODE`'s own name: parallel test workers, each with
//! its merchant, never see one another's deliveries, and a reset of that merchant clears them.
//! It is stored under the key `CODE/NAME`, which no plain name (one path segment) can be.

use parking_lot::Mutex;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Received {
    pub id: u64,
    #[serde(serialize_with = "crate::clock::serialize_iso_ms")]
    pub received_at: i64,
    pub headers: BTreeMap<String, String>,
    /// Kept as received; listed as JSON when it parses, else as text (a malformed callback stays visible).
    pub body: crate::journal::RawBody,
}

/// Keeps up to `limit` entries over all names; the oldest go first, whatever their name.
pub(crate) struct Sink {
    inner: Mutex<Inner>,
    limit: usize,
    pub changes: crate::wait::Changes,
}

#[derive(Default)]
struct Inner {
    by_name: HashMap<Arc<str>, VecDeque<Received>>,
    /// Names in arrival order of their entries, oldest first (one per entry), shared with `by_name`.
    arrivals: VecDeque<Arc<str>>,
    next_id: u64,
}

/// The key of a sink path's rest (after `/__sandbox/sink/`): `NAME`, or `CODE/NAME` for a
/// merchant's own; None for anything else (`..` among it, say, which leads out of the sink).
pub(crate) fn key_of(rest: &str) -> Option<&str> {
    let mut segments = rest.split('/');
    let name = |s: &str| !s.is_empty() && s != "." && s != "..";
    let valid = segments.by_ref().take(2).all(name) && segments.next().is_none();
    (valid && !rest.is_empty()).then_some(rest)
}

/// The key of merchant `merchant`'s name `name`.
pub(crate) fn scoped_key(merchant: &str, name: &str) -> String {
    format!("{merchant}/{name}")
}

impl Sink {
    pub(crate) fn new(limit: usize) -> Self {
        Self { inner: Mutex::default(), limit, changes: Default::default() }
    }

    /// Stores one arrival at `received_at` (sandbox clock, ms); returns its id.
    pub(crate) fn store(&self, name: &str, received_at: i64, headers: BTreeMap<String, String>, raw: &[u8]) -> u64 {
        let body = crate::journal::RawBody::verbatim_copy_of(raw);
        let mut inner = self.inner.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        let entry = Received { id, received_at, headers, body };
        let key = inner.by_name.get_key_value(name).map_or_else(|| Arc::from(name), |(key, _)| key.clone());
        inner.by_name.entry(key.clone()).or_default().push_front(entry);
        inner.arrivals.push_back(key);
        while inner.arrivals.len() > self.limit {
            let Some(oldest) = inner.arrivals.pop_front() else { break };
            // The oldest entry of that name is at the back of its newest-first list.
            let emptied = inner.by_name.get_mut(&oldest).is_some_and(|list| {
                list.pop_back();
                list.is_empty()
            });
            if emptied {
                inner.by_name.remove(&oldest);
            }
        }
        drop(inner);
        self.changes.changed();
        id
    }

    pub(crate) fn list(&self, name: &str) -> Vec<Received> {
        self.inner.lock().by_name.get(name).map(|l| l.iter().cloned().collect()).unwrap_or_default()
    }

    pub(crate) fn clear(&self, name: &str) {
        let mut inner = self.inner.lock();
        inner.by_name.remove(name);
        inner.arrivals.retain(|n| &**n != name);
    }

    /// Forgets the merchant-scoped names of `merchant`, or of every merchant; plain names stay.
    pub(crate) fn clear_scoped(&self, merchant: Option<&str>) {
        let of_merchant = |key: &str| match (key.split_once('/'), merchant) {
            (Some((code, _)), Some(merchant)) => code == merchant,
            (scoped, None) => scoped.is_some(),
            (None, Some(_)) => false,
        };
        let mut inner = self.inner.lock();
        inner.by_name.retain(|key, _| !of_merchant(key));
        inner.arrivals.retain(|key| !of_merchant(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sink_key_is_a_name_or_a_merchants_name_and_never_leads_out_of_the_sink() {
        assert_eq!(key_of("results"), Some("results"));
        assert_eq!(key_of("7100000001/results"), Some("7100000001/results"));
        for outside in ["", "../reset", "a/..", "./a", "a/b/c", "a//b", "/a"] {
            assert_eq!(key_of(outside), None, "{outside}");
        }
    }

    #[test]
    fn the_oldest_entries_go_first_whatever_their_name() {
        let sink = Sink::new(3);
        for (name, body) in [("a", "1"), ("b", "2"), ("a", "3"), ("c", "4")] {
            sink.store(name, 0, BTreeMap::new(), body.as_bytes());
        }
        let bodies = |name| sink.list(name).iter().map(|r| serde_json::to_string(&r.body).unwrap()).collect::<Vec<_>>();
        assert_eq!(bodies("a"), ["3"]);
        assert_eq!(bodies("b"), ["2"]);
        assert_eq!(bodies("c"), ["4"]);
    }
}
