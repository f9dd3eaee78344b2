//! `POST /__sandbox/simulate/payment`: a customer paying into a merchant's account. The account
//! is credited as an inbound payment would credit it, the merchant's IPN (to its registered IPN
//! URL) and account alerts are sent, and the transaction is recorded like any other.

use super::body::{body, Body};
use super::error::{AdminError, Answer};
use crate::callbacks::{Plan, Step};
use crate::money::Cents;
use crate::settlement::{alert_for, Alerted};
use crate::state::AppState;
use crate::transactions::Transaction;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct SimulatedPayment {
    account: String,
    /// `"250.00"` or a number.
    amount: Value,
    currency: String,
    /// How the customer paid: `MPESA`, `EAZZYPAY`, `CARD`, ...; the IPN's `paymentMode`.
    channel: String,
    reference: String,
    payer: Payer,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct Payer {
    name: String,
    mobile_number: String,
}

const SERVICE_NAME: &str = "Inbound Payment";

pub(super) async fn payment(state: web::Data<AppState>, Body(raw): Body) -> Answer {
    let request: SimulatedPayment = body(&raw)?;
    let amount = match &request.amount {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        other => return Err(AdminError::bad_request(format!("amount: {other} is not an amount such as \"250.00\""))),
    };
    let cents = Cents::parse(&amount).map_err(|e| AdminError::bad_request(format!("amount: {amount:?} {e}")))?;
    if cents <= Cents::ZERO {
        return Err(AdminError::bad_request(format!("amount: {amount:?} must be more than 0")));
    }
    for (field, value) in
        [("currency", &request.currency), ("channel", &request.channel), ("reference", &request.reference)]
    {
        if value.trim().is_empty() {
            return Err(AdminError::bad_request(format!("{field}: must not be empty")));
        }
    }
    let merchant = state
        .merchants
        .all()
        .into_iter()
        .find(|m| m.owns_account(&request.account))
        .ok_or_else(|| AdminError::not_found(format!("account: no merchant holds account {}", request.account)))?;
    let now = state.clocks.now_ms_of(&merchant.code);
    let description = format!("{} payment from {}", request.channel, request.payer.name);
    // Checked before the reference is claimed, so a refused payment leaves the reference free.
    if let Some(holds) = merchant.account(&request.account).map(|a| &a.currency).filter(|c| **c != request.currency) {
        return Err(AdminError::bad_request(format!(
            "currency: account {} holds {holds}, not {}",
            request.account, request.currency
        )));
    }
    if !state.claim_reference(&merchant.code, &request.reference) {
        return Err(AdminError::new(
            StatusCode::CONFLICT,
            format!("reference: {} was already used by merchant {}", request.reference, merchant.code),
        ));
    }
    let ledger = &state.ledger;
    ledger
        .schedule_credit(&merchant, &request.account, cents, &request.currency, now, &request.reference, &description)
        .map_err(|error| AdminError::bad_request(format!("amount: {error}")))?;
    state.transactions.record(Transaction {
        merchant: merchant.code.as_str().into(),
        reference: request.reference.as_str().into(),
        service_name: SERVICE_NAME,
        amount: cents,
        charge: Cents::ZERO,
        created_ms: now,
        steps: Vec::new(),
        biller: Default::default(),
    });
    let receipt = state.ids.of(&merchant.code).receipt(10);
    let mut callbacks = Vec::new();
    if let Some((ipn, url)) = merchant.ipn.as_ref().and_then(|ipn| Some((ipn, ipn.url.clone()?))) {
        let body = ipn_body(&request, &receipt, cents, now);
        callbacks.extend(state.callbacks.enqueue(Plan {
            merchant: merchant.code.as_str().into(),
            operation: "inbound_payment".into(),
            reference: request.reference.as_str().into(),
            scenario: "default".into(),
            url,
            basic_auth: Some((ipn.username.clone(), ipn.password.clone())),
            steps: vec![Step { after_ms: None, body }],
            faults: Vec::new(),
        }));
    }
    let credited =
        Alerted { account: &request.account, cents, at_ms: now, reference: &request.reference, remarks: &description };
    callbacks.extend(alert_for(&state, &merchant, "default", credited));
    state.callbacks.wake();
    let balance = ledger.balance(&merchant, &request.account).unwrap_or_default();
    Ok(HttpResponse::Created().json(json!({
        "merchant": merchant.code,
        "account": request.account,
        "reference": request.reference,
        "transactionId": receipt,
        "serviceName": SERVICE_NAME,
        "amount": cents.to_json_number(),
        "currency": request.currency,
        "channel": request.channel,
        "payer": {"name": request.payer.name, "mobileNumber": request.payer.mobile_number},
        "createdAt": crate::clock::iso_ms(crate::clock::Clock::at(now)),
        "state": "Success",
        "balance": balance.to_string(),
        "callbacks": callbacks,
    })))
}

/// The IPN of an inbound payment (reference §12.2).
fn ipn_body(request: &SimulatedPayment, receipt: &str, amount: Cents, now: i64) -> Value {
    let mobile = &request.payer.mobile_number;
    json!({
        "callbackType": "IPN",
        "customer": {"name": request.payer.name, "mobileNumber": mobile, "reference": request.reference},
        "transaction": {
            "date": crate::clock::plain(now),
            "reference": receipt,
            "paymentMode": request.channel,
            "amount": amount.to_json_number(),
            "currency": request.currency,
            "billNumber": request.reference,
            "servedBy": "EQ",
            "additionalInfo": format!("{} {mobile} {receipt}", request.channel),
            "orderAmount": amount.to_json_number(),
            "serviceCharge": 0,
            "status": "SUCCESS",
            "remarks": "Successful",
        },
        "bank": {"reference": receipt, "transactionType": "C", "account": request.account},
    })
}
