//! `POST /authentication/api/v3/authenticate/merchant`: the token, its failures, and what one
//! merchant's token may touch.

use crate::helpers::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jenga_sandbox::crypto::{fixtures, generate_pair};
use reqwest::StatusCode;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use serde_json::{json, Value};

const SECOND: &str = "5550000001";
const SECOND_API_KEY: &str = "SECOND-API-KEY";
const SECOND_SECRET: &str = "second-secret";
const SECOND_ACCOUNT: &str = "5550000000001";

/// Decodes one Base64url segment of a JWT as JSON.
fn jwt_segment(segment: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD.decode(segment).expect("a JWT segment is Base64url");
    serde_json::from_slice(&bytes).expect("a JWT segment is JSON")
}

/// Creates the second merchant with a fresh key pair; returns its private key PEM.
async fn create_second_merchant(app: &TestApp) -> String {
    let (private, public) = generate_pair().unwrap();
    let response = app
        .client
        .put(app.url(&format!("/__sandbox/merchants/{SECOND}")))
        .json(&json!({
            "name": "Second Ltd",
            "apiKey": SECOND_API_KEY,
            "consumerSecret": SECOND_SECRET,
            "publicKey": public,
            "accounts": [{"number": SECOND_ACCOUNT, "currency": "KES", "countryCode": "KE", "name": "Second", "balance": "100.00"}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap());
    private
}

async fn second_token(app: &TestApp) -> String {
    let response = app.token_for(SECOND_API_KEY, SECOND, SECOND_SECRET).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["accessToken"].as_str().unwrap().to_string()
}

fn body_for_account(account: &str, reference: &str, app: &TestApp) -> Value {
    let mut body = stk_body(reference, "254764555291", &app.sink_url("auth"));
    body["merchant"]["accountNumber"] = json!(account);
    body
}

/// Asserts a v3 401101 answer whose message mentions `needle`.
async fn assert_unauthorized(response: reqwest::Response, needle: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], false, "{body}");
    assert_eq!(body["code"], 401101, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains(needle), "message {message:?} should mention {needle:?}");
}

#[tokio::test]
async fn authenticate_with_valid_credentials_returns_exactly_the_documented_token_fields() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.token_for(API_KEY, MERCHANT, SECRET).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let mut keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["accessToken", "expiresIn", "issuedAt", "refreshToken", "tokenType"]);
    assert_eq!(body["tokenType"], "Bearer");
    assert!(!body["refreshToken"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn authenticate_with_valid_credentials_gives_iso_utc_times_fifteen_minutes_apart() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let body: Value = app.token_for(API_KEY, MERCHANT, SECRET).await.json().await.unwrap();
    // Assert
    let issued = body["issuedAt"].as_str().unwrap();
    let expires = body["expiresIn"].as_str().unwrap();
    assert!(issued.ends_with('Z') && expires.ends_with('Z'), "{issued} {expires}");
    let issued = chrono::DateTime::parse_from_rfc3339(issued).expect("issuedAt is ISO-8601");
    let expires = chrono::DateTime::parse_from_rfc3339(expires).expect("expiresIn is ISO-8601");
    assert_eq!((expires - issued).num_seconds(), 900);
}

#[tokio::test]
async fn authenticate_with_valid_credentials_issues_an_rs512_jwt_with_jengas_claims() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let token = app.token().await;
    // Assert
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    assert_eq!(jwt_segment(parts[0]), json!({"alg": "RS512"}));
    let claims = jwt_segment(parts[1]);
    assert_eq!(claims["tokenType"], "MERCHANT");
    assert!(claims["env"].is_string(), "{claims}");
    assert!(claims["account"].is_string(), "{claims}");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 900);
}

#[tokio::test]
async fn authenticate_with_valid_credentials_signs_the_jwt_with_the_configured_token_key() {
    // Arrange
    let app = spawn_app_with(|s| s.token_key = Some(fixtures::ISSUER_PRIVATE_PEM.into())).await;
    let public = rsa::RsaPublicKey::from_public_key_pem(fixtures::ISSUER_PUBLIC_PEM).unwrap();
    let verifier = rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha512>::new(public);
    // Act
    let token = app.token().await;
    // Assert
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = rsa::pkcs1v15::Signature::try_from(URL_SAFE_NO_PAD.decode(signature).unwrap().as_slice()).unwrap();
    assert!(verifier.verify(signing_input.as_bytes(), &signature).is_ok(), "the JWT signature verifies");
    let tampered = format!("{signing_input}x");
    assert!(verifier.verify(tampered.as_bytes(), &signature).is_err(), "a changed token does not");
}

#[tokio::test]
async fn authenticate_with_a_wrong_api_key_is_unauthorized_naming_the_api_key() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.token_for("NOT-THE-KEY", MERCHANT, SECRET).await;
    // Assert
    assert_unauthorized(response, "Api-Key").await;
}

#[tokio::test]
async fn authenticate_with_a_wrong_secret_is_unauthorized_naming_the_secret() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.token_for(API_KEY, MERCHANT, "not-the-secret").await;
    // Assert
    assert_unauthorized(response, "consumerSecret").await;
}

#[tokio::test]
async fn authenticate_for_an_unknown_merchant_is_unauthorized_naming_the_code() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.token_for(API_KEY, "1234567890", SECRET).await;
    // Assert
    assert_unauthorized(response, "1234567890").await;
}

#[tokio::test]
async fn authenticate_without_an_api_key_header_is_unauthorized_naming_the_header() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app
        .client
        .post(app.url(AUTH_PATH))
        .json(&json!({"merchantCode": MERCHANT, "consumerSecret": SECRET}))
        .send()
        .await
        .unwrap();
    // Assert
    assert_unauthorized(response, "Api-Key header").await;
}

#[tokio::test]
async fn authenticate_without_a_merchant_code_is_an_invalid_request_naming_the_field() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app
        .client
        .post(app.url(AUTH_PATH))
        .header("Api-Key", API_KEY)
        .json(&json!({"consumerSecret": SECRET}))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], false);
    assert_eq!(body["error_code"], "INVALID_REQUEST");
    assert!(body["message"].as_str().unwrap().contains("merchantCode"), "{body}");
}

#[tokio::test]
async fn push_by_a_second_merchant_on_its_own_account_succeeds() {
    // Arrange
    let app = spawn_app().await;
    let private = create_second_merchant(&app).await;
    let token = second_token(&app).await;
    let body = body_for_account(SECOND_ACCOUNT, "ISOLATE00001", &app);
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign_with(&private, &stk_canonical(&body))), None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let ack: Value = response.json().await.unwrap();
    assert_eq!(ack["reference"], "ISOLATE00001");
}

#[tokio::test]
async fn push_by_a_second_merchant_signed_with_the_default_merchants_key_is_forbidden() {
    // Arrange
    let app = spawn_app().await;
    create_second_merchant(&app).await;
    let token = second_token(&app).await;
    let body = body_for_account(SECOND_ACCOUNT, "ISOLATE00002", &app);
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error_code"], "FORBIDDEN");
}

#[tokio::test]
async fn push_by_a_second_merchant_on_the_default_merchants_account_is_account_not_found() {
    // Arrange
    let app = spawn_app().await;
    let private = create_second_merchant(&app).await;
    let token = second_token(&app).await;
    let body = body_for_account(ACCOUNT, "ISOLATE00003", &app);
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign_with(&private, &stk_canonical(&body))), None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], false);
    assert_eq!(answer["error_code"], "ACCOUNT_NOT_FOUND");
}

#[tokio::test]
async fn journal_filtered_by_merchant_shows_only_that_merchants_entries() {
    // Arrange
    let app = spawn_app().await;
    let private = create_second_merchant(&app).await;
    let token = second_token(&app).await;
    let body = body_for_account(SECOND_ACCOUNT, "ISOLATE00004", &app);
    let pushed = app.stk_push_with(&body, &token, Some(&sign_with(&private, &stk_canonical(&body))), None).await;
    assert_eq!(pushed.status(), StatusCode::OK);
    let default_push = app.stk_push(&stk_body("ISOLATE00005", "254764555291", &app.sink_url("auth"))).await;
    assert_eq!(default_push.status(), StatusCode::OK);
    // Act
    let second = app.admin_get(&format!("/__sandbox/requests?merchant={SECOND}")).await;
    let default = app.admin_get(&format!("/__sandbox/requests?merchant={MERCHANT}")).await;
    // Assert
    let second = second.as_array().unwrap();
    assert_eq!(second.len(), 2, "the second merchant's authenticate and push: {second:?}");
    assert!(second.iter().all(|e| e["merchant"] == SECOND), "{second:?}");
    assert_eq!(second[0]["body"]["payment"]["ref"], "ISOLATE00004");
    let default = default.as_array().unwrap();
    assert!(!default.is_empty());
    assert!(default.iter().all(|e| e["merchant"] == MERCHANT), "{default:?}");
    assert!(default.iter().all(|e| e["body"]["payment"]["ref"] != "ISOLATE00004"));
}

#[tokio::test]
async fn push_with_a_token_older_than_fifteen_minutes_on_the_sandbox_clock_is_unauthorized() {
    // Arrange
    let app = spawn_app().await;
    let token = app.token().await;
    let advanced = app.admin_post("/__sandbox/clock/advance", json!({"seconds": 901})).await;
    assert_eq!(advanced.status(), StatusCode::OK);
    let body = stk_body("EXPIRED00001", "254764555291", &app.sink_url("auth"));
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error_code"], "UNAUTHORIZED");
    assert!(answer["message"].as_str().unwrap().contains("expired"), "{answer}");
}

#[tokio::test]
async fn push_with_a_token_younger_than_fifteen_minutes_on_the_sandbox_clock_is_accepted() {
    // Arrange
    let app = spawn_app().await;
    let token = app.token().await;
    let advanced = app.admin_post("/__sandbox/clock/advance", json!({"seconds": 850})).await;
    assert_eq!(advanced.status(), StatusCode::OK);
    let body = stk_body("FRESHTKN0001", "254764555291", &app.sink_url("auth"));
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), None).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
}
