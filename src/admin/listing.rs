//! List answers: `limit`, and waiting for matches (`wait_ms`, `count`; contract §10).

use super::error::{AdminError, Answer};
use crate::state::AppState;
use crate::wait::{Look, Wait};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

const WAIT_HEADER: &str = "x-sandbox-wait";

/// `limit` is read here rather than by serde so a bad value is named in the error.
pub(super) fn parse_limit(limit: Option<String>) -> Result<Option<usize>, AdminError> {
    limit
        .map(|l| l.parse::<usize>().map_err(|_| AdminError::bad_request(format!("limit: {l:?} is not a whole number"))))
        .transpose()
}

/// A list answer, after waiting when the query asked to:
/// `count` is compared with every match, and `limit` cuts the answer afterwards.
pub(super) async fn listed<T: serde::Serialize>(
    state: &AppState,
    req: &HttpRequest,
    wait: Result<Option<Wait>, String>,
    sources: &[&tokio::sync::Notify],
    limit: Option<usize>,
    mut look: impl FnMut() -> Look<T>,
) -> Answer {
    let cut = |mut items: Vec<T>| {
        items.truncate(limit.unwrap_or(usize::MAX));
        items
    };
    match wait.map_err(AdminError::bad_request)? {
        None => Ok(HttpResponse::Ok().json(cut(look().items))),
        Some(wait) => match state.waiters.until(wait, sources, req.conn_data().copied(), look).await {
            Ok((items, outcome)) => {
                Ok(HttpResponse::Ok().insert_header((WAIT_HEADER, outcome.header_value())).json(cut(items)))
            }
            Err(busy) => Err(AdminError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "{} requests are already waiting, the most there may be; try again without wait_ms or later",
                    busy.limit
                ),
            )),
        },
    }
}
