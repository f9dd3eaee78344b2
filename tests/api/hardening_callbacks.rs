//! Callback delivery against receivers that misbehave: endless or absent answers, huge
//! Retry-After values, redirects and URLs aimed at the sandbox itself; order of duplicated steps;
//! the global queue limit; and what a graceful shutdown does with callbacks still to be sent.

use crate::cli::{command, listening_address, terminate, v3_token, Server};
use crate::helpers::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MOBILE: &str = "254764555291";

/// Waits until the reference's first job listed reaches `state`; returns it.
async fn wait_for_state(app: &TestApp, reference: &str, state: &str) -> Value {
    wait_until(WAIT, || async {
        let jobs = app.callbacks_for(reference).await;
        jobs.into_iter().find(|j| j["state"] == state)
    })
    .await
}

/// A receiver on a raw socket, for answers no HTTP library would give: for each connection it
/// reads the request head, then hands the socket to `answer`. Returns the callback URL.
fn raw_receiver(answer: impl Fn(TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match (&stream).read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                answer(stream);
            });
        }
    });
    url
}

/// Keeps a connection open, silent, until the test process ends.
fn hold_open(_stream: TcpStream) -> ! {
    loop {
        std::thread::park();
    }
}

/// How much the endless receiver writes at most, so that a sandbox reading it all stays bounded.
const ENDLESS_CAP: usize = 64 * 1024 * 1024;

#[tokio::test]
async fn an_endless_callback_answer_is_read_only_as_far_as_an_excerpt() {
    // Arrange: a receiver streaming chunks without end (up to 64 MB, then silence).
    let written = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicBool::new(false));
    let url = raw_receiver({
        let (written, closed) = (written.clone(), closed.clone());
        move |mut stream| {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
            let _ = stream.write_all(head.as_bytes());
            let chunk = format!("4000\r\n{}\r\n", "x".repeat(0x4000));
            while written.load(Ordering::Relaxed) < ENDLESS_CAP {
                if stream.write_all(chunk.as_bytes()).is_err() {
                    closed.store(true, Ordering::Relaxed);
                    return;
                }
                written.fetch_add(chunk.len(), Ordering::Relaxed);
            }
            hold_open(stream)
        }
    });
    let app = spawn_app_with(|s| s.callbacks.timeout_ms = 60_000).await;
    // Act
    app.stk_push(&stk_body("HCENDLESS001", MOBILE, &url)).await;
    // Assert: delivered on its status, with a short excerpt, and the connection dropped early.
    let job = wait_for_state(&app, "HCENDLESS001", "delivered").await;
    let excerpt = job["attempts"][0]["responseExcerpt"].as_str().unwrap();
    assert!(excerpt.len() <= 512 && excerpt.starts_with("xxxx"), "{} bytes", excerpt.len());
    wait_until(WAIT, || async { closed.load(Ordering::Relaxed).then_some(()) }).await;
    let sent = written.load(Ordering::Relaxed);
    assert!(sent < ENDLESS_CAP / 2, "the sandbox read on: {sent} bytes written before the connection closed");
}

#[tokio::test]
async fn a_callback_answer_whose_body_never_comes_ends_the_attempt_within_a_second_or_two() {
    // Arrange: the status and part of the body, then silence, under a 60 s attempt timeout.
    let url = raw_receiver(|mut stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial");
        hold_open(stream)
    });
    let app = spawn_app_with(|s| s.callbacks.timeout_ms = 60_000).await;
    // Act
    app.stk_push(&stk_body("HCSILENT0001", MOBILE, &url)).await;
    // Assert
    let job = wait_for_state(&app, "HCSILENT0001", "delivered").await;
    let attempt = &job["attempts"][0];
    assert_eq!(attempt["responseExcerpt"], "partial", "{job}");
    assert!(attempt["latencyMs"].as_u64().unwrap() < 5_000, "{job}");
}

fn ms_of(iso: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso.as_str().unwrap()).unwrap().timestamp_millis()
}

#[tokio::test]
async fn retry_after_beyond_any_integer_or_date_waits_the_longest_honoured_time() {
    // Arrange: receivers answering 503 with a Retry-After each.
    let server = MockServer::start().await;
    let values =
        ["18446744073709551615", "999999999999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT", "-5", "soon"];
    for (i, value) in values.iter().enumerate() {
        Mock::given(method("POST"))
            .and(path(format!("/ra{i}")))
            .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", *value))
            .mount(&server)
            .await;
    }
    let app = spawn_app().await;
    // Act
    for i in 0..values.len() {
        app.stk_push(&stk_body(&format!("HCRETRYAFT{i:02}"), MOBILE, &format!("{}/ra{i}", server.uri()))).await;
    }
    // Assert: the huge ones wait one hour (the most honoured), however written...
    for (i, value) in values.iter().enumerate().take(3) {
        let reference = format!("HCRETRYAFT{i:02}");
        let job = wait_for_state(&app, &reference, "scheduled").await;
        let attempts = job["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 1, "{job}");
        assert_eq!(attempts[0]["status"], 503, "{job}");
        let wait = ms_of(&job["dueAt"]) - ms_of(&attempts[0]["at"]);
        assert!((3_600_000..3_610_000).contains(&wait), "{value}: waits {wait} ms: {job}");
    }
    // ...a negative or unreadable one is ignored: the schedule's 10, 20, 40 ms apply.
    for (i, value) in values.iter().enumerate().skip(3) {
        let job = wait_for_state(&app, &format!("HCRETRYAFT{i:02}"), "failed").await;
        assert_eq!(job["attempts"].as_array().unwrap().len(), 4, "{value}: {job}");
    }
    // And an hour later, the waiting ones are tried again.
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 3600})).await;
    for i in 0..3 {
        let reference = format!("HCRETRYAFT{i:02}");
        wait_until(WAIT, || async {
            let jobs = app.callbacks_for(&reference).await;
            (jobs[0]["attempts"].as_array().unwrap().len() >= 2).then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn callbacks_never_act_on_the_admin_api_however_the_url_is_written_or_redirected() {
    // Arrange: URLs for the sandbox's own admin API, directly and through a receiver's redirects.
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap().to_string();
    let redirector = MockServer::start().await;
    for (code, target) in [
        (307, "/__sandbox/reset"),
        (308, "/__sandbox/reset"),
        (302, "/__sandbox/requests"),
        (303, "/__sandbox/requests"),
    ] {
        Mock::given(method("POST"))
            .and(path(format!("/r{code}")))
            .respond_with(ResponseTemplate::new(code).insert_header("Location", app.url(target)))
            .mount(&redirector)
            .await;
    }
    let direct = [
        "http://127.0.0.1:{port}/__sandbox/reset",
        "http://localhost:{port}/__sandbox/reset",
        "http://LOCALHOST:{port}/__sandbox/reset",
        "http://127.0.0.2:{port}/__sandbox/reset",
        "http://[::1]:{port}/__sandbox/reset",
        "http://0.0.0.0:{port}/__sandbox/reset",
        "http://2130706433:{port}/__sandbox/reset",
        "http://127.0.0.1:{port}/__sandbox/%72eset",
        "http://127.0.0.1:{port}/%5F%5Fsandbox/reset",
        "http://127.0.0.1:{port}/__sandbox/sink/../reset",
        "http://127.0.0.1:{port}/__sandbox/sink/%2E%2E/reset",
        "http://127.0.0.1:{port}/__SANDBOX/RESET",
        "http://127.0.0.1:{port}/__sandbox/reset?merchant=9999999999",
        "http://127.0.0.1:{port}/__sandbox/scenarios/reload",
    ];
    let mut urls: Vec<String> = direct.iter().map(|u| u.replace("{port}", &port)).collect();
    urls.extend([307, 308, 302, 303].map(|code| format!("{}/r{code}", redirector.uri())));
    let token = app.token().await;
    // Act
    for (i, url) in urls.iter().enumerate() {
        let body = stk_body(&format!("HCADMIN{i:05}"), MOBILE, url);
        let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), None).await;
        assert_eq!(response.status(), 200, "{url}");
    }
    // Assert: every callback ended without being delivered, and the sandbox was never reset.
    let jobs = wait_until(WAIT, || async {
        let jobs = app.admin_get("/__sandbox/callbacks").await;
        let jobs = jobs.as_array().unwrap().clone();
        let finished = jobs.iter().filter(|j| j["state"] != "scheduled" && j["state"] != "in_flight").count();
        (finished == urls.len()).then_some(jobs)
    })
    .await;
    for job in &jobs {
        let url = job["url"].as_str().unwrap();
        assert_eq!(job["state"], "failed", "{job}");
        let status = &job["attempts"][0]["status"];
        if url.starts_with(&redirector.uri()) {
            let code = url.rsplit("/r").next().unwrap();
            assert_eq!(status.to_string(), code, "the redirect is the answer, not followed: {job}");
        } else if url.contains("127.0.0.1") || url.contains("localhost") || url.contains("LOCALHOST") {
            assert_eq!(status, 403, "{job}");
        } else {
            assert!(status.is_null() || status == 403, "refused or not reached: {job}");
        }
        assert!(!job.to_string().contains(&token), "no token copied into the callback log: {job}");
    }
    let journal = app.admin_get("/__sandbox/requests").await;
    assert!(journal.to_string().contains("HCADMIN00000"), "the journal was not cleared");
}

#[tokio::test]
async fn callbacks_to_the_sink_still_arrive_directly_and_over_http() {
    // Arrange: one URL the shortcut stores directly, one (with a query) sent over HTTP to ourselves.
    let app = spawn_app().await;
    let over_http = format!("{}?via=http", app.sink_url("kept"));
    // Act
    app.stk_push(&stk_body("HCSINK000001", MOBILE, &app.sink_url("kept"))).await;
    app.stk_push(&stk_body("HCSINK000002", MOBILE, &over_http)).await;
    // Assert
    wait_for_state(&app, "HCSINK000001", "delivered").await;
    wait_for_state(&app, "HCSINK000002", "delivered").await;
    let arrived = app.sink("kept").await;
    assert_eq!(arrived.len(), 2, "{arrived:?}");
    assert!(arrived.iter().all(|a| a["headers"]["x-sandbox-callback"].as_str().unwrap().starts_with("cb")));
}

const TWO_STEPS_TWICE: &str = "scenarios:\n  - name: twice\n    effects:\n      stk_push:\n        faults: [duplicate]\n        callbacks: [{code: 0}, {code: 3, after_ms: 0}]\n";

#[tokio::test]
async fn a_duplicated_step_is_followed_by_the_next_only_when_both_copies_are_finished() {
    // Arrange: the first copy to arrive is answered 503, and retried 200 ms later.
    let dir = temp_dir();
    write_file(&dir, "twice.yaml", TWO_STEPS_TWICE);
    let scenarios = dir.path().to_path_buf();
    let app = spawn_app_with(|s| {
        s.scenarios = vec![scenarios];
        s.callbacks.retry_schedule_ms = vec![200];
    })
    .await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&server).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let body = stk_body("HCTWICE00001", MOBILE, &format!("{}/cb", server.uri()));
    let token = app.token().await;
    // Act
    let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), Some("twice")).await;
    assert_eq!(response.status(), 200);
    // Assert: three arrivals of step 1 (one retried), then both copies of step 2.
    let codes: Vec<i64> = wait_until(WAIT, || async {
        let received = server.received_requests().await.unwrap_or_default();
        (received.len() >= 5).then(|| {
            received
                .iter()
                .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["code"].as_i64().unwrap())
                .collect()
        })
    })
    .await;
    assert_eq!(codes, [0, 0, 0, 3, 3]);
}

#[tokio::test]
async fn the_total_callback_queue_limit_applies_over_all_merchants() {
    // Arrange: room for two callbacks in all, plenty per merchant; unsigned, for a second merchant.
    let app = spawn_app_with(|s| {
        s.callbacks.total_queue_limit = 2;
        s.callbacks.first_delay_ms = 60_000;
        s.signature_mode = jenga_sandbox::signature::Mode::Off;
    })
    .await;
    let account =
        json!({"number": "4440000000002", "currency": "KES", "countryCode": "KE", "name": "Other", "balance": "0.00"});
    let spec =
        json!({"name": "Other Ltd", "apiKey": "OTHER-KEY", "consumerSecret": "other-secret", "accounts": [account]});
    assert_eq!(app.put_merchant("4444444445", spec).await.status(), 201);
    let other: Value = app.token_for("OTHER-KEY", "4444444445", "other-secret").await.json().await.unwrap();
    let mut other_push = stk_body("HCTOTAL00003", MOBILE, &app.sink_url("total"));
    other_push["merchant"]["accountNumber"] = json!("4440000000002");
    // Act: the default merchant queues two; the other merchant's push finds the sandbox full.
    app.stk_push(&stk_body("HCTOTAL00001", MOBILE, &app.sink_url("total"))).await;
    app.stk_push(&stk_body("HCTOTAL00002", MOBILE, &app.sink_url("total"))).await;
    let response = app.stk_push_with(&other_push, other["accessToken"].as_str().unwrap(), None, None).await;
    assert_eq!(response.status(), 200, "a full queue does not change the API's answer");
    // Assert
    assert_eq!(app.callbacks_for("HCTOTAL00002").await[0]["state"], "scheduled");
    let dropped = &app.callbacks_for("HCTOTAL00003").await[0];
    assert_eq!(dropped["state"], "dropped", "{dropped}");
    assert_eq!(dropped["droppedBy"], "callbacks.total_queue_limit", "{dropped}");
    let metrics = app.client.get(app.url("/__sandbox/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("\njenga_sandbox_callbacks_dropped_total 1\n"), "{metrics}");
    assert!(metrics.contains("\njenga_sandbox_callbacks_queued 2\n"), "{metrics}");
}

/// A receiver answering every callback 503, and what it was sent.
async fn unavailable_receiver() -> MockServer {
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).mount(&receiver).await;
    receiver
}

/// Callbacks due at once, retried a minute later at the earliest.
const SLOW_RETRIES: &str = "callbacks:\n  first_delay_ms: 0\n  retry_schedule_ms: [60000, 60000]\n  jitter: 0\n";

/// The binary serving in `dir` with `args`, its log written to `dir/log.txt`.
fn start_logging(dir: &TempDir, args: &[&str]) -> (Server, String) {
    let log = std::fs::File::create(dir.path().join("log.txt")).unwrap();
    let mut child = command(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("the server starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    (Server(child, out), listening_address(line.trim_end()))
}

/// A signed STK push with `reference`, its callbacks to `url`.
async fn push_to(address: &str, reference: &str, url: &str) {
    let client = reqwest::Client::new();
    let body = stk_body(reference, MOBILE, url);
    let response = client
        .post(format!("{address}{STK_PATH}"))
        .bearer_auth(v3_token(&client, address).await)
        .header("Signature", sign(&stk_canonical(&body)))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn jobs_at(address: &str, reference: &str) -> Vec<Value> {
    let url = format!("{address}/__sandbox/callbacks?reference={reference}");
    let jobs: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    jobs.as_array().unwrap().clone()
}

/// Waits until the job for `reference` at `address` has been tried `attempts` times.
async fn wait_for_attempts(address: &str, reference: &str, attempts: usize) -> Value {
    wait_until(WAIT, || async {
        let jobs = jobs_at(address, reference).await;
        jobs.into_iter().find(|j| j["state"] == "scheduled" && j["attempts"].as_array().unwrap().len() == attempts)
    })
    .await
}

/// SIGTERM, timed; returns how long the process took to exit.
async fn stop_timed(server: Server) -> Duration {
    let started = Instant::now();
    let status = tokio::task::spawn_blocking(move || terminate(server)).await.unwrap();
    assert!(status.success(), "{status}");
    started.elapsed()
}

#[tokio::test]
async fn sigterm_keeps_retry_waits_and_the_restart_resumes_the_callback_where_it_was() {
    // Arrange: a callback tried once (503) and due again in a minute.
    let receiver = unavailable_receiver().await;
    let dir = temp_dir();
    let config = write_file(&dir, "sandbox.yaml", SLOW_RETRIES);
    let config = config.to_str().unwrap();
    let (server, address) = start_logging(&dir, &["--config", config, "--state", "state.json"]);
    push_to(&address, "HCSHUTDOWN01", &format!("{}/cb", receiver.uri())).await;
    wait_for_attempts(&address, "HCSHUTDOWN01", 1).await;
    // Act
    let took = stop_timed(server).await;
    // Assert: no retry was brought forward, the stop was quick, and the job was saved as it was.
    assert_eq!(receiver.received_requests().await.unwrap().len(), 1, "no retry without its wait");
    assert!(took < Duration::from_secs(5), "stopped in {took:?}");
    let saved = std::fs::read_to_string(dir.path().join("state.json")).unwrap();
    assert!(saved.contains("HCSHUTDOWN01") && saved.contains(r#""attempts":1"#), "{saved}");
    // The restart resumes it: same schedule, the attempt already made counted.
    receiver.reset().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&receiver).await;
    let (server, address) = start_logging(&dir, &["--config", config, "--state", "state.json"]);
    let job = jobs_at(&address, "HCSHUTDOWN01").await.remove(0);
    assert_eq!((job["state"].as_str(), job["earlierAttempts"].as_u64()), (Some("scheduled"), Some(1)), "{job}");
    reqwest::Client::new()
        .post(format!("{address}/__sandbox/clock/advance"))
        .json(&json!({"seconds": 60}))
        .send()
        .await
        .unwrap();
    let job = wait_until(WAIT, || async {
        jobs_at(&address, "HCSHUTDOWN01").await.into_iter().find(|j| j["state"] == "delivered")
    })
    .await;
    assert_eq!(job["attempts"][0]["number"], 2, "{job}");
    assert_eq!(receiver.received_requests().await.unwrap().len(), 1);
    stop_timed(server).await;
}

#[tokio::test]
async fn sigterm_without_a_state_file_logs_how_many_callbacks_were_dropped() {
    // Arrange
    let receiver = unavailable_receiver().await;
    let dir = temp_dir();
    let config = write_file(&dir, "sandbox.yaml", SLOW_RETRIES);
    let (server, address) = start_logging(&dir, &["--config", config.to_str().unwrap()]);
    push_to(&address, "HCSHUTDOWN02", &format!("{}/cb", receiver.uri())).await;
    wait_for_attempts(&address, "HCSHUTDOWN02", 1).await;
    // Act
    stop_timed(server).await;
    // Assert
    assert_eq!(receiver.received_requests().await.unwrap().len(), 1, "no retry without its wait");
    let log = std::fs::read_to_string(dir.path().join("log.txt")).unwrap();
    assert!(log.contains("1 undelivered callback job(s) dropped at shutdown"), "{log}");
}

#[tokio::test]
async fn sigterm_makes_a_retry_that_falls_due_within_the_grace_period() {
    // Arrange: the first attempt is answered 503, the retry (due in a second) 200.
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&receiver).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&receiver).await;
    let dir = temp_dir();
    let config = write_file(
        &dir,
        "sandbox.yaml",
        "shutdown_timeout_secs: 5\ncallbacks:\n  first_delay_ms: 0\n  retry_schedule_ms: [1000]\n  jitter: 0\n",
    );
    let (server, address) = start_logging(&dir, &["--config", config.to_str().unwrap()]);
    push_to(&address, "HCSHUTDOWN03", &format!("{}/cb", receiver.uri())).await;
    wait_for_attempts(&address, "HCSHUTDOWN03", 1).await;
    // Act
    let took = stop_timed(server).await;
    // Assert
    assert_eq!(receiver.received_requests().await.unwrap().len(), 2, "the retry was made before exit");
    assert!(took < Duration::from_secs(5), "stopped in {took:?}");
}

#[tokio::test]
async fn callback_log_lines_name_the_reference_and_status_but_no_credentials_or_tokens() {
    // Arrange: a receiver URL carrying a password and a token, answering 503; one quick retry.
    let receiver = unavailable_receiver().await;
    let dir = temp_dir();
    let config = write_file(&dir, "sandbox.yaml", "callbacks:\n  first_delay_ms: 0\n  retry_schedule_ms: [10]\n");
    let (server, address) = start_logging(&dir, &["--config", config.to_str().unwrap()]);
    let port = receiver.address().port();
    let url = format!("http://cb-user:url-secret@127.0.0.1:{port}/cb?token=tok-secret");
    // Act
    push_to(&address, "HCLOGLINES01", &url).await;
    wait_until(WAIT, || async { jobs_at(&address, "HCLOGLINES01").await.into_iter().find(|j| j["state"] == "failed") })
        .await;
    stop_timed(server).await;
    // Assert
    let log = std::fs::read_to_string(dir.path().join("log.txt")).unwrap();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("HCLOGLINES01")).collect();
    assert!(lines.iter().any(|l| l.contains("callback attempt failed: answered 503")), "{log}");
    assert!(lines.iter().any(|l| l.contains("callback given up: answered 503")), "{log}");
    assert!(lines.iter().all(|l| l.contains(&format!("http://127.0.0.1:{port}/cb?..."))), "{log}");
    assert!(!log.contains("url-secret") && !log.contains("tok-secret"), "{log}");
}

#[tokio::test]
async fn a_delivered_callback_is_logged_once_at_info_with_its_reference_status_and_attempt() {
    // Arrange
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&receiver).await;
    let dir = temp_dir();
    let config = write_file(&dir, "sandbox.yaml", "callbacks:\n  first_delay_ms: 0\n");
    let (server, address) = start_logging(&dir, &["--config", config.to_str().unwrap()]);
    let url = format!("http://127.0.0.1:{}/cb?token=tok-secret", receiver.address().port());
    // Act
    push_to(&address, "HCLOGINFO001", &url).await;
    wait_until(WAIT, || async {
        jobs_at(&address, "HCLOGINFO001").await.into_iter().find(|j| j["state"] == "delivered")
    })
    .await;
    stop_timed(server).await;
    // Assert
    let log = std::fs::read_to_string(dir.path().join("log.txt")).unwrap();
    let delivered: Vec<&str> =
        log.lines().filter(|l| l.contains("HCLOGINFO001") && l.contains("callback delivered")).collect();
    assert_eq!(delivered.len(), 1, "{log}");
    assert!(delivered[0].contains("INFO") && delivered[0].contains("status=200"), "{log}");
    assert!(delivered[0].contains("attempt=1") && !log.contains("tok-secret"), "{log}");
}
