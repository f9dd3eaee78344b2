//! Money moving for a request, in one place: debits (the payment reference claimed first, the
//! ledger's refusals answered with the calling operation's documented codes), credits booked to
//! land later, the callbacks that report an asynchronous transaction, and the account alerts
//! each movement calls for.

use crate::callbacks::{Plan, Step};
use crate::envelope::Failure;
use crate::ledger::{self, LedgerError, Posted};
use crate::merchant::Merchant;
use crate::money::Cents;
use crate::pipeline::Call;
use crate::scenario::CallbackStep;
use crate::state::AppState;
use crate::transactions::{self, Transaction};
use compact_str::CompactString;
use serde_json::{json, Value};

/// The codes an operation's documentation gives the ledger's refusals of a debit.
pub struct Refusals {
    pub insufficient_funds: i64,
    /// None: the gateway's 404 (`ACCOUNT_NOT_FOUND`).
    pub unknown_account: Option<i64>,
    /// The source account's daily limit would be exceeded.
    pub daily_limit: i64,
    /// An amount the ledger cannot take: a currency it will not convert, or a credit past the
    /// largest balance.
    pub invalid_amount: i64,
}

/// Claims the movement's reference for the calling merchant (400101 when it was used), then
/// debits the source (crediting a destination that is one of the merchant's own accounts) and
/// queues the alerts. A refusal names the ledger's rule as the request's scenario.
pub(crate) fn debit(call: &mut Call, movement: ledger::Movement, refusals: &Refusals) -> Result<Posted, Failure> {
    claim(call, movement.reference)?;
    transfer(call, movement).map_err(|error| refused(call, error, refusals))
}

/// Claims a payment reference for the calling merchant; 400101 when it was already used.
pub(crate) fn claim(call: &Call, reference: &str) -> Result<(), Failure> {
    match call.claim_reference(reference) {
        true => Ok(()),
        false => Err(call.failure(400101)),
    }
}

fn refused(call: &Call, error: LedgerError, refusals: &Refusals) -> Failure {
    match error {
        LedgerError::InsufficientFunds { .. } => call.failure(refusals.insufficient_funds),
        LedgerError::UnknownAccount(_) => match refusals.unknown_account {
            Some(code) => call.failure(code),
            None => Failure::http("ACCOUNT_NOT_FOUND", None),
        },
        LedgerError::DailyLimitExceeded { .. } => call.failure(refusals.daily_limit).with_detail(error.to_string()),
        LedgerError::Overflow { .. } | LedgerError::CurrencyMismatch { .. } | LedgerError::NoRate { .. } => {
            call.failure(refusals.invalid_amount).with_detail(error.to_string())
        }
    }
}

/// A credit to one of the calling merchant's accounts.
pub(crate) struct Credit<'a> {
    pub account: &'a str,
    pub amount: Cents,
    pub currency: &'a str,
    pub reference: &'a str,
    pub description: &'a str,
}

/// Books `credit` to land at `at_ms` on the sandbox clock and queues its alert. A refusal
/// names the ledger's rule as the request's scenario.
pub(crate) fn credit_at(call: &mut Call, credit: &Credit, at_ms: i64) -> Result<(), LedgerError> {
    let ledger = &call.state.ledger;
    let Credit { account, amount, currency, reference, description } = *credit;
    let booked = ledger.schedule_credit(call.merchant(), account, amount, currency, at_ms, reference, description);
    if let Err(error) = booked {
        call.decided_by_ledger(error.rule());
        return Err(error);
    }
    alert(call, Alerted { account, cents: amount, at_ms, reference, remarks: description });
    Ok(())
}

/// An asynchronous transaction about to be acknowledged.
pub(crate) struct Pending {
    pub reference: String,
    pub url: String,
    pub service_name: &'static str,
    pub amount: Cents,
    pub charge: Cents,
    /// IPN-kind: sent with the merchant's IPN Basic credentials, and also to its IPN URL.
    pub ipn: bool,
}

/// Plans the callbacks the scenario chose (one success, code 3, by default), each body built by
/// `body`, and records the transaction whose state follows that schedule on the sandbox clock.
/// When the transaction succeeds (its first callback of code 2 or 3), `on_success` runs first
/// with that time; its refusal is the request's, and then nothing is queued or recorded.
pub(crate) fn schedule_callbacks(
    call: &mut Call,
    pending: Pending,
    body: impl Fn(&Call, &CallbackStep) -> Value,
    on_success: impl FnOnce(&mut Call, i64) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let default_steps = [CallbackStep {
        after_ms: None,
        code: 3,
        code_as_sent: Value::from(3),
        message: None,
        status: None,
        fields: Default::default(),
    }];
    let effect = call.decision.effect.clone();
    let steps = effect.as_ref().and_then(|e| e.callbacks.as_deref()).unwrap_or(&default_steps);
    let merchant: CompactString = call.merchant().code.as_str().into();
    let ipn = if pending.ipn { call.merchant().ipn.clone() } else { None };
    let plan = Plan {
        merchant: merchant.clone(),
        operation: call.op.id.into(),
        reference: pending.reference.as_str().into(),
        scenario: call.decision.name.as_str().into(),
        url: pending.url,
        basic_auth: ipn.as_ref().map(|i| (i.username.clone(), i.password.clone())),
        steps: steps.iter().map(|s| Step { after_ms: s.after_ms, body: body(call, s) }).collect(),
        faults: effect.as_ref().map(|e| e.faults.clone()).unwrap_or_default(),
    };
    let now = call.now_ms();
    let mut at = now;
    let schedule: Vec<transactions::Step> = plan
        .steps
        .iter()
        .zip(steps)
        .map(|(planned, step)| {
            at += planned.after_ms.unwrap_or(call.state.callbacks.first_delay_ms()) as i64;
            let message = planned.body["message"].as_str().unwrap_or_default().into();
            transactions::Step { at_ms: at, code: step.code, message }
        })
        .collect();
    if let Some(succeeded) = schedule.iter().find(|step| matches!(step.code, 2 | 3)) {
        on_success(call, succeeded.at_ms)?;
    }
    call.state.transactions.record(Transaction {
        merchant,
        reference: pending.reference.into(),
        service_name: pending.service_name,
        amount: pending.amount,
        charge: pending.charge,
        created_ms: now,
        steps: schedule,
        biller: Default::default(),
    });
    let ipn_copy = ipn.and_then(|i| i.url).map(|url| Plan { url, ..plan.clone() });
    call.callbacks = call.state.callbacks.enqueue(plan);
    if let Some(copy) = ipn_copy {
        call.callbacks.extend(call.state.callbacks.enqueue(copy));
    }
    Ok(())
}

/// One movement an alert reports: signed (negative for a debit) on `account`, landing at `at_ms`.
pub(crate) struct Alerted<'a> {
    pub account: &'a str,
    pub cents: Cents,
    pub at_ms: i64,
    pub reference: &'a str,
    pub remarks: &'a str,
}

/// Queues the alert of `movement` for the calling merchant, as the request's callbacks.
fn alert(call: &mut Call, movement: Alerted) {
    let merchant = call.merchant.clone().expect("money moves after authentication");
    let ids = alert_for(call.state, &merchant, &call.decision.name, movement);
    call.callbacks.extend(ids);
}

/// Queues the account alert (reference §12.3) for `movement` when `merchant` registered one
/// that covers it: posted to its alert URL with Basic auth, in the IPN shape with
/// `callbackType: "ALT"`, at the sandbox time the money moves. Returns the callback job ids.
pub(crate) fn alert_for(state: &AppState, merchant: &Merchant, scenario: &str, movement: Alerted) -> Vec<String> {
    let Some(alerts) = merchant.alerts.as_ref() else { return Vec::new() };
    let credit = movement.cents > Cents::ZERO;
    let wanted = match alerts.kind.as_str() {
        "debit" => !credit,
        "credit" => credit,
        _ => true,
    };
    if !wanted || alerts.account.as_deref().is_some_and(|a| a != movement.account) {
        return Vec::new();
    }
    let amount = movement.cents.abs().to_json_number();
    let bank_reference = format!(" S{}", state.ids.of(&merchant.code).digits(7));
    let body = json!({
        "callbackType": "ALT",
        "customer": {"name": merchant.name, "mobileNumber": Value::Null, "reference": movement.reference},
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
    let delay = (movement.at_ms - state.clocks.now_ms_of(&merchant.code)).max(0) as u64;
    let plan = Plan {
        merchant: merchant.code.as_str().into(),
        operation: "account_alert".into(),
        reference: movement.reference.into(),
        scenario: scenario.into(),
        url: alerts.url.clone(),
        basic_auth: Some((alerts.username.clone(), alerts.password.clone())),
        steps: vec![Step { after_ms: Some(delay), body }],
        faults: Vec::new(),
    };
    state.callbacks.enqueue(plan)
}

/// Moves money on the ledger for the calling merchant and queues the alerts the movement calls
/// for: a debit on the source, and a credit when the destination is one of its accounts too.
/// A refusal names the ledger's rule as the request's scenario.
fn transfer(call: &mut Call, movement: ledger::Movement) -> Result<Posted, LedgerError> {
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
    alert(call, Alerted { account: movement.from, cents: debit, at_ms, reference: movement.reference, remarks });
    if let (Some(to), Some(credited)) = (movement.to, posted.credited) {
        alert(call, Alerted { account: to, cents: credited, at_ms, reference: movement.reference, remarks });
    }
    Ok(posted)
}
