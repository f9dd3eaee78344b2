//! The sandbox's own callback receiver: storing deliveries by name, listing and forgetting them.

use super::body::Body;
use super::error::Answer;
use super::listing::{listed, parse_limit};
use crate::state::AppState;
use crate::wait::{Look, Wait};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

pub async fn store(
    state: web::Data<AppState>,
    name: web::Path<String>,
    req: HttpRequest,
    Body(raw): Body,
) -> HttpResponse {
    let headers = crate::pipeline::header_map(&req);
    // Compared before it is stored, so a test that waits for the delivery finds the comparison made.
    if let Some(proxy) = &state.proxy {
        proxy.expected.received(&raw, &proxy.tally);
    }
    let id = state.sink.store(&name, state.clocks.shared().now_ms(), headers, &raw);
    HttpResponse::Ok().json(json!({"status": "received", "id": id}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkQuery {
    limit: Option<String>,
    wait_ms: Option<String>,
    count: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    query: web::Query<SinkQuery>,
) -> Answer {
    let limit = parse_limit(query.limit.clone())?;
    let wait = Wait::from_query(query.wait_ms.as_deref(), query.count.as_deref());
    listed(&state, &req, wait, &[state.sink.changes.notify()], limit, || Look::of(state.sink.list(&name))).await
}

pub async fn clear(state: web::Data<AppState>, name: web::Path<String>) -> HttpResponse {
    state.sink.clear(&name);
    HttpResponse::Ok().json(json!({"status": "cleared"}))
}
