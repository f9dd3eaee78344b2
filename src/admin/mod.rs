//! The control plane under `/__sandbox` (contract §7): health, reset, journal, callbacks,
//! scenarios, merchants, clock and the error catalogue. JSON in and out; unknown keys in a body
//! are refused by name.
//!
//! Each resource's handlers live in a file of their own; an admin call is its handler there and a
//! row in [`ROUTES`]. Every failure answers through [`error::AdminError`].

mod accounts;
mod body;
mod callbacks;
mod clock;
mod dashboard;
mod error;
mod journal;
mod listing;
mod merchants;
mod query;
mod scenarios;
mod simulate;
mod sink;
mod status;
pub(crate) mod table;
mod transactions;

use crate::merchant::MerchantSpec;
use crate::pipeline::{REQUEST_ID_HEADER, SCENARIO_HEADER};
use crate::proxy::Proxy;
use crate::state::AppState;
use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, ALLOW};
use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::{guard, web, HttpRequest, HttpResponse};
use body::BODY_LIMIT;
use error::AdminError;
use query::MerchantQuery;
use serde_json::json;
use table::{fields, op, LISTED};
use table::{AdminBody, AdminOp, AdminPath};

pub(crate) fn scope() -> actix_web::Scope<
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
            actix_web::error::InternalError::from_response(error, AdminError::bad_request(message).response()).into()
        }))
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        .app_data(web::PathConfig::default().error_handler(|error, _| {
            let message = format!("invalid path: {error}");
            actix_web::error::InternalError::from_response(error, AdminError::bad_request(message).response()).into()
        }))
        .default_service(web::to(|req: HttpRequest| async move {
            AdminError::not_found(format!("no admin endpoint at {} {}", req.method(), req.path())).response()
        }));
    ROUTES.iter().fold(scope, |scope, path| {
        scope.service(endpoint(path.path, path.ops.iter().map(|op| (op.method(), (op.route)())).collect()))
    })
}

/// The one list of admin paths, read by the router and by the API description.
pub(crate) static ROUTES: &[AdminPath] = &[
    AdminPath { path: "/health", ops: &[op("GET", || web::to(status::health), "Liveness")] },
    AdminPath {
        path: "/metrics",
        ops: &[AdminOp { media: "text/plain", ..op("GET", || web::to(status::metrics), "Prometheus metrics") }],
    },
    AdminPath {
        path: "/openapi.json",
        ops: &[op("GET", || web::to(|req| status::openapi(req, ROUTES)), "This API description (OpenAPI 3.1)")],
    },
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
            query: fields::<journal::RequestQuery>,
            answers: LISTED,
            ..op("GET", || web::to(journal::requests), "The request journal, newest first")
        }],
    },
    AdminPath {
        path: "/callbacks",
        ops: &[AdminOp {
            query: fields::<callbacks::CallbackQuery>,
            answers: LISTED,
            ..op("GET", || web::to(callbacks::list), "Callback jobs and their attempts")
        }],
    },
    AdminPath {
        path: "/callbacks/{id}",
        ops: &[AdminOp { answers: &[200, 404], ..op("GET", || web::to(callbacks::get), "One callback job") }],
    },
    AdminPath {
        path: "/callbacks/{id}/redeliver",
        ops: &[AdminOp {
            answers: &[202, 404],
            ..op("POST", || web::to(callbacks::redeliver), "Deliver a callback again")
        }],
    },
    AdminPath { path: "/scenarios", ops: &[op("GET", || web::to(scenarios::list), "Loaded and armed scenarios")] },
    AdminPath {
        path: "/scenarios/reload",
        ops: &[AdminOp { answers: LISTED, ..op("POST", || web::to(scenarios::reload), "Reload the scenario files") }],
    },
    AdminPath {
        path: "/scenarios/arm",
        ops: &[AdminOp {
            body: Some(AdminBody::Fields(fields::<scenarios::ArmBody>)),
            answers: &[201, 400],
            ..op("POST", || web::to(scenarios::arm), "Arm a scenario for the next matching calls")
        }],
    },
    AdminPath {
        path: "/scenarios/armed",
        ops: &[
            op("GET", || web::to(scenarios::list_armed), "Armed scenarios"),
            op("DELETE", || web::to(scenarios::disarm), "Disarm every armed scenario"),
        ],
    },
    AdminPath { path: "/merchants", ops: &[op("GET", || web::to(merchants::list), "Merchants")] },
    AdminPath {
        path: "/merchants/{code}",
        ops: &[AdminOp {
            body: Some(AdminBody::Fields(fields::<MerchantSpec>)),
            answers: &[200, 201, 400],
            ..op("PUT", || web::to(merchants::put), "Create or replace a merchant")
        }],
    },
    AdminPath {
        path: "/merchants/{code}/public-key",
        ops: &[AdminOp {
            body: Some(AdminBody::Any("the key as PEM or bare Base64 text, or {\"publicKey\": \"...\"}")),
            answers: &[200, 400, 404],
            ..op("PUT", || web::to(merchants::put_public_key), "Replace a merchant's public key")
        }],
    },
    AdminPath {
        path: "/accounts",
        ops: &[AdminOp {
            query: fields::<MerchantQuery>,
            answers: LISTED,
            ..op("GET", || web::to(accounts::list), "Accounts and balances")
        }],
    },
    AdminPath {
        path: "/transactions",
        ops: &[AdminOp {
            query: fields::<transactions::TransactionQuery>,
            answers: LISTED,
            ..op("GET", || web::to(transactions::list), "Transactions and their state")
        }],
    },
    AdminPath {
        path: "/accounts/{number}",
        ops: &[AdminOp {
            body: Some(AdminBody::Fields(fields::<accounts::AccountBody>)),
            answers: &[200, 400, 404],
            ..op("PUT", || web::to(accounts::put), "Set an account's balance or daily limit")
        }],
    },
    AdminPath {
        path: "/clock",
        ops: &[
            AdminOp {
                query: fields::<MerchantQuery>,
                answers: &[200, 404],
                ..op("GET", || web::to(clock::get), "The sandbox clock (a merchant's own with ?merchant=)")
            },
            AdminOp {
                query: fields::<MerchantQuery>,
                body: Some(AdminBody::Fields(fields::<clock::SetClockBody>)),
                answers: &[200, 400, 404],
                ..op("PUT", || web::to(clock::set), "Set and freeze the sandbox clock (every merchant's, or one's)")
            },
        ],
    },
    AdminPath {
        path: "/clock/advance",
        ops: &[AdminOp {
            query: fields::<MerchantQuery>,
            body: Some(AdminBody::Fields(fields::<clock::AdvanceBody>)),
            answers: &[200, 400, 404],
            ..op("POST", || web::to(clock::advance), "Advance the sandbox clock (every merchant's, or one's)")
        }],
    },
    AdminPath {
        path: "/accounts/{number}/statement",
        ops: &[AdminOp {
            query: fields::<MerchantQuery>,
            answers: &[200, 400, 404],
            ..op("GET", || web::to(accounts::statement), "An account's statement lines, oldest first")
        }],
    },
    AdminPath { path: "/errors", ops: &[op("GET", || web::to(status::errors), "The error catalogue")] },
    AdminPath {
        path: "/diff",
        ops: &[op(
            "GET",
            || web::to(crate::proxy::diff_view),
            "Proxy mode: how the sandbox's answers differ from the upstream's",
        )],
    },
    AdminPath {
        path: "/events",
        ops: &[AdminOp {
            answers: &[200, 429],
            media: "text/event-stream",
            ..op("GET", || web::to(dashboard::events), "Server-sent events naming the views that changed")
        }],
    },
    AdminPath {
        path: "/ui",
        ops: &[AdminOp { media: "text/html", ..op("GET", || web::to(crate::dashboard::page), "The dashboard") }],
    },
    AdminPath {
        path: "/ui/app.css",
        ops: &[AdminOp { media: "text/css", ..op("GET", || web::to(dashboard::asset), "The dashboard's style sheet") }],
    },
    AdminPath {
        path: "/ui/{script}",
        ops: &[AdminOp {
            answers: &[200, 404],
            media: "text/javascript",
            ..op("GET", || web::to(dashboard::asset), "A module of the dashboard's script (app.js imports the rest)")
        }],
    },
    AdminPath {
        path: "/simulate/payment",
        ops: &[AdminOp {
            body: Some(AdminBody::Fields(fields::<simulate::SimulatedPayment>)),
            answers: &[201, 400, 404, 409],
            ..op("POST", || web::to(simulate::payment), "A customer's payment into an account: credit, IPN and alerts")
        }],
    },
    AdminPath {
        path: "/sink/{name}",
        ops: &[
            AdminOp {
                body: Some(AdminBody::Any("anything: the sink stores what it receives")),
                ..op("POST", || web::to(sink::store), "Store a delivery (a callback receiver)")
            },
            AdminOp {
                body: Some(AdminBody::Any("anything: the sink stores what it receives")),
                ..op("PUT", || web::to(sink::store), "Store a delivery (a callback receiver)")
            },
            AdminOp {
                query: fields::<sink::SinkQuery>,
                answers: LISTED,
                ..op("GET", || web::to(sink::list), "Deliveries stored under this name")
            },
            op("DELETE", || web::to(sink::clear), "Forget this name's deliveries"),
        ],
    },
    AdminPath {
        path: "/sink/{merchant}/{name}",
        ops: &[
            AdminOp {
                body: Some(AdminBody::Any("anything: the sink stores what it receives")),
                ..op("POST", || web::to(sink::store), "Store a delivery under a merchant's own name")
            },
            AdminOp {
                body: Some(AdminBody::Any("anything: the sink stores what it receives")),
                ..op("PUT", || web::to(sink::store), "Store a delivery under a merchant's own name")
            },
            AdminOp {
                query: fields::<sink::SinkQuery>,
                answers: LISTED,
                ..op("GET", || web::to(sink::list), "Deliveries stored under this merchant's own name")
            },
            op("DELETE", || web::to(sink::clear), "Forget the deliveries of this merchant's own name"),
        ],
    },
];

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
            let mut response = AdminError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{} is not served at {}; use {allow}", req.method(), req.path()),
            )
            .response();
            if let Ok(value) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(ALLOW, value);
            }
            response
        }
    }))
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

/// Off loopback, the admin API needs `Authorization: Bearer <admin token>`, except for three
/// callers that cannot hold one: container and load-balancer probes of `/health`, callbacks to
/// the sink, which stands in for a merchant's receiver, and a browser opening the dashboard,
/// whose page holds no data and asks for the token to send on its own calls.
async fn require_admin_token(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let is_sink_delivery = req.path().starts_with("/__sandbox/sink/") && req.method() == actix_web::http::Method::POST;
    let is_probe = req.path() == "/__sandbox/health";
    let is_page = req.path().strip_prefix("/__sandbox").is_some_and(crate::dashboard::is_asset);
    if let Some(state) = state.filter(|s| !s.settings.is_loopback() && !is_sink_delivery && !is_probe && !is_page) {
        let expected = state.settings.admin_token.clone().unwrap_or_default();
        let given = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if given.strip_prefix("Bearer ").map(str::trim) != Some(expected.as_str()) {
            let response =
                AdminError::new(StatusCode::UNAUTHORIZED, "the admin API needs Authorization: Bearer <admin token>")
                    .response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

async fn reset(
    state: web::Data<AppState>,
    proxy: Option<web::Data<Proxy>>,
    query: web::Query<MerchantQuery>,
) -> HttpResponse {
    state.reset(query.merchant.as_deref());
    if let Some(proxy) = &proxy {
        proxy.reset(query.merchant.as_deref());
    }
    HttpResponse::Ok().json(json!({"status": "reset", "merchant": query.merchant}))
}
