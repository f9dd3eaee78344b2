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
async fn a_mistyped_path_is_answered_with_the_closest_served_paths() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let v3 = app
        .client
        .post(app.url("/v3-apis/payment-api/v3.0/stkusdpush/initiate"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let v2 = app.client.post(app.url("/transaction-test/v2/remitance")).json(&json!({})).send().await.unwrap();
    // Assert
    let body = assert_v3_failure(v3, 404, "NOT_FOUND").await;
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("did you mean POST /v3-apis/payment-api/v3.0/stkussdpush/initiate"), "{body}");
    assert_eq!(v2.status(), StatusCode::NOT_FOUND);
    let body: Value = v2.json().await.unwrap();
    let message = body["response_msg"].as_str().unwrap();
    assert!(message.contains("did you mean POST /transaction-test/v2/remittance"), "{body}");
}

#[tokio::test]
async fn get_on_the_stk_push_path_is_method_not_allowed() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.client.get(app.url(STK_PATH)).send().await.unwrap();
    // Assert
    assert_eq!(response.headers().get("allow").map(|v| v.to_str().unwrap()), Some("POST"));
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

/// Every POST path the sandbox serves, v3 then v2.
const POST_PATHS: &[&str] = &[
    "/v3-apis/payment-api/v3.0/stkussdpush/initiate",
    "/v3-apis/account-api/v3.0/account/validate",
    "/v3-apis/account-api/v3.0/accounts/accountBalance/query",
    "/v3-apis/account-api/v3.0/accounts/fullStatement",
    "/v3-apis/transaction-api/v3.0/foreignExchangeRates",
    "/v3-apis/v3.0/validate/identity",
    "/v3-apis/v3.0/validate/crb",
    "/v3-apis/transaction-api/v3.0/airtime",
    "/v3-apis/transaction-api/v3.0/bills/pay",
    "/v3-apis/transaction-api/v3.0/bills/validation",
    "/v3-apis/transaction-api/v3.0/tills/pay",
    "/v3-apis/transaction-api/v3.0/remittance/internalBankTransfer",
    "/v3-apis/transaction-api/v3.0/remittance/sendmobile",
    "/v3-apis/transaction-api/v3.0/remittance/rtgs",
    "/v3-apis/transaction-api/v3.0/remittance/swift",
    "/v3-apis/transaction-api/v3.0/remittance/pesalinkacc",
    "/v3-apis/transaction-api/v3.0/remittance/pesalinkMobile",
    "/v3-apis/transaction-api/v3.0/remittance/sendmobile/imt",
    "/api-checkout/mpesa-stk-push/v3.0/init",
    "/api-checkout/api/v1/create/payment-link",
    "/mpgs-direct-integration/api/v3.1/validatePayment",
    "/mpgs-direct-integration/api/v3.2/refundPayment",
    "/account-test/v2/accounts/accountbalance/query",
    "/account-test/v2/accounts/fullstatement",
    "/transaction-test/v2/remittance",
    "/transaction-test/v2/pesalink/inquire",
    "/transaction-test/v2/b2c/status/query",
    "/transaction-test/v2/payments",
    "/transaction-test/v2/payments/refund",
    "/transaction-test/v2/payment/mpesastkpush",
    "/transaction-test/v2/bills/pay",
    "/transaction-test/v2/tills/pay",
    "/transaction-test/v2/airtime",
    "/transaction-test/v2/foreignexchangerates",
    "/customer-test/v2/identity/verify",
    "/customer-test/v2/creditinfo",
];

#[tokio::test]
async fn malformed_bodies_on_every_post_path_answer_a_clean_error_in_that_generations_envelope() {
    let app = spawn_app().await;
    let token = app.token().await;
    let v2_token = app.v2_token().await;
    let bodies: &[(&str, &str)] = &[
        ("application/json", "{"),
        ("application/json", "[]"),
        ("application/json", "{}"),
        ("application/json", "null"),
        ("application/json", r#"{"transfer": "x", "customer": 5, "payment": [], "order": null, "identity": true}"#),
        (
            "application/json",
            r#"{"customer": [{"identityDocument": 1}], "customers": [], "crbIdentity": {"nationalId": 9}}"#,
        ),
        ("application/json", r#"{"transfer": {"type": "PesaLink", "amount": 1e400}, "destination": {"type": 7}}"#),
        ("application/x-www-form-urlencoded", "a=1&a=2&b[c]=3&b=4"),
        ("text/plain", "hello"),
    ];
    for path in POST_PATHS {
        let v2 = path.contains("/v2/");
        for (content_type, body) in bodies {
            let response = app
                .client
                .post(app.url(path))
                .bearer_auth(if v2 { &v2_token } else { &token })
                .header("Content-Type", *content_type)
                .header("Signature", "bm90IGEgc2lnbmF0dXJl")
                .body(*body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let answer: Value = response.json().await.unwrap_or_else(|e| panic!("{path} {body}: not JSON: {e}"));
            assert!(status < 500, "{path} {body}: HTTP {status} {answer}");
            if v2 {
                assert!(answer.get("response_status").is_some(), "{path} {body}: {answer}");
            } else {
                assert_eq!(answer["status"], false, "{path} {body}: {answer}");
                assert!(answer["code"].is_number() || answer["code"].is_string(), "{path} {body}: {answer}");
            }
        }
    }
}
