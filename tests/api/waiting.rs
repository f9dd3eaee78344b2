//! Waiting instead of sleeping: `wait_ms` and `count` on the sink, callbacks, requests and
//! transactions answer the moment the condition holds, or at the deadline with what there is.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const MOBILE: &str = "254765555136";

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

fn wait_header(response: &reqwest::Response) -> String {
    response.headers().get("x-sandbox-wait").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

#[tokio::test]
async fn a_sink_wait_answers_as_soon_as_the_callback_arrives() {
    // Arrange: the callback is held back until the clock is advanced, so it cannot come early.
    let app = spawn_app_with(|s| s.callbacks.first_delay_ms = 60_000).await;
    let push = app.stk_push(&stk_body("WAITSINK0001", MOBILE, &app.sink_url("waiting"))).await;
    assert_eq!(push.status(), StatusCode::OK);
    let waiting = tokio::spawn({
        let (client, url) = (app.client.clone(), app.url("/__sandbox/sink/waiting?wait_ms=30000"));
        async move {
            let started = Instant::now();
            let response = client.get(url).send().await.unwrap();
            (wait_header(&response), response.json::<Vec<Value>>().await.unwrap(), started.elapsed())
        }
    });
    wait_until(Duration::from_secs(10), || async {
        let metrics = get(&app, "/__sandbox/metrics").await.text().await.unwrap();
        metrics.contains("jenga_sandbox_waiting_requests 1").then_some(())
    })
    .await;
    // Act
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 61})).await;
    // Assert
    let (header, entries, took) = waiting.await.unwrap();
    assert_eq!(header, "satisfied");
    assert_eq!(entries.len(), 1);
    assert!(took < Duration::from_secs(20), "answered at once, not at the deadline: {took:?}");
}

#[tokio::test]
async fn a_wait_that_is_not_met_answers_at_its_deadline_with_what_there_is() {
    let app = spawn_app().await;
    let response = get(&app, "/__sandbox/sink/nobody?wait_ms=50&count=2").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(wait_header(&response), "timeout");
    assert_eq!(response.json::<Vec<Value>>().await.unwrap().len(), 0);
}

#[tokio::test]
async fn count_waits_for_that_many_matching_entries_and_limit_cuts_the_answer_afterwards() {
    // Arrange
    let app = spawn_app().await;
    for (reference, mobile) in [("WAITCOUNT001", MOBILE), ("WAITCOUNT002", "254765555137")] {
        app.stk_push(&stk_body(reference, mobile, &app.sink_url("count"))).await;
    }
    // Act
    let response = get(&app, "/__sandbox/sink/count?wait_ms=10000&count=2&limit=1").await;
    // Assert
    assert_eq!(wait_header(&response), "satisfied");
    assert_eq!(response.json::<Vec<Value>>().await.unwrap().len(), 1);
}

#[tokio::test]
async fn requests_and_callbacks_wait_with_their_filters_including_reference() {
    // Arrange
    let app = spawn_app().await;
    app.stk_push(&stk_body("WAITREQS0001", MOBILE, &app.sink_url("reqs"))).await;
    app.stk_push(&stk_body("WAITREQS0002", "254765555137", &app.sink_url("reqs"))).await;
    // Act
    let requests = get(&app, "/__sandbox/requests?reference=WAITREQS0002&wait_ms=5000").await;
    let callbacks = get(&app, "/__sandbox/callbacks?reference=WAITREQS0001&status=delivered&wait_ms=10000").await;
    // Assert
    assert_eq!(wait_header(&requests), "satisfied");
    let requests: Vec<Value> = requests.json().await.unwrap();
    assert_eq!(requests.len(), 1, "only the push naming that reference: {requests:?}");
    assert_eq!(requests[0]["body"]["payment"]["ref"], "WAITREQS0002");
    assert_eq!(wait_header(&callbacks), "satisfied");
    let callbacks: Vec<Value> = callbacks.json().await.unwrap();
    assert_eq!(callbacks.len(), 1);
    assert_eq!(callbacks[0]["reference"], "WAITREQS0001");
}

#[tokio::test]
async fn a_transaction_wait_on_status_answers_when_the_clock_reaches_its_callback() {
    // Arrange: success is reported with the first callback, a minute away on the sandbox clock.
    let app = spawn_app_with(|s| s.callbacks.first_delay_ms = 60_000).await;
    app.stk_push(&stk_body("WAITTRANS001", MOBILE, &app.sink_url("trans"))).await;
    let pending = get(&app, "/__sandbox/transactions?reference=WAITTRANS001&status=pending").await;
    assert_eq!(pending.json::<Vec<Value>>().await.unwrap().len(), 1);
    let waiting = tokio::spawn({
        let (client, url) = (
            app.client.clone(),
            app.url("/__sandbox/transactions?reference=WAITTRANS001&status=success&wait_ms=30000"),
        );
        async move {
            let response = client.get(url).send().await.unwrap();
            (wait_header(&response), response.json::<Vec<Value>>().await.unwrap())
        }
    });
    // Act
    wait_until(Duration::from_secs(10), || async {
        let metrics = get(&app, "/__sandbox/metrics").await.text().await.unwrap();
        metrics.contains("jenga_sandbox_waiting_requests 1").then_some(())
    })
    .await;
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 61})).await;
    // Assert
    let (header, listed) = waiting.await.unwrap();
    assert_eq!(header, "satisfied");
    assert_eq!(listed[0]["state"], "Success", "{listed:?}");
}

#[tokio::test]
async fn a_client_that_gives_up_frees_its_waiting_slot() {
    // Arrange
    let app = spawn_app().await;
    let impatient = test_client_builder().timeout(Duration::from_millis(300)).build().unwrap();
    // Act
    let gave_up = impatient.get(app.url("/__sandbox/sink/never?wait_ms=60000")).send().await;
    // Assert
    assert!(gave_up.is_err());
    wait_until(Duration::from_secs(10), || async {
        let metrics = get(&app, "/__sandbox/metrics").await.text().await.unwrap();
        metrics.contains("jenga_sandbox_waiting_requests 0").then_some(())
    })
    .await;
}

#[tokio::test]
async fn bad_wait_parameters_are_refused_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, named) in [
        ("wait_ms=60001", "wait_ms"),
        ("wait_ms=soon", "wait_ms"),
        ("wait_ms=10&count=0", "count"),
        ("wait_ms=10&count=-2", "count"),
    ] {
        for list in ["/__sandbox/sink/x", "/__sandbox/callbacks", "/__sandbox/requests", "/__sandbox/transactions"] {
            let response = get(&app, &format!("{list}?{query}")).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{list}?{query}");
            let answer: Value = response.json().await.unwrap();
            assert!(answer["error"].as_str().unwrap().starts_with(named), "{list}?{query}: {answer}");
        }
    }
}
