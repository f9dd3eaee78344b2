use crate::helpers::*;
use serde_json::{json, Value};

const DETAILS: &str = "/v3-apis/transaction-api/v3.0/transactions/details";

async fn details(app: &TestApp, path: &str, reference: &str) -> (u16, Value) {
    let response = app.get_signed(&format!("{path}/{reference}"), reference, None).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn transaction_details_of_a_push_is_pending_until_its_callback_time_then_success() {
    // Arrange
    let app = spawn_app_with(|s| s.callbacks.first_delay_ms = 60_000).await;
    app.stk_push(&stk_body("TXNDET000001", "254764555291", &app.sink_url("t"))).await;
    // Act
    let (status, pending) = details(&app, DETAILS, "TXNDET000001").await;
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 61})).await;
    let (_, done) = details(&app, DETAILS, "TXNDET000001").await;
    // Assert
    assert_eq!(status, 200);
    assert_eq!(pending["data"]["state"], "Pending");
    assert_eq!(pending["data"]["stateCode"], -1);
    let data = &done["data"];
    assert_eq!(
        (data["state"].clone(), data["stateCode"].clone(), data["code"].clone()),
        (json!("Success"), json!(2), json!(0))
    );
    assert_eq!(data["transactionReference"], "TXNDET000001");
    assert_eq!(data["amount"], 5);
    assert_eq!(data["charge"], 1);
    assert_eq!(data["serviceName"], "STK/USSD Push");
    assert!(data["dateCreated"].as_str().unwrap().len() == 23, "{data}");
}

#[tokio::test]
async fn transaction_details_of_a_failed_push_reports_the_callbacks_code_and_message() {
    let app = spawn_app().await;
    app.stk_push(&stk_body("TXNDET000002", "254700000001", &app.sink_url("t"))).await;
    let (_, body) = details(&app, DETAILS, "TXNDET000002").await;
    assert_eq!(body["data"]["state"], "Failed");
    assert_eq!(body["data"]["stateCode"], 1);
    assert_eq!(body["data"]["code"], 1);
    assert_eq!(body["data"]["message"], "InsufficientFund");
}

#[tokio::test]
async fn transaction_details_answers_on_the_paths_sdks_use() {
    let app = spawn_app().await;
    app.stk_push(&stk_body("TXNDET000003", "254764555291", &app.sink_url("t"))).await;
    for path in ["/v3-apis/transaction-api/v3.0/payments/details", "/v3-apis/transaction-api/v3.0/transaction"] {
        let (status, body) = details(&app, path, "TXNDET000003").await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(body["data"]["transactionReference"], "TXNDET000003");
    }
}

#[tokio::test]
async fn transaction_details_of_an_unknown_reference_answers_111102() {
    let app = spawn_app().await;
    let (status, body) = details(&app, DETAILS, "NOSUCHREF001").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"status": false, "code": 111102, "message": "Transaction with the passed reference cannot be found"})
    );
}

#[tokio::test]
async fn transaction_details_of_another_merchants_reference_is_not_found() {
    // The key pair first: generating it can take seconds on a busy machine, and a pooled
    // connection idle that long races the server's keep-alive close.
    let (private, public) = jenga_sandbox::crypto::generate_pair().unwrap();
    let app = spawn_app().await;
    app.stk_push(&stk_body("TXNDET000004", "254764555291", &app.sink_url("t"))).await;
    let created = app
        .client
        .put(app.url("/__sandbox/merchants/5550001"))
        .json(&json!({"apiKey": "OTHER-KEY", "consumerSecret": "other", "publicKey": public}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let token: Value = app.token_for("OTHER-KEY", "5550001", "other").await.json().await.unwrap();
    let key = jenga_sandbox::crypto::parse_private_key(&private).unwrap();
    let response = app
        .client
        .get(app.url(&format!("{DETAILS}/TXNDET000004")))
        .bearer_auth(token["accessToken"].as_str().unwrap())
        .header("signature", jenga_sandbox::crypto::sign_sha256(&key, b"TXNDET000004"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 111102);
}

#[tokio::test]
async fn admin_transactions_lists_states_newest_first_per_merchant() {
    let app = spawn_app().await;
    app.stk_push(&stk_body("TXNLIST00001", "254764555291", &app.sink_url("t"))).await;
    app.stk_push(&stk_body("TXNLIST00002", "254700000001", &app.sink_url("t"))).await;
    let listed = app.admin_get("/__sandbox/transactions?merchant=9999999999").await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["reference"], "TXNLIST00002");
    assert_eq!(listed[0]["state"], "Failed");
    assert_eq!(listed[1]["state"], "Success");
    assert_eq!(app.admin_get("/__sandbox/transactions?merchant=nobody").await, json!([]));
    assert_eq!(app.admin_get("/__sandbox/transactions?limit=1").await.as_array().unwrap().len(), 1);
}
