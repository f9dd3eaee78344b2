//! Accounts: every balance on the ledger, and setting one account's balance or daily limit.

use super::body::{body, Body};
use super::error::{AdminError, Answer};
use super::query::MerchantQuery;
use crate::money::Cents;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// Every account with its ledger balance (of one merchant with `?merchant=`).
pub(super) async fn list(state: web::Data<AppState>, query: web::Query<MerchantQuery>) -> HttpResponse {
    let merchants = state.merchants.all();
    let listed: Vec<Value> = merchants
        .iter()
        .filter(|m| query.merchant.as_deref().is_none_or(|code| m.code == code))
        .flat_map(|m| {
            let state = &state;
            m.accounts.iter().map(move |a| {
                let balance = state.ledger.balance(m, &a.number).map(|b| b.to_string());
                json!({"merchant": m.code, "number": a.number, "name": a.name, "currency": a.currency,
                       "countryCode": a.country_code, "status": a.status, "balance": balance})
            })
        })
        .collect();
    HttpResponse::Ok().json(listed)
}

/// `GET /__sandbox/accounts/{number}/statement`: the account's movements, oldest first, each with
/// the balance after it (what the dashboard's chart draws). The default merchant's account
/// unless `?merchant=` names another.
pub(super) async fn statement(
    state: web::Data<AppState>,
    number: web::Path<String>,
    query: web::Query<MerchantQuery>,
) -> Answer {
    let code = query.merchant.as_deref().unwrap_or(crate::merchant::DEFAULT_CODE);
    let merchant = state.merchants.get(code).ok_or_else(|| AdminError::not_found(format!("no merchant {code}")))?;
    let account = merchant
        .account(&number)
        .ok_or_else(|| AdminError::not_found(format!("merchant {code} has no account {number}")))?;
    let lines: Vec<Value> = state
        .ledger
        .lines(&merchant, &number)
        .iter()
        .map(|line| {
            json!({
                "at": crate::clock::iso_ms(crate::clock::Clock::at(line.at_ms)),
                "amount": line.cents.to_string(), "balanceAfter": line.balance_after.to_string(),
                "description": line.description, "reference": line.reference, "adjustment": line.adjustment,
            })
        })
        .collect();
    let balance = state.ledger.balance(&merchant, &number).map(|b| b.to_string());
    Ok(HttpResponse::Ok().json(json!({"merchant": code, "number": account.number, "currency": account.currency,
                                      "balance": balance, "lines": lines})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct AccountBody {
    balance: Option<Value>,
    currency: Option<String>,
    merchant: Option<String>,
    daily_limit: Option<Value>,
}

/// Sets an account's balance (and currency), creating the account for the merchant if needed.
pub(super) async fn put(state: web::Data<AppState>, number: web::Path<String>, Body(raw): Body) -> Answer {
    let request: AccountBody = body(&raw)?;
    let daily_limit = match &request.daily_limit {
        None => None,
        Some(Value::Null) => Some(None),
        Some(limit) => match Cents::from_json(limit) {
            Ok(_) => crate::fields::raw_text(limit).map(Some),
            Err(error) => return Err(AdminError::bad_request(format!("dailyLimit: {limit} {error}"))),
        },
    };
    let cents = match &request.balance {
        None if request.daily_limit.is_some() => None,
        None => return Err(AdminError::bad_request("balance: required (or dailyLimit alone)")),
        Some(balance) => match Cents::from_json(balance) {
            Ok(cents) => Some(cents),
            Err(error) => return Err(AdminError::bad_request(format!("balance: {balance} {error}"))),
        },
    };
    let code = request.merchant.unwrap_or_else(|| crate::merchant::DEFAULT_CODE.to_string());
    let no_merchant = || AdminError::not_found(format!("no merchant {code}"));
    let merchant = state.merchants.get(&code).ok_or_else(no_merchant)?;
    let mut account = merchant.account(&number).cloned().unwrap_or_else(|| crate::merchant::Account {
        number: number.to_string(),
        currency: "KES".into(),
        country_code: "KE".into(),
        name: merchant.name.clone(),
        branch_code: String::new(),
        balance: "0.00".into(),
        status: "Active".into(),
        customer_id: String::new(),
        customer_type: "Corporate".into(),
        daily_limit: None,
    });
    if let Some(currency) = request.currency {
        account.currency = currency;
    }
    if let Some(limit) = daily_limit {
        account.daily_limit = limit;
    }
    let merchant = state.merchants.put_account(&code, account.clone()).ok_or_else(no_merchant)?;
    if let Some(cents) = cents {
        if let Err(error) = state.ledger.set(&merchant, &number, cents, state.clocks.now_ms_of(&merchant.code)) {
            return Err(AdminError::bad_request(format!("balance: {error}")));
        }
    }
    let cents = state.ledger.balance(&merchant, &number).unwrap_or_default();
    Ok(HttpResponse::Ok().json(json!({"merchant": code, "number": account.number, "currency": account.currency,
                                      "balance": cents.to_string(), "dailyLimit": account.daily_limit})))
}
