//! Input at the edge of what the parsers take: nesting, field counts, paging numbers and
//! scenario or config files past their limits. Each is refused with a clear error (or, for
//! paging, clamped), and the server keeps answering normal requests afterwards.

use crate::cli::{run, stderr, stdout};
use crate::helpers::*;
use jenga_sandbox::signature::Mode;
use reqwest::Response;
use serde_json::{json, Value};

const V2_TOKEN_PATH: &str = "/identity-test/v2/token";
const FORM: &str = "application/x-www-form-urlencoded";

/// `a.a.a…=1` (or `a[a][a]…=1`) with `levels` segments.
fn nested_form_key(levels: usize, bracketed: bool) -> String {
    let segment = if bracketed { "[a]" } else { ".a" };
    format!("a{}=1", segment.repeat(levels - 1))
}

/// A JSON object whose member `a` holds `levels - 1` arrays inside each other.
fn nested_json(levels: usize) -> String {
    format!("{{\"a\":{}{}}}", "[".repeat(levels - 1), "]".repeat(levels - 1))
}

async fn post(app: &TestApp, path: &str, token: Option<&str>, content_type: &str, body: String) -> Response {
    let mut request = app.client.post(app.url(path)).header("Content-Type", content_type).body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// A v2 failure at HTTP 400 with the invalid-request code; returns its message.
async fn v2_invalid(response: Response) -> String {
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["response_code"], "500102", "{body}");
    body["response_msg"].as_str().expect("a message").to_string()
}

/// A v3 failure at HTTP 400 (INVALID_REQUEST); returns its message.
async fn v3_invalid(response: Response) -> String {
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["status"], false, "{body}");
    assert_eq!(body["error_code"], "INVALID_REQUEST", "{body}");
    body["message"].as_str().expect("a message").to_string()
}

/// The server still serves: a token is issued and the admin API answers.
async fn assert_healthy(app: &TestApp) {
    app.v2_token().await;
    assert_eq!(app.admin_get("/__sandbox/health").await["status"], "ok");
}

#[tokio::test]
async fn deeply_nested_form_keys_are_refused_naming_the_limit_on_every_v2_form_path() {
    // Arrange
    let app = spawn_app().await;
    let token = app.v2_token().await;
    let paths = [
        (V2_TOKEN_PATH, None),
        ("/transaction-test/v2/remittance", Some(token.as_str())),
        ("/customer-test/v2/identity/verify", Some(token.as_str())),
    ];
    for (path, token) in paths {
        for bracketed in [false, true] {
            // Act
            let response = post(&app, path, token, FORM, nested_form_key(40_000, bracketed)).await;
            // Assert
            let message = v2_invalid(response).await;
            assert!(message.contains("nests deeper than 32 levels, the limit"), "{path}: {message}");
            assert!(message.len() < 300, "the key is shown shortened: {message}");
        }
    }
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_form_key_at_the_depth_limit_is_read() {
    // Arrange
    let app = spawn_app().await;
    // Act: 32 levels parse; the token call then names its missing fields.
    let response = post(&app, V2_TOKEN_PATH, None, FORM, nested_form_key(32, false)).await;
    // Assert
    let message = v2_invalid(response).await;
    assert!(message.contains("username: is required"), "{message}");
}

#[tokio::test]
async fn a_form_body_of_too_many_fields_is_refused_naming_the_limit() {
    // Arrange
    let app = spawn_app().await;
    let body: Vec<String> = (0..1_001).map(|i| format!("f{i}=1")).collect();
    // Act
    let response = post(&app, V2_TOKEN_PATH, None, FORM, body.join("&")).await;
    // Assert
    let message = v2_invalid(response).await;
    assert!(message.contains("at most 1000 fields"), "{message}");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn deeply_nested_json_is_refused_naming_the_limit_in_each_generation() {
    // Arrange
    let app = spawn_app().await;
    let token = app.token().await;
    // 33 levels is legal JSON to the parser; 200 is past its own recursion limit.
    for levels in [33, 200] {
        // Act
        let v3 = post(&app, STK_PATH, Some(&token), "application/json", nested_json(levels)).await;
        let v2 = post(&app, V2_TOKEN_PATH, None, "application/json", nested_json(levels)).await;
        // Assert
        let message = v3_invalid(v3).await;
        assert!(message.contains("the JSON body nests deeper than 32 levels, the limit"), "{message}");
        let message = v2_invalid(v2).await;
        assert!(message.contains("the JSON body nests deeper than 32 levels, the limit"), "{message}");
    }
    let journal = app.admin_get("/__sandbox/requests?limit=4").await;
    assert_eq!(journal.as_array().unwrap().len(), 4, "the journal lists the deep bodies");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn json_at_the_depth_limit_reaches_validation() {
    // Arrange
    let app = spawn_app().await;
    let token = app.token().await;
    // Act
    let response = post(&app, STK_PATH, Some(&token), "application/json", nested_json(32)).await;
    // Assert
    let message = v3_invalid(response).await;
    assert!(message.contains("merchant.accountNumber: is required"), "{message}");
}

#[tokio::test]
async fn admin_json_nested_too_deep_is_a_400_naming_the_limit() {
    // Arrange
    let app = spawn_app().await;
    let body = format!("{{\"scenario\":\"rejected\",\"match\":{{\"a\":{}}}}}", nested_json(200));
    // Act
    let response = app
        .client
        .post(app.url("/__sandbox/scenarios/arm"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(answer.to_string().contains("nests deeper than 32 levels, the limit"), "{answer}");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn an_armed_match_path_deeper_than_the_limit_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let path = vec!["a"; 40].join(".");
    // Act
    let response =
        app.admin_post("/__sandbox/scenarios/arm", json!({"scenario": "rejected", "match": {path: "1"}})).await;
    // Assert
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(answer.to_string().contains("a field path nests deeper than 32 levels, the limit"), "{answer}");
    assert!(app.admin_get("/__sandbox/scenarios/armed").await.as_array().unwrap().is_empty());
}

const HUGE: &str = "18446744073709551615";
const PAST_U64: &str = "99999999999999999999999";

/// The list a paged GET answers: v3 billers inside `data`, the rest at the top.
async fn paged(app: &TestApp, token: &str, path: &str, query: &str) -> Vec<Value> {
    let response = app.client.get(app.url(&format!("{path}?{query}"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}?{query}");
    let body: Value = response.json().await.unwrap();
    let list = body.pointer("/data/billers").or(body.get("billers")).or(body.get("merchants"));
    list.and_then(Value::as_array).unwrap_or_else(|| panic!("{path}?{query}: {body}")).clone()
}

#[tokio::test]
async fn paging_numbers_of_any_size_clamp_to_the_list() {
    // Arrange
    let app = spawn_app().await;
    let v3 = app.token().await;
    let v2 = app.v2_token().await;
    let lists = [
        ("/v3-apis/transaction-api/v3.0/billers", &v3),
        ("/v3-apis/transaction-api/v3.0/merchants", &v3),
        ("/transaction-test/v2/billers", &v2),
        ("/transaction-test/v2/merchants", &v2),
    ];
    for (path, token) in lists {
        let everything = paged(&app, token, path, "page=1&per_page=100000").await;
        assert!(!everything.is_empty(), "{path}");
        for huge in [HUGE, PAST_U64] {
            // Act
            let past_the_end = paged(&app, token, path, &format!("page=2&per_page={huge}")).await;
            let far_page = paged(&app, token, path, &format!("page={huge}&per_page={huge}")).await;
            let whole = paged(&app, token, path, &format!("page=1&per_page={huge}")).await;
            // Assert
            assert!(past_the_end.is_empty() && far_page.is_empty(), "{path} {huge}");
            assert_eq!(whole, everything, "{path} {huge}");
        }
    }
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_full_statement_limit_of_any_size_is_taken() {
    // Arrange
    let app = spawn_app_with(|s| s.signature_mode = Mode::Off).await;
    let token = app.token().await;
    for limit in [HUGE, PAST_U64] {
        let body = json!({"countryCode": "KE", "accountNumber": ACCOUNT, "fromDate": "2024-01-01",
                          "toDate": "2024-12-31", "limit": limit});
        // Act
        let response = app.post_with_token("/v3-apis/account-api/v3.0/accounts/fullStatement", &token, &body).await;
        // Assert
        assert_eq!(response.status(), 200, "{limit}: {}", response.text().await.unwrap());
    }
}

/// `jenga-sandbox check` over a directory holding `files`; returns (succeeded, all output).
fn check(files: &[(&str, &[u8])]) -> (bool, String, TempDir) {
    let dir = temp_dir();
    let scenarios = dir.path().join("extra");
    std::fs::create_dir_all(&scenarios).unwrap();
    for (name, bytes) in files {
        std::fs::write(scenarios.join(name), bytes).unwrap();
    }
    let output = run(dir.path(), &["check", "--scenarios", scenarios.to_str().unwrap()]);
    (output.status.success(), format!("{}{}", stdout(&output), stderr(&output)), dir)
}

fn one_effect(effect: &str) -> String {
    format!("scenarios:\n  - name: odd\n    effects:\n      stk_push:\n{effect}")
}

#[test]
fn scenario_waits_past_their_maximum_are_refused_with_file_line_and_the_maximum() {
    let cases = [
        (
            "        delay_ms: 18446744073709551615\n",
            ":5: delay_ms must be a whole number of milliseconds from 0 to 120000",
        ),
        (
            "        callbacks:\n          - {code: 0, after_ms: 9223372036854775808}\n",
            ":6: after_ms must be a whole number of milliseconds from 0 to 604800000",
        ),
        ("        callbacks:\n          - {code: 0, after_ms: -1}\n", ":6: after_ms must be"),
    ];
    for (effect, expected) in cases {
        // Act
        let (ok, output, _dir) = check(&[("waits.yaml", one_effect(effect).as_bytes())]);
        // Assert
        assert!(!ok, "{effect}");
        assert!(output.contains(&format!("waits.yaml{expected}")), "{expected:?} not in {output}");
    }
}

#[test]
fn an_effect_of_too_many_callback_steps_is_refused() {
    // Arrange
    let steps = "          - {code: 0, after_ms: 0}\n".repeat(21);
    // Act
    let (ok, output, _dir) = check(&[("steps.yaml", one_effect(&format!("        callbacks:\n{steps}")).as_bytes())]);
    // Assert
    assert!(!ok);
    assert!(output.contains("21 callback steps; an effect may send at most 20"), "{output}");
}

#[test]
fn a_scenario_file_that_is_not_utf8_is_named_with_its_line() {
    // Act
    let (ok, output, dir) = check(&[("latin1.yaml", b"scenarios:\n  - name: caf\xe9\n")]);
    // Assert
    assert!(!ok);
    let expected = format!("{}:2: not UTF-8 text", dir.path().join("extra/latin1.yaml").display());
    assert!(output.contains(&expected), "{expected:?} not in {output}");
}

#[test]
fn a_directory_named_like_a_scenario_file_is_named() {
    // Arrange
    let dir = temp_dir();
    let folder = dir.path().join("extra/nested.yaml");
    std::fs::create_dir_all(&folder).unwrap();
    // Act
    let output = run(dir.path(), &["check", "--scenarios", dir.path().join("extra").to_str().unwrap()]);
    // Assert
    assert!(!output.status.success());
    let all = format!("{}{}", stdout(&output), stderr(&output));
    assert!(all.contains(&format!("{}: is a directory", folder.display())), "{all}");
}

#[test]
fn a_scenario_file_of_20000_rules_loads() {
    // Arrange
    let mut yaml = String::from("scenarios:\n");
    for i in 0..20_000 {
        yaml.push_str(&format!(
            "  - name: m{i}\n    effects: {{stk_push: {{error: 106201}}}}\n    match: [{{fields: {{payment.mobileNumber: '2547{i:08}'}}}}]\n"
        ));
    }
    // Act
    let (ok, output, _dir) = check(&[("many.yaml", yaml.as_bytes())]);
    // Assert
    assert!(ok, "{output}");
}

#[test]
fn a_scenario_file_past_the_parser_limits_names_them() {
    // Arrange: 70 nested flow lists inside a response field.
    let deep = format!("{}1{}", "[".repeat(70), "]".repeat(70));
    let text = one_effect(&format!("        response: {{fields: {{x: {deep}}}}}\n"));
    // Act
    let (ok, output, _dir) = check(&[("deep.yaml", text.as_bytes())]);
    // Assert
    assert!(!ok);
    assert!(output.contains("deep.yaml:5: the file nests deeper than 64 levels, the limit"), "{output}");
}

#[test]
fn a_scenario_match_path_deeper_than_the_limit_is_refused_with_its_line() {
    // Arrange
    let path = vec!["a"; 40].join(".");
    let text = format!("{}    match:\n      - fields: {{{path}: x}}\n", one_effect("        error: 106201\n"));
    // Act
    let (ok, output, _dir) = check(&[("paths.yaml", text.as_bytes())]);
    // Assert
    assert!(!ok);
    assert!(
        output.contains("paths.yaml:7:") && output.contains("a field path nests deeper than 32 levels"),
        "{output}"
    );
}

#[test]
fn config_waits_past_their_maximum_are_refused_naming_key_and_maximum() {
    let cases = [
        (
            "token_ttl_secs: 18446744073709551615\n",
            "token_ttl_secs: 18446744073709551615 is over the maximum of 31536000",
        ),
        (
            "callbacks:\n  first_delay_ms: 18446744073709551615\n",
            "callbacks.first_delay_ms: 18446744073709551615 is over the maximum",
        ),
        (
            "callbacks:\n  retry_schedule_ms: [10, 18446744073709551615]\n",
            "callbacks.retry_schedule_ms: 18446744073709551615 is over",
        ),
    ];
    for (config, expected) in cases {
        // Arrange
        let dir = temp_dir();
        let path = write_file(&dir, "sandbox.yaml", &format!("bind: 127.0.0.1:0\n{config}"));
        // Act
        let output = run(dir.path(), &["serve", "--config", path.to_str().unwrap()]);
        // Assert
        assert!(!output.status.success(), "{config}");
        assert!(stderr(&output).contains(expected), "{expected:?} not in {}", stderr(&output));
    }
}

#[test]
fn a_config_file_that_is_not_utf8_is_named_with_its_line() {
    // Arrange
    let dir = temp_dir();
    let path = dir.path().join("sandbox.yaml");
    std::fs::write(&path, b"bind: 127.0.0.1:0\nadmin_token: \xff\n").unwrap();
    // Act
    let output = run(dir.path(), &["serve", "--config", path.to_str().unwrap()]);
    // Assert
    assert!(!output.status.success());
    let expected = format!("{}:2: not UTF-8 text", path.display());
    assert!(stderr(&output).contains(&expected), "{expected:?} not in {}", stderr(&output));
}

#[tokio::test]
async fn a_form_key_the_json_reader_reserves_is_refused_by_name() {
    // Arrange: found by fuzzing; such a field became an object that reads back as a number.
    let app = spawn_app().await;
    let body = "username=9999999999&password=sandbox-secret&x[$serde_json::private::Number]=1";
    // Act
    let response = post(&app, V2_TOKEN_PATH, None, FORM, body.into()).await;
    // Assert
    let message = v2_invalid(response).await;
    assert!(message.contains("x[$serde_json::private::Number]: $serde_json::private::Number is a name"), "{message}");
    assert_healthy(&app).await;
}
