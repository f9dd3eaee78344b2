//! The OpenAPI 3.1 description of everything the sandbox serves, built from the router's own
//! tables (`api::described`, `admin::ROUTES`), the validators (`rules`), the signature formulas
//! (`operation`) and the error catalogue, so that nothing is served undescribed.

mod admin;
mod answers;
mod request;

use crate::admin::table::AdminPath;
use crate::api::{self, Described};
use crate::envelope::Generation;
use crate::operation::{Auth, Operation};
use crate::pipeline::Spec;
use crate::rules;
use serde_json::{json, Map, Value};

/// The document, naming `server` (the base URL it was fetched from, or the default bind) as
/// where the API is: tools that import a file (Postman, Swagger UI) need an absolute one. The
/// admin paths are those of `admin_routes` (`admin::ROUTES`).
pub(crate) fn document(server: &str, admin_routes: &[AdminPath]) -> Value {
    let mut paths = Map::new();
    let described = api::described();
    for route in described {
        let item = paths.entry(route.path.clone()).or_insert_with(|| json!({}));
        item[route.method.as_str().to_lowercase()] = operation(route, described);
    }
    admin::paths(&mut paths, admin_routes);
    let mut schemas = answers::components();
    schemas["AdminError"] = admin::error_schema();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Jenga API sandbox",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Every Jenga API path the sandbox serves (v3, and v2 under both its `-test` \
                and its plain service prefixes), and the sandbox's admin API under `/__sandbox`. \
                Errors come in the envelope of the API generation called. Generated from the \
                sandbox's router, validators, signature formulas and error catalogue.",
        },
        "servers": [{"url": server, "description": "the sandbox"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a token from the v3 \
                    authenticate call or the v2 token call"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "Api-Key", "description": "the merchant's API key"},
                "v2ApiKey": {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "`Basic <API key>`: the key itself, as JengaHQ shows it (not base64 of user:password)"},
                "adminToken": {"type": "http", "scheme": "bearer", "description": "the admin token; \
                    needed only when the sandbox listens off loopback"},
            },
        },
    })
}

/// The specs a route serves, their operations (without repeats) and whether every one is signed.
fn operations(route: &Described) -> Vec<&'static Operation> {
    let mut ops: Vec<&'static Operation> = Vec::new();
    for spec in route.serves.specs.iter().map(|served| served.spec) {
        if !ops.iter().any(|op| op.id == spec.op.id && op.signature.len() == spec.op.signature.len()) {
            ops.push(spec.op);
        }
    }
    ops
}

fn operation(route: &Described, all: &[Described]) -> Value {
    let generation = route.generation;
    let ops = operations(route);
    let signed = ops.iter().any(|op| !op.signature.is_empty());
    let always_signed = ops.iter().all(|op| !op.signature.is_empty());
    let specs: Vec<&'static Spec> = route.serves.specs.iter().map(|served| served.spec).collect();
    let json_body = specs.iter().any(|spec| spec.json_body());

    let mut description = Vec::new();
    if let Some(canonical) = alias_of(route, all) {
        description.push(format!("The lower-case spelling of `{canonical}`, served alike."));
    }
    if let Some(param) = route.serves.picked_by {
        let picks: Vec<String> = route
            .serves
            .specs
            .iter()
            .map(|s| format!("`{}` — {} (`{}`)", s.picked_when.unwrap_or_default(), s.spec.op.title, s.spec.op.id))
            .collect();
        description.push(format!("`{{{param}}}` picks the operation:\n\n- {}", picks.join("\n- ")));
    } else if ops.len() > 1 {
        let names: Vec<String> = ops.iter().map(|op| format!("{} (`{}`)", op.title, op.id)).collect();
        description.push(format!("Serves any of, as the request picks:\n\n- {}", names.join("\n- ")));
    }
    if signed {
        description.push(signature_text(&ops));
    }

    let mut parameters = Vec::new();
    let mut body_schemas: Vec<Value> = Vec::new();
    for spec in &specs {
        let asked = rules::asked_by(spec.validate);
        if spec.json_body() {
            let schema = request::body(&asked);
            if !body_schemas.contains(&schema) {
                body_schemas.push(schema);
            }
        } else {
            for parameter in request::parameters(&route.path, &asked) {
                if !parameters.iter().any(|p: &Value| p["name"] == parameter["name"]) {
                    parameters.push(parameter);
                }
            }
        }
    }
    if let Some(param) = route.serves.picked_by {
        let mut values: Vec<&str> = route.serves.specs.iter().filter_map(|served| served.picked_when).collect();
        values.dedup();
        parameters
            .push(json!({"name": param, "in": "path", "required": true, "schema": {"type": "string", "enum": values}}));
    }
    if signed {
        parameters.push(json!({
            "name": "Signature",
            "in": "header",
            "required": always_signed,
            "description": "Checked when the sandbox runs with --signature-mode strict or warn; see the formula above.",
            "schema": {"type": "string"},
        }));
    }

    let first = ops[0];
    let mut operation = json!({
        "operationId": operation_id(route),
        "summary": first.title,
        "tags": [tag(&route.path, generation)],
        "responses": answers::responses(&ops, generation, signed),
    });
    if !description.is_empty() {
        operation["description"] = json!(description.join("\n\n"));
    }
    if !parameters.is_empty() {
        operation["parameters"] = json!(parameters);
    }
    operation["security"] = match first.auth {
        Auth::Bearer => json!([{"bearer": []}]),
        Auth::Credentials if generation == Generation::V2 => json!([{"v2ApiKey": []}]),
        Auth::Credentials => json!([{"apiKey": []}]),
    };
    if json_body {
        let schema = match body_schemas.len() {
            1 => body_schemas.remove(0),
            _ => json!({"anyOf": body_schemas}),
        };
        let mut content = Map::new();
        content.insert("application/json".into(), json!({"schema": schema}));
        // The v2 token call takes a form, as its doc shows; other v2 calls take one too.
        if first.auth == Auth::Credentials && generation == Generation::V2 {
            content.insert("application/x-www-form-urlencoded".into(), json!({"schema": schema}));
        }
        operation["requestBody"] = json!({"required": true, "content": content});
    }
    let unsupported = if json_body { "application/json" } else { "no body" };
    add_gateway_answers(&mut operation["responses"], generation, unsupported);
    operation
}

/// 405 and 415 are gateway answers every operation may give; they come from the Http family's
/// rows, which every operation lists, so here they only gain a sentence of explanation.
fn add_gateway_answers(responses: &mut Value, generation: Generation, takes: &str) {
    if let Some(answer) = responses.get_mut("405") {
        let text = answer["description"].as_str().unwrap_or_default().to_string();
        answer["description"] = json!(format!("Any other method on this path (with an `Allow` header).\n{text}"));
    }
    if let Some(answer) = responses.get_mut("415") {
        let text = answer["description"].as_str().unwrap_or_default().to_string();
        answer["description"] = json!(format!("A body in another media type (this operation takes {takes}).\n{text}"));
    }
    let _ = generation;
}

fn signature_text(ops: &[&Operation]) -> String {
    let mut lines = vec![
        "**Signature**: base64 of the RSA SHA-256 (PKCS#1 v1.5) signature, made with the merchant's private \
         key, of these fields' values joined with nothing between them (`@merchantCode` is the caller's merchant code):"
            .to_string(),
    ];
    for op in ops.iter().filter(|op| !op.signature.is_empty()) {
        for (index, formula) in op.signature.iter().enumerate() {
            let role = if index == 0 { "documented" } else { "also accepted" };
            lines.push(format!("- `{}` ({}, {role}): `{}`", op.id, formula.name, formula.written()));
        }
    }
    if ops.iter().any(|op| op.signature.is_empty()) {
        lines.push("- a call with no `Signature` header is also taken here (published SDKs send none)".into());
    }
    lines.join("\n")
}

/// The camelCase path this lower-case path repeats, if it is one.
fn alias_of<'a>(route: &Described, all: &'a [Described]) -> Option<&'a str> {
    all.iter()
        .find(|other| {
            other.method == route.method
                && other.path != route.path
                && other.path.to_lowercase() == route.path.to_lowercase()
                && route.path.split('/').filter(|s| !s.starts_with('{')).all(|s| s == s.to_lowercase())
        })
        .map(|other| other.path.as_str())
}

fn operation_id(route: &Described) -> String {
    let path: String = route.path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect::<String>();
    format!("{}{}", route.method.as_str().to_lowercase(), path.trim_end_matches('_'))
}

fn tag(path: &str, generation: Generation) -> String {
    let service = path.split('/').nth(1).unwrap_or_default();
    match generation {
        Generation::V2 => format!("v2 {service}"),
        Generation::V3 => format!("v3 {service}"),
    }
}
