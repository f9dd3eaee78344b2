//! The mocked Jenga surface: each operation family in its own module, which declares its
//! operations and mounts them at the paths Jenga publishes. One generic handler serves every
//! path: it picks the operation's spec and hands over to the pipeline.

pub mod accounts;
pub mod airtime;
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

use crate::envelope::{Failure, Generation};
use crate::operation::Operation;
use crate::pipeline::{self, Spec};
use crate::state::AppState;
use actix_web::http::header::{HeaderValue, ALLOW};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use std::sync::OnceLock;

/// One family of operations: what it serves and where it is mounted.
pub struct OperationFamily {
    pub operations: &'static [&'static Operation],
    pub configure: fn(&mut Routes),
}

/// Every family, in the order their routes are mounted (and described).
pub static FAMILIES: &[&OperationFamily] = &[
    &authentication::FAMILY,
    &stk_push::FAMILY,
    &accounts::FAMILY,
    &queries::FAMILY,
    &kyc::FAMILY,
    &airtime::FAMILY,
    &payments::FAMILY,
    &send_money::FAMILY,
    &checkout::FAMILY,
    &cards::FAMILY,
    &transactions::FAMILY,
    &remittance_queries::FAMILY,
    &eazzypay::FAMILY,
];

/// Mounts every API path on the actix service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for route in described() {
        mount(cfg, route);
    }
}

/// Every mounted (method, path) and what it serves, built once from the families.
pub fn described() -> &'static [Described] {
    static ROUTES: OnceLock<Vec<Described>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let mut routes = Routes(Vec::new());
        for family in FAMILIES {
            (family.configure)(&mut routes);
        }
        routes.0
    })
}

/// Which spec answers a request on a path; None when the path parameter names no operation.
pub type Pick = fn(&HttpRequest, &Serves) -> Option<pipeline::Route>;

/// The specs a path may answer with, and how a request picks one.
#[derive(Clone)]
pub struct Serves {
    /// The path parameter that picks the spec (`{rail}`, `{call}`), if one does.
    pub picked_by: Option<&'static str>,
    pub specs: Vec<Served>,
    pub pick: Pick,
}

/// A country, and the currency an operation's amounts are in there.
pub struct Country {
    pub code: &'static str,
    pub currency: &'static str,
}

pub const fn country(code: &'static str, currency: &'static str) -> Country {
    Country { code, currency }
}

/// One spec a path may answer with.
#[derive(Clone, Copy)]
pub struct Served {
    /// The value of `picked_by` that picks it; None where the request picks it another way.
    pub picked_when: Option<&'static str>,
    pub spec: &'static Spec,
}

impl Served {
    pub fn when(value: &'static str, spec: &'static Spec) -> Self {
        Self { picked_when: Some(value), spec }
    }

    pub fn unnamed(spec: &'static Spec) -> Self {
        Self { picked_when: None, spec }
    }
}

impl Serves {
    pub fn one(spec: &'static Spec) -> Self {
        Self { picked_by: None, specs: vec![Served::unnamed(spec)], pick: first }
    }

    /// The spec whose value the path parameter `picked_by` names (any case).
    pub fn by_param(param: &'static str, specs: Vec<Served>) -> Self {
        Self { picked_by: Some(param), specs, pick: by_param }
    }
}

fn first(_: &HttpRequest, serves: &Serves) -> Option<pipeline::Route> {
    serves.specs.first().map(|served| pipeline::Route::Fixed(served.spec))
}

fn by_param(req: &HttpRequest, serves: &Serves) -> Option<pipeline::Route> {
    let value = req.match_info().get(serves.picked_by?)?;
    let found = serves.specs.iter().find(|s| s.picked_when.is_some_and(|n| n.eq_ignore_ascii_case(value)));
    found.map(|served| pipeline::Route::Fixed(served.spec))
}

pub struct Described {
    pub method: Method,
    pub path: String,
    /// The envelope the path answers in, fixed when it is mounted.
    pub generation: Generation,
    pub serves: Serves,
}

/// Where the families' routes are collected.
pub struct Routes(Vec<Described>);

impl Routes {
    /// Mounts one path for one method; other methods answer 405 in the path's envelope. A
    /// camelCase path is also mounted in lower case: one v3 guide writes `accountbalance/query`.
    pub fn add(&mut self, generation: Generation, method: Method, path: &str, serves: Serves) {
        let lower: Vec<String> = path
            .split('/')
            .map(|segment| if segment.starts_with('{') { segment.to_string() } else { segment.to_lowercase() })
            .collect();
        let lower = lower.join("/");
        if lower != path {
            let alias = Described { method: method.clone(), path: lower, generation, serves: serves.clone() };
            self.0.push(alias);
        }
        self.0.push(Described { method, path: path.to_string(), generation, serves });
    }

    /// A v3 path serving one spec.
    pub fn v3(&mut self, method: Method, path: &str, spec: &'static Spec) {
        self.add(Generation::V3, method, path, Serves::one(spec));
    }

    /// A v2 path serving one spec.
    pub fn v2(&mut self, method: Method, path: &str, spec: &'static Spec) {
        self.add(Generation::V2, method, path, Serves::one(spec));
    }
}

/// `/{service}/v2/{path}` under the sandbox (`-test`) and the plain service prefix.
pub fn v2_paths(service: &str, path: &str) -> [String; 2] {
    [format!("/{service}-test/v2/{path}"), format!("/{service}/v2/{path}")]
}

fn mount(cfg: &mut web::ServiceConfig, route: &'static Described) {
    let allowed = route.method.to_string();
    let serve = move |state: web::Data<AppState>, req: HttpRequest, payload: web::Payload| async move {
        match (route.serves.pick)(&req, &route.serves) {
            Some(picked) => pipeline::serve_route(&state, &req, payload, picked, route.generation).await,
            None => not_found(state, req, payload).await,
        }
    };
    let refuse = move |state: web::Data<AppState>, req: HttpRequest, payload: web::Payload| {
        let detail = format!("{} is not served at {}; use {allowed}", req.method(), req.path());
        let allow = HeaderValue::from_str(&allowed);
        async move {
            let failure = Failure::http("METHOD_NOT_ALLOWED", Some(detail));
            let mut response = pipeline::unmatched(&state, &req, payload, failure, route.generation).await;
            if let Ok(allow) = allow {
                response.headers_mut().insert(ALLOW, allow);
            }
            response
        }
    };
    let resource = web::resource(route.path.as_str()).route(web::method(route.method.clone()).to(serve));
    cfg.service(resource.default_service(web::to(refuse)));
}

/// Any path the sandbox does not serve.
pub async fn not_found(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let mut detail = format!("no Jenga endpoint at {} {}", req.method(), req.path());
    let near = closest::served_paths_near(req.path());
    if !near.is_empty() {
        detail.push_str(&format!("; did you mean {}?", near.join(" or ")));
    }
    let generation = Generation::of_path(req.path());
    pipeline::unmatched(&state, &req, payload, Failure::http("NOT_FOUND", Some(detail)), generation).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_route_serves_operations_of_its_own_family_and_every_operation_is_served() {
        let mut served = BTreeSet::new();
        for family in FAMILIES {
            let mut routes = Routes(Vec::new());
            (family.configure)(&mut routes);
            assert!(!routes.0.is_empty(), "a family mounts no path");
            for route in &routes.0 {
                for spec in route.serves.specs.iter().map(|served| served.spec) {
                    assert!(
                        family.operations.iter().any(|op| op.id == spec.op.id),
                        "{} {} serves {}, which its family does not declare",
                        route.method,
                        route.path,
                        spec.op.id
                    );
                    served.insert(spec.op.id);
                }
            }
        }
        let declared: BTreeSet<&str> = FAMILIES.iter().flat_map(|f| f.operations.iter().map(|op| op.id)).collect();
        assert_eq!(served, declared, "declared operations and served operations differ");
    }

    #[test]
    fn each_path_is_mounted_once_in_the_generation_its_prefix_names() {
        let mut seen = BTreeSet::new();
        for route in described() {
            assert!(seen.insert((route.method.to_string(), route.path.clone())), "{} mounted twice", route.path);
            // Unserved paths still get their envelope from the prefix; mounted ones must agree.
            assert_eq!(route.generation, Generation::of_path(&route.path), "{}", route.path);
        }
    }
}
