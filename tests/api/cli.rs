//! The real `jenga-sandbox` binary: `errors`, `check`, `sign`, `keygen` and `serve`.

use crate::helpers::{
    sign, stk_body, stk_canonical, test_client, test_client_builder, wait_until, API_KEY, AUTH_PATH, MERCHANT, SECRET,
    STK_PATH, WAIT,
};
use jenga_sandbox::crypto::{fixtures, parse_private_key, sign_sha256, PublicKey};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_jenga-sandbox");
const PRIVATE_PEM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/sandbox-private.pem");

/// A fresh, empty directory under the system temp dir, removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("jenga-cli-{}-{nanos}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Kills the server if a test fails before stopping it. Holds the read end of its stdout open:
/// the server prints more lines after the first, and a closed pipe would make those writes fail.
pub(crate) struct Server(pub(crate) Child, pub(crate) BufReader<std::process::ChildStdout>);

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The binary, run in `dir` (so ./scenarios is absent) with no JENGA_SANDBOX_* from the caller's environment.
pub(crate) fn command(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("JENGA_SANDBOX_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs the binary to completion, killing it and failing if it takes longer than 60 s.
pub(crate) fn run(dir: &Path, args: &[&str]) -> Output {
    let child = command(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let pid = child.id().to_string();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    match finished.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("jenga-sandbox {args:?} did not exit within 60 s");
        }
    }
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Starts a server and reads its first stdout line.
pub(crate) fn start_server(mut command: Command) -> (Server, String) {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("the server starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    (Server(child, out), line.trim_end().to_string())
}

/// The `http://127.0.0.1:PORT` of a `jenga-sandbox listening on ...` line, with a real port.
pub(crate) fn listening_address(line: &str) -> String {
    let address =
        line.strip_prefix("jenga-sandbox listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let port =
        address.strip_prefix("http://127.0.0.1:").unwrap_or_else(|| panic!("not a loopback http address: {address:?}"));
    let port: u16 = port.parse().unwrap_or_else(|_| panic!("not a port: {port:?}"));
    assert_ne!(port, 0, "the real port is printed");
    address.to_string()
}

async fn health(address: &str) -> Value {
    let client = test_client_builder().build().unwrap();
    let response = client.get(format!("{address}/__sandbox/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Sends SIGTERM and waits (bounded) for the process to exit.
pub(crate) fn terminate(mut server: Server) -> std::process::ExitStatus {
    let pid = server.0.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not stop within 10 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn errors_prints_the_catalogue_with_the_known_codes() {
    // Arrange
    let dir = TempDir::new();
    // Act
    let output = run(dir.path(), &["errors"]);
    // Assert
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let line_400101 = text.lines().find(|l| l.contains("400101")).expect("a 400101 line");
    assert!(text.lines().any(|l| l.contains("106401")), "{text}");
    assert!(line_400101.to_lowercase().contains("payment reference"), "the message is printed: {line_400101}");
}

#[test]
fn errors_with_json_prints_a_json_array_of_rows() {
    // Arrange
    let dir = TempDir::new();
    // Act
    let output = run(dir.path(), &["errors", "--json"]);
    // Assert
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let rows = rows.as_array().expect("an array");
    assert!(rows.iter().any(|r| r["code"] == 106401), "no 106401 row");
    assert!(rows.iter().all(|r| r["v3Status"].is_u64() && r["message"].is_string()));
}

#[test]
fn errors_into_a_reader_that_stops_early_exits_quietly() {
    // Arrange: the reading end is closed before the catalogue is written, as `errors | head` does.
    let mut child = std::process::Command::new(BIN)
        .arg("errors")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    // Act
    let output = child.wait_with_output().unwrap();
    // Assert
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn check_with_the_embedded_scenarios_succeeds() {
    // Arrange
    let dir = TempDir::new();
    // Act
    let output = run(dir.path(), &["check"]);
    // Assert
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("ok:"), "{}", stdout(&output));
}

#[test]
fn check_with_a_bad_scenario_file_fails_naming_file_and_line() {
    // Arrange
    let dir = TempDir::new();
    let scenarios = dir.path().join("extra");
    std::fs::create_dir_all(&scenarios).unwrap();
    let bad = scenarios.join("bad.yaml");
    std::fs::write(&bad, "scenarios:\n  - name: broken\n    effects:\n      stk_push:\n        error: 123\n").unwrap();
    // Act
    let output = run(dir.path(), &["check", "--scenarios", scenarios.to_str().unwrap()]);
    // Assert
    assert!(!output.status.success());
    let expected = format!("{}:5: unknown error code", bad.display());
    let all = format!("{}{}", stdout(&output), stderr(&output));
    assert!(all.contains(&expected), "{expected:?} not in {all:?}");
}

#[test]
fn sign_a_string_prints_a_signature_that_verifies_with_the_public_key() {
    // Arrange
    let dir = TempDir::new();
    // Act
    let output = run(dir.path(), &["sign", "--key", PRIVATE_PEM, "--string", "KE1450160649886"]);
    // Assert
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text:?}");
    assert_eq!(lines[0].len(), 344);
    let key = PublicKey::parse(fixtures::MERCHANT_PUBLIC_PEM).unwrap();
    assert_eq!(key.verify(b"KE1450160649886", lines[0]), Ok(()));
    assert!(key.verify(b"KE1450160649887", lines[0]).is_err());
}

#[test]
fn sign_an_operation_body_prints_the_canonical_string_then_its_signature() {
    // Arrange
    let dir = TempDir::new();
    let body = dir.write(
        "stk.json",
        r#"{"merchant": {"accountNumber": "0170194290581", "countryCode": "KE", "name": "Sportify Ltd"},
            "payment": {"ref": "CLISIGN00001", "amount": "5.00", "currency": "KES", "telco": "Equitel",
                        "mobileNumber": "254764555291", "date": "2024-08-13",
                        "callBackUrl": "http://127.0.0.1:9/cb", "pushType": "STK"}}"#,
    );
    // Act
    let output =
        run(dir.path(), &["sign", "--key", PRIVATE_PEM, "--operation", "stk_push", "--body", body.to_str().unwrap()]);
    // Assert
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text:?}");
    let canonical = "0170194290581CLISIGN00001254764555291Equitel5.00KES";
    assert_eq!(lines[0], canonical);
    let key = PublicKey::parse(fixtures::MERCHANT_PUBLIC_PEM).unwrap();
    assert_eq!(key.verify(canonical.as_bytes(), lines[1]), Ok(()));
}

#[test]
fn keygen_writes_a_matching_pkcs8_and_spki_pair() {
    // Arrange
    let dir = TempDir::new();
    let out = dir.path().join("keys");
    // Act
    let output = run(dir.path(), &["keygen", "--out", out.to_str().unwrap()]);
    // Assert
    assert!(output.status.success(), "{}", stderr(&output));
    let private = std::fs::read_to_string(out.join("privatekey.pem")).unwrap();
    let public = std::fs::read_to_string(out.join("publickey.pem")).unwrap();
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"), "{private}");
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"), "{public}");
    let signature = sign_sha256(&parse_private_key(&private).unwrap(), b"pair");
    assert_eq!(PublicKey::parse(&public).unwrap().verify(b"pair", &signature), Ok(()));
}

#[test]
fn keygen_into_a_directory_with_keys_fails_without_force() {
    // Arrange
    let dir = TempDir::new();
    let out = dir.path().join("keys");
    let first = run(dir.path(), &["keygen", "--out", out.to_str().unwrap()]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = std::fs::read_to_string(out.join("privatekey.pem")).unwrap();
    // Act
    let second = run(dir.path(), &["keygen", "--out", out.to_str().unwrap()]);
    // Assert
    assert!(!second.status.success());
    assert!(stderr(&second).contains("--force"), "{}", stderr(&second));
    assert_eq!(std::fs::read_to_string(out.join("privatekey.pem")).unwrap(), before, "the key was not replaced");
    let forced = run(dir.path(), &["keygen", "--out", out.to_str().unwrap(), "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
}

#[tokio::test]
async fn serve_on_port_zero_prints_the_real_address_and_answers_health() {
    // Arrange
    let dir = TempDir::new();
    let mut command = command(dir.path());
    command.args(["serve", "--bind", "127.0.0.1:0"]);
    // Act
    let (mut server, line) = start_server(command);
    // Assert
    let address = listening_address(&line);
    assert_eq!(health(&address).await, serde_json::json!({"status": "ok"}));
    let mut banner = String::new();
    for _ in 0..2 {
        server.1.read_line(&mut banner).unwrap();
    }
    assert!(banner.contains("SANDBOX-API-KEY") && banner.contains("9999999999"), "credentials: {banner}");
    assert!(banner.contains("sandbox-private.pem"), "the test key: {banner}");
    let status = terminate(server);
    assert!(status.success(), "SIGTERM shuts down gracefully: {status}");
}

#[tokio::test]
async fn serve_with_the_bind_environment_twin_listens_there() {
    // Arrange
    let dir = TempDir::new();
    let mut command = command(dir.path());
    command.env("JENGA_SANDBOX_BIND", "127.0.0.1:0");
    // Act: no subcommand and no flag
    let (server, line) = start_server(command);
    // Assert
    let address = listening_address(&line);
    assert!(!address.ends_with(":8080"), "the environment's port 0 was used, not the default: {address}");
    assert_eq!(health(&address).await["status"], "ok");
    terminate(server);
}

#[test]
fn serve_with_a_config_file_holding_an_unknown_key_fails_naming_file_and_line() {
    // Arrange
    let dir = TempDir::new();
    let config = dir.write("sandbox.yaml", "bind: 127.0.0.1:0\nbnid: 127.0.0.1:0\n");
    // Act
    let output = run(dir.path(), &["serve", "--config", config.to_str().unwrap()]);
    // Assert
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains(&format!("{}:2", config.display())), "{message}");
    assert!(message.contains("bnid"), "{message}");
}

#[test]
fn sign_with_an_unknown_operation_fails_listing_the_known_ones() {
    // Arrange
    let dir = TempDir::new();
    let body = dir.write("body.json", "{}");
    // Act
    let output =
        run(dir.path(), &["sign", "--key", PRIVATE_PEM, "--operation", "nope", "--body", body.to_str().unwrap()]);
    // Assert
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("\"nope\"") && message.contains("stk_push"), "{message}");
}

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
    let dir = TempDir::new();
    let config = dir.write("sandbox.yaml", "bind: 127.0.0.1:0\ncallbacks:\n  first_delay_ms: 600000\n");
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

    /// `GET /__sandbox/PATH`, as JSON.
    async fn admin_get(&self, path: &str) -> Value {
        self.client.get(format!("{}/__sandbox/{path}", self.address)).send().await.unwrap().json().await.unwrap()
    }

    async fn balance(&self, account: &str) -> String {
        let accounts = self.admin_get("accounts").await;
        let entry = accounts.as_array().unwrap().iter().find(|a| a["number"] == account).cloned().unwrap();
        entry["balance"].as_str().unwrap().to_string()
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
    let dir = TempDir::new();
    let first = Stateful::start(&dir, &[]);
    let (status, _) = first.transfer("700000000001").await;
    assert_eq!(status, 200);
    first
        .client
        .post(format!("{}/__sandbox/clock/advance", first.address))
        .json(&serde_json::json!({"seconds": 3600}))
        .send()
        .await
        .unwrap();
    let created = first
        .client
        .put(format!("{}/__sandbox/merchants/5555555555", first.address))
        .json(&serde_json::json!({"name": "Second Shop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let clock_before = first.admin_get("clock").await;
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
    let details = second
        .client
        .get(format!("{}/v3-apis/transaction-api/v3.0/transactions/details/700000000001", second.address))
        .bearer_auth(second.token().await)
        .header("Signature", sign("700000000001"))
        .send()
        .await
        .unwrap();
    assert_eq!(details.status(), 200, "the transaction survived");
    second.stop().await;
}

#[tokio::test]
async fn state_saved_periodically_survives_kill_9() {
    let dir = TempDir::new();
    let config = dir.write("sandbox.yaml", "state_interval_secs: 1\n");
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
    let dir = TempDir::new();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    let scenarios = dir.write(
        "scenarios/faults.yaml",
        "scenarios:\n  - name: broken\n    effects:\n      stk_push: {faults: [malformed_body]}\n  - name: twice\n    effects:\n      stk_push:\n        faults: [duplicate]\n        callbacks: [{code: 0}, {code: 3, after_ms: 0}]\n",
    );
    let config = dir.write("sandbox.yaml", "state_interval_secs: 1\ncallbacks:\n  first_delay_ms: 600000\n");
    let first = Stateful::start(&dir, &["--config", config.to_str().unwrap()]);
    let url = format!("{}/callback", receiver.uri());
    first.stk_push("FAULTKEPT1", &url, "broken").await;
    first.stk_push("FAULTKEPT2", &url, "twice").await;
    first.kill_9_once_saved(&dir, "FAULTKEPT2").await;
    std::fs::remove_file(scenarios).unwrap();
    // Act
    let second = Stateful::start(&dir, &[]);
    second
        .client
        .post(format!("{}/__sandbox/clock/advance", second.address))
        .json(&serde_json::json!({"seconds": 600}))
        .send()
        .await
        .unwrap();
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
        let dir = TempDir::new();
        let path = dir.write("state.json", text);
        let output = run(dir.path(), &["serve", "--bind", "127.0.0.1:0", "--state", "state.json"]);
        assert!(!output.status.success(), "{text}");
        let message = stderr(&output);
        assert!(message.contains(expected) && message.contains("state.json"), "{text}: {message}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "the file is left as it was");
    }
}

/// A v3 token for the default merchant from the server at `address`.
pub(crate) async fn v3_token(client: &reqwest::Client, address: &str) -> String {
    let body: Value = client
        .post(format!("{address}{AUTH_PATH}"))
        .header("Api-Key", API_KEY)
        .json(&serde_json::json!({"merchantCode": MERCHANT, "consumerSecret": SECRET}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["accessToken"].as_str().unwrap().to_string()
}

/// The banner lines after the first, up to the admin API's rule and the generated token after it.
fn banner_rest(server: &mut Server) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        assert!(server.1.read_line(&mut line).unwrap() > 0, "the banner ended early: {lines:?}");
        let line = line.trim_end().to_string();
        let is_admin_rule = line.contains("admin API:") || line.contains(r#""event":"admin""#);
        let token_follows = is_admin_rule && line.contains("generated");
        lines.push(line);
        if is_admin_rule && !token_follows
            || lines.last().is_some_and(|l| l.contains("admin_token") || l.contains("admin token:"))
        {
            return lines;
        }
        assert!(lines.len() < 20, "no admin line in the banner: {lines:?}");
    }
}

/// The port of `http://HOST:PORT` at the end of a line.
fn port_in(line: &str) -> u16 {
    let port = line.trim_end_matches(['"', '}']).rsplit(':').next().unwrap();
    port.parse().unwrap_or_else(|_| panic!("no port at the end of {line:?}"))
}

fn test_key_fingerprint() -> String {
    PublicKey::parse(fixtures::MERCHANT_PUBLIC_PEM).unwrap().fingerprint
}

#[tokio::test]
async fn serve_banner_names_the_key_and_its_fingerprint_the_mode_the_scenarios_and_the_open_admin_api() {
    // Arrange
    let dir = TempDir::new();
    let mut command = command(dir.path());
    command.args(["serve", "--bind", "127.0.0.1:0", "--signature-mode", "warn"]);
    // Act
    let (mut server, first) = start_server(command);
    let banner = banner_rest(&mut server).join("\n");
    // Assert
    let address = listening_address(&first);
    let key_line = banner.lines().find(|l| l.contains("public key:")).unwrap_or_else(|| panic!("{banner}"));
    assert!(key_line.contains("embedded test key") && key_line.contains(&test_key_fingerprint()), "{key_line}");
    assert!(banner.contains("test private key (sign requests with it): fixtures/keys/sandbox-private.pem"), "{banner}");
    assert!(banner.contains("signature mode: warn"), "{banner}");
    let scenarios = banner.lines().find(|l| l.contains("scenarios:")).unwrap_or_else(|| panic!("{banner}"));
    let count: usize = scenarios.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(count > 0 && scenarios.contains("embedded:stk_push.yaml"), "{scenarios}");
    assert!(banner.contains(&format!("admin API: {address}/__sandbox · open")), "{banner}");
    assert!(!banner.contains("admin token:"), "no token on loopback: {banner}");
    terminate(server);
}

#[tokio::test]
async fn serve_banner_with_a_public_key_file_names_the_file_and_that_keys_fingerprint() {
    // Arrange
    let dir = TempDir::new();
    let keys = dir.path().join("keys");
    let made = run(dir.path(), &["keygen", "--out", keys.to_str().unwrap()]);
    assert!(made.status.success(), "{}", stderr(&made));
    let public_path = keys.join("publickey.pem");
    let expected = PublicKey::parse(&std::fs::read_to_string(&public_path).unwrap()).unwrap().fingerprint;
    let mut command = command(dir.path());
    command.args(["serve", "--bind", "127.0.0.1:0", "--public-key", public_path.to_str().unwrap()]);
    // Act
    let (mut server, _) = start_server(command);
    let banner = banner_rest(&mut server).join("\n");
    // Assert
    let key_line = banner.lines().find(|l| l.contains("public key:")).unwrap_or_else(|| panic!("{banner}"));
    assert!(key_line.contains(&format!("file {}", public_path.display())), "{key_line}");
    assert!(key_line.contains(&expected) && !key_line.contains(&test_key_fingerprint()), "{key_line}");
    assert!(!banner.contains("test private key"), "the test key does not match: {banner}");
    terminate(server);
}

#[tokio::test]
async fn serve_off_loopback_without_a_token_prints_a_generated_one_that_the_admin_api_requires() {
    // Arrange
    let dir = TempDir::new();
    let mut command = command(dir.path());
    command.args(["serve", "--bind", "0.0.0.0:0"]);
    // Act
    let (mut server, first) = start_server(command);
    let banner = banner_rest(&mut server);
    // Assert
    assert!(first.starts_with("jenga-sandbox listening on http://0.0.0.0:"), "{first}");
    let address = format!("http://127.0.0.1:{}", port_in(&first));
    let token =
        banner.last().and_then(|l| l.trim().strip_prefix("admin token: ")).unwrap_or_else(|| panic!("{banner:?}"));
    assert!(token.len() >= 32, "{token}");
    let client = test_client();
    let health = client.get(format!("{address}/__sandbox/health")).send().await.unwrap();
    assert_eq!(health.status(), 200, "probes need no token");
    let requests = format!("{address}/__sandbox/requests");
    assert_eq!(client.get(&requests).send().await.unwrap().status(), 401);
    assert_eq!(client.get(&requests).bearer_auth("wrong").send().await.unwrap().status(), 401);
    assert_eq!(client.get(&requests).bearer_auth(token).send().await.unwrap().status(), 200);
    assert!(terminate(server).success());
}

#[tokio::test]
async fn serve_with_json_logs_prints_the_banner_as_json_lines_the_first_giving_the_url() {
    // Arrange
    let dir = TempDir::new();
    let mut command = command(dir.path());
    command.args(["serve", "--bind", "0.0.0.0:0", "--log-format", "json"]);
    // Act
    let (mut server, first) = start_server(command);
    let rest = banner_rest(&mut server);
    // Assert
    let lines: Vec<Value> = std::iter::once(&first)
        .chain(&rest)
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(
        events,
        [
            "listening",
            "default_merchant",
            "test_private_key",
            "public_key",
            "signature_mode",
            "scenarios",
            "admin",
            "admin_token"
        ]
    );
    let url = lines[0]["url"].as_str().unwrap();
    assert_ne!(port_in(url), 0, "{url}");
    assert_eq!(lines[3]["sha256"], test_key_fingerprint());
    assert_eq!(lines[3]["source"], "embedded");
    assert_eq!(lines[4]["mode"], "strict");
    assert!(lines[5]["count"].as_u64().unwrap() > 0);
    assert_eq!(lines[6]["rule"], "generated");
    let token = lines[7]["token"].as_str().unwrap();
    let address = format!("http://127.0.0.1:{}", port_in(url));
    let client = test_client();
    let journal = client.get(format!("{address}/__sandbox/requests")).bearer_auth(token).send().await.unwrap();
    assert_eq!(journal.status(), 200);
    terminate(server);
}

#[tokio::test]
async fn health_exits_0_for_a_running_sandbox_and_1_once_it_stopped() {
    // Arrange
    let dir = TempDir::new();
    let mut command_ = command(dir.path());
    command_.args(["serve", "--bind", "0.0.0.0:0", "--admin-token", "t0k"]);
    let (server, first) = start_server(command_);
    let port = port_in(&first);
    let probe = |args: &[&str], bind: &str| {
        command(dir.path()).arg("health").args(args).env("JENGA_SANDBOX_BIND", bind).output().unwrap()
    };
    // Act: by URL, and by the bind address the server was given (as the image's HEALTHCHECK does)
    let by_url = probe(&["--url", &format!("http://127.0.0.1:{port}")], "127.0.0.1:9");
    let by_bind = probe(&[], &format!("0.0.0.0:{port}"));
    assert!(terminate(server).success());
    let stopped = probe(&["--timeout", "1"], &format!("0.0.0.0:{port}"));
    // Assert
    assert!(by_url.status.success(), "{}", stderr(&by_url));
    assert!(stdout(&by_url).contains("200"), "{}", stdout(&by_url));
    assert!(by_bind.status.success(), "{}", stderr(&by_bind));
    assert_eq!(stopped.status.code(), Some(1));
    assert!(stderr(&stopped).contains(&port.to_string()), "names what it tried: {}", stderr(&stopped));
}
