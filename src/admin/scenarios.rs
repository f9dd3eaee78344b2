//! Scenarios: the loaded set, reloading it from disk, arming and disarming.

use super::body::{body, Body};
use super::error::{AdminError, Answer};
use crate::scenario::{Armed, Predicate, Target};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(super) async fn list(state: web::Data<AppState>) -> HttpResponse {
    let set = state.scenarios.current();
    HttpResponse::Ok().json(json!({
        "files": set.files,
        "scenarios": set.scenarios.values().collect::<Vec<_>>(),
        "armed": state.scenarios.armed(),
        "lastReload": state.scenarios.last_reload(),
    }))
}

pub(super) async fn reload(state: web::Data<AppState>) -> Answer {
    match state.scenarios.reload(&state.settings.scenarios, state.settings.local_scenarios) {
        Ok(reloaded) => Ok(HttpResponse::Ok()
            .json(json!({"status": "reloaded", "scenarios": reloaded.scenarios, "files": reloaded.files}))),
        // The running set stays in place when the files on disk are broken.
        Err(errors) => Err(AdminError::bad_request("scenario files are invalid; the previous set stays loaded")
            .with("problems", json!(errors))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ArmBody {
    scenario: String,
    times: Option<u32>,
    operation: Option<String>,
    merchant: Option<String>,
    #[serde(rename = "match", default)]
    matches: BTreeMap<String, Value>,
}

pub(super) async fn arm(state: web::Data<AppState>, Body(raw): Body) -> Answer {
    let request: ArmBody = body(&raw)?;
    let target = Target::parse(&request.scenario).map_err(AdminError::bad_request)?;
    if let Some(op) = &request.operation {
        let operations = state.scenarios.operations();
        if operations.by_id(op).is_none() {
            let known = operations.ids().join(", ");
            return Err(AdminError::bad_request(format!("unknown operation {op:?}; known: {known}")));
        }
    }
    if request.times == Some(0) {
        return Err(AdminError::bad_request("times must be at least 1 (leave it out to fire until disarmed)"));
    }
    let mut predicates = Vec::new();
    for (path, value) in &request.matches {
        crate::fields::check_path(path).map_err(|e| AdminError::bad_request(format!("match: {e}")))?;
        let predicate =
            Predicate::from_value(value).map_err(|e| AdminError::bad_request(format!("match.{path}: {e}")))?;
        predicates.push((path.clone(), predicate));
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
    let armed = state.scenarios.arm(armed).map_err(AdminError::bad_request)?;
    Ok(HttpResponse::Created().json(armed))
}

pub(super) async fn list_armed(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.scenarios.armed())
}

pub(super) async fn disarm(state: web::Data<AppState>) -> HttpResponse {
    state.scenarios.disarm_all();
    HttpResponse::Ok().json(json!({"status": "disarmed"}))
}
