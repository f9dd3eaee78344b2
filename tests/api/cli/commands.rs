//! The one-shot commands: `errors`, `check`, `sign`, `keygen`, and `serve` starting up.

use super::*;

#[test]
fn errors_prints_the_catalogue_with_the_known_codes() {
    // Arrange
    let dir = temp_dir();
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
    let dir = temp_dir();
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
    let dir = temp_dir();
    // Act
    let output = run(dir.path(), &["check"]);
    // Assert
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("ok:"), "{}", stdout(&output));
}

#[test]
fn check_with_a_bad_scenario_file_fails_naming_file_and_line() {
    // Arrange
    let dir = temp_dir();
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
    let dir = temp_dir();
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
    let dir = temp_dir();
    let body = write_file(
        &dir,
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
    let dir = temp_dir();
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
    let dir = temp_dir();
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
    let dir = temp_dir();
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
    let dir = temp_dir();
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
    let dir = temp_dir();
    let config = write_file(&dir, "sandbox.yaml", "bind: 127.0.0.1:0\nbnid: 127.0.0.1:0\n");
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
    let dir = temp_dir();
    let body = write_file(&dir, "body.json", "{}");
    // Act
    let output =
        run(dir.path(), &["sign", "--key", PRIVATE_PEM, "--operation", "nope", "--body", body.to_str().unwrap()]);
    // Assert
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("\"nope\"") && message.contains("stk_push"), "{message}");
}
