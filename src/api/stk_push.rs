//! Equitel / M-Pesa STK/USSD push, account-based settlement (seed 001, reference §7.1):
//! `POST /v3-apis/payment-api/v3.0/stkussdpush/initiate`, acknowledged with code -1, the result
//! delivered later to `payment.callBackUrl`.

use super::{country, Country};
use crate::catalogue::Family;
use crate::envelope::Failure;
use crate::fields::StringOrAbsent;
use crate::fields::{self, Check};
use crate::ledger::LedgerError;
use crate::money::Cents;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Reply, Spec};
use crate::scenario::CallbackStep;
use crate::settlement::{self, schedule_callbacks, Credit, Pending};
use crate::signature::Formula;
use actix_web::http::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub static STK_PUSH: Operation = Operation {
    id: "stk_push",
    title: "Equitel / M-Pesa STK/USSD push (account-based)",
    families: &[Family::StkPush, Family::ReceiveMobileWallet, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "doc",
        fields: &[
            "merchant.accountNumber",
            "payment.ref",
            "payment.mobileNumber",
            "payment.telco",
            "payment.amount",
            "payment.currency",
        ],
    }],
};

pub(crate) static FAMILY: super::OperationFamily = super::OperationFamily { operations: &[&STK_PUSH], configure };

fn configure(routes: &mut super::Routes) {
    routes.v3(Method::POST, "/v3-apis/payment-api/v3.0/stkussdpush/initiate", &SPEC);
}

pub(crate) static SPEC: Spec = Spec { op: &STK_PUSH, input: Input::Body, validate, execute };

/// Supported countries and their currency (seed 001, "Supported Countries & Currencies").
pub const COUNTRIES: &[Country] = &[
    country("KE", "KES"),
    country("UG", "UGX"),
    country("TZ", "TZS"),
    country("RW", "RWF"),
    country("SS", "USD"),
    country("DRC", "USD"),
];

pub const TELCOS: &[&str] = &["Equitel", "Safaricom"];

/// The currency of a supported country.
pub fn currency_of(country: &str) -> Option<&'static str> {
    COUNTRIES.iter().find(|c| c.code == country).map(|c| c.currency)
}

/// The callback code table (seed 001, "Jenga Callback"): default message, and whether the
/// callback's `status` is true.
pub fn callback_code(code: i64) -> (&'static str, bool) {
    match code {
        0 => ("Request pending to be processed", true),
        1 => ("Transaction Failed", false),
        2 => ("Transaction Successful - Awaiting Third Party Settlement", true),
        3 => ("Successful", true),
        4 => ("Transaction was successful, But failed to credit merchant account", false),
        5 | 6 => ("Transaction was Cancelled, E.g by user", false),
        _ => ("Transaction rejected due to validation errors", false),
    }
}

const ACKNOWLEDGED: &str = "Transaction has been successfully acknowledged, await final transaction status on callback";

/// Both spellings are seen in clients; the seed writes `callBackUrl`.
const CALLBACK_URL_FIELDS: &[&str] = &["payment.callBackUrl", "payment.callbackUrl"];

fn validate(body: &mut Value, variants: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    let countries: Vec<&str> = COUNTRIES.iter().map(|c| c.code).collect();
    let country = check.one_of("merchant.countryCode", &countries);
    check.string("merchant.accountNumber");
    check.string("merchant.name");
    check.rule(
        "payment.ref",
        |r| (6..=12).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphanumeric()),
        "must be 6 to 12 letters or digits",
    );
    check.rule(
        "payment.mobileNumber",
        fields::is_international_mobile,
        "must be digits with the country code prefix, e.g. 254764555291",
    );
    check.one_of("payment.telco", TELCOS);
    check.amount("payment.amount", 2);
    // One SDK's model has no currency field; the country's currency stands in, and is signed.
    if fields::get(body, "payment.currency").is_none() && body["payment"].is_object() {
        if let Some(country) = country {
            let local = currency_of(country).unwrap_or_default();
            variants.insert("payment.currency".into(), format!("absent; {local}, the country's, was used"));
            body["payment"]["currency"] = Value::String(local.into());
            return validate(body, variants);
        }
    }
    let currency = check.string("payment.currency");
    if let (Some(country), Some(currency)) = (country, currency) {
        let expected = currency_of(country).unwrap_or_default();
        if currency != expected {
            check.problem("payment.currency", format!("must be {expected} for country {country}, not {currency:?}"));
        }
    }
    check.date("payment.date");
    if let Some((_, field)) = check.string_any(CALLBACK_URL_FIELDS) {
        check.http_url(field);
        variants.insert("callBackUrl".into(), field.trim_start_matches("payment.").into());
    }
    check.one_of("payment.pushType", &["STK", "USSD"]);
    check.finish()
}

/// An STK/USSD push once validated.
#[derive(serde::Deserialize)]
struct Push<'a> {
    #[serde(borrow)]
    merchant: PushMerchant<'a>,
    #[serde(borrow)]
    payment: Payment<'a>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PushMerchant<'a> {
    account_number: &'a str,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payment<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    mobile_number: &'a str,
    telco: &'a str,
    amount: &'a str,
    /// Filled in with the country's by the validator when absent.
    currency: &'a str,
    /// `CALLBACK_URL_FIELDS`: the first one sent.
    #[serde(default, borrow)]
    call_back_url: StringOrAbsent<'a>,
    #[serde(default, borrow)]
    callback_url: StringOrAbsent<'a>,
}

impl Push<'_> {
    /// The amount debited and the service charge: M-Pesa pushes are rounded up to a whole
    /// amount (reference §7.1).
    fn charged_amount(&self) -> (Cents, Cents) {
        let requested = Cents::parse(self.payment.amount).unwrap_or_default();
        let whole = |c: Cents| {
            Cents::from_cents(c.cents().div_euclid(100).saturating_add(i64::from(c.cents() % 100 != 0)) * 100)
        };
        let amount = if self.payment.telco == "Safaricom" { whole(requested) } else { requested };
        (amount, service_charge(amount))
    }
}

fn execute(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let push: Push = pipeline::typed(&input)?;
    let account = push.merchant.account_number;
    let merchant = call.merchant();
    if !merchant.owns_account(account) {
        return Err(Failure::http(
            "ACCOUNT_NOT_FOUND",
            Some(format!("merchant.accountNumber {account} is not an account of merchant {}", merchant.code)),
        ));
    }
    let payment = &push.payment;
    let reference = payment.reference;
    settlement::claim(call, reference)?;
    let url = payment.call_back_url.0.or(payment.callback_url.0).unwrap_or_default().to_string();
    let (amount, charge) = push.charged_amount();
    let description = format!("STK PUSH {} FROM {}", payment.telco.to_uppercase(), payment.mobile_number);
    let pending =
        Pending { reference: reference.to_string(), url, service_name: "STK/USSD Push", amount, charge, ipn: false };
    // The collected amount reaches the merchant's account when the push succeeds. The credit is
    // booked before any callback is queued, so a credit the account cannot take (another
    // currency, or past the largest balance) refuses the push and nothing is sent.
    let credit = Credit { account, amount, currency: payment.currency, reference, description: &description };
    let credit = |call: &mut Call, at: i64| {
        settlement::credit_at(call, &credit, at).map_err(|error| {
            let code = match error {
                LedgerError::Overflow { .. } => 114103,
                _ => 114107,
            };
            call.failure(code).with_detail(error.to_string())
        })
    };
    schedule_callbacks(call, pending, |call, step| callback_body(call, &push, step), credit)?;
    Ok(Reply::ok(json!({
        "status": true,
        "code": -1,
        "message": ACKNOWLEDGED,
        "reference": reference,
        "transactionId": reference,
    })))
}

/// The service charge on a collection (undocumented): 1% rounded to a whole amount, at least 1.
pub fn service_charge(amount: Cents) -> Cents {
    // Rounds half up, as f64::round did on these non-negative amounts.
    let units = amount.cents().saturating_add(5_000) / 10_000;
    Cents::from_cents(units.max(1) * 100)
}

/// The body Jenga posts to `callBackUrl` (seed 001 callback examples).
fn callback_body(call: &Call, push: &Push, step: &CallbackStep) -> Value {
    let payment = &push.payment;
    let (amount, charge) = push.charged_amount();
    let (default_message, success) = callback_code(step.code);
    let mut body = json!({
        "status": step.status.unwrap_or(success),
        "code": step.code_as_sent,
        "message": step.message.as_deref().unwrap_or(default_message),
        "transactionReference": payment.reference,
        "mobileNumber": payment.mobile_number,
        "debitedAmount": amount.to_json_number(),
        "requestAmount": amount.to_json_number(),
        "charge": charge.to_json_number(),
        "currency": payment.currency,
        "telco": payment.telco,
    });
    if matches!(step.code, 2..=4) {
        // Equitel echoes the reference; M-Pesa gives its own receipt number.
        let receipt = if payment.telco == "Safaricom" { call.ids().receipt(10) } else { payment.reference.to_string() };
        body["telcoReference"] = Value::String(receipt);
    }
    apply_overrides(&mut body, step);
    body
}

/// A scenario step's field overrides on a callback body: a value replaces, null removes.
pub fn apply_overrides(body: &mut Value, step: &CallbackStep) {
    if let Value::Object(map) = body {
        for (key, value) in &step.fields {
            if value.is_null() {
                map.remove(key);
            } else {
                map.insert(key.clone(), value.clone());
            }
        }
    }
}
