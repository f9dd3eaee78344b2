//! Times RSA-2048 PKCS#1 v1.5 SHA-256 verification with `aws-lc-rs` and a key parsed once (the sandbox's verifier) and
//! with the pure-Rust `rsa` crate, on the fixture key. Usage: cargo run --release --example verify_bench

use jenga_sandbox::crypto::{fixtures, parse_private_key, sign_sha256, PublicKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use std::time::Instant;

fn main() {
    let message = b"0170194290581MPS388388982254764555291Equitel5.00KES";
    let signature = sign_sha256(&parse_private_key(fixtures::MERCHANT_PRIVATE_PEM).unwrap(), message);
    let rounds = 20_000;

    let key = PublicKey::parse(fixtures::MERCHANT_PUBLIC_PEM).unwrap();
    let started = Instant::now();
    for _ in 0..rounds {
        key.verify(message, &signature).unwrap();
    }
    let fast_us = started.elapsed().as_secs_f64() * 1e6 / rounds as f64;

    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD.decode(&signature).unwrap();
    let rsa_key = rsa::RsaPublicKey::from_public_key_pem(fixtures::MERCHANT_PUBLIC_PEM).unwrap();
    let verifying = rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha256>::new(rsa_key);
    let parsed = rsa::pkcs1v15::Signature::try_from(raw.as_slice()).unwrap();
    let started = Instant::now();
    for _ in 0..rounds / 4 {
        verifying.verify(message, &parsed).unwrap();
    }
    let rsa_us = started.elapsed().as_secs_f64() * 1e6 / (rounds / 4) as f64;

    println!("sandbox verify (aws-lc-rs, incl. Base64 decode): {fast_us:.1} µs");
    println!("rsa crate verify:                           {rsa_us:.1} µs");
}
