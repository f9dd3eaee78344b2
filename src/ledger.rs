//! Balances that move. Each merchant's accounts start at their fixture balance and change only
//! through operations, under one lock, so a debit and its credit happen together or not at all.

use crate::merchant::Merchant;
use parking_lot::Mutex;
use std::collections::HashMap;

/// Statement lines kept per account; the oldest go first.
const LINES_PER_ACCOUNT: usize = 1_000;

/// One movement on an account, as statements show it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub at_ms: i64,
    /// Signed: negative for a debit.
    pub cents: i64,
    pub balance_after: i64,
    pub description: String,
    pub reference: String,
    /// An admin-set balance, not a payment: it does not count towards the daily limit.
    pub adjustment: bool,
}

struct Books {
    /// (merchant, account number) → balance in cents; absent means "still at the fixture balance".
    balances: HashMap<(String, String), i64>,
    lines: HashMap<(String, String), std::collections::VecDeque<Line>>,
    /// Credits that land at a future sandbox time (a collection settles when its callback says
    /// so), ordered by that time, so settling takes only what is due from the front.
    scheduled: std::collections::VecDeque<Scheduled>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scheduled {
    key: (String, String),
    cents: i64,
    at_ms: i64,
    reference: String,
    description: String,
}

/// The books, and the clock that tells which scheduled credits have landed.
pub struct Ledger {
    books: Mutex<Books>,
    clock: std::sync::Arc<crate::clock::Clock>,
}

/// What moves money: who, from where, to where, and how it reads on a statement.
#[derive(Clone)]
pub struct Movement<'a> {
    pub from: &'a str,
    pub to: Option<&'a str>,
    pub cents: i64,
    /// Charges taken from the source on top of `cents` (not passed on to `to`).
    pub charge: i64,
    pub at_ms: i64,
    pub reference: &'a str,
    pub description: &'a str,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum LedgerError {
    #[error("account {0} is not an account of this merchant")]
    UnknownAccount(String),
    #[error("insufficient funds: balance {balance}, needed {needed}")]
    InsufficientFunds { balance: String, needed: String },
    #[error("daily limit {limit} exceeded: {used} already sent today")]
    DailyLimitExceeded { limit: String, used: String },
}

const DAY_MS: i64 = 86_400_000;

/// "500.00" → 50000. None for anything but a non-negative amount with at most 2 decimals.
pub fn cents(amount: &str) -> Option<i64> {
    let (whole, fraction) = amount.trim().split_once('.').unwrap_or((amount.trim(), ""));
    if whole.is_empty() || fraction.len() > 2 || !(whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit())) {
        return None;
    }
    // "5" after the point is 50 cents.
    let fraction_cents = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse::<i64>().ok()?,
    };
    whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(fraction_cents)
}

/// 50000 → "500.00".
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// The ledger as the state file keeps it.
#[derive(serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LedgerSnapshot {
    /// (merchant, account, balance in cents, statement lines oldest first)
    pub accounts: Vec<(String, String, i64, Vec<Line>)>,
    pub scheduled: Vec<Scheduled>,
}

impl Ledger {
    pub fn snapshot(&self) -> LedgerSnapshot {
        let books = self.books.lock();
        let accounts = books
            .balances
            .iter()
            .map(|((merchant, account), balance)| {
                let lines = books.lines.get(&(merchant.clone(), account.clone()));
                let lines = lines.map(|l| l.iter().cloned().collect()).unwrap_or_default();
                (merchant.clone(), account.clone(), *balance, lines)
            })
            .collect();
        let scheduled = books
            .scheduled
            .iter()
            .map(|s| Scheduled {
                key: s.key.clone(),
                cents: s.cents,
                at_ms: s.at_ms,
                reference: s.reference.clone(),
                description: s.description.clone(),
            })
            .collect();
        LedgerSnapshot { accounts, scheduled }
    }

    pub fn restore(&self, snapshot: LedgerSnapshot) {
        let mut books = self.books.lock();
        for (merchant, account, balance, lines) in snapshot.accounts {
            let key = (merchant, account);
            books.balances.insert(key.clone(), balance);
            books.lines.insert(key, lines.into());
        }
        let mut scheduled = snapshot.scheduled;
        scheduled.sort_by_key(|s| s.at_ms);
        books.scheduled = scheduled.into();
    }

    pub fn new(clock: std::sync::Arc<crate::clock::Clock>) -> Self {
        Self { books: Mutex::default(), clock }
    }

    /// The books, with every scheduled credit whose time has come posted.
    fn books(&self) -> parking_lot::MutexGuard<'_, Books> {
        let mut books = self.books.lock();
        let now = self.clock.now_ms();
        while books.scheduled.front().is_some_and(|s| s.at_ms <= now) {
            let Some(credit) = books.scheduled.pop_front() else { break };
            let before = books.balances.get(&credit.key).copied().unwrap_or(0);
            let movement = Movement {
                from: &credit.key.1,
                to: None,
                cents: credit.cents,
                charge: 0,
                at_ms: credit.at_ms,
                reference: &credit.reference,
                description: &credit.description,
            };
            books.post(credit.key.clone(), before, credit.cents, &movement, false);
        }
        books
    }

    /// Posts the scheduled credits whose time has come. Reads do this too; calling it often
    /// keeps each batch small, so no request finds thousands waiting and holds the books while
    /// it posts them.
    pub fn settle(&self) {
        drop(self.books());
    }

    /// Credits `account` at `at_ms` on the sandbox clock (now or later).
    pub fn schedule_credit(
        &self,
        merchant: &Merchant,
        account: &str,
        cents: i64,
        at_ms: i64,
        reference: &str,
        description: &str,
    ) {
        let key = (merchant.code.clone(), account.to_string());
        let mut books = self.books();
        if !books.balances.contains_key(&key) {
            let opening = Self::opening(merchant, account).unwrap_or(0);
            books.balances.insert(key.clone(), opening);
        }
        // Credits mostly arrive in time order: most go straight to the end.
        let position = match books.scheduled.back() {
            Some(last) if last.at_ms > at_ms => books.scheduled.partition_point(|s| s.at_ms <= at_ms),
            _ => books.scheduled.len(),
        };
        let credit =
            Scheduled { key, cents, at_ms, reference: reference.to_string(), description: description.to_string() };
        books.scheduled.insert(position, credit);
    }

    fn opening(merchant: &Merchant, account: &str) -> Option<i64> {
        merchant.account(account).map(|a| cents(&a.balance).unwrap_or(0))
    }

    pub fn balance(&self, merchant: &Merchant, account: &str) -> Option<i64> {
        let key = (merchant.code.clone(), account.to_string());
        let books = self.books();
        books.balances.get(&key).copied().or_else(|| Self::opening(merchant, account))
    }

    /// Debits `from` and, when it is one of the merchant's accounts too, credits `to`, writing a
    /// statement line on each. Returns the source's new balance.
    pub fn transfer(&self, merchant: &Merchant, movement: Movement) -> Result<i64, LedgerError> {
        let mut books = self.books();
        let from_key = (merchant.code.clone(), movement.from.to_string());
        let balance = match books.balances.get(&from_key) {
            Some(b) => *b,
            None => Self::opening(merchant, movement.from)
                .ok_or_else(|| LedgerError::UnknownAccount(movement.from.to_string()))?,
        };
        let debit = movement.cents + movement.charge;
        if balance < debit {
            return Err(LedgerError::InsufficientFunds { balance: format_cents(balance), needed: format_cents(debit) });
        }
        let limit = merchant.account(movement.from).and_then(|a| a.daily_limit.as_deref()).and_then(cents);
        if let Some(limit) = limit {
            let day = movement.at_ms.div_euclid(DAY_MS);
            let used: i64 = books.lines.get(&from_key).map_or(0, |lines| {
                lines
                    .iter()
                    .filter(|l| !l.adjustment && l.cents < 0 && l.at_ms.div_euclid(DAY_MS) == day)
                    .map(|l| -l.cents)
                    .sum()
            });
            if used + debit > limit {
                return Err(LedgerError::DailyLimitExceeded { limit: format_cents(limit), used: format_cents(used) });
            }
        }
        books.post(from_key, balance, -debit, &movement, false);
        if let Some(to) = movement.to.filter(|to| merchant.owns_account(to)) {
            let to_key = (merchant.code.clone(), to.to_string());
            let current = books.balances.get(&to_key).copied().or_else(|| Self::opening(merchant, to)).unwrap_or(0);
            books.post(to_key, current, movement.cents, &movement, false);
        }
        Ok(balance - debit)
    }

    /// Sets a balance (admin), writing the difference as an adjustment line.
    pub fn set(&self, merchant: &Merchant, account: &str, cents: i64, at_ms: i64) {
        let mut books = self.books();
        let key = (merchant.code.clone(), account.to_string());
        let current = books.balances.get(&key).copied().or_else(|| Self::opening(merchant, account)).unwrap_or(0);
        let movement = Movement {
            from: account,
            to: None,
            cents: 0,
            charge: 0,
            at_ms,
            reference: "",
            description: "BALANCE ADJUSTMENT",
        };
        books.post(key, current, cents - current, &movement, true);
    }

    /// The account's statement lines, oldest first.
    pub fn lines(&self, merchant: &Merchant, account: &str) -> Vec<Line> {
        let key = (merchant.code.clone(), account.to_string());
        self.books().lines.get(&key).map(|l| l.iter().cloned().collect()).unwrap_or_default()
    }

    /// The balance at `at_ms`: after the last line before it, else before the first line after it.
    pub fn balance_at(&self, merchant: &Merchant, account: &str, at_ms: i64) -> Option<i64> {
        let lines = self.lines(merchant, account);
        match lines.iter().rev().find(|l| l.at_ms < at_ms) {
            Some(line) => Some(line.balance_after),
            None => match lines.first() {
                Some(first) => Some(first.balance_after - first.cents),
                None => self.balance(merchant, account),
            },
        }
    }

    /// Back to fixture balances (of one merchant, or all).
    pub fn clear(&self, merchant: Option<&str>) {
        let mut books = self.books();
        books.balances.retain(|(m, _), _| merchant.is_some_and(|x| x != m));
        books.lines.retain(|(m, _), _| merchant.is_some_and(|x| x != m));
        books.scheduled.retain(|s| merchant.is_some_and(|x| x != s.key.0));
    }
}

impl Default for Books {
    fn default() -> Self {
        Self { balances: HashMap::new(), lines: HashMap::new(), scheduled: Default::default() }
    }
}

impl Books {
    fn post(&mut self, key: (String, String), before: i64, cents: i64, movement: &Movement, adjustment: bool) {
        self.balances.insert(key.clone(), before + cents);
        let lines = self.lines.entry(key).or_default();
        lines.push_back(Line {
            at_ms: movement.at_ms,
            cents,
            balance_after: before + cents,
            description: movement.description.to_string(),
            reference: movement.reference.to_string(),
            adjustment,
        });
        if lines.len() > LINES_PER_ACCOUNT {
            lines.pop_front();
        }
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
