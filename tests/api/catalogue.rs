//! The error catalogue, end to end: every row of `GET /__sandbox/errors` is forced with
//! `X-Sandbox-Scenario: error:CODE` on a valid request of an operation that speaks one of the
//! row's families, in v3 and (where the family has a v2 operation) in v2, and must come back
//! with its code, the wording of the operation's own family, and the generation's envelope.

use crate::helpers::*;
use futures_util::stream::{self, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// How a probe proves who it is.
#[derive(Clone, Copy)]
enum Auth {
    /// A bearer token of the probe's generation.
    Bearer,
    /// The v3 token call: an `Api-Key` header and credentials in the body.
    ApiKey,
    /// The v2 token call: `Authorization: Basic <API key>` and a form.
    Basic,
}

enum Body {
    Empty,
    Json(Value),
    Form(&'static [(&'static str, &'static str)]),
}

/// A valid request of one operation; the scenario header turns it into any catalogue code.
struct Probe {
    /// The operation id the journal must record for it.
    op: &'static str,
    method: Method,
    path: String,
    body: Body,
    auth: Auth,
    /// The canonical string of a signed operation.
    signed: Option<String>,
}

impl Probe {
    fn new(op: &'static str, method: Method, path: &str, body: Body, signed: Option<String>) -> Self {
        Self { op, method, path: path.to_string(), body, auth: Auth::Bearer, signed }
    }

    fn is_v2(&self) -> bool {
        self.path.split('/').nth(2) == Some("v2")
    }
}

const ACCOUNT_V2: &str = "0011547896523";
const SOURCE: &str = "0020100014605";

fn transfer(kind: &str, destination: Value, reference: &str) -> Value {
    json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": SOURCE},
        "destination": destination,
        "transfer": {"type": kind, "amount": "10.00", "currencyCode": "KES", "reference": reference,
                     "date": "2023-10-13", "description": "catalogue"}
    })
}

fn rtgs(path: &str) -> Probe {
    let destination = json!({"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "61",
                             "accountNumber": "01100762802910"});
    let body = transfer("RTGS", destination, "900000000001");
    let signed = format!("9000000000012023-10-13{SOURCE}0110076280291010.00");
    Probe::new("send_rtgs", Method::POST, path, Body::Json(body), Some(signed))
}

fn within_equity(path: &str) -> Probe {
    let destination = json!({"type": "bank", "countryCode": "KE", "name": "Tom Doe", "accountNumber": "1100194977404"});
    let body = transfer("InternalFundsTransfer", destination, "900000000002");
    Probe::new(
        "send_within_equity",
        Method::POST,
        path,
        Body::Json(body),
        Some(format!("{SOURCE}10.00KES900000000002")),
    )
}

fn pesalink_bank(path: &str) -> Probe {
    let destination = json!({"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "57",
                             "accountNumber": "99901288715910"});
    let body = transfer("PesaLink", destination, "900000000003");
    let signed = format!("10.00KES900000000003Tom Doe{SOURCE}");
    Probe::new("send_pesalink_bank", Method::POST, path, Body::Json(body), Some(signed))
}

fn mobile_wallet(path: &str) -> Probe {
    let destination = json!({"type": "mobile", "countryCode": "KE", "name": "A N Other", "mobileNumber": "0763123456",
                             "walletName": "Mpesa"});
    let body = transfer("MobileWallet", destination, "900000000004");
    Probe::new(
        "send_mobile_wallet",
        Method::POST,
        path,
        Body::Json(body),
        Some(format!("10.00KES900000000004{SOURCE}")),
    )
}

fn airtime(path: &str, signed: String) -> Probe {
    let body = json!({"customer": {"countryCode": "KE", "mobileNumber": "0765555131"},
                      "airtime": {"amount": "100", "reference": "900000000005", "telco": "Safaricom"}});
    Probe::new("airtime", Method::POST, path, Body::Json(body), Some(signed))
}

fn bill_payment(path: &str) -> Probe {
    let body = json!({
        "biller": {"billerCode": "320320", "countryCode": "KE"},
        "bill": {"reference": "10170476767676", "amount": "111.00", "currency": "KES"},
        "payer": {"name": "A. N Other", "account": "101704", "reference": "900000000006", "mobileNumber": "0764555320"},
        "partnerId": SOURCE
    });
    Probe::new("bill_payment", Method::POST, path, Body::Json(body), Some(format!("320320111.00900000000006{SOURCE}")))
}

fn bill_validation(path: &str) -> Probe {
    let body =
        json!({"billerCode": "320320", "customerRefNumber": "28055948", "amount": "1000.00", "amountCurrency": "KES"});
    Probe::new("bill_validation", Method::POST, path, Body::Json(body), None)
}

fn identity(path: &str) -> Probe {
    let body = json!({"identity": {"documentType": "ID", "firstName": "John", "lastName": "Doe",
                                   "documentNumber": "555555", "countryCode": "KE"}});
    Probe::new("identity_verification", Method::POST, path, Body::Json(body), Some(format!("{MERCHANT}555555KE")))
}

fn forex(path: &str, body: Value) -> Probe {
    Probe::new("forex_rates", Method::POST, path, Body::Json(body), None)
}

fn signed_get(op: &'static str, path: &str, signed: &str) -> Probe {
    Probe::new(op, Method::GET, path, Body::Empty, Some(signed.to_string()))
}

fn get(op: &'static str, path: &str) -> Probe {
    Probe::new(op, Method::GET, path, Body::Empty, None)
}

fn mpesa_online() -> Probe {
    let body = json!({"customer": {"mobileNumber": "0722000000", "countryCode": "KE"},
                      "transaction": {"amount": "100", "description": "catalogue", "businessNumber": "174379",
                                      "reference": "900000000007"}});
    Probe::new("mpesa_online", Method::POST, "/transaction-test/v2/payment/mpesastkpush", Body::Json(body), None)
}

fn payment_status_v2() -> Probe {
    get("payment_status", "/transaction-test/v2/payments/900000000008")
}

fn order_status() -> Probe {
    get("mpesa_order_status", "/api-checkout/mpesa-stk-push/v3.0/status/order/ORDER900000009")
}

fn transaction_details() -> Probe {
    signed_get("transaction_details", "/v3-apis/transaction-api/v3.0/transactions/details/900000000010", "900000000010")
}

/// The probes for a catalogue family: (v3, v2). None on a side where no operation of that
/// generation speaks the family. An unknown family answers None, which fails the test.
fn probes_for(family: &str) -> Option<(Option<Probe>, Option<Probe>)> {
    const V3_TX: &str = "/v3-apis/transaction-api/v3.0";
    const V2_TX: &str = "/transaction-test/v2";
    let remit = |rail: &str| format!("{V3_TX}/remittance/{rail}");
    let v2_remit = format!("{V2_TX}/remittance");
    Some(match family {
        "http" => (
            Some(forex(
                &format!("{V3_TX}/foreignExchangeRates"),
                json!({"countryCode": "KE", "currencyCode": "USD", "amount": 1042, "toCurrency": "KES"}),
            )),
            Some(forex(&format!("{V2_TX}/foreignexchangerates"), json!({"countryCode": "KE", "currencyCode": "USD"}))),
        ),
        // No operation lists the v2 gateway family: its codes are answered by any v2 operation
        // from the code's first row (lookup's fallback).
        "v2_gateway" => (
            None,
            Some(forex(&format!("{V2_TX}/foreignexchangerates"), json!({"countryCode": "KE", "currencyCode": "USD"}))),
        ),
        "signature" => (
            Some(Probe::new(
                "account_validation",
                Method::POST,
                "/v3-apis/account-api/v3.0/account/validate",
                Body::Json(json!({"countryCode": "KE", "accountNumber": ACCOUNT_V2, "accountFullName": "A N Other"})),
                Some(format!("KE{ACCOUNT_V2}A N Other")),
            )),
            None,
        ),
        "merchant_authorization" => (
            Some(Probe {
                auth: Auth::ApiKey,
                ..Probe::new(
                    "authenticate",
                    Method::POST,
                    AUTH_PATH,
                    Body::Json(json!({"merchantCode": MERCHANT, "consumerSecret": SECRET})),
                    None,
                )
            }),
            Some(Probe {
                auth: Auth::Basic,
                ..Probe::new(
                    "authenticate",
                    Method::POST,
                    "/identity-test/v2/token",
                    Body::Form(&[("username", MERCHANT), ("password", SECRET)]),
                    None,
                )
            }),
        ),
        "account_profile" => (
            Some(signed_get(
                "account_inquiry",
                &format!("/v3-apis/account-api/v3.0/accounts/search/KE/{ACCOUNT_V2}"),
                &format!("KE{ACCOUNT_V2}"),
            )),
            Some(signed_get(
                "account_inquiry",
                &format!("/account-test/v2/search/KE/{ACCOUNT_V2}"),
                &format!("KE{ACCOUNT_V2}"),
            )),
        ),
        "rtgs" => (Some(rtgs(&remit("rtgs"))), Some(rtgs(&v2_remit))),
        "send_within_equity" => (Some(within_equity(&remit("internalBankTransfer"))), Some(within_equity(&v2_remit))),
        "pesalink" => (Some(pesalink_bank(&remit("pesalinkacc"))), Some(pesalink_bank(&v2_remit))),
        "send_mobile_wallet" => (Some(mobile_wallet(&remit("sendmobile"))), Some(mobile_wallet(&v2_remit))),
        "airtime" => (
            Some(airtime(&format!("{V3_TX}/airtime"), "Safaricom100900000000005".into())),
            Some(airtime(&format!("{V2_TX}/airtime"), format!("{MERCHANT}Safaricom100900000000005"))),
        ),
        "bill_till" => {
            (Some(bill_payment(&format!("{V3_TX}/bills/pay"))), Some(bill_payment(&format!("{V2_TX}/bills/pay"))))
        }
        "eazzypay_push" => (
            Some(get("eazzypay_merchants", &format!("{V3_TX}/merchants?page=1&per_page=1"))),
            Some(Probe::new(
                "eazzypay_push",
                Method::POST,
                &format!("{V2_TX}/payments"),
                Body::Json(json!({
                    "customer": {"mobileNumber": "0763000000", "countryCode": "KE"},
                    "transaction": {"amount": "105.00", "description": "catalogue", "type": "EazzyPayOnline",
                                    "reference": "900000000011"}
                })),
                Some(format!("900000000011105.00{MERCHANT}KE")),
            )),
        ),
        "mpesa_online" | "generic" => (None, Some(mpesa_online())),
        "payment_status" => (Some(transaction_details()), Some(payment_status_v2())),
        "refund" => (
            Some(Probe::new(
                "mpgs_refund",
                Method::POST,
                "/mpgs-direct-integration/api/v3.1/refundPayment",
                Body::Json(json!({"transactionReference": "MPGS900000012"})),
                None,
            )),
            Some(Probe::new(
                "eazzypay_refund",
                Method::POST,
                &format!("{V2_TX}/payments/refund"),
                Body::Json(json!({
                    "transaction": {"reference": "900000000011", "amount": "100.00", "service": "EazzyPayOnline",
                                    "channel": "EAZ", "description": "catalogue", "type": "refund"},
                    "customer": {"mobileNumber": "0763000000", "countryCode": "KE"}
                })),
                Some("100.00900000000011".into()),
            )),
        ),
        "identity" => {
            (Some(identity("/v3-apis/v3.0/validate/identity")), Some(identity("/customer-test/v2/identity/verify")))
        }
        "account_balance" => (
            Some(signed_get(
                "account_balance",
                &format!("/v3-apis/account-api/v3.0/accounts/balances/KE/{ACCOUNT_V2}"),
                &format!("KE{ACCOUNT_V2}"),
            )),
            Some(signed_get(
                "account_balance",
                &format!("/account-test/v2/accounts/balances/KE/{ACCOUNT_V2}"),
                &format!("KE{ACCOUNT_V2}"),
            )),
        ),
        "create_bill" => (
            Some(Probe::new(
                "payment_link",
                Method::POST,
                "/api-checkout/api/v1/create/payment-link",
                Body::Json(json!({
                    "customers": [{"firstName": "John", "lastName": "Doe", "email": "john@example.com", "countryCode": "KE"}],
                    "paymentLink": {"expiryDate": "2030-01-31", "saleDate": "2030-01-01", "saleType": "SERVICE",
                                    "paymentLinkType": "SINGLE", "name": "Catalogue", "description": "catalogue",
                                    "externalRef": "EXT900000013", "amountOption": "RESTRICTED", "amount": "1000.00",
                                    "currency": "KES"}
                })),
                Some("2030-01-311000.00KESRESTRICTEDEXT900000013".into()),
            )),
            None,
        ),
        "card" => (
            Some(Probe::new(
                "mpgs_validate",
                Method::POST,
                "/mpgs-direct-integration/api/v3.1/validatePayment",
                Body::Json(json!({
                    "transactionReference": "MPGS900000014", "merchantMID": "TESTJENGA_MISC", "apiOperation": "PAY",
                    "order": {"amount": "100.00", "currency": "KES", "reference": "ORDER900000014"}
                })),
                Some("MPGS900000014TESTJENGA_MISCPAY100.00KESORDER900000014".into()),
            )),
            None,
        ),
        "receive_mobile_wallet" => (Some(order_status()), None),
        "query_payment" => (Some(order_status()), Some(payment_status_v2())),
        "query_bill" => (
            Some(bill_validation(&format!("{V3_TX}/bills/validation"))),
            Some(bill_validation(&format!("{V2_TX}/bills/validation"))),
        ),
        "stk_push" => {
            let body = stk_body("CAT900000015", "254764555291", "http://127.0.0.1:9/callback");
            let signed = stk_canonical(&body);
            (Some(Probe::new("stk_push", Method::POST, STK_PATH, Body::Json(body), Some(signed))), None)
        }
        "transaction_status" => (
            Some(transaction_details()),
            Some(get("payment_details", "/transaction-test/v2/payments/details/900000000010")),
        ),
        _ => return None,
    })
}

/// The row that speaks for `code` to an operation with these families (most specific first):
/// the first row of the code in the first family that has one, else the code's first row.
fn worded<'a>(rows: &'a [Value], code: &Value, families: &[&str]) -> &'a Value {
    let of_code: Vec<&Value> = rows.iter().filter(|r| r["code"] == *code).collect();
    families
        .iter()
        .find_map(|family| of_code.iter().find(|r| r["families"].as_array().unwrap().iter().any(|f| f == family)))
        .copied()
        .unwrap_or(of_code[0])
}

/// What the v2 envelope answers for `row`: gateway rows of a status v2 has its own code for
/// (reference §4.3: 400 → 500102, 401 → 500103, 404 → 500104, 500 → 500105) speak as that row.
fn v2_speaker<'a>(rows: &'a [Value], row: &'a Value) -> &'a Value {
    let is_http = row["families"].as_array().unwrap().iter().any(|f| f == "http");
    let gateway = rows.iter().find(|r| r["families"] == json!(["v2_gateway"]) && r["v2Status"] == row["v2Status"]);
    match gateway {
        Some(gateway) if is_http => gateway,
        _ => row,
    }
}

/// One forced answer to check.
struct Case {
    label: String,
    op: &'static str,
    v2: bool,
    expected: Value,
}

#[tokio::test]
async fn every_catalogue_row_is_answered_with_its_code_wording_and_envelope_in_each_generation() {
    // Arrange
    let started = std::time::Instant::now();
    let app = spawn_app().await;
    let rows = app.admin_get("/__sandbox/errors").await.as_array().unwrap().clone();
    assert!(rows.len() > 100, "the catalogue lists {} rows", rows.len());
    let v3_token = app.token().await;
    let v2_token = app.v2_token().await;
    // One probe pair per family that some row names first; a family with no probe fails here.
    let mut probes: BTreeMap<String, (Option<Probe>, Option<Probe>)> = BTreeMap::new();
    let mut unprobed = Vec::new();
    for row in &rows {
        let family = row["families"][0].as_str().unwrap().to_string();
        if let std::collections::btree_map::Entry::Vacant(entry) = probes.entry(family) {
            match probes_for(entry.key()) {
                Some(pair) => {
                    entry.insert(pair);
                }
                None => unprobed.push(entry.into_key()),
            }
        }
    }
    assert!(
        unprobed.is_empty(),
        "catalogue families with no served operation to probe (pending): {unprobed:?}; add a probe for each"
    );
    // Each probe must be an operation that speaks its family (the v2 gateway family excepted).
    let mut signatures: BTreeMap<(String, bool), Option<String>> = BTreeMap::new();
    for (family, (v3, v2)) in &probes {
        assert!(v3.is_some() || v2.is_some(), "{family}: no probe in either generation");
        for probe in [v3, v2].into_iter().flatten() {
            let op = jenga_sandbox::startup::operations()
                .by_id(probe.op)
                .unwrap_or_else(|| panic!("{family}: unknown operation {}", probe.op));
            let names: Vec<&str> = op.families.iter().map(|f| f.name()).collect();
            assert!(
                family == "v2_gateway" || names.contains(&family.as_str()),
                "{family}: operation {} speaks only {names:?}",
                probe.op
            );
            signatures.insert((family.clone(), probe.is_v2()), probe.signed.as_deref().map(sign));
        }
    }
    let mut cases = Vec::new();
    for row in &rows {
        let family = row["families"][0].as_str().unwrap();
        let (v3, v2) = &probes[family];
        for probe in [v3, v2].into_iter().flatten() {
            let op = jenga_sandbox::startup::operations().by_id(probe.op).unwrap();
            let names: Vec<&str> = op.families.iter().map(|f| f.name()).collect();
            let expected = worded(&rows, &row["code"], &names);
            cases.push((
                row,
                probe,
                signatures[&(family.to_string(), probe.is_v2())].clone(),
                Case {
                    label: format!(
                        "{} {:?} ({family}) via {} {}",
                        row["code"],
                        row["message"].as_str().unwrap(),
                        if probe.is_v2() { "v2" } else { "v3" },
                        probe.op
                    ),
                    op: probe.op,
                    v2: probe.is_v2(),
                    expected: expected.clone(),
                },
            ));
        }
    }
    // Act
    let answers: Vec<(Case, u16, String, String, Value)> = stream::iter(cases)
        .map(|(row, probe, signature, case)| {
            let token = if probe.is_v2() { &v2_token } else { &v3_token };
            let mut request = app
                .client
                .request(probe.method.clone(), app.url(&probe.path))
                .header("X-Sandbox-Scenario", format!("error:{}", row["code"]));
            request = match probe.auth {
                Auth::Bearer => request.bearer_auth(token),
                Auth::ApiKey => request.header("Api-Key", API_KEY),
                Auth::Basic => request.header("Authorization", format!("Basic {API_KEY}")),
            };
            if let Some(signature) = signature {
                request = request.header("signature", signature);
            }
            request = match &probe.body {
                Body::Empty => request,
                Body::Json(body) => request.json(body),
                Body::Form(pairs) => request.form(pairs),
            };
            async move {
                let response = request.send().await.unwrap();
                let header = |name: &str| {
                    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
                };
                let (scenario, request_id) = (header("x-sandbox-scenario"), header("x-sandbox-request-id"));
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                (case, status, scenario, request_id, body)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    // Assert
    let journal = app.admin_get("/__sandbox/requests?limit=100000").await;
    let operation_of: BTreeMap<&str, &str> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap(), e["operation"].as_str().unwrap()))
        .collect();
    let mut failures = Vec::new();
    for (case, status, scenario, request_id, body) in &answers {
        let mut fail = |what: String| failures.push(format!("{}: {what}; got HTTP {status} {body}", case.label));
        let code = &case.expected["code"];
        if *scenario != format!("error:{code}") {
            fail(format!("X-Sandbox-Scenario {scenario:?}"));
        }
        if operation_of.get(request_id.as_str()) != Some(&case.op) {
            fail(format!("journal operation {:?}, expected {}", operation_of.get(request_id.as_str()), case.op));
        }
        if case.v2 {
            let speaker = v2_speaker(&rows, &case.expected);
            let expected = json!({
                "response_status": speaker["v2ResponseStatus"],
                "response_code": speaker["code"].to_string(),
                "response_msg": speaker["message"],
            });
            if *status as u64 != speaker["v2Status"].as_u64().unwrap() || *body != expected {
                fail(format!("expected HTTP {} {expected}", speaker["v2Status"]));
            }
        } else {
            let mut expected = json!({"status": false, "code": code, "message": case.expected["message"]});
            if let Some(error_code) = case.expected["errorCode"].as_str() {
                expected["error_code"] = json!(error_code);
            }
            if *status as u64 != case.expected["v3Status"].as_u64().unwrap() || *body != expected {
                fail(format!("expected HTTP {} {expected}", case.expected["v3Status"]));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} answers wrong:\n{}", failures.len(), answers.len(), failures.join("\n"));
    eprintln!("catalogue: {} answers checked in {:?}", answers.len(), started.elapsed());
}

#[tokio::test]
async fn an_unknown_catalogue_code_in_the_scenario_header_is_a_400_naming_it_in_each_envelope() {
    // Arrange
    let app = spawn_app().await;
    let (v3_token, v2_token) = (app.token().await, app.v2_token().await);
    let body = json!({"countryCode": "KE", "currencyCode": "USD"});
    let calls = [
        ("/v3-apis/transaction-api/v3.0/foreignExchangeRates", v3_token, "code", json!(400)),
        ("/transaction/v2/foreignexchangerates", v2_token, "response_code", json!("500102")),
    ];
    for (path, token, code_field, code) in calls {
        // Act
        let response = app
            .client
            .post(app.url(path))
            .bearer_auth(token)
            .header("X-Sandbox-Scenario", "error:424242")
            .json(&body)
            .send()
            .await
            .unwrap();
        // Assert
        assert_eq!(response.status(), 400, "{path}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer[code_field], code, "{path}: {answer}");
        assert!(answer.to_string().contains("424242"), "{path}: {answer}");
    }
}

/// The scenario header decides the answer only once the caller is authenticated (contract §5
/// ranks it above the stateful default, not above authentication): bearer calls already refuse
/// a bad token first, and the token calls must refuse bad credentials first too.
#[tokio::test]
async fn a_forced_code_on_a_token_call_still_needs_valid_credentials() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let v3 = app
        .client
        .post(app.url(AUTH_PATH))
        .header("Api-Key", API_KEY)
        .header("X-Sandbox-Scenario", "error:106201")
        .json(&json!({"merchantCode": MERCHANT, "consumerSecret": "wrong-secret"}))
        .send()
        .await
        .unwrap();
    let v2 = app
        .client
        .post(app.url("/identity-test/v2/token"))
        .header("Authorization", "Basic WRONG-API-KEY")
        .header("X-Sandbox-Scenario", "error:106201")
        .form(&[("username", MERCHANT), ("password", SECRET)])
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(v3.status(), 401);
    let body: Value = v3.json().await.unwrap();
    assert_eq!(body["code"], 401101, "{body}");
    assert_eq!(v2.status(), 401);
    let body: Value = v2.json().await.unwrap();
    assert_eq!(body["response_code"], "500103", "{body}");
}
