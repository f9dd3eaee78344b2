//! Stopping and starting again: callbacks delivered on SIGTERM, state kept across restarts and kills.

use super::*;

/// A real local callback receiver that answers every POST with 200.
async fn receiver_answering_200() -> wiremock::MockServer {
    let receiver = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    receiver
}

#[tokio::test]
async fn sigterm_delivers_queued_callbacks_before_the_server_stops() {
    // Arrange: callbacks are due in ten minutes; the receiver is a real local server.
    let receiver = receiver_answering_200().await;
    let dir = temp_dir();
    let config = write_file(&dir, "sandbox.yaml", "bind: 127.0.0.1:0\ncallbacks:\n  first_delay_ms: 600000\n");
    let mut command = command(dir.path());
    command.args(["serve", "--config", config.to_str().unwrap()]);
    let (server, line) = start_server(command);
    let address = listening_address(&line);
    let client = test_client();
    let token = v3_token(&client, &address).await;
    let body = stk_body("SHUTDOWN01", "254764555291", &format!("{}/callback", receiver.uri()));
    let pushed = client
        .post(format!("{address}{STK_PATH}"))
        .bearer_auth(token)
        .header("Signature", sign(&stk_canonical(&body)))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), 200);
    assert!(receiver.received_requests().await.unwrap().is_empty(), "not due yet");
    // Act (blocking waits run off the runtime, which also serves the receiver)
    let status = tokio::task::spawn_blocking(move || terminate(server)).await.unwrap();
    // Assert
    assert!(status.success(), "{status}");
    let received = receiver.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "the queued callback was delivered at shutdown");
    let callback: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(callback["transactionReference"], "SHUTDOWN01");
}

/// A running sandbox with `--state FILE` in `dir`, and a client for it.
struct Stateful {
    server: Server,
    address: String,
    client: reqwest::Client,
}

impl Stateful {
    fn start(dir: &TempDir, extra: &[&str]) -> Self {
        let mut command = command(dir.path());
        command.args(["serve", "--bind", "127.0.0.1:0", "--state", "state.json"]).args(extra);
        let (server, line) = start_server(command);
        Self { server, address: listening_address(&line), client: test_client() }
    }

    async fn token(&self) -> String {
        v3_token(&self.client, &self.address).await
    }

    /// A within-Equity transfer of 25.00 with `reference`; returns the HTTP status and body.
    async fn transfer(&self, reference: &str) -> (u16, Value) {
        let body = serde_json::json!({
            "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": "0020100014605"},
            "destination": {"type": "bank", "countryCode": "KE", "name": "Tom Doe", "accountNumber": "1100194977404"},
            "transfer": {"type": "InternalFundsTransfer", "amount": "25.00", "currencyCode": "KES",
                         "reference": reference, "date": "2023-10-13", "description": "persisted"}
        });
        let response = self
            .client
            .post(format!("{}/v3-apis/transaction-api/v3.0/remittance/internalBankTransfer", self.address))
            .bearer_auth(self.token().await)
            .header("Signature", sign(&format!("002010001460525.00KES{reference}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// A signed STK push with `reference`, its callbacks to `url`, decided by `scenario`.
    async fn stk_push(&self, reference: &str, url: &str, scenario: &str) {
        let body = stk_body(reference, "254764555291", url);
        let response = self
            .client
            .post(format!("{}{STK_PATH}", self.address))
            .bearer_auth(self.token().await)
            .header("Signature", sign(&stk_canonical(&body)))
            .header("X-Sandbox-Scenario", scenario)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{reference}");
    }

    /// `POST /__sandbox/clock/advance` by `seconds`, for every merchant or `?merchant=CODE`.
    async fn advance_clock(&self, merchant: Option<&str>, seconds: i64) {
        let query = merchant.map(|code| format!("?merchant={code}")).unwrap_or_default();
        let response = self
            .client
            .post(format!("{}/__sandbox/clock/advance{query}", self.address))
            .json(&serde_json::json!({ "seconds": seconds }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "advance by {seconds} s");
    }

    /// `GET /__sandbox/PATH`, as JSON.
    async fn admin_get(&self, path: &str) -> Value {
        self.client.get(format!("{}/__sandbox/{path}", self.address)).send().await.unwrap().json().await.unwrap()
    }

    async fn balance(&self, account: &str) -> String {
        let accounts = self.admin_get("accounts").await;
        let entry = accounts.as_array().unwrap().iter().find(|a| a["number"] == account).cloned().unwrap();
        entry["balance"].as_str().unwrap().to_string()
    }

    /// The v3 transaction details of `reference`: the HTTP status and body.
    async fn transaction_details(&self, reference: &str) -> (u16, Value) {
        let path = format!("/v3-apis/transaction-api/v3.0/transactions/details/{reference}");
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .bearer_auth(self.token().await)
            .header("Signature", sign(reference))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// Waits until the periodic save holds `text`, then kills the server without warning.
    async fn kill_9_once_saved(self, dir: &TempDir, text: &str) {
        let state_file = dir.path().join("state.json");
        wait_until(WAIT, || async {
            std::fs::read_to_string(&state_file).ok().filter(|t| t.contains(text)).map(|_| ())
        })
        .await;
        let mut server = self.server;
        server.0.kill().unwrap();
        server.0.wait().unwrap();
    }

    async fn stop(self) {
        let status = tokio::task::spawn_blocking(move || terminate(self.server)).await.unwrap();
        assert!(status.success(), "{status}");
    }
}

#[tokio::test]
async fn state_survives_a_graceful_restart() {
    // Arrange
    let dir = temp_dir();
    let first = Stateful::start(&dir, &[]);
    let (status, _) = first.transfer("700000000001").await;
    assert_eq!(status, 200);
    first.advance_clock(None, 3600).await;
    let created = first
        .client
        .put(format!("{}/__sandbox/merchants/5555555555", first.address))
        .json(&serde_json::json!({"name": "Second Shop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    first.advance_clock(Some("5555555555"), 172_800).await;
    let clock_before = first.admin_get("clock").await;
    let merchant_clock_before = first.admin_get("clock?merchant=5555555555").await;
    first.stop().await;
    // Act
    let second = Stateful::start(&dir, &[]);
    // Assert
    assert_eq!(second.balance("0020100014605").await, "999975.00", "the debit survived");
    assert_eq!(second.balance("1100194977404").await, "100025.00", "the credit survived");
    let (status, body) = second.transfer("700000000001").await;
    assert_eq!((status, body["code"].clone()), (400, serde_json::json!(400101)), "the reference is still used");
    let merchants = second.admin_get("merchants").await;
    assert!(merchants.to_string().contains("5555555555"), "{merchants}");
    let clock_after = second.admin_get("clock").await;
    assert!(clock_after["offsetMs"].as_i64() >= clock_before["offsetMs"].as_i64(), "{clock_before} {clock_after}");
    let merchant_clock_after = second.admin_get("clock?merchant=5555555555").await;
    assert_eq!(
        merchant_clock_after["offsetMs"], merchant_clock_before["offsetMs"],
        "the merchant's own clock survived: {merchant_clock_before} {merchant_clock_after}"
    );
    assert!(merchant_clock_after["offsetMs"].as_i64().unwrap() >= 172_800_000, "{merchant_clock_after}");
    let (status, _) = second.transaction_details("700000000001").await;
    assert_eq!(status, 200, "the transaction survived");
    second.stop().await;
}

#[tokio::test]
async fn state_saved_periodically_survives_kill_9() {
    let dir = temp_dir();
    let config = write_file(&dir, "sandbox.yaml", "state_interval_secs: 1\n");
    let first = Stateful::start(&dir, &["--config", config.to_str().unwrap()]);
    let (status, _) = first.transfer("700000000002").await;
    assert_eq!(status, 200);
    first.kill_9_once_saved(&dir, "700000000002").await;
    let second = Stateful::start(&dir, &[]);
    assert_eq!(second.balance("0020100014605").await, "999975.00");
    second.stop().await;
}

#[tokio::test]
async fn queued_callbacks_keep_their_fault_modes_across_a_kill_9() {
    // Arrange: the scenarios exist only for the first process; callbacks are due in ten minutes.
    let receiver = receiver_answering_200().await;
    let dir = temp_dir();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    let scenarios = write_file(
        &dir,
        "scenarios/faults.yaml",
        "scenarios:\n  - name: broken\n    effects:\n      stk_push: {faults: [malformed_body]}\n  - name: twice\n    effects:\n      stk_push:\n        faults: [duplicate]\n        callbacks: [{code: 0}, {code: 3, after_ms: 0}]\n",
    );
    let config = write_file(&dir, "sandbox.yaml", "state_interval_secs: 1\ncallbacks:\n  first_delay_ms: 600000\n");
    let first = Stateful::start(&dir, &["--config", config.to_str().unwrap()]);
    let url = format!("{}/callback", receiver.uri());
    first.stk_push("FAULTKEPT1", &url, "broken").await;
    first.stk_push("FAULTKEPT2", &url, "twice").await;
    first.kill_9_once_saved(&dir, "FAULTKEPT2").await;
    std::fs::remove_file(scenarios).unwrap();
    // Act
    let second = Stateful::start(&dir, &[]);
    second.advance_clock(None, 600).await;
    // Assert: 1 cut-short body, and both steps of the duplicated sequence twice.
    let bodies: Vec<String> = wait_until(WAIT, || async {
        let received = receiver.received_requests().await.unwrap_or_default();
        (received.len() >= 5).then(|| received.iter().map(|r| String::from_utf8_lossy(&r.body).into_owned()).collect())
    })
    .await;
    let broken: Vec<&String> = bodies.iter().filter(|b| b.contains("FAULTKEPT1")).collect();
    assert_eq!(broken.len(), 1, "{bodies:?}");
    assert!(serde_json::from_str::<Value>(broken[0]).is_err(), "still malformed: {}", broken[0]);
    let codes: Vec<i64> = bodies
        .iter()
        .filter_map(|b| serde_json::from_str::<Value>(b).ok())
        .filter(|b| b["transactionReference"] == "FAULTKEPT2")
        .map(|b| b["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [0, 0, 3, 3], "{bodies:?}");
    second.stop().await;
}

#[test]
fn a_corrupt_or_incompatible_state_file_is_refused_and_left_untouched() {
    for (text, expected) in [
        ("{not json", "not a jenga-sandbox state file"),
        (r#"{"format": "jenga-sandbox-state", "version": 99}"#, "incompatible version"),
        (r#"{"format": "something-else", "version": 1}"#, "not a jenga-sandbox state file"),
    ] {
        let dir = temp_dir();
        let path = write_file(&dir, "state.json", text);
        let output = run(dir.path(), &["serve", "--bind", "127.0.0.1:0", "--state", "state.json"]);
        assert!(!output.status.success(), "{text}");
        let message = stderr(&output);
        assert!(message.contains(expected) && message.contains("state.json"), "{text}: {message}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "the file is left as it was");
    }
}

#[tokio::test]
async fn a_state_file_written_by_version_1_loads_with_its_amounts_in_cents() {
    // Arrange: a file saved by the first state format (amounts as JSON numbers in units, a charge
    // written as 0.0), with its tokens and token key left out.
    let dir = temp_dir();
    write_file(&dir, "state.json", include_str!("state-v1.json"));
    // Act
    let server = Stateful::start(&dir, &[]);
    // Assert
    assert_eq!(server.balance("0020100014605").await, "999974.45");
    let (status, details) = server.transaction_details("700000000011").await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(
        (&details["data"]["amount"], &details["data"]["charge"]),
        (&serde_json::json!(25.55), &serde_json::json!(0))
    );
    server.stop().await;
}
