//! Request schemas, built from the fields each validator checks (`rules::asked_by`): the
//! validators stay the one list of what a request must carry.

use crate::rules::{Asked, Rule};
use serde_json::{json, Map, Value};

/// The JSON schema of one field rule.
pub(super) fn field(rule: &Rule) -> Value {
    // Required strings must hold more than blanks.
    let text = || json!({"type": "string", "pattern": "\\S"});
    match rule {
        Rule::Text | Rule::EitherOf(_) => text(),
        Rule::OneOf(allowed) => json!({"type": "string", "enum": allowed}),
        Rule::Expect(expectation) => {
            let mut schema = text();
            schema["description"] = json!(expectation);
            schema
        }
        Rule::Count => json!({"type": "string", "pattern": "^[0-9]+$", "description": "a whole number from 1"}),
        Rule::Date => json!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
        Rule::HttpUrl => json!({"type": "string", "format": "uri", "pattern": "^https?://"}),
        Rule::Amount(decimals) => amount(*decimals),
        Rule::NumberOrAmount => json!({"anyOf": [
            {"type": "number", "exclusiveMinimum": 0, "description": "at most 2 decimal places"},
            amount(2),
        ]}),
    }
}

fn amount(decimals: usize) -> Value {
    json!({
        "type": "string",
        "pattern": format!("^[0-9]+(\\.[0-9]{{1,{decimals}}})?$"),
        "description": format!("a positive amount with at most {decimals} decimal places"),
        "example": "100.00",
    })
}

/// The object schema of a body whose fields are `asked` (dotted paths; a numeric segment is an
/// array index). Other fields are allowed: clients send more than the sandbox reads.
pub(super) fn body(asked: &[Asked]) -> Value {
    let mut root = object();
    for field in asked {
        let segments: Vec<&str> = field.path.split('.').collect();
        insert(&mut root, &segments, field);
    }
    root
}

fn object() -> Value {
    json!({"type": "object", "properties": {}})
}

fn insert(node: &mut Value, segments: &[&str], field: &Asked) {
    let (name, rest) = match segments {
        [] => return,
        [name, rest @ ..] => (*name, rest),
    };
    if !field.optional {
        require(node, name);
    }
    let properties = node["properties"].as_object_mut().expect("objects have properties");
    if rest.is_empty() {
        properties.insert(name.to_string(), self::field(&field.rule));
        if let Rule::EitherOf(names) = &field.rule {
            either_of(node, names);
        }
        return;
    }
    let index = rest[0].parse::<usize>().is_ok();
    let child = properties.entry(name.to_string()).or_insert_with(|| {
        if index {
            json!({"type": "array", "minItems": 1, "items": object()})
        } else {
            object()
        }
    });
    if index {
        insert(&mut child["items"], &rest[1..], field);
    } else {
        insert(child, rest, field);
    }
}

fn require(node: &mut Value, name: &str) {
    let required = node.as_object_mut().expect("an object schema").entry("required").or_insert_with(|| json!([]));
    let list = required.as_array_mut().expect("required is a list");
    if !list.iter().any(|r| r == name) {
        list.push(json!(name));
    }
}

/// A field sent under one of several names: each name is described, and one of them is required.
fn either_of(node: &mut Value, names: &[&str]) {
    let leaf = |path: &str| path.rsplit('.').next().unwrap_or(path).to_string();
    let same_parent = names.iter().all(|n| n.rsplit_once('.').map(|p| p.0) == names[0].rsplit_once('.').map(|p| p.0));
    if !same_parent {
        return;
    }
    let first = leaf(names[0]);
    let schema = node["properties"][&first].clone();
    let mut alternatives = Vec::new();
    for name in names {
        let name = leaf(name);
        node["properties"][&name] = schema.clone();
        alternatives.push(json!({"required": [name]}));
    }
    if let Some(required) = node["required"].as_array_mut() {
        required.retain(|r| *r != first);
    }
    node["anyOf"] = json!(alternatives);
}

/// Parameters read from the path or the query string of a GET: the validator's fields, each
/// `in` the path when the template names it, otherwise in the query.
pub(super) fn parameters(path: &str, asked: &[Asked]) -> Vec<Value> {
    asked
        .iter()
        .map(|field| {
            let in_path = path.contains(&format!("{{{}}}", field.path));
            let mut parameter = Map::new();
            parameter.insert("name".into(), json!(field.path));
            parameter.insert("in".into(), json!(if in_path { "path" } else { "query" }));
            parameter.insert("required".into(), json!(in_path || !field.optional));
            parameter.insert("schema".into(), self::field(&field.rule));
            if let Some(examples) = named_examples(&field.rule) {
                parameter.insert("examples".into(), examples);
            }
            Value::Object(parameter)
        })
        .collect()
}

/// Edge values worth trying together: equally named examples of an operation's parameters are
/// sent in one request (a far page of a huge page size once overflowed the paging).
fn named_examples(rule: &Rule) -> Option<Value> {
    match rule {
        Rule::Count => Some(json!({
            "smallest": {"value": "1"},
            "largest": {"value": usize::MAX.to_string()},
            "past-largest": {"value": format!("{}0", usize::MAX)},
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(path: &str, rule: Rule, optional: bool) -> Asked {
        Asked { path: path.into(), rule, optional }
    }

    #[test]
    fn dotted_fields_nest_and_numeric_segments_make_lists() {
        let schema = body(&[
            asked("payment.ref", Rule::Text, false),
            asked("payment.amount", Rule::Amount(2), false),
            asked("customer.0.dateOfBirth", Rule::Date, false),
            asked("limit", Rule::Text, true),
        ]);
        assert_eq!(schema["required"], json!(["payment", "customer"]));
        assert_eq!(schema["properties"]["payment"]["required"], json!(["ref", "amount"]));
        assert_eq!(schema["properties"]["customer"]["type"], "array");
        assert_eq!(schema["properties"]["customer"]["items"]["properties"]["dateOfBirth"]["format"], "date");
        assert_eq!(schema["properties"]["limit"]["type"], "string");
    }

    #[test]
    fn a_field_with_two_names_requires_either() {
        let schema = body(&[asked(
            "payment.callBackUrl",
            Rule::EitherOf(vec!["payment.callBackUrl", "payment.callbackUrl"]),
            false,
        )]);
        let payment = &schema["properties"]["payment"];
        assert_eq!(payment["anyOf"], json!([{"required": ["callBackUrl"]}, {"required": ["callbackUrl"]}]));
        assert!(payment["properties"]["callbackUrl"].is_object());
        assert_eq!(payment["required"], json!([]));
    }
}
