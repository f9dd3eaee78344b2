//! Query transaction details / status (reference §8.1), served on the documented path and on the
//! paths published SDKs call.

use crate::clock::Clock;
use crate::fields::{self, Check};
use crate::operation::{PAYMENT_DETAILS, TRANSACTION_DETAILS, TRANSACTION_DETAILS_UNSIGNED};
use crate::pipeline::{self, Call, Outcome, Spec};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(crate) static SPEC: Spec = Spec { op: &TRANSACTION_DETAILS, json_body: false, validate, execute };
pub(crate) static V2_SPEC: Spec = Spec { op: &PAYMENT_DETAILS, json_body: false, validate, execute };
pub(crate) static SDK_UNSIGNED_SPEC: Spec =
    Spec { op: &TRANSACTION_DETAILS_UNSIGNED, json_body: false, validate: validate_unsigned, execute };

/// The reference is the last path segment on every variant of the path.
pub async fn details(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let reference = req.match_info().get("ref").unwrap_or_default().to_string();
    let documented = req.path().contains("/transactions/details/");
    let signed = req.headers().contains_key("signature");
    let spec = match crate::envelope::Generation::of_path(req.path()) {
        crate::envelope::Generation::V3 if documented || signed => &SPEC,
        crate::envelope::Generation::V3 => &SDK_UNSIGNED_SPEC,
        crate::envelope::Generation::V2 => &V2_SPEC,
    };
    pipeline::serve(&state, &req, payload, spec, Some(json!({ "ref": reference }))).await
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

fn execute(call: &mut Call) -> Outcome {
    let reference = fields::text_at(&call.input, "ref").unwrap_or_default();
    let transaction =
        call.state.transactions.get(&call.merchant().code, &reference).ok_or_else(|| call.failure(111102))?;
    let status = transaction.status_at(call.state.clock.now_ms());
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
