use crate::helpers::*;
use serde_json::{json, Value};

const BILLS: &str = "/v3-apis/transaction-api/v3.0/bills/pay";
const TILLS: &str = "/v3-apis/transaction-api/v3.0/tills/pay";

fn bill(biller: &str, reference: &str, amount: &str) -> Value {
    json!({
        "biller": {"billerCode": biller, "countryCode": "KE"},
        "bill": {"reference": "10170476767676", "amount": amount, "currency": "KES"},
        "payer": {"name": "A. N Other", "account": "101704", "reference": reference, "mobileNumber": "0764555320"},
        "partnerId": "0020100014605",
        "remarks": "test"
    })
}

async fn pay_bill(app: &TestApp, body: &Value) -> (u16, Value) {
    let signed = format!(
        "{}{}{}{}",
        body["biller"]["billerCode"].as_str().unwrap(),
        body["bill"]["amount"].as_str().unwrap(),
        body["payer"]["reference"].as_str().unwrap(),
        body["partnerId"].as_str().unwrap()
    );
    let response = app.post_signed(BILLS, body, &signed, None).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn bill_payment_to_zuku_debits_the_partner_and_is_reported_as_a_bill_payment() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let (status, body) = pay_bill(&app, &bill("320320", "123451000002", "111.00")).await;
    // Assert
    assert_eq!(status, 200);
    assert_eq!(body["reference"], "123451000002");
    assert_eq!(body["data"]["status"], "SUCCESS");
    let details = app
        .get_signed("/v3-apis/transaction-api/v3.0/transactions/details/123451000002", "123451000002", None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(details["data"]["serviceName"], "Bill Payment");
    assert_eq!(details["data"]["biller"], "320320");
    let accounts = app.admin_get("/__sandbox/accounts?merchant=9999999999").await;
    let partner = accounts.as_array().unwrap().iter().find(|a| a["number"] == "0020100014605").unwrap().clone();
    assert_eq!(partner["balance"], "999889.00");
}

#[tokio::test]
async fn bill_payment_errors_use_the_bill_and_till_codes() {
    let app = spawn_app().await;
    let (status, body) = pay_bill(&app, &bill("999999", "123451000003", "1.00")).await;
    assert_eq!((status, body["code"].clone()), (400, json!(102103)));
    let (status, body) = pay_bill(&app, &bill("320320", "123451000004", "2000000.00")).await;
    assert_eq!((status, body["code"].clone()), (400, json!(102106)));
    pay_bill(&app, &bill("320320", "123451000005", "1.00")).await;
    let (status, body) = pay_bill(&app, &bill("320320", "123451000005", "1.00")).await;
    assert_eq!((status, body["code"].clone()), (400, json!(400101)));
}

#[tokio::test]
async fn bill_validation_needs_no_signature_and_answers_the_bill() {
    let app = spawn_app().await;
    let token = app.token().await;
    let body =
        json!({"billerCode": "320320", "customerRefNumber": "28055948", "amount": "1000.00", "amountCurrency": "KES"});
    let response = app.post_with_token("/v3-apis/transaction-api/v3.0/bills/validation", &token, &body).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["data"]["customerRefNumber"], "28055948");
    assert_eq!(answer["data"]["billStatus"], "true");
    assert_eq!(answer["data"]["status"], true);
}

#[tokio::test]
async fn bill_validation_echoes_an_amount_sent_as_a_number_in_its_digits_as_sent() {
    let app = spawn_app().await;
    let token = app.token().await;
    for (amount, echoed) in [("1000.50", "1000.50"), ("1000.5", "1000.5"), ("250", "250"), ("\"75.00\"", "75.00")] {
        let body = format!(
            r#"{{"billerCode": "320320", "customerRefNumber": "28055948", "amount": {amount}, "amountCurrency": "KES"}}"#
        );
        let response = app
            .client
            .post(app.url("/v3-apis/transaction-api/v3.0/bills/validation"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "amount {amount}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["data"]["amount"], echoed, "amount {amount}");
    }
}

#[tokio::test]
async fn till_payment_names_the_merchant_and_refuses_an_unknown_till() {
    let app = spawn_app().await;
    let body = json!({"merchant": {"till": "0766112112"}, "payment": {"ref": "123456789123", "amount": "1000.00", "currency": "KES"},
                      "partner": {"id": "0020100014605", "ref": "987654321"}});
    let response = app.post_signed(TILLS, &body, "076611211200201000146051000.00KES123456789123", None).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["merchantName"], "Sportify Ltd");
    assert_eq!(answer["code"], 0);
    let mut unknown = body.clone();
    unknown["merchant"]["till"] = json!("0700000000");
    unknown["payment"]["ref"] = json!("123456789124");
    let response = app.post_signed(TILLS, &unknown, "070000000000201000146051000.00KES123456789124", None).await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["code"], 102103);
}
