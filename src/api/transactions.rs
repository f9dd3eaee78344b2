//! Query transaction details / status (reference §8.1), served on the documented path and on the
//! paths published SDKs call.

use crate::clock::Clock;
use crate::fields::{self, Check};
use crate::operation::{PAYMENT_DETAILS, TRANSACTION_DETAILS};
use crate::pipeline::{self, Call, Outcome, Spec};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::BTreeMap;

static SPEC: Spec = Spec { op: &TRANSACTION_DETAILS, json_body: false, validate, execute };
static V2_SPEC: Spec = Spec { op: &PAYMENT_DETAILS, json_body: false, validate, execute };

/// The reference is the last path segment on every variant of the path.
pub async fn details(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let reference = req.match_info().get("ref").unwrap_or_default().to_string();
    let spec = match crate::envelope::Generation::of_path(req.path()) {
        crate::envelope::Generation::V3 => &SPEC,
        crate::envelope::Generation::V2 => &V2_SPEC,
    };
    pipeline::serve(&state, &req, payload, spec, Some(json!({ "ref": reference }))).await
}

fn validate(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    check.string("ref");
    check.finish()
}

fn execute(call: &mut Call) -> Outcome {
    let reference = fields::text_at(&call.input, "ref").unwrap_or_default();
    let transaction =
        call.state.transactions.get(&call.merchant().code, &reference).ok_or_else(|| call.failure(111102))?;
    let status = transaction.status_at(call.state.clock.now_ms());
    let data = json!({
        "state": status.state,
        "stateCode": status.state_code,
        "dateCreated": Clock::at(transaction.created_ms).format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        "code": status.code,
        "message": status.message,
        "amount": fields::amount_number(transaction.amount),
        "charge": fields::amount_number(transaction.charge),
        "transactionReference": transaction.reference,
        "serviceName": transaction.service_name,
        "biller": transaction.biller,
    });
    Ok(call.success(data, &[]))
}
