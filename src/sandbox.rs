//! A sandbox for Rust tests: the real server started in-process on a free loopback port, and the
//! calls a test makes most (a token, a signature, arming a scenario, waiting for callbacks,
//! resetting), in the manner of wiremock's `MockServer`.
//!
//! What it asks of the running sandbox goes through the HTTP API, as a test in another language
//! would ask it, so what a test sees here is what the contract promises; signing is done locally
//! from the same formula table the server verifies with.
//!
//! ```
//! use jenga_sandbox::Sandbox;
//! use serde_json::{json, Value};
//! use std::time::Duration;
//!
//! # #[tokio::main]
//! # async fn main() {
//! let sandbox = Sandbox::start().await;
//! let body = json!({
//!     "merchant": {"accountNumber": "0170194290581", "countryCode": "KE", "name": "Sportify Ltd"},
//!     "payment": {
//!         "ref": "DOCPUSH00001", "amount": "5.00", "currency": "KES", "telco": "Equitel",
//!         "mobileNumber": "254764555291", "date": "2024-08-13", "pushType": "STK",
//!         // The built-in sink stores the callback, so the test needs no receiver of its own.
//!         "callBackUrl": sandbox.url("/__sandbox/sink/doc"),
//!     }
//! });
//! let answer: Value = reqwest::Client::new()
//!     .post(sandbox.url("/v3-apis/payment-api/v3.0/stkussdpush/initiate"))
//!     .bearer_auth(sandbox.token().await)
//!     .header("Signature", sandbox.sign("stk_push", &body))
//!     .json(&body)
//!     .send()
//!     .await
//!     .unwrap()
//!     .json()
//!     .await
//!     .unwrap();
//! assert_eq!(answer["code"], -1, "the push is acknowledged: {answer}");
//!
//! let delivered = sandbox.wait_for_callbacks(1, Duration::from_secs(5)).await;
//! assert_eq!(delivered[0]["reference"], "DOCPUSH00001");
//! # }
//! ```

use crate::config::Settings;
use crate::crypto::{fixtures, parse_private_key, sign_sha256};
use crate::merchant::{DEFAULT_API_KEY, DEFAULT_CODE, DEFAULT_SECRET};
use crate::startup::Application;
use crate::state::AppState;
use actix_web::dev::ServerHandle;
use actix_web::web;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

/// The most one admin wait may last (contract §10: `wait_ms` at most 60000).
const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// A running sandbox on `127.0.0.1` and a free port, with the default merchant (`9999999999`)
/// and its test key pair. It stops when dropped.
///
/// Calls that talk to the sandbox panic with the sandbox's answer when it refuses them: they are
/// meant for tests, where a panic is a failure with its reason.
pub struct Sandbox {
    address: String,
    client: reqwest::Client,
    handle: ServerHandle,
    state: web::Data<AppState>,
    key: RsaPrivateKey,
}

type Tweak<'a> = Box<dyn FnOnce(&mut Settings) + 'a>;

/// Options for [`Sandbox::builder`]. Starts from the test settings: port 0 on loopback,
/// callbacks sent at once and retried after 10, 20 and 40 ms, no `./scenarios` directory.
pub struct SandboxBuilder<'a> {
    config_file: Option<PathBuf>,
    seed: Option<u64>,
    scenarios: Vec<PathBuf>,
    tweaks: Vec<Tweak<'a>>,
    frozen_at: Option<String>,
}

impl Sandbox {
    /// Starts a sandbox with the test settings.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() {
    /// let sandbox = jenga_sandbox::Sandbox::start().await;
    /// assert!(sandbox.uri().starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    ///
    /// # Panics
    /// When the sandbox cannot start (see [`SandboxBuilder::start`]).
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// Options: seed, scenario directories, a config file, a frozen clock, any setting.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() {
    /// let sandbox = jenga_sandbox::Sandbox::builder()
    ///     .seed(7)
    ///     .frozen_at("2026-01-31T12:00:00Z")
    ///     .start()
    ///     .await;
    /// let clock: serde_json::Value =
    ///     reqwest::get(sandbox.url("/__sandbox/clock")).await.unwrap().json().await.unwrap();
    /// assert_eq!(clock["now"], "2026-01-31T12:00:00.000Z");
    /// assert_eq!(clock["frozen"], true);
    /// # }
    /// ```
    pub fn builder<'a>() -> SandboxBuilder<'a> {
        SandboxBuilder { config_file: None, seed: None, scenarios: Vec::new(), tweaks: Vec::new(), frozen_at: None }
    }

    /// The base URL, `http://127.0.0.1:PORT`: give it to the client under test.
    pub fn uri(&self) -> String {
        self.address.clone()
    }

    /// `path` on this sandbox: `sandbox.url("/__sandbox/sink/orders")`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The server's state, for tests that look inside.
    pub fn state(&self) -> &web::Data<AppState> {
        &self.state
    }

    /// A fresh v3 access token (`Authorization: Bearer ...`) for the default merchant.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() {
    /// let sandbox = jenga_sandbox::Sandbox::start().await;
    /// let balance = reqwest::Client::new()
    ///     .get(sandbox.url("/v3-apis/account-api/v3.0/accounts/balances/KE/0170194290581"))
    ///     .bearer_auth(sandbox.token().await)
    ///     .header("Signature", sandbox.sign("account_balance", &serde_json::json!({
    ///         "countryCode": "KE", "accountId": "0170194290581"
    ///     })))
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(balance.status(), 200);
    /// # }
    /// ```
    pub async fn token(&self) -> String {
        let answer = self.expect_ok(
            "v3 token",
            self.client
                .post(self.url("/authentication/api/v3/authenticate/merchant"))
                .header("Api-Key", DEFAULT_API_KEY)
                .json(&json!({"merchantCode": DEFAULT_CODE, "consumerSecret": DEFAULT_SECRET})),
        );
        text_at(answer.await, "accessToken")
    }

    /// A fresh v2 (JengaHQ) access token for the default merchant.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() {
    /// let sandbox = jenga_sandbox::Sandbox::start().await;
    /// assert!(!sandbox.v2_token().await.is_empty());
    /// # }
    /// ```
    pub async fn v2_token(&self) -> String {
        let answer = self.expect_ok(
            "v2 token",
            self.client
                .post(self.url("/identity-test/v2/token"))
                .header("Authorization", format!("Basic {DEFAULT_API_KEY}"))
                .form(&[("username", DEFAULT_CODE), ("password", DEFAULT_SECRET)]),
        );
        text_at(answer.await, "access_token")
    }

    /// The `Signature` header for a request of `operation` (an operation id such as `stk_push`,
    /// as `jenga-sandbox sign --operation` takes) with `body` (the JSON body, or the path
    /// parameters as an object), signed with the default merchant's test private key.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() {
    /// let sandbox = jenga_sandbox::Sandbox::start().await;
    /// let signature = sandbox.sign("account_balance", &serde_json::json!({
    ///     "countryCode": "KE", "accountId": "0170194290581"
    /// }));
    /// assert_eq!(signature.len(), 344, "Base64 of an RSA-2048 signature");
    /// # }
    /// ```
    ///
    /// # Panics
    /// When the operation is unknown or not signed, or `body` lacks a field its formula signs.
    pub fn sign(&self, operation: &str, body: &Value) -> String {
        let operations = crate::startup::operations();
        let op = operations
            .by_id(operation)
            .unwrap_or_else(|| panic!("unknown operation {operation:?}; known: {}", operations.ids().join(", ")));
        let text = op.canonical(body, DEFAULT_CODE).unwrap_or_else(|e| panic!("cannot sign {operation}: {e}"));
        sign_sha256(&self.key, text.as_bytes())
    }

    /// Arms `scenario` (a scenario name such as `insufficient-funds`, or `error:CODE`) for every
    /// request of `operation` until [`reset`](Self::reset).
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() {
    /// let sandbox = jenga_sandbox::Sandbox::start().await;
    /// sandbox.arm("authenticate", "error:401101").await;
    /// let refused = reqwest::Client::new()
    ///     .post(sandbox.url("/authentication/api/v3/authenticate/merchant"))
    ///     .header("Api-Key", "SANDBOX-API-KEY")
    ///     .json(&serde_json::json!({"merchantCode": "9999999999", "consumerSecret": "sandbox-secret"}))
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(refused.headers()["x-sandbox-scenario"], "error:401101");
    /// # }
    /// ```
    pub async fn arm(&self, operation: &str, scenario: &str) {
        self.arm_with(json!({"scenario": scenario, "operation": operation})).await;
    }

    /// Arms `scenario` for the next `times` requests of `operation`.
    pub async fn arm_times(&self, operation: &str, scenario: &str, times: u32) {
        self.arm_with(json!({"scenario": scenario, "operation": operation, "times": times})).await;
    }

    async fn arm_with(&self, request: Value) {
        let what = format!("arm {request}");
        self.expect_ok(&what, self.client.post(self.url("/__sandbox/scenarios/arm")).json(&request)).await;
    }

    /// Waits until `count` callbacks have been delivered, and returns every delivered callback
    /// job (newest first, with its attempts). The sandbox answers the moment the count is
    /// reached (`GET /__sandbox/callbacks?status=delivered&count=N&wait_ms=T`); a timeout is
    /// capped at 60 s. See the module example.
    ///
    /// # Panics
    /// When fewer than `count` were delivered within `timeout`, naming the jobs there are.
    pub async fn wait_for_callbacks(&self, count: usize, timeout: Duration) -> Vec<Value> {
        let wait_ms = timeout.min(LONGEST_WAIT).as_millis();
        let path = format!("/__sandbox/callbacks?status=delivered&count={count}&wait_ms={wait_ms}");
        let response = self.client.get(self.url(&path)).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let satisfied = response.headers().get("x-sandbox-wait").is_some_and(|v| v == "satisfied");
        let delivered = json_of(response, &path).await;
        if !satisfied {
            let all = self.expect_ok("list callbacks", self.client.get(self.url("/__sandbox/callbacks"))).await;
            panic!("{count} callback(s) not delivered within {timeout:?}; the callback jobs: {all}");
        }
        delivered.as_array().cloned().unwrap_or_default()
    }

    /// Forgets transactions, the journal, callbacks and armed scenarios, restores the fixture
    /// balances and returns the clock to real time (`POST /__sandbox/reset`).
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() {
    /// let sandbox = jenga_sandbox::Sandbox::start().await;
    /// sandbox.token().await;
    /// sandbox.reset().await;
    /// let journal: serde_json::Value =
    ///     reqwest::get(sandbox.url("/__sandbox/requests")).await.unwrap().json().await.unwrap();
    /// assert_eq!(journal, serde_json::json!([]));
    /// # }
    /// ```
    pub async fn reset(&self) {
        self.expect_ok("reset", self.client.post(self.url("/__sandbox/reset"))).await;
    }

    /// Sends `request` and returns its JSON answer, panicking unless it succeeded.
    async fn expect_ok(&self, what: &str, request: reqwest::RequestBuilder) -> Value {
        let response = request.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
        let status = response.status();
        let body = json_of(response, what).await;
        assert!(status.is_success(), "{what}: the sandbox answered {status}: {body}");
        body
    }
}

async fn json_of(response: reqwest::Response, what: &str) -> Value {
    response.json().await.unwrap_or_else(|e| panic!("{what}: the answer is not JSON: {e}"))
}

fn text_at(answer: Value, field: &str) -> String {
    match answer.get(field).and_then(Value::as_str) {
        Some(text) => text.to_string(),
        None => panic!("no {field} in {answer}"),
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // The stop command is sent by the call; the server finishes in the background, so the
        // future that would report it is not needed.
        drop(self.handle.stop(false));
    }
}

impl<'a> SandboxBuilder<'a> {
    /// Seeds every generated id, so that two runs give the same ids.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Loads the scenario files of `dir` after the embedded set (may be given more than once).
    pub fn scenarios(mut self, dir: impl Into<PathBuf>) -> Self {
        self.scenarios.push(dir.into());
        self
    }

    /// Starts from this YAML config file instead of the test settings, so its defaults are the
    /// served ones (a callback a second after the request, say); the bind address is still
    /// `127.0.0.1:0`, and the other options apply on top of it.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Changes any setting, for what has no option of its own.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() {
    /// use jenga_sandbox::signature::Mode;
    /// let sandbox = jenga_sandbox::Sandbox::builder().settings(|s| s.signature_mode = Mode::Off).start().await;
    /// # }
    /// ```
    pub fn settings(mut self, tweak: impl FnOnce(&mut Settings) + 'a) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// Sets the sandbox clock to `now` (RFC 3339) and freezes it, so every timestamp the sandbox
    /// writes is this instant (`PUT /__sandbox/clock`). A reset returns it to real time.
    pub fn frozen_at(mut self, now: &str) -> Self {
        self.frozen_at = Some(now.to_string());
        self
    }

    /// Starts the sandbox and waits until it serves.
    ///
    /// # Panics
    /// When the config file cannot be read, a scenario file is invalid, or the frozen time is
    /// not an RFC 3339 time: the message names the problem.
    pub async fn start(self) -> Sandbox {
        let mut settings = match &self.config_file {
            Some(path) => Settings::from_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            None => Settings::for_tests(),
        };
        settings.bind = "127.0.0.1:0".into();
        if let Some(seed) = self.seed {
            settings.seed = seed;
        }
        settings.scenarios.extend(self.scenarios);
        for tweak in self.tweaks {
            tweak(&mut settings);
        }
        let app = Application::build(settings).await.unwrap_or_else(|e| panic!("the sandbox did not start: {e}"));
        let sandbox = Sandbox {
            address: app.address(),
            // Connections are not kept: one idle through the server's keep-alive races the server
            // closing it, and the next request on it would fail.
            client: reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("an HTTP client builds"),
            handle: app.handle(),
            state: app.state(),
            key: parse_private_key(fixtures::MERCHANT_PRIVATE_PEM).expect("the fixture key parses"),
        };
        tokio::spawn(app.run_until_stopped());
        if let Some(now) = self.frozen_at {
            let request =
                sandbox.client.put(sandbox.url("/__sandbox/clock")).json(&json!({"now": now, "frozen": true}));
            sandbox.expect_ok("freeze the clock", request).await;
        }
        sandbox
    }
}
