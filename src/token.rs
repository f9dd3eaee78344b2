//! Access tokens. v3 tokens are RS512 JWTs signed by the sandbox's own key with the claims Jenga
//! uses (`tokenType`, `env`, `iat`, `exp`, `account`), valid 15 minutes on the sandbox clock.
//! The most recent issued tokens are remembered (`token_limit`), so checking one on the hot path
//! is a look-up; a v3 token no longer remembered (after a restart, or past the limit) is still
//! accepted if its signature and expiry hold. An opaque v2 token past the limit is unknown.
//!
//! The signing key is generated at start (or configured, or kept in the state file), never a
//! published one. Each token carries its merchant's credentials generation, so a token stops
//! working when the merchant's credentials change or the merchant is registered anew.

use crate::crypto::IssuerKey;
use crate::ids::Series;
use crate::recent::{Key, Keyed, Recent};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use parking_lot::RwLock;
use serde_json::{json, Value};

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Grant {
    pub merchant: String,
    pub expires_at_ms: i64,
    /// The merchant's credentials generation when the token was issued (`Merchant::credentials`).
    #[serde(default)]
    pub credentials: u64,
}

struct Remembered {
    token: String,
    grant: Grant,
}

impl Keyed for Remembered {
    fn key(&self) -> Key<'_> {
        Key(&self.token, "")
    }
}

pub(crate) struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub issued_at_ms: i64,
    pub expires_at_ms: i64,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub(crate) enum TokenError {
    #[error("no Authorization: Bearer token was sent")]
    Missing,
    #[error("the access token is not one this sandbox issued")]
    Unknown,
    #[error("the access token expired at {0} (sandbox clock)")]
    Expired(String),
}

pub(crate) struct Tokens {
    /// None until a token needs the key: then the process's generated key, which starting the
    /// server began to generate (`prepare_key`).
    issuer: RwLock<Option<std::sync::Arc<IssuerKey>>>,
    ttl_ms: i64,
    /// Bounded by count, not by expiry: a client that signs in before every call (as many load
    /// tests do) issues a million tokens well within one lifetime.
    live: RwLock<Recent<Remembered>>,
}

impl Tokens {
    /// Signing with `issuer`, or without one with the process's generated key.
    pub(crate) fn new(issuer: Option<IssuerKey>, ttl_secs: u64, limit: usize) -> Self {
        Self {
            issuer: RwLock::new(issuer.map(std::sync::Arc::new)),
            ttl_ms: ttl_secs as i64 * 1000,
            live: RwLock::new(Recent::new(limit)),
        }
    }

    /// Another set of tokens signed with the same key (proxy mode's shadow state).
    pub(crate) fn sharing_issuer(&self, limit: usize) -> Self {
        // Not yet generated: both wait for the same process key, whichever needs it first.
        let issuer = self.issuer.read().clone();
        Self { issuer: RwLock::new(issuer), ttl_ms: self.ttl_ms, live: RwLock::new(Recent::new(limit)) }
    }

    /// Starts generating the process's key when no key was given or loaded, so that the first
    /// token finds it ready.
    pub(crate) fn prepare_key(&self) {
        if self.issuer.read().is_none() {
            IssuerKey::generate_in_background();
        }
    }

    pub(crate) fn issuer(&self) -> std::sync::Arc<IssuerKey> {
        if let Some(key) = self.issuer.read().as_ref() {
            return key.clone();
        }
        let generated = std::sync::Arc::new(IssuerKey::generated());
        self.issuer.write().get_or_insert(generated).clone()
    }

    /// Signs from now on with `issuer` (the key a state file kept), so earlier tokens still verify.
    pub(crate) fn set_issuer(&self, issuer: IssuerKey) {
        *self.issuer.write() = Some(std::sync::Arc::new(issuer));
    }

    pub(crate) fn issue_v3(&self, merchant: &str, credentials: u64, now_ms: i64, ids: &Series) -> Issued {
        let iat = now_ms / 1000;
        // The claims are in whole seconds; the grant itself runs the full lifetime from now.
        let expires_at_ms = now_ms + self.ttl_ms;
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS512"}"#);
        // `account` is opaque in Jenga's tokens; here it carries the merchant code, a nonce and
        // the credentials generation.
        let account = STANDARD.encode(format!("{merchant}:{}:{credentials}", ids.digits(12)));
        let claims = json!({"tokenType": "MERCHANT", "env": "UAT", "exp": iat + self.ttl_ms / 1000, "iat": iat, "account": account});
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(self.issuer().sign_rs512(signing_input.as_bytes()));
        let access_token = format!("{signing_input}.{signature}");
        self.remember(&access_token, Grant { merchant: merchant.to_string(), expires_at_ms, credentials });
        Issued { access_token, refresh_token: STANDARD.encode(ids.bytes(64)), issued_at_ms: iat * 1000, expires_at_ms }
    }

    fn remember(&self, token: &str, grant: Grant) {
        self.live.write().insert(Remembered { token: token.to_string(), grant });
    }

    /// A v2 token: an opaque 28-character string (reference §2.2), valid `ttl_secs`.
    pub(crate) fn issue_v2(
        &self,
        merchant: &str,
        credentials: u64,
        now_ms: i64,
        ttl_secs: u64,
        ids: &Series,
    ) -> (String, i64) {
        let token = ids.token_text(28);
        let expires_at_ms = now_ms + ttl_secs as i64 * 1000;
        self.remember(&token, Grant { merchant: merchant.to_string(), expires_at_ms, credentials });
        (token, expires_at_ms)
    }

    /// Whose a bearer token is (merchant and credentials generation), if it is valid now on its
    /// merchant's clock (`now_ms_of`).
    pub(crate) fn check(&self, token: &str, now_ms_of: impl FnOnce(&str) -> i64) -> Result<Grant, TokenError> {
        let grant = match self.live.read().get(Key(token, "")).map(|r| r.grant.clone()) {
            Some(grant) => grant,
            None => self.decode_v3(token).ok_or(TokenError::Unknown)?,
        };
        if grant.expires_at_ms <= now_ms_of(&grant.merchant) {
            return Err(TokenError::Expired(crate::clock::iso(crate::clock::Clock::at(grant.expires_at_ms))));
        }
        Ok(grant)
    }

    fn decode_v3(&self, token: &str) -> Option<Grant> {
        let (signing_input, signature) = token.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        if !self.issuer().verify_rs512(signing_input.as_bytes(), &signature) {
            return None;
        }
        let payload = URL_SAFE_NO_PAD.decode(signing_input.split('.').nth(1)?).ok()?;
        let claims: Value = serde_json::from_slice(&payload).ok()?;
        let account = String::from_utf8(STANDARD.decode(claims["account"].as_str()?).ok()?).ok()?;
        let mut parts = account.split(':');
        let merchant = parts.next()?.to_string();
        let credentials = parts.nth(1)?.parse().ok()?;
        Some(Grant { merchant, expires_at_ms: claims["exp"].as_i64()? * 1000, credentials })
    }

    /// Forgets every issued token, as a restart without a state file does.
    #[cfg(test)]
    pub fn clear(&self) {
        self.live.write().retain(|_| false);
    }

    /// Opaque (v2) grants still valid at `now_ms`, for the state file; v3 tokens verify by themselves.
    pub(crate) fn grants(&self, now_ms: i64) -> Vec<(String, Grant)> {
        let live = self.live.read();
        live.iter().filter(|r| r.grant.expires_at_ms > now_ms).map(|r| (r.token.clone(), r.grant.clone())).collect()
    }

    pub(crate) fn restore(&self, grants: Vec<(String, Grant)>) {
        let mut live = self.live.write();
        for (token, grant) in grants {
            live.insert(Remembered { token, grant });
        }
    }
}

/// The token in an `Authorization: Bearer ...` header value (the scheme is matched case-insensitively;
/// a bare token without the scheme is accepted too, as the MPGS docs show it).
pub(crate) fn bearer(header: Option<&str>) -> Result<&str, TokenError> {
    let value = header.map(str::trim).filter(|v| !v.is_empty()).ok_or(TokenError::Missing)?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(token.trim()),
        Some(_) => Err(TokenError::Unknown),
        None => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::fixtures;
    use crate::ids::Ids;

    fn tokens() -> Tokens {
        Tokens::new(Some(IssuerKey::from_pem(fixtures::ISSUER_PRIVATE_PEM).unwrap()), 900, 100)
    }

    #[test]
    fn a_v3_token_is_an_rs512_jwt_with_jengas_claims_valid_for_15_minutes() {
        let tokens = tokens();
        let issued = tokens.issue_v3("9999999999", 7, 1_700_000_000_000, &Ids::new(1).of("1234"));
        let parts: Vec<&str> = issued.access_token.split('.').collect();
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[0]).unwrap(), br#"{"alg":"RS512"}"#);
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["tokenType"], "MERCHANT");
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 900);
        assert_eq!(
            tokens.check(&issued.access_token, |_| 1_700_000_899_000).map(|g| g.merchant),
            Ok("9999999999".to_string())
        );
        assert!(matches!(tokens.check(&issued.access_token, |_| 1_700_000_900_000), Err(TokenError::Expired(_))));
    }

    #[test]
    fn a_forgotten_token_is_still_recognised_by_its_signature() {
        let tokens = tokens();
        let issued = tokens.issue_v3("1234", 7, 1_700_000_000_000, &Ids::new(1).of("1234"));
        tokens.clear();
        assert_eq!(
            tokens.check(&issued.access_token, |_| 1_700_000_000_001).map(|g| g.merchant),
            Ok("1234".to_string())
        );
        let tampered = issued.access_token.replace('.', "x.");
        assert_eq!(tokens.check(&tampered, |_| 1_700_000_000_001).map(|g| g.merchant), Err(TokenError::Unknown));
    }

    #[test]
    fn past_the_limit_the_oldest_v2_token_is_forgotten_and_an_old_v3_token_still_verifies() {
        let tokens = Tokens::new(Some(IssuerKey::from_pem(fixtures::ISSUER_PRIVATE_PEM).unwrap()), 900, 2);
        let ids = Ids::new(1).of("1234");
        let now = 1_700_000_000_000;
        let (v2, _) = tokens.issue_v2("1234", 7, now, 3600, &ids);
        let v3 = tokens.issue_v3("1234", 7, now, &ids).access_token;
        assert_eq!(tokens.check(&v2, |_| now + 1).map(|g| g.merchant), Ok("1234".to_string()));
        tokens.issue_v3("1234", 7, now, &ids);
        tokens.issue_v3("1234", 7, now, &ids);
        assert_eq!(tokens.check(&v2, |_| now + 1).map(|g| g.merchant), Err(TokenError::Unknown));
        assert_eq!(tokens.check(&v3, |_| now + 1).map(|g| g.merchant), Ok("1234".to_string()));
        assert_eq!(tokens.grants(now + 1).len(), 2);
    }

    #[test]
    fn bearer_values_are_read_leniently() {
        assert_eq!(bearer(Some("Bearer abc")), Ok("abc"));
        assert_eq!(bearer(Some("bearer abc")), Ok("abc"));
        assert_eq!(bearer(Some("abc")), Ok("abc"));
        assert_eq!(bearer(Some("Basic abc")), Err(TokenError::Unknown));
        assert_eq!(bearer(None), Err(TokenError::Missing));
    }
}
