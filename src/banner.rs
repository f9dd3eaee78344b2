//! What `serve` prints on stdout at start: where it listens (always the first line, which scripts
//! read the port from), the default credentials, the public key it verifies with, the signature
//! mode, the scenarios loaded and the admin API's token rule. Plain lines, or with
//! `--log-format json` one JSON object per line, each with an `event` naming it.

use crate::config::{LogFormat, PublicKeySource, Settings};
use crate::crypto::{fixtures, PublicKey};
use crate::merchant;
use crate::proxy::Proxy;
use crate::state::AppState;
use serde_json::{json, Value};

struct Line {
    text: String,
    json: Value,
}

fn line(text: String, json: Value) -> Line {
    Line { text, json }
}

pub(crate) fn print(address: &str, state: &AppState, proxy: Option<&Proxy>, format: LogFormat) {
    for Line { text, json } in lines(address, state, proxy) {
        match format {
            LogFormat::Pretty => println!("{text}"),
            LogFormat::Json => println!("{json}"),
        }
    }
}

fn lines(address: &str, state: &AppState, proxy: Option<&Proxy>) -> Vec<Line> {
    let settings = &state.settings;
    let mut lines = vec![
        line(format!("jenga-sandbox listening on {address}"), json!({"event": "listening", "url": address})),
        line(
            format!(
                "  default merchant: Api-Key {} · merchantCode {} · consumerSecret {} · v2 Authorization \"Basic {}\"",
                merchant::DEFAULT_API_KEY,
                merchant::DEFAULT_CODE,
                merchant::DEFAULT_SECRET,
                merchant::DEFAULT_API_KEY
            ),
            json!({
                "event": "default_merchant",
                "apiKey": merchant::DEFAULT_API_KEY,
                "merchantCode": merchant::DEFAULT_CODE,
                "consumerSecret": merchant::DEFAULT_SECRET,
                "v2Authorization": format!("Basic {}", merchant::DEFAULT_API_KEY),
            }),
        ),
    ];
    lines.extend(public_key(state));
    let mode = json!(settings.signature_mode);
    let mode_name = mode.as_str().unwrap_or_default();
    lines.push(line(format!("  signature mode: {mode_name}"), json!({"event": "signature_mode", "mode": mode})));
    let scenarios = state.scenarios.current();
    let count = scenarios.scenarios.len();
    lines.push(line(
        format!("  scenarios: {count} loaded from {}", scenarios.files.join(", ")),
        json!({"event": "scenarios", "count": count, "sources": scenarios.files}),
    ));
    if let Some(proxy) = proxy {
        let record = settings.record.as_ref().map(|dir| dir.display().to_string());
        let recording = record.as_ref().map(|dir| format!(" · recording answers in {dir}")).unwrap_or_default();
        lines.push(line(
            format!(
                "  proxy: API requests go to {}, answers compared at {address}/__sandbox/diff{recording}",
                proxy.base
            ),
            json!({"event": "proxy", "upstream": proxy.base, "record": record}),
        ));
    }
    lines.extend(admin(address, settings));
    lines
}

/// The key the default merchant has now (a state file may have restored another one than the
/// settings name), where it came from, and its fingerprint: SHA-256 of the SPKI DER, as
/// `openssl pkey -pubin -in KEY.pem -outform DER | sha256sum` prints it.
fn public_key(state: &AppState) -> Vec<Line> {
    let settings = &state.settings;
    let Some(key) = state.merchants.get(merchant::DEFAULT_CODE).and_then(|m| m.public_key.clone()) else {
        return vec![line("  public key: none registered".into(), json!({"event": "public_key", "source": null}))];
    };
    let fingerprint_of = |text: &str| PublicKey::parse(text).map(|k| k.fingerprint).ok();
    let configured = settings.public_key_text().ok().and_then(|text| fingerprint_of(&text));
    let (source, path, described) = if configured.as_deref() != Some(key.fingerprint.as_str()) {
        let path = settings.state.as_ref().map(|p| p.display().to_string());
        ("state", path.clone(), format!("restored from the state file {}", path.unwrap_or_default()))
    } else {
        match settings.public_key_source() {
            PublicKeySource::Embedded => {
                let path = "fixtures/keys/sandbox-public.pem";
                ("embedded", Some(path.to_string()), format!("the embedded test key ({path})"))
            }
            PublicKeySource::File(path) => ("file", Some(path.to_string()), format!("file {path}")),
            PublicKeySource::Text(text) => match std::env::var(ENV_PUBLIC_KEY) {
                Ok(value) if value == text => ("environment", None, format!("key text in {ENV_PUBLIC_KEY}")),
                _ => ("text", None, "key text given with --public-key or in the config file".into()),
            },
        }
    };
    let mut lines = Vec::new();
    if fingerprint_of(fixtures::MERCHANT_PUBLIC_PEM).as_deref() == Some(key.fingerprint.as_str()) {
        let path = "fixtures/keys/sandbox-private.pem";
        lines.push(line(
            format!("  test private key (sign requests with it): {path}"),
            json!({"event": "test_private_key", "path": path}),
        ));
    }
    lines.push(line(
        format!("  public key: {described} · SHA-256 of its SPKI DER: {}", key.fingerprint),
        json!({"event": "public_key", "source": source, "path": path, "sha256": key.fingerprint}),
    ));
    lines
}

const ENV_PUBLIC_KEY: &str = "JENGA_SANDBOX_PUBLIC_KEY";

/// The admin API's rule: open on a loopback bind; otherwise a bearer token, configured or
/// generated at start (then printed, as nobody could use the admin API otherwise).
fn admin(address: &str, settings: &Settings) -> Vec<Line> {
    let url = format!("{address}/__sandbox");
    let (rule, described) = if settings.is_loopback() {
        ("open", "open: loopback bind, no token needed")
    } else if settings.admin_token_generated {
        ("generated", "needs Authorization: Bearer <admin token> (generated, below); /__sandbox/health is open")
    } else {
        ("configured", "needs Authorization: Bearer <admin token> (configured); /__sandbox/health is open")
    };
    let mut lines =
        vec![line(format!("  admin API: {url} · {described}"), json!({"event": "admin", "url": url, "rule": rule}))];
    if let Some(token) = settings.admin_token.as_deref().filter(|_| settings.admin_token_generated) {
        lines.push(line(format!("  admin token: {token}"), json!({"event": "admin_token", "token": token})));
    }
    lines
}
