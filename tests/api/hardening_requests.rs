//! What a client can send or fail to read must not stall, bloat or leak: logging nobody reads,
//! bodies that never come, bodies nobody authenticated, secrets in the journal and the state
//! file, forged tokens, and requests actix rejects before any handler.

use crate::cli::{command, listening_address};
use crate::helpers::{
    sign, spawn_app, spawn_app_with, stk_body, stk_canonical, temp_dir, test_client_builder, write_file, TempDir,
    TestApp, API_KEY, AUTH_PATH, MERCHANT, SECRET, STK_PATH,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jenga_sandbox::crypto::{fixtures, IssuerKey};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BILLERS: &str = "/v3-apis/transaction-api/v3.0/billers";
const V2_BILLERS: &str = "/transaction-test/v2/billers?page=1&per_page=1";
const VALIDATE: &str = "/v3-apis/account-api/v3.0/account/validate";

/// Starts the real binary with stdout and stderr piped; after the first stdout line neither is
/// ever read again (both pipes stay open, as `serve 2>&1 | sleep 3600` leaves them).
fn start_unread_server(dir: &TempDir, args: &[&str]) -> (std::process::Child, String) {
    let mut child = command(dir.path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    // The reader is leaked, not dropped: a closed pipe would fail writes instead of blocking them.
    std::mem::forget(out);
    (child, listening_address(line.trim_end()))
}

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_keep_being_answered_when_nobody_reads_the_log() {
    // Arrange: each request logs a line of about 600 bytes (its path), so the 64 KiB pipe fills
    // within 110 requests and the writer's 4,096-line buffer soon after.
    let dir = temp_dir();
    let (child, address) = start_unread_server(&dir, &["serve", "--bind", "127.0.0.1:0"]);
    let _server = Killed(child);
    // Connections are kept (the default client): they are never idle long enough to race the
    // server's keep-alive close.
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let path = format!("/no/such/{}", "x".repeat(500));
    // Act: 4,800 requests, 16 at a time, each bounded by 5 s.
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..16 {
        let (client, url, answered) = (client.clone(), format!("{address}{path}"), answered.clone());
        clients.push(tokio::spawn(async move {
            for _ in 0..300 {
                let response = client.get(&url).send().await.expect("answered within 5 s");
                assert_eq!(response.status(), 404);
                answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }));
    }
    let all = tokio::time::timeout(Duration::from_secs(120), futures_util::future::join_all(clients)).await;
    // Assert
    let count = answered.load(std::sync::atomic::Ordering::Relaxed);
    let results = all.unwrap_or_else(|_| panic!("stalled after {count} requests"));
    assert!(results.iter().all(Result::is_ok), "a client failed after {count} requests");
    let metrics = client.get(format!("{address}/__sandbox/metrics")).send().await.unwrap().text().await.unwrap();
    let dropped: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("jenga_sandbox_log_lines_dropped_total "))
        .expect("the dropped-lines counter is exposed")
        .parse()
        .unwrap();
    assert!(dropped > 0, "{metrics}");
}

/// Opens a connection, sends `head` (and nothing after it), and reads one answer: its status
/// and JSON body. Err when no whole answer arrives within `limit`.
async fn exchange(app: &TestApp, head: &str, limit: Duration) -> Result<(u16, Value), String> {
    let mut stream = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    read_answer(&mut stream, limit).await
}

async fn read_answer(stream: &mut tokio::net::TcpStream, limit: Duration) -> Result<(u16, Value), String> {
    let mut received = Vec::new();
    let reading = async {
        loop {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
            received.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&received).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length: usize = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
                    return Ok((status, serde_json::from_str(&body[..length]).unwrap_or(Value::Null)));
                }
            }
            if n == 0 {
                return Err(format!("the connection closed after {text:?}"));
            }
        }
    };
    tokio::time::timeout(limit, reading).await.unwrap_or_else(|_| Err(format!("no answer within {limit:?}")))
}

fn post_head(path: &str, token: Option<&str>, content_length: usize) -> String {
    let authorization = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{authorization}Content-Length: {content_length}\r\n\r\n"
    )
}

#[tokio::test]
async fn a_body_that_never_arrives_is_answered_408_in_the_generations_envelope() {
    // Arrange
    let app = spawn_app_with(|s| s.body_read_timeout_ms = 300).await;
    let token = app.token().await;
    let started = Instant::now();
    // Act: Content-Length 100, no body, on an authenticated call, a token call and an unknown path.
    let v3 = exchange(&app, &post_head(STK_PATH, Some(&token), 100), Duration::from_secs(5)).await;
    let v2 = exchange(&app, &post_head("/identity-test/v2/token", None, 100), Duration::from_secs(5)).await;
    let unknown = exchange(&app, &post_head("/v3-apis/nowhere", None, 100), Duration::from_secs(5)).await;
    // Assert
    let (status, body) = v3.expect("the v3 call is answered");
    assert_eq!(status, 408, "{body}");
    assert_eq!(
        (body["status"].clone(), body["error_code"].clone()),
        (json!(false), json!("REQUEST_TIMEOUT")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("300 ms"), "{body}");
    let (status, body) = v2.expect("the v2 call is answered");
    assert_eq!(status, 408, "{body}");
    assert!(body["response_msg"].is_string() && body["response_code"].is_string(), "{body}");
    assert_eq!(unknown.expect("the unknown path is answered").0, 408);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_bearer_call_without_a_valid_token_is_refused_without_waiting_for_its_body() {
    // Arrange: a body read would wait 30 s for the 200,000 bytes announced.
    let app = spawn_app_with(|s| s.body_read_timeout_ms = 30_000).await;
    // Act
    let missing = exchange(&app, &post_head(STK_PATH, None, 200_000), Duration::from_secs(3)).await;
    let forged = exchange(&app, &post_head(STK_PATH, Some("not-a-token"), 200_000), Duration::from_secs(3)).await;
    // Assert
    for answer in [missing, forged] {
        let (status, body) = answer.expect("answered at once");
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error_code"], "UNAUTHORIZED", "{body}");
    }
}

#[tokio::test]
async fn two_hundred_stalled_bodies_neither_slow_a_normal_request_nor_stay_open() {
    // Arrange: 200 connections that announce a body and send 10 bytes of it. The body timeout is
    // long enough that, were the stalled reads holding up the server, the normal request could
    // only be answered after they were refused.
    let app = spawn_app_with(|s| s.body_read_timeout_ms = 5_000).await;
    let token = app.token().await;
    let mut stalled = Vec::new();
    for _ in 0..200 {
        let mut stream = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
        stream.write_all(post_head(STK_PATH, Some(&token), 100).as_bytes()).await.unwrap();
        stream.write_all(b"{\"merchant").await.unwrap();
        stalled.push(stream);
    }
    // Act
    let normal = app.client.get(app.url(BILLERS)).bearer_auth(&token).send().await;
    // Assert: the normal request is answered while every stalled one is still waiting for its body
    // (an order, not a duration, so a loaded machine cannot fail it).
    assert_eq!(normal.expect("the normal request is answered").status(), 200);
    let already_answered = stalled
        .iter()
        .filter(
            |stream| !matches!(stream.try_read(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        )
        .count();
    assert_eq!(already_answered, 0, "stalled requests were answered before the normal one");
    let answers =
        futures_util::future::join_all(stalled.iter_mut().map(|stream| read_answer(stream, Duration::from_secs(20))))
            .await;
    let statuses: Vec<u16> = answers.into_iter().map(|a| a.expect("each stalled body is answered").0).collect();
    assert!(statuses.iter().all(|s| *s == 408), "{statuses:?}");
}

fn journal_body_length(entry: &Value) -> usize {
    match &entry["body"] {
        Value::String(text) => text.len(),
        other => other.to_string().len(),
    }
}

#[tokio::test]
async fn the_journal_keeps_only_an_excerpt_of_unauthenticated_bodies() {
    // Arrange
    let app = spawn_app().await;
    let big = format!("{{\"padding\": \"{}\"}}", "x".repeat(250_000));
    // Act: unknown paths, a bearer call with a bad token, a token call with wrong credentials.
    for _ in 0..20 {
        let response = app.client.post(app.url("/v3-apis/nowhere")).body(big.clone()).send().await.unwrap();
        assert_eq!(response.status(), 404);
    }
    let bad_token = app.client.post(app.url(STK_PATH)).bearer_auth("forged").body(big.clone()).send().await.unwrap();
    let bad_credentials = app
        .client
        .post(app.url(AUTH_PATH))
        .header("Api-Key", "WRONG")
        .header("Content-Type", "application/json")
        .body(format!(
            "{{\"merchantCode\": \"{MERCHANT}\", \"consumerSecret\": \"guess\", \"padding\": \"{}\"}}",
            "x".repeat(250_000)
        ))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!((bad_token.status().as_u16(), bad_credentials.status().as_u16()), (401, 401));
    let entries = app.admin_get("/__sandbox/requests").await;
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 22);
    let total: usize = entries.iter().map(journal_body_length).sum();
    assert!(total < 22 * 2_300, "the journal holds {total} bytes of bodies");
    let unknown = entries.iter().find(|e| e["operation"] == "unmatched").unwrap();
    let excerpt = unknown["body"].as_str().expect("an excerpt is text");
    assert!(excerpt.starts_with("{\"padding\": \"xxx"), "{excerpt}");
    assert!(excerpt.contains("2048 of 250015 bytes"), "{}", &excerpt[excerpt.len() - 120..]);
    let token_call = entries.iter().find(|e| e["operation"] == "authenticate").unwrap();
    assert!(!token_call["body"].as_str().unwrap().contains("guess"), "the secret is masked in the excerpt too");
}

#[tokio::test]
async fn an_authenticated_body_is_kept_whole() {
    let app = spawn_app().await;
    let body = stk_body("HARD00000001", "254764555291", "http://127.0.0.1:9/cb");
    let response = app.stk_push(&body).await;
    assert_eq!(response.status(), 200);
    let entry = &app.admin_get("/__sandbox/requests?operation=stk_push").await[0];
    assert_eq!(entry["body"], body);
}

#[tokio::test]
async fn the_journal_masks_credentials_in_headers_and_bodies_of_both_generations() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let token = app.token().await;
    let v2_token = app.v2_token().await;
    let listed = app.client.get(app.url(BILLERS)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(listed.status(), 200);
    // Assert: nothing in the journal repeats a credential.
    let journal = app.admin_get("/__sandbox/requests").await.to_string();
    for secret in [SECRET, API_KEY, token.as_str(), v2_token.as_str(), &token[token.len() - 40..]] {
        assert!(!journal.contains(secret), "{secret} is in the journal: {journal}");
    }
    let entries: Vec<Value> = serde_json::from_str(&journal).unwrap();
    let by_operation = |op: &str| entries.iter().find(|e| e["operation"] == op).unwrap().clone();
    let v3_token_call = entries.iter().find(|e| e["path"] == AUTH_PATH).unwrap();
    assert_eq!(v3_token_call["headers"]["api-key"], "…-KEY (masked, 15 chars)");
    assert_eq!(v3_token_call["body"]["consumerSecret"], "…cret (masked, 14 chars)");
    assert_eq!(v3_token_call["body"]["merchantCode"], MERCHANT, "other fields stay readable");
    let access = v3_token_call["response"]["body"]["accessToken"].as_str().unwrap();
    assert!(access.starts_with("eyJhbGciOi… (masked, "), "{access}");
    let v2_token_call = entries.iter().find(|e| e["path"] == "/identity-test/v2/token").unwrap();
    assert_eq!(v2_token_call["headers"]["authorization"], "Basic …-KEY (masked, 15 chars)");
    assert!(v2_token_call["body"].to_string().contains("password=…cret (masked, 14 chars)"), "{v2_token_call}");
    let billers = by_operation("billers");
    let bearer = billers["headers"]["authorization"].as_str().unwrap();
    assert!(bearer.starts_with("Bearer eyJhbGciOi… (masked, "), "{bearer}");
}

#[tokio::test]
async fn a_repeated_password_is_not_echoed_in_the_error() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/identity-test/v2/token"))
        .header("Authorization", format!("Basic {API_KEY}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("username={MERCHANT}&password={SECRET}&password=hunter2-hunter2"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let text = response.text().await.unwrap();
    assert!(text.contains("password: sent 2 times"), "{text}");
    assert!(!text.contains(SECRET) && !text.contains("hunter2-hunter2"), "{text}");
}

/// A JWT as the sandbox shapes them, for `account` text, signed by `key`.
fn forged_token(key: &IssuerKey, account: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS512"}"#);
    let exp = chrono::Utc::now().timestamp() + 36_000;
    let claims = json!({"tokenType": "MERCHANT", "env": "UAT", "exp": exp, "iat": exp - 900, "account": STANDARD.encode(account)});
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(key.sign_rs512(input.as_bytes())))
}

#[tokio::test]
async fn a_token_signed_with_the_committed_issuer_key_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let committed = IssuerKey::from_pem(fixtures::ISSUER_PRIVATE_PEM).unwrap();
    let credentials = app.state.merchants.get(MERCHANT).unwrap().credentials;
    // Act and assert: in the sandbox's shape, old and new.
    for account in [format!("{MERCHANT}:123456789012"), format!("{MERCHANT}:123456789012:{credentials}")] {
        let response =
            app.client.get(app.url(BILLERS)).bearer_auth(forged_token(&committed, &account)).send().await.unwrap();
        assert_eq!(response.status(), 401, "{account}");
    }
}

#[tokio::test]
async fn a_configured_token_key_signs_the_tokens() {
    // Arrange
    let app = spawn_app_with(|s| s.token_key = Some(fixtures::ISSUER_PRIVATE_PEM.into())).await;
    let committed = IssuerKey::from_pem(fixtures::ISSUER_PRIVATE_PEM).unwrap();
    let credentials = app.state.merchants.get(MERCHANT).unwrap().credentials;
    // Act
    let token = forged_token(&committed, &format!("{MERCHANT}:123456789012:{credentials}"));
    let response = app.client.get(app.url(BILLERS)).bearer_auth(token).send().await.unwrap();
    // Assert
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn tokens_issued_before_a_credentials_change_are_refused_after_it() {
    for (change, generation) in [
        (json!({"consumerSecret": "a-new-secret"}), "v3"),
        (json!({"apiKey": "A-NEW-KEY"}), "v3"),
        (json!({"consumerSecret": "a-new-secret"}), "v2"),
    ] {
        // Arrange
        let app = spawn_app().await;
        let (path, token) = match generation {
            "v3" => (BILLERS, app.token().await),
            _ => (V2_BILLERS, app.v2_token().await),
        };
        let before = app.client.get(app.url(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(before.status(), 200);
        let unchanged = app.put_merchant(MERCHANT, json!({"name": "Renamed"})).await;
        assert!(unchanged.status().is_success());
        let still = app.client.get(app.url(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(still.status(), 200, "a change that is not of credentials keeps tokens working");
        // Act
        let changed = app.put_merchant(MERCHANT, change.clone()).await;
        assert!(changed.status().is_success());
        let after = app.client.get(app.url(path)).bearer_auth(&token).send().await.unwrap();
        // Assert
        assert_eq!(after.status(), 401, "{generation} {change}");
        let text = after.text().await.unwrap();
        assert!(text.contains("credentials changed"), "{text}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_state_file_is_private_and_replaced_whole_even_when_named_tmp() {
    use std::os::unix::fs::PermissionsExt;
    // Arrange: a hard link keeps the first file's contents visible if it is written in place.
    let dir = temp_dir();
    let path = dir.path().join("state.tmp");
    let app = spawn_app_with(|s| s.state = Some(path.clone())).await;
    jenga_sandbox::persist::save(&app.state, &path).unwrap();
    let first = std::fs::read_to_string(&path).unwrap();
    let earlier = dir.path().join("earlier.json");
    std::fs::hard_link(&path, &earlier).unwrap();
    app.put_merchant("5555555555", json!({"name": "Second Shop"})).await;
    // Act
    jenga_sandbox::persist::save(&app.state, &path).unwrap();
    // Assert
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    assert!(std::fs::read_to_string(&path).unwrap().contains("5555555555"));
    assert_eq!(std::fs::read_to_string(&earlier).unwrap(), first, "the first file was replaced, not rewritten");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 2, "no temporary file is left: {left:?}");
}

#[tokio::test]
async fn a_hex_encoded_signature_is_diagnosed_as_hex() {
    // Arrange: the right signature's 256 bytes, as 512 hex digits (which also decode as Base64).
    let app = spawn_app().await;
    let body = stk_body("HARD00000002", "254764555291", "http://127.0.0.1:9/cb");
    let raw = STANDARD.decode(sign(&stk_canonical(&body))).unwrap();
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex.len(), 512);
    // Act
    let token = app.token().await;
    let response = app.stk_push_with(&body, &token, Some(&hex), None).await;
    // Assert
    assert_eq!(response.status(), 403);
    let entry = &app.admin_get("/__sandbox/requests?operation=stk_push").await[0];
    let problem = entry["signature"]["problem"].as_str().unwrap();
    assert!(problem.contains("hex-encoded"), "{problem}");
}

#[tokio::test]
async fn every_accepted_formula_is_shown_when_a_signature_fails() {
    // Arrange
    let app = spawn_app().await;
    let body = json!({"countryCode": "KE", "accountNumber": "1450160649886", "accountFullName": "JOHN DOE"});
    // Act
    let response = app.post_signed(VALIDATE, &body, "something else", None).await;
    // Assert
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["x-sandbox-signature-expected"], "KE1450160649886JOHN DOE");
    let variants: Vec<&str> = response
        .headers()
        .get_all("x-sandbox-signature-expected-variant")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(variants, ["name-without-spaces=KE1450160649886JOHNDOE"]);
    let entry = &app.admin_get("/__sandbox/requests?operation=account_validation").await[0];
    assert_eq!(
        entry["signature"]["accepted"],
        json!([
            {"name": "doc", "formula": "countryCode+accountNumber+accountFullName", "expected": "KE1450160649886JOHN DOE"},
            {"name": "name-without-spaces", "formula": "countryCode+accountNumber+accountFullNameCompact", "expected": "KE1450160649886JOHNDOE"}
        ])
    );
}

#[cfg(unix)]
#[tokio::test]
async fn with_a_state_file_a_v3_token_survives_a_restart_and_the_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    // Arrange: one token remembered, so the first of two verifies by its signature alone.
    let dir = temp_dir();
    let config = write_file(&dir, "sandbox.yaml", "token_limit: 1\n");
    let start = || {
        let mut serve = command(dir.path());
        serve.args(["serve", "--bind", "127.0.0.1:0", "--state", "state.json", "--config", config.to_str().unwrap()]);
        let (server, line) = crate::cli::start_server(serve);
        (server, listening_address(&line))
    };
    let client = test_client_builder().build().unwrap();
    let (first, address) = start();
    let mut tokens = Vec::new();
    for _ in 0..2 {
        tokens.push(crate::cli::v3_token(&client, &address).await);
    }
    let token = &tokens[0];
    let stopped = tokio::task::spawn_blocking(move || crate::cli::terminate(first)).await.unwrap();
    assert!(stopped.success());
    // Act
    let (second, address) = start();
    let response = client.get(format!("{address}{BILLERS}")).bearer_auth(token).send().await.unwrap();
    // Assert
    assert_eq!(response.status(), 200, "the token signed before the restart still verifies");
    let mode = std::fs::metadata(dir.path().join("state.json")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let stopped = tokio::task::spawn_blocking(move || crate::cli::terminate(second)).await.unwrap();
    assert!(stopped.success());
}
