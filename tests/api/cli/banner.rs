//! What `serve` prints when it starts, and `health` against a running sandbox.

use super::*;

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
    let dir = temp_dir();
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
    let dir = temp_dir();
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
    let dir = temp_dir();
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
    let dir = temp_dir();
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
    let dir = temp_dir();
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
