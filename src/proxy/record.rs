//! `--record DIR`: each distinct upstream answer is written as a scenario file, one rule per
//! file: the operation, a match on the request's distinguishing fields (the values a magic-value
//! rule would key on, not its reference, dates, URLs, signature or credentials) and the answer
//! itself (`response: {status, body}`), with secret fields masked. `serve --scenarios DIR` then
//! answers the same request as the upstream did, offline.

use crate::operation::{Auth, Operations};
use parking_lot::Mutex;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// The most fields a recorded rule matches on.
const MAX_FIELDS: usize = 12;

pub struct Recorder {
    dir: PathBuf,
    /// Names already written (or found on disk): each distinct answer is written once.
    written: Mutex<HashSet<String>>,
    /// Which operations take a bearer token: only their answers are recorded.
    operations: Operations,
}

impl Recorder {
    pub fn new(dir: &Path, operations: Operations) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("record: {}: {e}", dir.display()))?;
        Ok(Self { dir: dir.to_path_buf(), written: Mutex::default(), operations })
    }

    /// Writes the upstream's answer to one request, unless that answer was written already.
    /// Sign-ins are not recorded: their answers are credentials.
    pub fn capture(&self, operation: &str, request: &actix_web::HttpRequest, body: &[u8], status: u16, answer: &[u8]) {
        let bearer = self.operations.by_id(operation).is_some_and(|op| op.auth == Auth::Bearer);
        let Ok(mut answer) = serde_json::from_slice::<Value>(answer) else { return };
        if !bearer || !(200..600).contains(&status) {
            return;
        }
        crate::secrets::mask_json(&mut answer);
        let fields = distinguishing_fields(request, body);
        let name = rule_name(operation, &fields, status, &answer);
        if !self.written.lock().insert(name.clone()) {
            return;
        }
        let path = self.dir.join(format!("{name}.yaml"));
        if path.exists() {
            return;
        }
        let text = scenario_text(&name, operation, request.path(), &fields, status, &answer);
        let temporary = self.dir.join(format!(".{name}.yaml.partial"));
        let written = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, &path));
        match written {
            Ok(()) => tracing::info!(path = %path.display(), operation, status, "recorded the upstream's answer"),
            Err(e) => tracing::warn!(path = %path.display(), "could not record the upstream's answer: {e}"),
        }
    }
}

/// The request's fields a rule matches on: the body's (JSON or form), or for a request without
/// one its path parameters, leaving out what differs from one request to the next.
fn distinguishing_fields(request: &actix_web::HttpRequest, body: &[u8]) -> BTreeMap<String, String> {
    let input = if body.iter().all(u8::is_ascii_whitespace) {
        let params: Map<String, Value> =
            request.match_info().iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
        Value::Object(params)
    } else {
        crate::fields::from_json(body).or_else(|_| crate::fields::from_form(body)).unwrap_or(Value::Null)
    };
    let mut fields = BTreeMap::new();
    leaves(&input, "", &mut fields);
    fields.into_iter().filter(|(path, _)| distinguishes(path)).take(MAX_FIELDS).collect()
}

fn leaves(value: &Value, path: &str, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, field) in map {
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                leaves(field, &child, out);
            }
        }
        Value::Array(_) | Value::Null => {}
        scalar => {
            if let Some(text) = crate::fields::raw_text(scalar) {
                out.insert(path.to_string(), text);
            }
        }
    }
}

/// Whether a field is worth matching on: not a credential, and not what every request sets
/// afresh (its reference, a date or time, a URL, a free-text description, a signature).
fn distinguishes(path: &str) -> bool {
    let key = path.rsplit('.').next().unwrap_or(path);
    let lower = key.to_ascii_lowercase();
    let varies = ["reference", "date", "time", "url", "signature", "description", "narration", "remark", "orderid"]
        .iter()
        .any(|word| lower.contains(word))
        || lower == "ref"
        || lower.ends_with("ref")
        || lower == "id";
    !varies && !crate::secrets::is_secret_name(key)
}

/// `recorded-OPERATION-HASH`, the same for the same operation, match and answer shape.
fn rule_name(operation: &str, fields: &BTreeMap<String, String>, status: u16, answer: &Value) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    operation.hash(&mut hasher);
    fields.hash(&mut hasher);
    status.hash(&mut hasher);
    for key in ["code", "message", "response_code", "response_msg"] {
        answer.get(key).map(Value::to_string).hash(&mut hasher);
    }
    format!("recorded-{operation}-{:08x}", hasher.finish() as u32)
}

/// The scenario file: YAML, with the values written as JSON (which YAML reads as they are).
fn scenario_text(
    name: &str,
    operation: &str,
    path: &str,
    fields: &BTreeMap<String, String>,
    status: u16,
    answer: &Value,
) -> String {
    let json = |value: &Value| serde_json::to_string(value).unwrap_or_default();
    let description = format!("Captured from the upstream's answer to {path} (HTTP {status}).");
    let fields: Map<String, Value> = fields.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    format!(
        "# Written by `jenga-sandbox proxy --record`: replay with `jenga-sandbox serve --scenarios DIR`.\n\
         scenarios:\n  - name: {name}\n    description: {}\n    effects:\n      {operation}:\n        \
         response: {{status: {status}, body: {}}}\n    match:\n      - operation: {operation}\n        \
         priority: 1\n        fields: {}\n",
        json(&Value::String(description)),
        json(answer),
        json(&Value::Object(fields)),
    )
}

#[cfg(test)]
mod tests {
    use super::distinguishes;

    #[test]
    fn references_dates_urls_and_credentials_are_not_matched_on() {
        for path in ["payment.ref", "transfer.reference", "payment.date", "payment.callBackUrl", "password", "id"] {
            assert!(!distinguishes(path), "{path}");
        }
        for path in ["payment.mobileNumber", "payment.amount", "countryCode", "accountId", "merchant.accountNumber"] {
            assert!(distinguishes(path), "{path}");
        }
    }
}
