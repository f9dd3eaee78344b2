//! The sandbox's own callback receiver: storing deliveries by name, listing and forgetting them.
//! Every handler serves both `/sink/{name}` and a merchant's own `/sink/{merchant}/{name}`.

use super::body::Body;
use super::error::Answer;
use super::listing::{listed, parse_limit};
use crate::proxy::Proxy;
use crate::state::AppState;
use crate::wait::{Look, Wait};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// The sink key the path names, and the clock its deliveries are timed by (the merchant's for
/// a merchant's own name).
fn key_and_now(state: &AppState, req: &HttpRequest) -> (String, i64) {
    let name = req.match_info().get("name").unwrap_or_default();
    match req.match_info().get("merchant") {
        Some(merchant) => (crate::sink::scoped_key(merchant, name), state.clocks.now_ms_of(merchant)),
        None => (name.to_string(), state.clocks.shared().now_ms()),
    }
}

pub(super) async fn store(
    state: web::Data<AppState>,
    proxy: Option<web::Data<Proxy>>,
    req: HttpRequest,
    Body(raw): Body,
) -> HttpResponse {
    let (key, now) = key_and_now(&state, &req);
    let headers = crate::pipeline::header_map(&req);
    // Compared before it is stored, so a test that waits for the delivery finds the comparison made.
    if let Some(proxy) = &proxy {
        proxy.expected.received(&raw, &proxy.tally);
    }
    let id = state.sink.store(&key, now, headers, &raw);
    HttpResponse::Ok().json(json!({"status": "received", "id": id}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SinkQuery {
    limit: Option<String>,
    wait_ms: Option<String>,
    count: Option<String>,
}

pub(super) async fn list(state: web::Data<AppState>, req: HttpRequest, query: web::Query<SinkQuery>) -> Answer {
    let (key, _) = key_and_now(&state, &req);
    let limit = parse_limit(query.limit.clone())?;
    let wait = Wait::from_query(query.wait_ms.as_deref(), query.count.as_deref());
    listed(&state, &req, wait, &[state.sink.changes.notify()], limit, || Look::of(state.sink.list(&key))).await
}

pub(super) async fn clear(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    state.sink.clear(&key_and_now(&state, &req).0);
    HttpResponse::Ok().json(json!({"status": "cleared"}))
}
