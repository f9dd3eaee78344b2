//! Lists and rates (reference §8.2, §8.3, §9.2): billers, EazzyPay merchants and forex rates,
//! served from fixtures. None of them is signed.

use crate::catalogue::Family;
use crate::envelope::Failure;
use crate::fields::{Check, Count, StringOrAbsent};
use crate::forex::{rate, RATES};
use crate::money::Cents;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Reply, Spec};
use actix_web::http::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub static BILLERS: Operation = Operation {
    id: "billers",
    title: "Get all billers",
    families: &[Family::BillTill, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static EAZZYPAY_MERCHANTS: Operation = Operation {
    id: "eazzypay_merchants",
    title: "Get all EazzyPay merchants",
    families: &[Family::EazzypayPush, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static FOREX_RATES: Operation = Operation {
    id: "forex_rates",
    title: "Foreign exchange rates",
    families: &[Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

#[derive(Deserialize)]
struct Biller {
    name: String,
    code: String,
    category: String,
}

// Parsed once, on first use.
static BILLER_LIST: LazyLock<Vec<Biller>> =
    LazyLock::new(|| serde_json::from_str(include_str!("../../fixtures/billers.json")).expect("fixtures/billers.json"));
static MERCHANT_LIST: LazyLock<Vec<Value>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../fixtures/merchants.json")).expect("fixtures/merchants.json")
});

pub(crate) static FAMILY: super::OperationFamily =
    super::OperationFamily { operations: &[&BILLERS, &EAZZYPAY_MERCHANTS, &FOREX_RATES], configure };

fn configure(routes: &mut super::Routes) {
    routes.v3(Method::GET, "/v3-apis/transaction-api/v3.0/billers", &BILLERS_SPEC);
    routes.v3(Method::GET, "/v3-apis/transaction-api/v3.0/merchants", &MERCHANTS_SPEC);
    routes.v3(Method::POST, "/v3-apis/transaction-api/v3.0/foreignExchangeRates", &FOREX_SPEC);
    for service in ["transaction-test", "transaction"] {
        routes.v2(Method::GET, &format!("/{service}/v2/billers"), &BILLERS_SPEC);
        routes.v2(Method::GET, &format!("/{service}/v2/merchants"), &MERCHANTS_SPEC);
        routes.v2(Method::POST, &format!("/{service}/v2/foreignexchangerates"), &FOREX_SPEC);
    }
}

pub(crate) static BILLERS_SPEC: Spec =
    Spec { op: &BILLERS, input: Input::Query, validate: validate_page, execute: billers };
pub(crate) static MERCHANTS_SPEC: Spec =
    Spec { op: &EAZZYPAY_MERCHANTS, input: Input::Query, validate: validate_page, execute: merchants };
pub(crate) static FOREX_SPEC: Spec =
    Spec { op: &FOREX_RATES, input: Input::Body, validate: validate_forex, execute: forex };

/// The countries with forex rates (reference §9.2), and the currency each quotes them in.
const FOREX_COUNTRIES: &[super::Country] = &[
    super::country("KE", "KES"),
    super::country("TZ", "TZS"),
    super::country("UG", "UGX"),
    super::country("RW", "RWF"),
];

fn validate_page(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    for name in ["page", "per_page"] {
        if check.optional(name) {
            check.count(name);
        }
    }
    check.finish()
}

/// A list query (billers, EazzyPay merchants) once validated.
#[derive(Deserialize)]
struct ListQuery<'a> {
    #[serde(default)]
    page: Option<Count>,
    #[serde(default)]
    per_page: Option<Count>,
    /// Billers only, unchecked: any case, any value (an unknown category lists none).
    #[serde(default, borrow)]
    category: StringOrAbsent<'a>,
}

impl ListQuery<'_> {
    /// The slice of `items` that `page` and `per_page` select (1-based; all items when absent).
    /// Any size is taken: a page past the end is empty, and `per_page` beyond the list is all of it.
    fn page<T>(&self, items: &[T]) -> std::ops::Range<usize> {
        let per_page = self.per_page.map_or(items.len().max(1), |Count(size)| size);
        let start = (self.page.map_or(1, |Count(page)| page) - 1).saturating_mul(per_page).min(items.len());
        start..start.saturating_add(per_page).min(items.len())
    }

    /// v2 requires both paging parameters; v3 makes them optional.
    fn require_paging_in_v2(&self, call: &Call) -> Result<(), Failure> {
        let sent = [("page", self.page), ("per_page", self.per_page)];
        let missing: Vec<&str> = sent.iter().filter(|(_, count)| count.is_none()).map(|(name, _)| *name).collect();
        if call.generation == crate::envelope::Generation::V2 && !missing.is_empty() {
            return Err(Failure::invalid(format!("{}: required as a query parameter in v2", missing.join(", "))));
        }
        Ok(())
    }
}

fn billers(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: ListQuery = pipeline::typed(&input)?;
    query.require_paging_in_v2(call)?;
    let category = query.category.0.map(str::to_lowercase);
    let matching: Vec<&Biller> =
        BILLER_LIST.iter().filter(|b| category.as_deref().is_none_or(|c| b.category == c)).collect();
    let list: Vec<Value> =
        matching[query.page(&matching)].iter().map(|b| json!({"name": b.name, "code": b.code})).collect();
    Ok(call.success(json!({"billers": list}), &[]))
}

/// EazzyPay merchants come back without the v3 envelope (reference §8.3).
fn merchants(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: ListQuery = pipeline::typed(&input)?;
    query.require_paging_in_v2(call)?;
    let list = &MERCHANT_LIST[query.page(&MERCHANT_LIST)];
    Ok(Reply::ok(json!({"merchants": list})))
}

fn validate_forex(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    let countries: Vec<&str> = FOREX_COUNTRIES.iter().map(|c| c.code).collect();
    check.one_of("countryCode", &countries);
    check.rule("currencyCode", is_currency, "must be a 3-letter currency code");
    if check.optional("toCurrency") {
        check.rule("toCurrency", is_currency, "must be a 3-letter currency code");
    }
    // v2 asks for the rates alone; v3 clients send an amount to convert.
    if check.optional("amount") {
        check.number_or_amount("amount");
    }
    check.finish()
}

fn is_currency(code: &str) -> bool {
    code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase())
}

/// What the forex query converts when no amount is sent: the rate itself.
const ONE_UNIT: Cents = Cents::from_cents(100);

/// A forex query once validated.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ForexQuery<'a> {
    country_code: &'a str,
    currency_code: &'a str,
    /// Absent: the country's own currency.
    #[serde(default)]
    to_currency: Option<&'a str>,
    /// v3 only, a number or a string: answered back as sent (`fromAmount`).
    #[serde(default)]
    amount: Option<Value>,
}

fn forex(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: ForexQuery = pipeline::typed(&input)?;
    let (country, from) = (query.country_code, query.currency_code);
    let local = FOREX_COUNTRIES.iter().find(|c| c.code == country).map(|c| c.currency).unwrap_or_default();
    let to = query.to_currency.unwrap_or(local);
    let rate_of = |from: &str, to: &str| {
        rate(from, to)
            .ok_or_else(|| Failure::invalid(format!("no {from} to {to} rate; fixtures/forex.json lists the pairs")))
    };
    if call.generation == crate::envelope::Generation::V2 {
        // v2 answers the rate of the asked currency and the country's rates for the others.
        let rate = rate_of(from, local)?;
        let others: Vec<Value> = RATES
            .iter()
            .filter(|r| r.to == local && r.from != from)
            .map(|r| json!({"fromCurrency": r.from, "rate": r.rate.rounded(4), "toCurrency": r.to}))
            .collect();
        return Ok(Reply::ok(
            json!({"currencyRates": others, "fromCurrency": from, "rate": rate.rounded(4), "toCurrency": local}),
        ));
    }
    let amount = query.amount.as_ref().and_then(|v| Cents::from_json(v).ok()).unwrap_or(ONE_UNIT);
    let rate = rate_of(from, to)?;
    let converted =
        amount.convert(rate).ok_or_else(|| Failure::invalid(format!("amount: too large to convert to {to}")))?;
    Ok(call.success(
        json!({
            "convertedAmount": converted.to_json_number(),
            "rate": rate.rounded(4),
            "fromAmount": query.amount.unwrap_or(json!(1)),
            "rateCode": "TTB",
        }),
        &[],
    ))
}

/// The name of a published biller.
pub fn biller_name(code: &str) -> Option<&'static str> {
    BILLER_LIST.iter().find(|b| b.code == code).map(|b| b.name.as_str())
}

/// The name of the EazzyPay merchant (or outlet) owning a till.
pub fn till_name(till: &str) -> Option<String> {
    MERCHANT_LIST.iter().find_map(|m| {
        let own = (m["tillnumber"] == till).then(|| m["name"].as_str().unwrap_or_default().to_string());
        own.or_else(|| {
            m["outlets"]
                .as_array()?
                .iter()
                .find(|o| o["tillnumber"] == till)
                .map(|o| o["name"].as_str().unwrap_or_default().to_string())
        })
    })
}
