//! The admin API under `/__sandbox`, from the admin router's own table.

use crate::admin::table::{AdminBody, AdminOp, AdminPath};
use serde_json::{json, Map, Value};

pub(super) fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "problems": {}},
    })
}

pub(super) fn paths(paths: &mut Map<String, Value>, routes: &[AdminPath]) {
    for path in routes {
        let full = format!("/__sandbox{}", path.path);
        let mut item = Map::new();
        for op in path.ops {
            item.insert(op.method.to_lowercase(), operation(&full, path.ops, op));
        }
        paths.insert(full, Value::Object(item));
    }
}

fn operation(path: &str, siblings: &[AdminOp], op: &AdminOp) -> Value {
    let error = json!({"$ref": "#/components/schemas/AdminError"});
    let mut responses = Map::new();
    // A query or body with a key the operation does not take is refused, so any operation that
    // takes either can answer 400 whether or not its table row says so.
    let takes_input = !(op.query)().is_empty() || op.body.is_some();
    let refuses_input = takes_input.then_some(&400u16);
    for status in op.answers.iter().chain(refuses_input) {
        let (text, schema) = match status {
            200..=299 if op.media == "application/json" => ("Success", json!({})),
            200..=299 => ("Success", json!({"type": "string"})),
            400 => ("A bad query parameter or body", error.clone()),
            404 => ("Not found", error.clone()),
            _ => ("Failure", error.clone()),
        };
        // Failures are the admin error, in JSON, whatever a success answers with.
        let media = if *status < 400 { op.media } else { "application/json" };
        responses.insert(status.to_string(), json!({"description": text, "content": {media: {"schema": schema}}}));
    }
    let mut allowed: Vec<&str> = siblings.iter().map(|o| o.method).collect();
    if allowed.contains(&"GET") {
        allowed.push("HEAD");
    }
    let common = [
        (401, "Off loopback, a missing or wrong admin token".to_string()),
        (405, format!("Any other method on this path; this one takes {}", allowed.join(", "))),
    ];
    for (status, text) in common {
        responses.insert(
            status.to_string(),
            json!({"description": text, "content": {"application/json": {"schema": error}}}),
        );
    }
    if op.body.is_some() {
        responses.insert(
            "413".into(),
            json!({"description": "A body over the admin API's limit", "content": {"application/json": {"schema": error}}}),
        );
    }
    let id: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let mut operation = json!({
        "operationId": format!("{}{}", op.method.to_lowercase(), id.trim_end_matches('_')),
        "summary": op.summary,
        "tags": ["admin"],
        "security": [{}, {"adminToken": []}],
        "responses": responses,
    });
    let mut parameters: Vec<Value> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    parameters.extend(
        (op.query)()
            .iter()
            .map(|name| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}})),
    );
    if !parameters.is_empty() {
        operation["parameters"] = json!(parameters);
    }
    match &op.body {
        Some(AdminBody::Fields(fields)) => {
            let properties: Map<String, Value> = fields().iter().map(|name| (name.to_string(), json!({}))).collect();
            let schema = json!({"type": "object", "properties": properties, "additionalProperties": false});
            operation["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": schema}}});
        }
        Some(AdminBody::Any(what)) => {
            operation["requestBody"] =
                json!({"required": false, "description": what, "content": {"*/*": {"schema": {}}}});
        }
        None => {}
    }
    operation
}
