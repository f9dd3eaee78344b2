//! The one shared state, built once before the server starts and shared by every worker.

use crate::callbacks::Callbacks;
use crate::clock::Clocks;
use crate::config::Settings;
use crate::crypto::IssuerKey;
use crate::ids::Ids;
use crate::journal::Journal;
use crate::merchant::{self, Merchant, Merchants};
use crate::operation::Operations;
use crate::recent::Recent;
use crate::scenario::{load, Scenarios};
use crate::token::Tokens;
use compact_str::CompactString;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

pub struct AppState {
    pub settings: Settings,
    /// The shared clock and merchants' own clocks: `clocks.of(code)` is what a merchant's
    /// requests use.
    pub(crate) clocks: Arc<Clocks>,
    pub(crate) ids: Arc<Ids>,
    /// Shared with proxy mode's shadow state, so merchants registered here are the ones it sees.
    pub merchants: Arc<Merchants>,
    pub(crate) tokens: Tokens,
    pub(crate) scenarios: Arc<Scenarios>,
    pub(crate) journal: Journal,
    pub(crate) callbacks: Arc<Callbacks>,
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
    pub(crate) sink: Arc<crate::sink::Sink>,
    pub(crate) transactions: crate::transactions::Transactions,
    pub(crate) ledger: crate::ledger::Ledger,
    /// Admin list requests waiting for entries (`wait_ms`), bounded.
    pub(crate) waiters: crate::wait::Waiters,
    /// The dashboard's open event streams, bounded.
    pub event_streams: crate::wait::Streams,
    /// Payment references already used, per merchant (duplicates answer 400101).
    pub(crate) references: Mutex<HashMap<String, UsedReferences>>,
}

/// Why the state cannot be built from the settings.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("scenario files are invalid:\n{}", .0.join("\n"))]
    Scenarios(Vec<String>),
    #[error("public key: {0}")]
    Key(#[from] crate::crypto::KeyError),
    #[error("merchant {code}: {message}")]
    Merchant { code: String, message: String },
    #[error("proxy: {0}")]
    Proxy(String),
}

impl AppState {
    /// The state for `settings`, whose scenario files may name `operations`.
    pub fn from_settings(mut settings: Settings, operations: Operations) -> Result<Self, BuildError> {
        settings.validate()?;
        settings.ensure_admin_token();
        let scenarios =
            load::load(&settings.scenarios, settings.local_scenarios, operations).map_err(BuildError::Scenarios)?;
        let clocks = Arc::new(Clocks::default());
        let ids = Arc::new(Ids::new(settings.seed));
        let issuer = settings.token_key_text()?.map(|pem| IssuerKey::from_pem(&pem)).transpose()?;
        let merchants = Arc::new(Merchants::default());
        merchants.insert(Merchant {
            code: merchant::DEFAULT_CODE.into(),
            name: "Jenga Sandbox Merchant".into(),
            api_key: merchant::DEFAULT_API_KEY.into(),
            consumer_secret: merchant::DEFAULT_SECRET.into(),
            public_key: Some(Arc::new(crate::crypto::PublicKey::parse(&settings.public_key_text()?)?)),
            ipn: None,
            alerts: None,
            accounts: merchant::fixture_accounts(),
            credentials: merchant::new_credentials(),
        });
        for spec in &settings.merchants {
            let code = spec.code.clone().ok_or_else(|| BuildError::Merchant {
                code: "?".into(),
                message: "every merchant in the config file needs a `code`".into(),
            })?;
            merchants
                .upsert(&code, spec.clone())
                .map_err(|e| BuildError::Merchant { code: code.clone(), message: e.to_string() })?;
        }
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let signer = if settings.callbacks.sign {
            Some(IssuerKey::from_pem(crate::crypto::fixtures::ISSUER_PRIVATE_PEM)?)
        } else {
            None
        };
        Ok(Self {
            tokens: Tokens::new(issuer, settings.token_ttl_secs, settings.token_limit),
            journal: Journal::new(settings.journal_limit),
            callbacks: Arc::new(Callbacks::new(
                settings.callbacks.clone(),
                clocks.clone(),
                ids.clone(),
                metrics.clone(),
                signer,
            )),
            metrics,
            scenarios: Arc::new(Scenarios::new(scenarios, operations)),
            references: Mutex::default(),
            sink: Arc::new(crate::sink::Sink::new(settings.sink_limit)),
            transactions: crate::transactions::Transactions::new(settings.transaction_limit),
            ledger: crate::ledger::Ledger::new(clocks.clone()),
            waiters: crate::wait::Waiters::default(),
            event_streams: Default::default(),
            merchants,
            clocks,
            ids,
            settings,
        })
    }

    /// Proxy mode's shadow: the sandbox as it would answer, sharing this state's settings,
    /// merchants, scenarios, clocks and ids, with a ledger, transactions, references, tokens,
    /// journal and callbacks of its own. Its callbacks are never delivered and nothing it does
    /// shows in this state, so computing an answer there moves no balance and sends nothing.
    pub fn shadow(&self) -> Self {
        let settings = Settings { upstream: None, record: None, state: None, ..self.settings.clone() };
        Self {
            tokens: self.tokens.sharing_issuer(settings.token_limit),
            journal: Journal::new(settings.journal_limit),
            callbacks: Arc::new(Callbacks::new(
                settings.callbacks.clone(),
                self.clocks.clone(),
                self.ids.clone(),
                Arc::new(crate::metrics::Metrics::default()),
                None,
            )),
            metrics: Arc::new(crate::metrics::Metrics::default()),
            scenarios: self.scenarios.clone(),
            references: Mutex::default(),
            sink: Arc::new(crate::sink::Sink::new(1)),
            transactions: crate::transactions::Transactions::new(settings.transaction_limit),
            ledger: crate::ledger::Ledger::new(self.clocks.clone()),
            waiters: crate::wait::Waiters::default(),
            event_streams: Default::default(),
            merchants: self.merchants.clone(),
            clocks: self.clocks.clone(),
            ids: self.ids.clone(),
            settings,
        }
    }

    /// Records `reference` for `merchant`; false when it was already used.
    pub fn claim_reference(&self, merchant: &str, reference: &str) -> bool {
        let mut references = self.references.lock();
        if let Some(used) = references.get_mut(merchant) {
            return used.claim(reference);
        }
        let mut used = UsedReferences::new(self.settings.reference_limit);
        used.claim(reference);
        references.insert(merchant.to_string(), used);
        true
    }

    /// Clears what requests created (of one merchant, or all); merchants and scenarios stay.
    pub fn reset(&self, merchant: Option<&str>) {
        self.journal.clear(merchant);
        self.callbacks.clear(merchant);
        self.transactions.clear(merchant);
        self.ledger.clear(merchant);
        match merchant {
            None => {
                self.references.lock().clear();
                self.scenarios.disarm_all();
            }
            Some(m) => {
                self.references.lock().remove(m);
                self.scenarios.disarm_for(m);
            }
        }
        self.clocks.reset(merchant);
        self.sink.clear_scoped(merchant);
    }
}

/// One merchant's used references, remembered up to a limit (oldest forgotten first), so memory
/// stays bounded however long the sandbox runs.
pub struct UsedReferences(Recent<CompactString>);

impl UsedReferences {
    pub fn new(limit: usize) -> Self {
        Self(Recent::new(limit))
    }

    /// False when `reference` is already remembered.
    pub fn claim(&mut self, reference: &str) -> bool {
        // A used reference is replaced by its equal and keeps its age.
        self.0.insert(reference.into()).is_none()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &CompactString> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::UsedReferences;

    #[test]
    fn used_references_are_remembered_up_to_the_limit() {
        let mut used = UsedReferences::new(2);
        assert!(used.claim("a"));
        assert!(!used.claim("a"));
        assert!(used.claim("b"));
        assert!(used.claim("c"));
        assert!(used.claim("a"), "the oldest was forgotten");
        assert_eq!(used.iter().collect::<Vec<_>>(), ["c", "a"]);
    }
}
