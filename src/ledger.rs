//! Balances that move. Each merchant's accounts start at their fixture balance and change only
//! through operations, under one lock, so a debit and its credit happen together or not at all.

use crate::merchant::Merchant;
pub use crate::money::Cents;
use crate::money::Rate;
use compact_str::CompactString;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};

/// Statement lines kept per account; the oldest go first.
const LINES_PER_ACCOUNT: usize = 1_000;

/// One movement on an account, as statements show it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub at_ms: i64,
    /// Signed: negative for a debit.
    pub cents: Cents,
    pub balance_after: Cents,
    pub description: String,
    pub reference: String,
    /// An admin-set balance, not a payment: it does not count towards the daily limit.
    pub adjustment: bool,
}

/// (merchant code, account number): short texts, held inline, so finding a balance allocates nothing.
type Key = (CompactString, CompactString);

fn key(merchant: &str, account: &str) -> Key {
    (merchant.into(), account.into())
}

#[derive(Default)]
struct Books {
    /// (merchant, account number) → balance; absent means "still at the fixture balance".
    balances: HashMap<Key, Cents>,
    lines: HashMap<Key, VecDeque<Line>>,
    /// Credits that land at a future sandbox time (a collection settles when its callback says
    /// so), per merchant (each may have its own clock), ordered by that time, so settling takes
    /// only what is due from the front.
    scheduled: HashMap<CompactString, VecDeque<Scheduled>>,
    /// The sum of each account's scheduled credits: room is kept for them, so no credit that
    /// lands later can take a balance past the maximum.
    pending: HashMap<Key, Cents>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scheduled {
    key: Key,
    cents: Cents,
    at_ms: i64,
    reference: CompactString,
    description: CompactString,
}

/// The books, and the clocks that tell which scheduled credits have landed.
pub struct Ledger {
    books: Mutex<Books>,
    clocks: std::sync::Arc<crate::clock::Clocks>,
}

/// What an account in another currency than the movement's gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// The movement is refused (`LedgerError::CurrencyMismatch`).
    Refuse,
    /// Converted at the fixture rate (`fixtures/forex.json`), said on the statement line.
    AtFixtureRate,
}

/// What moves money: who, from where, to where, and how it reads on a statement.
#[derive(Clone)]
pub struct Movement<'a> {
    pub from: &'a str,
    pub to: Option<&'a str>,
    /// In `currency`.
    pub amount: Cents,
    /// Charges taken from the source on top of `amount` (not passed on to `to`), in `currency`.
    pub charge: Cents,
    pub currency: &'a str,
    pub conversion: Conversion,
    pub at_ms: i64,
    pub reference: &'a str,
    pub description: &'a str,
}

/// One currency conversion a movement made.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub account: String,
    pub from: String,
    pub to: String,
    pub rate: Rate,
    pub amount: Cents,
    pub converted: Cents,
}

impl Converted {
    /// How a statement line and an answer say it: "USD 200.98 AT 122.6".
    pub fn describe(&self) -> String {
        format!("{} {} AT {}", self.from, self.amount, shown_rate(self.rate))
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "accountNumber": self.account,
            "fromCurrency": self.from,
            "toCurrency": self.to,
            "rate": shown_rate(self.rate),
            "amount": self.amount.to_string(),
            "convertedAmount": self.converted.to_string(),
        })
    }
}

/// A rate as the fixture gives it; an inverted or crossed one to 6 decimals.
fn shown_rate(rate: Rate) -> f64 {
    rate.rounded(6)
}

/// A movement as posted: in each account's own currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Posted {
    /// The source's new balance.
    pub balance: Cents,
    /// Taken from the source (amount and charge), in its currency.
    pub debited: Cents,
    /// Given to the destination when it is one of the merchant's accounts, in its currency.
    pub credited: Option<Cents>,
    pub conversions: Vec<Converted>,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum LedgerError {
    #[error("account {0} is not an account of this merchant")]
    UnknownAccount(String),
    #[error("insufficient funds: balance {balance}, needed {needed}")]
    InsufficientFunds { balance: Cents, needed: Cents },
    #[error("daily limit {limit} exceeded: {used} already sent today")]
    DailyLimitExceeded { limit: Cents, used: Cents },
    #[error(
        "account {account} holds {balance}{}; {amount} more would pass the largest balance, {}",
        if pending.cents() > 0 { format!(" with {pending} still to land") } else { String::new() },
        Cents::MAX_BALANCE
    )]
    Overflow { account: String, balance: Cents, pending: Cents, amount: Cents },
    #[error("account {account} holds {holds}, not {sent}")]
    CurrencyMismatch { account: String, holds: String, sent: String },
    #[error("account {account} holds {holds}; the fixtures have no {sent} to {holds} rate")]
    NoRate { account: String, holds: String, sent: String },
}

impl LedgerError {
    /// The rule that refused, as `X-Sandbox-Scenario` names it (`ledger:RULE`).
    pub fn rule(&self) -> &'static str {
        match self {
            LedgerError::UnknownAccount(_) => "unknown-account",
            LedgerError::InsufficientFunds { .. } => "insufficient-funds",
            LedgerError::DailyLimitExceeded { .. } => "daily-limit",
            LedgerError::Overflow { .. } => "overflow",
            LedgerError::CurrencyMismatch { .. } | LedgerError::NoRate { .. } => "currency",
        }
    }
}

const DAY_MS: i64 = 86_400_000;

/// The ledger as the state file keeps it.
#[derive(serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LedgerSnapshot {
    pub accounts: Vec<AccountSnapshot>,
    pub scheduled: Vec<Scheduled>,
}

/// One account's balance and its statement lines, oldest first.
pub struct AccountSnapshot {
    pub merchant: String,
    pub account: String,
    pub balance: Cents,
    pub lines: Vec<Line>,
}

/// The state file keeps an account as `[merchant, account, balance, lines]`.
impl serde::Serialize for AccountSnapshot {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&(&self.merchant, &self.account, self.balance, &self.lines), serializer)
    }
}

impl<'de> serde::Deserialize<'de> for AccountSnapshot {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (merchant, account, balance, lines) = serde::Deserialize::deserialize(deserializer)?;
        Ok(Self { merchant, account, balance, lines })
    }
}

impl Ledger {
    pub fn snapshot(&self) -> LedgerSnapshot {
        let books = self.books.lock();
        let accounts = books
            .balances
            .iter()
            .map(|(at, balance)| {
                let lines = books.lines.get(at).map(|l| l.iter().cloned().collect()).unwrap_or_default();
                let (merchant, account) = (at.0.to_string(), at.1.to_string());
                AccountSnapshot { merchant, account, balance: *balance, lines }
            })
            .collect();
        let scheduled = books
            .scheduled
            .values()
            .flatten()
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

    /// Takes a saved ledger, refusing (and taking nothing of) one whose balances are out of
    /// range: negative, above the maximum, or pushed above it by the credits still to land.
    pub fn restore(&self, snapshot: LedgerSnapshot) -> Result<(), String> {
        let range = format!("a balance must be between 0.00 and {}", Cents::MAX_BALANCE);
        let mut pending: HashMap<Key, Cents> = HashMap::new();
        for credit in &snapshot.scheduled {
            let (merchant, account) = &credit.key;
            let total = pending.entry(credit.key.clone()).or_default();
            *total = total.checked_add(credit.cents).filter(|t| credit.cents.is_valid_balance() && t.is_valid_balance())
                .ok_or_else(|| format!(
                    "ledger: account {account} of merchant {merchant}: scheduled credit {} ({}) is out of range; {range}",
                    credit.cents, credit.reference
                ))?;
        }
        for AccountSnapshot { merchant, account, balance, .. } in &snapshot.accounts {
            let with_pending = balance.checked_add(pending.get(&key(merchant, account)).copied().unwrap_or_default());
            if !balance.is_valid_balance() || !with_pending.is_some_and(Cents::is_valid_balance) {
                return Err(format!(
                    "ledger: account {account} of merchant {merchant} has balance {balance}{}; {range}",
                    if with_pending == Some(*balance) { String::new() } else { " with its scheduled credits".into() }
                ));
            }
        }
        let mut books = self.books.lock();
        for AccountSnapshot { merchant, account, balance, lines } in snapshot.accounts {
            let at = key(&merchant, &account);
            books.balances.insert(at.clone(), balance);
            books.lines.insert(at, lines.into());
        }
        let mut scheduled = snapshot.scheduled;
        scheduled.sort_by_key(|s| s.at_ms);
        books.scheduled.clear();
        for credit in scheduled {
            books.scheduled.entry(credit.key.0.clone()).or_default().push_back(credit);
        }
        books.pending = pending;
        Ok(())
    }

    pub fn new(clocks: std::sync::Arc<crate::clock::Clocks>) -> Self {
        Self { books: Mutex::default(), clocks }
    }

    /// The books, with every scheduled credit whose time has come (on its merchant's clock) posted.
    fn books(&self) -> parking_lot::MutexGuard<'_, Books> {
        let mut books = self.books.lock();
        let mut landed = Vec::new();
        books.scheduled.retain(|merchant, queue| {
            let now = self.clocks.now_ms_of(merchant);
            while queue.front().is_some_and(|s| s.at_ms <= now) {
                landed.extend(queue.pop_front());
            }
            !queue.is_empty()
        });
        for credit in landed {
            books.release_pending(&credit.key, credit.cents);
            let before = books.balances.get(&credit.key).copied().unwrap_or_default();
            let movement = Movement {
                from: &credit.key.1,
                to: None,
                amount: credit.cents,
                charge: Cents::ZERO,
                currency: "",
                conversion: Conversion::Refuse,
                at_ms: credit.at_ms,
                reference: &credit.reference,
                description: &credit.description,
            };
            // Room was kept for this credit when it was scheduled, so it always fits.
            if let Err(error) = books.post(credit.key.clone(), before, credit.cents, &movement, false) {
                tracing::error!("scheduled credit {} not posted: {error}", credit.reference);
            }
        }
        books
    }

    /// Posts the scheduled credits whose time has come. Reads do this too; calling it often
    /// keeps each batch small, so no request finds thousands waiting and holds the books while
    /// it posts them.
    pub fn settle(&self) {
        drop(self.books());
    }

    /// Credits `account` with `amount` in `currency` at `at_ms` on the sandbox clock (now or
    /// later). Refused when the account holds another currency, or when the credit, with the
    /// others still to land, would take it past the largest balance.
    #[allow(clippy::too_many_arguments)]
    pub fn schedule_credit(
        &self,
        merchant: &Merchant,
        account: &str,
        amount: Cents,
        currency: &str,
        at_ms: i64,
        reference: &str,
        description: &str,
    ) -> Result<(), LedgerError> {
        let holds = merchant.account(account).ok_or_else(|| LedgerError::UnknownAccount(account.to_string()))?;
        if holds.currency != currency {
            return Err(LedgerError::CurrencyMismatch {
                account: account.to_string(),
                holds: holds.currency.clone(),
                sent: currency.to_string(),
            });
        }
        let key = key(&merchant.code, account);
        let mut books = self.books();
        let balance = books.balance_of(merchant, &key);
        books.room_for(&key, balance, amount)?;
        books.balances.insert(key.clone(), balance);
        let pending = books.pending.entry(key.clone()).or_default();
        *pending = pending.checked_add(amount).expect("room_for checked the sum");
        let scheduled = books.scheduled.entry(merchant.code.as_str().into()).or_default();
        // Credits mostly arrive in time order: most go straight to the end.
        let position = match scheduled.back() {
            Some(last) if last.at_ms > at_ms => scheduled.partition_point(|s| s.at_ms <= at_ms),
            _ => scheduled.len(),
        };
        let credit =
            Scheduled { key, cents: amount, at_ms, reference: reference.into(), description: description.into() };
        scheduled.insert(position, credit);
        Ok(())
    }

    pub fn balance(&self, merchant: &Merchant, account: &str) -> Option<Cents> {
        let key = key(&merchant.code, account);
        let books = self.books();
        books.balances.get(&key).copied().or_else(|| opening(merchant, account))
    }

    /// Debits `from` and, when it is one of the merchant's accounts too, credits `to`, writing a
    /// statement line on each; accounts in another currency than the movement's are refused or
    /// converted as `movement.conversion` says. Nothing moves unless everything fits.
    pub fn transfer(&self, merchant: &Merchant, movement: Movement) -> Result<Posted, LedgerError> {
        let mut conversions = Vec::new();
        let source =
            merchant.account(movement.from).ok_or_else(|| LedgerError::UnknownAccount(movement.from.to_string()))?;
        let overflow = |account: &str, balance, amount| LedgerError::Overflow {
            account: account.to_string(),
            balance,
            pending: Cents::ZERO,
            amount,
        };
        let sent = movement
            .amount
            .checked_add(movement.charge)
            .ok_or_else(|| overflow(movement.from, Cents::ZERO, movement.amount))?;
        let debit = convert(&movement, movement.from, &source.currency, sent, &mut conversions)?;
        let destination = movement.to.and_then(|to| merchant.account(to).map(|a| (to, a)));
        let credit = match destination {
            Some((to, account)) => {
                Some((to, convert(&movement, to, &account.currency, movement.amount, &mut conversions)?))
            }
            None => None,
        };
        let mut books = self.books();
        let from_key = key(&merchant.code, movement.from);
        let balance = books.balance_of(merchant, &from_key);
        if balance < debit {
            return Err(LedgerError::InsufficientFunds { balance, needed: debit });
        }
        let limit = source.daily_limit.as_deref().and_then(|l| Cents::parse(l).ok());
        if let Some(limit) = limit {
            let day = movement.at_ms.div_euclid(DAY_MS);
            let used = books.lines.get(&from_key).map_or(Cents::ZERO, |lines| {
                lines
                    .iter()
                    .filter(|l| !l.adjustment && l.cents.is_negative() && l.at_ms.div_euclid(DAY_MS) == day)
                    .try_fold(Cents::ZERO, |sum, l| sum.checked_add(l.cents.abs()))
                    .unwrap_or(Cents::MAX_BALANCE)
            });
            if used.checked_add(debit).is_none_or(|total| total > limit) {
                return Err(LedgerError::DailyLimitExceeded { limit, used });
            }
        }
        // Every check comes before the first posting, so a refusal leaves both accounts as they were.
        let to = credit.map(|(to, amount)| (key(&merchant.code, to), amount));
        if let Some((to_key, amount)) = &to {
            let current = if *to_key == from_key {
                balance.checked_sub(debit).unwrap_or_default()
            } else {
                books.balance_of(merchant, to_key)
            };
            books.room_for(to_key, current, *amount)?;
        }
        let debit_line = describe(movement.description, conversions.iter().find(|c| c.account == movement.from));
        let negative_debit = debit.checked_neg().ok_or_else(|| overflow(movement.from, balance, debit))?;
        let after = books.post(
            from_key,
            balance,
            negative_debit,
            &Movement { description: &debit_line, ..movement.clone() },
            false,
        )?;
        let credited = to.as_ref().map(|(_, amount)| *amount);
        if let Some((to_key, amount)) = to {
            let current = books.balance_of(merchant, &to_key);
            let converted = conversions.iter().find(|c| c.account == to_key.1);
            let credit_line = describe(movement.description, converted);
            books.post(to_key, current, amount, &Movement { description: &credit_line, ..movement.clone() }, false)?;
        }
        Ok(Posted { balance: after, debited: debit, credited, conversions })
    }

    /// Sets a balance (admin), writing the difference as an adjustment line. Refused when the
    /// credits still to land would take it past the largest balance.
    pub fn set(&self, merchant: &Merchant, account: &str, balance: Cents, at_ms: i64) -> Result<(), LedgerError> {
        let mut books = self.books();
        let key = key(&merchant.code, account);
        books.room_for(&key, Cents::ZERO, balance)?;
        let current = books.balance_of(merchant, &key);
        let movement = Movement {
            from: account,
            to: None,
            amount: Cents::ZERO,
            charge: Cents::ZERO,
            currency: "",
            conversion: Conversion::Refuse,
            at_ms,
            reference: "",
            description: "BALANCE ADJUSTMENT",
        };
        let difference = balance.checked_sub(current).expect("both balances are in range");
        books.post(key, current, difference, &movement, true)?;
        Ok(())
    }

    /// The account's statement lines, oldest first.
    pub fn lines(&self, merchant: &Merchant, account: &str) -> Vec<Line> {
        let key = key(&merchant.code, account);
        self.books().lines.get(&key).map(|l| l.iter().cloned().collect()).unwrap_or_default()
    }

    /// The balance at `at_ms`: after the last line before it, else before the first line after it.
    pub fn balance_at(&self, merchant: &Merchant, account: &str, at_ms: i64) -> Option<Cents> {
        let lines = self.lines(merchant, account);
        match lines.iter().rev().find(|l| l.at_ms < at_ms) {
            Some(line) => Some(line.balance_after),
            None => match lines.first() {
                Some(first) => first.balance_after.checked_sub(first.cents),
                None => self.balance(merchant, account),
            },
        }
    }

    /// Back to fixture balances (of one merchant, or all).
    pub fn clear(&self, merchant: Option<&str>) {
        let mut books = self.books();
        books.balances.retain(|(m, _), _| merchant.is_some_and(|x| x != m));
        books.lines.retain(|(m, _), _| merchant.is_some_and(|x| x != m));
        books.scheduled.retain(|m, _| merchant.is_some_and(|x| x != m));
        books.pending.retain(|(m, _), _| merchant.is_some_and(|x| x != m));
    }
}

/// The fixture (or admin-registered) balance an account starts at.
fn opening(merchant: &Merchant, account: &str) -> Option<Cents> {
    merchant.account(account).map(|a| Cents::parse(&a.balance).unwrap_or_default())
}

/// `amount` in `currency` as `account` (holding `holds`) takes it, recording any conversion.
fn convert(
    movement: &Movement,
    account: &str,
    holds: &str,
    amount: Cents,
    conversions: &mut Vec<Converted>,
) -> Result<Cents, LedgerError> {
    if holds == movement.currency {
        return Ok(amount);
    }
    let mismatch = || (account.to_string(), holds.to_string(), movement.currency.to_string());
    if movement.conversion == Conversion::Refuse {
        let (account, holds, sent) = mismatch();
        return Err(LedgerError::CurrencyMismatch { account, holds, sent });
    }
    let Some(rate) = crate::forex::rate(movement.currency, holds) else {
        let (account, holds, sent) = mismatch();
        return Err(LedgerError::NoRate { account, holds, sent });
    };
    let converted = amount.convert(rate).filter(|c| c.is_valid_balance()).ok_or_else(|| LedgerError::Overflow {
        account: account.to_string(),
        balance: Cents::ZERO,
        pending: Cents::ZERO,
        amount,
    })?;
    conversions.push(Converted {
        account: account.to_string(),
        from: movement.currency.to_string(),
        to: holds.to_string(),
        rate,
        amount,
        converted,
    });
    Ok(converted)
}

/// A statement line's text, saying the conversion when there was one.
fn describe(description: &str, conversion: Option<&Converted>) -> String {
    match conversion {
        Some(c) => format!("{description} ({})", c.describe()),
        None => description.to_string(),
    }
}

impl Books {
    fn balance_of(&self, merchant: &Merchant, key: &Key) -> Cents {
        self.balances.get(key).copied().or_else(|| opening(merchant, &key.1)).unwrap_or_default()
    }

    /// Ok when `balance` plus `amount`, plus the account's credits still to land, stays within
    /// the largest balance.
    fn room_for(&self, key: &Key, balance: Cents, amount: Cents) -> Result<(), LedgerError> {
        let pending = self.pending.get(key).copied().unwrap_or_default();
        let total = balance.checked_add(pending).and_then(|b| b.checked_add(amount));
        if total.is_some_and(Cents::is_valid_balance) {
            Ok(())
        } else {
            Err(LedgerError::Overflow { account: key.1.to_string(), balance, pending, amount })
        }
    }

    fn release_pending(&mut self, key: &Key, amount: Cents) {
        if let Some(pending) = self.pending.get_mut(key) {
            *pending = pending.checked_sub(amount).unwrap_or_default();
            if *pending == Cents::ZERO {
                self.pending.remove(key);
            }
        }
    }

    /// Moves `before` by `change` (signed) and writes the line; refused, changing nothing, when
    /// the result would leave the balance range.
    fn post(
        &mut self,
        key: Key,
        before: Cents,
        change: Cents,
        movement: &Movement,
        adjustment: bool,
    ) -> Result<Cents, LedgerError> {
        let after = before.checked_add(change).filter(|a| a.is_valid_balance()).ok_or_else(|| {
            LedgerError::Overflow { account: key.1.to_string(), balance: before, pending: Cents::ZERO, amount: change }
        })?;
        self.balances.insert(key.clone(), after);
        let lines = self.lines.entry(key).or_default();
        lines.push_back(Line {
            at_ms: movement.at_ms,
            cents: change,
            balance_after: after,
            description: movement.description.to_string(),
            reference: movement.reference.to_string(),
            adjustment,
        });
        if lines.len() > LINES_PER_ACCOUNT {
            lines.pop_front();
        }
        Ok(after)
    }
}
