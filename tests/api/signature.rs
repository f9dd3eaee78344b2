//! Request signatures on the STK push (formula merchant.accountNumber+payment.ref+
//! payment.mobileNumber+payment.telco+payment.amount+payment.currency): rejection, diagnosis,
//! modes and key registration.

use crate::helpers::*;
use jenga_sandbox::crypto::{fixtures, generate_pair, parse_private_key};
use jenga_sandbox::signature::Mode;
use reqwest::StatusCode;
use serde_json::{json, Value};

const FORMULA: &str =
    "merchant.accountNumber+payment.ref+payment.mobileNumber+payment.telco+payment.amount+payment.currency";

fn body(reference: &str) -> Value {
    stk_body(reference, "254764555291", "http://127.0.0.1:9/callback")
}

/// Pushes `body` signed over `signed` with the fixture key; returns the status and the journal's diagnosis.
async fn push_signed_over(app: &TestApp, body: &Value, signed: &str) -> (StatusCode, Value) {
    let token = app.token().await;
    let response = app.stk_push_with(body, &token, Some(&sign(signed)), None).await;
    let status = response.status();
    (status, app.last_request().await["signature"].clone())
}

fn likely_mistake(signature: &Value) -> &str {
    signature["likelyMistake"].as_str().unwrap_or_else(|| panic!("no likelyMistake in {signature}"))
}

async fn put_public_key(app: &TestApp, content_type: &str, body: String) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/__sandbox/merchants/{MERCHANT}/public-key")))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// After registering a new key: a push signed with `new_private` passes and one signed with the fixture key fails.
async fn assert_only_new_key_verifies(app: &TestApp, new_private: &str, reference: &str) {
    let token = app.token().await;
    let old = body(&format!("{reference}O"));
    let response = app.stk_push_with(&old, &token, Some(&sign(&stk_canonical(&old))), None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "the old key no longer verifies");
    let new = body(&format!("{reference}N"));
    let response = app.stk_push_with(&new, &token, Some(&sign_with(new_private, &stk_canonical(&new))), None).await;
    assert_eq!(response.status(), StatusCode::OK, "the new key verifies");
}

#[tokio::test]
async fn push_with_a_bad_signature_is_forbidden_in_the_v3_envelope() {
    // Arrange
    let app = spawn_app().await;
    let body = body("SIGBAD000001");
    let token = app.token().await;
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign("something else")), None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.headers()["x-sandbox-signature-expected"],
        "0170194290581SIGBAD000001254764555291Equitel5.00KES"
    );
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"status": false, "code": 403, "message": "Invalid signature or insufficient permissions", "error_code": "FORBIDDEN"})
    );
}

#[tokio::test]
async fn push_with_a_bad_signature_is_journaled_with_the_formula_fields_and_expected_string() {
    // Arrange
    let app = spawn_app().await;
    let body = body("SIGBAD000002");
    // Act
    let (status, signature) = push_signed_over(&app, &body, "something else").await;
    // Assert
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(signature["valid"], false);
    assert_eq!(signature["expected"], "0170194290581SIGBAD000002254764555291Equitel5.00KES");
    assert_eq!(signature["formula"], FORMULA);
    let fields = signature["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(names, FORMULA.split('+').collect::<Vec<_>>());
    assert_eq!(fields[1]["value"], "SIGBAD000002");
    assert_eq!(fields[4]["value"], "5.00");
    assert!(likely_mistake(&signature).contains("different string"), "{signature}");
}

#[tokio::test]
async fn push_signed_with_plus_sign_separators_is_diagnosed_as_separators() {
    // Arrange
    let app = spawn_app().await;
    let body = body("SIGPLUS00001");
    let signed = "0170194290581+SIGPLUS00001+254764555291+Equitel+5.00+KES";
    // Act
    let (status, signature) = push_signed_over(&app, &body, signed).await;
    // Assert
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(likely_mistake(&signature).contains("plus signs"), "{signature}");
}

#[tokio::test]
async fn push_signed_in_the_wrong_field_order_is_diagnosed_as_wrong_order() {
    // Arrange
    let app = spawn_app().await;
    let body = body("SIGORDER0001");
    let signed = "SIGORDER00010170194290581254764555291Equitel5.00KES";
    // Act
    let (status, signature) = push_signed_over(&app, &body, signed).await;
    // Assert
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(likely_mistake(&signature).contains("wrong field order"), "{signature}");
}

#[tokio::test]
async fn push_signed_with_a_reformatted_amount_is_diagnosed_as_amount_formatting() {
    // Arrange
    let app = spawn_app().await;
    let body = body("SIGAMNT00001");
    let signed = "0170194290581SIGAMNT00001254764555291Equitel5KES";
    // Act
    let (status, signature) = push_signed_over(&app, &body, signed).await;
    // Assert
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mistake = likely_mistake(&signature);
    assert!(mistake.contains("payment.amount is formatted differently"), "{mistake}");
}

#[tokio::test]
async fn push_signed_with_a_foreign_key_is_diagnosed_as_another_key() {
    // Arrange
    let app = spawn_app().await;
    let (foreign, _) = generate_pair().unwrap();
    let body = body("SIGFRGN00001");
    let token = app.token().await;
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign_with(&foreign, &stk_canonical(&body))), None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let signature = app.last_request().await["signature"].clone();
    assert!(likely_mistake(&signature).contains("key other than the one registered"), "{signature}");
}

#[tokio::test]
async fn push_signed_over_the_json_body_is_diagnosed_as_body_signing() {
    // Arrange
    let app = spawn_app().await;
    let body = body("SIGJSON00001");
    // Act: reqwest sends the body as serde_json serialises it, so this is the exact text sent
    let (status, signature) = push_signed_over(&app, &body, &body.to_string()).await;
    // Assert
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(likely_mistake(&signature).contains("JSON body was signed"), "{signature}");
}

#[tokio::test]
async fn push_without_a_signature_header_is_forbidden_and_says_none_was_sent() {
    // Arrange
    let app = spawn_app().await;
    let body = body("SIGNONE00001");
    let token = app.token().await;
    // Act
    let response = app.stk_push_with(&body, &token, None, None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let signature = app.last_request().await["signature"].clone();
    assert_eq!(signature["valid"], false);
    assert_eq!(signature["problem"], "no Signature header was sent");
}

#[tokio::test]
async fn push_with_a_lower_case_signature_header_is_accepted() {
    // Arrange
    let app = spawn_app().await;
    let body = body("SIGLOWER0001");
    let token = app.token().await;
    // Act: reqwest writes header names as given, lower-case
    let response = app
        .client
        .post(app.url(STK_PATH))
        .bearer_auth(&token)
        .header("signature", sign(&stk_canonical(&body)))
        .json(&body)
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn push_with_a_title_case_signature_header_is_accepted() {
    // Arrange
    let app = spawn_app().await;
    let client = test_client_builder().http1_title_case_headers().build().unwrap();
    let body = body("SIGTITLE0001");
    let token = app.token().await;
    // Act: the client writes "Signature" on the wire
    let response = client
        .post(app.url(STK_PATH))
        .bearer_auth(&token)
        .header("signature", sign(&stk_canonical(&body)))
        .json(&body)
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn push_with_a_signature_that_is_not_base64_is_forbidden_and_says_so() {
    // Arrange
    let app = spawn_app().await;
    let body = body("SIGNB6400001");
    let token = app.token().await;
    // Act
    let response = app.stk_push_with(&body, &token, Some("this is not base64 !!"), None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let signature = app.last_request().await["signature"].clone();
    assert!(signature["problem"].as_str().unwrap().contains("Base64"), "{signature}");
}

#[tokio::test]
async fn push_signed_over_a_hand_built_canonical_string_is_accepted() {
    // Arrange: seed 001's example with a 12-character ref
    let app = spawn_app().await;
    let body = body("MPS388388982");
    let canonical = "0170194290581MPS388388982254764555291Equitel5.00KES";
    let token = app.token().await;
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign(canonical)), None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let signature = app.last_request().await["signature"].clone();
    assert_eq!(signature["valid"], true);
    assert_eq!(signature["expected"], canonical);
}

#[tokio::test]
async fn push_with_a_bad_signature_in_warn_mode_is_accepted_and_diagnosed() {
    // Arrange
    let app = spawn_app_with(|s| s.signature_mode = Mode::Warn).await;
    let body = body("SIGWARN00001");
    let signed = "0170194290581+SIGWARN00001+254764555291+Equitel+5.00+KES";
    // Act
    let (status, signature) = push_signed_over(&app, &body, signed).await;
    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(signature["valid"], false);
    assert_eq!(signature["mode"], "warn");
    assert!(likely_mistake(&signature).contains("plus signs"), "{signature}");
}

#[tokio::test]
async fn push_without_a_signature_in_off_mode_is_accepted_and_not_checked() {
    // Arrange
    let app = spawn_app_with(|s| s.signature_mode = Mode::Off).await;
    let body = body("SIGOFF000001");
    let token = app.token().await;
    // Act
    let response = app.stk_push_with(&body, &token, None, None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let entry = app.last_request().await;
    assert_eq!(entry["operation"], "stk_push");
    assert!(entry.get("signature").is_none(), "{entry}");
}

#[tokio::test]
async fn register_an_spki_pem_as_text_then_only_the_new_key_verifies() {
    // Arrange
    let app = spawn_app().await;
    let (private, public) = generate_pair().unwrap();
    // Act
    let response = put_public_key(&app, "text/plain", public).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_only_new_key_verifies(&app, &private, "KEYSPKI").await;
}

#[tokio::test]
async fn register_a_pkcs1_pem_then_only_the_new_key_verifies() {
    // Arrange
    use rsa::pkcs1::EncodeRsaPublicKey;
    let app = spawn_app().await;
    let (private, _) = generate_pair().unwrap();
    let pkcs1 = parse_private_key(&private).unwrap().to_public_key().to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
    // Act
    let response = put_public_key(&app, "application/x-pem-file", pkcs1).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_only_new_key_verifies(&app, &private, "KEYPKCS1").await;
}

#[tokio::test]
async fn register_a_bare_base64_key_body_then_only_the_new_key_verifies() {
    // Arrange
    let app = spawn_app().await;
    let (private, public) = generate_pair().unwrap();
    let bare: String = public.lines().filter(|l| !l.starts_with("-----")).collect();
    // Act
    let response = put_public_key(&app, "text/plain", bare).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_only_new_key_verifies(&app, &private, "KEYBARE").await;
}

#[tokio::test]
async fn register_a_key_as_json_then_only_the_new_key_verifies() {
    // Arrange
    let app = spawn_app().await;
    let (private, public) = generate_pair().unwrap();
    // Act
    let response = app
        .client
        .put(app.url(&format!("/__sandbox/merchants/{MERCHANT}/public-key")))
        .json(&json!({"publicKey": public}))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary["code"], MERCHANT);
    assert_only_new_key_verifies(&app, &private, "KEYJSON").await;
}

#[tokio::test]
async fn register_a_private_key_is_refused_with_a_message() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = put_public_key(&app, "text/plain", fixtures::MERCHANT_PRIVATE_PEM.to_string()).await;
    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("private key"), "{answer}");
    // the old key still verifies
    let ok = app.stk_push(&body("KEYPRIV00001")).await;
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn register_garbage_as_a_key_is_refused_with_a_message() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = put_public_key(&app, "text/plain", "this is not a key".to_string()).await;
    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("not an RSA public key"), "{answer}");
}

#[tokio::test]
async fn register_a_key_for_an_unknown_merchant_is_not_found() {
    // Arrange
    let app = spawn_app().await;
    let (_, public) = generate_pair().unwrap();
    // Act
    let response = app
        .client
        .put(app.url("/__sandbox/merchants/1231231231/public-key"))
        .header("Content-Type", "text/plain")
        .body(public)
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let answer: Value = response.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("1231231231"), "{answer}");
}
