//! Merchant authentication: `POST /authentication/api/v3/authenticate/merchant` (reference §2.1).

use crate::catalogue::Family;
use crate::fields::Check;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Reply, Spec};
use actix_web::http::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub static AUTHENTICATE: Operation = Operation {
    id: "authenticate",
    title: "Merchant authentication (v3 token)",
    families: &[Family::MerchantAuthorization, Family::Http],
    auth: Auth::Credentials,
    signature: &[],
};

pub(crate) static FAMILY: super::OperationFamily = super::OperationFamily { operations: &[&AUTHENTICATE], configure };

fn configure(routes: &mut super::Routes) {
    routes.v3(Method::POST, "/authentication/api/v3/authenticate/merchant", &SPEC);
    // `POST /identity[-test]/v2/token`: `Authorization: Basic <API key>` and a form with
    // `username` (merchant code) and `password` (reference §2.2).
    for path in super::v2_paths("identity", "token") {
        routes.v2(Method::POST, &path, &V2_SPEC);
    }
}

pub(crate) static SPEC: Spec = Spec { op: &AUTHENTICATE, input: Input::Body, validate, execute };

fn validate(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("merchantCode");
    check.string("consumerSecret");
    check.finish()
}

/// A v3 sign-in once validated.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignIn<'a> {
    merchant_code: &'a str,
    consumer_secret: &'a str,
}

fn execute(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let sign_in: SignIn = pipeline::typed(&input)?;
    let unauthorized = |detail: String| call.failure(401101).with_detail(detail);
    let api_key = call.header("api-key").ok_or_else(|| unauthorized("the Api-Key header is required".into()))?;
    let code = sign_in.merchant_code;
    let merchant =
        call.state.merchants.get(code).ok_or_else(|| unauthorized(format!("no merchant with merchantCode {code}")))?;
    if merchant.api_key != api_key {
        return Err(unauthorized(format!("the Api-Key does not belong to merchant {code}")));
    }
    if merchant.consumer_secret != sign_in.consumer_secret {
        return Err(unauthorized(format!("wrong consumerSecret for merchant {code}")));
    }
    let state = call.state;
    let now = state.clocks.now_ms_of(&merchant.code);
    let issued = state.tokens.issue_v3(&merchant.code, merchant.credentials, now, &state.ids.of(&merchant.code));
    call.merchant = Some(merchant);
    Ok(Reply::ok(json!({
        "accessToken": issued.access_token,
        "refreshToken": issued.refresh_token,
        "expiresIn": crate::clock::iso(crate::clock::Clock::at(issued.expires_at_ms)),
        "issuedAt": crate::clock::iso(crate::clock::Clock::at(issued.issued_at_ms)),
        "tokenType": "Bearer",
    })))
}

/// v2 token lifetime (reference §2.2: `expires_in` 3600).
const V2_TOKEN_SECS: u64 = 3600;

pub(crate) static V2_SPEC: Spec =
    Spec { op: &AUTHENTICATE, input: Input::Body, validate: validate_v2, execute: execute_v2 };

fn validate_v2(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("username");
    check.string("password");
    check.finish()
}

/// A v2 token request (a form) once validated.
#[derive(serde::Deserialize)]
struct TokenRequest<'a> {
    /// The merchant code.
    username: &'a str,
    /// The consumer secret.
    password: &'a str,
}

fn execute_v2(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let request: TokenRequest = pipeline::typed(&input)?;
    let unauthorized = |detail: String| crate::envelope::Failure::http("UNAUTHORIZED", Some(detail));
    let header = call.header("authorization").unwrap_or_default().trim();
    // The SDKs send the key exactly as JengaHQ shows it, `Basic <key>`; a bare key is taken too.
    let api_key = match header.split_once(' ') {
        Some((scheme, key)) if scheme.eq_ignore_ascii_case("basic") => key.trim(),
        _ => header,
    };
    if api_key.is_empty() {
        return Err(unauthorized("the Authorization: Basic <API key> header is required".into()));
    }
    let code = request.username;
    let merchant =
        call.state.merchants.get(code).ok_or_else(|| unauthorized(format!("no merchant with username {code}")))?;
    if merchant.api_key != api_key {
        return Err(unauthorized(format!("the API key does not belong to merchant {code}")));
    }
    if merchant.consumer_secret != request.password {
        return Err(unauthorized(format!("wrong password for merchant {code}")));
    }
    let state = call.state;
    let now = state.clocks.now_ms_of(&merchant.code);
    let (token, _) =
        state.tokens.issue_v2(&merchant.code, merchant.credentials, now, V2_TOKEN_SECS, &state.ids.of(&merchant.code));
    call.merchant = Some(merchant);
    Ok(Reply::ok(json!({
        "token_type": "bearer",
        "issued_at": now.to_string(),
        "expires_in": V2_TOKEN_SECS,
        "access_token": token,
    })))
}
