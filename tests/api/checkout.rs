use crate::helpers::*;
use serde_json::{json, Value};

const INIT: &str = "/api-checkout/mpesa-stk-push/v3.0/init";
const LINK: &str = "/api-checkout/api/v1/create/payment-link";

fn wallet_body(order: &str, callback_url: &str) -> Value {
    json!({
        "order": {"orderReference": order, "orderAmount": 100, "orderCurrency": "KES", "source": "APICHECKOUT",
                  "countryCode": "KE", "description": "Two books"},
        "customer": {"name": "John Doe", "email": "john@example.com", "phoneNumber": "254716730442",
                     "identityNumber": "555555"},
        "payment": {"paymentReference": format!("P{order}"), "paymentCurrency": "KES", "channel": "MOBILE",
                    "service": "MPESA", "provider": "JENGA", "callbackUrl": callback_url,
                    "details": {"msisdn": "254716730442", "paymentAmount": 100}}
    })
}

fn wallet_canonical(body: &Value) -> String {
    format!(
        "{}{}{}{}",
        body["order"]["orderReference"].as_str().unwrap(),
        body["payment"]["paymentCurrency"].as_str().unwrap(),
        body["payment"]["details"]["msisdn"].as_str().unwrap(),
        body["payment"]["details"]["paymentAmount"]
    )
}

async fn order_status(app: &TestApp, order: &str) -> (u16, Value) {
    let token = app.token().await;
    let path = format!("/api-checkout/mpesa-stk-push/v3.0/status/order/{order}");
    let response = app.client.get(app.url(&path)).bearer_auth(token).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn wallet_stk_push_is_accepted_with_a_string_code_and_delivers_an_ipn_shaped_callback() {
    // Arrange
    let app = spawn_app().await;
    let body = wallet_body("OR28922980077", &app.sink_url("wallet"));
    // Act
    let response = app.post_signed(INIT, &body, &wallet_canonical(&body), None).await;
    // Assert
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!((answer["status"].clone(), answer["code"].clone()), (json!(true), json!("0")));
    assert_eq!(answer["data"]["order"]["orderReference"], "OR28922980077");
    assert_eq!(answer["data"]["order"]["orderStatus"], "Pending");
    assert_eq!(answer["data"]["paymentReference"], "POR28922980077");
    let received = wait_until(WAIT, || async { app.sink("wallet").await.into_iter().next() }).await;
    let callback = &received["body"];
    assert_eq!(callback["callbackType"], "IPN");
    assert_eq!(callback["customer"]["reference"], "OR28922980077");
    assert_eq!(callback["transaction"]["paymentMode"], "MPESA");
    assert_eq!(callback["transaction"]["status"], "SUCCESS");
    assert_eq!(callback["transaction"]["amount"], 100);
}

#[tokio::test]
async fn wallet_stk_order_is_pending_until_its_callback_time_then_paid() {
    let app = spawn_app_with(|s| s.callbacks.first_delay_ms = 60_000).await;
    let body = wallet_body("OR28922980078", &app.sink_url("wallet"));
    let response = app.post_signed(INIT, &body, &wallet_canonical(&body), None).await;
    assert_eq!(response.status(), 200);
    let (status, before) = order_status(&app, "OR28922980078").await;
    assert_eq!(status, 200);
    assert_eq!((before["code"].clone(), before["message"].clone()), (json!("0"), json!("Order found")));
    assert_eq!(before["data"]["order"]["orderStatus"], "Pending");
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 61})).await;
    let (_, after) = order_status(&app, "OR28922980078").await;
    assert_eq!(after["data"]["order"]["orderStatus"], "Paid");
    assert_eq!(after["data"]["invoices"][0]["invoiceStatus"], "Paid");
    assert_eq!(after["data"]["order"]["amountPaid"], 101);
}

#[tokio::test]
async fn wallet_stk_order_status_of_an_unknown_order_answers_404() {
    let app = spawn_app().await;
    let (status, body) = order_status(&app, "NOSUCHORDER").await;
    assert_eq!(status, 404);
    assert_eq!(body["status"], false);
}

#[tokio::test]
async fn wallet_stk_push_with_a_bad_signature_answers_403() {
    let app = spawn_app().await;
    let body = wallet_body("OR28922980079", &app.sink_url("wallet"));
    let response = app.post_signed(INIT, &body, "OR28922980079KES254716730442100.00", None).await;
    assert_eq!(response.status(), 403);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], false);
}

#[tokio::test]
async fn wallet_stk_push_with_a_reused_order_reference_answers_400101() {
    let app = spawn_app().await;
    let body = wallet_body("OR28922980080", &app.sink_url("wallet"));
    app.post_signed(INIT, &body, &wallet_canonical(&body), None).await;
    let response = app.post_signed(INIT, &body, &wallet_canonical(&body), None).await;
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["code"], 400101);
}

#[tokio::test]
async fn wallet_stk_push_with_a_scenario_error_answers_that_code() {
    let app = spawn_app().await;
    let body = wallet_body("OR28922980081", &app.sink_url("wallet"));
    let response = app.post_signed(INIT, &body, &wallet_canonical(&body), Some("error:114104")).await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        (answer["code"].clone(), answer["message"].clone()),
        (json!(114104), json!("Customer is not registered"))
    );
}

#[tokio::test]
async fn wallet_stk_push_without_an_msisdn_is_invalid_and_names_it() {
    let app = spawn_app().await;
    let mut body = wallet_body("OR28922980082", &app.sink_url("wallet"));
    body["payment"]["details"].as_object_mut().unwrap().remove("msisdn");
    let response = app.post_signed(INIT, &body, "x", None).await;
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(answer["message"].as_str().unwrap().contains("payment.details.msisdn"), "{answer}");
}

fn link_body(external: &str) -> Value {
    json!({
        "customers": [{"firstName": "John", "lastName": "Doe", "email": "john@example.com", "countryCode": "KE"}],
        "paymentLink": {"expiryDate": "2026-12-31", "saleDate": "2026-12-01", "saleType": "PRODUCT",
                        "paymentLinkType": "SINGLE", "name": "Two books", "description": "Books",
                        "externalRef": external, "amountOption": "RESTRICTED", "amount": 2500, "currency": "KES"},
        "notifications": ["EMAIL"]
    })
}

fn link_canonical(external: &str) -> String {
    format!("2026-12-312500KESRESTRICTED{external}")
}

#[tokio::test]
async fn payment_link_is_created_with_a_reference_and_echoes_the_external_ref() {
    let app = spawn_app().await;
    let response = app.post_signed(LINK, &link_body("EXT-1001"), &link_canonical("EXT-1001"), None).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!((answer["status"].clone(), answer["code"].clone()), (json!(true), json!(0)));
    assert_eq!(answer["data"]["externalRef"], "EXT-1001");
    assert!(answer["data"]["paymentLinkRef"].as_str().unwrap().starts_with("PL"));
    assert!(answer["data"]["dateCreated"].is_i64());
}

#[tokio::test]
async fn payment_link_with_a_bad_signature_answers_403_and_a_reused_external_ref_400101() {
    let app = spawn_app().await;
    let bad = app.post_signed(LINK, &link_body("EXT-1002"), "wrong", None).await;
    assert_eq!(bad.status(), 403);
    app.post_signed(LINK, &link_body("EXT-1003"), &link_canonical("EXT-1003"), None).await;
    let again = app.post_signed(LINK, &link_body("EXT-1003"), &link_canonical("EXT-1003"), None).await;
    assert_eq!(again.status(), 400);
    let answer: Value = again.json().await.unwrap();
    assert_eq!(answer["code"], 400101);
}

#[tokio::test]
async fn payment_link_with_its_reference_updates_the_link_under_a_used_external_ref() {
    let app = spawn_app().await;
    let created = app.post_signed(LINK, &link_body("EXT-1004"), &link_canonical("EXT-1004"), None).await;
    let created: Value = created.json().await.unwrap();
    let link = created["data"]["paymentLinkRef"].clone();
    // A reference sent as a number is read in its digits, as any field is.
    for reference in [link.clone(), json!(1234567890)] {
        let mut body = link_body("EXT-1004");
        body["paymentLink"]["paymentLinkRef"] = reference.clone();
        let response = app.post_signed(LINK, &body, &link_canonical("EXT-1004"), None).await;
        assert_eq!(response.status(), 200, "{reference}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["data"]["paymentLinkRef"], json!(reference.to_string().trim_matches('"')));
    }
}

#[tokio::test]
async fn wallet_stk_results_carry_the_merchants_ipn_basic_auth_and_also_reach_its_ipn_url() {
    // Arrange
    let app = spawn_app().await;
    let ipn = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&ipn)
        .await;
    let spec = json!({"ipn": {"username": "ipn-user", "password": "ipn-pass", "url": format!("{}/ipn", ipn.uri())}});
    let response =
        app.client.put(app.url(&format!("/__sandbox/merchants/{MERCHANT}"))).json(&spec).send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let body = wallet_body("OR28922980090", &app.sink_url("wallet-ipn"));
    // Act
    let response = app.post_signed(INIT, &body, &wallet_canonical(&body), None).await;
    // Assert
    assert_eq!(response.status(), 200);
    let expected = format!("Basic {}", base64_of("ipn-user:ipn-pass"));
    let at_sink = wait_until(WAIT, || async { app.sink("wallet-ipn").await.into_iter().next() }).await;
    assert_eq!(at_sink["headers"]["authorization"], expected, "{at_sink}");
    let at_ipn = wait_until(WAIT, || async { ipn.received_requests().await.unwrap().into_iter().next() }).await;
    assert_eq!(at_ipn.headers["authorization"].to_str().unwrap(), expected);
    let callback: Value = serde_json::from_slice(&at_ipn.body).unwrap();
    assert_eq!(callback["callbackType"], "IPN");
    assert_eq!(callback["customer"]["reference"], "OR28922980090");
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
