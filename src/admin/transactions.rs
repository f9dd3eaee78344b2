//! Transactions with their state now, each on its merchant's sandbox clock.

use super::error::Answer;
use super::listing::{listed, parse_limit};
use crate::state::AppState;
use crate::wait::{Look, Wait};
use actix_web::{web, HttpRequest};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TransactionQuery {
    merchant: Option<String>,
    reference: Option<String>,
    /// A state as listed (`pending`, `success`, `failed`, `cancelled`; any case).
    status: Option<String>,
    limit: Option<String>,
    wait_ms: Option<String>,
    count: Option<String>,
}

/// Transactions with their state now (on the sandbox clock), newest first.
pub(super) async fn list(state: web::Data<AppState>, req: HttpRequest, query: web::Query<TransactionQuery>) -> Answer {
    let query = query.into_inner();
    let limit = parse_limit(query.limit)?;
    let wait = Wait::from_query(query.wait_ms.as_deref(), query.count.as_deref());
    let look = || {
        // How long until the soonest next step. A frozen clock reaches it only when moved, which
        // the clocks announce.
        let mut next_step_in: Option<i64> = None;
        let mut items = Vec::new();
        for t in state.transactions.list(query.merchant.as_deref(), usize::MAX) {
            if query.reference.as_deref().is_some_and(|r| t.reference != r) {
                continue;
            }
            let clock = state.clocks.of(&t.merchant);
            let now = clock.now_ms();
            let next = t.steps.iter().map(|step| step.at_ms).filter(|at| *at > now).min();
            if let Some(at) = next.filter(|_| !clock.is_frozen()) {
                next_step_in = Some(next_step_in.map_or(at - now, |n| n.min(at - now)));
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
        let changes_in = next_step_in.map(|ms| std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0)));
        Look { items, changes_in }
    };
    listed(&state, &req, wait, &[state.transactions.changes.notify(), state.clocks.changes()], limit, look).await
}
