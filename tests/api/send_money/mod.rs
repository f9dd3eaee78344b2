use crate::helpers::*;
use serde_json::{json, Value};

mod statements;

const WITHIN: &str = "/v3-apis/transaction-api/v3.0/remittance/internalBankTransfer";

fn transfer(reference: &str, from: &str, to: &str, amount: &str) -> Value {
    json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": from},
        "destination": {"type": "bank", "countryCode": "KE", "name": "Tom Doe", "accountNumber": to},
        "transfer": {"type": "InternalFundsTransfer", "amount": amount, "currencyCode": "KES", "reference": reference,
                     "date": "2023-10-13", "description": "test"}
    })
}

async fn send(app: &TestApp, body: &Value) -> (u16, Value) {
    let t = &body["transfer"];
    let signed = format!(
        "{}{}{}{}",
        body["source"]["accountNumber"].as_str().unwrap(),
        t["amount"].as_str().unwrap(),
        t["currencyCode"].as_str().unwrap(),
        t["reference"].as_str().unwrap()
    );
    let response = app.post_signed(WITHIN, body, &signed, None).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn balance(app: &TestApp, account: &str) -> String {
    let response = app
        .get_signed(&format!("/v3-apis/account-api/v3.0/accounts/balances/KE/{account}"), &format!("KE{account}"), None)
        .await;
    let body: Value = response.json().await.unwrap();
    body["data"]["balances"][0]["amount"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn within_equity_transfer_debits_the_source_and_credits_an_own_destination() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let (status, body) = send(&app, &transfer("192112602006", "0020100014605", "1100194977404", "500.00")).await;
    // Assert
    assert_eq!(status, 200);
    assert_eq!(body["reference"], "192112602006");
    assert_eq!(body["data"]["status"], "SUCCESS");
    assert_eq!(balance(&app, "0020100014605").await, "999500.00");
    assert_eq!(balance(&app, "1100194977404").await, "100500.00");
}

#[tokio::test]
async fn within_equity_transfer_beyond_the_balance_answers_400104_and_moves_nothing() {
    let app = spawn_app().await;
    let (status, body) = send(&app, &transfer("192112602007", "1450160649886", "1100194977404", "5655.59")).await;
    assert_eq!((status, body["code"].clone()), (400, json!(400104)));
    assert_eq!(body["message"], "Failed, insufficient funds");
    assert_eq!(balance(&app, "1450160649886").await, "5655.58");
    let (status, _) = send(&app, &transfer("192112602008", "1450160649886", "1100194977404", "5655.58")).await;
    assert_eq!(status, 200);
    assert_eq!(balance(&app, "1450160649886").await, "0.00");
}

#[tokio::test]
async fn within_equity_transfer_above_999999_answers_118110() {
    let app = spawn_app().await;
    let (status, body) = send(&app, &transfer("192112602009", "0020100014605", "1100194977404", "1000000.00")).await;
    assert_eq!((status, body["code"].clone()), (400, json!(118110)));
}

#[tokio::test]
async fn an_amount_too_large_for_the_ledger_is_refused_and_moves_nothing() {
    let app = spawn_app().await;
    // One cent past what 64-bit cents hold: it used to pass as a transfer of 0.00.
    let (status, body) =
        send(&app, &transfer("192112602019", "0020100014605", "1100194977404", "92233720368547758.08")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("transfer.amount"), "{body}");
    assert_eq!(balance(&app, "0020100014605").await, "1000000.00");
    let transactions = app.admin_get("/__sandbox/transactions").await;
    assert_eq!(transactions.as_array().unwrap().len(), 0, "{transactions}");
}

#[tokio::test]
async fn within_equity_transfer_with_a_reused_reference_answers_400101() {
    let app = spawn_app().await;
    send(&app, &transfer("192112602010", "0020100014605", "1100194977404", "1.00")).await;
    let (status, body) = send(&app, &transfer("192112602010", "0020100014605", "1100194977404", "1.00")).await;
    assert_eq!((status, body["code"].clone()), (400, json!(400101)));
    assert_eq!(balance(&app, "0020100014605").await, "999999.00");
}

#[tokio::test]
async fn within_equity_transfer_of_type_eft_is_accepted_and_recorded() {
    let app = spawn_app().await;
    let mut body = transfer("192112602011", "0020100014605", "1100194977404", "1.00");
    body["transfer"]["type"] = json!("EFT");
    let (status, _) = send(&app, &body).await;
    assert_eq!(status, 200);
    let entry = &app.last_request().await;
    assert_eq!(entry["variants"]["transfer.type"], "EFT");
}

#[tokio::test]
async fn within_equity_transfer_is_reported_by_transaction_details_and_undone_by_reset() {
    let app = spawn_app().await;
    send(&app, &transfer("192112602012", "0020100014605", "1100194977404", "250.00")).await;
    let response =
        app.get_signed("/v3-apis/transaction-api/v3.0/transactions/details/192112602012", "192112602012", None).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["serviceName"], "InternalFundsTransfer");
    assert_eq!(body["data"]["amount"], 250);
    app.admin_post("/__sandbox/reset", json!({})).await;
    assert_eq!(balance(&app, "0020100014605").await, "1000000.00");
}

#[tokio::test]
async fn within_equity_transfer_from_a_foreign_account_answers_404() {
    let app = spawn_app().await;
    let (status, body) = send(&app, &transfer("192112602013", "9990000000001", "1100194977404", "1.00")).await;
    assert_eq!((status, body["error_code"].clone()), (404, json!("ACCOUNT_NOT_FOUND")));
}

#[tokio::test]
async fn parallel_transfers_from_one_account_never_overdraw_it_and_conserve_money() {
    // Arrange: 5655.58 on the source; 50 transfers of 200.00 at once can fit 28 times.
    let app = spawn_app().await;
    let bodies: Vec<Value> =
        (0..50).map(|i| transfer(&format!("3000000000{i:02}"), "1450160649886", "1100194977404", "200.00")).collect();
    // Act
    let results = futures_util::future::join_all(bodies.iter().map(|b| send(&app, b))).await;
    // Assert
    let accepted = results.iter().filter(|(status, _)| *status == 200).count();
    let refused = results.iter().filter(|(_, body)| body["code"] == 400104).count();
    assert_eq!((accepted, refused), (28, 22));
    assert_eq!(balance(&app, "1450160649886").await, "55.58");
    assert_eq!(balance(&app, "1100194977404").await, "105600.00");
}

async fn post_rail(app: &TestApp, rail: &str, body: &Value, signed: &str) -> (u16, Value) {
    let response =
        app.post_signed(&format!("/v3-apis/transaction-api/v3.0/remittance/{rail}"), body, signed, None).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

fn mobile_transfer(reference: &str, wallet: &str, amount: &str) -> Value {
    json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": "0020100014605"},
        "destination": {"type": "mobile", "countryCode": "KE", "name": "A N Other", "mobileNumber": "254722000000", "walletName": wallet},
        "transfer": {"type": "MobileWallet", "amount": amount, "currencyCode": "KES", "reference": reference,
                     "date": "2023-10-13", "description": "test", "callbackUrl": "http://127.0.0.1:9/cb"}
    })
}

#[tokio::test]
async fn send_to_mobile_accepts_both_published_formulas_and_enforces_its_limits() {
    let app = spawn_app().await;
    let (status, body) = post_rail(
        &app,
        "sendmobile",
        &mobile_transfer("700000000001", "Mpesa", "100.00"),
        "100.00KES7000000000010020100014605",
    )
    .await;
    assert_eq!((status, body["data"]["status"].clone()), (200, json!("SUCCESS")));
    let (status, _) = post_rail(
        &app,
        "sendmobile",
        &mobile_transfer("700000000002", "Equitel", "100.00"),
        "0020100014605100.00KES700000000002",
    )
    .await;
    assert_eq!(status, 200);
    let entry = &app.last_request().await;
    assert_eq!(entry["variants"]["signature"], "equitel");
    let (status, body) = post_rail(
        &app,
        "sendmobile",
        &mobile_transfer("700000000003", "Mpesa", "70000.01"),
        "70000.01KES7000000000030020100014605",
    )
    .await;
    assert_eq!((status, body["code"].clone()), (400, json!(105158)));
    let (status, body) = post_rail(
        &app,
        "sendmobile",
        &mobile_transfer("700000000004", "Tkash", "1.00"),
        "1.00KES7000000000040020100014605",
    )
    .await;
    assert_eq!((status, body["code"].clone()), (400, json!(105160)));
    assert_eq!(balance(&app, "0020100014605").await, "999800.00");
}

#[tokio::test]
async fn rtgs_swift_and_pesalink_debit_the_source_with_their_own_formulas() {
    let app = spawn_app().await;
    let rtgs = json!({
        "source": {"countryCode": "KE", "currency": "KES", "name": "John Doe", "accountNumber": "0020100014605"},
        "destination": {"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "61", "accountNumber": "1100194977404"},
        "transfer": {"type": "RTGS", "amount": "200", "currencyCode": "KES", "reference": "16110014834489833", "date": "2023-10-13", "description": "x"}
    });
    let (status, _) = post_rail(&app, "rtgs", &rtgs, "161100148344898332023-10-1300201000146051100194977404200").await;
    assert_eq!(status, 200);
    let swift = json!({
        "source": {"countryCode": "KE", "sourceCurrency": "KES", "name": "John Doe", "accountNumber": "0020100014605"},
        "destination": {"type": "bank", "countryCode": "IT", "currency": "USD", "name": "rtest", "bankBic": "BRASITMMXXX", "accountNumber": "10291281982198", "addressline1": "24rth Street Turin"},
        "transfer": {"type": "SWIFT", "amount": "200.98", "currencyCode": "USD", "reference": "6a52ef6f0003432", "date": "2023-10-11", "description": "test transfer"}
    });
    let (status, _) =
        post_rail(&app, "swift", &swift, "6a52ef6f00034322023-10-11002010001460510291281982198200.98").await;
    assert_eq!(status, 200);
    let pesalink = json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": "0020100014605"},
        "destination": {"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "57", "accountNumber": "99901288715910"},
        "transfer": {"type": "PesaLink", "amount": "500.00", "currencyCode": "KES", "reference": "112194688993", "date": "2023-10-13", "description": "x"}
    });
    let (status, _) = post_rail(&app, "pesalinkacc", &pesalink, "500.00KES112194688993Tom Doe0020100014605").await;
    assert_eq!(status, 200);
    // SWIFT sends USD from a KES account: 200.98 at the fixture's 122.6 is KES 24,640.15.
    assert_eq!(balance(&app, "0020100014605").await, format!("{:.2}", 1_000_000.0 - 200.0 - 24_640.15 - 500.0));
    let (status, body) = post_rail(&app, "rtgs", &json!({}), "x").await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("destination.bankCode"), "{body}");
}

#[tokio::test]
async fn an_unknown_remittance_rail_is_not_found() {
    let app = spawn_app().await;
    let (status, body) = post_rail(&app, "teleport", &json!({}), "x").await;
    assert_eq!((status, body["error_code"].clone()), (404, json!("NOT_FOUND")));
}

fn imt_parts(mut body: Value) -> Value {
    body["sender"] = json!({"name": "Jane Sender", "documentType": "NationalId", "documentNumber": "23456789",
                            "countryCode": "UG", "mobileNumber": "256772000000", "email": "jane@example.com"});
    body["destination"]["documentType"] = json!("NationalId");
    body["destination"]["documentNumber"] = json!("555555");
    body["destination"]["mobileNumber"] = json!("254722000000");
    body
}

#[tokio::test]
async fn imt_within_equity_needs_the_sender_and_then_moves_money_like_its_domestic_twin() {
    // Arrange
    let app = spawn_app().await;
    let path = "/v3-apis/transaction-api/v3.0/remittance/internalBankTransfer/imt";
    let plain = transfer("192112603001", "0020100014605", "1100194977404", "10.00");
    let signed = "002010001460510.00KES192112603001";
    // Act
    let (status, missing) = post_rail_path(&app, path, &plain, signed).await;
    let (ok_status, ok) = post_rail_path(&app, path, &imt_parts(plain.clone()), signed).await;
    // Assert
    assert_eq!(status, 400);
    assert!(missing["message"].as_str().unwrap().contains("sender.documentNumber"), "{missing}");
    assert_eq!((ok_status, ok["data"]["status"].clone()), (200, json!("SUCCESS")));
    assert_eq!(balance(&app, "0020100014605").await, "999990.00");
    let journal = app.admin_get("/__sandbox/requests?operation=send_within_equity_imt").await;
    assert_eq!(journal.as_array().unwrap().len(), 2, "{journal}");
}

#[tokio::test]
async fn imt_to_mobile_and_pesalink_variants_are_served_with_their_twins_formulas() {
    let app = spawn_app().await;
    let mobile = imt_parts(mobile_transfer("192112603002", "Mpesa", "20.00"));
    let (status, body) = post_rail_path(
        &app,
        "/v3-apis/transaction-api/v3.0/remittance/sendmobile/imt",
        &mobile,
        "20.00KES1921126030020020100014605",
    )
    .await;
    assert_eq!((status, body["status"].clone()), (200, json!(true)), "{body}");
    let (status, body) =
        post_rail_path(&app, "/v3-apis/transaction-api/v3.0/remittance/sendmobile/imt", &mobile, "wrong").await;
    assert_eq!((status, body["status"].clone()), (403, json!(false)));
}

#[tokio::test]
async fn send_to_mobile_with_a_callback_url_reports_the_final_status_there() {
    let app = spawn_app().await;
    let mut body = mobile_transfer("192112603003", "Mpesa", "30.00");
    body["transfer"]["callbackUrl"] = json!(app.sink_url("sendmobile"));
    let (status, _) = post_rail(&app, "sendmobile", &body, "30.00KES1921126030030020100014605").await;
    assert_eq!(status, 200);
    let received = wait_until(WAIT, || async { app.sink("sendmobile").await.into_iter().next() }).await;
    assert_eq!(received["body"]["transactionReference"], "192112603003");
    assert_eq!(received["body"]["status"], true);
    assert_eq!(received["body"]["walletName"], "Mpesa");
}

#[tokio::test]
async fn camel_case_paths_also_answer_in_lower_case_and_with_trailing_or_doubled_slashes() {
    let app = spawn_app().await;
    for path in [
        "/v3-apis/account-api/v3.0/accounts/accountbalance/query",
        "/v3-apis/account-api/v3.0/accounts/accountBalance/query/",
        "/v3-apis//account-api/v3.0/accounts/accountBalance/query//",
    ] {
        let body = json!({"countryCode": "KE", "accountId": "0011547896523", "date": "2023-10-13"});
        let response = app.post_signed(path, &body, "0011547896523KE2023-10-13", None).await;
        assert_eq!(response.status(), 200, "{path}");
    }
}

async fn post_rail_path(app: &TestApp, path: &str, body: &Value, signed: &str) -> (u16, Value) {
    let response = app.post_signed(path, body, signed, None).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn magic_destinations_answer_their_named_business_outcome_in_each_rails_wording() {
    let app = spawn_app().await;
    let cases = [
        ("0000000000001", 400104, "Failed, insufficient funds"),
        ("0000000000002", 400113, "Failed, sender daily limit exceeded"),
        ("0000000000003", 400103, "Failed, invalid destination bank account"),
        ("0000000000005", 100210, "Failed, transaction timed out"),
        ("0000000000006", 100222, "Failed, suspected fraud"),
    ];
    for (index, (destination, code, message)) in cases.into_iter().enumerate() {
        let reference = format!("19211260400{index}");
        let (status, body) = send(&app, &transfer(&reference, "0020100014605", destination, "1.00")).await;
        assert_eq!((status, body["code"].clone(), body["message"].clone()), (400, json!(code), json!(message)));
    }
    assert_eq!(balance(&app, "0020100014605").await, "1000000.00", "nothing moved");
    let rtgs = json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": "0020100014605"},
        "destination": {"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "01",
                        "accountNumber": "0000000000001"},
        "transfer": {"type": "RTGS", "amount": "5.00", "currencyCode": "KES", "reference": "192112604100",
                     "date": "2023-10-13", "description": "x"}
    });
    let (_, body) = post_rail(&app, "rtgs", &rtgs, "1921126041002023-10-13002010001460500000000000015.00").await;
    assert_eq!((body["code"].clone(), body["message"].clone()), (json!(103104), json!("Insufficient funds.")));
}

#[tokio::test]
async fn named_business_scenarios_apply_to_any_operation_by_header() {
    let app = spawn_app().await;
    let body = transfer("192112604200", "0020100014605", "1100194977404", "1.00");
    let signed = "00201000146051.00KES192112604200";
    let response = app.post_signed(WITHIN, &body, signed, Some("duplicate-reference")).await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["code"], 400101);
    assert_eq!(response_scenario(&app, "duplicate-reference").await, 1);
    let response = app.post_signed(WITHIN, &body, signed, Some("service-unavailable")).await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!((answer["code"].clone(), answer["message"].clone()), (json!(401102), json!("Service Not available")));
}

async fn response_scenario(app: &TestApp, name: &str) -> usize {
    let journal = app.admin_get("/__sandbox/requests").await;
    journal.as_array().unwrap().iter().filter(|entry| entry["scenario"] == name).count()
}

#[tokio::test]
async fn a_daily_limit_refuses_the_transfer_that_would_pass_it_until_the_next_day() {
    // Arrange
    let app = spawn_app().await;
    let response = app
        .client
        .put(app.url("/__sandbox/accounts/0020100014605"))
        .json(&json!({"dailyLimit": "100.00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Act
    let (first, _) = send(&app, &transfer("192112605001", "0020100014605", "1100194977404", "60.00")).await;
    let (second, refused) = send(&app, &transfer("192112605002", "0020100014605", "1100194977404", "40.01")).await;
    let (third, _) = send(&app, &transfer("192112605003", "0020100014605", "1100194977404", "40.00")).await;
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 86_400})).await;
    let (next_day, _) = send(&app, &transfer("192112605004", "0020100014605", "1100194977404", "100.00")).await;
    // Assert
    assert_eq!((first, second, third, next_day), (200, 400, 200, 200));
    assert_eq!(refused["code"], 400113);
    assert_eq!(balance(&app, "0020100014605").await, "999800.00");
}

#[tokio::test]
async fn of_many_concurrent_identical_transfers_exactly_one_succeeds_and_moves_money() {
    // Arrange
    let app = spawn_app().await;
    let body = transfer("192112606001", "0020100014605", "1100194977404", "10.00");
    // Act
    let results = futures_util::future::join_all((0..40).map(|_| send(&app, &body))).await;
    // Assert
    let accepted = results.iter().filter(|(status, _)| *status == 200).count();
    let duplicates = results.iter().filter(|(_, body)| body["code"] == 400101).count();
    assert_eq!((accepted, duplicates), (1, 39));
    assert_eq!(balance(&app, "0020100014605").await, "999990.00");
    let statement = app.admin_get("/__sandbox/transactions").await;
    let recorded = statement.as_array().unwrap().iter().filter(|t| t["reference"] == "192112606001").count();
    assert_eq!(recorded, 1, "every accepted debit is recorded once");
}

#[tokio::test]
async fn a_reference_used_by_one_operation_is_a_duplicate_for_another_of_the_same_merchant_only() {
    let app = spawn_app().await;
    let (status, _) = send(&app, &transfer("192112606002", "0020100014605", "1100194977404", "1.00")).await;
    assert_eq!(status, 200);
    let mut mobile = mobile_transfer("192112606002", "Mpesa", "1.00");
    mobile["transfer"].as_object_mut().unwrap().remove("callbackUrl");
    let (status, body) = post_rail(&app, "sendmobile", &mobile, "1.00KES1921126060020020100014605").await;
    assert_eq!((status, body["code"].clone()), (400, json!(400101)));
}

/// The ids a short session produces: transfer ids and request ids.
async fn session_ids(seed: u64) -> Vec<String> {
    let app = spawn_app_with(|s| s.seed = seed).await;
    let mut ids = Vec::new();
    for reference in ["192112607001", "192112607002"] {
        let response = app
            .post_signed(
                WITHIN,
                &transfer(reference, "0020100014605", "1100194977404", "1.00"),
                &format!("00201000146051.00KES{reference}"),
                None,
            )
            .await;
        ids.push(response.headers()["x-sandbox-request-id"].to_str().unwrap().to_string());
        let body: Value = response.json().await.unwrap();
        ids.push(body["data"]["transactionId"].as_str().unwrap().to_string());
    }
    ids
}

#[tokio::test]
async fn the_same_seed_gives_the_same_ids_and_another_seed_others() {
    let first = session_ids(7).await;
    let again = session_ids(7).await;
    let other = session_ids(8).await;
    assert_eq!(first, again);
    assert_ne!(first, other);
}

#[tokio::test]
async fn account_alerts_report_debits_and_credits_with_basic_auth_in_the_alt_shape() {
    // Arrange
    let app = spawn_app().await;
    let alerts = json!({"alerts": {"url": app.sink_url("alerts"), "username": "alert-user", "password": "alert-pass"}});
    let response =
        app.client.put(app.url(&format!("/__sandbox/merchants/{MERCHANT}"))).json(&alerts).send().await.unwrap();
    assert_eq!(response.status(), 200);
    // Act
    let (status, _) = send(&app, &transfer("192112608001", "0020100014605", "1100194977404", "12.50")).await;
    // Assert
    assert_eq!(status, 200);
    let received = wait_until(WAIT, || async {
        let received = app.sink("alerts").await;
        (received.len() >= 2).then_some(received)
    })
    .await;
    let kinds: Vec<(String, String)> = received
        .iter()
        .map(|r| {
            (
                r["body"]["bank"]["transactionType"].as_str().unwrap().to_string(),
                r["body"]["bank"]["account"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(kinds.contains(&("Debit".into(), "0020100014605".into())), "{kinds:?}");
    assert!(kinds.contains(&("Credit".into(), "1100194977404".into())), "{kinds:?}");
    let alert = &received[0];
    assert_eq!(alert["body"]["callbackType"], "ALT");
    assert_eq!(alert["body"]["transaction"]["amount"], 12.5);
    assert_eq!(alert["body"]["customer"]["reference"], "192112608001");
    assert!(alert["headers"]["authorization"].as_str().unwrap().starts_with("Basic "));
}

#[tokio::test]
async fn account_alerts_for_credits_of_one_account_report_a_collected_push_only() {
    let app = spawn_app().await;
    let alerts = json!({"alerts": {"url": app.sink_url("credits"), "username": "u", "password": "p",
                                   "account": ACCOUNT, "kind": "credit"}});
    app.client.put(app.url(&format!("/__sandbox/merchants/{MERCHANT}"))).json(&alerts).send().await.unwrap();
    send(&app, &transfer("192112608002", "0020100014605", "1100194977404", "1.00")).await;
    let push = stk_body("ALERT00001", "254764555291", &app.sink_url("stk"));
    assert_eq!(app.stk_push(&push).await.status(), 200);
    let received = wait_until(WAIT, || async { app.sink("credits").await.into_iter().next() }).await;
    assert_eq!(received["body"]["bank"]["transactionType"], "Credit");
    assert_eq!(received["body"]["bank"]["account"], ACCOUNT);
    assert_eq!(received["body"]["customer"]["reference"], "ALERT00001");
    wait_until(WAIT, || async { app.sink("stk").await.into_iter().next() }).await;
    assert_eq!(app.sink("credits").await.len(), 1, "the transfer's debit was not reported");
}

#[tokio::test]
async fn an_rtgs_transfer_posted_to_the_swift_path_is_served_as_rtgs() {
    // One published SDK sends RTGS to `remittance/swift`.
    let app = spawn_app().await;
    let rtgs = json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": "0020100014605"},
        "destination": {"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "01",
                        "accountNumber": "1100194977404"},
        "transfer": {"type": "RTGS", "amount": "5.00", "currencyCode": "KES", "reference": "192112609001",
                     "date": "2023-10-13", "description": "x"}
    });
    let (status, body) = post_rail(&app, "swift", &rtgs, "1921126090012023-10-13002010001460511001949774045.00").await;
    assert_eq!(status, 200, "{body}");
    let journal = app.admin_get("/__sandbox/requests?operation=send_rtgs").await;
    assert_eq!(journal[0]["path"], "/v3-apis/transaction-api/v3.0/remittance/swift");
}

#[tokio::test]
async fn a_swift_transfer_with_charge_option_self_also_debits_the_20_usd_charge() {
    let app = spawn_app().await;
    let swift = |reference: &str, option: &str| {
        json!({
            "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": "0810178838044"},
            "destination": {"type": "bank", "countryCode": "IT", "name": "rtest", "bankBic": "BRASITMMXXX",
                            "accountNumber": "10291281982198"},
            "transfer": {"type": "SWIFT", "amount": "100.00", "currencyCode": "USD", "reference": reference,
                         "date": "2023-10-11", "description": "x", "chargeOption": option}
        })
    };
    let signed = |reference: &str| format!("{reference}2023-10-11081017883804410291281982198100.00");
    let (status, _) = post_rail(&app, "swift", &swift("SWIFTSELF001", "SELF"), &signed("SWIFTSELF001")).await;
    assert_eq!(status, 200);
    assert_eq!(balance(&app, "0810178838044").await, "49880.00");
    let (status, _) = post_rail(&app, "swift", &swift("SWIFTOTHER01", "OTHER"), &signed("SWIFTOTHER01")).await;
    assert_eq!(status, 200);
    assert_eq!(balance(&app, "0810178838044").await, "49780.00");
}
