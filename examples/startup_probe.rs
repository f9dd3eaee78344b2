//! Start-to-ready time of a server: spawns the command, polls `GET PATH` on loopback every
//! 0.5 ms (plain std TCP, so the probe itself costs next to nothing), and reports the time from
//! spawn to the first 200. Repeats RUNS times on a fresh free port each time, killing the server
//! after each, and prints each time, the best and the median, and the server's resident memory
//! when it first answered.
//!
//! Usage: cargo run --release --example startup_probe -- [--runs 5] [--path /__sandbox/health]
//!        [--timeout-secs 60] -- COMMAND ARGS...   ({port} in any argument is replaced)
//!
//! The last line is machine-readable:
//! `STARTUP runs=5 best_ms=.. median_ms=.. worst_ms=.. rss_kib=..`

use clap::Parser;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Start-to-ready time of a server, over several starts.
#[derive(clap::Parser)]
struct Options {
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// What to poll for a 200.
    #[arg(long, default_value = "/__sandbox/health")]
    path: String,
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
    /// The server command; `{port}` in any argument is replaced by a free port.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// One GET; true when the answer's status line is 200.
fn healthy(addr: &SocketAddr, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(addr, Duration::from_millis(200)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..]) {
            Ok(0) | Err(_) => return false,
            Ok(n) => read += n,
        }
    }
    head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200")
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let Options { runs, path, timeout_secs, command } = Options::parse();
    let timeout = Duration::from_secs(timeout_secs);
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for run in 1..=runs {
        let port = free_port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let argv: Vec<String> = command.iter().map(|a| a.replace("{port}", &port.to_string())).collect();
        let started = Instant::now();
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", argv[0]));
        let mut ready = None;
        while started.elapsed() < timeout {
            if healthy(&addr, &path) {
                ready = Some(started.elapsed());
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                eprintln!("run {run}: the server exited early ({status})");
                break;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        let memory = rss_kib(child.id());
        let _ = child.kill();
        let _ = child.wait();
        match ready {
            Some(t) => {
                let ms = t.as_secs_f64() * 1000.0;
                println!("run {run}: ready after {ms:.1} ms, resident {} KiB", memory.unwrap_or(0));
                times.push(ms);
                rss.extend(memory);
            }
            None => println!("run {run}: not ready within {timeout:?}"),
        }
    }
    if times.is_empty() {
        println!("STARTUP runs=0");
        std::process::exit(1);
    }
    let worst = times.iter().cloned().fold(0.0, f64::max);
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rss.sort();
    println!(
        "STARTUP runs={} best_ms={:.1} median_ms={:.1} worst_ms={:.1} rss_kib={}",
        sorted.len(),
        sorted[0],
        sorted[sorted.len() / 2],
        worst,
        rss.get(rss.len() / 2).copied().unwrap_or(0)
    );
}
