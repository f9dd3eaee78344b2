//! The relay in front of the API routes: the request goes to the upstream as sent, and its copy
//! through the sandbox's routes and pipeline against the shadow state, both at once. The client
//! gets the upstream's answer; the journal gets the request with both answers and their
//! differences.

use super::diff::{self, Answer, Difference, Kind};
use super::Proxy;
use crate::envelope::{Failure, Generation};
use crate::journal::{Headers, Proxied, RawBody, Response};
use crate::pipeline::{ShadowCopy, REQUEST_ID_HEADER};
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{from_fn, Next};
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpMessage, HttpResponse};
use std::sync::Arc;
use std::time::Instant;

/// The most of an upstream answer the relay takes; a larger one is answered 502.
const UPSTREAM_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Headers that belong to one connection, not to the request or answer: never relayed. `host`
/// and `content-length` are set anew for the other connection.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// What the relay needs besides the request: the sandbox's own state (journal, metrics) and
/// the proxy.
pub(crate) struct Context {
    pub main: web::Data<AppState>,
    pub proxy: web::Data<Proxy>,
}

/// Mounts the API routes behind the relay, served against the shadow state.
pub(crate) fn configure(cfg: &mut web::ServiceConfig, context: web::Data<Context>) {
    let shadow = context.proxy.shadow.clone();
    cfg.app_data(context);
    cfg.service(
        web::scope("")
            .app_data(shadow)
            .wrap(from_fn(relay))
            .configure(crate::api::configure)
            .default_service(web::to(crate::api::not_found)),
    );
}

/// The upstream's answer, as received.
struct Upstream {
    status: StatusCode,
    headers: Vec<(String, Vec<u8>)>,
    body: Bytes,
}

/// Why the upstream gave no answer: 504 for a timeout, 502 otherwise.
struct UpstreamFailure {
    timeout: bool,
    detail: String,
}

async fn relay(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let context = req.app_data::<web::Data<Context>>().cloned().expect("the relay is mounted with its context");
    let (main, proxy) = (&context.main, &context.proxy);
    let started = Instant::now();
    let generation = Generation::of_path(req.path());
    let body = match crate::pipeline::read_body(req.take_payload(), &main.settings).await {
        Ok(body) => body,
        Err(failure) => {
            let (status, body) = failure.render(generation);
            return Ok(req.into_response(HttpResponse::build(status).json(body)));
        }
    };
    let method = req.method().clone();
    let path_and_query = req.uri().path_and_query().map_or_else(|| req.path().to_string(), |p| p.to_string());
    let url = format!("{}{}", proxy.base, path_and_query);
    let original_headers = req.headers().clone();
    let path = req.path().to_string();
    let prepared = proxy.identities.prepare(&proxy.shadow, &path, req.headers_mut(), body.clone());
    req.extensions_mut().insert(ShadowCopy { signature_unchecked: prepared.unchecked });
    req.set_payload(bytes_payload(prepared.body.clone()));
    let upstream = send(proxy, &method, &url, &original_headers, body.clone());
    let sandbox = async {
        let response = next.call(req).await?;
        let (http, response) = response.into_parts();
        let status = response.status();
        let id = response.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let bytes = actix_web::body::to_bytes(response.into_body()).await.unwrap_or_default();
        Ok::<_, actix_web::Error>((http, status, id, bytes))
    };
    let (upstream, sandbox) = tokio::join!(upstream, sandbox);
    let (http, sandbox_status, sandbox_id, sandbox_body) = sandbox?;
    let answer = match &upstream {
        Ok(upstream) => relayed(upstream),
        Err(failure) => gateway_error(failure, generation),
    };
    let (client_status, client_body) = match &upstream {
        Ok(upstream) => (upstream.status, upstream.body.clone()),
        Err(_) => (answer.status(), Bytes::new()),
    };
    let sandbox_answer = Answer { status: sandbox_status.as_u16(), body: &sandbox_body };
    let differences = match &upstream {
        Ok(upstream) => {
            diff::compare(&Answer { status: upstream.status.as_u16(), body: &upstream.body }, &sandbox_answer)
        }
        Err(failure) => {
            vec![Difference::new(Kind::UpstreamError, "", failure.detail.clone(), sandbox_status.as_u16().to_string())]
        }
    };
    if prepared.sign_in {
        if let Ok(upstream) = &upstream {
            proxy.identities.learn(&upstream.body, &sandbox_body, prepared.unchecked);
        }
    }
    // The sandbox's journal entry moves here, with the request as sent and both answers.
    let entry = sandbox_id.and_then(|id| proxy.shadow.journal.take(&id)).and_then(|e| Arc::try_unwrap(e).ok());
    if let Some(mut entry) = entry {
        let operation = entry.operation;
        let planned = proxy.shadow.callbacks.take_planned(&entry.callbacks);
        proxy.tally.request(operation, &entry.id, &differences);
        proxy.expected.expect(operation, &entry.id, planned, !differences.is_empty(), &proxy.tally);
        if let (Some(recorder), Ok(upstream)) = (&proxy.recorder, &upstream) {
            recorder.capture(operation, &http, &body, upstream.status.as_u16(), &upstream.body);
        }
        main.metrics.record_request(
            operation,
            &entry.scenario,
            client_status.as_u16(),
            started.elapsed().as_secs_f64(),
        );
        tracing::info!(
            request_id = %entry.id,
            method = %method,
            path = http.path(),
            status = client_status.as_u16(),
            sandbox_status = sandbox_status.as_u16(),
            differences = differences.len(),
            "proxied"
        );
        entry.headers = Headers::copy_of(&signature_masked(&original_headers));
        entry.body = RawBody::copy_of(&body);
        entry.callbacks = Vec::new();
        let response_body = match &upstream {
            Ok(_) => client_body,
            Err(failure) => Bytes::from(serde_json::to_vec(&gateway_body(failure, generation)).unwrap_or_default()),
        };
        entry.response = Response { status: client_status.as_u16(), body: RawBody::new(response_body) };
        entry.proxied = Some(Proxied {
            upstream: url,
            diff: differences,
            sandbox_response: Response { status: sandbox_status.as_u16(), body: RawBody::new(sandbox_body) },
        });
        main.journal.record(entry);
    }
    Ok(ServiceResponse::new(http, answer))
}

/// The upstream's answer as the client gets it: status, headers (but hop-by-hop ones) and body.
fn relayed(upstream: &Upstream) -> HttpResponse {
    let mut response = HttpResponse::build(upstream.status);
    for (name, value) in &upstream.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
            response.append_header((name, value));
        }
    }
    response.body(upstream.body.clone())
}

fn gateway_body(failure: &UpstreamFailure, generation: Generation) -> serde_json::Value {
    gateway_failure(failure).render(generation).1
}

fn gateway_failure(failure: &UpstreamFailure) -> Failure {
    let name = if failure.timeout { "GATEWAY_TIMEOUT" } else { "BAD_GATEWAY" };
    Failure::http(name, Some(failure.detail.clone()))
}

/// No usable answer from the upstream: a gateway error in the envelope of the generation called.
fn gateway_error(failure: &UpstreamFailure, generation: Generation) -> HttpResponse {
    let (status, body) = gateway_failure(failure).render(generation);
    HttpResponse::build(status).json(body)
}

/// The request headers with the signature masked: the journal of a proxied request holds a
/// real merchant's signatures (its other credentials are masked when shown).
fn signature_masked(headers: &HeaderMap) -> HeaderMap {
    let mut masked = headers.clone();
    let name = HeaderName::from_static("signature");
    if let Some(value) = headers.get(&name) {
        let shown = crate::secrets::mask(&String::from_utf8_lossy(value.as_bytes()));
        if let Ok(value) = HeaderValue::from_str(&shown) {
            masked.insert(name, value);
        }
    }
    masked
}

/// Sends the request to the upstream as the client sent it, but for hop-by-hop headers.
async fn send(
    proxy: &Proxy,
    method: &Method,
    url: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Upstream, UpstreamFailure> {
    let fail = |detail: String| UpstreamFailure { timeout: false, detail };
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).map_err(|e| fail(e.to_string()))?;
    let mut request = proxy.client.request(method, url).body(body.to_vec());
    let named_by_connection: Vec<String> = headers
        .get_all("connection")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|name| name.trim().to_ascii_lowercase()))
        .collect();
    for (name, value) in headers {
        let name = name.as_str();
        if HOP_BY_HOP.contains(&name) || named_by_connection.iter().any(|n| n == name) {
            continue;
        }
        request = request.header(name, value.as_bytes());
    }
    let response = request.send().await.map_err(|e| upstream_failure(&e))?;
    let status = StatusCode::from_u16(response.status().as_u16()).map_err(|e| fail(e.to_string()))?;
    let headers = response
        .headers()
        .iter()
        .filter(|(name, _)| !HOP_BY_HOP.contains(&name.as_str()))
        .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
        .collect();
    let mut response = response;
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| upstream_failure(&e))? {
        if body.len() + chunk.len() > UPSTREAM_BODY_LIMIT {
            return Err(fail(format!("the upstream's answer is over {UPSTREAM_BODY_LIMIT} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Upstream { status, headers, body: body.freeze() })
}

/// What went wrong, with the causes reqwest wraps (refused, reset, TLS), never a credential.
fn upstream_failure(error: &reqwest::Error) -> UpstreamFailure {
    let mut detail = if error.is_timeout() {
        "the upstream did not answer in time".to_string()
    } else if error.is_connect() {
        "could not connect to the upstream".to_string()
    } else {
        "the upstream's answer could not be read".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        detail.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    UpstreamFailure { timeout: error.is_timeout(), detail }
}

fn bytes_payload(bytes: Bytes) -> actix_web::dev::Payload {
    actix_web::dev::Payload::from(bytes)
}
