//! The STK/USSD push initiate call (seed 001): the acknowledgement, the documented response
//! codes, field validation, account ownership and the bearer token.

use crate::helpers::*;
use reqwest::Response;
use serde_json::{json, Value};

const MOBILE: &str = "254764555291";
const ACKNOWLEDGED: &str = "Transaction has been successfully acknowledged, await final transaction status on callback";

/// Asserts a v3 INVALID_REQUEST answer whose message names `field`; returns the message.
async fn assert_invalid(response: Response, field: &str) -> String {
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], false, "{body}");
    assert_eq!(body["code"], 400, "{body}");
    assert_eq!(body["error_code"], "INVALID_REQUEST", "{body}");
    let message = body["message"].as_str().unwrap().to_string();
    assert!(message.contains(field), "message does not name {field}: {message}");
    message
}

/// Asserts a v3 UNAUTHORIZED answer.
async fn assert_unauthorized(response: Response) {
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], false, "{body}");
    assert_eq!(body["code"], 401, "{body}");
    assert_eq!(body["error_code"], "UNAUTHORIZED", "{body}");
}

/// A valid body whose callbacks go to the app's built-in sink (nothing leaves the machine).
fn valid_body(app: &TestApp, reference: &str) -> Value {
    stk_body(reference, MOBILE, &app.sink_url("stk"))
}

/// A valid body with `payment.<key>` replaced.
fn with_payment(app: &TestApp, reference: &str, key: &str, value: Value) -> Value {
    let mut body = valid_body(app, reference);
    body["payment"][key] = value;
    body
}

#[tokio::test]
async fn stk_push_with_a_valid_request_is_acknowledged_with_code_minus_one() {
    // Arrange
    let app = spawn_app().await;
    let body = valid_body(&app, "STKOK0000001");
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-sandbox-scenario"], "default");
    let request_id = response.headers().get("x-sandbox-request-id").expect("x-sandbox-request-id is set");
    assert!(!request_id.is_empty());
    let ack: Value = response.json().await.unwrap();
    assert_eq!(
        ack,
        json!({
            "status": true,
            "code": -1,
            "message": ACKNOWLEDGED,
            "reference": "STKOK0000001",
            "transactionId": "STKOK0000001",
        })
    );
}

#[tokio::test]
async fn stk_push_with_a_reference_already_used_is_refused_with_400101() {
    // Arrange
    let app = spawn_app().await;
    let body = valid_body(&app, "STKDUP000001");
    let first = app.stk_push(&body).await;
    assert_eq!(first.status(), 200);
    // Act
    let second = app.stk_push(&body).await;
    // Assert
    assert_eq!(second.status(), 400);
    let answer: Value = second.json().await.unwrap();
    assert_eq!(answer["status"], false);
    assert_eq!(answer["code"], 400101);
    assert_eq!(answer["message"], "Transaction with the same reference already exists");
}

#[tokio::test]
async fn stk_push_with_each_documented_error_code_header_answers_its_status_and_creates_no_callback() {
    // Arrange
    let app = spawn_app().await;
    let token = app.token().await;
    let rows: &[(i64, u16, &str)] = &[
        (106401, 401, "Not Authorized to access this Telco, Kindly contact support@finserve.africa"),
        (
            106201,
            200,
            "Failed to initiate push. Kindly try again after a few minutes or contact support@finserve.africa",
        ),
        (106500, 500, "Error loading service"),
        (106501, 500, "Error mapping service"),
        (400101, 400, "Transaction with the same reference already exists"),
    ];
    for (index, (code, status, message)) in rows.iter().enumerate() {
        let reference = format!("STKERR{index:06}");
        let body = valid_body(&app, &reference);
        let scenario = format!("error:{code}");
        // Act
        let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), Some(&scenario)).await;
        // Assert
        assert_eq!(response.status(), *status, "{scenario}");
        assert_eq!(response.headers()["x-sandbox-scenario"], scenario.as_str());
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["status"], false, "{scenario}: {answer}");
        assert_eq!(answer["code"], *code, "{scenario}: {answer}");
        assert_eq!(answer["message"], *message, "{scenario}: {answer}");
        assert!(app.callbacks_for(&reference).await.is_empty(), "{scenario} created a callback job");
    }
}

#[tokio::test]
async fn stk_push_with_a_five_character_ref_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let body = valid_body(&app, "ABC12");
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "payment.ref").await;
}

#[tokio::test]
async fn stk_push_with_a_thirteen_character_ref_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let body = valid_body(&app, "ABCDEF1234567");
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "payment.ref").await;
}

#[tokio::test]
async fn stk_push_with_a_non_alphanumeric_ref_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let body = valid_body(&app, "ABC-123456");
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "payment.ref").await;
}

#[tokio::test]
async fn stk_push_with_twelve_and_six_character_refs_is_accepted() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let twelve = app.stk_push(&valid_body(&app, "ABCDEF123456")).await;
    let six = app.stk_push(&valid_body(&app, "ABC123")).await;
    // Assert
    assert_eq!(twelve.status(), 200);
    assert_eq!(six.status(), 200);
}

#[tokio::test]
async fn stk_push_with_an_amount_of_three_decimals_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let body = with_payment(&app, "STKAMT000001", "amount", json!("5.001"));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "payment.amount").await;
}

#[tokio::test]
async fn stk_push_with_the_amount_as_a_json_number_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let body = with_payment(&app, "STKAMT000002", "amount", json!(5));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "payment.amount").await;
}

#[tokio::test]
async fn stk_push_with_a_date_not_in_yyyy_mm_dd_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let body = with_payment(&app, "STKDATE00001", "date", json!("13-08-2024"));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "payment.date").await;
}

#[tokio::test]
async fn stk_push_with_a_push_type_other_than_stk_or_ussd_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let body = with_payment(&app, "STKTYPE00001", "pushType", json!("SMS"));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "payment.pushType").await;
}

#[tokio::test]
async fn stk_push_with_ussd_push_type_is_accepted() {
    // Arrange
    let app = spawn_app().await;
    let body = with_payment(&app, "STKTYPE00002", "pushType", json!("USSD"));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn stk_push_with_a_telco_other_than_equitel_or_safaricom_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let body = with_payment(&app, "STKTELCO0001", "telco", json!("Airtel"));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "payment.telco").await;
}

#[tokio::test]
async fn stk_push_with_an_unsupported_country_code_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let mut body = valid_body(&app, "STKCTRY00001");
    body["merchant"]["countryCode"] = json!("XX");
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "merchant.countryCode").await;
}

#[tokio::test]
async fn stk_push_with_a_currency_not_of_the_country_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let body = with_payment(&app, "STKCURR00001", "currency", json!("UGX"));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "payment.currency").await;
}

#[tokio::test]
async fn stk_push_with_a_callback_url_that_is_not_http_is_invalid() {
    // Arrange
    let app = spawn_app().await;
    let body = with_payment(&app, "STKURL000001", "callBackUrl", json!("ftp://example.com/cb"));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_invalid(response, "payment.callBackUrl").await;
}

#[tokio::test]
async fn stk_push_with_missing_fields_is_invalid_and_names_each_of_them() {
    // Arrange
    let app = spawn_app().await;
    let mut body = valid_body(&app, "STKMISS00001");
    body["payment"].as_object_mut().unwrap().remove("telco");
    body["payment"].as_object_mut().unwrap().remove("callBackUrl");
    body["merchant"].as_object_mut().unwrap().remove("name");
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    let message = assert_invalid(response, "payment.telco").await;
    assert!(message.contains("payment.callBackUrl"), "{message}");
    assert!(message.contains("merchant.name"), "{message}");
}

#[tokio::test]
async fn stk_push_with_an_empty_object_is_invalid_and_names_the_reference() {
    // Arrange
    let app = spawn_app().await;
    let token = app.token().await;
    // Act
    let response = app.stk_push_with(&json!({}), &token, None, None).await;
    // Assert
    let message = assert_invalid(response, "payment.ref").await;
    assert!(message.contains("merchant.accountNumber"), "{message}");
}

#[tokio::test]
async fn stk_push_with_lower_case_callback_url_is_accepted_and_the_variant_is_journalled() {
    // Arrange
    let app = spawn_app().await;
    let mut body = valid_body(&app, "STKLCURL0001");
    let url = body["payment"].as_object_mut().unwrap().remove("callBackUrl").unwrap();
    body["payment"]["callbackUrl"] = url;
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    let journal = app.admin_get("/__sandbox/requests?operation=stk_push").await;
    let entry = &journal.as_array().unwrap()[0];
    assert_eq!(entry["body"]["payment"]["ref"], "STKLCURL0001");
    assert_eq!(entry["variants"]["callBackUrl"], "callbackUrl", "{entry}");
}

#[tokio::test]
async fn stk_push_with_the_documented_callback_url_spelling_journals_that_variant() {
    // Arrange
    let app = spawn_app().await;
    let body = valid_body(&app, "STKUCURL0001");
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    let journal = app.admin_get("/__sandbox/requests?operation=stk_push").await;
    let entry = &journal.as_array().unwrap()[0];
    assert_eq!(entry["variants"]["callBackUrl"], "callBackUrl", "{entry}");
}

#[tokio::test]
async fn stk_push_to_an_account_the_merchant_does_not_own_is_account_not_found() {
    // Arrange
    let app = spawn_app().await;
    let mut body = valid_body(&app, "STKACCT00001");
    body["merchant"]["accountNumber"] = json!("9999000011112");
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 404);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], false);
    assert_eq!(answer["code"], 404);
    assert_eq!(answer["error_code"], "ACCOUNT_NOT_FOUND");
    assert!(app.callbacks_for("STKACCT00001").await.is_empty());
}

#[tokio::test]
async fn stk_push_without_authorization_is_unauthorized() {
    // Arrange
    let app = spawn_app().await;
    let body = valid_body(&app, "STKNOAUTH001");
    // Act
    let response = app
        .client
        .post(app.url(STK_PATH))
        .header("Signature", sign(&stk_canonical(&body)))
        .json(&body)
        .send()
        .await
        .unwrap();
    // Assert
    assert_unauthorized(response).await;
}

#[tokio::test]
async fn stk_push_with_a_garbage_token_is_unauthorized() {
    // Arrange
    let app = spawn_app().await;
    let body = valid_body(&app, "STKBADTOK001");
    // Act
    let response = app.stk_push_with(&body, "not-a-token", Some(&sign(&stk_canonical(&body))), None).await;
    // Assert
    assert_unauthorized(response).await;
}

#[tokio::test]
async fn stk_push_with_a_token_older_than_fifteen_minutes_is_unauthorized() {
    // Arrange
    let app = spawn_app().await;
    let token = app.token().await;
    let advanced = app.admin_post("/__sandbox/clock/advance", json!({"seconds": 901})).await;
    assert_eq!(advanced.status(), 200);
    let body = valid_body(&app, "STKEXPTOK001");
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), None).await;
    // Assert
    assert_unauthorized(response).await;
}

/// Moves the sandbox clock forward so that it reads `millis` into a second (give or take the
/// few milliseconds the call takes), so a token's issue instant within its second is known.
async fn align_clock_to_millisecond(app: &TestApp, millis: i64) {
    let clock = app.admin_get("/__sandbox/clock").await;
    let offset = clock["offsetMs"].as_i64().unwrap();
    let real = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let step = (millis - (real + offset) % 1000).rem_euclid(1000);
    let advanced = app.admin_post("/__sandbox/clock/advance", json!({"seconds": step as f64 / 1000.0})).await;
    assert_eq!(advanced.status(), 200);
}

#[tokio::test]
async fn stk_push_with_a_token_899_seconds_old_is_accepted() {
    // Arrange
    let app = spawn_app().await;
    // Issue the token early in its second, so the second-granular expiry (see the ignored test
    // below) cannot cut its 900 s short by more than a few milliseconds.
    align_clock_to_millisecond(&app, 20).await;
    let token = app.token().await;
    let advanced = app.admin_post("/__sandbox/clock/advance", json!({"seconds": 899})).await;
    assert_eq!(advanced.status(), 200);
    let body = valid_body(&app, "STKLIVTOK001");
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), None).await;
    // Assert
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn stk_push_with_a_token_issued_late_in_its_second_is_accepted_until_900_seconds_have_passed() {
    // Arrange
    let app = spawn_app().await;
    align_clock_to_millisecond(&app, 700).await;
    let started = std::time::Instant::now();
    let token = app.token().await;
    let advanced = app.admin_post("/__sandbox/clock/advance", json!({"seconds": 899.5})).await;
    assert_eq!(advanced.status(), 200);
    let body = valid_body(&app, "STKLATETOK01");
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), None).await;
    // Assert
    let real = started.elapsed();
    assert!(
        real < std::time::Duration::from_millis(500),
        "the token was {real:?} + 899.5 s old, not under 900 s; the check is void"
    );
    assert_eq!(response.status(), 200, "a token under 900 s old was refused");
}

async fn merchant_balance(app: &TestApp) -> String {
    let response = app
        .get_signed(&format!("/v3-apis/account-api/v3.0/accounts/balances/KE/{ACCOUNT}"), &format!("KE{ACCOUNT}"), None)
        .await;
    let body: Value = response.json().await.unwrap();
    body["data"]["balances"][0]["amount"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_successful_push_credits_the_merchant_account_when_its_callback_time_comes() {
    // Arrange
    let app = spawn_app_with(|s| s.callbacks.first_delay_ms = 60_000).await;
    let before = merchant_balance(&app).await;
    // Act
    let response = app.stk_push(&valid_body(&app, "CREDIT0001")).await;
    let during = merchant_balance(&app).await;
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 61})).await;
    let after = merchant_balance(&app).await;
    // Assert
    assert_eq!(response.status(), 200);
    assert_eq!((before.as_str(), during.as_str()), ("250000.00", "250000.00"));
    assert_eq!(after, "250005.00");
}

#[tokio::test]
async fn a_failed_push_credits_nothing() {
    let app = spawn_app().await;
    let body = stk_body("CREDIT0002", "254700000001", &app.sink_url("stk"));
    let response = app.stk_push(&body).await;
    assert_eq!(response.status(), 200);
    wait_until(WAIT, || async { app.sink("stk").await.into_iter().next() }).await;
    assert_eq!(merchant_balance(&app).await, "250000.00");
}
