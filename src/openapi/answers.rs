//! The answers an operation can give: its success, and every catalogue row of its families
//! rendered as the error envelope renders it, grouped by HTTP status.

use crate::catalogue::{Family, CATALOGUE};
use crate::envelope::{Failure, Generation};
use crate::operation::Operation;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The component schema each generation's error envelope is described by.
pub(super) fn error_schema_name(generation: Generation) -> &'static str {
    match generation {
        Generation::V3 => "V3Error",
        Generation::V2 => "V2Error",
    }
}

/// Shared schemas: the two error envelopes (as `envelope::Failure::render` writes them).
pub(super) fn components() -> Value {
    json!({
        "V3Error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "boolean", "const": false},
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "error_code": {"type": "string"},
            },
        },
        "V2Error": {
            "type": "object",
            "required": ["response_status", "response_code", "response_msg"],
            "properties": {
                "response_status": {"type": "string"},
                "response_code": {"type": "string", "pattern": "^[0-9]+$"},
                "response_msg": {"type": "string"},
            },
        },
        "Success": {
            "type": "object",
            "description": "The operation's answer: for v3 mostly {status: true, code, message, data}, for v2 the bare object",
        },
    })
}

/// (code, message) of every answer per HTTP status, as `ops` in this generation render them.
fn failures(ops: &[&Operation], generation: Generation, signed: bool) -> BTreeMap<u16, Vec<(String, String)>> {
    let mut families: Vec<Family> = ops.iter().flat_map(|op| op.families.iter().copied()).collect();
    if signed {
        families.push(Family::Signature);
    }
    let mut by_status: BTreeMap<u16, Vec<(String, String)>> = BTreeMap::new();
    for row in CATALOGUE.iter().filter(|row| row.families.iter().any(|f| families.contains(f))) {
        let (status, body) = Failure { row, message: None, detail: None }.render(generation);
        let (code, message) = match generation {
            Generation::V3 => (body["code"].to_string(), body["message"].as_str().unwrap_or_default().to_string()),
            Generation::V2 => (
                body["response_code"].as_str().unwrap_or_default().to_string(),
                body["response_msg"].as_str().unwrap_or_default().to_string(),
            ),
        };
        let listed = by_status.entry(status.as_u16()).or_default();
        if !listed.iter().any(|(c, _)| *c == code) {
            listed.push((code, message));
        }
    }
    by_status
}

/// The `responses` object of an operation.
pub(super) fn responses(ops: &[&Operation], generation: Generation, signed: bool) -> Value {
    let error = json!({"$ref": format!("#/components/schemas/{}", error_schema_name(generation))});
    let success = json!({"$ref": "#/components/schemas/Success"});
    let mut responses = Map::new();
    let failures = failures(ops, generation, signed);
    let codes = |listed: &[(String, String)]| {
        listed.iter().map(|(code, message)| format!("- `{code}`: {message}")).collect::<Vec<_>>().join("\n")
    };
    let ok_failures = failures.get(&200).map(|l| l.as_slice()).unwrap_or_default();
    let (ok_schema, ok_text) = if ok_failures.is_empty() {
        (success, "Success".to_string())
    } else {
        (
            json!({"anyOf": [error.clone(), success]}),
            format!("Success, or a failure answered at 200:\n{}", codes(ok_failures)),
        )
    };
    responses.insert("200".into(), answer(&ok_text, ok_schema));
    for (status, listed) in failures.iter().filter(|(status, _)| **status != 200) {
        responses.insert(status.to_string(), answer(&codes(listed), error.clone()));
    }
    Value::Object(responses)
}

fn answer(description: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": schema}},
    })
}
