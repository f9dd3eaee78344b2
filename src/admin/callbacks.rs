//! Callback jobs and their attempts; delivering one again.

use super::error::{AdminError, Answer};
use super::listing::{listed, parse_limit};
use crate::callbacks;
use crate::state::AppState;
use crate::wait::{Look, Wait};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CallbackQuery {
    merchant: Option<String>,
    reference: Option<String>,
    status: Option<String>,
    limit: Option<String>,
    wait_ms: Option<String>,
    count: Option<String>,
}

pub(super) async fn list(state: web::Data<AppState>, req: HttpRequest, query: web::Query<CallbackQuery>) -> Answer {
    let query = query.into_inner();
    let limit = parse_limit(query.limit)?;
    let wait = Wait::from_query(query.wait_ms.as_deref(), query.count.as_deref());
    // Without a wait only `limit` matches are answered: the store stops there rather than copying
    // every job under its lock (a dashboard asks for the newest few, often).
    let early = limit.filter(|_| matches!(wait, Ok(None)));
    let filter =
        callbacks::Filter { merchant: query.merchant, reference: query.reference, state: query.status, limit: early };
    listed(&state, &req, wait, &[state.callbacks.changes.notify()], limit, || Look::of(state.callbacks.list(&filter)))
        .await
}

pub(super) async fn get(state: web::Data<AppState>, id: web::Path<String>) -> Answer {
    match state.callbacks.get(&id) {
        Some(job) => Ok(HttpResponse::Ok().json(job)),
        None => Err(AdminError::not_found(format!("no callback job {id}"))),
    }
}

pub(super) async fn redeliver(state: web::Data<AppState>, id: web::Path<String>) -> Answer {
    match state.callbacks.redeliver(&id) {
        Some(job) => Ok(HttpResponse::Accepted().json(job)),
        None => Err(AdminError::not_found(format!("no callback job {id}"))),
    }
}
