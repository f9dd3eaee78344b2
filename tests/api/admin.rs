//! The control plane under `/__sandbox`: health, journal, reset, catalogue, merchants,
//! scenarios, clock, and the admin token off loopback.

use crate::helpers::*;
use jenga_sandbox::config::Settings;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn body(reference: &str, app: &TestApp) -> Value {
    stk_body(reference, "254764555291", &app.sink_url("admin"))
}

async fn journal(app: &TestApp, query: &str) -> Vec<Value> {
    app.admin_get(&format!("/__sandbox/requests{query}")).await.as_array().unwrap().clone()
}

/// Creates merchant `code` (credentials `code`-key / `code`-secret, no key needed) and authenticates it once.
async fn second_merchant_authenticates(app: &TestApp, code: &str) {
    let created = app
        .put_merchant(code, json!({"apiKey": format!("{code}-key"), "consumerSecret": format!("{code}-secret")}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let response = app.token_for(&format!("{code}-key"), code, &format!("{code}-secret")).await;
    assert_eq!(response.status(), StatusCode::OK);
}

fn port_of(address: &str) -> &str {
    address.rsplit(':').next().unwrap()
}

#[tokio::test]
async fn health_answers_ok() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.client.get(app.url("/__sandbox/health")).send().await.unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"status": "ok"}));
}

#[tokio::test]
async fn journal_lists_requests_newest_first_with_their_details() {
    // Arrange
    let app = spawn_app().await;
    let pushed = app.stk_push(&body("JOURNAL00001", &app)).await;
    assert_eq!(pushed.status(), StatusCode::OK);
    // Act
    let entries = journal(&app, "").await;
    // Assert
    assert_eq!(entries.len(), 2, "authenticate then push: {entries:?}");
    let (push, auth) = (&entries[0], &entries[1]);
    assert_eq!(push["operation"], "stk_push");
    assert_eq!(auth["operation"], "authenticate");
    assert_eq!(push["method"], "POST");
    assert_eq!(push["path"], STK_PATH);
    assert!(push["headers"]["signature"].is_string(), "{push}");
    assert_eq!(push["body"]["payment"]["ref"], "JOURNAL00001");
    assert_eq!(push["scenario"], "default");
    assert_eq!(push["response"]["status"], 200);
    assert_eq!(push["response"]["body"]["reference"], "JOURNAL00001");
    assert_eq!(auth["response"]["status"], 200);
    assert_eq!(auth["response"]["body"]["tokenType"], "Bearer");
}

#[tokio::test]
async fn journal_filtered_by_operation_shows_only_that_operation() {
    // Arrange
    let app = spawn_app().await;
    app.stk_push(&body("JOURNAL00002", &app)).await;
    app.stk_push(&body("JOURNAL00003", &app)).await;
    // Act
    let pushes = journal(&app, "?operation=stk_push").await;
    let auths = journal(&app, "?operation=authenticate").await;
    // Assert
    assert_eq!(pushes.len(), 2);
    assert!(pushes.iter().all(|e| e["operation"] == "stk_push"));
    assert_eq!(pushes[0]["body"]["payment"]["ref"], "JOURNAL00003");
    assert_eq!(auths.len(), 2);
    assert!(auths.iter().all(|e| e["operation"] == "authenticate"));
}

#[tokio::test]
async fn journal_filtered_by_path_and_limited_shows_the_newest_matching_entries() {
    // Arrange
    let app = spawn_app().await;
    app.stk_push(&body("JOURNAL00004", &app)).await;
    app.stk_push(&body("JOURNAL00005", &app)).await;
    // Act
    let by_path = journal(&app, "?path=stkussdpush").await;
    let limited = journal(&app, "?path=stkussdpush&limit=1").await;
    let auth_path = journal(&app, "?path=/authentication/").await;
    // Assert
    assert_eq!(by_path.len(), 2);
    assert!(by_path.iter().all(|e| e["path"] == STK_PATH));
    assert_eq!(limited.len(), 1);
    assert_eq!(limited[0]["body"]["payment"]["ref"], "JOURNAL00005");
    assert_eq!(auth_path.len(), 2);
    assert!(auth_path.iter().all(|e| e["path"] == AUTH_PATH));
}

#[tokio::test]
async fn journal_filtered_by_merchant_shows_only_that_merchant() {
    // Arrange
    let app = spawn_app().await;
    app.stk_push(&body("JOURNAL00006", &app)).await;
    second_merchant_authenticates(&app, "5550000002").await;
    // Act
    let default = journal(&app, &format!("?merchant={MERCHANT}")).await;
    let second = journal(&app, "?merchant=5550000002").await;
    // Assert
    assert_eq!(default.len(), 2);
    assert!(default.iter().all(|e| e["merchant"] == MERCHANT));
    assert_eq!(second.len(), 1);
    assert_eq!(second[0]["merchant"], "5550000002");
    assert_eq!(second[0]["operation"], "authenticate");
}

#[tokio::test]
async fn reset_clears_journal_callbacks_armed_scenarios_and_used_references() {
    // Arrange
    let app = spawn_app().await;
    let pushed = app.stk_push(&body("RESET0000001", &app)).await;
    assert_eq!(pushed.status(), StatusCode::OK);
    wait_until(WAIT, || async {
        let jobs = app.callbacks_for("RESET0000001").await;
        jobs.first().filter(|j| j["state"] == "delivered").cloned()
    })
    .await;
    let duplicate = app.stk_push(&body("RESET0000001", &app)).await;
    assert_eq!(duplicate.status(), StatusCode::BAD_REQUEST, "the reference is used before the reset");
    let armed = app.admin_post("/__sandbox/scenarios/arm", json!({"scenario": "insufficient-funds"})).await;
    assert_eq!(armed.status(), StatusCode::CREATED);
    // Act
    let response = app.admin_post("/__sandbox/reset", json!({})).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(journal(&app, "").await, Vec::<Value>::new());
    assert_eq!(app.admin_get("/__sandbox/callbacks").await, json!([]));
    assert_eq!(app.admin_get("/__sandbox/scenarios/armed").await, json!([]));
    let again = app.stk_push(&body("RESET0000001", &app)).await;
    assert_eq!(again.status(), StatusCode::OK, "the same reference succeeds after the reset");
    assert_eq!(again.headers()["x-sandbox-scenario"], "default", "no armed scenario fired");
}

#[tokio::test]
async fn reset_for_one_merchant_clears_only_that_merchants_entries() {
    // Arrange
    let app = spawn_app().await;
    app.stk_push(&body("RESET0000002", &app)).await;
    second_merchant_authenticates(&app, "5550000003").await;
    // Act
    let response = app.admin_post("/__sandbox/reset?merchant=5550000003", json!({})).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert!(journal(&app, "?merchant=5550000003").await.is_empty());
    let remaining = journal(&app, "").await;
    assert_eq!(remaining.len(), 2, "{remaining:?}");
    assert!(remaining.iter().all(|e| e["merchant"] == MERCHANT));
    let duplicate = app.stk_push(&body("RESET0000002", &app)).await;
    assert_eq!(duplicate.status(), StatusCode::BAD_REQUEST, "the default merchant's references are kept");
}

#[tokio::test]
async fn errors_lists_catalogue_rows_with_statuses_message_and_families() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let rows = app.admin_get("/__sandbox/errors").await;
    // Assert
    let rows = rows.as_array().unwrap();
    for code in [400101, 106401] {
        let row = rows.iter().find(|r| r["code"] == code).unwrap_or_else(|| panic!("no row {code}"));
        assert!(row["v3Status"].is_u64(), "{row}");
        assert!(row["v2Status"].is_u64(), "{row}");
        assert!(!row["message"].as_str().unwrap().is_empty(), "{row}");
        assert!(!row["families"].as_array().unwrap().is_empty(), "{row}");
    }
    let telco = rows.iter().find(|r| r["code"] == 106401).unwrap();
    assert_eq!(telco["v3Status"], 401);
    assert!(telco["families"].as_array().unwrap().contains(&json!("stk_push")), "{telco}");
}

#[tokio::test]
async fn merchants_lists_the_default_merchant_with_its_api_key() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let merchants = app.admin_get("/__sandbox/merchants").await;
    // Assert
    let default = merchants
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == MERCHANT)
        .unwrap_or_else(|| panic!("no default merchant in {merchants}"));
    assert_eq!(default["apiKey"], API_KEY);
    assert!(default.get("consumerSecret").is_none(), "the secret is not shown: {default}");
}

#[tokio::test]
async fn put_merchant_with_an_unknown_key_is_refused_naming_the_key() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.put_merchant("5550000004", json!({"apiKey": "k", "colour": "blue"})).await;
    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("colour"), "{answer}");
    let merchants = app.admin_get("/__sandbox/merchants").await;
    assert!(!merchants.as_array().unwrap().iter().any(|m| m["code"] == "5550000004"));
}

#[tokio::test]
async fn an_admin_body_with_several_unknown_keys_is_refused_naming_them_all() {
    let app = spawn_app().await;
    let response = app
        .client
        .put(app.url("/__sandbox/accounts/1450160649886"))
        .json(&json!({"balance": "100.00", "colour": "blue", "size": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    let error = answer["error"].as_str().unwrap();
    assert!(error.contains("`colour`") && error.contains("`size`") && error.contains("`balance`"), "{answer}");
}

#[tokio::test]
async fn an_admin_body_over_the_limit_is_refused_in_json() {
    let app = spawn_app().await;
    let oversized = format!("{{\"name\": \"{}\"}}", "x".repeat(300 * 1024));
    for path in ["/__sandbox/merchants/5550000009", "/__sandbox/sink/big"] {
        let response = app
            .client
            .put(app.url(path))
            .header("Content-Type", "application/json")
            .body(oversized.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        let answer: Value = response.json().await.unwrap();
        assert!(answer["error"].as_str().unwrap().contains("262144 bytes"), "{path}: {answer}");
    }
}

#[tokio::test]
async fn put_merchant_creates_then_updates() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let created =
        app.put_merchant("5550000005", json!({"name": "First", "apiKey": "K1", "consumerSecret": "S1"})).await;
    let created_status = created.status();
    let updated = app.put_merchant("5550000005", json!({"name": "Renamed"})).await;
    // Assert
    assert_eq!(created_status, StatusCode::CREATED);
    assert_eq!(updated.status(), StatusCode::OK);
    let summary: Value = updated.json().await.unwrap();
    assert_eq!(summary["name"], "Renamed");
    assert_eq!(summary["apiKey"], "K1", "fields left out keep their value");
    let token = app.token_for("K1", "5550000005", "S1").await;
    assert_eq!(token.status(), StatusCode::OK);
}

#[tokio::test]
async fn scenarios_lists_the_bundled_scenario_names() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let listing = app.admin_get("/__sandbox/scenarios").await;
    // Assert
    let names: Vec<&str> =
        listing["scenarios"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    for name in ["insufficient-funds", "invalid-pin", "maximum-amount-exceeded", "cancelled-by-user", "no-callback"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
}

#[tokio::test]
async fn clock_advance_moves_the_offset_by_the_given_seconds() {
    // Arrange
    let app = spawn_app().await;
    let before = app.admin_get("/__sandbox/clock").await["offsetMs"].as_i64().unwrap();
    // Act
    let response = app.admin_post("/__sandbox/clock/advance", json!({"seconds": 60})).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let after = app.admin_get("/__sandbox/clock").await["offsetMs"].as_i64().unwrap();
    assert_eq!(after - before, 60_000);
}

#[tokio::test]
async fn clock_advance_by_negative_seconds_is_refused() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.admin_post("/__sandbox/clock/advance", json!({"seconds": -5})).await;
    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("seconds"), "{answer}");
    assert_eq!(app.admin_get("/__sandbox/clock").await["offsetMs"], 0);
}

#[tokio::test]
async fn clock_advance_past_the_year_9999_is_refused_and_moves_nothing() {
    let app = spawn_app().await;
    assert_eq!(app.admin_post("/__sandbox/clock/advance", json!({"seconds": 3600})).await.status(), StatusCode::OK);
    // 1e300 saturates to i64::MAX ms, which used to wrap the offset below zero; 300e9 s would
    // reach the year 11,500.
    for seconds in [json!(1e300), json!(300_000_000_000u64)] {
        let response = app.admin_post("/__sandbox/clock/advance", json!({"seconds": seconds})).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{seconds}");
        let answer: Value = response.json().await.unwrap();
        assert!(answer["error"].as_str().unwrap().contains("9999-12-31"), "{answer}");
    }
    assert_eq!(app.admin_get("/__sandbox/clock").await["offsetMs"], 3_600_000);
    let token = app.token_for(API_KEY, MERCHANT, SECRET).await;
    assert_eq!(token.status(), StatusCode::OK, "tokens are still issued with a sane expiry");
}

#[tokio::test]
async fn admin_on_a_public_bind_without_the_token_is_unauthorized() {
    // Arrange
    let app = spawn_app_with(|s| {
        s.bind = "0.0.0.0:0".into();
        s.admin_token = Some("t0k".into());
    })
    .await;
    let url = format!("http://127.0.0.1:{}/__sandbox/requests", port_of(&app.address));
    // Act
    let missing = app.client.get(&url).send().await.unwrap();
    let wrong = app.client.get(&url).bearer_auth("nope").send().await.unwrap();
    // Assert
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let answer: Value = missing.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("Bearer"), "{answer}");
}

#[tokio::test]
async fn admin_on_a_public_bind_with_the_token_is_served() {
    // Arrange
    let app = spawn_app_with(|s| {
        s.bind = "0.0.0.0:0".into();
        s.admin_token = Some("t0k".into());
    })
    .await;
    let url = format!("http://127.0.0.1:{}/__sandbox/requests", port_of(&app.address));
    // Act
    let response = app.client.get(&url).header("Authorization", "Bearer t0k").send().await.unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.json::<Value>().await.unwrap().is_array());
}

#[tokio::test]
async fn health_on_a_public_bind_answers_get_and_head_without_the_token() {
    // Arrange: a probe (container HEALTHCHECK, load balancer) holds no admin token.
    let app = spawn_app_with(|s| {
        s.bind = "0.0.0.0:0".into();
        s.admin_token = Some("t0k".into());
    })
    .await;
    let url = format!("http://127.0.0.1:{}/__sandbox/health", port_of(&app.address));
    // Act
    let get = app.client.get(&url).send().await.unwrap();
    let head = app.client.head(&url).send().await.unwrap();
    let metrics = format!("http://127.0.0.1:{}/__sandbox/metrics", port_of(&app.address));
    let beside = app.client.get(metrics).send().await.unwrap();
    // Assert
    assert_eq!(get.status(), StatusCode::OK);
    assert_eq!(get.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(beside.status(), StatusCode::UNAUTHORIZED, "only the health path is open");
}

#[tokio::test]
async fn build_on_a_public_bind_without_an_admin_token_generates_one_that_is_required() {
    // Arrange
    let settings = Settings { bind: "0.0.0.0:0".into(), admin_token: None, ..Settings::for_tests() };
    // Act
    let app = spawn_app_with(|s| *s = settings).await;
    // Assert
    let token = app.state.settings.admin_token.clone().expect("a token was generated");
    assert!(app.state.settings.admin_token_generated);
    assert!(token.len() >= 32, "{token}");
    let url = format!("http://127.0.0.1:{}/__sandbox/requests", port_of(&app.address));
    let missing = app.client.get(&url).send().await.unwrap();
    let given = app.client.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(given.status(), StatusCode::OK);
}

#[tokio::test]
async fn journal_with_a_non_numeric_limit_is_refused_in_json_naming_the_parameter() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.client.get(app.url("/__sandbox/requests?limit=abc")).send().await.unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/json"), "content-type {content_type}");
    let answer: Value = response.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("limit"), "{answer}");
}

#[tokio::test]
async fn reset_with_an_unknown_query_parameter_is_refused_in_json_naming_it() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.admin_post("/__sandbox/reset?bogus=1", json!({})).await;
    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/json"), "content-type {content_type}");
    let answer: Value = response.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("bogus"), "{answer}");
}

#[tokio::test]
async fn admin_answers_carry_a_request_id_of_their_own_series_and_the_default_scenario() {
    // Arrange
    let app = spawn_app_with(|s| {
        s.bind = "0.0.0.0:0".into();
        s.admin_token = Some("t0k".into());
    })
    .await;
    let admin = |path: &str| app.client.get(app.url(path)).bearer_auth("t0k");
    // Act
    let first_api = app.client.get(app.url("/not/a/jenga/path")).send().await.unwrap();
    let health = admin("/__sandbox/health").send().await.unwrap();
    let unknown = admin("/__sandbox/no-such-thing").send().await.unwrap();
    let refused = app.client.get(app.url("/__sandbox/requests")).send().await.unwrap();
    let second_api = app.client.get(app.url("/not/a/jenga/path")).send().await.unwrap();
    // Assert
    let header = |r: &reqwest::Response, name: &str| r.headers().get(name).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let admin_ids: Vec<_> = [&health, &unknown, &refused].map(|r| header(r, "x-sandbox-request-id")).into();
    assert_eq!(admin_ids, [Some("adm_00000001".into()), Some("adm_00000002".into()), Some("adm_00000003".into())]);
    for response in [&health, &unknown, &refused] {
        assert_eq!(header(response, "x-sandbox-scenario").as_deref(), Some("default"));
    }
    let first: u64 = header(&first_api, "x-sandbox-request-id").unwrap()[4..].parse().unwrap();
    let second: u64 = header(&second_api, "x-sandbox-request-id").unwrap()[4..].parse().unwrap();
    assert_eq!(second, first + 1, "admin calls take no API request id");
}

#[tokio::test]
async fn head_on_the_health_endpoint_answers_200_without_a_body() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.client.head(app.url("/__sandbox/health")).send().await.unwrap();
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_wrong_method_on_an_admin_path_is_405_in_json_naming_the_methods_it_takes() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let wrong_method = app.client.get(app.url("/__sandbox/reset")).send().await.unwrap();
    let two_methods = app.client.put(app.url("/__sandbox/scenarios/armed")).send().await.unwrap();
    let unknown_path = app.client.get(app.url("/__sandbox/no-such-thing")).send().await.unwrap();
    // Assert
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.headers()["allow"], "POST");
    let answer: Value = wrong_method.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("use POST"), "{answer}");
    assert_eq!(two_methods.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(two_methods.headers()["allow"], "GET, DELETE, HEAD");
    assert_eq!(unknown_path.status(), StatusCode::NOT_FOUND);
    let answer: Value = unknown_path.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("no admin endpoint"), "{answer}");
}

#[tokio::test]
async fn sink_on_a_public_bind_accepts_callbacks_without_the_admin_token() {
    // Arrange
    let app = spawn_app_with(|s| {
        s.bind = "0.0.0.0:0".into();
        s.admin_token = Some("t0k".into());
    })
    .await;
    let base = format!("http://127.0.0.1:{}", port_of(&app.address));
    let sink = format!("{base}/__sandbox/sink/public");
    let body = stk_body("PUBSINK00001", "254764555291", &sink);
    let token = app.token().await;
    let pushed = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), None).await;
    assert_eq!(pushed.status(), StatusCode::OK);
    // Act
    let job = wait_until(WAIT, || async {
        let jobs: Value = app
            .client
            .get(format!("{base}/__sandbox/callbacks?reference=PUBSINK00001"))
            .bearer_auth("t0k")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jobs.as_array().unwrap().first().filter(|j| j["state"] == "delivered" || j["state"] == "failed").cloned()
    })
    .await;
    // Assert
    assert_eq!(job["state"], "delivered", "{job}");
    let received: Value = app.client.get(&sink).bearer_auth("t0k").send().await.unwrap().json().await.unwrap();
    assert_eq!(received[0]["body"]["transactionReference"], "PUBSINK00001");
}

#[tokio::test]
async fn metrics_count_requests_per_operation_and_scenario_and_callback_deliveries() {
    // Arrange
    let app = spawn_app().await;
    let body = stk_body("METRICS001", "254764555291", &app.sink_url("metrics"));
    // Act
    assert_eq!(app.stk_push(&body).await.status(), 200);
    wait_until(WAIT, || async {
        let text = app.client.get(app.url("/__sandbox/metrics")).send().await.unwrap().text().await.unwrap();
        text.contains("jenga_sandbox_callbacks_delivered_total 1").then_some(())
    })
    .await;
    let response = app.client.get(app.url("/__sandbox/metrics")).send().await.unwrap();
    // Assert
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(
        text.contains(r#"jenga_sandbox_requests_total{operation="stk_push",scenario="default",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"jenga_sandbox_requests_total{operation="authenticate",scenario="default",status="200"} 1"#)
    );
    assert!(text.contains(r#"jenga_sandbox_request_duration_seconds_count{operation="stk_push""#));
    assert!(text.contains("jenga_sandbox_callbacks_queued 0"), "{text}");
}
