//! Requests the sandbox cannot serve: every failure answers JSON in the envelope of the path's
//! generation, with the right status, the sandbox headers, and never a 500 or a text body.

use crate::helpers::*;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

/// Asserts a v3 failure envelope with `status` and `error_code`, JSON and the request id header; returns the body.
async fn assert_v3_failure(response: Response, status: u16, error_code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let content_type = response.headers().get("content-type").expect("a content type").to_str().unwrap();
    assert!(content_type.starts_with("application/json"), "content-type {content_type}");
    assert!(response.headers().contains_key("x-sandbox-request-id"), "{:?}", response.headers());
    assert_eq!(response.headers()["x-sandbox-scenario"], "default");
    let body: Value = response.json().await.expect("the body is JSON");
    assert_eq!(body["status"], false, "{body}");
    assert_eq!(body["code"], status, "{body}");
    assert_eq!(body["error_code"], error_code, "{body}");
    assert!(body["message"].is_string(), "{body}");
    body
}

/// POSTs raw bytes to the STK push with a valid token and the given content type.
async fn post_raw(app: &TestApp, content_type: &str, raw: impl Into<reqwest::Body>) -> Response {
    let token = app.token().await;
    app.client
        .post(app.url(STK_PATH))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(raw)
        .send()
        .await
        .unwrap()
}

async fn push_with_valid_signature(app: &TestApp, body: &Value) -> Response {
    let token = app.token().await;
    app.stk_push_with(body, &token, Some(&sign(&stk_canonical(body))), None).await
}

#[tokio::test]
async fn push_with_malformed_json_is_an_invalid_request_naming_line_and_column() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = post_raw(&app, "application/json", "{\"merchant\": {\n  \"accountNumber\": }").await;
    // Assert
    let body = assert_v3_failure(response, 400, "INVALID_REQUEST").await;
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("line 2") && message.contains("column"), "{message}");
}

#[tokio::test]
async fn push_with_a_json_array_body_is_an_invalid_request() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = post_raw(&app, "application/json", "[1, 2, 3]").await;
    // Assert
    let body = assert_v3_failure(response, 400, "INVALID_REQUEST").await;
    assert!(body["message"].as_str().unwrap().contains("JSON object"), "{body}");
}

#[tokio::test]
async fn push_with_an_empty_body_is_an_invalid_request() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = post_raw(&app, "application/json", "").await;
    // Assert
    let body = assert_v3_failure(response, 400, "INVALID_REQUEST").await;
    assert!(body["message"].as_str().unwrap().contains("empty"), "{body}");
}

#[tokio::test]
async fn push_sent_as_text_plain_is_an_unsupported_media_type() {
    // Arrange
    let app = spawn_app().await;
    let body = stk_body("BADTYPE00001", "254764555291", "http://127.0.0.1:9/cb");
    // Act
    let response = post_raw(&app, "text/plain", body.to_string()).await;
    // Assert
    let body = assert_v3_failure(response, 415, "UNSUPPORTED_MEDIA_TYPE").await;
    assert!(body["message"].as_str().unwrap().contains("application/json"), "{body}");
}

#[tokio::test]
async fn push_with_a_body_over_the_limit_is_payload_too_large() {
    // Arrange
    let app = spawn_app_with(|s| s.max_body_bytes = 1024).await;
    let padding = "x".repeat(4096);
    let raw = json!({"padding": padding}).to_string();
    // Act
    let response = post_raw(&app, "application/json", raw).await;
    // Assert
    let body = assert_v3_failure(response, 413, "PAYLOAD_TOO_LARGE").await;
    assert!(body["message"].as_str().unwrap().contains("1024"), "{body}");
}

#[tokio::test]
async fn request_to_an_unknown_path_is_not_found_in_the_v3_envelope() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.client.post(app.url("/v3-apis/nowhere/v3.0/nothing")).json(&json!({})).send().await.unwrap();
    // Assert
    let body = assert_v3_failure(response, 404, "NOT_FOUND").await;
    assert!(body["message"].as_str().unwrap().contains("/v3-apis/nowhere/v3.0/nothing"), "{body}");
}

#[tokio::test]
async fn request_to_an_unknown_v2_path_is_not_found_in_the_v2_envelope() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.client.get(app.url("/transaction-test/v2/nowhere")).send().await.unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert!(response.headers().contains_key("x-sandbox-request-id"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["response_status"], "not_found", "{body}");
    assert_eq!(body["response_code"], "500104", "{body}"); // reference §4.3
    assert!(body["response_msg"].is_string(), "{body}");
    assert!(body.get("status").is_none(), "not the v3 envelope: {body}");
}

#[tokio::test]
async fn get_on_the_stk_push_path_is_method_not_allowed() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.client.get(app.url(STK_PATH)).send().await.unwrap();
    // Assert
    let body = assert_v3_failure(response, 405, "METHOD_NOT_ALLOWED").await;
    assert!(body["message"].as_str().unwrap().contains("POST"), "{body}");
}

#[tokio::test]
async fn request_to_an_unknown_path_is_journaled_as_unmatched() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.client.post(app.url("/not/a/jenga/path")).json(&json!({"a": 1})).send().await.unwrap();
    let request_id = response.headers()["x-sandbox-request-id"].to_str().unwrap().to_string();
    // Assert
    let entries = app.admin_get("/__sandbox/requests?operation=unmatched").await;
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["id"], request_id);
    assert_eq!(entries[0]["path"], "/not/a/jenga/path");
    assert_eq!(entries[0]["method"], "POST");
    assert_eq!(entries[0]["body"], json!({"a": 1}));
    assert_eq!(entries[0]["response"]["status"], 404);
}

#[tokio::test]
async fn push_with_payment_as_a_string_is_an_invalid_request_naming_the_field() {
    // Arrange
    let app = spawn_app().await;
    let mut body = stk_body("BADPAYM00001", "254764555291", "http://127.0.0.1:9/cb");
    body["payment"] = json!("not an object");
    // Act
    let response = push_with_valid_signature(&app, &body).await;
    // Assert
    let answer = assert_v3_failure(response, 400, "INVALID_REQUEST").await;
    assert!(answer["message"].as_str().unwrap().contains("payment."), "{answer}");
}

#[tokio::test]
async fn push_with_a_numeric_ref_is_an_invalid_request_naming_the_field() {
    // Arrange
    let app = spawn_app().await;
    let mut body = stk_body("BADREF000001", "254764555291", "http://127.0.0.1:9/cb");
    body["payment"]["ref"] = json!(12345678);
    // Act
    let response = push_with_valid_signature(&app, &body).await;
    // Assert
    let answer = assert_v3_failure(response, 400, "INVALID_REQUEST").await;
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("payment.ref") && message.contains("string"), "{message}");
}

#[tokio::test]
async fn push_with_a_numeric_amount_is_an_invalid_request_naming_the_field() {
    // Arrange
    let app = spawn_app().await;
    let mut body = stk_body("BADAMNT00001", "254764555291", "http://127.0.0.1:9/cb");
    body["payment"]["amount"] = json!(5);
    // Act
    let response = push_with_valid_signature(&app, &body).await;
    // Assert
    let answer = assert_v3_failure(response, 400, "INVALID_REQUEST").await;
    assert!(answer["message"].as_str().unwrap().contains("payment.amount"), "{answer}");
}
