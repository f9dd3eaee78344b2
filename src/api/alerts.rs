//! Account alerts (reference §12.3): each debit or credit on an account the merchant registered
//! for alerts is posted to its alert URL with Basic auth, in the IPN shape with
//! `callbackType: "ALT"`, at the sandbox time the money moves.

use crate::callbacks::{Plan, Step};
use crate::money::Cents;
use crate::pipeline::Call;
use serde_json::{json, Value};

/// One movement: signed (negative for a debit) on `account`, landing at `at_ms`.
pub struct Movement<'a> {
    pub account: &'a str,
    pub cents: Cents,
    pub at_ms: i64,
    pub reference: &'a str,
    pub remarks: &'a str,
}

/// Queues the alert for `movement` when the merchant registered one that covers it.
pub fn notify(call: &mut Call, movement: Movement) {
    let Some(alerts) = call.merchant().alerts.clone() else { return };
    let credit = movement.cents > Cents::ZERO;
    let wanted = match alerts.kind.as_str() {
        "debit" => !credit,
        "credit" => credit,
        _ => true,
    };
    if !wanted || alerts.account.as_deref().is_some_and(|a| a != movement.account) {
        return;
    }
    let amount = movement.cents.abs().to_json_number();
    let bank_reference = format!(" S{}", call.state.ids.digits(7));
    let body = json!({
        "callbackType": "ALT",
        "customer": {"name": call.merchant().name, "mobileNumber": Value::Null, "reference": movement.reference},
        "transaction": {
            "date": crate::clock::plain(movement.at_ms),
            "reference": bank_reference,
            "paymentMode": "MISYS",
            "amount": amount,
            "billNumber": bank_reference,
            "servedBy": "EQ",
            "additionalInfo": movement.remarks,
            "orderAmount": amount,
            "serviceCharge": 0,
            "status": "SUCCESS",
            "remarks": movement.remarks,
        },
        "bank": {
            "reference": bank_reference,
            "transactionType": if credit { "Credit" } else { "Debit" },
            "account": movement.account,
        },
    });
    let delay = (movement.at_ms - call.state.clock.now_ms()).max(0) as u64;
    let plan = Plan {
        merchant: call.merchant().code.clone(),
        operation: "account_alert".into(),
        reference: movement.reference.to_string(),
        scenario: call.decision.name.clone(),
        url: alerts.url.clone(),
        basic_auth: Some((alerts.username.clone(), alerts.password.clone())),
        steps: vec![Step { after_ms: Some(delay), body }],
        faults: Vec::new(),
    };
    let ids = call.state.callbacks.enqueue(plan);
    call.callbacks.extend(ids);
}

/// Moves money on the ledger for the calling merchant and queues the alerts the movement calls
/// for: a debit on the source, and a credit when the destination is one of its accounts too.
/// A refusal names the ledger's rule as the request's scenario.
pub fn transfer(
    call: &mut Call,
    movement: crate::ledger::Movement,
) -> Result<crate::ledger::Posted, crate::ledger::LedgerError> {
    let merchant = call.merchant.clone().expect("transfers run after authentication");
    let posted = match call.state.ledger.transfer(&merchant, movement.clone()) {
        Ok(posted) => posted,
        Err(error) => {
            call.decided_by_ledger(error.rule());
            return Err(error);
        }
    };
    let remarks = movement.description;
    let debit = posted.debited.checked_neg().unwrap_or_default();
    let at_ms = movement.at_ms;
    notify(call, Movement { account: movement.from, cents: debit, at_ms, reference: movement.reference, remarks });
    if let (Some(to), Some(credited)) = (movement.to, posted.credited) {
        notify(call, Movement { account: to, cents: credited, at_ms, reference: movement.reference, remarks });
    }
    Ok(posted)
}
