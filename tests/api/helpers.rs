//! Test harness: a running sandbox on a free port, a signer with the fixture key, and bounded
//! waits (never bare sleeps) for things that happen later.

#![allow(dead_code)]

use jenga_sandbox::config::Settings;
use jenga_sandbox::crypto::{fixtures, parse_private_key, sign_sha256};
use jenga_sandbox::Sandbox;
use reqwest::Response;
use serde_json::{json, Value};
use std::future::Future;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const STK_PATH: &str = "/v3-apis/payment-api/v3.0/stkussdpush/initiate";
pub const AUTH_PATH: &str = "/authentication/api/v3/authenticate/merchant";
pub const API_KEY: &str = "SANDBOX-API-KEY";
pub const MERCHANT: &str = "9999999999";
pub const SECRET: &str = "sandbox-secret";
/// An account of the default merchant (fixtures/accounts.json); the seed's example account.
pub const ACCOUNT: &str = "0170194290581";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<jenga_sandbox::state::AppState>,
    /// Stops the server when the test ends.
    pub sandbox: Sandbox,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let sandbox = Sandbox::builder().settings(tweak).start().await;
    TestApp { address: sandbox.uri(), client: test_client(), state: sandbox.state().clone(), sandbox }
}

/// A client for talking to a sandbox under test.
pub fn test_client() -> reqwest::Client {
    test_client_builder().build().expect("a client builds")
}

/// Connections are not kept for reuse: one idle through the server's keep-alive (5 s, reached on
/// a loaded machine while a test generates a key, say) races the server closing it, and the
/// next request on it fails with an incomplete message.
pub fn test_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_max_idle_per_host(0)
}

/// Signs with the fixture private key registered for the default merchant.
pub fn sign(text: &str) -> String {
    sign_with(fixtures::MERCHANT_PRIVATE_PEM, text)
}

/// `text` signed with the private key `private_pem` (RSA with SHA-256, Base64).
pub fn sign_with(private_pem: &str, text: &str) -> String {
    sign_sha256(&parse_private_key(private_pem).unwrap(), text.as_bytes())
}

/// The canonical STK push string: accountNumber+ref+mobileNumber+telco+amount+currency. Empty for
/// a body that lacks one: the tests sending such a body expect the field check to refuse it first.
pub fn stk_canonical(body: &Value) -> String {
    let stk_push = jenga_sandbox::startup::operations().by_id("stk_push").expect("the STK push is served");
    stk_push.canonical(body, MERCHANT).unwrap_or_default()
}

/// A valid STK push body (seed 001's example, with a 12-character ref).
pub fn stk_body(reference: &str, mobile: &str, callback_url: &str) -> Value {
    json!({
        "merchant": {"accountNumber": ACCOUNT, "countryCode": "KE", "name": "Sportify Ltd"},
        "payment": {
            "ref": reference, "amount": "5.00", "currency": "KES", "telco": "Equitel",
            "mobileNumber": mobile, "date": "2024-08-13", "callBackUrl": callback_url, "pushType": "STK"
        }
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn token_for(&self, api_key: &str, merchant: &str, secret: &str) -> Response {
        self.client
            .post(self.url(AUTH_PATH))
            .header("Api-Key", api_key)
            .json(&json!({"merchantCode": merchant, "consumerSecret": secret}))
            .send()
            .await
            .unwrap()
    }

    /// A fresh access token for the default merchant.
    pub async fn token(&self) -> String {
        self.sandbox.token().await
    }

    /// A fresh v2 (opaque) access token for the default merchant.
    pub async fn v2_token(&self) -> String {
        self.sandbox.v2_token().await
    }

    /// POSTs `body` to the STK push with a valid token and the correct signature.
    pub async fn stk_push(&self, body: &Value) -> Response {
        let token = self.token().await;
        self.stk_push_with(body, &token, Some(&sign(&stk_canonical(body))), None).await
    }

    pub async fn stk_push_with(
        &self,
        body: &Value,
        token: &str,
        signature: Option<&str>,
        scenario: Option<&str>,
    ) -> Response {
        let mut request = self.client.post(self.url(STK_PATH)).bearer_auth(token).json(body);
        if let Some(signature) = signature {
            request = request.header("Signature", signature);
        }
        if let Some(scenario) = scenario {
            request = request.header("X-Sandbox-Scenario", scenario);
        }
        request.send().await.unwrap()
    }

    /// GETs `path` with a fresh token, signing `signed` (the canonical string the test expects).
    pub async fn get_signed(&self, path: &str, signed: &str, scenario: Option<&str>) -> Response {
        let token = self.token().await;
        let request = self.client.get(self.url(path)).bearer_auth(token).header("signature", sign(signed));
        with_scenario(request, scenario).send().await.unwrap()
    }

    /// POSTs `body` to `path` with a fresh token, signing `signed`.
    pub async fn post_signed(&self, path: &str, body: &Value, signed: &str, scenario: Option<&str>) -> Response {
        let token = self.token().await;
        let request = self.client.post(self.url(path)).bearer_auth(token).header("signature", sign(signed)).json(body);
        with_scenario(request, scenario).send().await.unwrap()
    }

    /// POSTs `body` to `path` with `token` and no signature.
    pub async fn post_with_token(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).bearer_auth(token).json(body).send().await.unwrap()
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        assert!(response.status().is_success(), "GET {path}: {}", response.status());
        response.json().await.unwrap()
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Response {
        self.client.post(self.url(path)).json(&body).send().await.unwrap()
    }

    /// Creates or updates merchant `code` through the admin API.
    pub async fn put_merchant(&self, code: &str, spec: Value) -> Response {
        self.client.put(self.url(&format!("/__sandbox/merchants/{code}"))).json(&spec).send().await.unwrap()
    }

    /// Callback jobs for a reference, newest first.
    pub async fn callbacks_for(&self, reference: &str) -> Vec<Value> {
        let jobs = self.admin_get(&format!("/__sandbox/callbacks?reference={reference}")).await;
        jobs.as_array().unwrap().clone()
    }

    /// What the built-in sink `name` received, newest first.
    pub async fn sink(&self, name: &str) -> Vec<Value> {
        self.admin_get(&format!("/__sandbox/sink/{name}")).await.as_array().unwrap().clone()
    }

    pub fn sink_url(&self, name: &str) -> String {
        self.url(&format!("/__sandbox/sink/{name}"))
    }

    /// The newest journal entry.
    pub async fn last_request(&self) -> Value {
        self.admin_get("/__sandbox/requests?limit=1").await[0].clone()
    }
}

/// A callback receiver that answers every POST to `/cb` with `status`.
pub async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/cb")).respond_with(ResponseTemplate::new(status)).mount(&server).await;
    server
}

/// The receiver's `/cb` URL.
pub fn callback_url(server: &MockServer) -> String {
    format!("{}/cb", server.uri())
}

fn with_scenario(request: reqwest::RequestBuilder, scenario: Option<&str>) -> reqwest::RequestBuilder {
    match scenario {
        Some(name) => request.header("X-Sandbox-Scenario", name),
        None => request,
    }
}

/// Polls `probe` until it yields Some, failing the test after `limit`.
pub async fn wait_until<T, F, Fut>(limit: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "condition not met within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub const WAIT: Duration = Duration::from_secs(10);

pub use tempfile::TempDir;

/// A fresh, empty directory for one test, removed with everything in it when dropped.
pub fn temp_dir() -> TempDir {
    tempfile::Builder::new().prefix("jenga-test-").tempdir().expect("a temporary directory")
}

/// Writes `text` to the file `name` in `dir`; the file's path.
pub fn write_file(dir: impl AsRef<std::path::Path>, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.as_ref().join(name);
    std::fs::write(&path, text).unwrap();
    path
}
