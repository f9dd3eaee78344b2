//! Admin request bodies: read whole under a size limit, parsed as JSON with every unknown key named.

use super::error::AdminError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use serde::de::DeserializeOwned;

/// The largest admin request body, in bytes (a merchant with its accounts and key fits easily).
pub(super) const BODY_LIMIT: usize = 256 * 1024;

/// An admin request body, read whole. One too large or cut short answers in JSON, like every
/// other admin error (the plain extractor answers in plain text).
pub(super) struct Body(pub web::Bytes);

impl actix_web::FromRequest for Body {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            bytes.await.map(Body).map_err(|error| {
                let status = error.as_response_error().status_code();
                let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    format!("request body over the admin API's limit of {BODY_LIMIT} bytes")
                } else {
                    format!("request body: {error}")
                };
                let response = AdminError::new(status, message).response();
                actix_web::error::InternalError::from_response(error, response).into()
            })
        })
    }
}

/// Parses a JSON body, naming the problem on failure: every unknown top-level key at once, not
/// only the first that serde meets.
pub(super) fn body<T: DeserializeOwned>(raw: &[u8]) -> Result<T, AdminError> {
    let raw = if raw.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { raw };
    let invalid = |message: String| AdminError::bad_request(format!("invalid body: {message}"));
    let mut value = crate::fields::from_json(raw).map_err(invalid)?;
    let mut unknown = Vec::new();
    let mut expected = String::new();
    loop {
        let error = match serde_json::from_value::<T>(value.clone()) {
            Ok(parsed) if unknown.is_empty() => return Ok(parsed),
            Ok(_) => break,
            Err(error) => error.to_string(),
        };
        // serde's wording: "unknown field `KEY`, expected one of `a`, `b`".
        let named = error.strip_prefix("unknown field `").and_then(|rest| rest.split_once('`'));
        match named {
            Some((key, rest)) if value.as_object_mut().is_some_and(|map| map.remove(key).is_some()) => {
                unknown.push(format!("`{key}`"));
                expected = rest.trim_start_matches(", ").to_string();
            }
            _ if unknown.is_empty() => return Err(invalid(error)),
            _ => break,
        }
    }
    let noun = if unknown.len() == 1 { "field" } else { "fields" };
    Err(invalid(format!("unknown {noun} {}, {expected}", unknown.join(", "))))
}
