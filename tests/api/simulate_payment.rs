//! `POST /__sandbox/simulate/payment`: a customer paying in credits the account, sends the
//! merchant's IPN and alerts, and leaves a transaction queryable like any other.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const CODE: &str = "7300000003";
const ACCOUNT: &str = "1450160649886";

fn payment(reference: &str) -> Value {
    json!({"account": ACCOUNT, "amount": "250.00", "currency": "KES", "channel": "MPESA", "reference": reference,
           "payer": {"name": "Jane Payer", "mobileNumber": "254722000000"}})
}

async fn merchant_with_ipn_and_alerts(app: &TestApp) {
    let response = app
        .put_merchant(
            CODE,
            json!({
                "name": "Paid Ltd", "apiKey": "KEY-PAID", "consumerSecret": "secret-paid",
                "ipn": {"username": "ipn-user", "password": "ipn-pass", "url": app.url(&format!("/__sandbox/sink/{CODE}/ipn"))},
                "alerts": {"url": app.url(&format!("/__sandbox/sink/{CODE}/alerts")), "username": "alert-user", "password": "alert-pass"},
                "accounts": [{"number": ACCOUNT, "currency": "KES", "countryCode": "KE", "name": "Paid Ltd", "balance": "100.00"}],
            }),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.text().await.unwrap());
}

async fn simulate(app: &TestApp, body: Value) -> reqwest::Response {
    app.admin_post("/__sandbox/simulate/payment", body).await
}

#[tokio::test]
async fn a_simulated_payment_credits_the_account_sends_the_ipn_and_the_alert_and_is_listed() {
    // Arrange
    let app = spawn_app().await;
    merchant_with_ipn_and_alerts(&app).await;
    // Act
    let response = simulate(&app, payment("INBOUND00001")).await;
    // Assert
    assert_eq!(response.status(), StatusCode::CREATED);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["merchant"], CODE, "{answer}");
    assert_eq!(answer["balance"], "350.00", "{answer}");
    let ipn = app.admin_get(&format!("/__sandbox/sink/{CODE}/ipn?wait_ms=10000")).await;
    assert_eq!(ipn[0]["body"]["callbackType"], "IPN", "{ipn}");
    assert_eq!(ipn[0]["body"]["customer"]["reference"], "INBOUND00001");
    assert_eq!(ipn[0]["body"]["transaction"]["amount"], 250);
    assert!(ipn[0]["headers"]["authorization"].as_str().unwrap().starts_with("Basic "), "{ipn}");
    let alerts = app.admin_get(&format!("/__sandbox/sink/{CODE}/alerts?wait_ms=10000")).await;
    assert_eq!(alerts[0]["body"]["callbackType"], "ALT", "{alerts}");
    assert_eq!(alerts[0]["body"]["bank"]["transactionType"], "Credit");
    let accounts = app.admin_get(&format!("/__sandbox/accounts?merchant={CODE}")).await.to_string();
    assert!(accounts.contains("350.00"), "{accounts}");
    let listed = app.admin_get(&format!("/__sandbox/transactions?merchant={CODE}&reference=INBOUND00001")).await;
    assert_eq!(listed[0]["state"], "Success", "{listed}");
    assert_eq!(listed[0]["amount"], 250);
}

#[tokio::test]
async fn a_simulated_payment_with_bad_input_is_refused_naming_the_problem() {
    let app = spawn_app().await;
    merchant_with_ipn_and_alerts(&app).await;
    let mut missing = payment("INBOUND00002");
    missing.as_object_mut().unwrap().remove("channel");
    for (body, status, named) in [
        (
            {
                let mut b = payment("INBOUND00003");
                b["account"] = json!("0000000000000");
                b
            },
            StatusCode::NOT_FOUND,
            "account",
        ),
        (
            {
                let mut b = payment("INBOUND00004");
                b["amount"] = json!("lots");
                b
            },
            StatusCode::BAD_REQUEST,
            "amount",
        ),
        (
            {
                let mut b = payment("INBOUND00005");
                b["amount"] = json!("0.00");
                b
            },
            StatusCode::BAD_REQUEST,
            "amount",
        ),
        (
            {
                let mut b = payment("INBOUND00006");
                b["amount"] = json!("-5.00");
                b
            },
            StatusCode::BAD_REQUEST,
            "amount",
        ),
        (
            {
                let mut b = payment("INBOUND00007");
                b["amount"] = json!("99999999999999999.00");
                b
            },
            StatusCode::BAD_REQUEST,
            "amount",
        ),
        (
            {
                let mut b = payment("INBOUND00008");
                b["currency"] = json!("USD");
                b
            },
            StatusCode::BAD_REQUEST,
            "currency",
        ),
        (missing, StatusCode::BAD_REQUEST, "channel"),
    ] {
        let response = simulate(&app, body.clone()).await;
        assert_eq!(response.status(), status, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert!(answer["error"].as_str().unwrap().contains(named), "{body}: {answer}");
    }
    assert_eq!(simulate(&app, payment("INBOUND00009")).await.status(), StatusCode::CREATED);
    let reused = simulate(&app, payment("INBOUND00009")).await;
    assert_eq!(reused.status(), StatusCode::CONFLICT);
    let accounts = app.admin_get(&format!("/__sandbox/accounts?merchant={CODE}")).await.to_string();
    assert!(accounts.contains("350.00"), "only the one accepted payment landed: {accounts}");
}
