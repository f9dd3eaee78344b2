//! The fixture exchange rates (`fixtures/forex.json`): what the forex query answers, and what
//! the ledger converts at when money crosses currencies.

use crate::money::Rate;
use std::sync::LazyLock;

/// One rate the fixture quotes: units of `to` per unit of `from`.
#[derive(serde::Deserialize)]
pub(crate) struct Quote {
    pub from: String,
    pub to: String,
    pub rate: Rate,
}

// Parsed once, on first use.
pub(crate) static RATES: LazyLock<Vec<Quote>> =
    LazyLock::new(|| serde_json::from_str(include_str!("../fixtures/forex.json")).expect("fixtures/forex.json"));

/// Units of `to` per unit of `from`. A pair the fixture lists one way is inverted; pairs it
/// lacks (USD to GBP) cross through KES, as a bank quoting from Kenya would.
pub(crate) fn rate(from: &str, to: &str) -> Option<Rate> {
    if from == to {
        return Some(Rate::ONE);
    }
    let direct = |from: &str, to: &str| {
        RATES
            .iter()
            .find(|r| r.from == from && r.to == to)
            .map(|r| r.rate)
            .or_else(|| RATES.iter().find(|r| r.from == to && r.to == from).map(|r| r.rate.inverse()))
    };
    direct(from, to).or_else(|| direct(from, "KES")?.then(direct("KES", to)?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_fixture_rate_loads() {
        assert_eq!(super::RATES.len(), include_str!("../fixtures/forex.json").matches("\"rate\"").count());
    }
}
