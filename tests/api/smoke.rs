use crate::helpers::*;
use serde_json::Value;

#[tokio::test]
async fn a_client_authenticates_pushes_and_receives_the_callback() {
    // Arrange
    let app = spawn_app().await;
    let body = stk_body("SMOKE0000001", "254764555291", &app.sink_url("smoke"));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-sandbox-scenario"], "default");
    let ack: Value = response.json().await.unwrap();
    assert_eq!(ack["code"], -1);
    assert_eq!(ack["reference"], "SMOKE0000001");
    let received = wait_until(WAIT, || async { app.sink("smoke").await.into_iter().next() }).await;
    assert_eq!(received["body"]["code"], 3);
    assert_eq!(received["body"]["transactionReference"], "SMOKE0000001");
}
