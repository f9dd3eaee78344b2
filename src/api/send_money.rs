//! Send money (reference §6). Within Equity: `POST /v3-apis/transaction-api/v3.0/remittance/internalBankTransfer`,
//! debiting the source account on the ledger.

use crate::envelope::Failure;
use crate::fields::{self, Check};
use crate::ledger::{self, LedgerError};
use crate::operation::SEND_WITHIN_EQUITY;
use crate::pipeline::{self, Call, Outcome, Spec};
use crate::state::AppState;
use crate::transactions::Transaction;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::BTreeMap;

static WITHIN_EQUITY: Spec = Spec { op: &SEND_WITHIN_EQUITY, json_body: true, validate, execute };

pub async fn within_equity(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    pipeline::serve(&state, &req, payload, &WITHIN_EQUITY, None).await
}

const COUNTRIES: &[&str] = &["KE", "UG", "TZ", "RW", "DRC", "SS"];
/// `InternalFundsTransfer` in the v2 docs and UAT examples; the v3 API Explorer shows `EFT`.
const TRANSFER_TYPES: &[&str] = &["InternalFundsTransfer", "EFT"];
/// "Failed, maximum transfer amount is 999,999 per transaction" (118110).
const MAXIMUM_CENTS: i64 = 999_999 * 100;

fn validate(body: &mut Value, variants: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.one_of("source.countryCode", COUNTRIES);
    check.string("source.name");
    check.string("source.accountNumber");
    check.one_of("destination.type", &["bank"]);
    check.one_of("destination.countryCode", COUNTRIES);
    check.string("destination.name");
    check.string("destination.accountNumber");
    if let Some(kind) = check.one_of("transfer.type", TRANSFER_TYPES) {
        variants.insert("transfer.type".into(), kind.into());
    }
    check.amount("transfer.amount", 2);
    check.rule(
        "transfer.currencyCode",
        |c| c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase()),
        "must be a currency code such as KES",
    );
    check.string("transfer.reference");
    check.date("transfer.date");
    check.finish()
}

fn execute(call: &mut Call) -> Outcome {
    let text = |path| fields::text_at(&call.input, path).unwrap_or_default();
    let (source, destination, reference) =
        (text("source.accountNumber"), text("destination.accountNumber"), text("transfer.reference"));
    let amount = ledger::cents(&text("transfer.amount")).unwrap_or_default();
    let merchant = call.merchant();
    let Some(account) = merchant.account(&source) else {
        return Err(Failure::http(
            "ACCOUNT_NOT_FOUND",
            Some(format!("source.accountNumber {source} is not an account of merchant {}", merchant.code)),
        ));
    };
    if account.currency != text("transfer.currencyCode") {
        return Err(call.failure(400103).with_detail(format!("the source account holds {}", account.currency)));
    }
    if amount > MAXIMUM_CENTS {
        return Err(call.failure(118110));
    }
    if !call.state.claim_reference(&merchant.code, &reference) {
        return Err(call.failure(400101));
    }
    let description = format!("TRANSFER TO A/C {destination} REF {reference}");
    let movement = ledger::Movement {
        from: &source,
        to: Some(&destination),
        cents: amount,
        at_ms: call.state.clock.now_ms(),
        reference: &reference,
        description: &description,
    };
    match call.state.ledger.transfer(merchant, movement) {
        Ok(_) => {}
        Err(LedgerError::InsufficientFunds { .. }) => return Err(call.failure(400104)),
        Err(LedgerError::UnknownAccount(_)) => return Err(Failure::http("ACCOUNT_NOT_FOUND", None)),
    }
    let transaction_id = call.state.ids.digits(10);
    call.state.transactions.record(Transaction {
        merchant: merchant.code.clone(),
        reference: reference.clone(),
        service_name: "InternalFundsTransfer",
        amount: amount as f64 / 100.0,
        charge: 0.0,
        created_ms: call.state.clock.now_ms(),
        steps: Vec::new(),
        biller: String::new(),
    });
    let data = json!({"transactionId": transaction_id, "status": "SUCCESS"});
    Ok(call.success(data, &[("reference", json!(reference))]))
}
