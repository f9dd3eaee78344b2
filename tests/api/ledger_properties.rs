//! Properties of the ledger over random operation sequences, extreme amounts included: money is
//! conserved in each currency (what the accounts hold, plus the credits still to land, is what
//! they started with plus what came in less what left), no balance is ever negative or above
//! the largest one, and a refused operation changes nothing.

use jenga_sandbox::clock::Clocks;
use jenga_sandbox::ledger::{Conversion, Ledger, Movement};
use jenga_sandbox::merchant::{Account, Merchant};
use jenga_sandbox::money::Cents;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

const MAX: i64 = Cents::MAX_BALANCE.cents();
/// The accounts: three in KES (the last with a daily limit), one in USD.
const ACCOUNTS: [(&str, &str); 4] = [("A", "KES"), ("B", "KES"), ("C", "USD"), ("D", "KES")];
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone)]
enum Operation {
    Transfer { from: usize, to: Option<usize>, amount: i64, charge: i64, usd: bool, convert: bool },
    Collect { account: usize, amount: i64, usd: bool, later: bool },
    Set { account: usize, balance: i64 },
    Advance,
}

/// Amounts that reach the edges: zero, a cent, everyday sums, the largest request amount, the
/// largest balance and beyond, up to i64::MAX.
fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0),
        Just(1),
        1..1_000_000i64,
        Just(99_999_999_999_999),
        Just(MAX),
        Just(MAX + 1),
        (MAX - 1_000)..=MAX,
        Just(i64::MAX),
        any::<i64>().prop_map(i64::abs),
    ]
}

fn operation() -> impl Strategy<Value = Operation> {
    let account = 0..ACCOUNTS.len();
    prop_oneof![
        4 => (account.clone(), proptest::option::of(account.clone()), amount(), prop_oneof![Just(0), amount()], any::<bool>(), any::<bool>())
            .prop_map(|(from, to, amount, charge, usd, convert)| Operation::Transfer { from, to, amount, charge, usd, convert }),
        2 => (account.clone(), amount(), any::<bool>(), any::<bool>())
            .prop_map(|(account, amount, usd, later)| Operation::Collect { account, amount, usd, later }),
        1 => (account, prop_oneof![amount(), 0..=MAX]).prop_map(|(account, balance)| Operation::Set { account, balance }),
        1 => Just(Operation::Advance),
    ]
}

fn merchant(openings: &[i64], daily_limit: i64) -> Merchant {
    let accounts = ACCOUNTS
        .iter()
        .zip(openings)
        .map(|((number, currency), opening)| Account {
            number: number.to_string(),
            currency: currency.to_string(),
            country_code: "KE".into(),
            name: number.to_string(),
            branch_code: String::new(),
            balance: Cents::from_cents(*opening).to_string(),
            status: "Active".into(),
            customer_id: String::new(),
            customer_type: "Retail".into(),
            daily_limit: (*number == "D").then(|| Cents::from_cents(daily_limit).to_string()),
        })
        .collect();
    Merchant {
        code: "M".into(),
        name: "M".into(),
        api_key: String::new(),
        consumer_secret: String::new(),
        public_key: None,
        ipn: None,
        alerts: None,
        accounts,
        credentials: 0,
    }
}

/// Per account: its balance and the sum of its credits still to land.
fn books(ledger: &Ledger, merchant: &Merchant) -> Vec<(i64, i64)> {
    // Settled first, so the snapshot's pending credits and the balances read agree.
    ledger.settle();
    let snapshot = serde_json::to_value(ledger.snapshot()).unwrap();
    ACCOUNTS
        .iter()
        .map(|(number, _)| {
            let balance = ledger.balance(merchant, number).unwrap().cents();
            let pending = snapshot["scheduled"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["key"][1] == *number)
                .map(|s| s["cents"].as_i64().unwrap())
                .sum();
            (balance, pending)
        })
        .collect()
}

/// What each currency's accounts hold, with their pending credits (i128: no sum can overflow).
fn held(books: &[(i64, i64)]) -> BTreeMap<&'static str, i128> {
    let mut held = BTreeMap::new();
    for ((_, currency), (balance, pending)) in ACCOUNTS.iter().zip(books) {
        *held.entry(*currency).or_default() += i128::from(*balance) + i128::from(*pending);
    }
    held
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn money_is_conserved_and_never_overflows(
        openings in proptest::collection::vec(prop_oneof![0..=MAX, Just(MAX), Just(0)], ACCOUNTS.len()),
        daily_limit in 0..=MAX,
        operations in proptest::collection::vec(operation(), 1..40),
    ) {
        let clocks = Arc::new(Clocks::default());
        let clock = clocks.shared();
        let ledger = Ledger::new(clocks.clone());
        let merchant = merchant(&openings, daily_limit);
        // Money that came in from outside (positive) or left to outside (negative), per currency.
        let mut flow: BTreeMap<&str, i128> = held(&books(&ledger, &merchant)).into_iter().collect();
        for (index, operation) in operations.into_iter().enumerate() {
            let before = books(&ledger, &merchant);
            let reference = format!("R{index}");
            let refused = match operation {
                Operation::Transfer { from, to, amount, charge, usd, convert } => {
                    let movement = Movement {
                        from: ACCOUNTS[from].0,
                        // None: the money leaves for another bank.
                        to: to.map(|to| ACCOUNTS[to].0),
                        amount: Cents::from_cents(amount),
                        charge: Cents::from_cents(charge),
                        currency: if usd { "USD" } else { "KES" },
                        conversion: if convert { Conversion::AtFixtureRate } else { Conversion::Refuse },
                        at_ms: clock.now_ms(),
                        reference: &reference,
                        description: "T",
                    };
                    match ledger.transfer(&merchant, movement) {
                        Ok(posted) => {
                            *flow.get_mut(ACCOUNTS[from].1).unwrap() -= i128::from(posted.debited.cents());
                            if let (Some(to), Some(credited)) = (to, posted.credited) {
                                *flow.get_mut(ACCOUNTS[to].1).unwrap() += i128::from(credited.cents());
                            }
                            prop_assert!(posted.debited.cents() >= 0);
                            false
                        }
                        Err(_) => true,
                    }
                }
                Operation::Collect { account, amount, usd, later } => {
                    let at = clock.now_ms() + if later { DAY_MS } else { 0 };
                    let currency = if usd { "USD" } else { "KES" };
                    let (number, _) = ACCOUNTS[account];
                    match ledger.schedule_credit(&merchant, number, Cents::from_cents(amount), currency, at, &reference, "C") {
                        Ok(()) => {
                            *flow.get_mut(ACCOUNTS[account].1).unwrap() += i128::from(amount);
                            false
                        }
                        Err(_) => true,
                    }
                }
                Operation::Set { account, balance } => {
                    let (number, currency) = ACCOUNTS[account];
                    if !Cents::from_cents(balance).is_valid_balance() {
                        // The admin API refuses these before the ledger sees them.
                        continue;
                    }
                    match ledger.set(&merchant, number, Cents::from_cents(balance), clock.now_ms()) {
                        Ok(()) => {
                            *flow.get_mut(currency).unwrap() += i128::from(balance) - i128::from(before[account].0);
                            false
                        }
                        Err(_) => true,
                    }
                }
                Operation::Advance => {
                    clocks.advance(None, DAY_MS).unwrap();
                    false
                }
            };
            let after = books(&ledger, &merchant);
            for (account, (balance, pending)) in after.iter().enumerate() {
                prop_assert!((0..=MAX).contains(balance), "account {account} holds {balance}");
                prop_assert!(balance + pending <= MAX, "account {account}: {balance} with {pending} to land");
            }
            if refused {
                prop_assert_eq!(&after, &before, "a refusal changed the books");
            }
            prop_assert_eq!(held(&after), flow.clone(), "money was created or lost");
        }
    }
}
