//! Comparing two answers by shape, not by value: the HTTP status, the envelope, the code and the
//! message, then the set of field paths and their JSON types. Ids, timestamps and balances
//! differ between any two answers and are never compared. Differences are tallied by
//! operation, kind and path for `GET /__sandbox/diff` and the metrics.

use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Status,
    Envelope,
    Code,
    Message,
    /// A field the upstream's answer has and the sandbox's lacks.
    MissingField,
    /// A field the sandbox's answer has and the upstream's lacks.
    ExtraField,
    Type,
    Callback,
    UpstreamError,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Envelope => "envelope",
            Self::Code => "code",
            Self::Message => "message",
            Self::MissingField => "missing_field",
            Self::ExtraField => "extra_field",
            Self::Type => "type",
            Self::Callback => "callback",
            Self::UpstreamError => "upstream_error",
        }
    }
}

/// One way the two answers differ. `path` is a field path (`data.balances[].amount`), empty for
/// the answer as a whole; `upstream` and `sandbox` say what each side had there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub kind: Kind,
    pub path: String,
    pub upstream: String,
    pub sandbox: String,
}

impl Difference {
    pub fn new(kind: Kind, path: &str, upstream: impl Into<String>, sandbox: impl Into<String>) -> Self {
        Self { kind, path: path.to_string(), upstream: upstream.into(), sandbox: sandbox.into() }
    }
}

/// An HTTP answer as received: its status and body bytes.
pub(crate) struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
}

/// Which API generation's envelope a body is in.
fn envelope(value: &Value) -> &'static str {
    match value {
        Value::Object(map) if map.contains_key("response_status") || map.contains_key("response_code") => "v2 error",
        Value::Object(map)
            if map.contains_key("status") && (map.contains_key("code") || map.contains_key("message")) =>
        {
            "v3"
        }
        Value::Object(_) => "bare object",
        Value::Array(_) => "array",
        _ => "scalar",
    }
}

/// The fields holding the code and the message in an envelope.
fn code_and_message(envelope: &str) -> Option<(&'static str, &'static str)> {
    match envelope {
        "v3" => Some(("code", "message")),
        "v2 error" => Some(("response_code", "response_msg")),
        _ => None,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value as compared and shown: strings without quotes, anything else as JSON.
fn text(value: Option<&Value>) -> String {
    match value {
        None => "(absent)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The upstream's answer against the sandbox's.
pub(crate) fn compare(upstream: &Answer, sandbox: &Answer) -> Vec<Difference> {
    let mut found = Vec::new();
    if upstream.status != sandbox.status {
        found.push(Difference::new(Kind::Status, "", upstream.status.to_string(), sandbox.status.to_string()));
    }
    let up = match serde_json::from_slice::<Value>(upstream.body) {
        Ok(value) => value,
        Err(_) => {
            found.push(Difference::new(Kind::UpstreamError, "", not_json(upstream.body), "JSON"));
            return found;
        }
    };
    let Ok(own) = serde_json::from_slice::<Value>(sandbox.body) else {
        found.push(Difference::new(Kind::Envelope, "", envelope(&up), not_json(sandbox.body)));
        return found;
    };
    found.extend(compare_json(&up, &own));
    found
}

/// Two JSON answers: envelope, code, message and shape.
pub(crate) fn compare_json(up: &Value, own: &Value) -> Vec<Difference> {
    let (up_envelope, own_envelope) = (envelope(up), envelope(own));
    if up_envelope != own_envelope {
        // Every field would differ too; the envelope says it all.
        return vec![Difference::new(Kind::Envelope, "", up_envelope, own_envelope)];
    }
    let mut found = Vec::new();
    if let Some((code, message)) = code_and_message(up_envelope) {
        let (up_code, own_code) = (text(up.get(code)), text(own.get(code)));
        if up_code != own_code {
            found.push(Difference::new(Kind::Code, code, up_code, own_code));
        }
        let (up_message, own_message) = (text(up.get(message)), text(own.get(message)));
        if up_message != own_message {
            found.push(Difference::new(Kind::Message, message, up_message, own_message));
        }
    }
    found.extend(compare_shapes(up, own, |kind| kind));
    found
}

/// The field paths and types of two values; `kind_of` names each difference (a callback's are
/// all `callback`).
pub(crate) fn compare_shapes(up: &Value, own: &Value, kind_of: impl Fn(Kind) -> Kind) -> Vec<Difference> {
    let (up_shape, own_shape) = (Shape::of(up), Shape::of(own));
    let paths: BTreeSet<&String> = up_shape.types.keys().chain(own_shape.types.keys()).collect();
    let mut found: Vec<Difference> = Vec::new();
    let mut reported: Vec<&str> = Vec::new();
    for path in paths {
        // Below a field already reported, or in a list one side has empty, there is nothing to add.
        let under = |parent: &str| path.strip_prefix(parent).is_some_and(|rest| rest.starts_with(['.', '[']));
        if reported.iter().any(|parent| under(parent))
            || up_shape.empty_lists.iter().chain(&own_shape.empty_lists).any(|list| under(list))
        {
            continue;
        }
        let difference = match (up_shape.types.get(path), own_shape.types.get(path)) {
            (Some(up_type), None) => Difference::new(kind_of(Kind::MissingField), path, *up_type, "(absent)"),
            (None, Some(own_type)) => Difference::new(kind_of(Kind::ExtraField), path, "(absent)", *own_type),
            (Some(up_type), Some(own_type)) if up_type != own_type => {
                Difference::new(kind_of(Kind::Type), path, *up_type, *own_type)
            }
            _ => continue,
        };
        found.push(difference);
        reported.push(path);
    }
    found
}

/// Every field path of a value with its type; a list's items share the path `list[]`.
#[derive(Default)]
struct Shape {
    types: BTreeMap<String, &'static str>,
    empty_lists: BTreeSet<String>,
}

impl Shape {
    fn of(value: &Value) -> Self {
        let mut shape = Self::default();
        shape.walk(value, "");
        shape
    }

    fn walk(&mut self, value: &Value, path: &str) {
        match value {
            Value::Object(map) => {
                for (key, field) in map {
                    let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    self.types.insert(child.clone(), type_name(field));
                    self.walk(field, &child);
                }
            }
            Value::Array(items) if items.is_empty() => {
                self.empty_lists.insert(path.to_string());
            }
            Value::Array(items) => {
                let child = format!("{path}[]");
                for item in items {
                    self.types.entry(child.clone()).or_insert(type_name(item));
                    self.walk(item, &child);
                }
            }
            _ => {}
        }
    }
}

/// What a body that is not JSON looked like, briefly.
fn not_json(body: &[u8]) -> String {
    if body.is_empty() {
        return "empty body".into();
    }
    let text = String::from_utf8_lossy(body);
    let excerpt: String = text.chars().take(60).collect();
    format!("not JSON: {}", excerpt.trim())
}

/// The differences of every proxied request, grouped by operation, kind and path.
#[derive(Default)]
pub struct Tally {
    inner: Mutex<TallyInner>,
}

#[derive(Default)]
struct TallyInner {
    requests: u64,
    differing: u64,
    groups: BTreeMap<(String, Kind, String), Group>,
}

struct Group {
    upstream: String,
    sandbox: String,
    count: u64,
    example: String,
}

#[derive(Serialize)]
pub struct View {
    pub requests: u64,
    pub differing: u64,
    pub differences: Vec<GroupView>,
}

#[derive(Serialize)]
pub struct GroupView {
    pub operation: String,
    pub kind: Kind,
    pub path: String,
    pub upstream: String,
    pub sandbox: String,
    pub count: u64,
    pub example: String,
}

impl Tally {
    /// One proxied request's answer and its differences.
    pub fn request(&self, operation: &str, request_id: &str, differences: &[Difference]) {
        let mut inner = self.inner.lock();
        inner.requests += 1;
        if !differences.is_empty() {
            inner.differing += 1;
        }
        inner.add(operation, request_id, differences);
    }

    /// Differences found later (in a callback) for a request already counted; `newly_differing`
    /// when its answer had agreed.
    pub fn later(&self, operation: &str, request_id: &str, differences: &[Difference], newly_differing: bool) {
        let mut inner = self.inner.lock();
        if newly_differing && !differences.is_empty() {
            inner.differing += 1;
        }
        inner.add(operation, request_id, differences);
    }

    pub fn view(&self) -> View {
        let inner = self.inner.lock();
        View {
            requests: inner.requests,
            differing: inner.differing,
            differences: inner
                .groups
                .iter()
                .map(|((operation, kind, path), group)| GroupView {
                    operation: operation.clone(),
                    kind: *kind,
                    path: path.clone(),
                    upstream: group.upstream.clone(),
                    sandbox: group.sandbox.clone(),
                    count: group.count,
                    example: group.example.clone(),
                })
                .collect(),
        }
    }

    pub fn clear(&self) {
        *self.inner.lock() = TallyInner::default();
    }

    /// Prometheus lines: requests compared, those that differed, differences by operation and kind.
    pub fn render_metrics(&self, out: &mut String) {
        let inner = self.inner.lock();
        out.push_str(
            "# HELP jenga_sandbox_proxy_requests_total API requests forwarded to the upstream and compared.\n",
        );
        out.push_str("# TYPE jenga_sandbox_proxy_requests_total counter\n");
        let _ = writeln!(out, "jenga_sandbox_proxy_requests_total {}", inner.requests);
        out.push_str(
            "# HELP jenga_sandbox_proxy_differing_requests_total Forwarded requests whose answers differed in shape.\n",
        );
        out.push_str("# TYPE jenga_sandbox_proxy_differing_requests_total counter\n");
        let _ = writeln!(out, "jenga_sandbox_proxy_differing_requests_total {}", inner.differing);
        out.push_str("# HELP jenga_sandbox_proxy_differences_total Differences between the upstream's answers and the sandbox's, by operation and kind.\n");
        out.push_str("# TYPE jenga_sandbox_proxy_differences_total counter\n");
        let mut by_kind: BTreeMap<(&str, Kind), u64> = BTreeMap::new();
        for ((operation, kind, _), group) in &inner.groups {
            *by_kind.entry((operation, *kind)).or_default() += group.count;
        }
        for ((operation, kind), count) in by_kind {
            let _ = writeln!(
                out,
                "jenga_sandbox_proxy_differences_total{{operation=\"{operation}\",kind=\"{}\"}} {count}",
                kind.name()
            );
        }
    }

    /// The log lines written at shutdown.
    pub fn log_summary(&self, upstream: &str) {
        let view = self.view();
        tracing::info!(
            upstream,
            requests = view.requests,
            differing = view.differing,
            "proxy: {} of {} forwarded requests differed from the sandbox's answers",
            view.differing,
            view.requests
        );
        for group in view.differences {
            tracing::warn!(
                operation = %group.operation,
                kind = group.kind.name(),
                path = %group.path,
                upstream = %group.upstream,
                sandbox = %group.sandbox,
                count = group.count,
                example = %group.example,
                "proxy difference"
            );
        }
    }
}

impl TallyInner {
    fn add(&mut self, operation: &str, request_id: &str, differences: &[Difference]) {
        for difference in differences {
            let key = (operation.to_string(), difference.kind, difference.path.clone());
            self.groups
                .entry(key)
                .or_insert_with(|| Group {
                    upstream: difference.upstream.clone(),
                    sandbox: difference.sandbox.clone(),
                    count: 0,
                    example: request_id.to_string(),
                })
                .count += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(found: &[Difference]) -> Vec<(Kind, &str)> {
        found.iter().map(|d| (d.kind, d.path.as_str())).collect()
    }

    #[test]
    fn values_differ_freely_and_shapes_do_not() {
        let up = json!({"status": true, "code": 0, "message": "success", "data": {"id": "A1", "amount": 5, "items": [{"x": 1}]}});
        let own = json!({"status": true, "code": 0, "message": "success", "data": {"id": "B2", "amount": 7, "items": [{"x": 9}, {"x": 3}]}});
        assert!(compare_json(&up, &own).is_empty());
    }

    #[test]
    fn each_kind_is_named_with_its_path() {
        let up = json!({"status": false, "code": 1, "message": "a", "data": {"only": 1, "kind": "1", "nested": {"deep": 1}}});
        let own = json!({"status": false, "code": 2, "message": "b", "data": {"extra": 1, "kind": 1, "nested": null}});
        assert_eq!(
            kinds(&compare_json(&up, &own)),
            [
                (Kind::Code, "code"),
                (Kind::Message, "message"),
                (Kind::ExtraField, "data.extra"),
                (Kind::Type, "data.kind"),
                (Kind::Type, "data.nested"),
                (Kind::MissingField, "data.only"),
            ]
        );
    }

    #[test]
    fn an_empty_list_hides_its_items_and_another_envelope_hides_the_rest() {
        let up = json!({"list": [{"a": 1}]});
        let own = json!({"list": []});
        assert!(compare_json(&up, &own).is_empty());
        let v2 = json!({"response_status": "error", "response_code": "1", "response_msg": "x"});
        let v3 = json!({"status": false, "code": 1, "message": "x"});
        assert_eq!(kinds(&compare_json(&v2, &v3)), [(Kind::Envelope, "")]);
    }

    #[test]
    fn a_body_that_is_not_json_is_an_upstream_error() {
        let found = compare(&Answer { status: 502, body: b"<html>" }, &Answer { status: 200, body: b"{}" });
        assert_eq!(kinds(&found), [(Kind::Status, ""), (Kind::UpstreamError, "")]);
    }
}
