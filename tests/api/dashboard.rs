//! The dashboard (contract §11): its page and assets, its event stream, and the statement lines
//! its chart draws.

use crate::helpers::*;
use jenga_sandbox::dashboard::ASSETS;
use jenga_sandbox::wait::STREAMS_LIMIT;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const EVENTS: &str = "/__sandbox/events";

/// Reads the stream until a whole event (a block ending in a blank line) satisfies `wanted`,
/// failing after `WAIT`.
async fn next_event(stream: &mut Response, buffer: &mut String, wanted: impl Fn(&str) -> bool) -> String {
    let read = async {
        loop {
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                if wanted(&block) {
                    return block;
                }
            }
            let chunk = stream.chunk().await.expect("the stream reads").expect("the stream stays open");
            buffer.push_str(std::str::from_utf8(&chunk).expect("events are text"));
        }
    };
    tokio::time::timeout(WAIT, read).await.expect("the event came in time")
}

async fn open_stream(app: &TestApp) -> Response {
    app.client.get(app.url(EVENTS)).send().await.unwrap()
}

#[tokio::test]
async fn a_push_is_announced_on_the_event_stream_as_a_change_of_requests() {
    // Arrange
    let app = spawn_app().await;
    let mut stream = open_stream(&app).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    next_event(&mut stream, &mut buffer, |e| e.contains("event: hello")).await;
    // Act
    let body = stk_body("EVTSTREAM001", "254700000001", &app.sink_url("events"));
    assert_eq!(app.stk_push(&body).await.status(), StatusCode::OK);
    // Assert
    let event = next_event(&mut stream, &mut buffer, |e| e.contains("event: change")).await;
    let data: Value = serde_json::from_str(event.lines().find_map(|l| l.strip_prefix("data: ")).unwrap()).unwrap();
    assert!(data["views"].as_array().unwrap().contains(&json!("requests")), "{event}");
}

#[tokio::test]
async fn a_clock_advance_is_announced_and_a_running_clock_is_not() {
    // Arrange
    let app = spawn_app().await;
    let mut stream = open_stream(&app).await;
    let mut buffer = String::new();
    next_event(&mut stream, &mut buffer, |e| e.contains("event: hello")).await;
    // Act
    let advanced = app.admin_post("/__sandbox/clock/advance", json!({"seconds": 60})).await;
    assert_eq!(advanced.status(), StatusCode::OK);
    // Assert: the first change names the clock, and nothing else changed.
    let event = next_event(&mut stream, &mut buffer, |e| e.contains("event: change")).await;
    assert!(event.contains(r#"{"views":["clock"]}"#), "{event}");
}

#[tokio::test]
async fn event_streams_are_bounded_and_a_client_that_leaves_frees_its_stream() {
    // Arrange
    let app = spawn_app().await;
    let mut open = Vec::new();
    for _ in 0..STREAMS_LIMIT {
        let stream = open_stream(&app).await;
        assert_eq!(stream.status(), StatusCode::OK);
        open.push(stream);
    }
    // Act
    let refused = open_stream(&app).await;
    // Assert
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let answer: Value = refused.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains(&STREAMS_LIMIT.to_string()), "{answer}");
    // A stream whose client closes its connection is ended, and its place can be taken.
    drop(open.pop());
    let state = app.state.clone();
    wait_until(WAIT, || {
        let open_now = state.event_streams.open();
        async move { (open_now < STREAMS_LIMIT).then_some(()) }
    })
    .await;
    assert_eq!(open_stream(&app).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_slow_reader_does_not_hold_up_the_api() {
    // Arrange: a stream nobody reads, while requests keep changing the journal.
    let app = spawn_app().await;
    let _unread = open_stream(&app).await;
    let token = app.token().await;
    // Act
    let pushes = async {
        for n in 0..50 {
            let body = stk_body(&format!("SLOWREAD{n:04}"), "254700000002", &app.sink_url("slow"));
            let response = app.stk_push_with(&body, &token, Some(&sign(&stk_canonical(&body))), None).await;
            assert_eq!(response.status(), StatusCode::OK);
        }
    };
    // Assert
    tokio::time::timeout(Duration::from_secs(30), pushes).await.expect("the API answered while a stream went unread");
}

#[tokio::test]
async fn off_loopback_the_event_stream_needs_the_admin_token_and_the_page_does_not() {
    // Arrange
    let app = spawn_app_with(|s| {
        s.bind = "0.0.0.0:0".into();
        s.admin_token = Some("t0k".into());
    })
    .await;
    let port = app.address.rsplit(':').next().unwrap();
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    // Act
    let missing = app.client.get(url(EVENTS)).send().await.unwrap();
    let given = app.client.get(url(EVENTS)).bearer_auth("t0k").send().await.unwrap();
    let page = app.client.get(url("/__sandbox/ui")).send().await.unwrap();
    let statement = app.client.get(url(&format!("/__sandbox/accounts/{ACCOUNT}/statement"))).send().await.unwrap();
    // Assert
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(given.status(), StatusCode::OK);
    assert_eq!(page.status(), StatusCode::OK, "the page holds no data and asks for the token itself");
    assert!(page.text().await.unwrap().contains("<body data-needs-token>"), "marked to ask first");
    assert_eq!(statement.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_page_is_html_and_no_embedded_asset_names_anything_outside_the_sandbox() {
    // Arrange
    let app = spawn_app().await;
    let page = app.client.get(app.url("/__sandbox/ui")).send().await.unwrap();
    // Assert
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(policy.contains("connect-src 'self'") && policy.contains("default-src 'none'"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("data-needs-token"), "on loopback nothing is asked");
    for (path, media, _) in ASSETS.iter().filter(|(path, _, _)| *path != "/ui") {
        let module = format!("'./{}'", path.trim_start_matches("/ui/"));
        let loaded = html.contains(&format!("\"/__sandbox{path}\""))
            || ASSETS.iter().any(|(_, _, text)| text.contains(&format!("from {module}")));
        assert!(loaded, "the page or one of its modules loads {path}");
        let served = app.client.get(app.url(&format!("/__sandbox{path}"))).send().await.unwrap();
        assert_eq!(served.status(), StatusCode::OK, "{path}");
        assert_eq!(served.headers()["content-type"], *media, "{path}");
    }
    // Only the SVG namespace name looks like a URL, and it is never fetched.
    for (path, _, text) in ASSETS {
        let text = text.replace("'http://www.w3.org/2000/svg'", "");
        for outside in ["http:", "https:", "//cdn", "src=\"//", "href=\"//", "@import", "url(", "@font-face"] {
            assert!(!text.contains(outside), "{path} names {outside}");
        }
    }
}

#[tokio::test]
async fn every_module_the_script_imports_is_served_and_an_unknown_asset_is_a_json_404() {
    // Arrange
    let app = spawn_app().await;
    let imports: Vec<String> = ASSETS
        .iter()
        .flat_map(|(_, _, text)| {
            text.split("from './").skip(1).map(|rest| rest[..rest.find('\'').unwrap()].to_string())
        })
        .collect();
    assert!(imports.len() > 5, "the script is split into modules: {imports:?}");
    // Act and assert
    for module in imports {
        let served = app.client.get(app.url(&format!("/__sandbox/ui/{module}"))).send().await.unwrap();
        assert_eq!(served.status(), StatusCode::OK, "{module}");
        assert_eq!(served.headers()["content-type"], "text/javascript; charset=utf-8", "{module}");
    }
    let missing = app.client.get(app.url("/__sandbox/ui/nothing.js")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("/ui/nothing.js"), "{body}");
}

#[tokio::test]
async fn an_account_statement_lists_its_movements_with_the_balance_after_each() {
    // Arrange
    let app = spawn_app().await;
    let set =
        app.client.put(app.url(&format!("/__sandbox/accounts/{ACCOUNT}"))).json(&json!({"balance": "1234.50"})).send();
    assert_eq!(set.await.unwrap().status(), StatusCode::OK);
    // Act
    let statement = app.admin_get(&format!("/__sandbox/accounts/{ACCOUNT}/statement")).await;
    let unknown = app.client.get(app.url("/__sandbox/accounts/000/statement")).send().await.unwrap();
    // Assert
    assert_eq!(statement["balance"], "1234.50");
    let last = statement["lines"].as_array().unwrap().last().cloned().expect("a line for the adjustment");
    assert_eq!((last["balanceAfter"].as_str(), last["adjustment"].as_bool()), (Some("1234.50"), Some(true)), "{last}");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
