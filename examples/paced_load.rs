//! Latency at a fixed request rate: sends pre-signed requests (from `presign`) at RATE per second
//! over CONNECTIONS keep-alive connections for SECS seconds, and times each one from the moment it
//! was due to be sent, not from when it went out. A request that waits for a busy connection, or
//! for a stalled server, is charged that wait: the figures do not flatter the server the way a
//! closed loop (wrk) does when it slows down and sends less.
//!
//! Usage: cargo run --release --example paced_load -- --url http://127.0.0.1:PORT --requests FILE
//!        --token TOKEN --rate 5000 [--secs 10] [--connections 32] [--path /v3-apis/...]
//!        [--skip LINES] [--per-second]
//! The last line is machine-readable (`PACED key=value ...`). Stops by itself after SECS plus at
//! most 5 s for answers still on their way. Loopback only.
//!
//! A request whose connection was free when it fell due is timed from when it actually left: the
//! client's timer fires up to a millisecond late, and that is not the server's doing.

#[path = "support/mod.rs"]
mod support;

use clap::Parser;
use std::sync::Arc;
use std::time::Duration;
use support::percentile_ms;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends pre-signed requests at a fixed rate and times each from when it fell due.
#[derive(clap::Parser)]
struct Options {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The request file: `signature<TAB>body` lines.
    #[arg(long, default_value = "bench/.cache/stk.tsv")]
    requests: String,
    /// The bearer token.
    #[arg(long, default_value = "")]
    token: String,
    /// Requests per second.
    #[arg(long, default_value_t = 5000.0, value_parser = above_zero)]
    rate: f64,
    #[arg(long, default_value_t = 10.0, value_parser = above_zero)]
    secs: f64,
    #[arg(long, default_value_t = 32, value_parser = at_least_one)]
    connections: usize,
    #[arg(long, default_value = "/v3-apis/payment-api/v3.0/stkussdpush/initiate")]
    path: String,
    /// Lines of the request file to pass over (used by an earlier run against the same sandbox).
    #[arg(long, default_value_t = 0)]
    skip: usize,
    /// Prints p50/p99/max for every second of the run, to tell steady slowness from stalls.
    #[arg(long)]
    per_second: bool,
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(format!("{text} is not a count of at least 1")),
    }
}

fn above_zero(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value > 0.0 => Ok(value),
        _ => Err(format!("{text} is not a number above 0")),
    }
}

/// One complete HTTP/1.1 request per line of the request file (`signature<TAB>body`).
fn requests(o: &Options, host: &str, count: usize) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(&o.requests).unwrap_or_else(|e| panic!("{}: {e}", o.requests));
    let lines: Vec<&str> = text.lines().skip(o.skip).take(count).collect();
    assert!(
        lines.len() == count,
        "{} has {} requests after --skip {}; {count} are needed (rate × secs), so references stay unique",
        o.requests,
        lines.len(),
        o.skip
    );
    lines
        .into_iter()
        .map(|line| {
            let (signature, body) = line.split_once('\t').expect("signature<TAB>body");
            format!(
                "POST {} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nAuthorization: Bearer {}\r\nSignature: {signature}\r\nContent-Length: {}\r\n\r\n{body}",
                o.path,
                o.token,
                body.len()
            )
            .into_bytes()
        })
        .collect()
}

/// Reads one response; returns its status.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<u16> {
    buffer.clear();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let length: usize = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    Ok(status)
}

struct Sample {
    /// When it was due, from the start of the run.
    due_us: u64,
    latency_us: u64,
    ok: bool,
}

fn main() {
    let o = Options::parse();
    let address = o.url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let count = (o.rate * o.secs).round() as usize;
    let all = Arc::new(requests(&o, &address, count));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let (samples, errors, elapsed) = runtime.block_on(async {
        let interval = Duration::from_secs_f64(1.0 / o.rate);
        let start = tokio::time::Instant::now() + Duration::from_millis(100);
        let give_up = start + Duration::from_secs_f64(o.secs) + Duration::from_secs(5);
        let mut tasks = Vec::new();
        for connection in 0..o.connections {
            let all = all.clone();
            let address = address.clone();
            tasks.push(tokio::spawn(async move {
                let mut samples = Vec::with_capacity(all.len() / o.connections + 1);
                let mut errors = 0usize;
                let mut stream = TcpStream::connect(&address).await.expect("connect");
                stream.set_nodelay(true).ok();
                let mut buffer = Vec::with_capacity(8192);
                let mut free_since = tokio::time::Instant::now();
                for index in (connection..all.len()).step_by(o.connections) {
                    let due = start + interval * index as u32;
                    tokio::time::sleep_until(due).await;
                    // Waiting for this connection (the answer before was late) is the server's
                    // doing and counts from `due`; a timer that fired late is the client's and
                    // does not.
                    let from = if free_since > due { due } else { tokio::time::Instant::now() };
                    let exchange = async {
                        stream.write_all(&all[index]).await?;
                        read_response(&mut stream, &mut buffer).await
                    };
                    match tokio::time::timeout_at(give_up, exchange).await {
                        Ok(Ok(status)) => {
                            free_since = tokio::time::Instant::now();
                            samples.push(Sample {
                                due_us: (due - start).as_micros() as u64,
                                latency_us: (free_since - from).as_micros() as u64,
                                ok: (200..300).contains(&status),
                            })
                        }
                        Ok(Err(_)) | Err(_) => {
                            errors += 1;
                            break;
                        }
                    }
                }
                (samples, errors)
            }));
        }
        let mut samples = Vec::new();
        let mut errors = 0;
        for task in tasks {
            let (s, e) = task.await.expect("connection task");
            samples.extend(s);
            errors += e;
        }
        (samples, errors, start.elapsed())
    });
    let non_2xx = samples.iter().filter(|s| !s.ok).count();
    if o.per_second {
        let mut by_second: std::collections::BTreeMap<u64, Vec<u64>> = Default::default();
        for s in &samples {
            by_second.entry(s.due_us / 1_000_000).or_default().push(s.latency_us);
        }
        for (second, mut l) in by_second {
            l.sort_unstable();
            println!(
                "second {second}: {} requests, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
                l.len(),
                percentile_ms(&l, 50.0),
                percentile_ms(&l, 99.0),
                *l.last().unwrap_or(&0) as f64 / 1000.0
            );
        }
    }
    let mut latencies: Vec<u64> = samples.iter().map(|s| s.latency_us).collect();
    latencies.sort_unstable();
    let seconds = elapsed.as_secs_f64().max(f64::EPSILON);
    println!(
        "PACED rate={} connections={} requests={} seconds={:.2} rps={:.1} p50_ms={:.3} p90_ms={:.3} p99_ms={:.3} max_ms={:.3} non2xx={} errors={}",
        o.rate,
        o.connections,
        samples.len(),
        seconds,
        samples.len() as f64 / seconds,
        percentile_ms(&latencies, 50.0),
        percentile_ms(&latencies, 90.0),
        percentile_ms(&latencies, 99.0),
        latencies.last().copied().unwrap_or(0) as f64 / 1000.0,
        non_2xx,
        errors
    );
}
