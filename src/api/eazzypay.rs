//! v2-only collections (reference §7.8): the EazzyPay push, its payment status and refund, and
//! Lipa na M-Pesa Online. A push is approved at once; the status and refund calls find it by
//! its reference among the merchant's transactions.

use crate::catalogue::Family;
use crate::fields::{self, Check, TextOrAbsent};
use crate::money::Cents;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Spec};
use crate::signature::Formula;
use actix_web::http::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub static EAZZYPAY_PUSH: Operation = Operation {
    id: "eazzypay_push",
    title: "EazzyPay push (v2)",
    families: &[Family::EazzypayPush, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "v2-doc",
        fields: &[
            "transaction.reference",
            "transaction.amount",
            crate::signature::MERCHANT_CODE,
            "customer.countryCode",
        ],
    }],
};

pub static PAYMENT_STATUS: Operation = Operation {
    id: "payment_status",
    title: "EazzyPay payment status (v2)",
    families: &[Family::PaymentStatus, Family::QueryPayment, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static EAZZYPAY_REFUND: Operation = Operation {
    id: "eazzypay_refund",
    title: "EazzyPay refund or reversal (v2)",
    families: &[Family::Refund, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "v2-doc", fields: &["transaction.amount", "transaction.reference"] }],
};

pub static MPESA_ONLINE: Operation = Operation {
    id: "mpesa_online",
    title: "Lipa na M-Pesa Online (v2)",
    families: &[Family::MpesaOnline, Family::Generic, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub(crate) static FAMILY: super::OperationFamily = super::OperationFamily {
    operations: &[&EAZZYPAY_PUSH, &PAYMENT_STATUS, &EAZZYPAY_REFUND, &MPESA_ONLINE],
    configure,
};

fn configure(routes: &mut super::Routes) {
    for service in ["transaction-test", "transaction"] {
        let v2 = |path: &str| format!("/{service}/v2/{path}");
        routes.v2(Method::POST, &v2("payments"), &PUSH_SPEC);
        // Before `payments/{ref}`, which would take `refund` for a reference.
        routes.v2(Method::POST, &v2("payments/refund"), &REFUND_SPEC);
        routes.v2(Method::GET, &v2("payments/{ref}"), &STATUS_SPEC);
        routes.v2(Method::POST, &v2("payment/mpesastkpush"), &MPESA_SPEC);
    }
}

pub(crate) static PUSH_SPEC: Spec =
    Spec { op: &EAZZYPAY_PUSH, input: Input::Body, validate: validate_push, execute: push };
pub(crate) static STATUS_SPEC: Spec =
    Spec { op: &PAYMENT_STATUS, input: Input::Path(&["ref"]), validate: validate_ref, execute: status };
pub(crate) static REFUND_SPEC: Spec =
    Spec { op: &EAZZYPAY_REFUND, input: Input::Body, validate: validate_refund, execute: refund };
pub(crate) static MPESA_SPEC: Spec =
    Spec { op: &MPESA_ONLINE, input: Input::Body, validate: validate_mpesa, execute: mpesa };

const COUNTRIES: &[&str] = &["KE", "UG", "TZ", "RW"];
/// The service name transactions of a push carry; refunds look for it.
const EAZZYPAY: &str = "EazzyPay";

fn customer(check: &mut Check) {
    check.rule("customer.mobileNumber", fields::is_mobile_number, "must be a mobile number of 9 to 15 digits");
    check.one_of("customer.countryCode", COUNTRIES);
}

fn validate_push(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    customer(&mut check);
    check.amount("transaction.amount", 2);
    check.one_of("transaction.type", &["EazzyPayOnline"]);
    check.string("transaction.reference");
    check.finish()
}

/// A push or a refund once validated: the payment it names.
#[derive(serde::Deserialize)]
struct PaymentRequest<'a> {
    #[serde(borrow)]
    transaction: Payment<'a>,
}

#[derive(serde::Deserialize)]
struct Payment<'a> {
    reference: &'a str,
    amount: &'a str,
}

impl Payment<'_> {
    fn amount(&self) -> Cents {
        Cents::parse(self.amount).unwrap_or_default()
    }
}

fn push(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let PaymentRequest { transaction: payment } = pipeline::typed(&input)?;
    let reference = payment.reference;
    if !call.claim_reference(reference) {
        return Err(call.failure(400101));
    }
    call.record_completed(reference, EAZZYPAY, payment.amount(), "");
    Ok(call.success(json!({"referenceNumber": reference, "status": "SUCCESS"}), &[]))
}

fn validate_ref(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    check.string("ref");
    check.finish()
}

/// The payment status path's parameter.
#[derive(serde::Deserialize)]
struct StatusPath<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
}

/// Status "0" is "approved" in the v2 table of payment status codes.
fn status(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let StatusPath { reference } = pipeline::typed(&input)?;
    call.state
        .transactions
        .get(&call.merchant().code, reference)
        .filter(|t| t.service_name == EAZZYPAY)
        .ok_or_else(|| call.failure(111102))?;
    Ok(call.success(
        json!({"transactionRef": reference, "status": "0", "message": "Transaction approved successfully."}),
        &[],
    ))
}

fn validate_refund(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("transaction.reference");
    check.amount("transaction.amount", 2);
    check.one_of("transaction.type", &["refund", "reversal"]);
    for optional in ["transaction.service", "transaction.channel", "transaction.description"] {
        if fields::get(body, optional).is_some_and(|v| !v.is_null()) {
            check.string(optional);
        }
    }
    if fields::get(body, "customer").is_some() {
        customer(&mut check);
    }
    check.finish()
}

/// Refunds an EazzyPay push once, for at most its amount.
fn refund(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let PaymentRequest { transaction: payment } = pipeline::typed(&input)?;
    let reference = payment.reference;
    let merchant = call.merchant().code.clone();
    let original =
        call.state.transactions.get(&merchant, reference).filter(|t| t.service_name == EAZZYPAY).ok_or_else(|| {
            call.failure(113103).with_detail(format!("no EazzyPay payment with reference {reference}"))
        })?;
    let amount = payment.amount();
    if amount > original.amount {
        return Err(call.failure(113102).with_detail(format!("the payment was {}", original.amount)));
    }
    if !call.claim_reference(&format!("refund:{reference}")) {
        return Err(call.failure(113103).with_detail(format!("payment {reference} was already refunded")));
    }
    Ok(call.success(json!({"reference": reference, "status": "SUCCESS", "resultCode": "000"}), &[]))
}

fn validate_mpesa(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    customer(&mut check);
    check.string("transaction.amount");
    check.string("transaction.businessNumber");
    check.string("transaction.reference");
    check.finish()
}

/// A Lipa na M-Pesa Online request once validated.
#[derive(serde::Deserialize)]
struct MpesaRequest<'a> {
    #[serde(borrow)]
    customer: MpesaCustomer<'a>,
    #[serde(borrow)]
    transaction: MpesaTransaction<'a>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MpesaCustomer<'a> {
    mobile_number: &'a str,
}

#[derive(serde::Deserialize)]
struct MpesaTransaction<'a> {
    /// Any text: the M-Pesa rules below refuse what is not a whole amount.
    amount: &'a str,
    reference: &'a str,
    #[serde(default, borrow)]
    description: TextOrAbsent<'a>,
}

/// The M-Pesa rules answer with the Lipa na M-Pesa Online codes (117101 and its messages).
fn mpesa(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let request: MpesaRequest = pipeline::typed(&input)?;
    let transaction = &request.transaction;
    let invalid = |message: &str| call.failure(117101).with_message(Some(format!("Bad Request - Invalid {message}")));
    if !transaction.amount.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid("Amount").with_detail("whole numbers only"));
    }
    let amount = Cents::parse(transaction.amount)
        .map_err(|error| invalid("Amount").with_detail(format!("transaction.amount {error}")))?;
    if transaction.description.0.as_deref().unwrap_or_default().chars().count() >= 94 {
        return Err(invalid("Remarks").with_detail("the description must be shorter than 94 characters"));
    }
    if request.customer.mobile_number.starts_with("254") {
        return Err(invalid("PartyA").with_detail("send the mobile number without the country prefix"));
    }
    let reference = transaction.reference;
    if !call.claim_reference(reference) {
        return Err(call.failure(400101));
    }
    call.record_completed(reference, "Lipa na M-Pesa", amount, "");
    Ok(call.success(json!({"transactionRef": reference, "status": "SUCCESS"}), &[]))
}
