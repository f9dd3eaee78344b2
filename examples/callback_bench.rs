//! Callback delivery throughput: runs a minimal receiver (actix-web, one worker, answers 200 with
//! no body) on loopback, fires pre-signed STK pushes (from `presign`, whose callBackUrl points at
//! that receiver) at a running sandbox with CONCURRENCY requests in flight, and counts what the
//! receiver gets over time. Meanwhile it times `GET /__sandbox/health` every 10 ms, to see whether
//! the API stays quick while callbacks go out.
//!
//! Modes:
//! - `concurrent`: the sandbox runs with `callbacks.first_delay_ms: 0`, so deliveries overlap
//!   the pushes; the rate is bounded by how fast pushes are accepted.
//! - `burst`: the sandbox holds every callback (a long first delay); after the last push this
//!   advances the sandbox clock (`POST /__sandbox/clock/advance`) so all of them fall due at
//!   once, which measures delivery alone.
//!
//! Usage: cargo run --release --example callback_bench -- --base URL --requests FILE
//!        --receiver-port PORT [--mode concurrent|burst] [--concurrency 32] [--timeout-secs 90]
//!        [--advance-secs 3600]
//! The last line is machine-readable (`CALLBACKS key=value ...`). Stops by itself: when every
//! callback arrived or after the timeout.

#[path = "support/mod.rs"]
mod support;

use actix_web::{web, App, HttpResponse, HttpServer};
use clap::Parser;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use support::percentile_ms;

static RECEIVED: AtomicU64 = AtomicU64::new(0);
static FIRST_NS: AtomicU64 = AtomicU64::new(u64::MAX);
static LAST_NS: AtomicU64 = AtomicU64::new(0);
static EPOCH: OnceLock<Instant> = OnceLock::new();

fn now_ns() -> u64 {
    EPOCH.get().expect("epoch set").elapsed().as_nanos() as u64
}

async fn receive(_body: web::Bytes) -> HttpResponse {
    let ns = now_ns();
    FIRST_NS.fetch_min(ns, Relaxed);
    LAST_NS.fetch_max(ns, Relaxed);
    RECEIVED.fetch_add(1, Relaxed);
    HttpResponse::Ok().finish()
}

/// Measures callback deliveries to a minimal local receiver, and health latency meanwhile.
#[derive(clap::Parser)]
struct Options {
    /// The sandbox.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    /// Pre-signed STK pushes (`signature<TAB>body` lines) whose callBackUrl is the receiver.
    #[arg(long, default_value = "bench/.cache/callbacks.tsv")]
    requests: String,
    #[arg(long, default_value_t = 18_190)]
    receiver_port: u16,
    #[arg(long, value_enum, default_value_t = Mode::Concurrent)]
    mode: Mode,
    /// Pushes in flight.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    #[arg(long, default_value_t = 90)]
    timeout_secs: u64,
    /// How far `burst` moves the sandbox clock so every callback falls due.
    #[arg(long, default_value_t = 3_600)]
    advance_secs: u64,
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Mode {
    Concurrent,
    Burst,
}

fn metric(text: &str, name: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or("?")
        .to_string()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let o = Options::parse();
    EPOCH.get_or_init(Instant::now);
    let server = HttpServer::new(|| App::new().default_service(web::to(receive)))
        .workers(1)
        .backlog(4096)
        .max_connection_rate(4096)
        .bind(("127.0.0.1", o.receiver_port))?
        .disable_signals()
        .run();
    let server_handle = server.handle();
    actix_web::rt::spawn(server);

    let requests: Vec<(String, String)> = std::fs::read_to_string(&o.requests)?
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(s, b)| (s.to_string(), b.to_string()))
        .collect();
    let total = requests.len();
    let requests = Rc::new(requests);
    let client = reqwest::Client::builder().pool_max_idle_per_host(o.concurrency + 4).build().expect("client");
    let token: serde_json::Value = client
        .post(format!("{}/authentication/api/v3/authenticate/merchant", o.base))
        .header("Api-Key", "SANDBOX-API-KEY")
        .json(&serde_json::json!({"merchantCode": "9999999999", "consumerSecret": "sandbox-secret"}))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let token = token["accessToken"].as_str().expect("accessToken").to_string();
    let push_url = format!("{}/v3-apis/payment-api/v3.0/stkussdpush/initiate", o.base);

    // Health probe: one GET every 10 ms until told to stop.
    let stop = Rc::new(Cell::new(false));
    let health_latencies = Rc::new(RefCell::new(Vec::<(u64, u64)>::new()));
    let probe = {
        let (client, stop, lat, url) =
            (client.clone(), stop.clone(), health_latencies.clone(), format!("{}/__sandbox/health", o.base));
        actix_web::rt::spawn(async move {
            while !stop.get() {
                let (at, t) = (now_ns(), Instant::now());
                if client.get(&url).send().await.is_ok() {
                    lat.borrow_mut().push((at, t.elapsed().as_micros() as u64));
                }
                actix_web::rt::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };

    // Sampler: the receiver's count every 100 ms (for the best one-second window).
    let samples = Rc::new(RefCell::new(Vec::<(f64, u64)>::new()));
    let sampler = {
        let (stop, samples) = (stop.clone(), samples.clone());
        actix_web::rt::spawn(async move {
            while !stop.get() {
                samples.borrow_mut().push((now_ns() as f64 / 1e9, RECEIVED.load(Relaxed)));
                actix_web::rt::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    let next = Rc::new(Cell::new(0usize));
    let latencies = Rc::new(RefCell::new(Vec::<u64>::with_capacity(total)));
    let failures = Rc::new(Cell::new(0u64));
    let push_start = now_ns();
    let workers: Vec<_> = (0..o.concurrency)
        .map(|_| {
            let (client, requests, next, latencies, failures, token, url) = (
                client.clone(),
                requests.clone(),
                next.clone(),
                latencies.clone(),
                failures.clone(),
                token.clone(),
                push_url.clone(),
            );
            actix_web::rt::spawn(async move {
                loop {
                    let i = next.get();
                    if i >= requests.len() {
                        break;
                    }
                    next.set(i + 1);
                    let (signature, body) = &requests[i];
                    let t = Instant::now();
                    let result = client
                        .post(&url)
                        .header("Authorization", format!("Bearer {token}"))
                        .header("Signature", signature)
                        .header("Content-Type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    let ok = match result {
                        Ok(r) => {
                            let ok = r.status().is_success();
                            let _ = r.bytes().await;
                            ok
                        }
                        Err(_) => false,
                    };
                    latencies.borrow_mut().push(t.elapsed().as_micros() as u64);
                    if !ok {
                        failures.set(failures.get() + 1);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
    let push_end = now_ns();
    let received_at_push_end = RECEIVED.load(Relaxed);
    let accepted = total as u64 - failures.get();

    let mut release_ns = push_start;
    if o.mode == Mode::Burst {
        // Everything is queued; let it all fall due now.
        release_ns = now_ns();
        let _ = client
            .post(format!("{}/__sandbox/clock/advance", o.base))
            .json(&serde_json::json!({"seconds": o.advance_secs}))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("clock advance");
    }
    let deadline = Instant::now() + Duration::from_secs(o.timeout_secs);
    while RECEIVED.load(Relaxed) < accepted && Instant::now() < deadline {
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    stop.set(true);
    let _ = probe.await;
    let _ = sampler.await;
    let received = RECEIVED.load(Relaxed);
    let (first, last) = (FIRST_NS.load(Relaxed), LAST_NS.load(Relaxed));
    let metrics = client
        .get(format!("{}/__sandbox/metrics", o.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .unwrap_or_default();
    server_handle.stop(false).await;

    let push_secs = (push_end - push_start) as f64 / 1e9;
    let mut lat = latencies.borrow().clone();
    lat.sort_unstable();
    // Health probes from the release on (in burst mode: while the callbacks go out).
    let mut health: Vec<u64> =
        health_latencies.borrow().iter().filter(|(at, _)| *at >= release_ns).map(|(_, us)| *us).collect();
    health.sort_unstable();
    // From the release (first push, or the clock advance) to the last callback.
    let span = if received > 0 { (last.max(release_ns) - release_ns) as f64 / 1e9 } else { 0.0 };
    let overall = if span > 0.0 { received as f64 / span } else { 0.0 };
    // The best one-second window after the release; a run shorter than 2 s has none worth the name.
    let release_s = release_ns as f64 / 1e9;
    let samples: Vec<(f64, u64)> = samples.borrow().iter().copied().filter(|(t, _)| *t >= release_s).collect();
    let best_window = samples
        .iter()
        .enumerate()
        .filter_map(|(i, (t, n))| {
            samples[i..].iter().find(|(t2, _)| *t2 - *t >= 1.0).map(|(t2, n2)| (*n2 - *n) as f64 / (*t2 - *t))
        })
        .fold(0.0, f64::max);
    let best_window = if span < 2.0 || best_window == 0.0 { overall } else { best_window };
    let mode = if o.mode == Mode::Burst { "burst" } else { "concurrent" };
    println!(
        "{mode}: {total} STK pushes in {push_secs:.2} s ({:.0}/s, p50 {:.2} ms, p99 {:.2} ms, {} not 2xx)",
        total as f64 / push_secs,
        percentile_ms(&lat, 50.0),
        percentile_ms(&lat, 99.0),
        failures.get()
    );
    println!(
        "  receiver got {received}/{accepted} callbacks ({received_at_push_end} by the last push); {span:.2} s from release to last: {overall:.0}/s; best 1 s window {best_window:.0}/s"
    );
    if first != u64::MAX {
        println!("  first callback {:.1} ms after release", (first.saturating_sub(release_ns)) as f64 / 1e6);
    }
    println!(
        "  /__sandbox/health from the release on: {} probes, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        health.len(),
        percentile_ms(&health, 50.0),
        percentile_ms(&health, 99.0),
        percentile_ms(&health, 100.0)
    );
    let names = ["delivered", "failed", "retried"].map(|n| format!("jenga_sandbox_callbacks_{n}_total"));
    println!(
        "  sandbox metrics: delivered {}, failed {}, retried {}, queued {}",
        metric(&metrics, &names[0]),
        metric(&metrics, &names[1]),
        metric(&metrics, &names[2]),
        metric(&metrics, "jenga_sandbox_callbacks_queued")
    );
    println!(
        "CALLBACKS mode={mode} pushes={total} push_rps={:.0} push_p50_ms={:.2} push_p99_ms={:.2} push_failures={} received={received} expected={accepted} span_s={span:.2} rate={overall:.0} best_window={best_window:.0} health_p50_ms={:.2} health_p99_ms={:.2} health_max_ms={:.2} metrics_delivered={} metrics_failed={} metrics_retried={}",
        total as f64 / push_secs,
        percentile_ms(&lat, 50.0),
        percentile_ms(&lat, 99.0),
        failures.get(),
        percentile_ms(&health, 50.0),
        percentile_ms(&health, 99.0),
        percentile_ms(&health, 100.0),
        metric(&metrics, &names[0]),
        metric(&metrics, &names[1]),
        metric(&metrics, &names[2]),
    );
    if received < accepted {
        std::process::exit(2);
    }
    Ok(())
}
