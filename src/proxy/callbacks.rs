//! Callbacks in proxy mode: the sandbox's copy of a request plans callbacks that are never sent;
//! they are kept here by transaction reference. When the upstream sends its callbacks to the
//! sandbox's sink (`callBackUrl` = `http://HOST/__sandbox/sink/NAME`), each is compared by shape
//! with the sandbox's callback for the same reference, step by step.

use super::diff::{self, Kind, Tally};
use parking_lot::Mutex;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};

/// References remembered, and callbacks that arrived before their request's answer was
/// compared; the oldest are forgotten first.
const KEPT: usize = 10_000;
const EARLY_KEPT: usize = 1_000;

#[derive(Default)]
pub struct Expected {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    by_reference: HashMap<String, Planned>,
    order: VecDeque<String>,
    /// Callbacks naming no reference planned yet: the upstream may call back before the
    /// sandbox's own answer to the request is in.
    early: VecDeque<Value>,
}

struct Planned {
    operation: &'static str,
    request_id: String,
    bodies: Vec<Value>,
    /// Upstream callbacks received so far for this reference.
    received: usize,
    /// Already counted among the differing requests.
    differing: bool,
}

impl Planned {
    /// Compares the upstream's next callback with the sandbox's step at the same place.
    fn compare(&mut self, upstream: &Value, tally: &Tally) {
        let step = self.received.min(self.bodies.len().saturating_sub(1));
        self.received += 1;
        let Some(own) = self.bodies.get(step) else { return };
        let differences: Vec<diff::Difference> = diff::compare_shapes(upstream, own, |_| Kind::Callback)
            .into_iter()
            .map(|mut d| {
                d.path = format!("callback.{}", d.path);
                d
            })
            .collect();
        let newly = !self.differing && !differences.is_empty();
        self.differing |= newly;
        tally.later(self.operation, &self.request_id, &differences, newly);
    }
}

impl Expected {
    /// The callbacks the sandbox planned for one request, by reference; callbacks that came
    /// early for them are compared now.
    pub fn expect(
        &self,
        operation: &'static str,
        request_id: &str,
        planned: Vec<(String, Value)>,
        differing: bool,
        tally: &Tally,
    ) {
        let mut by_reference: HashMap<String, Vec<Value>> = HashMap::new();
        for (reference, body) in planned {
            by_reference.entry(reference).or_default().push(body);
        }
        let mut inner = self.inner.lock();
        for (reference, bodies) in by_reference {
            let mut planned = Planned { operation, request_id: request_id.to_string(), bodies, received: 0, differing };
            let early = std::mem::take(&mut inner.early);
            for callback in early {
                if texts(&callback).contains(&reference.as_str()) {
                    planned.compare(&callback, tally);
                } else {
                    inner.early.push_back(callback);
                }
            }
            if inner.by_reference.insert(reference.clone(), planned).is_none() {
                inner.order.push_back(reference);
                if inner.order.len() > KEPT {
                    if let Some(oldest) = inner.order.pop_front() {
                        inner.by_reference.remove(&oldest);
                    }
                }
            }
        }
    }

    /// A callback the upstream delivered to the sink: compared with the sandbox's for the first
    /// reference it names that the sandbox planned callbacks for, or kept until one is.
    pub fn received(&self, body: &[u8], tally: &Tally) {
        let Ok(value) = serde_json::from_slice::<Value>(body) else { return };
        let mut inner = self.inner.lock();
        let reference =
            texts(&value).into_iter().find(|text| inner.by_reference.contains_key(*text)).map(str::to_string);
        match reference.and_then(|reference| inner.by_reference.get_mut(&reference)) {
            Some(planned) => planned.compare(&value, tally),
            None => {
                inner.early.push_back(value);
                if inner.early.len() > EARLY_KEPT {
                    inner.early.pop_front();
                }
            }
        }
    }

    pub fn clear(&self) {
        *self.inner.lock() = Inner::default();
    }
}

/// Every string in a value, at any depth: where a callback may carry the reference.
fn texts(value: &Value) -> Vec<&str> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(text) => found.push(text.as_str()),
            Value::Object(map) => stack.extend(map.values()),
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}
