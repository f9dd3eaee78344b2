//! Account services (reference §5): balance, account inquiry and account validation.

use crate::envelope::{v3_success, Failure};
use crate::fields::{self, Check};
use crate::merchant::Account;
use crate::operation::{ACCOUNT_BALANCE, ACCOUNT_INQUIRY, ACCOUNT_VALIDATION};
use crate::pipeline::{self, Call, Outcome, Reply, Spec};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Countries where Equity account services run (reference §1).
pub const COUNTRIES: &[&str] = &["KE", "SS", "TZ", "UG", "DRC", "RW"];

static BALANCE: Spec = Spec { op: &ACCOUNT_BALANCE, json_body: false, validate: validate_balance, execute: balance };
static INQUIRY: Spec = Spec { op: &ACCOUNT_INQUIRY, json_body: false, validate: validate_inquiry, execute: inquiry };
static VALIDATION: Spec =
    Spec { op: &ACCOUNT_VALIDATION, json_body: true, validate: validate_validation, execute: validation };

/// The path parameters as an object named after the signature's fields.
fn path_input(req: &HttpRequest, names: &[&str]) -> Value {
    let info = req.match_info();
    Value::Object(names.iter().map(|n| (n.to_string(), Value::from(info.get(n).unwrap_or_default()))).collect())
}

pub async fn get_balance(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let input = path_input(&req, &["countryCode", "accountId"]);
    pipeline::serve(&state, &req, payload, &BALANCE, Some(input)).await
}

pub async fn get_inquiry(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let input = path_input(&req, &["countryCode", "accountNumber"]);
    pipeline::serve(&state, &req, payload, &INQUIRY, Some(input)).await
}

pub async fn post_validation(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    pipeline::serve(&state, &req, payload, &VALIDATION, None).await
}

fn validate_balance(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    check.one_of("countryCode", COUNTRIES);
    check.string("accountId");
    check.finish()
}

fn validate_inquiry(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    check.one_of("countryCode", COUNTRIES);
    check.string("accountNumber");
    check.finish()
}

fn validate_validation(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    check.one_of("countryCode", COUNTRIES);
    check.string("accountNumber");
    let name = check.string("accountFullName").map(|n| n.split_whitespace().collect::<String>());
    if fields::get(input, "chargeAccount").is_some_and(|v| !v.is_null() && !v.is_string()) {
        check.problem("chargeAccount", "must be a string");
    }
    let result = check.finish();
    // The doc's example signs the name without its spaces; that variant reads this field.
    if let (Some(name), Value::Object(map)) = (name, input) {
        map.insert("accountFullNameCompact".into(), Value::String(name));
    }
    result
}

/// The caller's account in the given country, or the documented 404.
fn own_account<'a>(call: &'a Call, number_field: &str) -> Result<&'a Account, Failure> {
    let number = fields::text_at(&call.input, number_field).unwrap_or_default();
    let country = fields::text_at(&call.input, "countryCode").unwrap_or_default();
    let merchant = call.merchant();
    merchant.account(&number).filter(|a| a.country_code == country).ok_or_else(|| {
        Failure::http(
            "ACCOUNT_NOT_FOUND",
            Some(format!("no account {number} in {country} for merchant {}", merchant.code)),
        )
    })
}

fn balance(call: &mut Call) -> Outcome {
    let account = own_account(call, "accountId")?;
    let balance = call.state.ledger.balance(call.merchant(), &account.number).map(crate::ledger::format_cents);
    let data = json!({
        "balances": [
            {"amount": balance, "type": "Available"},
            {"amount": balance, "type": "Current"},
        ],
        "currency": account.currency,
    });
    Ok(call.success(data, &[]))
}

fn inquiry(call: &mut Call) -> Outcome {
    let account = own_account(call, "accountNumber")?;
    let data = json!({
        "account": {
            "branchCode": account.branch_code,
            "number": account.number,
            "currency": account.currency,
            "status": account.status,
        },
        "customer": [{"name": account.name, "id": account.customer_id, "type": account.customer_type}],
    });
    Ok(call.success(data, &[]))
}

fn validation(call: &mut Call) -> Outcome {
    if let Some(charge) = fields::text_at(&call.input, "chargeAccount") {
        if !call.merchant().owns_account(&charge) {
            return Err(Failure::http("ACCOUNT_NOT_FOUND", Some(format!("chargeAccount {charge} is not yours"))));
        }
    }
    let account = own_account(call, "accountNumber")?;
    let given = fields::text_at(&call.input, "accountFullName").unwrap_or_default();
    let normalise = |name: &str| name.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase();
    // A name that does not match is a successful request with a failed validation: HTTP 200, 104101.
    if normalise(&given) != normalise(&account.name) {
        return Err(call.failure(104101));
    }
    Ok(Reply::ok(v3_success(
        Some(json!({
            "account": {
                "fullNames": account.name,
                "currency": account.currency,
                "accountNumber": mask(&account.number),
                "status": account.status,
            }
        })),
        &[],
    )))
}

/// `1036200681230` → `1036*****1230`, as the doc's example masks it.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 8 {
        return number.to_string();
    }
    let middle = "*".repeat(chars.len() - 8);
    format!("{}{middle}{}", chars[..4].iter().collect::<String>(), chars[chars.len() - 4..].iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn account_numbers_are_masked_as_the_doc_shows() {
        assert_eq!(super::mask("1036200681230"), "1036*****1230");
        assert_eq!(super::mask("12345678"), "12345678");
    }
}
