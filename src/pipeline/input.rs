//! What a request sends: its body, read bounded and in time, and its input as the operation
//! reads it (a JSON body or a v2 form, the path parameters, or the query).

use super::Input;
use crate::envelope::{Failure, Generation};
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpRequest;
use futures_util::StreamExt;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The input as sent: the body (JSON, or a v2 form), the path parameters or the query.
pub(super) fn read(
    req: &HttpRequest,
    raw: &[u8],
    input: Input,
    generation: Generation,
    variants: &mut BTreeMap<String, String>,
) -> Result<Value, Failure> {
    Ok(match input {
        Input::Body => parse_body(req, raw, generation, variants)?,
        Input::Path(names) => path_input(req, names),
        Input::Query => query_input(req),
    })
}

/// The whole body, at most `max_body_bytes`, within `body_read_timeout_ms` (408 past it).
pub(crate) async fn read_body<S>(payload: S, settings: &crate::config::Settings) -> Result<Bytes, Failure>
where
    S: futures_util::Stream<Item = Result<Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let within = std::time::Duration::from_millis(settings.body_read_timeout_ms);
    tokio::time::timeout(within, collect_body(payload, settings.max_body_bytes)).await.unwrap_or_else(|_| {
        Err(Failure::http(
            "REQUEST_TIMEOUT",
            Some(format!(
                "the request body did not arrive within {} ms; send as many bytes as Content-Length says",
                settings.body_read_timeout_ms
            )),
        ))
    })
}

async fn collect_body<S>(mut payload: S, limit: usize) -> Result<Bytes, Failure>
where
    S: futures_util::Stream<Item = Result<Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Failure::invalid(format!("the request body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(Failure::http("PAYLOAD_TOO_LARGE", Some(format!("the limit is {limit} bytes"))));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// JSON for every call; v2 calls may also send a form (`application/x-www-form-urlencoded`),
/// as the v2 token call must and several v2 clients do elsewhere. Some v2 clients send a form
/// while declaring JSON, so a v2 body that is plainly a form is read as one, and noted.
fn parse_body(
    req: &HttpRequest,
    raw: &[u8],
    generation: Generation,
    variants: &mut BTreeMap<String, String>,
) -> Result<Value, Failure> {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if generation == Generation::V2 {
        if content_type.to_ascii_lowercase().contains("x-www-form-urlencoded") {
            variants.insert("body".into(), "form".into());
            return crate::fields::from_form(raw).map_err(Failure::invalid);
        }
        if looks_like_form(raw) {
            variants.insert(
                "body".into(),
                format!("form sent as {}", if content_type.is_empty() { "no content type" } else { content_type }),
            );
            return crate::fields::from_form(raw).map_err(Failure::invalid);
        }
    }
    if !content_type.is_empty() && !content_type.to_ascii_lowercase().contains("json") {
        return Err(Failure::http(
            "UNSUPPORTED_MEDIA_TYPE",
            Some(format!("send the body as application/json, not {content_type}")),
        ));
    }
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::invalid("the request body is empty; a JSON object is required"));
    }
    let value = crate::fields::from_json(raw).map_err(Failure::invalid)?;
    if !value.is_object() {
        return Err(Failure::invalid("the request body must be a JSON object"));
    }
    Ok(value)
}

/// The path parameters as an object named after the signature's fields.
fn path_input(req: &HttpRequest, names: &[&str]) -> Value {
    let info = req.match_info();
    Value::Object(names.iter().map(|n| (n.to_string(), Value::from(info.get(n).unwrap_or_default()))).collect())
}

fn query_input(req: &HttpRequest) -> Value {
    let pairs = url::form_urlencoded::parse(req.query_string().as_bytes());
    Value::Object(pairs.map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect::<Map<_, _>>())
}

/// `a=1&b=2`: no JSON opening bracket, and every pair has a key.
fn looks_like_form(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim();
    !text.is_empty()
        && !text.starts_with(['{', '[', '"'])
        && text.split('&').all(|pair| pair.split_once('=').is_some_and(|(key, _)| !key.is_empty()))
}
