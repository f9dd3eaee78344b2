//! The dashboard's own admin calls: its event stream and its assets (embedded in
//! `crate::dashboard`; the page reads the other admin calls like any client).

use super::error::{AdminError, Answer};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// `GET /__sandbox/events`: server-sent events naming the views that changed.
pub(super) async fn events(state: web::Data<AppState>, req: HttpRequest) -> Answer {
    let stream = crate::dashboard::events::open(state, req.conn_data().copied()).map_err(|busy| {
        AdminError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "{} event streams are already open, the most there may be; close a dashboard and try again",
                busy.limit
            ),
        )
    })?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .streaming(stream))
}

/// `GET /__sandbox/ui/app.css` and `/__sandbox/ui/{script}`: an embedded asset of the page.
pub(super) async fn asset(req: HttpRequest) -> Answer {
    let path = req.path().strip_prefix("/__sandbox").unwrap_or_default();
    crate::dashboard::asset(path).ok_or_else(|| {
        AdminError::new(StatusCode::NOT_FOUND, format!("the dashboard has no asset {path}; it loads /__sandbox/ui"))
    })
}
