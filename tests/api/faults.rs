//! Callback fault modes chosen by scenario files.

use crate::helpers::*;
use serde_json::Value;
use wiremock::MockServer;

const FAULTS: &str = r#"
scenarios:
  - name: twice
    effects:
      stk_push: {faults: [duplicate]}
  - name: never
    effects:
      stk_push: {faults: [never_sent]}
  - name: reversed
    effects:
      stk_push:
        faults: [out_of_order]
        callbacks:
          - {code: 0}
          - {code: 3, after_ms: 0}
  - name: broken
    effects:
      stk_push: {faults: [malformed_body]}
  - name: slow-receiver
    effects:
      stk_push: {faults: [receiver_timeout]}
"#;

/// A sandbox with the fault scenarios, and their directory (kept while the app runs).
async fn app_with_faults() -> (TestApp, TempDir) {
    let dir = temp_dir();
    write_file(&dir, "faults.yaml", FAULTS);
    let app = spawn_app_with(|s| s.scenarios = vec![dir.path().to_path_buf()]).await;
    (app, dir)
}

async fn push(app: &TestApp, reference: &str, url: &str, scenario: &str) {
    push_with(app, reference, url, Some(scenario)).await
}

async fn push_with(app: &TestApp, reference: &str, url: &str, scenario: Option<&str>) {
    let body = stk_body(reference, "254764555291", url);
    let token = app.token().await;
    let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), scenario).await;
    assert_eq!(response.status(), 200);
}

async fn received_bodies(server: &MockServer, count: usize) -> Vec<String> {
    wait_until(WAIT, || async {
        let requests = server.received_requests().await.unwrap_or_default();
        (requests.len() >= count)
            .then(|| requests.iter().map(|r| String::from_utf8_lossy(&r.body).into_owned()).collect())
    })
    .await
}

#[tokio::test]
async fn duplicate_fault_delivers_every_callback_twice() {
    // Arrange
    let ((app, _scenarios), server) = (app_with_faults().await, receiver(200).await);
    // Act
    push(&app, "FAULTDUP0001", &callback_url(&server), "twice").await;
    // Assert
    let bodies = received_bodies(&server, 2).await;
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(app.callbacks_for("FAULTDUP0001").await.len(), 2);
}

#[tokio::test]
async fn never_sent_fault_records_the_job_but_sends_nothing() {
    let ((app, _scenarios), server) = (app_with_faults().await, receiver(200).await);
    push(&app, "FAULTNEV0001", &callback_url(&server), "never").await;
    let jobs = app.callbacks_for("FAULTNEV0001").await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["state"], "suppressed");
    // A later push to the same receiver arrives alone: the suppressed one never went out.
    push_with(&app, "FAULTNEV0002", &callback_url(&server), None).await;
    let bodies = received_bodies(&server, 1).await;
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains("FAULTNEV0002"), "{}", bodies[0]);
}

#[tokio::test]
async fn out_of_order_fault_sends_the_final_callback_before_the_pending_one() {
    let ((app, _scenarios), server) = (app_with_faults().await, receiver(200).await);
    push(&app, "FAULTOOO0001", &callback_url(&server), "reversed").await;
    let bodies = received_bodies(&server, 2).await;
    let codes: Vec<i64> =
        bodies.iter().map(|b| serde_json::from_str::<Value>(b).unwrap()["code"].as_i64().unwrap()).collect();
    assert_eq!(codes, [3, 0]);
}

#[tokio::test]
async fn malformed_body_fault_sends_text_that_is_not_json() {
    let ((app, _scenarios), server) = (app_with_faults().await, receiver(200).await);
    push(&app, "FAULTMAL0001", &callback_url(&server), "broken").await;
    let bodies = received_bodies(&server, 1).await;
    assert!(serde_json::from_str::<Value>(&bodies[0]).is_err(), "{}", bodies[0]);
    assert!(bodies[0].starts_with('{'));
}

#[tokio::test]
async fn receiver_timeout_fault_records_a_timeout_and_sends_again() {
    let ((app, _scenarios), server) = (app_with_faults().await, receiver(200).await);
    push(&app, "FAULTTMO0001", &callback_url(&server), "slow-receiver").await;
    let bodies = received_bodies(&server, 2).await;
    assert_eq!(bodies[0], bodies[1]);
    let job = wait_until(WAIT, || async {
        app.callbacks_for("FAULTTMO0001").await.into_iter().next().filter(|j| j["state"] == "delivered")
    })
    .await;
    let attempts = job["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert!(attempts[0]["error"].as_str().unwrap().contains("timed out"));
    assert_eq!(attempts[1]["status"], 200);
}
