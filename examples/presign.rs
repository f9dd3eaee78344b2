//! Writes N pre-signed requests (one `signature<TAB>body` line each, unique references) for the
//! load benchmarks, so the load tool spends nothing on RSA and every request is new to the
//! sandbox's duplicate check.
//!
//! Usage: cargo run --release --example presign -- N FILE [CALLBACK_URL] [--kind stk|send]
//!        [--prefix XX] [--account NUMBER] [--destination NUMBER]
//!
//! `stk` (the default): STK/USSD pushes whose callBackUrl is CALLBACK_URL; formula
//! `merchant.accountNumber+payment.ref+payment.mobileNumber+payment.telco+payment.amount+payment.currency`.
//! `send`: within-Equity transfers (`remittance/internalBankTransfer`) of 1.00 KES; formula
//! `source.accountNumber+transfer.amount+transfer.currencyCode+transfer.reference`.
//! References are PREFIX plus 10 digits (12 characters, as the STK push rules want).
//! Signs with `aws-lc-rs` straight from fixtures/keys/sandbox-private.pem (PKCS#8), on every core.

use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use base64::Engine;
use clap::Parser;
use std::io::Write;

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Kind {
    Stk,
    Send,
}

/// Writes pre-signed requests with unique references for the load benchmarks.
#[derive(clap::Parser)]
struct Options {
    /// How many requests.
    #[arg(default_value_t = 20_000)]
    count: usize,
    /// The file to write.
    #[arg(default_value = "bench/stk-requests.tsv")]
    out: String,
    /// Where STK pushes ask for their callbacks.
    #[arg(default_value = "http://127.0.0.1:8080/__sandbox/sink/bench")]
    callback: String,
    #[arg(long, value_enum, default_value_t = Kind::Stk)]
    kind: Kind,
    /// Two characters that start every reference (default BN for stk, SM for send).
    #[arg(long, value_parser = two_characters)]
    prefix: Option<String>,
    #[arg(long, default_value = "0170194290581")]
    account: String,
    /// The transfers' destination account.
    #[arg(long, default_value = "1100194977404")]
    destination: String,
}

impl Options {
    fn prefix(&self) -> &str {
        self.prefix.as_deref().unwrap_or(if self.kind == Kind::Stk { "BN" } else { "SM" })
    }
}

/// References are the prefix plus 10 digits: 12 characters, as the STK push rules want.
fn two_characters(text: &str) -> Result<String, String> {
    if text.chars().count() == 2 {
        Ok(text.to_string())
    } else {
        Err("two characters, so references stay 12 long".into())
    }
}

fn key_pair() -> RsaKeyPair {
    let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/sandbox-private.pem"))
        .expect("fixtures/keys/sandbox-private.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).expect("PEM body is Base64");
    RsaKeyPair::from_pkcs8(&der).expect("the fixture key is an RSA PKCS#8 key")
}

fn line(o: &Options, key: &RsaKeyPair, rng: &aws_lc_rs::rand::SystemRandom, i: usize) -> String {
    let reference = format!("{}{i:010}", o.prefix());
    let (body, canonical) = match o.kind {
        Kind::Stk => (
            serde_json::json!({
                "merchant": {"accountNumber": o.account, "countryCode": "KE", "name": "Bench Ltd"},
                "payment": {"ref": reference, "amount": "5.00", "currency": "KES", "telco": "Equitel",
                            "mobileNumber": "254764555291", "date": "2024-08-13",
                            "callBackUrl": o.callback, "pushType": "STK"}
            }),
            format!("{}{reference}254764555291Equitel5.00KES", o.account),
        ),
        Kind::Send => (
            serde_json::json!({
                "source": {"countryCode": "KE", "name": "Bench Ltd", "accountNumber": o.account},
                "destination": {"type": "bank", "countryCode": "KE", "name": "A N Other", "accountNumber": o.destination},
                "transfer": {"type": "InternalFundsTransfer", "amount": "1.00", "currencyCode": "KES",
                             "reference": reference, "date": "2024-08-13", "description": "bench"}
            }),
            format!("{}1.00KES{reference}", o.account),
        ),
    };
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, rng, canonical.as_bytes(), &mut signature).expect("sign");
    format!("{}\t{body}", base64::engine::general_purpose::STANDARD.encode(signature))
}

fn main() {
    let o = Options::parse();
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let started = std::time::Instant::now();
    let chunks: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let o = &o;
                scope.spawn(move || {
                    let key = key_pair();
                    let rng = aws_lc_rs::rand::SystemRandom::new();
                    (t..o.count).step_by(threads).map(|i| line(o, &key, &rng, i)).collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("signing thread")).collect()
    });
    // Interleave the threads' chunks back into reference order.
    let mut iters: Vec<_> = chunks.into_iter().map(|c| c.into_iter()).collect();
    let tmp = format!("{}.part", o.out);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("output file"));
    'outer: loop {
        for it in iters.iter_mut() {
            match it.next() {
                Some(line) => writeln!(file, "{line}").expect("write"),
                None => break 'outer,
            }
        }
    }
    file.flush().expect("flush");
    drop(file);
    std::fs::rename(&tmp, &o.out).expect("rename");
    eprintln!(
        "wrote {} signed {} requests to {} in {:.1} s",
        o.count,
        if o.kind == Kind::Stk { "STK push" } else { "send-money" },
        o.out,
        started.elapsed().as_secs_f64()
    );
}
