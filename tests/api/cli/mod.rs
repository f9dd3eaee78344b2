//! The real `jenga-sandbox` binary: `errors`, `check`, `sign`, `keygen` and `serve`.

use crate::helpers::{
    sign, stk_body, stk_canonical, temp_dir, test_client, test_client_builder, wait_until, write_file, TempDir,
    API_KEY, AUTH_PATH, MERCHANT, SECRET, STK_PATH, WAIT,
};
use jenga_sandbox::crypto::{fixtures, parse_private_key, sign_sha256, PublicKey};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_jenga-sandbox");
const PRIVATE_PEM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/sandbox-private.pem");

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

mod banner;
mod commands;
mod restarts;
