//! The API description: what it describes is what the sandbox serves, path by path and method
//! by method, and the CLI prints the same document.

use crate::helpers::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;

const METHODS: &[&str] = &["get", "post", "put", "delete", "patch"];

async fn document(app: &TestApp) -> Value {
    let response = app.client.get(app.url("/__sandbox/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The path with each `{param}` filled: the first value the document allows, else `x`.
fn concrete(path: &str, operation: &Value) -> String {
    let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
    path.split('/')
        .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => parameters
                .iter()
                .find(|p| p["name"] == name && p["in"] == "path")
                .and_then(|p| p["schema"]["enum"][0].as_str())
                .unwrap_or("x")
                .to_string(),
            None => segment.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The catch-all answers of paths nobody serves.
fn unmatched(body: &Value) -> bool {
    let text = body["message"].as_str().or(body["response_msg"].as_str()).or(body["error"].as_str()).unwrap_or("");
    text.contains("no Jenga endpoint") || text.contains("no admin endpoint")
}

#[tokio::test]
async fn every_described_operation_is_served_and_other_methods_answer_405() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() > 90, "{} paths", paths.len());
    for (path, item) in paths {
        let described: BTreeSet<&str> = METHODS.iter().copied().filter(|m| item.get(*m).is_some()).collect();
        assert!(!described.is_empty(), "{path} describes no operation");
        for method in &described {
            let operation = &item[*method];
            let url = app.url(&concrete(path, operation));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.client.request(method.clone(), &url).send().await.unwrap();
            let status = response.status();
            // An event stream's body lasts as long as its reader: its status tells it is served.
            let streamed = response.headers().get("content-type").is_some_and(|t| t == "text/event-stream");
            let body: Value = if streamed { Value::Null } else { response.json().await.unwrap_or(Value::Null) };
            assert!(!unmatched(&body), "{method} {path} is described but not served: {status} {body}");
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {body}");
        }
        let other = METHODS.iter().find(|m| !described.contains(*m)).unwrap();
        let url = app.url(&concrete(path, &item[*described.first().unwrap()]));
        let response = app
            .client
            .request(Method::from_bytes(other.to_uppercase().as_bytes()).unwrap(), &url)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{other} {path}");
        let allow = response.headers()["allow"].to_str().unwrap().to_lowercase();
        let allowed: BTreeSet<&str> = allow.split(", ").filter(|m| *m != "head").collect();
        assert_eq!(allowed, described, "{path}: Allow says {allow}");
        assert!(item[*described.first().unwrap()]["responses"]["405"].is_object(), "{path} documents no 405");
    }
}

#[tokio::test]
async fn every_operation_and_every_value_of_a_picking_parameter_is_described_and_served() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let mut described_ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let text = format!("{} {}", operation["summary"], operation["description"]);
            for op in jenga_sandbox::startup::operations().iter() {
                if text.contains(op.title) || text.contains(&format!("`{}`", op.id)) {
                    described_ids.insert(op.id);
                }
            }
            // Each value of `{rail}` or `{call}` reaches an operation, not the catch-all 404.
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let Some(values) = parameter["schema"]["enum"].as_array().filter(|_| parameter["in"] == "path") else {
                    continue;
                };
                for value in values {
                    let url = app.url(
                        &path.replace(&format!("{{{}}}", parameter["name"].as_str().unwrap()), value.as_str().unwrap()),
                    );
                    let response = app
                        .client
                        .request(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), &url)
                        .send()
                        .await
                        .unwrap();
                    let body: Value = response.json().await.unwrap();
                    assert!(!unmatched(&body), "{method} {url}: {body}");
                }
            }
        }
    }
    let all: BTreeSet<&str> = jenga_sandbox::startup::operations().ids().into_iter().collect();
    assert_eq!(described_ids, all, "operations served but not described");
}

#[tokio::test]
async fn bodies_signatures_and_errors_come_from_the_validators_formulas_and_catalogue() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let push = &document["paths"]["/v3-apis/payment-api/v3.0/stkussdpush/initiate"]["post"];
    let body = &push["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["required"], serde_json::json!(["merchant", "payment"]));
    let payment = &body["properties"]["payment"];
    for field in ["ref", "mobileNumber", "telco", "amount", "currency", "date", "pushType"] {
        assert!(payment["required"].as_array().unwrap().iter().any(|r| r == field), "payment.{field}: {payment}");
    }
    assert_eq!(payment["properties"]["telco"]["enum"], serde_json::json!(["Equitel", "Safaricom"]));
    assert_eq!(payment["anyOf"], serde_json::json!([{"required": ["callBackUrl"]}, {"required": ["callbackUrl"]}]));
    let description = push["description"].as_str().unwrap();
    assert!(
        description.contains(&jenga_sandbox::startup::operations().by_id("stk_push").unwrap().signature[0].written()),
        "{description}"
    );
    assert!(push["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "Signature" && p["required"] == true));
    assert!(push["responses"]["400"]["description"].as_str().unwrap().contains("`400101`"));
    assert_eq!(
        push["responses"]["400"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/V3Error"
    );

    let v2 = &document["paths"]["/transaction/v2/billers"]["get"];
    assert_eq!(v2["responses"]["400"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/V2Error");
    let page = v2["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "page").unwrap();
    assert_eq!(page["in"], "query");
    assert_eq!(page["examples"]["largest"]["value"], usize::MAX.to_string());
    assert!(document["paths"]["/identity-test/v2/token"]["post"]["requestBody"]["content"]
        ["application/x-www-form-urlencoded"]
        .is_object());
    // Admin query parameters and bodies are the fields of the structs the handlers read.
    let journal = &document["paths"]["/__sandbox/requests"]["get"]["parameters"];
    assert!(journal.as_array().unwrap().iter().any(|p| p["name"] == "reference"), "{journal}");
    let advance = &document["paths"]["/__sandbox/clock/advance"]["post"]["requestBody"]["content"]["application/json"];
    assert_eq!(advance["schema"]["properties"], serde_json::json!({"seconds": {}}));
}

#[tokio::test]
async fn the_cli_prints_the_document_the_server_serves() {
    let app = spawn_app().await;
    let served = document(&app).await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_jenga-sandbox")).arg("openapi").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["servers"][0]["url"], "http://127.0.0.1:8080");
    assert_eq!(served["servers"][0]["url"], app.address.as_str());
    printed["servers"] = served["servers"].clone();
    assert_eq!(printed, served);
    assert_eq!(printed["openapi"], "3.1.0");
}
