//! Merchants: listing them, creating or replacing one, replacing its public key.

use super::body::{body, Body};
use super::error::{AdminError, Answer};
use crate::merchant::MerchantSpec;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

pub(super) async fn list(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.merchants.all().iter().map(|m| m.summary()).collect::<Vec<_>>())
}

pub(super) async fn put(state: web::Data<AppState>, code: web::Path<String>, Body(raw): Body) -> Answer {
    let spec: MerchantSpec = body(&raw)?;
    if spec.code.as_deref().is_some_and(|c| c != code.as_str()) {
        return Err(AdminError::bad_request("code in the body differs from the path"));
    }
    let (merchant, created) =
        state.merchants.upsert(&code, spec).map_err(|e| AdminError::bad_request(e.to_string()))?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).json(merchant.summary()))
}

/// Takes the key as text (PEM or bare Base64) or as `{"publicKey": "..."}`.
pub(super) async fn put_public_key(state: web::Data<AppState>, code: web::Path<String>, Body(raw): Body) -> Answer {
    let text = String::from_utf8_lossy(&raw).to_string();
    let key = if text.trim_start().starts_with('{') {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        struct KeyBody {
            public_key: String,
        }
        body::<KeyBody>(&raw)?.public_key
    } else {
        text
    };
    match state.merchants.set_public_key(&code, &key) {
        Ok(Some(merchant)) => Ok(HttpResponse::Ok().json(merchant.summary())),
        Ok(None) => {
            Err(AdminError::not_found(format!("no merchant {code}; create it with PUT /__sandbox/merchants/{code}")))
        }
        Err(e) => Err(AdminError::bad_request(e.to_string())),
    }
}
