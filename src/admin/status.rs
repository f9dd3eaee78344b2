//! What the sandbox tells of itself: liveness, metrics, its API description, the error catalogue.

use super::table::AdminPath;
use crate::catalogue::CATALOGUE;
use crate::proxy::Proxy;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

pub(super) async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub(super) async fn metrics(state: web::Data<AppState>, proxy: Option<web::Data<Proxy>>) -> HttpResponse {
    let mut text = state.metrics.render(state.callbacks.queued(), state.callbacks.in_flight());
    text.push_str(&format!(
        "# HELP jenga_sandbox_waiting_requests Admin list requests waiting (wait_ms) now.\n\
         # TYPE jenga_sandbox_waiting_requests gauge\njenga_sandbox_waiting_requests {}\n\
         # HELP jenga_sandbox_event_streams Dashboard event streams (/__sandbox/events) open now.\n\
         # TYPE jenga_sandbox_event_streams gauge\njenga_sandbox_event_streams {}\n",
        state.waiters.waiting(),
        state.event_streams.open()
    ));
    if let Some(proxy) = &proxy {
        proxy.render_metrics(&mut text);
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text)
}

/// The API description, with `admin_routes` as the admin paths it tells.
pub(super) async fn openapi(req: HttpRequest, admin_routes: &'static [AdminPath]) -> HttpResponse {
    let info = req.connection_info();
    let server = format!("{}://{}", info.scheme(), info.host());
    HttpResponse::Ok().json(crate::openapi::document(&server, admin_routes))
}

pub(super) async fn errors() -> HttpResponse {
    HttpResponse::Ok().json(CATALOGUE)
}
