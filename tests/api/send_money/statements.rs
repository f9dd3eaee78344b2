//! Statements and balances after transfers: mini and full statements, a day's opening and
//! closing balance, and a balance the admin API set.

use super::*;

#[tokio::test]
async fn mini_statement_lists_transfers_newest_first_with_debits_and_credits() {
    let app = spawn_app().await;
    send(&app, &transfer("400000000001", "0020100014605", "1100194977404", "10.00")).await;
    send(&app, &transfer("400000000002", "1100194977404", "0020100014605", "2.50")).await;
    let response = app
        .get_signed("/v3-apis/account-api/v3.0/accounts/miniStatement/KE/0020100014605", "KE0020100014605", None)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let data = &body["data"];
    assert_eq!(data["balance"], json!(999992.5));
    assert_eq!(data["accountNumber"], "0020100014605");
    let lines = data["transactions"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!((lines[0]["type"].clone(), lines[0]["amount"].clone()), (json!("Credit"), json!("2.50")));
    assert_eq!((lines[1]["type"].clone(), lines[1]["amount"].clone()), (json!("Debit"), json!("10.00")));
}

#[tokio::test]
async fn opening_and_closing_balance_of_a_day_bracket_its_transfers() {
    let app = spawn_app().await;
    send(&app, &transfer("400000000003", "0020100014605", "1100194977404", "100.00")).await;
    let today = app.admin_get("/__sandbox/clock").await["now"].as_str().unwrap()[..10].to_string();
    let body = json!({"countryCode": "KE", "accountId": "0020100014605", "date": today});
    let signed = format!("0020100014605KE{today}");
    let response =
        app.post_signed("/v3-apis/account-api/v3.0/accounts/accountBalance/query", &body, &signed, None).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer["data"]["balances"],
        json!([{"amount": "999900.00", "type": "Closing Balance"}, {"amount": "1000000.00", "type": "Opening Balance"}])
    );
}

#[tokio::test]
async fn an_admin_set_balance_is_what_transfers_and_balances_see() {
    let app = spawn_app().await;
    let put = |number: &str, body: Value| {
        app.client.put(app.url(&format!("/__sandbox/accounts/{number}"))).json(&body).send()
    };
    let response = put("0020100014605", json!({"balance": "50.00"})).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(balance(&app, "0020100014605").await, "50.00");
    let (status, body) = send(&app, &transfer("500000000001", "0020100014605", "1100194977404", "50.01")).await;
    assert_eq!((status, body["code"].clone()), (400, json!(400104)));
    let response = put("7770000000001", json!({"balance": 12.5, "currency": "KES"})).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(balance(&app, "7770000000001").await, "12.50");
    for bad in [
        json!({"balance": "abc"}),
        json!({"balance": "1", "colour": "red"}),
        json!({"balance": "1", "dailyLimit": "five"}),
        json!({}),
    ] {
        let response = put("0020100014605", bad.clone()).await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn full_statement_lists_the_days_movements_with_running_balances() {
    let app = spawn_app().await;
    send(&app, &transfer("600000000001", "0020100014605", "1100194977404", "100.00")).await;
    send(&app, &transfer("600000000002", "0020100014605", "1100194977404", "50.00")).await;
    let today = app.admin_get("/__sandbox/clock").await["now"].as_str().unwrap()[..10].to_string();
    let body =
        json!({"countryCode": "KE", "accountNumber": "0020100014605", "fromDate": today, "toDate": today, "limit": 10});
    let signed = format!("0020100014605KE{today}");
    let response = app.post_signed("/v3-apis/account-api/v3.0/accounts/fullStatement", &body, &signed, None).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let lines = answer["data"]["transactions"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["reference"], "600000000001");
    assert_eq!(lines[0]["runningBalance"], json!({"currency": "KES", "amount": 999900}));
    assert_eq!(lines[1]["runningBalance"]["amount"], 999850);
    assert_eq!(lines[1]["type"], "Debit");
    let body = json!({"countryCode": "KE", "accountNumber": "0020100014605", "fromDate": "2000-01-01", "toDate": "2000-01-02"});
    let response = app
        .post_signed("/v3-apis/account-api/v3.0/accounts/fullStatement", &body, "0020100014605KE2000-01-02", None)
        .await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["data"]["transactions"], json!([]));
}
