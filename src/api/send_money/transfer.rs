//! A transfer once validated: the typed request, and what executing it does on the ledger, in the
//! answer and in a mobile wallet's final-status callback.

use super::rails::SWIFT_SELF_CHARGE;
use super::{rail_of, Rail, SEND_SWIFT, SEND_WITHIN_EQUITY};
use crate::envelope::{Failure, Generation};
use crate::fields::{self, StringOrAbsent};
use crate::ledger;
use crate::money::Cents;
use crate::pipeline::{self, Call, Outcome};
use crate::scenario::CallbackStep;
use crate::settlement;
use serde_json::{json, Value};

/// A send-money request once validated, on any rail.
#[derive(serde::Deserialize)]
struct Transfer<'a> {
    #[serde(borrow)]
    source: Source<'a>,
    #[serde(borrow)]
    destination: Destination<'a>,
    #[serde(borrow)]
    transfer: Details<'a>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Source<'a> {
    account_number: &'a str,
}

/// What a destination carries depends on its rail (`Rail::destination_fields`): the validator
/// required those, so the others may be absent.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Destination<'a> {
    name: &'a str,
    /// Bank rails; one SDK sends a PesaLink mobile number here instead of `mobileNumber`.
    #[serde(default, borrow)]
    account_number: StringOrAbsent<'a>,
    #[serde(default, borrow)]
    mobile_number: StringOrAbsent<'a>,
    #[serde(default, borrow)]
    wallet_name: StringOrAbsent<'a>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Details<'a> {
    /// As sent: PesaLink's confirmation and the wallet callback repeat it.
    amount: &'a str,
    currency_code: &'a str,
    reference: &'a str,
    /// SWIFT only, optional.
    #[serde(default, borrow)]
    charge_option: StringOrAbsent<'a>,
    /// Mobile wallets only, optional.
    #[serde(default, borrow)]
    callback_url: StringOrAbsent<'a>,
}

impl<'a> Transfer<'a> {
    fn amount(&self) -> Cents {
        Cents::parse(self.transfer.amount).unwrap_or_default()
    }

    /// The destination account, empty on mobile rails that name none.
    fn destination_account(&self) -> &'a str {
        self.destination.account_number.0.unwrap_or_default()
    }

    /// Who the money goes to, as statements and confirmations name them: bank rails name the
    /// account (PesaLink IMT also carries the recipient's mobile number), mobile rails the number.
    fn counterpart(&self, rail: &Rail) -> &'a str {
        match self.destination.mobile_number.0.filter(|mobile| !mobile.is_empty()) {
            Some(mobile) if rail.destination_type != "bank" => mobile,
            _ => self.destination_account(),
        }
    }
}

pub(super) fn execute(call: &mut Call) -> Outcome {
    let rail = rail_of(call.op);
    let input = call.take_input();
    let request: Transfer = pipeline::typed(&input)?;
    let details = &request.transfer;
    let (source, reference, currency) = (request.source.account_number, details.reference, details.currency_code);
    let amount = request.amount();
    let merchant = call.merchant();
    let Some(account) = merchant.account(source) else {
        return Err(Failure::http(
            "ACCOUNT_NOT_FOUND",
            Some(format!("source.accountNumber {source} is not an account of merchant {}", merchant.code)),
        ));
    };
    if !rail.wallets.is_empty() && !rail.wallets.contains(&request.destination.wallet_name.0.unwrap_or_default()) {
        return Err(call.failure(105160));
    }
    if rail.op.id == SEND_WITHIN_EQUITY.id && account.currency != currency {
        return Err(call.failure(400103).with_detail(format!("the source account holds {}", account.currency)));
    }
    if let Some(maximum) = rail.maximum.as_ref().filter(|maximum| amount > maximum.amount) {
        return Err(call.failure(maximum.code));
    }
    // v2 insists on 12-digit references (v3 examples use other lengths).
    if call.generation == Generation::V2 && !fields::is_twelve_digits(reference) {
        return Err(call.failure(400116));
    }
    let swift_self = std::ptr::eq(rail.op, &SEND_SWIFT) && details.charge_option.0 == Some("SELF");
    let Charge { amount: charge, conversion: charge_conversion } =
        if swift_self { swift_self_charge(call, rail, &request)? } else { Charge::default() };
    // Only a bank destination can be one of the merchant's own accounts, credited here.
    let destination = request.destination_account();
    let to = (rail.destination_type == "bank" && !destination.is_empty()).then_some(destination);
    let counterpart = request.counterpart(rail);
    let mut description = format!("{} TO {counterpart} REF {reference}", rail.transfer_types[0].to_uppercase());
    if let Some(conversion) = &charge_conversion {
        description.push_str(&format!(" (CHARGE {})", conversion.describe()));
    }
    let movement = ledger::Movement {
        from: source,
        to,
        amount,
        charge,
        currency,
        conversion: rail.conversion,
        at_ms: call.now_ms(),
        reference,
        description: &description,
    };
    let mut posted = settlement::debit(call, movement, &rail.refusals)?;
    let transaction_id = call.ids().digits(10);
    let mut data = json!({"transactionId": transaction_id, "status": "SUCCESS"});
    posted.conversions.extend(charge_conversion);
    if !posted.conversions.is_empty() {
        // Not in Jenga's schema: says what the sandbox converted, at which fixture rate.
        data["conversions"] = posted.conversions.iter().map(ledger::Converted::to_json).collect();
    }
    if rail.transfer_types[0] == "PesaLink" {
        // PesaLink answers carry the bank's confirmation text (reference §6.5).
        let when = crate::clock::Clock::at(call.now_ms());
        data["description"] = json!(format!(
            "Confirmed. {currency} {} Sent to {counterpart} -{} from your account {source} on {} at {} Ref. {reference} Thank you",
            details.amount,
            request.destination.name,
            when.format("%d-%m-%Y"),
            when.format("%H%M%S"),
        ));
    }
    match details.callback_url.0.filter(|url| fields::is_http_url(url)) {
        // A mobile-wallet transfer with a callback URL reports its final status there, like the
        // STK/USSD push; its state follows that schedule.
        Some(url) if !rail.wallets.is_empty() => {
            let pending = settlement::Pending {
                reference: reference.to_string(),
                url: url.to_string(),
                service_name: rail.transfer_types[0],
                amount,
                charge,
                ipn: false,
            };
            let body = |call: &Call, step: &CallbackStep| wallet_callback_body(call, &request, step);
            settlement::schedule_callbacks(call, pending, body, |_, _| Ok(()))?;
        }
        _ => call.record_completed(reference, rail.transfer_types[0], amount, ""),
    }
    Ok(call.success(data, &[("reference", json!(reference))]))
}

/// What the sender pays besides the amount, and the conversion that priced it, if any.
#[derive(Default)]
struct Charge {
    amount: Cents,
    conversion: Option<ledger::Converted>,
}

/// SWIFT's `chargeOption: SELF`: the sender pays USD 20 upfront towards correspondent charges,
/// in the transfer's currency at the fixture rate (with the conversion, when there was one).
fn swift_self_charge(call: &Call, rail: &Rail, request: &Transfer) -> Result<Charge, Failure> {
    let currency = request.transfer.currency_code;
    let rate = crate::forex::rate("USD", currency);
    let Some((rate, charge)) = rate.and_then(|rate| Some((rate, SWIFT_SELF_CHARGE.convert(rate)?))) else {
        let detail = format!("the fixtures have no USD to {currency} rate for the USD 20.00 charge");
        return Err(call.failure(rail.refusals.invalid_amount).with_detail(detail));
    };
    let conversion = (currency != "USD").then(|| ledger::Converted {
        account: request.source.account_number.to_string(),
        from: "USD".into(),
        to: currency.to_string(),
        rate,
        amount: SWIFT_SELF_CHARGE,
        converted: charge,
    });
    Ok(Charge { amount: charge, conversion })
}

/// The final status of a transfer to a mobile wallet. Jenga documents no body for it, so it
/// follows the STK/USSD push callback's fields and codes.
fn wallet_callback_body(call: &Call, request: &Transfer, step: &CallbackStep) -> Value {
    let (default_message, success) = super::super::stk_push::callback_code(step.code);
    let mut body = json!({
        "status": step.status.unwrap_or(success),
        "code": step.code_as_sent,
        "message": step.message.as_deref().unwrap_or(default_message),
        "transactionReference": request.transfer.reference,
        "mobileNumber": request.destination.mobile_number.0.unwrap_or_default(),
        "walletName": request.destination.wallet_name.0.unwrap_or_default(),
        "amount": request.transfer.amount,
        "currency": request.transfer.currency_code,
    });
    if matches!(step.code, 2..=4) {
        body["telcoReference"] = Value::String(call.ids().receipt(10));
    }
    super::super::stk_push::apply_overrides(&mut body, step);
    body
}
