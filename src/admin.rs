//! The control plane under `/__sandbox` (contract §7): health, reset, journal, callbacks,
//! scenarios, merchants, clock and the error catalogue. JSON in and out; unknown keys in a body
//! are refused by name.

use crate::callbacks;
use crate::catalogue::CATALOGUE;
use crate::journal;
use crate::merchant::MerchantSpec;
use crate::money::Cents;
use crate::pipeline::{REQUEST_ID_HEADER, SCENARIO_HEADER};
use crate::scenario::{Armed, Predicate, Target};
use crate::state::AppState;
use crate::wait::{Look, Wait};
use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, ALLOW};
use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::{guard, web, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<EitherBody<BoxBody>>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let scope = web::scope("/__sandbox")
        .wrap(from_fn(require_admin_token))
        .wrap(from_fn(tag_admin_response))
        .app_data(web::QueryConfig::default().error_handler(|error, _| {
            let message = format!("invalid query string: {error}");
            actix_web::error::InternalError::from_response(error, fail(StatusCode::BAD_REQUEST, message)).into()
        }))
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        .app_data(web::PathConfig::default().error_handler(|error, _| {
            let message = format!("invalid path: {error}");
            actix_web::error::InternalError::from_response(error, fail(StatusCode::BAD_REQUEST, message)).into()
        }))
        .default_service(web::to(|req: HttpRequest| async move {
            fail(StatusCode::NOT_FOUND, format!("no admin endpoint at {} {}", req.method(), req.path()))
        }));
    ROUTES.iter().fold(scope, |scope, path| {
        scope.service(endpoint(path.path, path.ops.iter().map(|op| (op.method(), (op.route)())).collect()))
    })
}

/// One admin path, as mounted and as the API description tells it.
pub struct AdminPath {
    pub path: &'static str,
    pub ops: &'static [AdminOp],
}

pub struct AdminOp {
    pub method: &'static str,
    route: fn() -> actix_web::Route,
    pub summary: &'static str,
    /// Query parameters it takes (any other is refused): the fields of its query struct.
    pub query: fn() -> &'static [&'static str],
    pub body: Option<AdminBody>,
    /// The statuses it answers with, besides the ones every admin path may give.
    pub answers: &'static [u16],
    /// The success answer's media type.
    pub media: &'static str,
}

impl AdminOp {
    pub fn method(&self) -> Method {
        Method::from_bytes(self.method.as_bytes()).expect("the table names HTTP methods")
    }
}

/// What an admin call's body holds.
pub enum AdminBody {
    /// A JSON object with these fields and no others (those of its serde struct).
    Fields(fn() -> &'static [&'static str]),
    /// Anything; the sentence says what.
    Any(&'static str),
}

const fn op(method: &'static str, route: fn() -> actix_web::Route, summary: &'static str) -> AdminOp {
    AdminOp { method, route, summary, query: || &[], body: None, answers: &[200], media: "application/json" }
}

fn fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    crate::rules::serde_fields::<T>()
}

const LISTED: &[u16] = &[200, 400];

/// The one list of admin paths, read by the router and by the API description.
pub static ROUTES: &[AdminPath] = &[
    AdminPath { path: "/health", ops: &[op("GET", || web::to(health), "Liveness")] },
    AdminPath {
        path: "/metrics",
        ops: &[AdminOp { media: "text/plain", ..op("GET", || web::to(metrics), "Prometheus metrics") }],
    },
    AdminPath { path: "/openapi.json", ops: &[op("GET", || web::to(openapi), "This API description (OpenAPI 3.1)")] },
    AdminPath {
        path: "/reset",
        ops: &[AdminOp {
            query: fields::<MerchantQuery>,
            answers: LISTED,
            ..op("POST", || web::to(reset), "Reset the state (of one merchant, or all)")
        }],
    },
    AdminPath {
        path: "/requests",
        ops: &[AdminOp {
            query: fields::<RequestQuery>,
            answers: LISTED,
            ..op("GET", || web::to(requests), "The request journal, newest first")
        }],
    },
    AdminPath {
        path: "/callbacks",
        ops: &[AdminOp {
            query: fields::<CallbackQuery>,
            answers: LISTED,
            ..op("GET", || web::to(list_callbacks), "Callback jobs and their attempts")
        }],
    },
    AdminPath {
        path: "/callbacks/{id}",
        ops: &[AdminOp { answers: &[200, 404], ..op("GET", || web::to(get_callback), "One callback job") }],
    },
    AdminPath {
        path: "/callbacks/{id}/redeliver",
        ops: &[AdminOp { answers: &[202, 404], ..op("POST", || web::to(redeliver), "Deliver a callback again") }],
    },
    AdminPath { path: "/scenarios", ops: &[op("GET", || web::to(scenarios), "Loaded and armed scenarios")] },
    AdminPath {
        path: "/scenarios/reload",
        ops: &[AdminOp { answers: LISTED, ..op("POST", || web::to(reload), "Reload the scenario files") }],
    },
    AdminPath {
        path: "/scenarios/arm",
        ops: &[AdminOp {
            body: Some(AdminBody::Fields(fields::<ArmBody>)),
            answers: &[201, 400],
            ..op("POST", || web::to(arm), "Arm a scenario for the next matching calls")
        }],
    },
    AdminPath {
        path: "/scenarios/armed",
        ops: &[
            op("GET", || web::to(list_armed), "Armed scenarios"),
            op("DELETE", || web::to(disarm), "Disarm every armed scenario"),
        ],
    },
    AdminPath { path: "/merchants", ops: &[op("GET", || web::to(merchants), "Merchants")] },
    AdminPath {
        path: "/merchants/{code}",
        ops: &[AdminOp {
            body: Some(AdminBody::Fields(fields::<MerchantSpec>)),
            answers: &[200, 201, 400],
            ..op("PUT", || web::to(put_merchant), "Create or replace a merchant")
        }],
    },
    AdminPath {
        path: "/merchants/{code}/public-key",
        ops: &[AdminOp {
            body: Some(AdminBody::Any("the key as PEM or bare Base64 text, or {\"publicKey\": \"...\"}")),
            answers: &[200, 400, 404],
            ..op("PUT", || web::to(put_public_key), "Replace a merchant's public key")
        }],
    },
    AdminPath {
        path: "/accounts",
        ops: &[AdminOp {
            query: fields::<MerchantQuery>,
            answers: LISTED,
            ..op("GET", || web::to(accounts), "Accounts and balances")
        }],
    },
    AdminPath {
        path: "/transactions",
        ops: &[AdminOp {
            query: fields::<TransactionQuery>,
            answers: LISTED,
            ..op("GET", || web::to(transactions), "Transactions and their state")
        }],
    },
    AdminPath {
        path: "/accounts/{number}",
        ops: &[AdminOp {
            body: Some(AdminBody::Fields(fields::<AccountBody>)),
            answers: &[200, 400, 404],
            ..op("PUT", || web::to(put_account), "Set an account's balance or daily limit")
        }],
    },
    AdminPath {
        path: "/clock",
        ops: &[
            op("GET", || web::to(clock), "The sandbox clock"),
            AdminOp {
                body: Some(AdminBody::Fields(fields::<SetClockBody>)),
                answers: LISTED,
                ..op("PUT", || web::to(set_clock), "Set and freeze the sandbox clock")
            },
        ],
    },
    AdminPath {
        path: "/clock/advance",
        ops: &[AdminOp {
            body: Some(AdminBody::Fields(fields::<AdvanceBody>)),
            answers: LISTED,
            ..op("POST", || web::to(advance_clock), "Advance the sandbox clock")
        }],
    },
    AdminPath { path: "/errors", ops: &[op("GET", || web::to(errors), "The error catalogue")] },
    AdminPath {
        path: "/sink/{name}",
        ops: &[
            AdminOp {
                body: Some(AdminBody::Any("anything: the sink stores what it receives")),
                ..op("POST", || web::to(sink_store), "Store a delivery (a callback receiver)")
            },
            AdminOp {
                body: Some(AdminBody::Any("anything: the sink stores what it receives")),
                ..op("PUT", || web::to(sink_store), "Store a delivery (a callback receiver)")
            },
            AdminOp {
                query: fields::<SinkQuery>,
                answers: LISTED,
                ..op("GET", || web::to(sink_list), "Deliveries stored under this name")
            },
            op("DELETE", || web::to(sink_clear), "Forget this name's deliveries"),
        ],
    },
];

async fn openapi(req: HttpRequest) -> HttpResponse {
    let info = req.connection_info();
    HttpResponse::Ok().json(crate::openapi::document(&format!("{}://{}", info.scheme(), info.host())))
}

/// One admin path and the methods it takes; a GET also answers HEAD (health checks such as
/// `wget --spider` send it). Any other method there answers 405, in JSON, with the `Allow` header
/// naming the ones it takes.
fn endpoint(path: &str, routes: Vec<(Method, actix_web::Route)>) -> actix_web::Resource {
    let mut allowed: Vec<&str> = routes.iter().map(|(method, _)| method.as_str()).collect();
    if allowed.contains(&"GET") {
        allowed.push("HEAD");
    }
    let allow = allowed.join(", ");
    let resource = routes.into_iter().fold(web::resource(path), |resource, (method, route)| {
        let route = if method == Method::GET {
            route.guard(guard::Any(guard::Get()).or(guard::Head()))
        } else {
            route.method(method)
        };
        resource.route(route)
    });
    resource.default_service(web::to(move |req: HttpRequest| {
        let allow = allow.clone();
        async move {
            let mut response = fail(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{} is not served at {}; use {allow}", req.method(), req.path()),
            );
            if let Ok(value) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(ALLOW, value);
            }
            response
        }
    }))
}

fn fail(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(json!({"error": message.into()}))
}

/// Admin answers carry the two headers the contract puts on every answer: a request id, and the
/// scenario `default`, as no rule decides an admin call.
async fn tag_admin_response(
    req: ServiceRequest,
    next: Next<EitherBody<BoxBody>>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let id = req.app_data::<web::Data<AppState>>().map(|state| state.ids.admin_request_id());
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    headers.insert(HeaderName::from_static(SCENARIO_HEADER), HeaderValue::from_static("default"));
    Ok(response)
}

/// Off loopback, the admin API needs `Authorization: Bearer <admin token>`, except for two
/// callers that cannot hold one: container and load-balancer probes of `/health`, and callbacks
/// to the sink, which stands in for a merchant's receiver.
async fn require_admin_token(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let is_sink_delivery = req.path().starts_with("/__sandbox/sink/") && req.method() == actix_web::http::Method::POST;
    let is_probe = req.path() == "/__sandbox/health";
    if let Some(state) = state.filter(|s| !s.settings.is_loopback() && !is_sink_delivery && !is_probe) {
        let expected = state.settings.admin_token.clone().unwrap_or_default();
        let given = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if given.strip_prefix("Bearer ").map(str::trim) != Some(expected.as_str()) {
            let response = fail(StatusCode::UNAUTHORIZED, "the admin API needs Authorization: Bearer <admin token>");
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

/// The largest admin request body, in bytes (a merchant with its accounts and key fits easily).
const BODY_LIMIT: usize = 256 * 1024;

/// An admin request body, read whole. One too large or cut short answers in JSON, like every
/// other admin error (the plain extractor answers in plain text).
struct Body(web::Bytes);

impl actix_web::FromRequest for Body {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            bytes.await.map(Body).map_err(|error| {
                let status = error.as_response_error().status_code();
                let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    format!("request body over the admin API's limit of {BODY_LIMIT} bytes")
                } else {
                    format!("request body: {error}")
                };
                let response = fail(status, message);
                actix_web::error::InternalError::from_response(error, response).into()
            })
        })
    }
}

/// Parses a JSON body, naming the problem on failure: every unknown top-level key at once, not
/// only the first that serde meets.
fn body<T: DeserializeOwned>(raw: &[u8]) -> Result<T, HttpResponse> {
    let raw = if raw.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { raw };
    let invalid = |message: String| fail(StatusCode::BAD_REQUEST, format!("invalid body: {message}"));
    let mut value = crate::fields::from_json(raw).map_err(invalid)?;
    let mut unknown = Vec::new();
    let mut expected = String::new();
    loop {
        let error = match serde_json::from_value::<T>(value.clone()) {
            Ok(parsed) if unknown.is_empty() => return Ok(parsed),
            Ok(_) => break,
            Err(error) => error.to_string(),
        };
        // serde's wording: "unknown field `KEY`, expected one of `a`, `b`".
        let named = error.strip_prefix("unknown field `").and_then(|rest| rest.split_once('`'));
        match named {
            Some((key, rest)) if value.as_object_mut().is_some_and(|map| map.remove(key).is_some()) => {
                unknown.push(format!("`{key}`"));
                expected = rest.trim_start_matches(", ").to_string();
            }
            _ if unknown.is_empty() => return Err(invalid(error)),
            _ => break,
        }
    }
    let noun = if unknown.len() == 1 { "field" } else { "fields" };
    Err(invalid(format!("unknown {noun} {}, {expected}", unknown.join(", "))))
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut text = state.metrics.render(state.callbacks.queued(), state.callbacks.in_flight());
    text.push_str(&format!(
        "# HELP jenga_sandbox_waiting_requests Admin list requests waiting (wait_ms) now.\n\
         # TYPE jenga_sandbox_waiting_requests gauge\njenga_sandbox_waiting_requests {}\n",
        state.waiters.waiting()
    ));
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MerchantQuery {
    merchant: Option<String>,
}

async fn reset(state: web::Data<AppState>, query: web::Query<MerchantQuery>) -> HttpResponse {
    state.reset(query.merchant.as_deref());
    HttpResponse::Ok().json(json!({"status": "reset", "merchant": query.merchant}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestQuery {
    merchant: Option<String>,
    operation: Option<String>,
    path: Option<String>,
    reference: Option<String>,
    limit: Option<String>,
    wait_ms: Option<String>,
    count: Option<String>,
}

async fn requests(state: web::Data<AppState>, req: HttpRequest, query: web::Query<RequestQuery>) -> HttpResponse {
    let query = query.into_inner();
    let limit = match parse_limit(query.limit) {
        Ok(limit) => limit,
        Err(response) => return response,
    };
    let wait = Wait::from_query(query.wait_ms.as_deref(), query.count.as_deref());
    let filter = journal::Filter {
        merchant: query.merchant,
        operation: query.operation,
        path: query.path,
        reference: query.reference,
        limit: None,
    };
    listed(&state, &req, wait, &[state.journal.changes.notify()], limit, || Look::of(state.journal.list(&filter))).await
}

/// A list answer, after waiting when the query asked to (`wait_ms`, `count`; contract §10):
/// `count` is compared with every match, and `limit` cuts the answer afterwards.
async fn listed<T: serde::Serialize>(
    state: &AppState,
    req: &HttpRequest,
    wait: Result<Option<Wait>, String>,
    sources: &[&tokio::sync::Notify],
    limit: Option<usize>,
    mut look: impl FnMut() -> Look<T>,
) -> HttpResponse {
    let cut = |mut items: Vec<T>| {
        items.truncate(limit.unwrap_or(usize::MAX));
        items
    };
    match wait {
        Err(problem) => fail(StatusCode::BAD_REQUEST, problem),
        Ok(None) => HttpResponse::Ok().json(cut(look().items)),
        Ok(Some(wait)) => match state.waiters.until(wait, sources, req.conn_data().copied(), look).await {
            Ok((items, outcome)) => {
                HttpResponse::Ok().insert_header((WAIT_HEADER, outcome.header_value())).json(cut(items))
            }
            Err(busy) => fail(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "{} requests are already waiting, the most there may be; try again without wait_ms or later",
                    busy.limit
                ),
            ),
        },
    }
}

const WAIT_HEADER: &str = "x-sandbox-wait";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallbackQuery {
    merchant: Option<String>,
    reference: Option<String>,
    status: Option<String>,
    limit: Option<String>,
    wait_ms: Option<String>,
    count: Option<String>,
}

/// `limit` is read here rather than by serde so a bad value is named in the error.
fn parse_limit(limit: Option<String>) -> Result<Option<usize>, HttpResponse> {
    limit
        .map(|l| {
            l.parse::<usize>().map_err(|_| fail(StatusCode::BAD_REQUEST, format!("limit: {l:?} is not a whole number")))
        })
        .transpose()
}

async fn list_callbacks(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> HttpResponse {
    let query = query.into_inner();
    let limit = match parse_limit(query.limit) {
        Ok(limit) => limit,
        Err(response) => return response,
    };
    let wait = Wait::from_query(query.wait_ms.as_deref(), query.count.as_deref());
    let filter =
        callbacks::Filter { merchant: query.merchant, reference: query.reference, state: query.status, limit: None };
    listed(&state, &req, wait, &[state.callbacks.changes.notify()], limit, || Look::of(state.callbacks.list(&filter)))
        .await
}

async fn get_callback(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    match state.callbacks.get(&id) {
        Some(job) => HttpResponse::Ok().json(job),
        None => fail(StatusCode::NOT_FOUND, format!("no callback job {id}")),
    }
}

async fn redeliver(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    match state.callbacks.redeliver(&id) {
        Some(job) => HttpResponse::Accepted().json(job),
        None => fail(StatusCode::NOT_FOUND, format!("no callback job {id}")),
    }
}

async fn scenarios(state: web::Data<AppState>) -> HttpResponse {
    let set = state.scenarios.current();
    HttpResponse::Ok().json(json!({
        "files": set.files,
        "scenarios": set.scenarios.values().collect::<Vec<_>>(),
        "armed": state.scenarios.armed(),
        "lastReload": state.scenarios.last_reload(),
    }))
}

async fn reload(state: web::Data<AppState>) -> HttpResponse {
    match state.scenarios.reload(&state.settings.scenarios, state.settings.local_scenarios) {
        Ok(reloaded) => HttpResponse::Ok()
            .json(json!({"status": "reloaded", "scenarios": reloaded.scenarios, "files": reloaded.files})),
        // The running set stays in place when the files on disk are broken.
        Err(errors) => HttpResponse::BadRequest()
            .json(json!({"error": "scenario files are invalid; the previous set stays loaded", "problems": errors})),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArmBody {
    scenario: String,
    times: Option<u32>,
    operation: Option<String>,
    merchant: Option<String>,
    #[serde(rename = "match", default)]
    matches: BTreeMap<String, Value>,
}

async fn arm(state: web::Data<AppState>, Body(raw): Body) -> HttpResponse {
    let request: ArmBody = match body(&raw) {
        Ok(b) => b,
        Err(response) => return response,
    };
    let target = match Target::parse(&request.scenario) {
        Ok(t) => t,
        Err(e) => return fail(StatusCode::BAD_REQUEST, e),
    };
    if let Some(op) = &request.operation {
        if crate::operation::by_id(op).is_none() {
            let known = crate::operation::ids().join(", ");
            return fail(StatusCode::BAD_REQUEST, format!("unknown operation {op:?}; known: {known}"));
        }
    }
    if request.times == Some(0) {
        return fail(StatusCode::BAD_REQUEST, "times must be at least 1 (leave it out to fire until disarmed)");
    }
    let mut predicates = Vec::new();
    for (path, value) in &request.matches {
        if let Err(e) = crate::fields::check_path(path) {
            return fail(StatusCode::BAD_REQUEST, format!("match: {e}"));
        }
        match Predicate::from_value(value) {
            Ok(p) => predicates.push((path.clone(), p)),
            Err(e) => return fail(StatusCode::BAD_REQUEST, format!("match.{path}: {e}")),
        }
    }
    let armed = Armed {
        id: 0,
        scenario: target.label(),
        target,
        remaining: request.times,
        operation: request.operation,
        merchant: request.merchant,
        predicates,
        match_view: request.matches,
    };
    match state.scenarios.arm(armed) {
        Ok(armed) => HttpResponse::Created().json(armed),
        Err(e) => fail(StatusCode::BAD_REQUEST, e),
    }
}

async fn list_armed(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.scenarios.armed())
}

async fn disarm(state: web::Data<AppState>) -> HttpResponse {
    state.scenarios.disarm_all();
    HttpResponse::Ok().json(json!({"status": "disarmed"}))
}

async fn merchants(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.merchants.all().iter().map(|m| m.summary()).collect::<Vec<_>>())
}

async fn put_merchant(state: web::Data<AppState>, code: web::Path<String>, Body(raw): Body) -> HttpResponse {
    let spec: MerchantSpec = match body(&raw) {
        Ok(b) => b,
        Err(response) => return response,
    };
    if spec.code.as_deref().is_some_and(|c| c != code.as_str()) {
        return fail(StatusCode::BAD_REQUEST, "code in the body differs from the path");
    }
    match state.merchants.upsert(&code, spec) {
        Ok((merchant, created)) => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            HttpResponse::build(status).json(merchant.summary())
        }
        Err(e) => fail(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// Takes the key as text (PEM or bare Base64) or as `{"publicKey": "..."}`.
async fn put_public_key(state: web::Data<AppState>, code: web::Path<String>, Body(raw): Body) -> HttpResponse {
    let text = String::from_utf8_lossy(&raw).to_string();
    let key = if text.trim_start().starts_with('{') {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        struct KeyBody {
            public_key: String,
        }
        match body::<KeyBody>(&raw) {
            Ok(b) => b.public_key,
            Err(response) => return response,
        }
    } else {
        text
    };
    match state.merchants.set_public_key(&code, &key) {
        Ok(Some(merchant)) => HttpResponse::Ok().json(merchant.summary()),
        Ok(None) => {
            fail(StatusCode::NOT_FOUND, format!("no merchant {code}; create it with PUT /__sandbox/merchants/{code}"))
        }
        Err(e) => fail(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// Every account with its ledger balance (of one merchant with `?merchant=`).
async fn accounts(state: web::Data<AppState>, query: web::Query<MerchantQuery>) -> HttpResponse {
    let merchants = state.merchants.all();
    let listed: Vec<Value> = merchants
        .iter()
        .filter(|m| query.merchant.as_deref().is_none_or(|code| m.code == code))
        .flat_map(|m| {
            let state = &state;
            m.accounts.iter().map(move |a| {
                let balance = state.ledger.balance(m, &a.number).map(|b| b.to_string());
                json!({"merchant": m.code, "number": a.number, "name": a.name, "currency": a.currency,
                       "countryCode": a.country_code, "status": a.status, "balance": balance})
            })
        })
        .collect();
    HttpResponse::Ok().json(listed)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AccountBody {
    balance: Option<Value>,
    currency: Option<String>,
    merchant: Option<String>,
    daily_limit: Option<Value>,
}

/// Sets an account's balance (and currency), creating the account for the merchant if needed.
async fn put_account(state: web::Data<AppState>, number: web::Path<String>, Body(raw): Body) -> HttpResponse {
    let request: AccountBody = match body(&raw) {
        Ok(b) => b,
        Err(response) => return response,
    };
    let daily_limit = match &request.daily_limit {
        None => None,
        Some(Value::Null) => Some(None),
        Some(limit) => match Cents::from_json(limit) {
            Ok(_) => crate::fields::raw_text(limit).map(Some),
            Err(error) => return fail(StatusCode::BAD_REQUEST, format!("dailyLimit: {limit} {error}")),
        },
    };
    let cents = match &request.balance {
        None if request.daily_limit.is_some() => None,
        None => return fail(StatusCode::BAD_REQUEST, "balance: required (or dailyLimit alone)"),
        Some(balance) => match Cents::from_json(balance) {
            Ok(cents) => Some(cents),
            Err(error) => return fail(StatusCode::BAD_REQUEST, format!("balance: {balance} {error}")),
        },
    };
    let code = request.merchant.unwrap_or_else(|| crate::merchant::DEFAULT_CODE.to_string());
    let Some(merchant) = state.merchants.get(&code) else {
        return fail(StatusCode::NOT_FOUND, format!("no merchant {code}"));
    };
    let mut account = merchant.account(&number).cloned().unwrap_or_else(|| crate::merchant::Account {
        number: number.to_string(),
        currency: "KES".into(),
        country_code: "KE".into(),
        name: merchant.name.clone(),
        branch_code: String::new(),
        balance: "0.00".into(),
        status: "Active".into(),
        customer_id: String::new(),
        customer_type: "Corporate".into(),
        daily_limit: None,
    });
    if let Some(currency) = request.currency {
        account.currency = currency;
    }
    if let Some(limit) = daily_limit {
        account.daily_limit = limit;
    }
    let Some(merchant) = state.merchants.put_account(&code, account.clone()) else {
        return fail(StatusCode::NOT_FOUND, format!("no merchant {code}"));
    };
    if let Some(cents) = cents {
        if let Err(error) = state.ledger.set(&merchant, &number, cents, state.clock.now_ms()) {
            return fail(StatusCode::BAD_REQUEST, format!("balance: {error}"));
        }
    }
    let cents = state.ledger.balance(&merchant, &number).unwrap_or_default();
    HttpResponse::Ok().json(json!({"merchant": code, "number": account.number, "currency": account.currency,
                                   "balance": cents.to_string(), "dailyLimit": account.daily_limit}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransactionQuery {
    merchant: Option<String>,
    reference: Option<String>,
    /// A state as listed (`pending`, `success`, `failed`, `cancelled`; any case).
    status: Option<String>,
    limit: Option<String>,
    wait_ms: Option<String>,
    count: Option<String>,
}

/// Transactions with their state now (on the sandbox clock), newest first.
async fn transactions(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<TransactionQuery>,
) -> HttpResponse {
    let query = query.into_inner();
    let limit = match parse_limit(query.limit) {
        Ok(limit) => limit,
        Err(response) => return response,
    };
    let wait = Wait::from_query(query.wait_ms.as_deref(), query.count.as_deref());
    let look = || {
        let now = state.clock.now_ms();
        let mut next_step: Option<i64> = None;
        let mut items = Vec::new();
        for t in state.transactions.list(query.merchant.as_deref(), usize::MAX) {
            if query.reference.as_deref().is_some_and(|r| t.reference != r) {
                continue;
            }
            if let Some(at) = t.steps.iter().map(|step| step.0).filter(|at| *at > now).min() {
                next_step = Some(next_step.map_or(at, |n| n.min(at)));
            }
            let status = t.status_at(now);
            if query.status.as_deref().is_some_and(|s| !s.eq_ignore_ascii_case(status.state)) {
                continue;
            }
            items.push(json!({
                "merchant": t.merchant, "reference": t.reference, "serviceName": t.service_name,
                "amount": t.amount.to_json_number(), "charge": t.charge.to_json_number(),
                "createdAt": crate::clock::iso_ms(crate::clock::Clock::at(t.created_ms)),
                "state": status.state, "stateCode": status.state_code, "code": status.code, "message": status.message,
            }));
        }
        // A running clock reaches the next step by itself; a frozen one only when moved, which
        // the clock announces.
        let changes_in = next_step
            .filter(|_| !state.clock.is_frozen())
            .map(|at| std::time::Duration::from_millis(u64::try_from(at - now).unwrap_or(0)));
        Look { items, changes_in }
    };
    listed(&state, &req, wait, &[state.transactions.changes.notify(), state.clock.changes()], limit, look).await
}

fn clock_view(state: &AppState) -> Value {
    json!({
        "now": crate::clock::iso_ms(state.clock.now()),
        "offsetMs": state.clock.offset_ms(),
        "frozen": state.clock.is_frozen(),
    })
}

async fn clock(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(clock_view(&state))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetClockBody {
    now: Option<String>,
    frozen: Option<bool>,
}

/// `PUT /__sandbox/clock`: set the time, freeze or release it. Frozen, every timestamp the
/// sandbox writes is this instant until it is advanced, set again or reset.
async fn set_clock(state: web::Data<AppState>, Body(raw): Body) -> HttpResponse {
    let request: SetClockBody = match body(&raw) {
        Ok(b) => b,
        Err(response) => return response,
    };
    let now = match request.now.as_deref().map(chrono::DateTime::parse_from_rfc3339).transpose() {
        Ok(now) => now.map(|t| t.timestamp_millis()),
        Err(e) => {
            return fail(
                StatusCode::BAD_REQUEST,
                format!(
                    "now: {:?} is not an RFC 3339 time such as 2026-01-31T12:00:00Z ({e})",
                    request.now.unwrap_or_default()
                ),
            )
        }
    };
    if state.clock.set(now, request.frozen).is_err() {
        return fail(
            StatusCode::BAD_REQUEST,
            format!(
                "now: the sandbox clock runs from 1970-01-01T00:00:00Z to {}",
                crate::clock::iso(crate::clock::Clock::at(crate::clock::LATEST_MS))
            ),
        );
    }
    state.callbacks.wake();
    HttpResponse::Ok().json(clock_view(&state))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    seconds: f64,
}

async fn advance_clock(state: web::Data<AppState>, Body(raw): Body) -> HttpResponse {
    let request: AdvanceBody = match body(&raw) {
        Ok(b) => b,
        Err(response) => return response,
    };
    if !(request.seconds.is_finite() && request.seconds >= 0.0) {
        return fail(
            StatusCode::BAD_REQUEST,
            "seconds must be a number of seconds, 0 or more (the clock only moves forward)",
        );
    }
    // A float too large for i64 saturates, and the clock refuses it below.
    if let Err(crate::clock::OutOfRange { room_ms }) = state.clock.advance((request.seconds * 1000.0) as i64) {
        return fail(
            StatusCode::BAD_REQUEST,
            format!(
                "seconds: {} would take the sandbox clock past {}; at most {} more seconds",
                request.seconds,
                crate::clock::iso(crate::clock::Clock::at(crate::clock::LATEST_MS)),
                room_ms / 1000
            ),
        );
    }
    state.callbacks.wake();
    HttpResponse::Ok().json(clock_view(&state))
}

async fn errors() -> HttpResponse {
    HttpResponse::Ok().json(CATALOGUE)
}

async fn sink_store(
    state: web::Data<AppState>,
    name: web::Path<String>,
    req: HttpRequest,
    Body(raw): Body,
) -> HttpResponse {
    let headers = crate::pipeline::header_map(&req);
    let id = state.sink.store(&name, state.clock.now_ms(), headers, &raw);
    HttpResponse::Ok().json(json!({"status": "received", "id": id}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SinkQuery {
    limit: Option<String>,
    wait_ms: Option<String>,
    count: Option<String>,
}

async fn sink_list(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    query: web::Query<SinkQuery>,
) -> HttpResponse {
    let limit = match parse_limit(query.limit.clone()) {
        Ok(limit) => limit,
        Err(response) => return response,
    };
    let wait = Wait::from_query(query.wait_ms.as_deref(), query.count.as_deref());
    listed(&state, &req, wait, &[state.sink.changes.notify()], limit, || Look::of(state.sink.list(&name))).await
}

async fn sink_clear(state: web::Data<AppState>, name: web::Path<String>) -> HttpResponse {
    state.sink.clear(&name);
    HttpResponse::Ok().json(json!({"status": "cleared"}))
}
