//! Airtime purchase (reference §9.1): `POST /v3-apis/transaction-api/v3.0/airtime`.

use crate::catalogue::Family;
use crate::fields::SentAmount;
use crate::fields::{self, Check, StringOrAbsent};
use crate::money::Cents;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Spec};
use crate::settlement::{self, Refusals};
use crate::signature::Formula;
use actix_web::http::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub static AIRTIME: Operation = Operation {
    id: "airtime",
    title: "Airtime purchase",
    families: &[Family::Airtime, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[
        Formula { name: "doc", fields: &["airtime.telco", "airtime.amount", "airtime.reference"] },
        // v2 also signs the merchant code (`merchant.code` in the body, or the caller's own).
        Formula {
            name: "v2-doc",
            fields: &[crate::signature::MERCHANT_CODE, "airtime.telco", "airtime.amount", "airtime.reference"],
        },
    ],
};

pub(crate) static FAMILY: super::OperationFamily = super::OperationFamily { operations: &[&AIRTIME], configure };

fn configure(routes: &mut super::Routes) {
    routes.v3(Method::POST, "/v3-apis/transaction-api/v3.0/airtime", &SPEC);
    // A doc example and one SDK version post airtime here.
    routes.v3(Method::POST, "/v3-apis/airtime", &SPEC);
    for path in super::v2_paths("transaction", "airtime") {
        routes.v2(Method::POST, &path, &SPEC);
    }
}

pub(crate) static SPEC: Spec = Spec { op: &AIRTIME, input: Input::Body, validate, execute };

const COUNTRIES: &[&str] = &["KE", "UG", "TZ", "RW", "SS"];
const TELCOS: &[&str] = &["Safaricom", "Airtel", "Equitel"];
/// "The maximum amount allowed for transfers per transaction is KES 8000" (code 107109).
const MAXIMUM_AMOUNT: Cents = Cents::from_cents(8_000 * 100);

/// The Purchase Airtime codes for what the ledger refuses.
const REFUSALS: Refusals =
    Refusals { insufficient_funds: 104103, unknown_account: Some(104103), daily_limit: 104102, invalid_amount: 107106 };

fn validate(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.one_of("customer.countryCode", COUNTRIES);
    check.string("customer.mobileNumber");
    check.string("airtime.telco");
    check.string("airtime.reference");
    // Examples send the amount as a string ("100"); SDKs that send a number are accepted too.
    check.number_or_amount("airtime.amount");
    if fields::get(body, "customer.accountNumber").is_some_and(|v| !v.is_null() && !v.is_string()) {
        check.problem("customer.accountNumber", "must be a string");
    }
    check.finish()
}

/// An airtime purchase once validated.
#[derive(serde::Deserialize)]
struct Purchase<'a> {
    #[serde(borrow)]
    customer: Customer<'a>,
    #[serde(borrow)]
    airtime: Airtime<'a>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Customer<'a> {
    country_code: &'a str,
    mobile_number: &'a str,
    /// The guide's optional debit account.
    #[serde(default, borrow)]
    account_number: StringOrAbsent<'a>,
}

#[derive(serde::Deserialize)]
struct Airtime<'a> {
    telco: &'a str,
    reference: &'a str,
    #[serde(borrow)]
    amount: SentAmount<'a>,
}

/// Business rules answer with the Purchase Airtime codes, in this order: telco, number, amount,
/// debit account, duplicate reference.
fn execute(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let purchase: Purchase = pipeline::typed(&input)?;
    let (customer, airtime) = (&purchase.customer, &purchase.airtime);
    if !TELCOS.contains(&airtime.telco) {
        return Err(call.failure(107102));
    }
    let mobile = customer.mobile_number;
    if !fields::is_mobile_number(mobile) {
        return Err(call.failure(107104));
    }
    let amount = airtime.amount.cents();
    if amount > MAXIMUM_AMOUNT {
        return Err(call.failure(107109));
    }
    let debit_account = customer.account_number.0;
    if let Some(account) = debit_account {
        if !call.merchant().owns_account(account) {
            return Err(crate::envelope::Failure::http(
                "ACCOUNT_NOT_FOUND",
                Some(format!("customer.accountNumber {account} is not an account of this merchant")),
            ));
        }
    }
    let reference = airtime.reference;
    if call.generation == crate::envelope::Generation::V2 && !fields::is_twelve_digits(reference) {
        return Err(call.failure(107107));
    }
    // The guide's optional debit account pays for the airtime, in the country's currency: an
    // account in another currency is refused (107106, "Invalid Amount").
    match debit_account {
        Some(account) => {
            let description = format!("AIRTIME {} {} REF {reference}", airtime.telco.to_uppercase(), mobile);
            let currency = super::stk_push::currency_of(customer.country_code).unwrap_or("KES");
            let movement = crate::ledger::Movement {
                from: account,
                to: None,
                amount,
                charge: Cents::ZERO,
                currency,
                conversion: crate::ledger::Conversion::Refuse,
                at_ms: call.now_ms(),
                reference,
                description: &description,
            };
            settlement::debit(call, movement, &REFUSALS)?;
        }
        None => settlement::claim(call, reference)?,
    }
    call.record_completed(reference, "Airtime", amount, "");
    Ok(call.success(json!({"referenceNumber": reference, "status": "SUCCESS"}), &[("reference", json!(reference))]))
}
