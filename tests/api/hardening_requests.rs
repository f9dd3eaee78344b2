//! What a client can send or fail to read must not stall, bloat or leak: logging nobody reads,
//! bodies that never come, bodies nobody authenticated, secrets in the journal and the state
//! file, forged tokens, and requests actix rejects before any handler.

use crate::cli::{command, listening_address, TempDir};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

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
    let dir = TempDir::new();
    let (child, address) = start_unread_server(&dir, &["serve", "--bind", "127.0.0.1:0"]);
    let _server = Killed(child);
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
