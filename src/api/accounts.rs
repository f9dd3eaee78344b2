//! Account services (reference §5): balance, account inquiry and account validation.

use crate::catalogue::Family;
use crate::envelope::Failure;
use crate::fields::{self, Check, Count, StringOrAbsent};
use crate::merchant::Account;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Reply, Spec};
use crate::signature::Formula;
use actix_web::http::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub static ACCOUNT_BALANCE: Operation = Operation {
    id: "account_balance",
    title: "Account balance",
    families: &[Family::AccountBalance, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["countryCode", "accountId"] }],
};

pub static ACCOUNT_INQUIRY: Operation = Operation {
    id: "account_inquiry",
    title: "Account inquiry (bank accounts)",
    families: &[Family::AccountProfile, Family::AccountBalance, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["countryCode", "accountNumber"] }],
};

pub static ACCOUNT_VALIDATION: Operation = Operation {
    id: "account_validation",
    title: "Account validation (all accounts)",
    families: &[Family::AccountProfile, Family::Signature, Family::Http],
    auth: Auth::Bearer,
    // The doc's example `KE00201XXXX14605JOHNDOE` drops the name's spaces; both forms are accepted.
    signature: &[
        Formula { name: "doc", fields: &["countryCode", "accountNumber", "accountFullName"] },
        Formula { name: "name-without-spaces", fields: &["countryCode", "accountNumber", "accountFullNameCompact"] },
    ],
};

pub static MINI_STATEMENT: Operation = Operation {
    id: "mini_statement",
    title: "Mini statement (last 10 transactions)",
    families: &[Family::AccountBalance, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["countryCode", "accountNumber"] }],
};

pub static OPENING_CLOSING_BALANCE: Operation = Operation {
    id: "opening_closing_balance",
    title: "Opening and closing balance",
    families: &[Family::AccountBalance, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["accountId", "countryCode", "date"] }],
};

pub static FULL_STATEMENT: Operation = Operation {
    id: "full_statement",
    title: "Full statement",
    families: &[Family::AccountBalance, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["accountNumber", "countryCode", "toDate"] }],
};

/// Countries where Equity account services run (reference §1).
pub const COUNTRIES: &[&str] = &["KE", "SS", "TZ", "UG", "DRC", "RW"];

pub(crate) static FAMILY: super::OperationFamily = super::OperationFamily {
    operations: &[
        &ACCOUNT_BALANCE,
        &ACCOUNT_INQUIRY,
        &ACCOUNT_VALIDATION,
        &MINI_STATEMENT,
        &OPENING_CLOSING_BALANCE,
        &FULL_STATEMENT,
    ],
    configure,
};

fn configure(routes: &mut super::Routes) {
    let v3 = |path: &str| format!("/v3-apis/account-api/v3.0/{path}");
    routes.v3(Method::GET, &v3("accounts/balances/{countryCode}/{accountId}"), &BALANCE);
    routes.v3(Method::GET, &v3("accounts/search/{countryCode}/{accountNumber}"), &INQUIRY);
    // Paraphrases of the doc give this shorter path; published SDKs use the one above.
    routes.v3(Method::GET, &v3("search/{countryCode}/{accountNumber}"), &INQUIRY);
    routes.v3(Method::POST, &v3("account/validate"), &VALIDATION);
    routes.v3(Method::GET, &v3("accounts/miniStatement/{countryCode}/{accountNumber}"), &MINI);
    routes.v3(Method::POST, &v3("accounts/accountBalance/query"), &OPENING_CLOSING);
    routes.v3(Method::POST, &v3("accounts/fullStatement"), &FULL);
    for service in ["account-test", "account"] {
        let v2 = |path: &str| format!("/{service}/v2/{path}");
        routes.v2(Method::GET, &v2("accounts/balances/{countryCode}/{accountId}"), &BALANCE);
        routes.v2(Method::GET, &v2("search/{countryCode}/{accountNumber}"), &INQUIRY);
        routes.v2(Method::GET, &v2("accounts/ministatement/{countryCode}/{accountNumber}"), &MINI);
        routes.v2(Method::POST, &v2("accounts/accountbalance/query"), &OPENING_CLOSING);
        routes.v2(Method::POST, &v2("accounts/fullstatement"), &FULL);
    }
}

/// The path parameters, named after the signature's fields.
const BY_ACCOUNT_ID: Input = Input::Path(&["countryCode", "accountId"]);
const BY_ACCOUNT_NUMBER: Input = Input::Path(&["countryCode", "accountNumber"]);

pub(crate) static BALANCE: Spec =
    Spec { op: &ACCOUNT_BALANCE, input: BY_ACCOUNT_ID, validate: validate_balance, execute: balance };
pub(crate) static INQUIRY: Spec =
    Spec { op: &ACCOUNT_INQUIRY, input: BY_ACCOUNT_NUMBER, validate: validate_inquiry, execute: inquiry };
pub(crate) static VALIDATION: Spec =
    Spec { op: &ACCOUNT_VALIDATION, input: Input::Body, validate: validate_validation, execute: validation };
pub(crate) static MINI: Spec =
    Spec { op: &MINI_STATEMENT, input: BY_ACCOUNT_NUMBER, validate: validate_inquiry, execute: mini_statement };
pub(crate) static OPENING_CLOSING: Spec = Spec {
    op: &OPENING_CLOSING_BALANCE,
    input: Input::Body,
    validate: validate_opening_closing,
    execute: opening_closing,
};
pub(crate) static FULL: Spec =
    Spec { op: &FULL_STATEMENT, input: Input::Body, validate: validate_full, execute: full_statement };

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

/// A balance query (path parameters) once validated.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct BalanceQuery<'a> {
    country_code: &'a str,
    account_id: &'a str,
}

/// An account inquiry or a mini statement query (path parameters) once validated.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountQuery<'a> {
    country_code: &'a str,
    account_number: &'a str,
}

/// An account validation once validated.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidationRequest<'a> {
    country_code: &'a str,
    account_number: &'a str,
    account_full_name: &'a str,
    /// A string or null (the validator refuses anything else).
    #[serde(default, borrow)]
    charge_account: StringOrAbsent<'a>,
}

/// An opening and closing balance query once validated.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DayBalanceQuery<'a> {
    country_code: &'a str,
    account_id: &'a str,
    date: &'a str,
}

/// A full statement query once validated.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatementQuery<'a> {
    country_code: &'a str,
    account_number: &'a str,
    from_date: &'a str,
    to_date: &'a str,
    /// Absent or null: every line in the dates.
    #[serde(default)]
    limit: Option<Count>,
}

/// The caller's account `number` in `country`, or the documented 404.
fn own_account<'a>(call: &'a Call, country: &str, number: &str) -> Result<&'a Account, Failure> {
    let merchant = call.merchant();
    merchant.account(number).filter(|a| a.country_code == country).ok_or_else(|| {
        Failure::http(
            "ACCOUNT_NOT_FOUND",
            Some(format!("no account {number} in {country} for merchant {}", merchant.code)),
        )
    })
}

fn balance(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: BalanceQuery = pipeline::typed(&input)?;
    let account = own_account(call, query.country_code, query.account_id)?;
    let balance = call.state.ledger.balance(call.merchant(), &account.number).map(|b| b.to_string());
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
    let input = call.take_input();
    let query: AccountQuery = pipeline::typed(&input)?;
    let account = own_account(call, query.country_code, query.account_number)?;
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
    let input = call.take_input();
    let request: ValidationRequest = pipeline::typed(&input)?;
    if let Some(charge) = request.charge_account.0 {
        if !call.merchant().owns_account(charge) {
            return Err(Failure::http("ACCOUNT_NOT_FOUND", Some(format!("chargeAccount {charge} is not yours"))));
        }
    }
    let account = own_account(call, request.country_code, request.account_number)?;
    let normalise = |name: &str| name.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase();
    // A name that does not match is a successful request with a failed validation: HTTP 200, 104101.
    if normalise(request.account_full_name) != normalise(&account.name) {
        return Err(call.failure(104101));
    }
    Ok(call.success(
        json!({
            "account": {
                "fullNames": account.name,
                "currency": account.currency,
                "accountNumber": mask(&account.number),
                "status": account.status,
            }
        }),
        &[],
    ))
}

fn validate_opening_closing(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    check.one_of("countryCode", COUNTRIES);
    check.string("accountId");
    check.date("date");
    check.finish()
}

fn validate_full(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    check.one_of("countryCode", COUNTRIES);
    check.string("accountNumber");
    let from = check.date("fromDate").map(str::to_string);
    let to = check.date("toDate").map(str::to_string);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            check.problem("fromDate", format!("must not be after toDate ({to})"));
        }
    }
    if let Some(limit) = fields::get(input, "limit").filter(|v| !v.is_null()) {
        if fields::raw_text(limit).and_then(|l| fields::whole_number_from_one(&l)).is_none() {
            check.problem("limit", format!("must be a whole number from 1, not {limit}"));
        }
    }
    check.finish()
}

/// Movements between `fromDate` and `toDate` inclusive, oldest first, at most `limit` (reference §5.3).
fn full_statement(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: StatementQuery = pipeline::typed(&input)?;
    let account = own_account(call, query.country_code, query.account_number)?;
    let day_start = |date| fields::day_start_ms(date).unwrap_or_default();
    let (from, until) = (day_start(query.from_date), day_start(query.to_date) + 86_400_000);
    let limit = query.limit.map_or(usize::MAX, |Count(limit)| limit);
    let merchant = call.merchant();
    let lines = call.state.ledger.lines(merchant, &account.number);
    let transactions: Vec<Value> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| (from..until).contains(&line.at_ms))
        .take(limit)
        .map(|(serial, line)| {
            let at = crate::clock::Clock::at(line.at_ms);
            json!({
                "reference": line.reference,
                "date": at.format("%Y-%m-%dT00:00:00.000").to_string(),
                "description": line.description,
                "amount": line.cents.abs().to_json_number(),
                "serial": (serial + 1).to_string(),
                "postedDateTime": at.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
                "type": if line.cents.is_negative() { "Debit" } else { "Credit" },
                "runningBalance": {"currency": account.currency,
                                   "amount": line.balance_after.to_json_number()},
            })
        })
        .collect();
    Ok(statement(call, account, transactions))
}

/// A statement body (mini and full): the current balance and the given lines.
fn statement(call: &Call, account: &Account, transactions: Vec<Value>) -> Reply {
    let balance = call.state.ledger.balance(call.merchant(), &account.number).unwrap_or_default();
    let data = json!({
        "balance": balance.to_json_number(),
        "currency": account.currency,
        "accountNumber": account.number,
        "transactions": transactions,
    });
    call.success(data, &[])
}

/// The last 10 movements, newest first (reference §5.2).
fn mini_statement(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: AccountQuery = pipeline::typed(&input)?;
    let account = own_account(call, query.country_code, query.account_number)?;
    let merchant = call.merchant();
    let transactions: Vec<Value> = call
        .state
        .ledger
        .lines(merchant, &account.number)
        .iter()
        .rev()
        .take(10)
        .map(|line| {
            json!({
                "date": crate::clock::Clock::at(line.at_ms).format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
                "amount": line.cents.abs().to_string(),
                "description": line.description,
                "chequeNumber": null,
                "type": if line.cents.is_negative() { "Debit" } else { "Credit" },
            })
        })
        .collect();
    Ok(statement(call, account, transactions))
}

/// The balance at the start and at the end of `date` (UTC, sandbox clock).
fn opening_closing(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let query: DayBalanceQuery = pipeline::typed(&input)?;
    let account = own_account(call, query.country_code, query.account_id)?;
    let start = fields::day_start_ms(query.date).unwrap_or_default();
    let ledger = &call.state.ledger;
    let merchant = call.merchant();
    let at = |ms| ledger.balance_at(merchant, &account.number, ms).map(|b| b.to_string());
    let data = json!({"balances": [
        {"amount": at(start + 86_400_000), "type": "Closing Balance"},
        {"amount": at(start), "type": "Opening Balance"},
    ]});
    Ok(call.success(data, &[]))
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
