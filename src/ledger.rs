//! Balances that move. Each merchant's accounts start at their fixture balance and change only
//! through operations, under one lock, so a debit and its credit happen together or not at all.

use crate::merchant::Merchant;
use parking_lot::Mutex;
use std::collections::HashMap;

#[derive(Default)]
pub struct Ledger {
    /// (merchant, account number) → balance in cents; absent means "still at the fixture balance".
    balances: Mutex<HashMap<(String, String), i64>>,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum LedgerError {
    #[error("account {0} is not an account of this merchant")]
    UnknownAccount(String),
    #[error("insufficient funds: balance {balance}, needed {needed}")]
    InsufficientFunds { balance: String, needed: String },
}

/// "500.00" → 50000. None for anything but a non-negative amount with at most 2 decimals.
pub fn cents(amount: &str) -> Option<i64> {
    let (whole, fraction) = amount.trim().split_once('.').unwrap_or((amount.trim(), ""));
    if whole.is_empty() || fraction.len() > 2 || !(whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit())) {
        return None;
    }
    let fraction = format!("{fraction:0<2}");
    whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(fraction.parse::<i64>().ok()?)
}

/// 50000 → "500.00".
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

impl Ledger {
    fn opening(merchant: &Merchant, account: &str) -> Option<i64> {
        merchant.account(account).map(|a| cents(&a.balance).unwrap_or(0))
    }

    pub fn balance(&self, merchant: &Merchant, account: &str) -> Option<i64> {
        let key = (merchant.code.clone(), account.to_string());
        let balances = self.balances.lock();
        balances.get(&key).copied().or_else(|| Self::opening(merchant, account))
    }

    /// Debits `from` and, when it is one of the merchant's accounts too, credits `to`.
    pub fn transfer(&self, merchant: &Merchant, from: &str, to: Option<&str>, amount: i64) -> Result<i64, LedgerError> {
        let mut balances = self.balances.lock();
        let from_key = (merchant.code.clone(), from.to_string());
        let balance = match balances.get(&from_key) {
            Some(b) => *b,
            None => Self::opening(merchant, from).ok_or_else(|| LedgerError::UnknownAccount(from.to_string()))?,
        };
        if balance < amount {
            return Err(LedgerError::InsufficientFunds {
                balance: format_cents(balance),
                needed: format_cents(amount),
            });
        }
        balances.insert(from_key, balance - amount);
        if let Some(to) = to.filter(|to| merchant.owns_account(to)) {
            let to_key = (merchant.code.clone(), to.to_string());
            let current = balances.get(&to_key).copied().or_else(|| Self::opening(merchant, to)).unwrap_or(0);
            balances.insert(to_key, current + amount);
        }
        Ok(balance - amount)
    }

    /// Back to fixture balances (of one merchant, or all).
    pub fn clear(&self, merchant: Option<&str>) {
        self.balances.lock().retain(|(m, _), _| merchant.is_some_and(|x| x != m));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_convert_to_cents_and_back() {
        assert_eq!(cents("500.00"), Some(50_000));
        assert_eq!(cents("5"), Some(500));
        assert_eq!(cents("5.5"), Some(550));
        assert_eq!(cents("5.555"), None);
        assert_eq!(cents("-5"), None);
        assert_eq!(format_cents(565_558), "5655.58");
        assert_eq!(format_cents(5), "0.05");
    }
}
