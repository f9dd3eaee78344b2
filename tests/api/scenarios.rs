//! Choosing an outcome (contract §5): the bundled STK push scenarios by header and by magic
//! number, arming through the admin API, precedence, and hot reload of scenario files.

use crate::helpers::*;
use reqwest::Response;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

const MOBILE: &str = "254764555291";

/// (scenario, magic mobile number, callback code, callback message, callback status)
const CALLBACK_SCENARIOS: &[(&str, &str, i64, &str, bool)] = &[
    ("insufficient-funds", "254700000001", 1, "InsufficientFund", false),
    ("invalid-pin", "254700000002", 1, "Invalid pin", false),
    ("maximum-amount-exceeded", "254700000003", 1, "MaximumAmountExceeded", false),
    (
        "awaiting-settlement",
        "254700000004",
        4,
        "Transaction was successful, But failed to credit merchant account",
        false,
    ),
    ("cancelled-by-user", "254700000005", 5, "Transaction was Cancelled, E.g by user", false),
    ("no-response-from-user", "254700000006", 6, "No response from user.", false),
    ("rejected", "254700000007", 7, "Transaction rejected due to validation errors", false),
    (
        "awaiting-third-party-settlement",
        "254700000011",
        2,
        "Transaction Successful - Awaiting Third Party Settlement",
        true,
    ),
];

/// (scenario, magic mobile number, HTTP status, code, message)
const SYNC_ERROR_SCENARIOS: &[(&str, &str, u16, i64, &str)] = &[
    (
        "telco-not-authorized",
        "254700000401",
        401,
        106401,
        "Not Authorized to access this Telco, Kindly contact support@finserve.africa",
    ),
    (
        "push-failed",
        "254700000201",
        200,
        106201,
        "Failed to initiate push. Kindly try again after a few minutes or contact support@finserve.africa",
    ),
    ("service-error", "254700000500", 500, 106500, "Error loading service"),
    ("mapping-error", "254700000501", 500, 106501, "Error mapping service"),
];

/// Pushes `body` signed with a fresh token, with an optional scenario header.
async fn push(app: &TestApp, body: &Value, scenario: Option<&str>) -> Response {
    let token = app.token().await;
    app.stk_push_with(body, &token, Some(&sign(&stk_canonical(body))), scenario).await
}

fn scenario_of(response: &Response) -> String {
    response.headers()["x-sandbox-scenario"].to_str().unwrap().to_string()
}

/// The first callback the sink `name` receives.
async fn first_callback(app: &TestApp, name: &str) -> Value {
    wait_until(WAIT, || async { app.sink(name).await.into_iter().last() }).await["body"].clone()
}

async fn arm(app: &TestApp, body: Value) -> Response {
    app.admin_post("/__sandbox/scenarios/arm", body).await
}

fn write_scenario(path: &Path, error_code: i64) {
    let text = format!("scenarios:\n  - name: hot-custom\n    effects:\n      stk_push: {{error: {error_code}}}\n");
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn stk_push_with_each_callback_scenario_header_sends_that_scenarios_callback() {
    // Arrange
    let app = spawn_app().await;
    for (index, (name, _, code, message, status)) in CALLBACK_SCENARIOS.iter().enumerate() {
        let reference = format!("SCNHDR{index:06}");
        let sink = format!("hdr-{name}");
        let body = stk_body(&reference, MOBILE, &app.sink_url(&sink));
        // Act
        let response = push(&app, &body, Some(name)).await;
        // Assert
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(scenario_of(&response), *name);
        let ack: Value = response.json().await.unwrap();
        assert_eq!(ack["code"], -1, "{name}: {ack}");
        let callback = first_callback(&app, &sink).await;
        assert_eq!(callback["code"], *code, "{name}: {callback}");
        assert_eq!(callback["message"], *message, "{name}: {callback}");
        assert_eq!(callback["status"], *status, "{name}: {callback}");
        assert_eq!(callback["transactionReference"], reference.as_str(), "{name}: {callback}");
        if *code == 1 {
            // Seed 001's failed callbacks carry no telcoReference.
            assert!(callback.get("telcoReference").is_none(), "{name}: {callback}");
        }
    }
}

#[tokio::test]
async fn stk_push_with_each_callback_scenarios_magic_number_sends_that_scenarios_callback() {
    // Arrange
    let app = spawn_app().await;
    for (index, (name, mobile, code, message, status)) in CALLBACK_SCENARIOS.iter().enumerate() {
        let reference = format!("SCNMAG{index:06}");
        let sink = format!("magic-{name}");
        let body = stk_body(&reference, mobile, &app.sink_url(&sink));
        // Act
        let response = push(&app, &body, None).await;
        // Assert
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(scenario_of(&response), *name);
        let callback = first_callback(&app, &sink).await;
        assert_eq!(callback["code"], *code, "{name}: {callback}");
        assert_eq!(callback["message"], *message, "{name}: {callback}");
        assert_eq!(callback["status"], *status, "{name}: {callback}");
        assert_eq!(callback["mobileNumber"], *mobile, "{name}: {callback}");
    }
}

#[tokio::test]
async fn stk_push_with_pending_forever_sends_exactly_one_pending_callback() {
    // Arrange
    let app = spawn_app().await;
    let body = stk_body("SCNPEND00001", "254700000009", &app.sink_url("pending"));
    // Act
    let response = push(&app, &body, None).await;
    // Assert
    assert_eq!(scenario_of(&response), "pending-forever");
    let jobs = wait_until(WAIT, || async {
        let jobs = app.callbacks_for("SCNPEND00001").await;
        (!jobs.is_empty() && jobs.iter().all(|j| j["state"] == "delivered")).then_some(jobs)
    })
    .await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0]["body"]["code"], 0);
    let received = app.sink("pending").await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["body"]["code"], 0);
    assert_eq!(received[0]["body"]["message"], "Request pending to be processed");
}

#[tokio::test]
async fn stk_push_with_no_callback_scenario_creates_no_callback_job() {
    // Arrange
    let app = spawn_app().await;
    let body = stk_body("SCNNOCB00001", "254700000008", &app.sink_url("none"));
    // Act
    let response = push(&app, &body, None).await;
    // Assert
    assert_eq!(response.status(), 200);
    assert_eq!(scenario_of(&response), "no-callback");
    assert!(app.callbacks_for("SCNNOCB00001").await.is_empty());
    let journal = app.admin_get("/__sandbox/requests?operation=stk_push").await;
    assert!(journal[0]["callbacks"].as_array().is_none_or(|c| c.is_empty()), "{}", journal[0]);
}

#[tokio::test]
async fn stk_push_with_each_sync_error_magic_number_answers_its_documented_code() {
    // Arrange
    let app = spawn_app().await;
    for (index, (name, mobile, status, code, message)) in SYNC_ERROR_SCENARIOS.iter().enumerate() {
        let reference = format!("SCNSYNC{index:05}");
        let body = stk_body(&reference, mobile, &app.sink_url("sync"));
        // Act
        let response = push(&app, &body, None).await;
        // Assert
        assert_eq!(response.status(), *status, "{name}");
        assert_eq!(scenario_of(&response), *name);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["status"], false, "{name}: {answer}");
        assert_eq!(answer["code"], *code, "{name}: {answer}");
        assert_eq!(answer["message"], *message, "{name}: {answer}");
        assert!(app.callbacks_for(&reference).await.is_empty(), "{name} created a callback job");
    }
}

#[tokio::test]
async fn stk_push_with_an_unknown_scenario_header_is_invalid_and_names_it() {
    // Arrange
    let app = spawn_app().await;
    let body = stk_body("SCNUNK000001", MOBILE, &app.sink_url("unknown"));
    // Act
    let response = push(&app, &body, Some("no-such-scenario")).await;
    // Assert
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], false);
    assert_eq!(answer["code"], 400);
    assert_eq!(answer["error_code"], "INVALID_REQUEST");
    assert!(answer["message"].as_str().unwrap().contains("no-such-scenario"), "{answer}");
    assert!(app.callbacks_for("SCNUNK000001").await.is_empty());
}

#[tokio::test]
async fn stk_push_with_an_unknown_error_code_header_is_invalid_and_names_it() {
    // Arrange
    let app = spawn_app().await;
    let body = stk_body("SCNUNK000002", MOBILE, &app.sink_url("unknown"));
    // Act
    let response = push(&app, &body, Some("error:999999")).await;
    // Assert
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["code"], 400);
    assert_eq!(answer["error_code"], "INVALID_REQUEST");
    assert!(answer["message"].as_str().unwrap().contains("999999"), "{answer}");
}

#[tokio::test]
async fn arm_for_one_request_fires_on_the_next_push_only() {
    // Arrange
    let app = spawn_app().await;
    let armed = arm(&app, json!({"scenario": "insufficient-funds", "times": 1})).await;
    assert_eq!(armed.status(), 201);
    let first = stk_body("SCNARM000001", MOBILE, &app.sink_url("armed-1"));
    let second = stk_body("SCNARM000002", MOBILE, &app.sink_url("armed-2"));
    // Act
    let first_response = push(&app, &first, None).await;
    let second_response = push(&app, &second, None).await;
    // Assert
    assert_eq!(scenario_of(&first_response), "insufficient-funds");
    assert_eq!(scenario_of(&second_response), "default");
    assert_eq!(first_callback(&app, "armed-1").await["message"], "InsufficientFund");
    assert_eq!(first_callback(&app, "armed-2").await["code"], 3);
}

#[tokio::test]
async fn arm_with_a_match_filter_fires_only_for_matching_requests() {
    // Arrange
    let app = spawn_app().await;
    let armed = arm(
        &app,
        json!({"scenario": "cancelled-by-user", "times": 1, "match": {"payment.mobileNumber": "254711222333"}}),
    )
    .await;
    assert_eq!(armed.status(), 201);
    let other = stk_body("SCNARMM00001", MOBILE, &app.sink_url("match"));
    let matching = stk_body("SCNARMM00002", "254711222333", &app.sink_url("match"));
    // Act
    let other_response = push(&app, &other, None).await;
    let matching_response = push(&app, &matching, None).await;
    // Assert
    assert_eq!(scenario_of(&other_response), "default");
    assert_eq!(scenario_of(&matching_response), "cancelled-by-user");
}

#[tokio::test]
async fn arm_with_a_merchant_filter_fires_only_for_that_merchant() {
    // Arrange
    let app = spawn_app().await;
    let elsewhere = arm(&app, json!({"scenario": "rejected", "times": 1, "merchant": "1234567890"})).await;
    assert_eq!(elsewhere.status(), 201);
    let body = stk_body("SCNARMC00001", MOBILE, &app.sink_url("merchant"));
    let not_for_us = push(&app, &body, None).await;
    assert_eq!(scenario_of(&not_for_us), "default");
    let ours = arm(&app, json!({"scenario": "rejected", "times": 1, "merchant": MERCHANT})).await;
    assert_eq!(ours.status(), 201);
    let body = stk_body("SCNARMC00002", MOBILE, &app.sink_url("merchant"));
    // Act
    let response = push(&app, &body, None).await;
    // Assert
    assert_eq!(scenario_of(&response), "rejected");
}

#[tokio::test]
async fn arm_with_an_operation_filter_fires_only_for_that_operation() {
    // Arrange
    let app = spawn_app().await;
    let wrong_op = arm(&app, json!({"scenario": "rejected", "times": 1, "operation": "authenticate"})).await;
    assert_eq!(wrong_op.status(), 201);
    let body = stk_body("SCNARMO00001", MOBILE, &app.sink_url("operation"));
    let not_for_us = push(&app, &body, None).await;
    assert_eq!(scenario_of(&not_for_us), "default");
    let ours = arm(&app, json!({"scenario": "rejected", "times": 1, "operation": "stk_push"})).await;
    assert_eq!(ours.status(), 201);
    let body = stk_body("SCNARMO00002", MOBILE, &app.sink_url("operation"));
    // Act
    let response = push(&app, &body, None).await;
    // Assert
    assert_eq!(scenario_of(&response), "rejected");
}

#[tokio::test]
async fn disarm_stops_an_armed_scenario_from_firing() {
    // Arrange
    let app = spawn_app().await;
    let armed = arm(&app, json!({"scenario": "invalid-pin"})).await;
    assert_eq!(armed.status(), 201);
    let before = push(&app, &stk_body("SCNDIS000001", MOBILE, &app.sink_url("disarm")), None).await;
    assert_eq!(scenario_of(&before), "invalid-pin");
    // Act
    let disarmed = app.client.delete(app.url("/__sandbox/scenarios/armed")).send().await.unwrap();
    let after = push(&app, &stk_body("SCNDIS000002", MOBILE, &app.sink_url("disarm")), None).await;
    // Assert
    assert_eq!(disarmed.status(), 200);
    assert_eq!(scenario_of(&after), "default");
    let listed = app.admin_get("/__sandbox/scenarios/armed").await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn arm_with_an_unknown_scenario_is_refused_and_names_it() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = arm(&app, json!({"scenario": "no-such-scenario", "times": 1})).await;
    // Assert
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(answer.to_string().contains("no-such-scenario"), "{answer}");
}

#[tokio::test]
async fn arm_with_an_unknown_key_is_refused_and_names_the_key() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = arm(&app, json!({"scenario": "insufficient-funds", "tiems": 1})).await;
    // Assert
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(answer.to_string().contains("tiems"), "{answer}");
    assert_eq!(app.admin_get("/__sandbox/scenarios/armed").await, json!([]));
}

#[tokio::test]
async fn stk_push_with_a_header_and_an_armed_scenario_follows_the_header() {
    // Arrange
    let app = spawn_app().await;
    assert_eq!(arm(&app, json!({"scenario": "insufficient-funds", "times": 1})).await.status(), 201);
    let body = stk_body("SCNPREC00001", MOBILE, &app.sink_url("prec-1"));
    // Act
    let response = push(&app, &body, Some("invalid-pin")).await;
    // Assert
    assert_eq!(scenario_of(&response), "invalid-pin");
    assert_eq!(first_callback(&app, "prec-1").await["message"], "Invalid pin");
}

#[tokio::test]
async fn stk_push_with_an_armed_scenario_and_a_magic_number_follows_the_armed_one() {
    // Arrange
    let app = spawn_app().await;
    assert_eq!(arm(&app, json!({"scenario": "invalid-pin", "times": 1})).await.status(), 201);
    let body = stk_body("SCNPREC00002", "254700000001", &app.sink_url("prec-2"));
    // Act
    let response = push(&app, &body, None).await;
    // Assert
    assert_eq!(scenario_of(&response), "invalid-pin");
    assert_eq!(first_callback(&app, "prec-2").await["message"], "Invalid pin");
}

#[tokio::test]
async fn stk_push_with_a_magic_number_follows_the_number_rather_than_the_default() {
    // Arrange
    let app = spawn_app().await;
    let plain = stk_body("SCNPREC00003", MOBILE, &app.sink_url("prec-3"));
    let magic = stk_body("SCNPREC00004", "254700000005", &app.sink_url("prec-4"));
    // Act
    let plain_response = push(&app, &plain, None).await;
    let magic_response = push(&app, &magic, None).await;
    // Assert
    assert_eq!(scenario_of(&plain_response), "default");
    assert_eq!(scenario_of(&magic_response), "cancelled-by-user");
    assert_eq!(first_callback(&app, "prec-3").await["code"], 3);
    assert_eq!(first_callback(&app, "prec-4").await["code"], 5);
}

#[tokio::test]
async fn reload_after_a_scenario_file_changed_uses_the_new_definition() {
    // Arrange
    let dir = temp_dir();
    let file = dir.path().join("custom.yaml");
    write_scenario(&file, 106201);
    let app = spawn_app_with(|s| s.scenarios = vec![dir.path().to_path_buf()]).await;
    let before = push(&app, &stk_body("SCNHOT000001", MOBILE, &app.sink_url("hot")), Some("hot-custom")).await;
    assert_eq!(before.status(), 200);
    assert_eq!(before.json::<Value>().await.unwrap()["code"], 106201);
    write_scenario(&file, 106500);
    // Act
    let reloaded = app.admin_post("/__sandbox/scenarios/reload", json!({})).await;
    // Assert
    assert_eq!(reloaded.status(), 200);
    let after = push(&app, &stk_body("SCNHOT000002", MOBILE, &app.sink_url("hot")), Some("hot-custom")).await;
    assert_eq!(after.status(), 500);
    assert_eq!(scenario_of(&after), "hot-custom");
    assert_eq!(after.json::<Value>().await.unwrap()["code"], 106500);
}

#[tokio::test]
async fn reload_of_a_broken_file_is_refused_with_file_and_line_and_keeps_the_old_set() {
    // Arrange
    let dir = temp_dir();
    let file = dir.path().join("custom.yaml");
    write_scenario(&file, 106201);
    let app = spawn_app_with(|s| s.scenarios = vec![dir.path().to_path_buf()]).await;
    std::fs::write(
        &file,
        "scenarios:\n  - name: hot-custom\n    effects:\n      stk_push: {error: 106500}\n    bogus: true\n",
    )
    .unwrap();
    // Act
    let reloaded = app.admin_post("/__sandbox/scenarios/reload", json!({})).await;
    // Assert
    assert_eq!(reloaded.status(), 400);
    let answer: Value = reloaded.json().await.unwrap();
    let problems = answer["problems"].as_array().expect("a problems list");
    let prefix = format!("{}:5:", file.display());
    assert!(
        problems.iter().any(|p| p.as_str().is_some_and(|p| p.starts_with(&prefix) && p.contains("bogus"))),
        "no problem starts with {prefix}: {problems:?}"
    );
    let still = push(&app, &stk_body("SCNHOT000003", MOBILE, &app.sink_url("hot")), Some("hot-custom")).await;
    assert_eq!(still.status(), 200);
    assert_eq!(still.json::<Value>().await.unwrap()["code"], 106201);
}

/// The code a `hot-custom` push answers with, once it is no longer `previous`.
async fn code_once_changed(app: &TestApp, previous: i64) -> i64 {
    wait_until(Duration::from_secs(10), || async {
        let body = stk_body("SCNWATCH0001", MOBILE, &app.sink_url("watch"));
        let response = push(app, &body, Some("hot-custom")).await;
        let code = response.json::<Value>().await.unwrap()["code"].as_i64().unwrap();
        (code != previous).then_some(code)
    })
    .await
}

/// A sandbox with `--watch` on a directory of its own, whose `custom.yaml` answers 106201.
async fn watching_app() -> (TestApp, TempDir, PathBuf) {
    let dir = temp_dir();
    let file = dir.path().join("custom.yaml");
    write_scenario(&file, 106201);
    let app = spawn_app_with(|s| {
        s.scenarios = vec![dir.path().to_path_buf()];
        s.watch = true;
    })
    .await;
    (app, dir, file)
}

#[tokio::test]
async fn with_watch_an_edited_scenario_file_is_reloaded_without_a_call() {
    // Arrange
    let (app, _dir, file) = watching_app().await;
    // Act
    write_scenario(&file, 106500);
    // Assert
    assert_eq!(code_once_changed(&app, 106201).await, 106500);
}

/// The latest reload's record once its number passes `after`.
async fn reload_after(app: &TestApp, after: u64) -> Value {
    wait_until(Duration::from_secs(10), || async {
        let set: Value = app.client.get(app.url("/__sandbox/scenarios")).send().await.unwrap().json().await.unwrap();
        let record = set["lastReload"].clone();
        (record["number"].as_u64().unwrap_or(0) > after).then_some(record)
    })
    .await
}

#[tokio::test]
async fn with_watch_a_broken_edit_keeps_the_running_set_and_a_fix_is_picked_up() {
    // Arrange
    let (app, _dir, file) = watching_app().await;
    // Act
    std::fs::write(&file, "scenarios:\n  - name: hot-custom\n    bogus: true\n").unwrap();
    let broken = reload_after(&app, 0).await;
    // Assert: refused with the file and line, and the running set still answers
    assert_eq!(broken["ok"], false, "{broken}");
    let prefix = format!("{}:3:", file.display());
    assert!(broken["problems"].to_string().contains(&prefix), "{broken}");
    let still = push(&app, &stk_body("SCNWATCH0002", MOBILE, &app.sink_url("watch")), Some("hot-custom")).await;
    assert_eq!(still.json::<Value>().await.unwrap()["code"], 106201);
    // A repaired file is picked up.
    write_scenario(&file, 106500);
    assert_eq!(code_once_changed(&app, 106201).await, 106500);
}
