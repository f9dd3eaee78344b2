//! Merchants (tenants): credentials, registered public key, accounts. Keys are parsed when a
//! merchant is registered, never per request.

use crate::crypto::{KeyError, PublicKey};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

pub const DEFAULT_CODE: &str = "9999999999";
pub const DEFAULT_API_KEY: &str = "SANDBOX-API-KEY";
pub const DEFAULT_SECRET: &str = "sandbox-secret";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ipn {
    pub username: String,
    pub password: String,
    /// The IPN URL registered in JengaHQ (Settings → IPN): IPN-kind callbacks also go there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Account alerts registered in JengaHQ (Settings → Alerts, reference §12.3): movements on the
/// merchant's accounts (or one of them), debits, credits or both, posted with Basic auth.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Alerts {
    pub url: String,
    pub username: String,
    pub password: String,
    /// Only this account; all of the merchant's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `debit`, `credit` or `both` (the default).
    #[serde(default = "both")]
    pub kind: String,
}

fn both() -> String {
    "both".into()
}

/// An account a merchant owns, from fixtures or the admin API.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Account {
    pub number: String,
    pub currency: String,
    #[serde(default = "default_country")]
    pub country_code: String,
    pub name: String,
    #[serde(default)]
    pub branch_code: String,
    pub balance: String,
    /// Active, Inactive or Dormant (reference §5.5).
    #[serde(default = "default_status")]
    pub status: String,
    #[serde(default)]
    pub customer_id: String,
    /// Retail or Corporate, as account inquiry reports it.
    #[serde(default = "default_customer_type")]
    pub customer_type: String,
    /// Most that may leave the account per day (UTC, sandbox clock), e.g. "500000.00"; none: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_limit: Option<String>,
}

impl Account {
    /// Its opening balance and daily limit must be amounts an account can hold.
    pub fn check(&self) -> Result<(), String> {
        let number = &self.number;
        crate::money::Cents::parse(&self.balance)
            .map_err(|error| format!("account {number}: balance {:?} {error}", self.balance))?;
        if let Some(limit) = &self.daily_limit {
            crate::money::Cents::parse(limit)
                .map_err(|error| format!("account {number}: dailyLimit {limit:?} {error}"))?;
        }
        Ok(())
    }
}

/// Why a merchant was not registered.
#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    #[error("publicKey: {0}")]
    Key(#[from] KeyError),
    #[error("accounts: {0}")]
    Account(String),
}

fn default_status() -> String {
    "Active".into()
}

fn default_customer_type() -> String {
    "Retail".into()
}

fn default_country() -> String {
    "KE".into()
}

#[derive(Debug)]
pub struct Merchant {
    pub code: String,
    pub name: String,
    pub api_key: String,
    pub consumer_secret: String,
    pub public_key: Option<Arc<PublicKey>>,
    pub ipn: Option<Ipn>,
    pub alerts: Option<Alerts>,
    pub accounts: Vec<Account>,
    /// Changes whenever the merchant is registered or its API key or consumer secret change:
    /// tokens carry it, so those issued under earlier credentials stop working.
    pub credentials: u64,
}

/// A fresh credentials generation (random, so a re-registered merchant never matches an old token).
pub fn new_credentials() -> u64 {
    rand::random()
}

impl Merchant {
    /// A copy to change one part of (merchants are shared read-only).
    fn with_same_identity(&self) -> Merchant {
        Merchant {
            code: self.code.clone(),
            name: self.name.clone(),
            api_key: self.api_key.clone(),
            consumer_secret: self.consumer_secret.clone(),
            public_key: self.public_key.clone(),
            ipn: self.ipn.clone(),
            alerts: self.alerts.clone(),
            accounts: self.accounts.clone(),
            credentials: self.credentials,
        }
    }

    pub fn owns_account(&self, number: &str) -> bool {
        self.account(number).is_some()
    }

    pub fn account(&self, number: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.number == number)
    }

    /// What the admin API shows: everything but the secret's value.
    pub fn summary(&self) -> serde_json::Value {
        serde_json::json!({
            "code": self.code,
            "name": self.name,
            "apiKey": self.api_key,
            "publicKey": self.public_key.as_ref().map(|k| &k.pem),
            "publicKeyFingerprint": self.public_key.as_ref().map(|k| &k.fingerprint),
            "ipn": self.ipn.as_ref().map(|i| &i.username),
            "alerts": self.alerts.as_ref().map(|a| &a.url),
            "accounts": self.accounts.iter().map(|a| &a.number).collect::<Vec<_>>(),
        })
    }
}

/// The body of `PUT /__sandbox/merchants/{code}` and of a config file's `merchants` entry.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MerchantSpec {
    #[serde(default)]
    pub code: Option<String>,
    pub name: Option<String>,
    pub api_key: Option<String>,
    pub consumer_secret: Option<String>,
    pub public_key: Option<String>,
    pub ipn: Option<Ipn>,
    pub alerts: Option<Alerts>,
    #[serde(default)]
    pub accounts: Option<Vec<Account>>,
}

#[derive(Default)]
pub struct Merchants {
    by_code: RwLock<HashMap<String, Arc<Merchant>>>,
}

impl Merchants {
    pub fn get(&self, code: &str) -> Option<Arc<Merchant>> {
        self.by_code.read().get(code).cloned()
    }

    pub fn all(&self) -> Vec<Arc<Merchant>> {
        let mut all: Vec<_> = self.by_code.read().values().cloned().collect();
        all.sort_by(|a, b| a.code.cmp(&b.code));
        all
    }

    pub fn insert(&self, merchant: Merchant) -> Arc<Merchant> {
        let merchant = Arc::new(merchant);
        self.by_code.write().insert(merchant.code.clone(), merchant.clone());
        merchant
    }

    /// Creates or updates `code`; fields left out keep their value (or a default for a new merchant).
    pub fn upsert(&self, code: &str, spec: MerchantSpec) -> Result<(Arc<Merchant>, bool), MerchantError> {
        for account in spec.accounts.iter().flatten() {
            account.check().map_err(MerchantError::Account)?;
        }
        let public_key = spec.public_key.as_deref().map(PublicKey::parse).transpose()?.map(Arc::new);
        let mut map = self.by_code.write();
        let existing = map.get(code).cloned();
        let created = existing.is_none();
        let api_key = spec
            .api_key
            .or_else(|| existing.as_ref().map(|m| m.api_key.clone()))
            .unwrap_or_else(|| format!("{code}-API-KEY"));
        let consumer_secret = spec
            .consumer_secret
            .or_else(|| existing.as_ref().map(|m| m.consumer_secret.clone()))
            .unwrap_or_else(|| format!("{code}-secret"));
        let credentials = match &existing {
            Some(m) if m.api_key == api_key && m.consumer_secret == consumer_secret => m.credentials,
            _ => new_credentials(),
        };
        let merchant = Merchant {
            code: code.to_string(),
            name: spec
                .name
                .or_else(|| existing.as_ref().map(|m| m.name.clone()))
                .unwrap_or_else(|| format!("Merchant {code}")),
            api_key,
            consumer_secret,
            public_key: public_key.or_else(|| existing.as_ref().and_then(|m| m.public_key.clone())),
            ipn: spec.ipn.or_else(|| existing.as_ref().and_then(|m| m.ipn.clone())),
            alerts: spec.alerts.or_else(|| existing.as_ref().and_then(|m| m.alerts.clone())),
            accounts: spec.accounts.or_else(|| existing.as_ref().map(|m| m.accounts.clone())).unwrap_or_default(),
            credentials,
        };
        let merchant = Arc::new(merchant);
        map.insert(code.to_string(), merchant.clone());
        Ok((merchant, created))
    }

    /// Adds or replaces one account of a merchant.
    pub fn put_account(&self, code: &str, account: Account) -> Option<Arc<Merchant>> {
        let mut map = self.by_code.write();
        let existing = map.get(code)?;
        let mut accounts = existing.accounts.clone();
        match accounts.iter_mut().find(|a| a.number == account.number) {
            Some(slot) => *slot = account,
            None => accounts.push(account),
        }
        let updated = Arc::new(Merchant { accounts, ..existing.with_same_identity() });
        map.insert(code.to_string(), updated.clone());
        Some(updated)
    }

    pub fn set_public_key(&self, code: &str, text: &str) -> Result<Option<Arc<Merchant>>, KeyError> {
        let key = Arc::new(PublicKey::parse(text)?);
        let mut map = self.by_code.write();
        let Some(existing) = map.get(code) else { return Ok(None) };
        let updated = Arc::new(Merchant { public_key: Some(key), ..existing.with_same_identity() });
        map.insert(code.to_string(), updated.clone());
        Ok(Some(updated))
    }
}

/// The accounts every default merchant starts with: the published UAT test accounts.
pub fn fixture_accounts() -> Vec<Account> {
    serde_json::from_str(include_str!("../fixtures/accounts.json")).expect("fixtures/accounts.json is valid")
}
