//! Query transaction details / status (reference §8.1), served on the documented path and on the
//! paths published SDKs call.

use crate::catalogue::Family;
use crate::clock::Clock;
use crate::envelope::Generation;
use crate::fields::Check;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Spec};
use crate::signature::Formula;
use actix_web::http::Method;
use actix_web::HttpRequest;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub static TRANSACTION_DETAILS: Operation = Operation {
    id: "transaction_details",
    title: "Query transaction details / status",
    families: &[Family::TransactionStatus, Family::PaymentStatus, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["ref"] }],
};

/// The details query on the paths SDKs call, when they send no signature (their methods take
/// none): answered like the documented path. Signed calls there are still verified.
pub static TRANSACTION_DETAILS_UNSIGNED: Operation =
    Operation { id: "transaction_details", signature: &[], ..TRANSACTION_DETAILS };

/// v2's twin of the details query: the same answer, but v2 documents no signature for it.
pub static PAYMENT_DETAILS: Operation = Operation {
    id: "payment_details",
    title: "Query payment details (v2)",
    families: TRANSACTION_DETAILS.families,
    auth: Auth::Bearer,
    signature: &[],
};

pub(crate) static FAMILY: super::OperationFamily =
    super::OperationFamily { operations: &[&TRANSACTION_DETAILS, &PAYMENT_DETAILS], configure };

/// The reference is the last path segment on every variant of the path.
const BY_REFERENCE: Input = Input::Path(&["ref"]);

pub(crate) static SPEC: Spec = Spec { op: &TRANSACTION_DETAILS, input: BY_REFERENCE, validate, execute };
pub(crate) static V2_SPEC: Spec = Spec { op: &PAYMENT_DETAILS, input: BY_REFERENCE, validate, execute };
pub(crate) static SDK_UNSIGNED_SPEC: Spec =
    Spec { op: &TRANSACTION_DETAILS_UNSIGNED, input: BY_REFERENCE, validate: validate_unsigned, execute };

fn configure(routes: &mut super::Routes) {
    // The documented path, then the paths published SDKs call (reference §8.1, §14).
    for path in ["transactions/details", "payments/details", "transaction"] {
        let path = format!("/v3-apis/transaction-api/v3.0/{path}/{{ref}}");
        // The SDK paths take calls with no signature too.
        let serves = if path.contains("/transactions/details/") {
            super::Serves::one(&SPEC)
        } else {
            let specs = vec![super::Served::unnamed(&SPEC), super::Served::unnamed(&SDK_UNSIGNED_SPEC)];
            super::Serves { picked_by: None, specs, pick: signed_or_not }
        };
        routes.add(Generation::V3, Method::GET, &path, serves);
    }
    for path in super::v2_paths("transaction", "payments/details/{ref}") {
        routes.v2(Method::GET, &path, &V2_SPEC);
    }
}

/// A signed call is verified; an unsigned one is answered as the SDKs expect.
fn signed_or_not(req: &HttpRequest, serves: &super::Serves) -> Option<pipeline::Route> {
    let signed = req.headers().contains_key("signature");
    let served = if signed { serves.specs.first()? } else { serves.specs.last()? };
    Some(pipeline::Route::Fixed(served.spec))
}

fn validate(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    check.string("ref");
    check.finish()
}

fn validate_unsigned(input: &mut Value, variants: &mut BTreeMap<String, String>) -> Result<(), String> {
    variants.insert("signature".into(), "none sent, accepted on an SDK path".into());
    validate(input, variants)
}

/// A details query (the path's reference) once validated.
#[derive(serde::Deserialize)]
struct DetailsQuery<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
}

fn execute(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: DetailsQuery = pipeline::typed(&input)?;
    let transaction =
        call.state.transactions.get(&call.merchant().code, query.reference).ok_or_else(|| call.failure(111102))?;
    let status = transaction.status_at(call.now_ms());
    let mut data = json!({
        "state": status.state,
        "stateCode": status.state_code,
        "dateCreated": Clock::at(transaction.created_ms).format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        "code": status.code,
        "message": status.message,
        "amount": transaction.amount.to_json_number(),
        "charge": transaction.charge.to_json_number(),
        "transactionReference": transaction.reference,
        "serviceName": transaction.service_name,
        "biller": transaction.biller,
    });
    // The one SDK calling `transaction/{id}` types `code` as a string and reads these fields too.
    if call.request.path().contains("/v3.0/transaction/") {
        data["transactionId"] = json!(transaction.reference);
        data["currency"] = json!("KES");
        data["status"] = json!(status.state.to_uppercase());
        data["date"] = data["dateCreated"].clone();
        let mut body = crate::envelope::v3_success(Some(data), &[]);
        body["code"] = json!("0");
        return Ok(crate::pipeline::Reply::ok(body));
    }
    Ok(call.success(data, &[]))
}
