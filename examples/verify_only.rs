//! The least a correct STK push endpoint can do, served by actix-web as the sandbox is: read the
//! body, parse it as JSON, build the documented string to sign (the sandbox's own formula) and
//! verify the merchant's RSA-2048 signature with the sandbox's verifier, then answer a fixed body.
//! No token, journal, ledger, scenario or callback. bench/run.sh drives it with the same
//! pre-signed requests, so the sandbox's row can be read against what any verifying server
//! reaches on the same cores.
//!
//! Usage: cargo run --release --example verify_only -- --bind 127.0.0.1:18183

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use clap::Parser;
use jenga_sandbox::crypto::{fixtures, PublicKey};
use std::sync::Arc;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Options {
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:18183")]
    bind: String,
}

const ACCEPTED: &str = r#"{"status":true,"code":3,"message":"Request accepted"}"#;

async fn push(key: web::Data<Arc<PublicKey>>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let Ok(input) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return HttpResponse::BadRequest().content_type("application/json").body(r#"{"code":400}"#);
    };
    let signature = req.headers().get("Signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let push = jenga_sandbox::startup::operations().by_id("stk_push").expect("the STK push is an operation");
    let verified =
        push.signature[0].canonical(&input).ok().is_some_and(|m| key.verify(m.as_bytes(), signature).is_ok());
    if verified {
        HttpResponse::Ok().content_type("application/json").body(ACCEPTED)
    } else {
        HttpResponse::Forbidden().content_type("application/json").body(r#"{"code":403}"#)
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let options = Options::parse();
    let key = Arc::new(PublicKey::parse(fixtures::MERCHANT_PUBLIC_PEM).expect("fixture key"));
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(key.clone()))
            .route("/v3-apis/payment-api/v3.0/stkussdpush/initiate", web::post().to(push))
            .route("/health", web::get().to(|| async { HttpResponse::Ok().body("ok") }))
    })
    .bind(&options.bind)?
    .run()
    .await
}
