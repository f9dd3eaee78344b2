//! Merchant authentication: `POST /authentication/api/v3/authenticate/merchant` (reference §2.1).

use crate::fields::Check;
use crate::operation::AUTHENTICATE;
use crate::pipeline::{self, Call, Outcome, Reply, Spec};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::BTreeMap;

static SPEC: Spec = Spec { op: &AUTHENTICATE, json_body: true, validate, execute };

pub async fn authenticate(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    pipeline::serve(&state, &req, payload, &SPEC, None).await
}

fn validate(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("merchantCode");
    check.string("consumerSecret");
    check.finish()
}

fn execute(call: &mut Call) -> Outcome {
    let unauthorized = |detail: String| call.failure(401101).with_detail(detail);
    let api_key = call.header("api-key").ok_or_else(|| unauthorized("the Api-Key header is required".into()))?;
    let code = call.input["merchantCode"].as_str().unwrap_or_default();
    let merchant =
        call.state.merchants.get(code).ok_or_else(|| unauthorized(format!("no merchant with merchantCode {code}")))?;
    if merchant.api_key != api_key {
        return Err(unauthorized(format!("the Api-Key does not belong to merchant {code}")));
    }
    if merchant.consumer_secret != call.input["consumerSecret"].as_str().unwrap_or_default() {
        return Err(unauthorized(format!("wrong consumerSecret for merchant {code}")));
    }
    let state = call.state;
    let issued = state.tokens.issue_v3(&merchant.code, state.clock.now_ms(), &state.ids);
    call.merchant = Some(merchant);
    Ok(Reply::ok(json!({
        "accessToken": issued.access_token,
        "refreshToken": issued.refresh_token,
        "expiresIn": crate::clock::iso(crate::clock::Clock::at(issued.expires_at_ms)),
        "issuedAt": crate::clock::iso(crate::clock::Clock::at(issued.issued_at_ms)),
        "tokenType": "Bearer",
    })))
}
