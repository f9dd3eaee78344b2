//! KYC identity search and verification (reference §9.3): `POST /v3-apis/v3.0/validate/identity`,
//! answered from `fixtures/identities.json`; an unknown document is 115105 (no record in IPRS).

use crate::envelope::v3_success;
use crate::fields::{self, Check};
use crate::operation::IDENTITY_VERIFICATION;
use crate::pipeline::{self, Call, Outcome, Reply, Spec};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KnownIdentity {
    country_code: String,
    document_number: String,
    identity: Value,
}

static IDENTITIES: LazyLock<Vec<KnownIdentity>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../fixtures/identities.json")).expect("fixtures/identities.json")
});

static SPEC: Spec = Spec { op: &IDENTITY_VERIFICATION, json_body: true, validate, execute };

pub async fn verify(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    pipeline::serve(&state, &req, payload, &SPEC, None).await
}

/// KYC is offered in Kenya and Rwanda only.
const COUNTRIES: &[&str] = &["KE", "RW"];
const DOCUMENT_TYPES: &[&str] = &["ID", "PASSPORT", "ALIENID"];

fn validate(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.one_of("identity.documentType", DOCUMENT_TYPES);
    check.string("identity.firstName");
    check.string("identity.lastName");
    check.string("identity.documentNumber");
    check.one_of("identity.countryCode", COUNTRIES);
    if fields::get(body, "identity.dateOfBirth").is_some_and(|v| !v.is_null()) {
        check.date("identity.dateOfBirth");
    }
    check.finish()
}

fn execute(call: &mut Call) -> Outcome {
    let text = |path| fields::text_at(&call.input, path).unwrap_or_default();
    let (country, number) = (text("identity.countryCode"), text("identity.documentNumber"));
    let known = IDENTITIES.iter().find(|i| i.country_code == country && i.document_number == number);
    match known {
        Some(found) => Ok(Reply::ok(v3_success(Some(json!({"identity": found.identity})), &[]))),
        None => Err(call.failure(115105)),
    }
}
