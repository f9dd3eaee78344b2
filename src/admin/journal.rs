//! The request journal (`/requests`), newest first.

use super::error::Answer;
use super::listing::{listed, parse_limit};
use crate::journal;
use crate::state::AppState;
use crate::wait::{Look, Wait};
use actix_web::{web, HttpRequest};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RequestQuery {
    merchant: Option<String>,
    operation: Option<String>,
    path: Option<String>,
    reference: Option<String>,
    limit: Option<String>,
    wait_ms: Option<String>,
    count: Option<String>,
}

pub(super) async fn requests(state: web::Data<AppState>, req: HttpRequest, query: web::Query<RequestQuery>) -> Answer {
    let query = query.into_inner();
    let limit = parse_limit(query.limit)?;
    let wait = Wait::from_query(query.wait_ms.as_deref(), query.count.as_deref());
    let filter = journal::Filter {
        merchant: query.merchant,
        operation: query.operation,
        path: query.path,
        reference: query.reference,
        // Without a wait only `limit` matches are answered: the journal stops there.
        limit: limit.filter(|_| matches!(wait, Ok(None))),
    };
    listed(&state, &req, wait, &[state.journal.changes.notify()], limit, || Look::of(state.journal.list(&filter))).await
}
