//! Receive money from bills and tills (reference §7.4 to §7.6): bill payment, bill validation and
//! merchant (till) payment. Payments debit the partner's account on the ledger.

use super::queries::{biller_name, till_name};
use crate::catalogue::Family;
use crate::envelope::{v3_success, Failure};
use crate::fields::SentAmount;
use crate::fields::{self, Check};
use crate::ledger;
use crate::money::Cents;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Reply, Spec};
use crate::settlement::{self, Refusals};
use crate::signature::Formula;
use actix_web::http::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub static BILL_PAYMENT: Operation = Operation {
    id: "bill_payment",
    title: "Bill payment",
    families: &[Family::BillTill, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "doc",
        fields: &["biller.billerCode", "bill.amount", "payer.reference", "partnerId"],
    }],
};

/// The doc shows a formula but its example, and every SDK, sends no signature: unsigned here.
pub static BILL_VALIDATION: Operation = Operation {
    id: "bill_validation",
    title: "Bill validation",
    families: &[Family::BillTill, Family::QueryBill, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static TILL_PAYMENT: Operation = Operation {
    id: "till_payment",
    title: "Merchant (till) payment",
    families: &[Family::BillTill, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "doc",
        fields: &["merchant.till", "partner.id", "payment.amount", "payment.currency", "payment.ref"],
    }],
};

pub(crate) static FAMILY: super::OperationFamily =
    super::OperationFamily { operations: &[&BILL_PAYMENT, &BILL_VALIDATION, &TILL_PAYMENT], configure };

fn configure(routes: &mut super::Routes) {
    routes.v3(Method::POST, "/v3-apis/transaction-api/v3.0/bills/pay", &BILL);
    routes.v3(Method::POST, "/v3-apis/transaction-api/v3.0/bills/validation", &VALIDATION);
    routes.v3(Method::POST, "/v3-apis/transaction-api/v3.0/tills/pay", &TILL);
    for service in ["transaction-test", "transaction"] {
        routes.v2(Method::POST, &format!("/{service}/v2/bills/pay"), &BILL);
        routes.v2(Method::POST, &format!("/{service}/v2/bills/validation"), &VALIDATION);
        routes.v2(Method::POST, &format!("/{service}/v2/tills/pay"), &TILL);
    }
}

pub(crate) static BILL: Spec =
    Spec { op: &BILL_PAYMENT, input: Input::Body, validate: validate_bill, execute: pay_bill };
pub(crate) static VALIDATION: Spec =
    Spec { op: &BILL_VALIDATION, input: Input::Body, validate: validate_validation, execute: validate_bill_reference };
pub(crate) static TILL: Spec =
    Spec { op: &TILL_PAYMENT, input: Input::Body, validate: validate_till, execute: pay_till };

/// Amounts are strings in the examples; the bill doc's table says Number, so both are taken.
fn amount(check: &mut Check, body: &Value, path: &str) {
    match fields::get(body, path) {
        Some(number @ Value::Number(_)) => {
            if !Cents::from_json(number).is_ok_and(|c| c > Cents::ZERO && fields::is_amount(&c.to_string(), 2)) {
                check.problem(path, format!("must be a positive amount with at most 2 decimal places, not {number}"));
            }
        }
        _ => {
            check.amount(path, 2);
        }
    }
}

fn validate_bill(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("biller.billerCode");
    check.string("biller.countryCode");
    check.string("bill.reference");
    amount(&mut check, body, "bill.amount");
    check.string("bill.currency");
    check.string("payer.name");
    // Required by the v3 doc, optional in v2 and in one SDK's types; it is not used.
    if fields::get(body, "payer.account").is_some_and(|v| !v.is_null()) {
        check.string("payer.account");
    }
    check.string("payer.reference");
    check.string("payer.mobileNumber");
    check.string("partnerId");
    check.finish()
}

fn validate_validation(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("billerCode");
    check.string("customerRefNumber");
    amount(&mut check, body, "amount");
    check.string("amountCurrency");
    check.finish()
}

fn validate_till(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("merchant.till");
    check.string("payment.ref");
    check.amount("payment.amount", 2);
    check.string("payment.currency");
    check.string("partner.id");
    check.string("partner.ref");
    check.finish()
}

/// A bill payment once validated.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct BillPayment<'a> {
    #[serde(borrow)]
    biller: Biller<'a>,
    #[serde(borrow)]
    bill: Bill<'a>,
    #[serde(borrow)]
    payer: Payer<'a>,
    partner_id: &'a str,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Biller<'a> {
    biller_code: &'a str,
}

#[derive(serde::Deserialize)]
struct Bill<'a> {
    reference: &'a str,
    #[serde(borrow)]
    amount: SentAmount<'a>,
    currency: &'a str,
}

#[derive(serde::Deserialize)]
struct Payer<'a> {
    reference: &'a str,
}

/// A bill validation once validated.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct BillQuery<'a> {
    biller_code: &'a str,
    customer_ref_number: &'a str,
    #[serde(borrow)]
    amount: SentAmount<'a>,
    amount_currency: &'a str,
}

/// A till payment once validated.
#[derive(serde::Deserialize)]
struct TillPayment<'a> {
    #[serde(borrow)]
    merchant: Till<'a>,
    #[serde(borrow)]
    payment: Payment<'a>,
    #[serde(borrow)]
    partner: Partner<'a>,
}

#[derive(serde::Deserialize)]
struct Till<'a> {
    till: &'a str,
}

#[derive(serde::Deserialize)]
struct Payment<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    amount: &'a str,
    currency: &'a str,
}

#[derive(serde::Deserialize)]
struct Partner<'a> {
    id: &'a str,
}

/// The bill-and-till codes for what the ledger refuses.
const REFUSALS: Refusals =
    Refusals { insufficient_funds: 102106, unknown_account: Some(102106), daily_limit: 104102, invalid_amount: 102106 };

/// A payment from the partner's account to a biller or a till.
struct Debit<'a> {
    from: &'a str,
    amount: Cents,
    currency: &'a str,
    reference: &'a str,
    description: String,
    service: &'static str,
    /// The biller or till paid, for the transaction's details.
    payee: &'a str,
}

/// Debits the partner in the payment's currency, answering the bill-and-till codes; records
/// the transaction. An account in another currency is refused (102106, "Invalid Account"): a
/// bill or till is paid in the currency it names.
fn debit(call: &mut Call, debit: Debit) -> Result<(), Failure> {
    let movement = ledger::Movement {
        from: debit.from,
        to: None,
        amount: debit.amount,
        charge: Cents::ZERO,
        currency: debit.currency,
        conversion: ledger::Conversion::Refuse,
        at_ms: call.now_ms(),
        reference: debit.reference,
        description: &debit.description,
    };
    settlement::debit(call, movement, &REFUSALS)?;
    call.record_completed(debit.reference, debit.service, debit.amount, debit.payee);
    Ok(())
}

fn pay_bill(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let payment: BillPayment = pipeline::typed(&input)?;
    let biller = payment.biller.biller_code;
    let name = biller_name(biller).ok_or_else(|| call.failure(102103))?;
    let reference = payment.payer.reference;
    let bill = &payment.bill;
    let debited = Debit {
        from: payment.partner_id,
        amount: bill.amount.cents(),
        currency: bill.currency,
        reference,
        description: format!("BILL {name} {} REF {reference}", bill.reference),
        service: "Bill Payment",
        payee: biller,
    };
    debit(call, debited)?;
    let data = json!({"transactionId": call.ids().digits(12), "status": "SUCCESS"});
    Ok(call.success(data, &[("reference", json!(reference))]))
}

/// Any reference at a known biller is a valid bill owed to "John Doe" for the amount asked.
fn validate_bill_reference(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: BillQuery = pipeline::typed(&input)?;
    biller_name(query.biller_code).ok_or_else(|| call.failure(102103))?;
    let created = call.now().format("%a %b %d %H:%M:%S UTC %Y").to_string();
    let data = json!({
        "amount": query.amount.text(),
        "customerRefNumber": query.customer_ref_number,
        "name": "John Doe",
        "billStatus": "true",
        "message": "SUCCESS",
        "createdOn": created,
        "amountCurrency": query.amount_currency,
        "status": true,
    });
    Ok(match call.generation {
        crate::envelope::Generation::V3 => Reply::ok(v3_success(Some(data), &[])),
        // v2 nests the bill and spells two fields its own way (reference §7.5).
        crate::envelope::Generation::V2 => {
            let mut bill = data;
            if let Some(map) = bill.as_object_mut() {
                let number = map.remove("customerRefNumber").unwrap_or_default();
                map.insert("CustomerRefNumber".into(), number);
                map.insert("billStatus".into(), json!("1"));
            }
            Reply::ok(json!({ "bill": bill }))
        }
    })
}

fn pay_till(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let request: TillPayment = pipeline::typed(&input)?;
    let till = request.merchant.till;
    let name = till_name(till).ok_or_else(|| call.failure(102103))?;
    let payment = &request.payment;
    let reference = payment.reference;
    let debited = Debit {
        from: request.partner.id,
        amount: Cents::parse(payment.amount).unwrap_or_default(),
        currency: payment.currency,
        reference,
        description: format!("TILL {till} {name} REF {reference}"),
        service: "Merchant Payment",
        payee: till,
    };
    debit(call, debited)?;
    let transaction_id = call.ids().digits(12);
    Ok(match call.generation {
        // The v3 schema is truncated in the docs; one SDK models these flat fields.
        crate::envelope::Generation::V3 => {
            Reply::ok(v3_success(None, &[("merchantName", json!(name)), ("transactionId", json!(transaction_id))]))
        }
        crate::envelope::Generation::V2 => {
            Reply::ok(json!({"status": "SUCCESS", "merchantName": name, "transactionId": transaction_id}))
        }
    })
}
