//! v2-only questions about transfers (reference §6.9, §6.10): which banks a mobile number is
//! linked to on PesaLink, and the status of a transfer to M-Pesa.

use crate::catalogue::Family;
use crate::fields::{self, Check};
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Spec};
use actix_web::http::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub static PESALINK_INQUIRY: Operation = Operation {
    id: "pesalink_inquiry",
    title: "PesaLink linked banks of a mobile number (v2)",
    families: &[Family::Pesalink, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static B2C_STATUS: Operation = Operation {
    id: "b2c_status",
    title: "B2C (mobile wallet) transaction status (v2)",
    families: &[Family::SendMobileWallet, Family::PaymentStatus, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub(crate) static FAMILY: super::OperationFamily =
    super::OperationFamily { operations: &[&PESALINK_INQUIRY, &B2C_STATUS], configure };

fn configure(routes: &mut super::Routes) {
    for service in ["transaction-test", "transaction"] {
        routes.v2(Method::POST, &format!("/{service}/v2/pesalink/inquire"), &INQUIRY_SPEC);
        routes.v2(Method::POST, &format!("/{service}/v2/b2c/status/query"), &B2C_SPEC);
    }
}

pub(crate) static INQUIRY_SPEC: Spec =
    Spec { op: &PESALINK_INQUIRY, input: Input::Body, validate: validate_inquiry, execute: linked_banks };
pub(crate) static B2C_SPEC: Spec =
    Spec { op: &B2C_STATUS, input: Input::Body, validate: validate_b2c, execute: b2c_status };

/// A bank on PesaLink: its Kenya Bankers Association code and name.
struct Bank {
    code: &'static str,
    name: &'static str,
}

/// The banks every number is linked to, the reference's own first.
const LINKED_BANKS: &[Bank] = &[
    Bank { code: "11", name: "CO-OPERATIVE BANK" },
    Bank { code: "68", name: "EQUITY BANK" },
    Bank { code: "01", name: "KCB BANK" },
];

fn validate_inquiry(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.rule("mobileNumber", fields::is_mobile_number, "must be a mobile number of 9 to 15 digits");
    check.finish()
}

/// A PesaLink inquiry once validated.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkedBanksQuery<'a> {
    mobile_number: &'a str,
}

/// 400110 ("bank not on pesalink") for a number ending in 000404, so clients can test the empty case.
fn linked_banks(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: LinkedBanksQuery = pipeline::typed(&input)?;
    if query.mobile_number.ends_with("000404") {
        return Err(call.failure(400110));
    }
    let banks: Vec<Value> = LINKED_BANKS
        .iter()
        .map(|bank| json!({"bankCode": bank.code, "bankName": bank.name, "customerName": "A N Other"}))
        .collect();
    Ok(call.success(json!({ "banks": banks }), &[]))
}

fn validate_b2c(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("requestId");
    check.one_of("destination.type", &["M-Pesa"]);
    check.date("transfer.date");
    check.finish()
}

/// A B2C status query once validated: the transfer's reference.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct B2cStatusQuery<'a> {
    request_id: &'a str,
}

/// The transfer is found by its reference (`requestId`) among the merchant's transactions.
fn b2c_status(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: B2cStatusQuery = pipeline::typed(&input)?;
    let reference = query.request_id;
    let transaction = call
        .state
        .transactions
        .get(&call.merchant().code, reference)
        .filter(|t| t.service_name == "MobileWallet")
        .ok_or_else(|| {
            call.failure(111102).with_detail(format!("no mobile-wallet transfer with reference {reference}"))
        })?;
    let status = transaction.status_at(call.now_ms());
    let succeeded = status.state == "Success";
    Ok(call.success(
        json!({
            "transactionId": reference,
            "mpesaref": format!("SB{}", &call.ids().digits(8)),
            "transactiondate": crate::clock::plain(transaction.created_ms),
            "recipientName": "John Doe",
            "wallettype": "M-Pesa",
            "mpesacode": if succeeded { "0" } else { "1" },
            "mpesaDesc": if succeeded { "The service request is processed successfully." } else { status.message.as_str() },
            "response_code": if succeeded { "0" } else { "1" },
            "response_status": status.state,
        }),
        &[],
    ))
}
