//! Parallel test workers, each with a merchant of its own, never see one another's time,
//! callbacks or ids: per-merchant clocks, merchant-scoped sink names, and ids derived from the
//! seed and the merchant.

use crate::helpers::*;
use jenga_sandbox::crypto::fixtures;
use reqwest::StatusCode;
use serde_json::{json, Value};

const NOON: &str = "2026-01-31T12:00:00Z";

/// A test worker: a merchant registered for it alone (signing with the fixture key), with one account.
pub struct Worker<'a> {
    pub app: &'a TestApp,
    pub code: String,
    pub account: String,
}

impl<'a> Worker<'a> {
    /// Registers merchant `code` with account `account` (KES 1,000.00).
    pub async fn register(app: &'a TestApp, code: &str, account: &str) -> Worker<'a> {
        let response = app
            .put_merchant(
                code,
                json!({
                    "name": format!("Worker {code}"),
                    "apiKey": format!("KEY-{code}"),
                    "consumerSecret": format!("secret-{code}"),
                    "publicKey": fixtures::MERCHANT_PUBLIC_PEM,
                    "accounts": [{"number": account, "currency": "KES", "countryCode": "KE",
                                  "name": format!("Worker {code}"), "balance": "1000.00"}],
                }),
            )
            .await;
        assert!(response.status().is_success(), "{}", response.text().await.unwrap());
        Worker { app, code: code.into(), account: account.into() }
    }

    /// The token call's answer.
    pub async fn token_answer(&self) -> Value {
        let response =
            self.app.token_for(&format!("KEY-{}", self.code), &self.code, &format!("secret-{}", self.code)).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn token(&self) -> String {
        self.token_answer().await["accessToken"].as_str().unwrap().to_string()
    }

    /// A signed STK push (Equitel) from this worker's account, with `token`.
    pub async fn stk_push(&self, token: &str, reference: &str, callback_url: &str) -> reqwest::Response {
        self.stk_push_via(token, reference, "Equitel", callback_url).await
    }

    /// A signed STK push through `telco` from this worker's account, with `token`.
    pub async fn stk_push_via(
        &self,
        token: &str,
        reference: &str,
        telco: &str,
        callback_url: &str,
    ) -> reqwest::Response {
        let mut body = stk_body(reference, "254765555136", callback_url);
        body["merchant"]["accountNumber"] = json!(self.account);
        body["payment"]["telco"] = json!(telco);
        self.app.stk_push_with(&body, token, Some(&sign(&stk_canonical(&body))), None).await
    }

    /// `path` with `?merchant=` (or `&merchant=`) this worker's code.
    pub fn scoped(&self, path: &str) -> String {
        let joint = if path.contains('?') { '&' } else { '?' };
        format!("{path}{joint}merchant={}", self.code)
    }

    pub async fn clock(&self) -> Value {
        self.app.admin_get(&self.scoped("/__sandbox/clock")).await
    }

    pub async fn set_clock(&self, body: Value) -> reqwest::Response {
        self.app.client.put(self.app.url(&self.scoped("/__sandbox/clock"))).json(&body).send().await.unwrap()
    }

    /// This worker's own sink name `name`: `/__sandbox/sink/CODE/NAME`.
    pub fn sink_path(&self, name: &str) -> String {
        format!("/__sandbox/sink/{}/{name}", self.code)
    }

    pub async fn advance_clock(&self, seconds: u64) -> reqwest::Response {
        self.app.admin_post(&self.scoped("/__sandbox/clock/advance"), json!({"seconds": seconds})).await
    }
}

/// Two workers, A and B, on one sandbox.
async fn two_workers(app: &TestApp) -> (Worker<'_>, Worker<'_>) {
    let a = Worker::register(app, "7100000001", "7100000000001").await;
    let b = Worker::register(app, "7200000002", "7200000000002").await;
    (a, b)
}

#[tokio::test]
async fn a_worker_that_freezes_its_clock_sees_its_time_everywhere_and_the_other_worker_sees_real_time() {
    // Arrange
    let app = spawn_app().await;
    let (a, b) = two_workers(&app).await;
    // Act
    let set = a.set_clock(json!({"now": NOON, "frozen": true})).await;
    let a_token = a.token_answer().await;
    let b_token = b.token_answer().await;
    let a_push = a.stk_push(a_token["accessToken"].as_str().unwrap(), "AFROZEN00001", &app.sink_url("a-clock")).await;
    let b_push = b.stk_push(b_token["accessToken"].as_str().unwrap(), "BREALTIME001", &app.sink_url("b-clock")).await;
    // Assert
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(a_push.status(), StatusCode::OK);
    assert_eq!(b_push.status(), StatusCode::OK);
    assert_eq!(a.clock().await["now"], "2026-01-31T12:00:00.000Z");
    assert_eq!(b.clock().await["frozen"], false);
    assert_eq!(app.admin_get("/__sandbox/clock").await["frozen"], false, "the shared clock is untouched");
    assert_eq!(a_token["issuedAt"], NOON);
    assert_ne!(b_token["issuedAt"], NOON);
    let received = |name: &'static str| {
        let app = &app;
        async move {
            wait_until(WAIT, || async {
                let sink = app.sink(name).await;
                (!sink.is_empty()).then(|| sink[0].to_string())
            })
            .await
        }
    };
    let (a_callback, b_callback) = (received("a-clock").await, received("b-clock").await);
    assert!(a_callback.contains("2026-01-31"), "{a_callback}");
    assert!(!b_callback.contains("2026-01-31"), "{b_callback}");
    let a_journal = app.admin_get(&a.scoped("/__sandbox/requests")).await.to_string();
    let b_journal = app.admin_get(&b.scoped("/__sandbox/requests")).await.to_string();
    assert!(a_journal.contains("\"time\":\"2026-01-31T12:00:00.000Z\""), "{a_journal}");
    assert!(!b_journal.contains("2026-01-31"), "{b_journal}");
    let a_transactions = app.admin_get(&a.scoped("/__sandbox/transactions")).await;
    let b_transactions = app.admin_get(&b.scoped("/__sandbox/transactions")).await;
    assert_eq!(a_transactions[0]["createdAt"], "2026-01-31T12:00:00.000Z");
    assert_ne!(b_transactions[0]["createdAt"], "2026-01-31T12:00:00.000Z");
    let a_job = app.admin_get(&a.scoped("/__sandbox/callbacks")).await;
    assert_eq!(a_job[0]["createdAt"], "2026-01-31T12:00:00.000Z", "{a_job}");
}

#[tokio::test]
async fn advancing_one_workers_clock_expires_its_token_and_not_the_other_workers() {
    // Arrange
    let app = spawn_app().await;
    let (a, b) = two_workers(&app).await;
    let (a_token, b_token) = (a.token().await, b.token().await);
    // Act
    let advanced = a.advance_clock(901).await;
    let a_push = a.stk_push(&a_token, "AEXPIRED0001", &app.sink_url("a-expiry")).await;
    let b_push = b.stk_push(&b_token, "BSTILLOK0001", &app.sink_url("b-expiry")).await;
    // Assert
    assert_eq!(advanced.status(), StatusCode::OK);
    assert_eq!(a_push.status(), StatusCode::UNAUTHORIZED, "{}", a_push.text().await.unwrap());
    assert_eq!(b_push.status(), StatusCode::OK, "{}", b_push.text().await.unwrap());
    assert_eq!(b.clock().await["offsetMs"], 0);
    assert!(a.clock().await["offsetMs"].as_i64().unwrap() >= 901_000);
}

#[tokio::test]
async fn a_clock_set_for_every_merchant_overrides_a_merchants_own_and_a_merchant_reset_returns_it_to_real_time() {
    // Arrange
    let app = spawn_app().await;
    let (a, b) = two_workers(&app).await;
    a.set_clock(json!({"now": "2030-01-01T00:00:00Z", "frozen": true})).await;
    // Act
    let every =
        app.client.put(app.url("/__sandbox/clock")).json(&json!({"now": NOON, "frozen": true})).send().await.unwrap();
    // Assert
    assert_eq!(every.status(), StatusCode::OK);
    assert_eq!(a.clock().await["now"], "2026-01-31T12:00:00.000Z");
    assert_eq!(b.clock().await["now"], "2026-01-31T12:00:00.000Z");
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 60})).await;
    a.advance_clock(60).await;
    assert_eq!(a.clock().await["now"], "2026-01-31T12:02:00.000Z");
    assert_eq!(b.clock().await["now"], "2026-01-31T12:01:00.000Z");
    let reset = app.admin_post(&a.scoped("/__sandbox/reset"), json!({})).await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(a.clock().await["frozen"], false);
    assert_eq!(a.clock().await["offsetMs"], 0);
    assert_eq!(b.clock().await["frozen"], true, "a merchant's reset leaves the others' clocks");
    app.admin_post("/__sandbox/reset", json!({})).await;
    assert_eq!(b.clock().await["frozen"], false);
}

#[tokio::test]
async fn the_clock_calls_answer_404_for_a_merchant_that_does_not_exist() {
    let app = spawn_app().await;
    let ghost = "/__sandbox/clock?merchant=4040404040";
    let get = app.client.get(app.url(ghost)).send().await.unwrap();
    let put = app.client.put(app.url(ghost)).json(&json!({"frozen": true})).send().await.unwrap();
    let advance = app.admin_post("/__sandbox/clock/advance?merchant=4040404040", json!({"seconds": 5})).await;
    for response in [get, put, advance] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("4040404040"), "{body}");
    }
    assert_eq!(app.admin_get("/__sandbox/clock").await["frozen"], false);
}

/// Worker A's requests (with B's interleaved when `with_b`) on a fresh sandbox with the default
/// seed; returns what A was given that the sandbox generated: its refresh tokens, answers, callback
/// job ids and bodies (M-Pesa receipts among them) and journal ids.
async fn worker_a_ids(with_b: bool) -> Vec<String> {
    let app = spawn_app().await;
    let (a, b) = two_workers(&app).await;
    a.set_clock(json!({"now": NOON, "frozen": true})).await;
    let mut seen = Vec::new();
    for n in 1..=3 {
        if with_b {
            let token = b.token().await;
            let push = b.stk_push_via(&token, &format!("BNOISE{n:06}"), "Safaricom", &app.sink_url("b-ids")).await;
            assert_eq!(push.status(), StatusCode::OK);
        }
        let token = a.token_answer().await;
        seen.push(token["refreshToken"].to_string());
        let access = token["accessToken"].as_str().unwrap();
        let push = a.stk_push_via(access, &format!("AIDS{n:08}"), "Safaricom", &app.sink_url("a-ids")).await;
        assert_eq!(push.status(), StatusCode::OK);
        seen.push(push.text().await.unwrap());
    }
    let jobs = app.admin_get(&a.scoped("/__sandbox/callbacks?status=delivered&count=3&wait_ms=10000")).await;
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 3);
    seen.extend(jobs.iter().map(|job| format!("{} {}", job["id"], job["body"])));
    let journal = app.admin_get(&a.scoped("/__sandbox/requests")).await;
    seen.extend(journal.as_array().unwrap().iter().map(|entry| entry["id"].to_string()));
    seen
}

#[tokio::test]
async fn another_workers_traffic_interleaved_with_a_workers_leaves_the_workers_ids_as_they_were_alone() {
    let alone = worker_a_ids(false).await;
    let interleaved = worker_a_ids(true).await;
    assert_eq!(alone, interleaved);
    assert!(alone.iter().any(|seen| seen.contains("telcoReference")), "{alone:?}");
}

#[tokio::test]
async fn each_worker_waiting_on_its_own_sink_name_sees_only_its_own_callbacks() {
    // Arrange: both workers use the same name, each under its merchant.
    let app = spawn_app().await;
    let (a, b) = two_workers(&app).await;
    let (a_token, b_token) = (a.token().await, b.token().await);
    // Act
    let a_push = a.stk_push(&a_token, "ASINKSCOPE01", &app.url(&a.sink_path("results"))).await;
    let b_push = b.stk_push(&b_token, "BSINKSCOPE01", &app.url(&b.sink_path("results"))).await;
    let posted = app.admin_post(&b.sink_path("results"), json!({"by": "hand"})).await;
    // Assert
    assert_eq!((a_push.status(), b_push.status(), posted.status()), (StatusCode::OK, StatusCode::OK, StatusCode::OK));
    let a_seen = app.admin_get(&format!("{}?count=1&wait_ms=10000", a.sink_path("results"))).await;
    let b_seen = app.admin_get(&format!("{}?count=2&wait_ms=10000", b.sink_path("results"))).await;
    let a_seen = a_seen.as_array().unwrap();
    let b_seen = b_seen.as_array().unwrap();
    assert_eq!(a_seen.len(), 1, "{a_seen:?}");
    assert_eq!(a_seen[0]["body"]["transactionReference"], "ASINKSCOPE01");
    assert_eq!(b_seen.len(), 2, "{b_seen:?}");
    assert!(b_seen.iter().all(|entry| entry["body"]["transactionReference"] != "ASINKSCOPE01"), "{b_seen:?}");
    assert!(app.sink("results").await.is_empty(), "the plain name is another name");
}

#[tokio::test]
async fn a_merchant_reset_clears_that_merchants_sink_names_only() {
    // Arrange
    let app = spawn_app().await;
    let (a, b) = two_workers(&app).await;
    for path in [a.sink_path("kept"), b.sink_path("kept"), "/__sandbox/sink/kept".to_string()] {
        assert_eq!(app.admin_post(&path, json!({"at": path})).await.status(), StatusCode::OK);
    }
    // Act
    let reset = app.admin_post(&a.scoped("/__sandbox/reset"), json!({})).await;
    // Assert
    assert_eq!(reset.status(), StatusCode::OK);
    assert!(app.admin_get(&a.sink_path("kept")).await.as_array().unwrap().is_empty());
    assert_eq!(app.admin_get(&b.sink_path("kept")).await.as_array().unwrap().len(), 1);
    assert_eq!(app.sink("kept").await.len(), 1);
}
