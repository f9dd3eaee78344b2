//! The sandbox clock: reading it, setting or freezing it, moving it forward; every merchant's,
//! or one merchant's own with `?merchant=CODE`.

use super::body::{body, Body};
use super::error::{AdminError, Answer};
use super::query::MerchantQuery;
use crate::clock::{iso, Clock, LATEST_MS};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// The clock `merchant` names (that merchant's own), or the one every merchant follows.
fn view(state: &AppState, merchant: Option<&str>) -> Value {
    let own;
    let clock = match merchant {
        Some(code) => {
            own = state.clocks.of(code);
            &*own
        }
        None => state.clocks.shared(),
    };
    json!({"now": crate::clock::iso_ms(clock.now()), "offsetMs": clock.offset_ms(), "frozen": clock.is_frozen()})
}

/// `?merchant=CODE` when it names a registered merchant; a 404 when it names none.
fn merchant_of(state: &AppState, query: MerchantQuery) -> Result<Option<String>, AdminError> {
    match query.merchant {
        Some(code) if state.merchants.get(&code).is_none() => Err(AdminError::not_found(format!("no merchant {code}"))),
        merchant => Ok(merchant),
    }
}

pub(super) async fn get(state: web::Data<AppState>, query: web::Query<MerchantQuery>) -> Answer {
    let merchant = merchant_of(&state, query.into_inner())?;
    Ok(HttpResponse::Ok().json(view(&state, merchant.as_deref())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SetClockBody {
    now: Option<String>,
    frozen: Option<bool>,
}

/// `PUT /__sandbox/clock`: set the time, freeze or release it. Frozen, every timestamp the
/// sandbox writes is this instant until it is advanced, set again or reset. `?merchant=` sets
/// that merchant's clock only; without it, every merchant's.
pub(super) async fn set(state: web::Data<AppState>, query: web::Query<MerchantQuery>, Body(raw): Body) -> Answer {
    let merchant = merchant_of(&state, query.into_inner())?;
    let request: SetClockBody = body(&raw)?;
    let now = match request.now.as_deref().map(chrono::DateTime::parse_from_rfc3339).transpose() {
        Ok(now) => now.map(|t| t.timestamp_millis()),
        Err(e) => {
            return Err(AdminError::bad_request(format!(
                "now: {:?} is not an RFC 3339 time such as 2026-01-31T12:00:00Z ({e})",
                request.now.unwrap_or_default()
            )))
        }
    };
    if state.clocks.set(merchant.as_deref(), now, request.frozen).is_err() {
        return Err(AdminError::bad_request(format!(
            "now: the sandbox clock runs from 1970-01-01T00:00:00Z to {}",
            iso(Clock::at(LATEST_MS))
        )));
    }
    state.callbacks.wake();
    Ok(HttpResponse::Ok().json(view(&state, merchant.as_deref())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AdvanceBody {
    seconds: f64,
}

pub(super) async fn advance(state: web::Data<AppState>, query: web::Query<MerchantQuery>, Body(raw): Body) -> Answer {
    let merchant = merchant_of(&state, query.into_inner())?;
    let request: AdvanceBody = body(&raw)?;
    if !(request.seconds.is_finite() && request.seconds >= 0.0) {
        return Err(AdminError::bad_request(
            "seconds must be a number of seconds, 0 or more (the clock only moves forward)",
        ));
    }
    // A float too large for i64 saturates, and the clock refuses it below.
    let moved = state.clocks.advance(merchant.as_deref(), (request.seconds * 1000.0) as i64);
    if let Err(crate::clock::OutOfRange { room_ms }) = moved {
        return Err(AdminError::bad_request(format!(
            "seconds: {} would take the sandbox clock past {}; at most {} more seconds",
            request.seconds,
            iso(Clock::at(LATEST_MS)),
            room_ms / 1000
        )));
    }
    state.callbacks.wake();
    Ok(HttpResponse::Ok().json(view(&state, merchant.as_deref())))
}
