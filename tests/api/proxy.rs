//! Proxy mode, black-box: a sandbox proxying to a stand-in upstream (a second sandbox with
//! scenario files planting known differences, or a wiremock server), and the differences it
//! reports, its forwarding, callbacks, failures and masking.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Rules the upstream answers with, each planting one difference, picked by the payer's number.
const UPSTREAM_PLANTS: &str = r#"
scenarios:
  - name: planted-code
    effects: {stk_push: {response: {fields: {code: 7}}}}
    match: [{operation: stk_push, fields: {payment.mobileNumber: "254711000001"}}]
  - name: planted-message
    effects: {stk_push: {response: {fields: {message: "Accepted for processing"}}}}
    match: [{operation: stk_push, fields: {payment.mobileNumber: "254711000002"}}]
  - name: planted-missing-field
    effects: {stk_push: {response: {fields: {upstreamOnly: "x"}}}}
    match: [{operation: stk_push, fields: {payment.mobileNumber: "254711000003"}}]
  - name: planted-type
    effects: {stk_push: {response: {fields: {status: "true"}}}}
    match: [{operation: stk_push, fields: {payment.mobileNumber: "254711000004"}}]
  - name: planted-status
    effects: {stk_push: {response: {status: 202}}}
    match: [{operation: stk_push, fields: {payment.mobileNumber: "254711000005"}}]
  - name: planted-envelope
    effects: {stk_push: {response: {fields: {response_code: "0"}}}}
    match: [{operation: stk_push, fields: {payment.mobileNumber: "254711000006"}}]
  - name: planted-callback
    effects: {stk_push: {callbacks: [{code: 3, fields: {upstreamNote: "x"}}]}}
    match: [{operation: stk_push, fields: {payment.mobileNumber: "254711000007"}}]
"#;

/// The one difference the sandbox side plants: a field only it answers with.
const SANDBOX_PLANTS: &str = r#"
scenarios:
  - name: planted-extra-field
    effects: {stk_push: {response: {fields: {sandboxOnly: 1}}}}
    match: [{operation: stk_push, fields: {payment.mobileNumber: "254711000008"}}]
"#;

/// A sandbox that also loads `yaml`, and the directory holding it (kept while the app runs).
async fn with_scenarios(yaml: &str, tweak: impl FnOnce(&mut jenga_sandbox::config::Settings)) -> (TestApp, TempDir) {
    let dir = temp_dir();
    write_file(&dir, "plants.yaml", yaml);
    let app = spawn_app_with(|settings| {
        settings.scenarios.push(dir.path().to_path_buf());
        tweak(settings);
    })
    .await;
    (app, dir)
}

/// A proxy in front of `upstream`.
async fn proxy_to(upstream: &str, tweak: impl FnOnce(&mut jenga_sandbox::config::Settings)) -> TestApp {
    let upstream = upstream.to_string();
    spawn_app_with(move |settings| {
        settings.upstream = Some(upstream);
        tweak(settings);
    })
    .await
}

async fn diff(app: &TestApp) -> Value {
    app.admin_get("/__sandbox/diff").await
}

/// (operation, kind, path) of each reported group.
fn groups(diff: &Value) -> BTreeSet<(String, String, String)> {
    let text = |group: &Value, key: &str| group[key].as_str().unwrap().to_string();
    diff["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (text(g, "operation"), text(g, "kind"), text(g, "path")))
        .collect()
}

#[tokio::test]
async fn every_planted_difference_and_only_those_is_reported() {
    // Arrange
    let (upstream, _upstream_plants) = with_scenarios(UPSTREAM_PLANTS, |_| {}).await;
    let upstream_address = upstream.address.clone();
    let (proxy, _sandbox_plants) = with_scenarios(SANDBOX_PLANTS, |s| s.upstream = Some(upstream_address)).await;
    let sink = proxy.sink_url("planted");

    // Act: one push per planted rule, and one that both sides answer alike.
    for n in 1..=9 {
        let body = stk_body(&format!("PLANTED{n:05}"), &format!("2547110000{n:02}"), &sink);
        let response = proxy.stk_push(&body).await;
        assert!(response.status().is_success(), "push {n}: {}", response.status());
    }
    let delivered = proxy.client.get(format!("{sink}?wait_ms=10000&count=9")).send().await.unwrap();
    assert_eq!(delivered.headers()["x-sandbox-wait"], "satisfied", "the upstream's nine callbacks reach the sink");

    // Assert
    let diff = diff(&proxy).await;
    let expected: BTreeSet<(String, String, String)> = [
        ("code", "code"),
        ("message", "message"),
        ("missing_field", "upstreamOnly"),
        ("type", "status"),
        ("status", ""),
        ("envelope", ""),
        ("callback", "callback.upstreamNote"),
        ("extra_field", "sandboxOnly"),
    ]
    .into_iter()
    .map(|(kind, path)| ("stk_push".to_string(), kind.to_string(), path.to_string()))
    .collect();
    assert_eq!(groups(&diff), expected, "{diff:#}");
    assert_eq!(diff["requests"], 18, "nine pushes and their nine sign-ins: {diff}");
    assert_eq!(diff["differing"], 8, "{diff}");
    let status = diff["differences"].as_array().unwrap().iter().find(|g| g["kind"] == "status").unwrap();
    assert_eq!(
        (status["upstream"].as_str(), status["sandbox"].as_str(), status["count"].as_u64()),
        (Some("202"), Some("200"), Some(1))
    );
    assert!(status["example"].as_str().unwrap().starts_with("req_"), "{status}");
    let example = status["example"].as_str().unwrap();
    let entry = &proxy
        .admin_get("/__sandbox/requests?operation=stk_push")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == example)
        .cloned()
        .unwrap();
    assert_eq!(entry["response"]["status"], 202, "the journal holds the upstream's answer: {entry}");
    assert_eq!(entry["sandboxResponse"]["status"], 200, "{entry}");
    assert_eq!(entry["diff"], json!([{"kind": "status", "path": "", "upstream": "202", "sandbox": "200"}]));
    let metrics = proxy.client.get(proxy.url("/__sandbox/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("jenga_sandbox_proxy_requests_total 18"), "{metrics}");
    assert!(
        metrics.contains("jenga_sandbox_proxy_differences_total{operation=\"stk_push\",kind=\"callback\"} 1"),
        "{metrics}"
    );
    // The sandbox's side sent nothing and booked nothing.
    assert_eq!(proxy.admin_get("/__sandbox/callbacks").await, json!([]));
    assert_eq!(proxy.admin_get("/__sandbox/transactions").await, json!([]));
    assert_eq!(upstream.admin_get("/__sandbox/transactions").await.as_array().unwrap().len(), 9);
}

#[tokio::test]
async fn answers_that_agree_in_shape_are_journaled_with_an_empty_diff_in_both_generations() {
    // Arrange
    let upstream = spawn_app().await;
    let proxy = proxy_to(&upstream.address, |_| {}).await;

    // Act
    let balance =
        proxy.get_signed("/v3-apis/account-api/v3.0/accounts/balances/KE/0170194290581", "KE0170194290581", None).await;
    let v2_token = proxy.v2_token().await;
    let v2 = proxy
        .client
        .get(proxy.url("/account-test/v2/accounts/balances/KE/0170194290581"))
        .bearer_auth(&v2_token)
        .header("signature", sign("KE0170194290581"))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(balance.status(), StatusCode::OK);
    assert_eq!(v2.status(), StatusCode::OK, "the upstream's v2 token works through the proxy");
    let diff = diff(&proxy).await;
    assert_eq!((diff["requests"].as_u64(), diff["differing"].as_u64()), (Some(4), Some(0)), "{diff:#}");
    let journal = proxy.admin_get("/__sandbox/requests").await;
    let entries = journal.as_array().unwrap();
    assert_eq!(entries.len(), 4);
    for entry in entries {
        assert_eq!(entry["diff"], json!([]), "{entry}");
        assert!(entry["upstream"].as_str().unwrap().starts_with(&upstream.address), "{entry}");
    }
}

#[tokio::test]
async fn a_merchant_only_the_upstream_knows_is_compared_as_the_default_merchant() {
    // Arrange: the upstream knows merchant 5550001111 and its own key; the proxy knows neither.
    let upstream = spawn_app().await;
    let (private, public) = jenga_sandbox::crypto::generate_pair().unwrap();
    let private = jenga_sandbox::crypto::parse_private_key(&private).unwrap();
    let spec = json!({"name": "Elsewhere", "apiKey": "ELSEWHERE-KEY", "consumerSecret": "elsewhere-secret",
                      "publicKey": public,
                      "accounts": [{"number": ACCOUNT, "currency": "KES", "name": "Elsewhere", "balance": "1000.00"}]});
    assert!(upstream.put_merchant("5550001111", spec).await.status().is_success());
    let proxy = proxy_to(&upstream.address, |_| {}).await;

    // Act
    let token = proxy.token_for("ELSEWHERE-KEY", "5550001111", "elsewhere-secret").await;
    assert_eq!(token.status(), StatusCode::OK);
    let token: Value = token.json().await.unwrap();
    let body = stk_body("ELSEWHERE001", "254711000009", &upstream.sink_url("elsewhere"));
    let signature = jenga_sandbox::crypto::sign_sha256(&private, stk_canonical(&body).as_bytes());
    let push = proxy.stk_push_with(&body, token["accessToken"].as_str().unwrap(), Some(&signature), None).await;

    // Assert
    assert_eq!(push.status(), StatusCode::OK);
    let diff = diff(&proxy).await;
    assert_eq!(diff["differing"], 0, "{diff:#}");
    assert_eq!(proxy.admin_get("/__sandbox/merchants").await.as_array().unwrap().len(), 1, "nothing registered");
}

#[tokio::test]
async fn requests_and_answers_pass_through_unchanged() {
    // Arrange: the upstream answers only the exact request, with its own status, header and body.
    let upstream = MockServer::start().await;
    let answer = r#"{"status":true,"code":0,"message":"success","data":{"balances":[]},"upstreamExtra":1}"#;
    Mock::given(method("POST"))
        .and(path("/v3-apis/transaction-api/v3.0/bills/validation"))
        .and(query_param("trace", "yes"))
        .and(header("x-custom", "kept"))
        .and(header("signature", "SIG=="))
        .and(header("authorization", "Bearer upstream-token"))
        .and(body_string(r#"{"billerCode":"320320","customerRefNumber":"1234"}"#))
        .respond_with(
            ResponseTemplate::new(201).insert_header("x-upstream", "here").set_body_raw(answer, "application/json"),
        )
        .expect(1)
        .mount(&upstream)
        .await;
    let proxy = proxy_to(&upstream.uri(), |_| {}).await;

    // Act
    let response = proxy
        .client
        .post(proxy.url("/v3-apis/transaction-api/v3.0/bills/validation?trace=yes"))
        .header("x-custom", "kept")
        .header("signature", "SIG==")
        .header("authorization", "Bearer upstream-token")
        .header("content-type", "application/json")
        .body(r#"{"billerCode":"320320","customerRefNumber":"1234"}"#)
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["x-upstream"], "here");
    assert!(response.headers().get("x-sandbox-request-id").is_none(), "the upstream's headers only");
    assert_eq!(response.text().await.unwrap(), answer);
    upstream.verify().await;
    let diff = diff(&proxy).await;
    assert!(
        groups(&diff).contains(&("bill_validation".into(), "status".into(), "".into())),
        "the token is not one the sandbox paired, so it answers 401: {diff:#}"
    );
}

#[tokio::test]
async fn an_upstream_that_refuses_connections_is_a_502_in_the_envelope_called() {
    // Arrange: a port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let proxy = proxy_to(&address, |_| {}).await;

    // Act
    let v3 = proxy.token_for(API_KEY, MERCHANT, SECRET).await;
    let v2 = proxy
        .client
        .post(proxy.url("/identity-test/v2/token"))
        .header("Authorization", format!("Basic {API_KEY}"))
        .form(&[("username", MERCHANT), ("password", SECRET)])
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(v3.status(), StatusCode::BAD_GATEWAY);
    let v3: Value = v3.json().await.unwrap();
    assert_eq!((v3["status"].as_bool(), v3["code"].as_i64()), (Some(false), Some(502)), "{v3}");
    assert!(v3["message"].as_str().unwrap().contains("could not connect"), "{v3}");
    assert_eq!(v2.status(), StatusCode::BAD_GATEWAY);
    let v2: Value = v2.json().await.unwrap();
    assert_eq!(v2["response_code"], "502", "{v2}");
    let diff = diff(&proxy).await;
    assert_eq!(groups(&diff), BTreeSet::from([("authenticate".into(), "upstream_error".into(), "".into())]));
    assert_eq!(diff["differences"][0]["count"], 2);
}

#[tokio::test]
async fn a_slow_upstream_is_a_504_and_a_page_that_is_not_json_is_passed_on() {
    // Arrange
    let upstream = MockServer::start().await;
    Mock::given(path("/v3-apis/transaction-api/v3.0/billers"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .mount(&upstream)
        .await;
    Mock::given(path("/v3-apis/transaction-api/v3.0/merchants"))
        .respond_with(ResponseTemplate::new(502).set_body_raw("<html>Bad Gateway</html>", "text/html"))
        .mount(&upstream)
        .await;
    let proxy = proxy_to(&upstream.uri(), |s| s.upstream_timeout_ms = 300).await;
    let token = "upstream-token";

    // Act
    let slow =
        proxy.client.get(proxy.url("/v3-apis/transaction-api/v3.0/billers")).bearer_auth(token).send().await.unwrap();
    let html =
        proxy.client.get(proxy.url("/v3-apis/transaction-api/v3.0/merchants")).bearer_auth(token).send().await.unwrap();

    // Assert
    assert_eq!(slow.status(), StatusCode::GATEWAY_TIMEOUT);
    let slow: Value = slow.json().await.unwrap();
    assert_eq!(slow["code"], 504, "{slow}");
    assert_eq!(html.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(html.headers()["content-type"], "text/html");
    assert_eq!(html.text().await.unwrap(), "<html>Bad Gateway</html>");
    let kinds: BTreeSet<(String, String, String)> = groups(&diff(&proxy).await);
    assert!(kinds.contains(&("billers".into(), "upstream_error".into(), "".into())), "{kinds:?}");
    assert!(kinds.contains(&("eazzypay_merchants".into(), "upstream_error".into(), "".into())), "{kinds:?}");
}

#[tokio::test]
async fn credentials_and_signatures_never_show_in_the_journal_of_a_proxied_request() {
    // Arrange
    let upstream = spawn_app().await;
    let proxy = proxy_to(&upstream.address, |_| {}).await;

    // Act
    let token = proxy.token().await;
    let body = stk_body("MASKED000001", "254711000009", &upstream.sink_url("masked"));
    let signature = sign(&stk_canonical(&body));
    let push = proxy.stk_push_with(&body, &token, Some(&signature), None).await;
    assert_eq!(push.status(), StatusCode::OK);

    // Assert
    let journal = proxy.client.get(proxy.url("/__sandbox/requests")).send().await.unwrap().text().await.unwrap();
    for secret in [SECRET, &token, &signature, API_KEY] {
        assert!(!journal.contains(secret), "{secret} shows in the journal: {journal}");
    }
    assert!(journal.contains("(masked, "), "{journal}");
}

/// What the upstream answers the payer 254722000001: a refusal carrying a credential-named field.
const RECORD_PLANTS: &str = r#"
scenarios:
  - name: planted-refusal
    effects: {stk_push: {response: {status: 409, fields: {code: 9, message: "Declined upstream", accessToken: "tok-secret-123456"}}}}
    match: [{operation: stk_push, fields: {payment.mobileNumber: "254722000001"}}]
"#;

#[tokio::test]
async fn a_recorded_answer_is_replayed_offline_with_its_secrets_masked() {
    // Arrange
    let (upstream, _plants) = with_scenarios(RECORD_PLANTS, |_| {}).await;
    let dir = temp_dir();
    let recording = dir.path().to_path_buf();
    let proxy = proxy_to(&upstream.address, move |s| s.record = Some(recording)).await;
    let sink = upstream.sink_url("recorded");
    let balance_path = "/v3-apis/account-api/v3.0/accounts/balances/KE/0170194290581";

    // Act: the refusal twice (one recording), and a balance.
    let refused = proxy.stk_push(&stk_body("RECORD000001", "254722000001", &sink)).await;
    let (refused_status, refused_body) = (refused.status(), refused.json::<Value>().await.unwrap());
    let again = proxy.stk_push(&stk_body("RECORD000002", "254722000001", &sink)).await;
    assert_eq!(again.status(), refused_status);
    let balance = proxy.get_signed(balance_path, "KE0170194290581", None).await.json::<Value>().await.unwrap();

    // Assert: one file per distinct answer, none for the sign-ins, no secret in any.
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    let text: String = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    assert!(!text.contains("tok-secret-123456"), "{text}");
    let matched = text.lines().filter(|line| line.trim_start().starts_with("fields:"));
    assert!(matched.clone().all(|line| !line.contains("RECORD00000")), "references are not matched on: {text}");
    assert!(matched.clone().any(|line| line.contains("\"payment.mobileNumber\":\"254722000001\"")), "{text}");
    let loaded =
        jenga_sandbox::scenario::load::load(&[dir.path().to_path_buf()], false, jenga_sandbox::startup::operations())
            .expect("the recording loads");
    assert_eq!(loaded.scenarios.len(), 22 + 2, "the embedded set and the two recordings");

    // Replay: a sandbox serving the recording, no upstream.
    let replay = spawn_app_with(|s| s.scenarios.push(dir.path().to_path_buf())).await;
    let replayed = replay.stk_push(&stk_body("REPLAY000001", "254722000001", &replay.sink_url("replay"))).await;
    assert_eq!(replayed.status(), refused_status);
    assert!(replayed.headers()["x-sandbox-scenario"].to_str().unwrap().starts_with("recorded-stk_push-"));
    let mut expected = refused_body;
    jenga_sandbox::secrets::mask_json(&mut expected);
    assert_eq!(replayed.json::<Value>().await.unwrap(), expected);
    assert_eq!(replay.admin_get("/__sandbox/transactions").await, json!([]), "the operation did not run");
    let replayed_balance = replay.get_signed(balance_path, "KE0170194290581", None).await;
    assert!(replayed_balance.headers()["x-sandbox-scenario"]
        .to_str()
        .unwrap()
        .starts_with("recorded-account_balance-"));
    assert_eq!(replayed_balance.json::<Value>().await.unwrap(), balance);
    let other_payer = replay.stk_push(&stk_body("REPLAY000002", "254722000002", &replay.sink_url("replay"))).await;
    assert_eq!(other_payer.status(), StatusCode::OK, "another payer is not matched");
}

#[tokio::test]
async fn an_upstream_that_fails_the_tls_handshake_is_a_502_and_an_upstream_error() {
    // Arrange: https to a server that speaks plain HTTP.
    let plain = MockServer::start().await;
    let https = plain.uri().replacen("http://", "https://", 1);
    let proxy = proxy_to(&https, |_| {}).await;

    // Act
    let response = proxy.token_for(API_KEY, MERCHANT, SECRET).await;

    // Assert
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 502, "{body}");
    let diff = diff(&proxy).await;
    assert_eq!(groups(&diff), BTreeSet::from([("authenticate".into(), "upstream_error".into(), "".into())]));
    assert!(plain.received_requests().await.unwrap().is_empty(), "no request got through in the clear");
}

#[test]
fn proxy_without_an_upstream_or_with_a_bad_one_fails_saying_what_to_give() {
    // Arrange
    let dir = temp_dir();
    // Act
    let missing = crate::cli::run(dir.path(), &["proxy", "--bind", "127.0.0.1:0"]);
    let bad = crate::cli::run(dir.path(), &["proxy", "--upstream", "ftp://uat.example", "--bind", "127.0.0.1:0"]);
    // Assert
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--upstream URL"), "{missing:?}");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an http or https URL"), "{bad:?}");
}
