//! Callback delivery to a real receiver (wiremock): the body, retries, giving up, redelivery,
//! multi-step ordering, the first delay on the sandbox clock, and never blocking the response.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MOBILE: &str = "254764555291";

/// A receiver answering every callback with `status`.
/// Bodies the receiver got, in arrival order.
async fn received(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

/// Waits until the receiver has at least `n` requests; returns their bodies.
async fn wait_for_requests(server: &MockServer, n: usize) -> Vec<Value> {
    wait_until(WAIT, || async {
        let bodies = received(server).await;
        (bodies.len() >= n).then_some(bodies)
    })
    .await
}

/// Waits until the reference's only job reaches `state`; returns the job.
async fn wait_for_job(app: &TestApp, reference: &str, state: &str) -> Value {
    wait_until(WAIT, || async {
        let jobs = app.callbacks_for(reference).await;
        jobs.into_iter().find(|j| j["state"] == state)
    })
    .await
}

/// A URL on a local port nobody listens on.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/cb")
}

fn statuses(job: &Value) -> Vec<Value> {
    job["attempts"].as_array().unwrap().iter().map(|a| a["status"].clone()).collect()
}

#[tokio::test]
async fn callback_for_an_equitel_push_carries_exactly_the_documented_fields() {
    // Arrange
    let app = spawn_app().await;
    let server = receiver(200).await;
    let body = stk_body("CBEQT0000001", MOBILE, &callback_url(&server));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    let bodies = wait_for_requests(&server, 1).await;
    assert_eq!(
        bodies[0],
        json!({
            "status": true,
            "code": 3,
            "message": "Successful",
            "transactionReference": "CBEQT0000001",
            "telcoReference": "CBEQT0000001",
            "mobileNumber": MOBILE,
            "debitedAmount": 5,
            "requestAmount": 5,
            "charge": 1,
            "currency": "KES",
            "telco": "Equitel",
        })
    );
    let request = &server.received_requests().await.unwrap()[0];
    let content_type = request.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(content_type.starts_with("application/json"), "{content_type}");
}

#[tokio::test]
async fn callback_for_a_safaricom_push_rounds_the_amount_up_and_carries_a_receipt() {
    // Arrange
    let app = spawn_app().await;
    let server = receiver(200).await;
    let mut body = stk_body("CBSAF0000001", "254712345678", &callback_url(&server));
    body["payment"]["telco"] = json!("Safaricom");
    body["payment"]["amount"] = json!("5.50");
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    let callback = wait_for_requests(&server, 1).await.remove(0);
    assert_eq!(callback["code"], 3, "{callback}");
    assert_eq!(callback["telco"], "Safaricom", "{callback}");
    assert_eq!(callback["requestAmount"], 6, "{callback}");
    assert_eq!(callback["debitedAmount"], 6, "{callback}");
    let receipt = callback["telcoReference"].as_str().expect("a telcoReference");
    assert_eq!(receipt.len(), 10, "{receipt}");
    assert!(receipt.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{receipt}");
    assert_ne!(receipt, "CBSAF0000001");
}

#[tokio::test]
async fn callback_answered_500_twice_then_200_is_delivered_on_the_third_attempt() {
    // Arrange
    let app = spawn_app().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cb"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/cb")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let body = stk_body("CBRETRY00001", MOBILE, &callback_url(&server));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    let job = wait_for_job(&app, "CBRETRY00001", "delivered").await;
    assert_eq!(statuses(&job), vec![json!(500), json!(500), json!(200)], "{job}");
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn callback_answered_429_is_retried_until_delivered() {
    // Arrange
    let app = spawn_app().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cb"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/cb")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let body = stk_body("CB429000001", MOBILE, &callback_url(&server));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    let job = wait_for_job(&app, "CB429000001", "delivered").await;
    assert_eq!(statuses(&job), vec![json!(429), json!(200)], "{job}");
}

#[tokio::test]
async fn callback_to_a_receiver_slower_than_the_timeout_fails_with_timeouts_recorded() {
    // Arrange
    let app = spawn_app_with(|s| s.callbacks.timeout_ms = 100).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cb"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let body = stk_body("CBTIMEOUT001", MOBILE, &callback_url(&server));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    let job = wait_for_job(&app, "CBTIMEOUT001", "failed").await;
    let attempts = job["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 4, "{job}");
    for attempt in attempts {
        assert!(attempt["error"].as_str().is_some_and(|e| e.contains("timed out")), "{attempt}");
    }
}

#[tokio::test]
async fn callback_to_a_dead_receiver_fails_after_every_scheduled_attempt() {
    // Arrange
    let app = spawn_app().await;
    let body = stk_body("CBDEAD000001", MOBILE, &dead_url());
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    let job = wait_for_job(&app, "CBDEAD000001", "failed").await;
    let attempts = job["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 4, "{job}");
    for attempt in attempts {
        assert!(attempt["error"].as_str().is_some_and(|e| !e.is_empty()), "{attempt}");
        assert!(attempt["status"].is_null(), "{attempt}");
    }
}

#[tokio::test]
async fn callback_answered_400_is_not_retried() {
    // Arrange
    let app = spawn_app().await;
    let server = receiver(400).await;
    let body = stk_body("CB400000001", MOBILE, &callback_url(&server));
    // Act
    let response = app.stk_push(&body).await;
    // Assert
    assert_eq!(response.status(), 200);
    let job = wait_for_job(&app, "CB400000001", "failed").await;
    assert_eq!(statuses(&job), vec![json!(400)], "{job}");
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn redeliver_of_a_delivered_callback_sends_the_same_body_again() {
    // Arrange
    let app = spawn_app().await;
    let server = receiver(200).await;
    let body = stk_body("CBREDEL00001", MOBILE, &callback_url(&server));
    assert_eq!(app.stk_push(&body).await.status(), 200);
    let job = wait_for_job(&app, "CBREDEL00001", "delivered").await;
    let id = job["id"].as_str().unwrap();
    // Act
    let response = app.admin_post(&format!("/__sandbox/callbacks/{id}/redeliver"), json!({})).await;
    // Assert
    assert_eq!(response.status(), 202);
    let bodies = wait_for_requests(&server, 2).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[1]["transactionReference"], "CBREDEL00001");
}

#[tokio::test]
async fn redeliver_of_an_unknown_job_is_not_found() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.admin_post("/__sandbox/callbacks/no-such-job/redeliver", json!({})).await;
    // Assert
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn callbacks_of_pending_then_completed_arrive_in_order_as_the_clock_advances() {
    // Arrange
    let app = spawn_app().await;
    let server = receiver(200).await;
    let body = stk_body("CBPTC0000001", "254700000010", &callback_url(&server));
    let response = app.stk_push(&body).await;
    assert_eq!(response.headers()["x-sandbox-scenario"], "pending-then-completed");
    let pending = wait_for_requests(&server, 1).await;
    assert_eq!(pending[0]["code"], 0);
    let second = wait_until(WAIT, || async {
        let jobs = app.callbacks_for("CBPTC0000001").await;
        jobs.into_iter().find(|j| j["step"] == 2)
    })
    .await;
    assert_eq!(second["state"], "scheduled", "{second}");
    assert_eq!(received(&server).await.len(), 1);
    // Act
    let advanced = app.admin_post("/__sandbox/clock/advance", json!({"seconds": 3})).await;
    // Assert
    assert_eq!(advanced.status(), 200);
    let bodies = wait_for_requests(&server, 2).await;
    let codes: Vec<&Value> = bodies.iter().map(|b| &b["code"]).collect();
    assert_eq!(codes, vec![&json!(0), &json!(3)]);
    assert_eq!(bodies[1]["message"], "Successful");
}

#[tokio::test]
async fn callback_with_a_first_delay_waits_for_the_sandbox_clock() {
    // Arrange
    let app = spawn_app_with(|s| s.callbacks.first_delay_ms = 60_000).await;
    let server = receiver(200).await;
    let body = stk_body("CBDELAY00001", MOBILE, &callback_url(&server));
    assert_eq!(app.stk_push(&body).await.status(), 200);
    let jobs = app.callbacks_for("CBDELAY00001").await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["state"], "scheduled", "{}", jobs[0]);
    assert!(received(&server).await.is_empty());
    // Act
    let advanced = app.admin_post("/__sandbox/clock/advance", json!({"seconds": 61})).await;
    // Assert
    assert_eq!(advanced.status(), 200);
    wait_for_job(&app, "CBDELAY00001", "delivered").await;
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn stk_push_with_a_slow_receiver_is_acknowledged_before_the_callback_is_answered() {
    // Arrange
    let app = spawn_app_with(|s| s.callbacks.timeout_ms = 9_000).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cb"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let body = stk_body("CBSLOW000001", MOBILE, &callback_url(&server));
    let token = app.token().await;
    let signature = sign(&stk_canonical(&body));
    // Act
    let started = Instant::now();
    let response = app.stk_push_with(&body, &token, Some(&signature), None).await;
    let elapsed = started.elapsed();
    // Assert
    assert_eq!(response.status(), 200);
    let jobs = app.callbacks_for("CBSLOW000001").await;
    assert_eq!(jobs.len(), 1);
    assert_ne!(jobs[0]["state"], "delivered", "{}", jobs[0]);
    assert!(elapsed < Duration::from_secs(3), "the acknowledgement took {elapsed:?}");
    let job = wait_for_job(&app, "CBSLOW000001", "delivered").await;
    assert_eq!(statuses(&job), vec![json!(200)]);
}

#[tokio::test]
async fn signed_callbacks_carry_a_signature_the_sandbox_public_key_verifies() {
    // Arrange
    let app = spawn_app_with(|s| s.callbacks.sign = true).await;
    let server = receiver(200).await;
    // Act
    let response = app.stk_push(&stk_body("SIGNEDCB01", MOBILE, &callback_url(&server))).await;
    // Assert
    assert_eq!(response.status(), 200);
    wait_for_requests(&server, 1).await;
    let request = &server.received_requests().await.unwrap()[0];
    let signature = request.headers["x-sandbox-signature"].to_str().unwrap();
    let key = jenga_sandbox::crypto::PublicKey::parse(jenga_sandbox::crypto::fixtures::ISSUER_PUBLIC_PEM).unwrap();
    assert!(key.verify(&request.body, signature).is_ok(), "the signature verifies over the exact body");
    assert!(key.verify(b"{}", signature).is_err());
}

#[tokio::test]
async fn unsigned_callbacks_are_the_default() {
    let app = spawn_app().await;
    let server = receiver(200).await;
    app.stk_push(&stk_body("UNSIGNED01", MOBILE, &callback_url(&server))).await;
    wait_for_requests(&server, 1).await;
    assert!(!server.received_requests().await.unwrap()[0].headers.contains_key("x-sandbox-signature"));
}

#[tokio::test]
async fn a_slow_receiver_does_not_delay_deliveries_to_other_receivers() {
    // Arrange: one receiver takes 3 s to answer, the other answers at once.
    let app = spawn_app_with(|s| s.callbacks.timeout_ms = 9_000).await;
    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&slow)
        .await;
    let fast = receiver(200).await;
    // Act
    app.stk_push(&stk_body("CBSLOWA00001", MOBILE, &format!("{}/cb", slow.uri()))).await;
    app.stk_push(&stk_body("CBFASTB00001", MOBILE, &callback_url(&fast))).await;
    // Assert
    wait_for_job(&app, "CBFASTB00001", "delivered").await;
    let slow_job = &app.callbacks_for("CBSLOWA00001").await[0];
    assert_eq!(slow_job["state"], "in_flight", "the fast one finished while the slow one was still being answered");
}

#[tokio::test]
async fn callbacks_filter_by_merchant_reference_and_status() {
    let app = spawn_app().await;
    let good = receiver(200).await;
    app.stk_push(&stk_body("CBFILTER0001", MOBILE, &callback_url(&good))).await;
    app.stk_push(&stk_body("CBFILTER0002", MOBILE, &dead_url())).await;
    wait_for_job(&app, "CBFILTER0001", "delivered").await;
    wait_for_job(&app, "CBFILTER0002", "failed").await;
    let failed = app.admin_get("/__sandbox/callbacks?status=failed").await;
    let references: Vec<&str> = failed.as_array().unwrap().iter().map(|j| j["reference"].as_str().unwrap()).collect();
    assert_eq!(references, ["CBFILTER0002"]);
    let mine = app.admin_get(&format!("/__sandbox/callbacks?merchant={MERCHANT}")).await;
    assert_eq!(mine.as_array().unwrap().len(), 2);
    let nobody = app.admin_get("/__sandbox/callbacks?merchant=5555555555").await;
    assert!(nobody.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_callback_log_keeps_the_newest_jobs_up_to_its_limit() {
    let app = spawn_app_with(|s| s.callbacks.log_limit = 5).await;
    let server = receiver(200).await;
    for i in 0..12 {
        app.stk_push(&stk_body(&format!("CBLIMIT{i:05}"), MOBILE, &callback_url(&server))).await;
        wait_for_job(&app, &format!("CBLIMIT{i:05}"), "delivered").await;
    }
    let jobs = app.admin_get("/__sandbox/callbacks").await;
    let references: Vec<&str> = jobs.as_array().unwrap().iter().map(|j| j["reference"].as_str().unwrap()).collect();
    assert_eq!(references, ["CBLIMIT00011", "CBLIMIT00010", "CBLIMIT00009", "CBLIMIT00008", "CBLIMIT00007"]);
}

#[tokio::test]
async fn a_burst_of_callbacks_leaves_no_more_than_the_log_limit_once_delivered() {
    // All twelve are queued before the clock makes them due, so none is evictable when queued.
    let app = spawn_app_with(|s| {
        s.callbacks.log_limit = 5;
        s.callbacks.first_delay_ms = 60_000;
    })
    .await;
    for i in 0..12 {
        app.stk_push(&stk_body(&format!("CBBURST{i:05}"), MOBILE, &app.sink_url("burst"))).await;
    }
    assert_eq!(app.admin_get("/__sandbox/callbacks").await.as_array().unwrap().len(), 12);
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 60})).await;
    wait_until(WAIT, || async { (app.sink("burst").await.len() == 12).then_some(()) }).await;
    let jobs = app.admin_get("/__sandbox/callbacks").await;
    let references: Vec<&str> = jobs.as_array().unwrap().iter().map(|j| j["reference"].as_str().unwrap()).collect();
    assert_eq!(references, ["CBBURST00011", "CBBURST00010", "CBBURST00009", "CBBURST00008", "CBBURST00007"]);
}

#[tokio::test]
async fn a_full_callback_queue_drops_new_callbacks_and_keeps_the_queued_ones() {
    // Arrange: room for three, none due before the clock moves.
    let app = spawn_app_with(|s| {
        s.callbacks.queue_limit = 3;
        s.callbacks.first_delay_ms = 60_000;
    })
    .await;
    // Act
    for i in 0..5 {
        let response = app.stk_push(&stk_body(&format!("CBFULL{i:05}"), MOBILE, &app.sink_url("full"))).await;
        assert_eq!(response.status(), 200, "a full callback queue does not change the API's answer");
    }
    // Assert: the first three wait their turn; the two that found the queue full are recorded as dropped.
    let jobs = app.admin_get("/__sandbox/callbacks").await;
    let states: Vec<(&str, &str)> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| (j["reference"].as_str().unwrap(), j["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("CBFULL00004", "dropped"),
            ("CBFULL00003", "dropped"),
            ("CBFULL00002", "scheduled"),
            ("CBFULL00001", "scheduled"),
            ("CBFULL00000", "scheduled"),
        ]
    );
    let metrics = app.client.get(app.url("/__sandbox/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("\njenga_sandbox_callbacks_queued 3\n"), "{metrics}");
    assert!(metrics.contains("\njenga_sandbox_callbacks_dropped_total 2\n"), "{metrics}");
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 60})).await;
    let sent = wait_until(WAIT, || async {
        let sink = app.sink("full").await;
        (sink.len() == 3).then_some(sink)
    })
    .await;
    let mut references: Vec<&str> = sent.iter().map(|e| e["body"]["transactionReference"].as_str().unwrap()).collect();
    references.sort();
    assert_eq!(references, ["CBFULL00000", "CBFULL00001", "CBFULL00002"]);
    // Once delivered, the queue has room again, and a dropped callback can still be sent by hand.
    app.stk_push(&stk_body("CBFULL00005", MOBILE, &app.sink_url("full"))).await;
    assert_eq!(app.callbacks_for("CBFULL00005").await[0]["state"], "scheduled");
    let dropped = app.callbacks_for("CBFULL00003").await[0]["id"].as_str().unwrap().to_string();
    app.admin_post(&format!("/__sandbox/callbacks/{dropped}/redeliver"), json!({})).await;
    wait_for_job(&app, "CBFULL00003", "delivered").await;
}

#[tokio::test]
async fn the_callback_queue_limit_applies_to_each_merchant_on_its_own() {
    // Arrange: room for one callback each; unsigned, so the second merchant needs no key pair.
    let app = spawn_app_with(|s| {
        s.callbacks.queue_limit = 1;
        s.callbacks.first_delay_ms = 60_000;
        s.signature_mode = jenga_sandbox::signature::Mode::Off;
    })
    .await;
    let created = app
        .put_merchant(
            "4444444444",
            json!({
                "name": "Other Ltd",
                "apiKey": "OTHER-KEY",
                "consumerSecret": "other-secret",
                "accounts": [{"number": "4440000000001", "currency": "KES", "countryCode": "KE", "name": "Other", "balance": "0.00"}]
            }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let other: Value = app.token_for("OTHER-KEY", "4444444444", "other-secret").await.json().await.unwrap();
    let mut other_push = stk_body("CBMINE00003", MOBILE, &app.sink_url("mine"));
    other_push["merchant"]["accountNumber"] = json!("4440000000001");
    // Act: the default merchant fills its queue and overflows it; then the other merchant pushes.
    app.stk_push(&stk_body("CBMINE00001", MOBILE, &app.sink_url("mine"))).await;
    app.stk_push(&stk_body("CBMINE00002", MOBILE, &app.sink_url("mine"))).await;
    let response = app.stk_push_with(&other_push, other["accessToken"].as_str().unwrap(), None, None).await;
    assert_eq!(response.status(), 200);
    // Assert
    let state = |jobs: Vec<Value>| jobs[0]["state"].as_str().unwrap().to_string();
    assert_eq!(state(app.callbacks_for("CBMINE00001").await), "scheduled");
    assert_eq!(state(app.callbacks_for("CBMINE00002").await), "dropped");
    assert_eq!(
        state(app.callbacks_for("CBMINE00003").await),
        "scheduled",
        "another merchant's full queue is not this one's"
    );
}

#[tokio::test]
async fn callbacks_to_the_sandboxs_own_sink_carry_the_same_headers_and_body() {
    let app = spawn_app_with(|s| s.callbacks.sign = true).await;
    app.stk_push(&stk_body("CBOWNSINK001", MOBILE, &app.sink_url("own"))).await;
    let job = wait_for_job(&app, "CBOWNSINK001", "delivered").await;
    assert_eq!(statuses(&job), vec![json!(200)]);
    let received = &app.sink("own").await[0];
    assert_eq!(received["body"], job["body"]);
    assert_eq!(received["headers"]["content-type"], "application/json");
    assert!(received["headers"]["user-agent"].as_str().unwrap().starts_with("jenga-sandbox/"));
    let signature = received["headers"]["x-sandbox-signature"].as_str().unwrap();
    let key = jenga_sandbox::crypto::PublicKey::parse(jenga_sandbox::crypto::fixtures::ISSUER_PUBLIC_PEM).unwrap();
    assert!(key.verify(job["body"].to_string().as_bytes(), signature).is_ok());
}
