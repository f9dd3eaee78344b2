//! The mocked Jenga surface: each product family in its own module, mounted at the paths Jenga
//! publishes. Handlers are thin: they name their operation's spec and hand over to the pipeline.

pub mod accounts;
pub mod airtime;
pub mod alerts;
pub mod authentication;
pub mod cards;
pub mod checkout;
pub mod eazzypay;
pub mod kyc;
pub mod payments;
pub mod queries;
pub mod remittance_queries;
pub mod send_money;
pub mod stk_push;
pub mod transactions;

use crate::envelope::Failure;
use crate::pipeline;
use crate::state::AppState;
use actix_web::http::header::{HeaderValue, ALLOW};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    route(cfg, "/authentication/api/v3/authenticate/merchant", Method::POST, authentication::authenticate);
    route(cfg, "/v3-apis/payment-api/v3.0/stkussdpush/initiate", Method::POST, stk_push::initiate);
    route(
        cfg,
        "/v3-apis/account-api/v3.0/accounts/balances/{countryCode}/{accountId}",
        Method::GET,
        accounts::get_balance,
    );
    route(
        cfg,
        "/v3-apis/account-api/v3.0/accounts/search/{countryCode}/{accountNumber}",
        Method::GET,
        accounts::get_inquiry,
    );
    // Paraphrases of the doc give this shorter path; published SDKs use the one above.
    route(cfg, "/v3-apis/account-api/v3.0/search/{countryCode}/{accountNumber}", Method::GET, accounts::get_inquiry);
    route(cfg, "/v3-apis/account-api/v3.0/account/validate", Method::POST, accounts::post_validation);
    route(
        cfg,
        "/v3-apis/account-api/v3.0/accounts/miniStatement/{countryCode}/{accountNumber}",
        Method::GET,
        accounts::get_mini_statement,
    );
    route(cfg, "/v3-apis/account-api/v3.0/accounts/accountBalance/query", Method::POST, accounts::post_opening_closing);
    route(cfg, "/v3-apis/account-api/v3.0/accounts/fullStatement", Method::POST, accounts::post_full_statement);
    route(cfg, "/v3-apis/transaction-api/v3.0/billers", Method::GET, queries::get_billers);
    route(cfg, "/v3-apis/transaction-api/v3.0/merchants", Method::GET, queries::get_merchants);
    route(cfg, "/v3-apis/transaction-api/v3.0/foreignExchangeRates", Method::POST, queries::post_forex);
    route(cfg, "/v3-apis/v3.0/validate/identity", Method::POST, kyc::verify);
    route(cfg, "/v3-apis/transaction-api/v3.0/airtime", Method::POST, airtime::purchase);
    // A doc example and one SDK version post airtime here.
    route(cfg, "/v3-apis/airtime", Method::POST, airtime::purchase);
    route(cfg, "/v3-apis/transaction-api/v3.0/bills/pay", Method::POST, payments::bill_payment);
    route(cfg, "/v3-apis/transaction-api/v3.0/bills/validation", Method::POST, payments::bill_validation);
    route(cfg, "/v3-apis/transaction-api/v3.0/tills/pay", Method::POST, payments::till_payment);
    route(cfg, "/v3-apis/transaction-api/v3.0/remittance/{rail}", Method::POST, send_money::send);
    route(cfg, "/v3-apis/transaction-api/v3.0/remittance/{rail}/imt", Method::POST, send_money::send);
    route(cfg, "/v3-apis/v3.0/validate/crb", Method::POST, kyc::crb);
    route(cfg, "/api-checkout/mpesa-stk-push/v3.0/init", Method::POST, checkout::post_wallet_stk);
    route(
        cfg,
        "/api-checkout/mpesa-stk-push/v3.0/status/order/{orderReference}",
        Method::GET,
        checkout::get_order_status,
    );
    route(cfg, "/api-checkout/api/v1/create/payment-link", Method::POST, checkout::post_payment_link);
    // The SDKs call v3.1, the doc v3.2.
    for version in ["v3.1", "v3.2"] {
        route(cfg, &format!("/mpgs-direct-integration/api/{version}/{{call}}"), Method::POST, cards::serve);
    }
    // The documented path, then the paths published SDKs call (reference §8.1, §14).
    for path in ["transactions/details", "payments/details", "transaction"] {
        route(cfg, &format!("/v3-apis/transaction-api/v3.0/{path}/{{ref}}"), Method::GET, transactions::details);
    }
    for service in ["transaction-test", "transaction"] {
        let v2 = |path: &str| format!("/{service}/v2/{path}");
        route(cfg, &v2("payments/details/{ref}"), Method::GET, transactions::details);
        route(cfg, &v2("remittance"), Method::POST, send_money::send_v2);
        route(cfg, &v2("pesalink/inquire"), Method::POST, remittance_queries::post_pesalink_inquiry);
        route(cfg, &v2("b2c/status/query"), Method::POST, remittance_queries::post_b2c_status);
        route(cfg, &v2("payments"), Method::POST, eazzypay::post_push);
        route(cfg, &v2("payments/refund"), Method::POST, eazzypay::post_refund);
        route(cfg, &v2("payments/{ref}"), Method::GET, eazzypay::get_status);
        route(cfg, &v2("payment/mpesastkpush"), Method::POST, eazzypay::post_mpesa);
        route(cfg, &v2("bills/pay"), Method::POST, payments::bill_payment);
        route(cfg, &v2("bills/validation"), Method::POST, payments::bill_validation);
        route(cfg, &v2("tills/pay"), Method::POST, payments::till_payment);
        route(cfg, &v2("billers"), Method::GET, queries::get_billers);
        route(cfg, &v2("merchants"), Method::GET, queries::get_merchants);
        route(cfg, &v2("airtime"), Method::POST, airtime::purchase);
        route(cfg, &v2("foreignexchangerates"), Method::POST, queries::post_forex);
    }
    for service in ["customer-test", "customer"] {
        route(cfg, &format!("/{service}/v2/identity/verify"), Method::POST, kyc::verify);
        route(cfg, &format!("/{service}/v2/creditinfo"), Method::POST, kyc::credit_info);
    }
    for service in ["identity-test", "identity"] {
        route(cfg, &format!("/{service}/v2/token"), Method::POST, authentication::token_v2);
    }
    for service in ["account-test", "account"] {
        route(
            cfg,
            &format!("/{service}/v2/accounts/balances/{{countryCode}}/{{accountId}}"),
            Method::GET,
            accounts::get_balance,
        );
        route(
            cfg,
            &format!("/{service}/v2/search/{{countryCode}}/{{accountNumber}}"),
            Method::GET,
            accounts::get_inquiry,
        );
        route(
            cfg,
            &format!("/{service}/v2/accounts/ministatement/{{countryCode}}/{{accountNumber}}"),
            Method::GET,
            accounts::get_mini_statement,
        );
        route(
            cfg,
            &format!("/{service}/v2/accounts/accountbalance/query"),
            Method::POST,
            accounts::post_opening_closing,
        );
        route(cfg, &format!("/{service}/v2/accounts/fullstatement"), Method::POST, accounts::post_full_statement);
    }
}

/// Mounts one path for one method; other methods answer 405 in the path's envelope. A camelCase
/// path is also mounted in lower case: one v3 guide writes `accountbalance/query`.
fn route<F, Args>(cfg: &mut web::ServiceConfig, path: &str, method: Method, handler: F)
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
        mount(cfg, &lower, method.clone(), handler.clone());
    }
    mount(cfg, path, method, handler);
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
    let detail = format!("no Jenga endpoint at {} {}", req.method(), req.path());
    pipeline::unmatched(&state, &req, payload, Failure::http("NOT_FOUND", Some(detail))).await
}
