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
    ("/ui/app.css", "text/css; charset=utf-8", include_str!("assets/app.css")),
    // The script's modules: the page loads app.js, which imports the rest.
    ("/ui/app.js", JAVASCRIPT, include_str!("assets/app.js")),
    ("/ui/admin.js", JAVASCRIPT, include_str!("assets/admin.js")),
    ("/ui/dom.js", JAVASCRIPT, include_str!("assets/dom.js")),
    ("/ui/live.js", JAVASCRIPT, include_str!("assets/live.js")),
    ("/ui/requests.js", JAVASCRIPT, include_str!("assets/requests.js")),
    ("/ui/callbacks.js", JAVASCRIPT, include_str!("assets/callbacks.js")),
    ("/ui/accounts.js", JAVASCRIPT, include_str!("assets/accounts.js")),
    ("/ui/scenarios.js", JAVASCRIPT, include_str!("assets/scenarios.js")),
    ("/ui/tables.js", JAVASCRIPT, include_str!("assets/tables.js")),
];

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// The page may load and fetch from this sandbox only; its icon is an empty `data:` URL.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Whether `path` (under `/__sandbox`) is one of the page's assets, which hold no data and so are
/// served without the admin token: the page itself asks for it.
pub fn is_asset(path: &str) -> bool {
    ASSETS.iter().any(|(asset, _, _)| *asset == path)
}

/// The embedded asset at `path` (under `/__sandbox`), if there is one.
pub fn asset(path: &str) -> Option<HttpResponse> {
    ASSETS.iter().find(|(asset, _, _)| *asset == path).map(|(_, media, text)| served(media, *text))
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
    let (_, media, html) = ASSETS[0];
    if state.settings.is_loopback() {
        return served(media, html);
    }
    served(media, html.replacen("<body>", "<body data-needs-token>", 1))
}
