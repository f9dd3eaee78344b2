//! Money the ledger must never lose, invent or wrap: the largest balance, currencies, the rule
//! that refused a request, and balances read back from a state file. After every refusal the
//! balances are as they were and the server still answers.

use crate::helpers::*;
use serde_json::{json, Value};

const REMITTANCE: &str = "/v3-apis/transaction-api/v3.0/remittance";
/// The default merchant's KES account with a million, and its USD account with 50,000.
const KES: &str = "0020100014605";
const USD: &str = "0810178838044";
const OTHER_KES: &str = "1100194977404";
/// `Cents::MAX_BALANCE`.
const MAX_BALANCE: &str = "9999999999999.99";

async fn balances(app: &TestApp) -> Value {
    let accounts = app.admin_get(&format!("/__sandbox/accounts?merchant={MERCHANT}")).await;
    accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["number"].as_str().unwrap().to_string(), a["balance"].clone()))
        .collect()
}

async fn balance(app: &TestApp, account: &str) -> String {
    balances(app).await[account].as_str().unwrap().to_string()
}

async fn put_account(app: &TestApp, account: &str, body: Value) -> (u16, Value) {
    let response = app.client.put(app.url(&format!("/__sandbox/accounts/{account}"))).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn assert_healthy(app: &TestApp) {
    let response = app.client.get(app.url("/__sandbox/health")).send().await.unwrap();
    assert_eq!(response.status(), 200, "the server stays healthy");
}

/// The status, the scenario header and the body of a signed POST.
async fn post(app: &TestApp, path: &str, body: &Value, signed: &str) -> (u16, String, Value) {
    let response = app.post_signed(path, body, signed, None).await;
    let scenario = response.headers()["x-sandbox-scenario"].to_str().unwrap().to_string();
    (response.status().as_u16(), scenario, response.json().await.unwrap())
}

async fn last_journal_scenario(app: &TestApp) -> Value {
    app.last_request().await["scenario"].clone()
}

fn within_equity(reference: &str, from: &str, to: &str, amount: &str, currency: &str) -> (Value, String) {
    let body = json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": from},
        "destination": {"type": "bank", "countryCode": "KE", "name": "Tom Doe", "accountNumber": to},
        "transfer": {"type": "InternalFundsTransfer", "amount": amount, "currencyCode": currency,
                     "reference": reference, "date": "2023-10-13", "description": "test"}
    });
    (body, format!("{from}{amount}{currency}{reference}"))
}

async fn send_within_equity(app: &TestApp, transfer: (Value, String)) -> (u16, String, Value) {
    post(app, &format!("{REMITTANCE}/internalBankTransfer"), &transfer.0, &transfer.1).await
}

#[tokio::test]
async fn admin_balances_beyond_the_range_are_a_400_naming_the_field_and_the_limit() {
    // Arrange
    let app = spawn_app().await;
    let before = balances(&app).await;
    for (balance, problem) in [
        (json!("92233720368547758.07"), "above the largest balance"),
        (json!("10000000000000.00"), "above the largest balance"),
        (json!("-1.00"), "negative"),
        (json!("1.001"), "more than 2 decimal places"),
        (serde_json::from_str::<Value>("1e30").unwrap(), "not an amount"),
        (json!(99999999999999999999u128.to_string()), "above the largest balance"),
    ] {
        // Act
        let (status, body) = put_account(&app, KES, json!({"balance": balance})).await;
        // Assert
        assert_eq!(status, 400, "{balance}: {body}");
        let message = body.to_string();
        assert!(message.contains("balance") && message.contains(problem) && message.contains(MAX_BALANCE), "{message}");
    }
    let (status, body) = put_account(&app, KES, json!({"dailyLimit": "-5"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("dailyLimit"), "{body}");
    assert_eq!(balances(&app).await, before);
    let (status, body) = put_account(&app, KES, json!({"balance": MAX_BALANCE})).await;
    assert_eq!((status, body["balance"].clone()), (200, json!(MAX_BALANCE)), "the largest balance itself is taken");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_merchant_registered_with_an_out_of_range_opening_balance_is_refused() {
    let app = spawn_app().await;
    let account = |balance: &str| json!({"accounts": [{"number": "5550000000001", "currency": "KES", "name": "X", "balance": balance}]});
    for balance in ["92233720368547758.07", "-5.00"] {
        let response = app.put_merchant("5550000001", account(balance)).await;
        assert_eq!(response.status(), 400, "{balance}");
        let body: Value = response.json().await.unwrap();
        assert!(body.to_string().contains("5550000000001"), "{body}");
    }
    let merchants = app.admin_get("/__sandbox/merchants").await;
    assert!(!merchants.to_string().contains("5550000001"), "no merchant was created: {merchants}");
    assert_eq!(app.put_merchant("5550000001", account("10.00")).await.status(), 201);
}

#[tokio::test]
async fn a_credit_past_the_largest_balance_is_refused_and_moves_nothing() {
    // Arrange
    let app = spawn_app().await;
    assert_eq!(put_account(&app, KES, json!({"balance": "9999999999999.00"})).await.0, 200);
    let before = balances(&app).await;
    // Act
    let (status, scenario, body) =
        send_within_equity(&app, within_equity("300000000001", OTHER_KES, KES, "1.00", "KES")).await;
    // Assert
    assert_eq!((status, body["code"].clone()), (400, json!(400105)), "{body}");
    assert!(body["message"].as_str().unwrap().contains(MAX_BALANCE), "{body}");
    assert_eq!(scenario, "ledger:overflow");
    assert_eq!(last_journal_scenario(&app).await, "ledger:overflow");
    assert_eq!(balances(&app).await, before);
    let (status, _, _) = send_within_equity(&app, within_equity("300000000002", OTHER_KES, KES, "0.99", "KES")).await;
    assert_eq!(status, 200, "a credit up to the largest balance fits");
    assert_eq!(balance(&app, KES).await, MAX_BALANCE);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn stk_pushes_that_would_pass_the_largest_balance_are_refused_before_any_callback() {
    // Arrange
    let app = spawn_app().await;
    assert_eq!(put_account(&app, ACCOUNT, json!({"balance": "9999999999994.00"})).await.0, 200);
    let push = |reference: &str, amount: &str| {
        let mut body = stk_body(reference, "254764555291", &app.sink_url("overflow"));
        body["payment"]["amount"] = json!(amount);
        body
    };
    // Act: 5.99 fits; once it is pending, a further 0.01 would not.
    let fits = app.stk_push(&push("OVF000001", "5.99")).await;
    assert_eq!(fits.status(), 200);
    let refused = app.stk_push(&push("OVF000002", "0.01")).await;
    // Assert
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.headers()["x-sandbox-scenario"], "ledger:overflow");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], 114103, "{body}");
    assert!(app.callbacks_for("OVF000002").await.is_empty(), "a refused push sends no callback");
    let credited = wait_until(WAIT, || async {
        let now = balance(&app, ACCOUNT).await;
        (now != "9999999999994.00").then_some(now)
    })
    .await;
    assert_eq!(credited, MAX_BALANCE);
    let refused = app.stk_push(&push("OVF000003", "999999999999.99")).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(balance(&app, ACCOUNT).await, MAX_BALANCE);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_credit_to_an_account_in_another_currency_is_converted_at_the_fixture_rate_and_said_so() {
    // Arrange
    let app = spawn_app().await;
    // Act: KES 100 into the USD account, at the fixture's KES→USD 0.0078.
    let (status, _, body) = send_within_equity(&app, within_equity("300000000011", KES, USD, "100.00", "KES")).await;
    // Assert
    assert_eq!(status, 200, "{body}");
    assert_eq!(balance(&app, USD).await, "50000.78");
    assert_eq!(balance(&app, KES).await, "999900.00");
    let conversion = &body["data"]["conversions"][0];
    assert_eq!(
        (&conversion["accountNumber"], &conversion["fromCurrency"], &conversion["toCurrency"]),
        (&json!(USD), &json!("KES"), &json!("USD"))
    );
    assert_eq!((&conversion["rate"], &conversion["convertedAmount"]), (&json!(0.0078), &json!("0.78")));
    let statement = app
        .get_signed(&format!("/v3-apis/account-api/v3.0/accounts/miniStatement/KE/{USD}"), &format!("KE{USD}"), None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let line = &statement["data"]["transactions"][0];
    assert_eq!(line["amount"], "0.78");
    assert!(line["description"].as_str().unwrap().contains("KES 100.00 AT 0.0078"), "{line}");
}

#[tokio::test]
async fn a_swift_transfer_and_its_usd_charge_are_debited_in_the_source_currency() {
    // Arrange
    let app = spawn_app().await;
    let body = json!({
        "source": {"countryCode": "KE", "sourceCurrency": "KES", "name": "John Doe", "accountNumber": KES},
        "destination": {"type": "bank", "countryCode": "IT", "currency": "USD", "name": "rtest", "bankBic": "BRASITMMXXX",
                        "accountNumber": "10291281982198"},
        "transfer": {"type": "SWIFT", "amount": "100.00", "currencyCode": "USD", "reference": "300000000021",
                     "date": "2023-10-11", "description": "x", "chargeOption": "SELF"}
    });
    let signed = format!("3000000000212023-10-11{KES}10291281982198100.00");
    // Act
    let (status, _, answer) = post(&app, &format!("{REMITTANCE}/swift"), &body, &signed).await;
    // Assert: USD 120 at 122.6.
    assert_eq!(status, 200, "{answer}");
    assert_eq!(balance(&app, KES).await, "985288.00");
    assert_eq!(answer["data"]["conversions"][0]["convertedAmount"], "14712.00", "{answer}");
}

#[tokio::test]
async fn rails_that_do_not_convert_refuse_a_currency_mismatch_with_their_code() {
    // Arrange
    let app = spawn_app().await;
    let before = balances(&app).await;
    let rtgs = json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": USD},
        "destination": {"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "61", "accountNumber": "99901288715910"},
        "transfer": {"type": "RTGS", "amount": "200.00", "currencyCode": "KES", "reference": "300000000031", "date": "2023-10-13", "description": "x"}
    });
    let pesalink = json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": USD},
        "destination": {"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "57", "accountNumber": "99901288715910"},
        "transfer": {"type": "PesaLink", "amount": "500.00", "currencyCode": "KES", "reference": "300000000032", "date": "2023-10-13", "description": "x"}
    });
    let mobile = json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": USD},
        "destination": {"type": "mobile", "countryCode": "KE", "name": "A N Other", "mobileNumber": "254722000000", "walletName": "Mpesa"},
        "transfer": {"type": "MobileWallet", "amount": "100.00", "currencyCode": "KES", "reference": "300000000033", "date": "2023-10-13", "description": "x"}
    });
    let bill = json!({
        "biller": {"billerCode": "320320", "countryCode": "KE"},
        "bill": {"reference": "10170476767676", "amount": "111.00", "currency": "KES"},
        "payer": {"name": "A. N Other", "reference": "300000000034", "mobileNumber": "0764555320"},
        "partnerId": USD
    });
    let till = json!({
        "merchant": {"till": "0766112112"},
        "payment": {"ref": "300000000035", "amount": "1000.00", "currency": "KES"},
        "partner": {"id": USD, "ref": "987654321"}
    });
    let airtime = json!({"customer": {"countryCode": "KE", "mobileNumber": "0765555131", "accountNumber": USD},
                         "airtime": {"amount": "100", "reference": "300000000036", "telco": "Safaricom"}});
    let cases = [
        ("rtgs", rtgs, format!("3000000000312023-10-13{USD}99901288715910200.00"), 103107),
        ("pesalinkacc", pesalink, format!("500.00KES300000000032Tom Doe{USD}"), 100124),
        ("sendmobile", mobile, format!("100.00KES300000000033{USD}"), 400105),
        ("bills/pay", bill, format!("320320111.00300000000034{USD}"), 102106),
        ("tills/pay", till, format!("0766112112{USD}1000.00KES300000000035"), 102106),
        ("airtime", airtime, "Safaricom100300000000036".to_string(), 107106),
    ];
    for (path, body, signed, code) in cases {
        let path = match path {
            "bills/pay" | "tills/pay" | "airtime" => format!("/v3-apis/transaction-api/v3.0/{path}"),
            rail => format!("{REMITTANCE}/{rail}"),
        };
        // Act
        let (status, scenario, answer) = post(&app, &path, &body, &signed).await;
        // Assert
        assert_eq!((status, answer["code"].clone()), (400, json!(code)), "{path}: {answer}");
        assert_eq!(scenario, "ledger:currency", "{path}");
        assert!(answer["message"].as_str().unwrap().contains("holds USD"), "{path}: {answer}");
        assert_eq!(balances(&app).await, before, "{path} moved money");
    }
    // An STK push collects KES: a USD account cannot take it.
    let mut push = stk_body("CUR000001", "254764555291", &app.sink_url("currency"));
    push["merchant"]["accountNumber"] = json!(USD);
    let refused = app.stk_push(&push).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.headers()["x-sandbox-scenario"], "ledger:currency");
    assert_eq!(refused.json::<Value>().await.unwrap()["code"], 114107);
    assert!(app.callbacks_for("CUR000001").await.is_empty());
    assert_eq!(balances(&app).await, before);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn ledger_refusals_name_their_rule_in_the_scenario_header_and_the_journal() {
    // Arrange
    let app = spawn_app().await;
    assert_eq!(put_account(&app, OTHER_KES, json!({"dailyLimit": "50.00"})).await.0, 200);
    let before = balances(&app).await;
    let cases = [
        (within_equity("300000000041", "1450160649886", KES, "5655.59", "KES"), "ledger:insufficient-funds"),
        (within_equity("300000000042", OTHER_KES, KES, "50.01", "KES"), "ledger:daily-limit"),
        (within_equity("300000000041", KES, OTHER_KES, "1.00", "KES"), "ledger:duplicate-reference"),
    ];
    for (transfer, rule) in cases {
        // Act
        let (status, scenario, body) = send_within_equity(&app, transfer).await;
        // Assert
        assert_eq!(status, 400, "{body}");
        assert_eq!(scenario, rule);
        assert_eq!(last_journal_scenario(&app).await, rule);
    }
    assert_eq!(balances(&app).await, before);
    let (status, scenario, _) =
        send_within_equity(&app, within_equity("300000000043", KES, OTHER_KES, "1.00", "KES")).await;
    assert_eq!((status, scenario.as_str()), (200, "default"), "a success still says default");
}

#[tokio::test]
async fn pesalink_imt_to_a_bank_names_the_destination_account_not_the_mobile_number() {
    // Arrange
    let app = spawn_app().await;
    let body = json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": KES},
        "destination": {"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "57", "accountNumber": "99901288715910",
                        "documentType": "NationalId", "documentNumber": "555555", "mobileNumber": "254722000000"},
        "sender": {"name": "Jane Sender", "documentType": "NationalId", "documentNumber": "23456789",
                   "countryCode": "UG", "mobileNumber": "256772000000", "email": "jane@example.com"},
        "transfer": {"type": "PesaLink", "amount": "500.00", "currencyCode": "KES", "reference": "300000000051", "date": "2023-10-13", "description": "x"}
    });
    let signed = format!("500.00KES300000000051Tom Doe{KES}");
    // Act
    let (status, _, answer) = post(&app, &format!("{REMITTANCE}/pesalinkacc/imt"), &body, &signed).await;
    // Assert
    assert_eq!(status, 200, "{answer}");
    let description = answer["data"]["description"].as_str().unwrap();
    assert!(description.contains("Sent to 99901288715910"), "{description}");
    assert!(!description.contains("254722000000"), "{description}");
    let statement = app
        .get_signed(&format!("/v3-apis/account-api/v3.0/accounts/miniStatement/KE/{KES}"), &format!("KE{KES}"), None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(statement["data"]["transactions"][0]["description"], "PESALINK TO 99901288715910 REF 300000000051");
}

#[tokio::test]
async fn a_bill_amount_sent_as_a_huge_number_is_refused_not_paid_for_nothing() {
    let app = spawn_app().await;
    let before = balances(&app).await;
    let body = json!({
        "biller": {"billerCode": "320320", "countryCode": "KE"},
        "bill": {"reference": "10170476767676", "amount": serde_json::from_str::<Value>("1e300").unwrap(), "currency": "KES"},
        "payer": {"name": "A. N Other", "reference": "300000000061", "mobileNumber": "0764555320"},
        "partnerId": KES
    });
    let (status, _, answer) =
        post(&app, "/v3-apis/transaction-api/v3.0/bills/pay", &body, &format!("3203201e300300000000061{KES}")).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("bill.amount"), "{answer}");
    assert_eq!(balances(&app).await, before);
}

/// A state file saved in `dir` by a running sandbox, with `edit` applied to its JSON.
async fn state_file_with(dir: &TempDir, name: &str, edit: impl FnOnce(&mut Value)) -> std::path::PathBuf {
    let app = spawn_app().await;
    let (status, _, _) = send_within_equity(&app, within_equity("300000000071", KES, OTHER_KES, "1.00", "KES")).await;
    assert_eq!(status, 200);
    let path = dir.path().join(format!("{name}.json"));
    jenga_sandbox::persist::save(&app.state, &path).unwrap();
    let mut saved: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut saved);
    std::fs::write(&path, saved.to_string()).unwrap();
    path
}

#[tokio::test]
async fn a_state_file_with_an_out_of_range_balance_is_refused_naming_the_file_and_account() {
    let set_balance = |cents: i64| {
        move |saved: &mut Value| {
            for entry in saved["ledger"]["accounts"].as_array_mut().unwrap() {
                if entry[1] == KES {
                    entry[2] = json!(cents);
                }
            }
        }
    };
    let dir = temp_dir();
    let negative = state_file_with(&dir, "negative", set_balance(-50_000)).await;
    let wrapped = state_file_with(&dir, "wrapped", set_balance(i64::MAX)).await;
    let opening = state_file_with(&dir, "opening", |saved| {
        let merchant = &mut saved["merchants"][0];
        merchant["accounts"][0]["balance"] = json!("-5.00");
    })
    .await;
    for (path, expected) in [(&negative, KES), (&wrapped, KES), (&opening, "balance \"-5.00\"")] {
        let settings_path = path.clone();
        let error = match jenga_sandbox::startup::Application::build({
            let mut settings = jenga_sandbox::config::Settings::for_tests();
            settings.state = Some(settings_path);
            settings
        })
        .await
        {
            Ok(_) => panic!("{} was accepted", path.display()),
            Err(error) => error.to_string(),
        };
        assert!(error.contains(&path.display().to_string()) && error.contains(expected), "{error}");
    }
}
