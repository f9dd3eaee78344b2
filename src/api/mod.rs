//! The mocked Jenga surface: each product family in its own module, mounted at the paths Jenga
//! publishes. Handlers are thin: they name their operation's spec and hand over to the pipeline.

pub mod accounts;
pub mod airtime;
pub mod alerts;
pub mod authentication;
pub mod cards;
pub mod checkout;
pub mod closest;
pub mod eazzypay;
pub mod kyc;
pub mod payments;
pub mod queries;
pub mod remittance_queries;
pub mod send_money;
pub mod stk_push;
pub mod transactions;

use crate::envelope::Failure;
use crate::pipeline::{self, Spec};
use crate::state::AppState;
use actix_web::http::header::{HeaderValue, ALLOW};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

/// Mounts every API path on the actix service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    table(&mut Mounter(cfg));
}

/// Every mounted (method, path) and what it serves, for the API description.
pub fn described() -> Vec<Described> {
    let mut recorder = Recorder(Vec::new());
    table(&mut recorder);
    recorder.0
}

/// The specs a path may answer with; where a path parameter picks one (`{rail}`, `{call}`),
/// the value that picks it.
#[derive(Clone)]
pub struct Serves {
    pub picked_by: Option<&'static str>,
    pub specs: Vec<(Option<&'static str>, &'static Spec)>,
}

impl Serves {
    pub fn one(spec: &'static Spec) -> Self {
        Self { picked_by: None, specs: vec![(None, spec)] }
    }

    /// Any of these, chosen by the body or the headers.
    pub fn any(specs: &[&'static Spec]) -> Self {
        Self { picked_by: None, specs: specs.iter().map(|spec| (None, *spec)).collect() }
    }
}

pub struct Described {
    pub method: Method,
    pub path: String,
    pub serves: Serves,
}

/// Where the table's routes go: mounted on the service, or recorded for the description.
trait Router {
    fn mount<F, Args>(&mut self, path: &str, method: Method, handler: F, serves: Serves)
    where
        F: actix_web::Handler<Args>,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static;
}

struct Mounter<'a>(&'a mut web::ServiceConfig);

impl Router for Mounter<'_> {
    fn mount<F, Args>(&mut self, path: &str, method: Method, handler: F, _: Serves)
    where
        F: actix_web::Handler<Args>,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
    {
        mount(self.0, path, method, handler);
    }
}

struct Recorder(Vec<Described>);

impl Router for Recorder {
    fn mount<F, Args>(&mut self, path: &str, method: Method, _: F, serves: Serves)
    where
        F: actix_web::Handler<Args>,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
    {
        self.0.push(Described { method, path: path.to_string(), serves });
    }
}

/// The one list of API paths, read by the router and by the API description.
fn table(cfg: &mut impl Router) {
    let one = Serves::one;
    route(
        cfg,
        "/authentication/api/v3/authenticate/merchant",
        Method::POST,
        authentication::authenticate,
        one(&authentication::SPEC),
    );
    route(
        cfg,
        "/v3-apis/payment-api/v3.0/stkussdpush/initiate",
        Method::POST,
        stk_push::initiate,
        one(&stk_push::SPEC),
    );
    route(
        cfg,
        "/v3-apis/account-api/v3.0/accounts/balances/{countryCode}/{accountId}",
        Method::GET,
        accounts::get_balance,
        one(&accounts::BALANCE),
    );
    route(
        cfg,
        "/v3-apis/account-api/v3.0/accounts/search/{countryCode}/{accountNumber}",
        Method::GET,
        accounts::get_inquiry,
        one(&accounts::INQUIRY),
    );
    // Paraphrases of the doc give this shorter path; published SDKs use the one above.
    route(
        cfg,
        "/v3-apis/account-api/v3.0/search/{countryCode}/{accountNumber}",
        Method::GET,
        accounts::get_inquiry,
        one(&accounts::INQUIRY),
    );
    route(
        cfg,
        "/v3-apis/account-api/v3.0/account/validate",
        Method::POST,
        accounts::post_validation,
        one(&accounts::VALIDATION),
    );
    route(
        cfg,
        "/v3-apis/account-api/v3.0/accounts/miniStatement/{countryCode}/{accountNumber}",
        Method::GET,
        accounts::get_mini_statement,
        one(&accounts::MINI),
    );
    route(
        cfg,
        "/v3-apis/account-api/v3.0/accounts/accountBalance/query",
        Method::POST,
        accounts::post_opening_closing,
        one(&accounts::OPENING_CLOSING),
    );
    route(
        cfg,
        "/v3-apis/account-api/v3.0/accounts/fullStatement",
        Method::POST,
        accounts::post_full_statement,
        one(&accounts::FULL),
    );
    route(cfg, "/v3-apis/transaction-api/v3.0/billers", Method::GET, queries::get_billers, one(&queries::BILLERS_SPEC));
    route(
        cfg,
        "/v3-apis/transaction-api/v3.0/merchants",
        Method::GET,
        queries::get_merchants,
        one(&queries::MERCHANTS_SPEC),
    );
    route(
        cfg,
        "/v3-apis/transaction-api/v3.0/foreignExchangeRates",
        Method::POST,
        queries::post_forex,
        one(&queries::FOREX_SPEC),
    );
    route(cfg, "/v3-apis/v3.0/validate/identity", Method::POST, kyc::verify, one(&kyc::SPEC));
    route(cfg, "/v3-apis/transaction-api/v3.0/airtime", Method::POST, airtime::purchase, one(&airtime::SPEC));
    // A doc example and one SDK version post airtime here.
    route(cfg, "/v3-apis/airtime", Method::POST, airtime::purchase, one(&airtime::SPEC));
    route(cfg, "/v3-apis/transaction-api/v3.0/bills/pay", Method::POST, payments::bill_payment, one(&payments::BILL));
    route(
        cfg,
        "/v3-apis/transaction-api/v3.0/bills/validation",
        Method::POST,
        payments::bill_validation,
        one(&payments::VALIDATION),
    );
    route(cfg, "/v3-apis/transaction-api/v3.0/tills/pay", Method::POST, payments::till_payment, one(&payments::TILL));
    route(
        cfg,
        "/v3-apis/transaction-api/v3.0/remittance/{rail}",
        Method::POST,
        send_money::send,
        send_money::serves(false),
    );
    route(
        cfg,
        "/v3-apis/transaction-api/v3.0/remittance/{rail}/imt",
        Method::POST,
        send_money::send,
        send_money::serves(true),
    );
    route(cfg, "/v3-apis/v3.0/validate/crb", Method::POST, kyc::crb, one(&kyc::CRB_SPEC));
    route(
        cfg,
        "/api-checkout/mpesa-stk-push/v3.0/init",
        Method::POST,
        checkout::post_wallet_stk,
        one(&checkout::WALLET_STK_SPEC),
    );
    route(
        cfg,
        "/api-checkout/mpesa-stk-push/v3.0/status/order/{orderReference}",
        Method::GET,
        checkout::get_order_status,
        one(&checkout::ORDER_STATUS_SPEC),
    );
    route(
        cfg,
        "/api-checkout/api/v1/create/payment-link",
        Method::POST,
        checkout::post_payment_link,
        one(&checkout::PAYMENT_LINK_SPEC),
    );
    // The SDKs call v3.1, the doc v3.2.
    for version in ["v3.1", "v3.2"] {
        let path = format!("/mpgs-direct-integration/api/{version}/{{call}}");
        route(cfg, &path, Method::POST, cards::serve, cards::serves(version == "v3.1"));
    }
    // The documented path, then the paths published SDKs call (reference §8.1, §14).
    for path in ["transactions/details", "payments/details", "transaction"] {
        // The SDK paths take calls with no signature too.
        let serves = if path == "transactions/details" {
            one(&transactions::SPEC)
        } else {
            Serves::any(&[&transactions::SPEC, &transactions::SDK_UNSIGNED_SPEC])
        };
        let path = format!("/v3-apis/transaction-api/v3.0/{path}/{{ref}}");
        route(cfg, &path, Method::GET, transactions::details, serves);
    }
    for service in ["transaction-test", "transaction"] {
        let v2 = |path: &str| format!("/{service}/v2/{path}");
        route(cfg, &v2("payments/details/{ref}"), Method::GET, transactions::details, one(&transactions::V2_SPEC));
        route(cfg, &v2("remittance"), Method::POST, send_money::send_v2, send_money::serves_v2());
        route(
            cfg,
            &v2("pesalink/inquire"),
            Method::POST,
            remittance_queries::post_pesalink_inquiry,
            one(&remittance_queries::INQUIRY_SPEC),
        );
        route(
            cfg,
            &v2("b2c/status/query"),
            Method::POST,
            remittance_queries::post_b2c_status,
            one(&remittance_queries::B2C_SPEC),
        );
        route(cfg, &v2("payments"), Method::POST, eazzypay::post_push, one(&eazzypay::PUSH_SPEC));
        route(cfg, &v2("payments/refund"), Method::POST, eazzypay::post_refund, one(&eazzypay::REFUND_SPEC));
        route(cfg, &v2("payments/{ref}"), Method::GET, eazzypay::get_status, one(&eazzypay::STATUS_SPEC));
        route(cfg, &v2("payment/mpesastkpush"), Method::POST, eazzypay::post_mpesa, one(&eazzypay::MPESA_SPEC));
        route(cfg, &v2("bills/pay"), Method::POST, payments::bill_payment, one(&payments::BILL));
        route(cfg, &v2("bills/validation"), Method::POST, payments::bill_validation, one(&payments::VALIDATION));
        route(cfg, &v2("tills/pay"), Method::POST, payments::till_payment, one(&payments::TILL));
        route(cfg, &v2("billers"), Method::GET, queries::get_billers, one(&queries::BILLERS_SPEC));
        route(cfg, &v2("merchants"), Method::GET, queries::get_merchants, one(&queries::MERCHANTS_SPEC));
        route(cfg, &v2("airtime"), Method::POST, airtime::purchase, one(&airtime::SPEC));
        route(cfg, &v2("foreignexchangerates"), Method::POST, queries::post_forex, one(&queries::FOREX_SPEC));
    }
    for service in ["customer-test", "customer"] {
        route(cfg, &format!("/{service}/v2/identity/verify"), Method::POST, kyc::verify, one(&kyc::SPEC));
        route(cfg, &format!("/{service}/v2/creditinfo"), Method::POST, kyc::credit_info, one(&kyc::CREDIT_SPEC));
    }
    for service in ["identity-test", "identity"] {
        let path = format!("/{service}/v2/token");
        route(cfg, &path, Method::POST, authentication::token_v2, one(&authentication::V2_SPEC));
    }
    for service in ["account-test", "account"] {
        let v2 = |path: &str| format!("/{service}/v2/{path}");
        route(
            cfg,
            &v2("accounts/balances/{countryCode}/{accountId}"),
            Method::GET,
            accounts::get_balance,
            one(&accounts::BALANCE),
        );
        route(
            cfg,
            &v2("search/{countryCode}/{accountNumber}"),
            Method::GET,
            accounts::get_inquiry,
            one(&accounts::INQUIRY),
        );
        route(
            cfg,
            &v2("accounts/ministatement/{countryCode}/{accountNumber}"),
            Method::GET,
            accounts::get_mini_statement,
            one(&accounts::MINI),
        );
        route(
            cfg,
            &v2("accounts/accountbalance/query"),
            Method::POST,
            accounts::post_opening_closing,
            one(&accounts::OPENING_CLOSING),
        );
        route(cfg, &v2("accounts/fullstatement"), Method::POST, accounts::post_full_statement, one(&accounts::FULL));
    }
}

/// Mounts one path for one method; other methods answer 405 in the path's envelope. A camelCase
/// path is also mounted in lower case: one v3 guide writes `accountbalance/query`.
fn route<F, Args>(cfg: &mut impl Router, path: &str, method: Method, handler: F, serves: Serves)
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    let lower: Vec<String> = path
        .split('/')
        .map(|segment| if segment.starts_with('{') { segment.to_string() } else { segment.to_lowercase() })
        .collect();
    let lower = lower.join("/");
    if lower != path {
        cfg.mount(&lower, method.clone(), handler.clone(), serves.clone());
    }
    cfg.mount(path, method, handler, serves);
}

fn mount<F, Args>(cfg: &mut web::ServiceConfig, path: &str, method: Method, handler: F)
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    let allowed = method.to_string();
    cfg.service(web::resource(path).route(web::method(method).to(handler)).default_service(web::to(
        move |state: web::Data<AppState>, req: HttpRequest, payload: web::Payload| {
            let detail = format!("{} is not served at {}; use {allowed}", req.method(), req.path());
            let allow = HeaderValue::from_str(&allowed);
            async move {
                let mut response =
                    pipeline::unmatched(&state, &req, payload, Failure::http("METHOD_NOT_ALLOWED", Some(detail))).await;
                if let Ok(allow) = allow {
                    response.headers_mut().insert(ALLOW, allow);
                }
                response
            }
        },
    )));
}

/// Any path the sandbox does not serve.
pub async fn not_found(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let mut detail = format!("no Jenga endpoint at {} {}", req.method(), req.path());
    let near = closest::served_paths_near(req.path());
    if !near.is_empty() {
        detail.push_str(&format!("; did you mean {}?", near.join(" or ")));
    }
    pipeline::unmatched(&state, &req, payload, Failure::http("NOT_FOUND", Some(detail))).await
}
