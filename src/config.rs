//! Settings, layered: embedded defaults < config file < environment < command-line flags.
//! clap merges the last two (each flag has a `JENGA_SANDBOX_*` twin); this module lays the
//! result over the file and the defaults.

use crate::merchant::MerchantSpec;
use crate::signature::Mode;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The seed used when none is given, so that runs are reproducible by default.
pub const DEFAULT_SEED: u64 = 20_240_813;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub bind: String,
    /// Extra scenario directories, loaded after the embedded set (and `./scenarios`).
    pub scenarios: Vec<PathBuf>,
    /// Load `./scenarios` when it exists.
    pub local_scenarios: bool,
    /// Reload scenario files when they change (`serve --watch`).
    pub watch: bool,
    /// Added to every API answer (not the admin API's).
    pub latency: LatencySettings,
    /// The longest the `hang` fault holds an answer before closing the connection.
    pub max_hang_ms: u64,
    /// Path to the default merchant's public key (PEM or bare Base64 body), or the key text.
    pub public_key: Option<String>,
    pub signature_mode: Mode,
    pub seed: u64,
    pub log_format: LogFormat,
    /// The key that signs v3 access tokens (PKCS#8 or PKCS#1 PEM file, or the key text). Without
    /// one a key is generated at start (and kept in the state file with `state`), so nobody
    /// outside can mint tokens.
    pub token_key: Option<String>,
    /// Required for the admin API when `bind` is not a loopback address; generated when missing.
    pub admin_token: Option<String>,
    /// Whether `admin_token` was generated at start rather than configured (the banner says which).
    #[serde(skip)]
    pub admin_token_generated: bool,
    pub token_ttl_secs: u64,
    /// Access tokens remembered; past it the oldest go first (a v3 token still verifies by its
    /// signature, a v2 token becomes unknown).
    pub token_limit: usize,
    pub max_body_bytes: usize,
    /// Longest wait for a request body, from its first byte awaited to its last: a slower or
    /// absent body is answered 408, so a client cannot hold a connection open by not sending.
    pub body_read_timeout_ms: u64,
    pub journal_limit: usize,
    /// Entries kept by the built-in sink, over all sink names; the oldest go first.
    pub sink_limit: usize,
    /// Transactions kept for details queries and the admin API; the oldest go first.
    pub transaction_limit: usize,
    /// Used references remembered per merchant for duplicate detection; the oldest go first.
    pub reference_limit: usize,
    pub shutdown_timeout_secs: u64,
    pub callbacks: CallbackSettings,
    /// Merchants besides the default one.
    pub merchants: Vec<MerchantSpec>,
    /// Where state is kept across restarts (loaded at start, saved periodically and at shutdown).
    pub state: Option<PathBuf>,
    /// How often the state file is written; a `kill -9` loses at most this much.
    pub state_interval_secs: u64,
    /// Proxy mode: every API request is forwarded to this base URL (`jenga-sandbox proxy --upstream`).
    pub upstream: Option<String>,
    /// Proxy mode: each distinct upstream answer is written here as a scenario file.
    pub record: Option<PathBuf>,
    /// Proxy mode: the longest wait for the upstream's whole answer; past it the client gets a 504.
    pub upstream_timeout_ms: u64,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LatencySettings {
    pub fixed_ms: u64,
    /// Up to this much more, drawn afresh for each answer.
    pub jitter_ms: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackSettings {
    /// Wait between accepting a request and its first callback, on the sandbox clock.
    pub first_delay_ms: u64,
    /// Per-attempt timeout.
    pub timeout_ms: u64,
    /// Waits before the 2nd, 3rd ... attempt; its length + 1 is the maximum number of attempts.
    pub retry_schedule_ms: Vec<u64>,
    /// Each retry wait is varied by up to this fraction, either way.
    pub jitter: f64,
    /// Deliveries under way at once.
    pub max_in_flight: usize,
    /// Callback jobs kept for the admin API; the oldest finished ones are dropped first.
    pub log_limit: usize,
    /// Callback jobs waiting to be sent (or being sent), per merchant; past it a new transaction's
    /// callbacks are dropped, so a receiver that never answers cannot grow memory without bound.
    pub queue_limit: usize,
    /// Callback jobs waiting to be sent (or being sent), over all merchants: with many merchants
    /// the per-merchant limit alone would not bound memory. Past it, new callbacks are dropped.
    pub total_queue_limit: usize,
    /// Add `X-Sandbox-Signature`: Base64 RSA-SHA256 of the body by the sandbox key
    /// (`fixtures/keys/issuer-public.pem` verifies it). Off by default: Jenga documents none.
    pub sign: bool,
}

impl Default for CallbackSettings {
    fn default() -> Self {
        Self {
            first_delay_ms: 1_000,
            timeout_ms: 5_000,
            retry_schedule_ms: vec![1_000, 5_000, 30_000, 120_000],
            jitter: 0.2,
            max_in_flight: 256,
            log_limit: 1_000,
            queue_limit: 50_000,
            total_queue_limit: 100_000,
            sign: false,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            scenarios: Vec::new(),
            local_scenarios: true,
            watch: false,
            latency: LatencySettings::default(),
            max_hang_ms: 30_000,
            public_key: None,
            token_key: None,
            signature_mode: Mode::Strict,
            seed: DEFAULT_SEED,
            log_format: LogFormat::Pretty,
            admin_token: None,
            admin_token_generated: false,
            token_ttl_secs: 900,
            token_limit: 100_000,
            max_body_bytes: 256 * 1024,
            body_read_timeout_ms: 5_000,
            journal_limit: 1_000,
            sink_limit: 1_000,
            transaction_limit: 50_000,
            reference_limit: 100_000,
            shutdown_timeout_secs: 5,
            callbacks: CallbackSettings::default(),
            merchants: Vec::new(),
            state: None,
            state_interval_secs: 5,
            upstream: None,
            record: None,
            upstream_timeout_ms: 30_000,
        }
    }
}

/// The longest wait before a callback (a first delay, a retry, a scenario's callback step), on the
/// sandbox clock (which the admin API advances).
pub const MAX_AFTER_MS: u64 = 7 * 24 * 3_600_000;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Read { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl Settings {
    /// Defaults, with the YAML file at `path` laid over them.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = crate::yaml::read_text(path).map_err(ConfigError::Invalid)?;
        crate::yaml::parse_yaml::<Settings>(&text)
            .map_err(|(line, message)| ConfigError::Read { path: format!("{}:{line}", path.display()), message })
    }

    /// Settings for the test suite: a free port, instant callbacks, millisecond retries.
    pub fn for_tests() -> Self {
        Self {
            bind: "127.0.0.1:0".into(),
            local_scenarios: false,
            shutdown_timeout_secs: 1,
            callbacks: CallbackSettings {
                first_delay_ms: 0,
                timeout_ms: 2_000,
                retry_schedule_ms: vec![10, 20, 40],
                jitter: 0.0,
                ..CallbackSettings::default()
            },
            ..Self::default()
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.bind_address()?;
        if !(0.0..1.0).contains(&self.callbacks.jitter) {
            return Err(ConfigError::Invalid("callbacks.jitter: must be at least 0 and below 1".into()));
        }
        let limits = [
            self.journal_limit,
            self.token_limit,
            self.callbacks.log_limit,
            self.callbacks.queue_limit,
            self.callbacks.total_queue_limit,
            self.sink_limit,
            self.transaction_limit,
            self.reference_limit,
        ];
        self.check_durations()?;
        if let Some(upstream) = &self.upstream {
            upstream_base(upstream).map_err(ConfigError::Invalid)?;
        } else if self.record.is_some() {
            return Err(ConfigError::Invalid("record: needs an upstream to record (proxy mode)".into()));
        }
        if self.upstream_timeout_ms == 0 {
            return Err(ConfigError::Invalid("upstream_timeout_ms must be above 0".into()));
        }
        if self.max_body_bytes == 0 || self.body_read_timeout_ms == 0 || limits.contains(&0) {
            return Err(ConfigError::Invalid(
                "max_body_bytes, body_read_timeout_ms, journal_limit, token_limit, callbacks.log_limit, callbacks.queue_limit, callbacks.total_queue_limit, sink_limit, transaction_limit and reference_limit must be above 0".into(),
            ));
        }
        Ok(())
    }

    /// Off loopback without a configured admin token, makes one up, so that the server starts (in
    /// a container, say) with its admin API closed; the banner prints it. From the OS's random
    /// source, never from `seed`, which is for reproducible ids and may be public.
    pub fn ensure_admin_token(&mut self) {
        if self.is_loopback() || self.admin_token.as_deref().is_some_and(|t| !t.is_empty()) {
            return;
        }
        use rand::Rng;
        let token: String =
            rand::rngs::OsRng.sample_iter(&rand::distributions::Alphanumeric).take(32).map(char::from).collect();
        self.admin_token = Some(token);
        self.admin_token_generated = true;
    }

    /// Every wait within a stated maximum, so none overflows a clock reading or holds forever.
    fn check_durations(&self) -> Result<(), ConfigError> {
        const DAY_SECS: u64 = 86_400;
        let max_wait_ms = MAX_AFTER_MS;
        let callbacks = &self.callbacks;
        let retries = callbacks.retry_schedule_ms.iter().copied().max().unwrap_or(0);
        let checks = [
            ("token_ttl_secs", self.token_ttl_secs, 365 * DAY_SECS, "365 days"),
            ("shutdown_timeout_secs", self.shutdown_timeout_secs, 3_600, "1 hour"),
            ("body_read_timeout_ms", self.body_read_timeout_ms, 3_600_000, "1 hour"),
            ("state_interval_secs", self.state_interval_secs, DAY_SECS, "1 day"),
            ("callbacks.first_delay_ms", callbacks.first_delay_ms, max_wait_ms, "7 days"),
            ("callbacks.timeout_ms", callbacks.timeout_ms, 3_600_000, "1 hour"),
            ("callbacks.retry_schedule_ms", retries, max_wait_ms, "7 days each"),
            ("callbacks.retry_schedule_ms (length)", callbacks.retry_schedule_ms.len() as u64, 100, "100 retries"),
            ("latency.fixed_ms", self.latency.fixed_ms, 60_000, "1 minute"),
            ("latency.jitter_ms", self.latency.jitter_ms, 60_000, "1 minute"),
            ("max_hang_ms", self.max_hang_ms, 600_000, "10 minutes"),
            ("upstream_timeout_ms", self.upstream_timeout_ms, 600_000, "10 minutes"),
        ];
        match checks.into_iter().find(|(_, value, max, _)| value > max) {
            Some((name, value, max, spelled)) => {
                Err(ConfigError::Invalid(format!("{name}: {value} is over the maximum of {max} ({spelled})")))
            }
            None => Ok(()),
        }
    }

    pub fn is_loopback(&self) -> bool {
        self.bind_address().is_ok_and(|a| a.ip().is_loopback())
    }

    /// `bind` as a socket address; `localhost:PORT` is taken as 127.0.0.1:PORT (it names loopback
    /// wherever it is resolved, and the sandbox's own sink URLs use 127.0.0.1).
    pub fn bind_address(&self) -> Result<std::net::SocketAddr, ConfigError> {
        let text = match self.bind.strip_prefix("localhost:") {
            Some(port) => format!("127.0.0.1:{port}"),
            None => self.bind.clone(),
        };
        text.parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "bind: {:?} is not an address such as 127.0.0.1:8080 or localhost:8080",
                self.bind
            ))
        })
    }

    /// The configured token-signing key's text (file or text), if any.
    pub fn token_key_text(&self) -> Result<Option<String>, ConfigError> {
        match self.token_key.as_deref() {
            None => Ok(None),
            Some(value) if value.contains("-----BEGIN") => Ok(Some(value.to_string())),
            Some(path) => std::fs::read_to_string(path)
                .map(Some)
                .map_err(|e| ConfigError::Read { path: path.to_string(), message: e.to_string() }),
        }
    }

    /// Where the default merchant's public key comes from: `public_key` is a file path or the key
    /// text itself; none means the embedded test key.
    pub fn public_key_source(&self) -> PublicKeySource<'_> {
        match self.public_key.as_deref() {
            None => PublicKeySource::Embedded,
            Some(value) if value.contains("-----BEGIN") || !Path::new(value).exists() && value.len() > 200 => {
                PublicKeySource::Text(value)
            }
            Some(path) => PublicKeySource::File(path),
        }
    }

    /// The default merchant's public key text: the configured file or text, else the test key.
    pub fn public_key_text(&self) -> Result<String, ConfigError> {
        match self.public_key_source() {
            PublicKeySource::Embedded => Ok(crate::crypto::fixtures::MERCHANT_PUBLIC_PEM.to_string()),
            PublicKeySource::Text(text) => Ok(text.to_string()),
            PublicKeySource::File(path) => std::fs::read_to_string(path)
                .map_err(|e| ConfigError::Read { path: path.to_string(), message: e.to_string() }),
        }
    }
}

pub enum PublicKeySource<'a> {
    /// `fixtures/keys/sandbox-public.pem`, built into the binary.
    Embedded,
    /// The key text given in place of a path.
    Text(&'a str),
    File(&'a str),
}

/// The upstream as a base URL: http or https, no query or fragment.
pub fn upstream_base(text: &str) -> Result<String, String> {
    let bad = |why: &str| format!("upstream: {text:?} {why}; give a base URL such as https://uat.finserve.africa");
    let url = url::Url::parse(text.trim()).map_err(|_| bad("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not an http or https URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("has a query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_file_overrides_only_what_it_names() {
        let settings: Settings =
            crate::yaml::parse_yaml("bind: 127.0.0.1:9000\ncallbacks:\n  first_delay_ms: 5\n").unwrap();
        assert_eq!(settings.bind, "127.0.0.1:9000");
        assert_eq!(settings.callbacks.first_delay_ms, 5);
        assert_eq!(settings.callbacks.timeout_ms, 5_000);
        assert_eq!(settings.signature_mode, Mode::Strict);
    }

    #[test]
    fn unknown_config_keys_are_refused_with_their_line() {
        let (line, message) = crate::yaml::parse_yaml::<Settings>("bind: 127.0.0.1:9000\nbnid: x\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(message.contains("bnid"), "{message}");
    }

    #[test]
    fn a_public_bind_without_an_admin_token_gets_a_generated_one() {
        let mut settings = Settings { bind: "0.0.0.0:8080".into(), ..Settings::default() };
        assert!(settings.validate().is_ok());
        settings.ensure_admin_token();
        let token = settings.admin_token.clone().unwrap();
        assert_eq!(token.len(), 32);
        assert!(settings.admin_token_generated);
        let mut other = Settings { bind: "0.0.0.0:8080".into(), ..Settings::default() };
        other.ensure_admin_token();
        assert_ne!(other.admin_token.unwrap(), token, "not derived from the seed");
    }

    #[test]
    fn a_configured_admin_token_is_kept_and_loopback_needs_none() {
        let mut settings =
            Settings { bind: "0.0.0.0:8080".into(), admin_token: Some("t".into()), ..Settings::default() };
        settings.ensure_admin_token();
        assert_eq!((settings.admin_token.as_deref(), settings.admin_token_generated), (Some("t"), false));
        let mut settings = Settings::default();
        settings.ensure_admin_token();
        assert_eq!(settings.admin_token, None);
    }

    #[test]
    fn localhost_binds_loopback_and_needs_no_admin_token() {
        let settings = Settings { bind: "localhost:9000".into(), ..Settings::default() };
        assert!(settings.validate().is_ok());
        assert!(settings.is_loopback());
        assert_eq!(settings.bind_address().unwrap().to_string(), "127.0.0.1:9000");
        let settings = Settings { bind: "example.com:9000".into(), ..Settings::default() };
        assert!(settings.validate().is_err(), "not an address");
    }
}
