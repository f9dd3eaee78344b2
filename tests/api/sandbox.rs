//! `jenga_sandbox::Sandbox`, used as a test outside the crate would: a signed push whose callback
//! reaches a real local receiver, an armed outcome that lasts until a reset, a frozen clock, and
//! the server stopping when the value is dropped.

use crate::helpers::{stk_body, wait_until, STK_PATH, WAIT};
use jenga_sandbox::Sandbox;
use serde_json::Value;
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn push(sandbox: &Sandbox, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(sandbox.url(STK_PATH))
        .bearer_auth(sandbox.token().await)
        .header("Signature", sandbox.sign("stk_push", body))
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_push_is_accepted_and_its_callback_awaited_reaches_the_receiver() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&receiver).await;
    let sandbox = Sandbox::start().await;

    let body = stk_body("SANDBOXAPI01", "254764555291", &format!("{}/cb", receiver.uri()));
    let answer = push(&sandbox, &body).await;
    assert_eq!(answer.status(), 200, "the signature from Sandbox::sign verifies in strict mode");

    let delivered = sandbox.wait_for_callbacks(1, WAIT).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["reference"], "SANDBOXAPI01");
    let received = receiver.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "a delivered job was received, not only recorded");
    let callback: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(callback["message"], "Successful");
}

#[tokio::test]
async fn an_armed_scenario_decides_every_push_until_reset() {
    let sandbox = Sandbox::start().await;
    sandbox.arm("stk_push", "insufficient-funds").await;
    for reference in ["SANDBOXARM01", "SANDBOXARM02"] {
        let body = stk_body(reference, "254764555291", &sandbox.url("/__sandbox/sink/armed"));
        let answer = push(&sandbox, &body).await;
        assert_eq!(answer.headers()["x-sandbox-scenario"], "insufficient-funds");
    }
    let delivered = sandbox.wait_for_callbacks(2, WAIT).await;
    let sink: Value = reqwest::get(sandbox.url("/__sandbox/sink/armed")).await.unwrap().json().await.unwrap();
    assert_eq!(delivered.len(), 2);
    assert!(sink.as_array().unwrap().iter().all(|entry| entry["body"]["message"] == "InsufficientFund"), "{sink}");

    sandbox.reset().await;
    let body = stk_body("SANDBOXARM03", "254764555291", &sandbox.url("/__sandbox/sink/armed"));
    assert_eq!(push(&sandbox, &body).await.headers()["x-sandbox-scenario"], "default");
}

#[tokio::test]
async fn arm_times_fires_only_that_many_times() {
    let sandbox = Sandbox::start().await;
    sandbox.arm_times("stk_push", "error:500", 1).await;
    let body = stk_body("SANDBOXONCE1", "254764555291", &sandbox.url("/__sandbox/sink/once"));
    assert_eq!(push(&sandbox, &body).await.status(), 500);
    let body = stk_body("SANDBOXONCE2", "254764555291", &sandbox.url("/__sandbox/sink/once"));
    assert_eq!(push(&sandbox, &body).await.status(), 200);
}

#[tokio::test]
#[should_panic(expected = "1 callback(s) not delivered within 50ms")]
async fn waiting_for_a_callback_that_never_comes_fails_with_the_jobs_named() {
    let sandbox = Sandbox::start().await;
    sandbox.wait_for_callbacks(1, Duration::from_millis(50)).await;
}

#[tokio::test]
async fn a_frozen_sandbox_stamps_its_answers_with_the_frozen_time() {
    let sandbox = Sandbox::builder().seed(42).frozen_at("2026-01-31T12:00:00Z").start().await;
    let body = stk_body("SANDBOXFRZ01", "254764555291", &sandbox.url("/__sandbox/sink/frozen"));
    assert_eq!(push(&sandbox, &body).await.status(), 200);
    let delivered = sandbox.wait_for_callbacks(1, WAIT).await;
    assert_eq!(delivered[0]["createdAt"], "2026-01-31T12:00:00.000Z");
}

#[tokio::test]
async fn dropping_the_sandbox_stops_the_server() {
    let sandbox = Sandbox::start().await;
    let health = sandbox.url("/__sandbox/health");
    assert_eq!(reqwest::get(&health).await.unwrap().status(), 200);
    drop(sandbox);
    wait_until(WAIT, || async { reqwest::get(&health).await.is_err().then_some(()) }).await;
}
