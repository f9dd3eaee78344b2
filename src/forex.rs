//! The fixture exchange rates (`fixtures/forex.json`): what the forex query answers, and what
//! the ledger converts at when money crosses currencies.

use std::sync::LazyLock;

#[derive(serde::Deserialize)]
pub struct Rate {
    pub from: String,
    pub to: String,
    pub rate: f64,
}

// Parsed once, on first use.
pub static RATES: LazyLock<Vec<Rate>> =
    LazyLock::new(|| serde_json::from_str(include_str!("../fixtures/forex.json")).expect("fixtures/forex.json"));

/// Units of `to` per unit of `from`. A pair the fixture lists one way is inverted; pairs it
/// lacks (USD to GBP) cross through KES, as a bank quoting from Kenya would.
pub fn rate(from: &str, to: &str) -> Option<f64> {
    if from == to {
        return Some(1.0);
    }
    let direct = |from: &str, to: &str| {
        RATES
            .iter()
            .find(|r| r.from == from && r.to == to)
            .map(|r| r.rate)
            .or_else(|| RATES.iter().find(|r| r.from == to && r.to == from).map(|r| 1.0 / r.rate))
    };
    direct(from, to).or_else(|| Some(direct(from, "KES")? * direct("KES", to)?))
}
