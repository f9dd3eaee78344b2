//! `--state FILE`: the sandbox's state across restarts. Merchants, balances and statement lines,
//! scheduled credits, transactions, used references, v2 tokens, the clock offsets (the shared
//! clock's and each merchant's own) and callbacks still to be sent (with their fault modes) are
//! written as one JSON document, atomically (a new file readable by the owner only, then rename),
//! periodically and at shutdown, and read back at start. The journal and the sink are logs and
//! start empty. A file that cannot be read as this format and version is refused, never replaced.

use crate::callbacks::QueuedPlan;
use crate::crypto::PublicKey;
use crate::ledger::LedgerSnapshot;
use crate::merchant::{Account, Alerts, Ipn, Merchant};
use crate::money::Cents;
use crate::state::{AppState, UsedReferences};
use crate::token::Grant;
use crate::transactions::Transaction;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const FORMAT: &str = "jenga-sandbox-state";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Snapshot {
    format: String,
    version: u32,
    saved_at: String,
    clock_offset_ms: i64,
    /// Merchants with a clock of their own (`?merchant=` on the clock API): its offset. Their
    /// scheduled credits, callbacks and tokens are timed on it. Absent from older files.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    merchant_clock_offsets_ms: BTreeMap<String, i64>,
    merchants: Vec<MerchantRecord>,
    references: BTreeMap<String, Vec<String>>,
    ledger: LedgerSnapshot,
    transactions: Vec<TransactionRecord>,
    tokens: Vec<(String, Grant)>,
    callbacks: Vec<QueuedPlan>,
    /// The generated token-signing key (PKCS#8 PEM), so v3 tokens survive a restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token_key: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MerchantRecord {
    code: String,
    name: String,
    api_key: String,
    consumer_secret: String,
    public_key: Option<String>,
    ipn: Option<Ipn>,
    #[serde(default)]
    alerts: Option<Alerts>,
    accounts: Vec<Account>,
    /// Absent from older files: a fresh generation, so their tokens are refused.
    #[serde(default = "crate::merchant::new_credentials")]
    credentials: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TransactionRecord {
    merchant: String,
    reference: String,
    service_name: String,
    #[serde(with = "in_units")]
    amount: Cents,
    #[serde(with = "in_units")]
    charge: Cents,
    created_ms: i64,
    steps: Vec<crate::transactions::Step>,
    biller: String,
}

/// A transaction's amounts are JSON numbers in units (`25.55`), as version 1 files have them
/// (older builds wrote `0.0` for zero), read from their text as sent.
mod in_units {
    use crate::money::Cents;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(amount: &Cents, serializer: S) -> Result<S::Ok, S::Error> {
        amount.to_json_number().serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cents, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        Cents::from_json(&serde_json::Value::Number(number.clone()))
            .map_err(|e| serde::de::Error::custom(format!("amount {number} {e}")))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("state file {path}: cannot read it: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "state file {path} is not a jenga-sandbox state file ({detail}); it was left untouched: \
         move it away or delete it to start fresh"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "state file {path} was written by an incompatible version ({found}; this build reads {FORMAT} version \
         {VERSION}); it was left untouched: move it away or delete it to start fresh"
    )]
    Incompatible { path: PathBuf, found: String },
    #[error("state file {path}: {detail}")]
    Invalid { path: PathBuf, detail: String },
    #[error("state file {path}: cannot write it: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Loads `path` into `state` if the file exists; a missing file means a fresh start.
pub fn load(state: &AppState, path: &Path) -> Result<bool, StateError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(source) => return Err(StateError::Read { path: path.into(), source }),
    };
    // The format and version are checked before the rest, so an old file says so plainly.
    let header: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| StateError::Corrupt { path: path.into(), detail: format!("not JSON: {e}") })?;
    let format = header.get("format").and_then(|v| v.as_str()).unwrap_or_default();
    let version = header.get("version").and_then(|v| v.as_u64());
    if format != FORMAT {
        return Err(StateError::Corrupt { path: path.into(), detail: format!("format is {format:?}") });
    }
    if version != Some(VERSION as u64) {
        let found = format!("version {}", version.map_or("missing".to_string(), |v| v.to_string()));
        return Err(StateError::Incompatible { path: path.into(), found });
    }
    let snapshot: Snapshot =
        serde_json::from_value(header).map_err(|e| StateError::Corrupt { path: path.into(), detail: e.to_string() })?;
    apply(state, snapshot).map_err(|detail| StateError::Invalid { path: path.into(), detail })?;
    Ok(true)
}

fn apply(state: &AppState, snapshot: Snapshot) -> Result<(), String> {
    let shared = state.clocks.shared();
    state
        .clocks
        .advance(None, snapshot.clock_offset_ms.saturating_sub(shared.offset_ms()))
        .map_err(|_| format!("clockOffsetMs {} is past the latest sandbox time", snapshot.clock_offset_ms))?;
    for (code, offset) in &snapshot.merchant_clock_offsets_ms {
        let moved = offset.saturating_sub(state.clocks.of(code).offset_ms());
        state.clocks.advance(Some(code), moved).map_err(|_| {
            format!("merchantClockOffsetsMs: merchant {code}'s {offset} is past the latest sandbox time")
        })?;
    }
    for record in &snapshot.merchants {
        for account in &record.accounts {
            account.check().map_err(|e| format!("merchant {}: {e}", record.code))?;
        }
    }
    for record in snapshot.merchants {
        let public_key = match record.public_key {
            Some(pem) => Some(Arc::new(
                PublicKey::parse(&pem).map_err(|e| format!("merchant {}: public key: {e}", record.code))?,
            )),
            None => None,
        };
        state.merchants.insert(Merchant {
            code: record.code,
            name: record.name,
            api_key: record.api_key,
            consumer_secret: record.consumer_secret,
            public_key,
            ipn: record.ipn,
            alerts: record.alerts,
            accounts: record.accounts,
            credentials: record.credentials,
        });
    }
    {
        let mut references = state.references.lock();
        for (merchant, used) in snapshot.references {
            let limit = state.settings.reference_limit;
            let remembered = references.entry(merchant).or_insert_with(|| UsedReferences::new(limit));
            for reference in used {
                remembered.claim(&reference);
            }
        }
    }
    state.ledger.restore(snapshot.ledger)?;
    for record in snapshot.transactions {
        state.transactions.record(Transaction {
            merchant: record.merchant.into(),
            reference: record.reference.into(),
            service_name: intern(record.service_name),
            amount: record.amount,
            charge: record.charge,
            created_ms: record.created_ms,
            steps: record.steps,
            biller: record.biller.into(),
        });
    }
    // A configured key wins; otherwise the key this file's tokens were signed with.
    if let (None, Some(pem)) = (&state.settings.token_key, &snapshot.token_key) {
        let key = crate::crypto::IssuerKey::from_pem(pem).map_err(|e| format!("tokenKey: {e}"))?;
        state.tokens.set_issuer(key);
    }
    state.tokens.restore(snapshot.tokens);
    state.callbacks.restore(snapshot.callbacks);
    Ok(())
}

/// Service names are a small fixed set; an unknown one (from a newer build) is kept as is.
fn intern(name: String) -> &'static str {
    const KNOWN: &[&str] = &[
        "STK/USSD Push",
        "M-Pesa STK Push (wallet)",
        "EazzyPay",
        "Lipa na M-Pesa",
        "Airtime",
        "Bill Payment",
        "Merchant Payment",
        "InternalFundsTransfer",
        "MobileWallet",
        "RTGS",
        "SWIFT",
        "PesaLink",
        "EFT",
        "Card Payment",
        "Card Payment (validated)",
    ];
    KNOWN.iter().find(|k| **k == name).copied().unwrap_or_else(|| Box::leak(name.into_boxed_str()))
}

/// Writes the state to `path` atomically.
pub fn save(state: &AppState, path: &Path) -> Result<(), StateError> {
    let shared = state.clocks.shared();
    let now = shared.now_ms();
    let snapshot = Snapshot {
        format: FORMAT.into(),
        version: VERSION,
        saved_at: crate::clock::iso_ms(shared.now()),
        clock_offset_ms: shared.offset_ms(),
        merchant_clock_offsets_ms: state.clocks.own_offsets(),
        merchants: state
            .merchants
            .all()
            .iter()
            .map(|m| MerchantRecord {
                code: m.code.clone(),
                name: m.name.clone(),
                api_key: m.api_key.clone(),
                consumer_secret: m.consumer_secret.clone(),
                public_key: m.public_key.as_ref().map(|k| k.pem.clone()),
                ipn: m.ipn.clone(),
                alerts: m.alerts.clone(),
                accounts: m.accounts.clone(),
                credentials: m.credentials,
            })
            .collect(),
        references: state
            .references
            .lock()
            .iter()
            .map(|(merchant, used)| (merchant.clone(), used.iter().map(|r| r.to_string()).collect()))
            .collect(),
        ledger: state.ledger.snapshot(),
        transactions: state
            .transactions
            .all()
            .into_iter()
            .map(|t| TransactionRecord {
                merchant: t.merchant.into(),
                reference: t.reference.into(),
                service_name: t.service_name.to_string(),
                amount: t.amount,
                charge: t.charge,
                created_ms: t.created_ms,
                steps: t.steps,
                biller: t.biller.into(),
            })
            .collect(),
        tokens: state.tokens.grants(now),
        callbacks: state.callbacks.queued_plans(),
        token_key: state.settings.token_key.is_none().then(|| state.tokens.issuer().pem.clone()),
    };
    let text = serde_json::to_vec(&snapshot).expect("the snapshot serialises");
    write_atomically(path, &text).map_err(|source| StateError::Write { path: path.into(), source })
}

/// Writes `bytes` to a new file beside `path` (readable by the owner only: it holds credentials,
/// tokens and the token key), flushes it to disk and renames it over `path`, so a reader or a
/// crash sees the old file or the new one, never a part. The temporary name is unique, so it
/// never is `path` itself (`--state s.tmp`) nor another save's.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "state".into());
    let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = directory.join(format!(".{name}.{}-{serial}.partial", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    // The rename itself reaches the disk with the directory.
    if let Ok(dir) = std::fs::File::open(directory) {
        let _ = dir.sync_all();
    }
    written
}

/// Saves every `interval` until the process ends; failures are logged, the server keeps serving.
pub async fn save_periodically(state: actix_web::web::Data<AppState>, path: PathBuf, interval: std::time::Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let (state, path) = (state.clone(), path.clone());
        let saved = tokio::task::spawn_blocking(move || save(&state, &path)).await;
        if let Ok(Err(e)) = saved {
            tracing::error!("{e}");
        }
    }
}
