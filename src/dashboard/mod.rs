//! The dashboard at `/__sandbox/ui` (contract §11): a page of plain HTML, CSS and JavaScript
//! embedded in the binary, which reads the admin JSON API and follows `/__sandbox/events`.
//! Nothing is built for it and nothing is fetched from anywhere but the sandbox itself; the
//! Content-Security-Policy header holds the browser to that too.

pub mod events;

use crate::state::AppState;
use actix_web::{web, HttpResponse};

/// Every embedded asset: its path under `/__sandbox`, media type and text; the page first.
pub const ASSETS: &[(&str, &str, &str)] = &[
    ("/ui", "text/html; charset=utf-8", include_str!("assets/index.html")),
    ("/ui/app.js", "text/javascript; charset=utf-8", include_str!("assets/app.js")),
    ("/ui/app.css", "text/css; charset=utf-8", include_str!("assets/app.css")),
];

/// The page may load and fetch from this sandbox only; its icon is an empty `data:` URL.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Whether `path` (under `/__sandbox`) is one of the page's assets, which hold no data and so are
/// served without the admin token: the page itself asks for it.
pub fn is_asset(path: &str) -> bool {
    ASSETS.iter().any(|(asset, _, _)| *asset == path)
}

fn asset(path: &str) -> HttpResponse {
    let (_, media, text) = ASSETS.iter().find(|(asset, _, _)| *asset == path).expect("an embedded asset");
    served(media, *text)
}

fn served(media: &str, body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(media)
        .insert_header(("content-security-policy", CONTENT_SECURITY_POLICY))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("cache-control", "no-cache"))
        .body(body)
}

/// The page; off loopback it is marked so that it asks for the admin token before its first call
/// (rather than after a refused one).
pub async fn page(state: web::Data<AppState>) -> HttpResponse {
    if state.settings.is_loopback() {
        return asset("/ui");
    }
    let (_, media, html) = ASSETS[0];
    served(media, html.replacen("<body>", "<body data-needs-token>", 1))
}

pub async fn script() -> HttpResponse {
    asset("/ui/app.js")
}

pub async fn style() -> HttpResponse {
    asset("/ui/app.css")
}
