//! Faults on the sandbox's own answers, for testing a client's retry and timeout code: the
//! operation still runs, and then its answer is lost, held, emptied, dribbled or replaced by a
//! proxy's HTML page. Also the latency added to every answer.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

const MOBILE: &str = "254765555136";

async fn push_with_fault(
    app: &TestApp,
    client: &reqwest::Client,
    reference: &str,
    scenario: &str,
) -> reqwest::Result<reqwest::Response> {
    let body = stk_body(reference, MOBILE, &app.sink_url("faults"));
    let token = app.token().await;
    client
        .post(app.url(STK_PATH))
        .bearer_auth(token)
        .header("Signature", sign(&stk_canonical(&body)))
        .header("X-Sandbox-Scenario", scenario)
        .json(&body)
        .send()
        .await
}

/// The operation ran although its answer was spoiled: the transaction is there.
async fn assert_transaction_recorded(app: &TestApp, reference: &str) {
    let listed = app.admin_get(&format!("/__sandbox/transactions?reference={reference}")).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{reference}: {listed}");
}

async fn assert_healthy(app: &TestApp) {
    let response = app.stk_push(&stk_body("FAULTHEALTHY", "254765555139", &app.sink_url("ok"))).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn reset_closes_the_connection_without_an_answer_after_the_operation_ran() {
    let app = spawn_app().await;
    let client = test_client();
    let outcome = push_with_fault(&app, &client, "FAULTRESET01", "fault:reset").await;
    let error = outcome.expect_err("no answer");
    assert!(!error.is_timeout(), "closed, not timed out: {error}");
    assert_transaction_recorded(&app, "FAULTRESET01").await;
    assert_healthy(&app).await;
}

#[tokio::test]
async fn hang_gives_no_answer_until_the_client_gives_up() {
    let app = spawn_app().await;
    let impatient = test_client_builder().timeout(Duration::from_millis(500)).build().unwrap();
    let error = push_with_fault(&app, &impatient, "FAULTHANG001", "fault:hang").await.expect_err("no answer");
    assert!(error.is_timeout(), "{error}");
    assert_transaction_recorded(&app, "FAULTHANG001").await;
    assert_healthy(&app).await;
}

#[tokio::test]
async fn hang_closes_the_connection_after_max_hang_ms_for_a_client_that_waits_forever() {
    let app = spawn_app_with(|s| s.max_hang_ms = 200).await;
    let patient = test_client_builder().timeout(Duration::from_secs(30)).build().unwrap();
    let error = push_with_fault(&app, &patient, "FAULTHANG002", "fault:hang").await.expect_err("no answer");
    assert!(!error.is_timeout(), "closed by the sandbox, not by the client: {error}");
}

#[tokio::test]
async fn gateway_html_answers_502_with_a_proxys_html_page_and_the_sandbox_headers() {
    let app = spawn_app().await;
    let response = push_with_fault(&app, &app.client, "FAULTHTML001", "fault:gateway_html").await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(response.headers()["x-sandbox-scenario"], "fault:gateway_html");
    assert!(response.text().await.unwrap().contains("<h1>502 Bad Gateway</h1>"));
    assert_transaction_recorded(&app, "FAULTHTML001").await;
}

#[tokio::test]
async fn empty_body_answers_200_with_nothing_in_it() {
    let app = spawn_app().await;
    let response = push_with_fault(&app, &app.client, "FAULTEMPTY01", "fault:empty_body").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn slow_body_sends_the_whole_answer_in_pieces() {
    let app = spawn_app().await;
    let mut response = push_with_fault(&app, &app.client, "FAULTSLOW001", "fault:slow_body").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut pieces = 0;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        pieces += 1;
        body.extend_from_slice(&chunk);
    }
    assert!(pieces > 1, "one piece only");
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["status"], true, "{answer}");
}

#[tokio::test]
async fn faults_come_from_scenario_files_too_and_unknown_ones_are_named() {
    // Arrange
    let dir = temp_dir();
    write_file(
        &dir,
        "proxy.yaml",
        "scenarios:\n  - name: proxy-down\n    effects:\n      stk_push: {faults: [gateway_html, duplicate]}\n",
    );
    let app = spawn_app_with(|s| s.scenarios = vec![dir.path().to_path_buf()]).await;
    // Act
    let response = push_with_fault(&app, &app.client, "FAULTFILE001", "proxy-down").await.unwrap();
    let unknown = push_with_fault(&app, &app.client, "FAULTFILE002", "fault:teapot").await.unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let message = unknown.text().await.unwrap();
    assert!(message.contains("teapot") && message.contains("gateway_html"), "{message}");
    write_file(&dir, "proxy.yaml", "scenarios:\n  - name: p\n    effects:\n      stk_push: {faults: [teapot]}\n");
    let reloaded = app.admin_post("/__sandbox/scenarios/reload", serde_json::json!({})).await;
    assert_eq!(reloaded.status(), StatusCode::BAD_REQUEST);
    let problems = reloaded.text().await.unwrap();
    assert!(problems.contains("proxy.yaml:4") && problems.contains("unknown fault \\\"teapot\\\""), "{problems}");
}

#[tokio::test]
async fn latency_holds_every_api_answer_at_least_that_long() {
    let app = spawn_app_with(|s| s.latency.fixed_ms = 300).await;
    let started = Instant::now();
    let response = app.token_for(API_KEY, MERCHANT, SECRET).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
}
