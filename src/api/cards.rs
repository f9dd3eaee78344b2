//! MPGS direct card integration (reference §10.1), on the SDKs' v3.1 paths and the doc's v3.2:
//! validate, authenticate (3-DS), authorize, query and refund one payment, followed by its
//! `transactionReference`. Card data arrives encrypted with an undocumented key and is not read.

use crate::catalogue::Family;
use crate::envelope::Generation;
use crate::fields::Check;
use crate::fields::SentAmount;
use crate::money::Cents;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Reply, Spec};
use crate::signature::Formula;
use crate::transactions::Transaction;
use actix_web::http::Method;
use actix_web::HttpRequest;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const CARD_FAMILIES: &[Family] = &[Family::Card, Family::CreateBill, Family::QueryPayment, Family::Http];

/// The one MPGS call with a documented formula (v3.2 doc).
pub static MPGS_VALIDATE: Operation = Operation {
    id: "mpgs_validate",
    title: "MPGS card: validate payment",
    families: CARD_FAMILIES,
    auth: Auth::Bearer,
    signature: &[
        Formula {
            name: "doc",
            fields: &[
                "transactionReference",
                "merchantMID",
                "apiOperation",
                "order.amount",
                "order.currency",
                "order.reference",
            ],
        },
        // The v3.1 SDK types carry no `apiOperation`.
        Formula {
            name: "without-api-operation",
            fields: &["transactionReference", "merchantMID", "order.amount", "order.currency", "order.reference"],
        },
    ],
};

/// Validate on the v3.1 path when no signature is sent: one SDK's card calls send none.
pub static MPGS_VALIDATE_UNSIGNED: Operation = Operation { signature: &[], ..MPGS_VALIDATE };

// The other MPGS calls send a signature whose formula no source documents: not verified.
pub static MPGS_AUTHENTICATE: Operation = Operation {
    id: "mpgs_authenticate",
    title: "MPGS card: authenticate payment (3-DS)",
    families: CARD_FAMILIES,
    auth: Auth::Bearer,
    signature: &[],
};

pub static MPGS_AUTHORIZE: Operation =
    Operation { id: "mpgs_authorize", title: "MPGS card: authorize payment", ..MPGS_AUTHENTICATE };

pub static MPGS_STATUS: Operation =
    Operation { id: "mpgs_status", title: "MPGS card: transaction status", ..MPGS_AUTHENTICATE };

pub static MPGS_REFUND: Operation = Operation {
    id: "mpgs_refund",
    title: "MPGS card: refund payment",
    families: &[Family::Refund, Family::Card, Family::Http],
    ..MPGS_AUTHENTICATE
};

/// A card payment's stage, kept as the transaction's service name.
const VALIDATED: &str = "Card Payment (validated)";
const AUTHORIZED: &str = "Card Payment";

/// One MPGS call: the `{call}` path segment that names it, and its spec.
pub(crate) struct CardCall {
    pub name: &'static str,
    pub spec: Spec,
}

pub(crate) static CALLS: &[CardCall] = &[
    CardCall {
        name: "validatePayment",
        spec: Spec { op: &MPGS_VALIDATE, input: Input::Body, validate: validate_order, execute: validate_payment },
    },
    CardCall {
        name: "authenticatePayment",
        spec: Spec { op: &MPGS_AUTHENTICATE, input: Input::Body, validate: validate_reference, execute: authenticate },
    },
    CardCall {
        name: "authorizePayment",
        spec: Spec { op: &MPGS_AUTHORIZE, input: Input::Body, validate: validate_reference, execute: authorize },
    },
    CardCall {
        name: "transactionStatus",
        spec: Spec { op: &MPGS_STATUS, input: Input::Body, validate: validate_reference, execute: status },
    },
    CardCall {
        name: "refundPayment",
        spec: Spec { op: &MPGS_REFUND, input: Input::Body, validate: validate_reference, execute: refund },
    },
];

pub(crate) static VALIDATE_UNSIGNED_SPEC: Spec = Spec {
    op: &MPGS_VALIDATE_UNSIGNED,
    input: Input::Body,
    validate: validate_order_unsigned,
    execute: validate_payment,
};

pub(crate) static FAMILY: super::OperationFamily = super::OperationFamily {
    operations: &[&MPGS_VALIDATE, &MPGS_AUTHENTICATE, &MPGS_AUTHORIZE, &MPGS_STATUS, &MPGS_REFUND],
    configure,
};

/// `/mpgs-direct-integration/api/{version}/{call}`: the SDKs call v3.1, the doc v3.2.
fn configure(routes: &mut super::Routes) {
    for version in ["v3.1", "v3.2"] {
        let path = format!("/mpgs-direct-integration/api/{version}/{{call}}");
        routes.add(Generation::V3, Method::POST, &path, serves(version == "v3.1"));
    }
}

/// What `{call}` picks; on the SDKs' path validation may also come unsigned.
fn serves(sdk_path: bool) -> super::Serves {
    let mut specs: Vec<super::Served> = CALLS.iter().map(|call| super::Served::when(call.name, &call.spec)).collect();
    if sdk_path {
        specs.insert(1, super::Served::when("validatePayment", &VALIDATE_UNSIGNED_SPEC));
        return super::Serves { picked_by: Some("call"), specs, pick: unsigned_validation_or_call };
    }
    super::Serves::by_param("call", specs)
}

/// One SDK's card calls send no signature: its validation is taken unsigned.
fn unsigned_validation_or_call(req: &HttpRequest, serves: &super::Serves) -> Option<pipeline::Route> {
    let call = req.match_info().get("call").unwrap_or_default();
    if !req.headers().contains_key("signature") && call.eq_ignore_ascii_case("validatePayment") {
        return Some(pipeline::Route::Fixed(&VALIDATE_UNSIGNED_SPEC));
    }
    super::by_param(req, serves)
}

/// The service charge (undocumented; the doc's example charges 3.5%), to the nearest cent.
fn charge_for(amount: Cents) -> Cents {
    Cents::from_cents(amount.cents().saturating_mul(35).saturating_add(500) / 1_000)
}

fn validate_order(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("transactionReference");
    check.number_or_amount("order.amount");
    check.rule("order.currency", |c| c.len() == 3, "must be a currency code such as USD");
    check.string("order.reference");
    if check.optional("apiOperation") {
        check.one_of("apiOperation", &["CREATE_SESSION", "PAYMENT_LINK", "PAY", "AUTHORIZE"]);
    }
    check.finish()
}

fn validate_order_unsigned(body: &mut Value, variants: &mut BTreeMap<String, String>) -> Result<(), String> {
    variants.insert("signature".into(), "none sent, accepted on the SDKs' v3.1 path".into());
    validate_order(body, variants)
}

fn validate_reference(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("transactionReference");
    check.finish()
}

/// A card call once validated: the payment it names.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentCall<'a> {
    transaction_reference: &'a str,
}

/// A validation once validated: the payment and its order.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Validation<'a> {
    transaction_reference: &'a str,
    #[serde(borrow)]
    order: Order<'a>,
}

#[derive(serde::Deserialize)]
struct Order<'a> {
    #[serde(borrow)]
    amount: SentAmount<'a>,
}

fn card_success(message: &str, data: Value) -> Outcome {
    Ok(Reply::ok(json!({"status": true, "code": 200, "message": message, "data": data})))
}

fn validate_payment(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let validation: Validation = pipeline::typed(&input)?;
    let reference = validation.transaction_reference;
    if !call.claim_reference(reference) {
        return Err(call.failure(109103).with_detail(format!("transactionReference {reference} was already used")));
    }
    let amount = validation.order.amount.cents();
    let charge = charge_for(amount);
    call.state.transactions.record(Transaction {
        merchant: call.merchant().code.as_str().into(),
        reference: reference.into(),
        service_name: VALIDATED,
        amount,
        charge,
        created_ms: call.now_ms(),
        steps: Vec::new(),
        biller: Default::default(),
    });
    card_success(
        "Payment validated successfully.",
        json!({
            "chargeBearer": "CUSTOMER",
            "amount": amount.to_json_number(),
            "code": 0,
            "charge": charge.to_json_number(),
            "actualAmount": amount.checked_add(charge).unwrap_or(amount).to_json_number(),
            "cardSchemeServiceId": 1,
            "transactionReference": reference,
        }),
    )
}

/// The payment this call continues; 112102 when it was never validated.
fn payment(call: &mut Call) -> Result<Transaction, crate::envelope::Failure> {
    let input = call.take_input();
    let PaymentCall { transaction_reference: reference } = pipeline::typed(&input)?;
    call.state
        .transactions
        .get(&call.merchant().code, reference)
        .filter(|t| t.service_name == VALIDATED || t.service_name == AUTHORIZED)
        .ok_or_else(|| call.failure(112102).with_detail(format!("no card payment {reference}; validate it first")))
}

fn authenticate(call: &mut Call) -> Outcome {
    let payment = payment(call)?;
    card_success(
        "Payment authenticated successfully.",
        json!({
            "transactionReference": payment.reference,
            "authenticationStatus": "AUTHENTICATION_SUCCESSFUL",
            "redirectHtml": "",
        }),
    )
}

fn authorize(call: &mut Call) -> Outcome {
    let mut payment = payment(call)?;
    if payment.service_name == AUTHORIZED {
        return Err(call.failure(109103));
    }
    payment.service_name = AUTHORIZED;
    call.state.transactions.record(payment.clone());
    card_success(
        "Payment authorized successfully.",
        json!({
            "transactionReference": payment.reference,
            "status": "CAPTURED",
            "amount": payment.amount.to_json_number(),
            "charge": payment.charge.to_json_number(),
            "authorizationCode": call.ids().digits(6),
        }),
    )
}

fn status(call: &mut Call) -> Outcome {
    let payment = payment(call)?;
    let state = if payment.service_name == AUTHORIZED { "SUCCESS" } else { "PENDING" };
    card_success(
        "Transaction found",
        json!({
            "transactionReference": payment.reference,
            "status": state,
            "amount": payment.amount.to_json_number(),
            "charge": payment.charge.to_json_number(),
        }),
    )
}

fn refund(call: &mut Call) -> Outcome {
    let payment = payment(call)?;
    if payment.service_name != AUTHORIZED {
        return Err(call.failure(113103).with_detail("only an authorized payment can be refunded"));
    }
    if !call.claim_reference(&format!("card-refund:{}", payment.reference)) {
        return Err(call.failure(113103).with_detail(format!("payment {} was already refunded", payment.reference)));
    }
    card_success(
        "Refund processed successfully.",
        json!({
            "transactionReference": payment.reference,
            "refundReference": call.ids().digits(12),
            "amount": payment.amount.to_json_number(),
            "status": "REFUNDED",
        }),
    )
}
