//! The sandbox clock as a test author drives it: set, frozen, advanced, released and reset, and
//! runs that are repeatable byte for byte when the clock is frozen and the seed fixed.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const NOON: &str = "2026-01-31T12:00:00Z";

async fn put_clock(app: &TestApp, body: Value) -> reqwest::Response {
    app.client.put(app.url("/__sandbox/clock")).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn a_frozen_clock_shows_the_same_instant_until_advanced_and_reset_returns_to_real_time() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let set = put_clock(&app, json!({"now": NOON, "frozen": true})).await;
    // Assert
    assert_eq!(set.status(), StatusCode::OK);
    let frozen = app.admin_get("/__sandbox/clock").await;
    assert_eq!(frozen["now"], "2026-01-31T12:00:00.000Z");
    assert_eq!(frozen["frozen"], true);
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 90})).await;
    let advanced = app.admin_get("/__sandbox/clock").await;
    assert_eq!(advanced["now"], "2026-01-31T12:01:30.000Z");
    assert_eq!(advanced["frozen"], true);
    app.admin_post("/__sandbox/reset", json!({})).await;
    let reset = app.admin_get("/__sandbox/clock").await;
    assert_eq!(reset["frozen"], false);
    assert_eq!(reset["offsetMs"], 0);
}

#[tokio::test]
async fn released_the_clock_runs_on_from_the_instant_it_showed() {
    // Arrange
    let app = spawn_app().await;
    put_clock(&app, json!({"now": NOON, "frozen": true})).await;
    // Act
    let released = put_clock(&app, json!({"frozen": false})).await;
    // Assert
    assert_eq!(released.status(), StatusCode::OK);
    let view = app.admin_get("/__sandbox/clock").await;
    assert_eq!(view["frozen"], false);
    let now = view["now"].as_str().unwrap();
    assert!(now.starts_with("2026-01-31T12:0"), "{now}");
}

#[tokio::test]
async fn a_clock_set_to_text_that_is_not_a_time_or_out_of_range_is_refused_and_unchanged() {
    let app = spawn_app().await;
    for body in [
        json!({"now": "yesterday"}),
        json!({"now": "10000-01-01T00:00:00Z"}),
        json!({"now": "1969-12-31T23:59:59Z"}),
        json!({"frozen": "yes"}),
        json!({"later": 5}),
    ] {
        let response = put_clock(&app, body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert!(answer["error"].is_string(), "{body}: {answer}");
    }
    let view = app.admin_get("/__sandbox/clock").await;
    assert_eq!(view["frozen"], false);
    assert_eq!(view["offsetMs"], 0);
}

#[tokio::test]
async fn frozen_every_timestamp_the_sandbox_writes_is_the_frozen_instant() {
    // Arrange
    let app = spawn_app().await;
    put_clock(&app, json!({"now": NOON, "frozen": true})).await;
    // Act
    let token: Value = app.token_for(API_KEY, MERCHANT, SECRET).await.json().await.unwrap();
    let push = app.stk_push(&stk_body("CLOCKFROZEN1", "254765555136", &app.sink_url("frozen"))).await;
    assert_eq!(push.status(), StatusCode::OK);
    let received = wait_until(Duration::from_secs(10), || async {
        let sink = app.sink("frozen").await;
        (!sink.is_empty()).then_some(sink)
    })
    .await;
    // Assert
    assert_eq!(token["issuedAt"], NOON, "{token}");
    let journal = app.admin_get("/__sandbox/requests?limit=1").await;
    let logged = journal.as_array().unwrap()[0].to_string();
    assert!(logged.contains("2026-01-31T12:00:00"), "{logged}");
    let callback = received[0].to_string();
    assert!(callback.contains("2026-01-31"), "the callback carries the frozen date: {callback}");
}

/// Runs the same requests against a fresh sandbox with a frozen clock, and returns what it
/// answered and called back, with the sandbox's own address taken out.
async fn scripted_run() -> Vec<String> {
    let app = spawn_app().await;
    put_clock(&app, json!({"now": NOON, "frozen": true})).await;
    let mut seen = Vec::new();
    for (reference, mobile) in [("REPEATABLE01", "254765555136"), ("REPEATABLE02", "254765555137")] {
        let push = app.stk_push(&stk_body(reference, mobile, &app.sink_url("repeat"))).await;
        seen.push(push.text().await.unwrap());
    }
    let received = wait_until(Duration::from_secs(10), || async {
        let sink = app.sink("repeat").await;
        (sink.len() == 2).then_some(sink)
    })
    .await;
    let mut bodies: Vec<String> = received.iter().map(|entry| entry["body"].to_string()).collect();
    bodies.sort();
    seen.extend(bodies);
    let requests = app.admin_get("/__sandbox/transactions").await;
    seen.push(requests.to_string());
    seen.into_iter().map(|text| text.replace(&app.address, "http://SANDBOX")).collect()
}

#[tokio::test]
async fn with_a_frozen_clock_and_the_same_seed_two_runs_answer_and_call_back_byte_for_byte_alike() {
    let first = scripted_run().await;
    let second = scripted_run().await;
    assert_eq!(first, second);
}
