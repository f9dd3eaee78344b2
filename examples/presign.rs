//! Writes N pre-signed STK push requests (one `signature<TAB>body` line each, unique refs) for
//! the load benchmark, so the load tool spends nothing on RSA and every request is new to the
//! sandbox's duplicate check. Usage: cargo run --release --example presign -- N FILE [CALLBACK_URL]

use base64::Engine;
use jenga_sandbox::crypto::{fixtures, IssuerKey};
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let out = args.get(2).cloned().unwrap_or_else(|| "bench/stk-requests.tsv".into());
    let callback = args.get(3).cloned().unwrap_or_else(|| "http://127.0.0.1:8080/__sandbox/sink/bench".into());
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let chunks: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let callback = callback.clone();
                scope.spawn(move || {
                    // The merchant's test key, loaded as a ring key pair: signing is the slow part.
                    let key = IssuerKey::from_pem(fixtures::MERCHANT_PRIVATE_PEM).expect("fixture key");
                    (t..count)
                        .step_by(threads)
                        .map(|i| {
                            let reference = format!("BN{i:010}");
                            let body = serde_json::json!({
                                "merchant": {"accountNumber": "0170194290581", "countryCode": "KE", "name": "Bench Ltd"},
                                "payment": {"ref": reference, "amount": "5.00", "currency": "KES", "telco": "Equitel",
                                            "mobileNumber": "254764555291", "date": "2024-08-13",
                                            "callBackUrl": callback, "pushType": "STK"}
                            });
                            let canonical = format!("0170194290581{reference}254764555291Equitel5.00KES");
                            let signature = base64::engine::general_purpose::STANDARD.encode(key.sign_rs256(canonical.as_bytes()));
                            format!("{signature}\t{body}")
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("signing thread")).collect()
    });
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out).expect("output file"));
    for line in chunks.into_iter().flatten() {
        writeln!(file, "{line}").expect("write");
    }
    eprintln!("wrote {count} signed requests to {out}");
}
