//! Requests as published clients send them where they depart from the docs (reference §14 and the
//! TypeScript SDK's source): each is served, and the journal says which variant was used.

use crate::helpers::*;
use serde_json::{json, Value};

async fn last_variants(app: &TestApp) -> Value {
    app.last_request().await["variants"].clone()
}

#[tokio::test]
async fn card_validation_on_the_v3_1_path_without_a_signature_is_served_and_noted() {
    // Arrange: the SDK's v3.1 body has no apiOperation and its card calls send no signature.
    let app = spawn_app().await;
    let token = app.token().await;
    let body = json!({"transactionReference": "TSCARD000001", "merchantMID": "TESTJENGA_MISC",
                      "order": {"amount": 10, "currency": "USD", "reference": "ORDER0001"}});
    // Act
    let v31 = app.post_with_token("/mpgs-direct-integration/api/v3.1/validatePayment", &token, &body).await;
    let v32 = app.post_with_token("/mpgs-direct-integration/api/v3.2/validatePayment", &token, &body).await;
    // Assert
    assert_eq!(v31.status(), 200);
    assert_eq!(v32.status(), 403, "the documented v3.2 call stays signed");
    let journal = app.admin_get("/__sandbox/requests?operation=mpgs_validate").await;
    assert!(journal[1]["variants"]["signature"].as_str().unwrap().contains("none sent"), "{journal}");
}

#[tokio::test]
async fn card_validation_signed_without_api_operation_matches_that_variant() {
    let app = spawn_app().await;
    let body = json!({"transactionReference": "TSCARD000002", "merchantMID": "TESTJENGA_MISC",
                      "order": {"amount": 10, "currency": "USD", "reference": "ORDER0002"}});
    let response = app
        .post_signed(
            "/mpgs-direct-integration/api/v3.1/validatePayment",
            &body,
            "TSCARD000002TESTJENGA_MISC10USDORDER0002",
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(last_variants(&app).await["signature"], "without-api-operation");
}

#[tokio::test]
async fn forex_between_two_foreign_currencies_crosses_through_kes() {
    let app = spawn_app().await;
    let body = json!({"countryCode": "KE", "currencyCode": "USD", "toCurrency": "GBP", "amount": 344});
    let token = app.token().await;
    let response = app.post_with_token("/v3-apis/transaction-api/v3.0/foreignExchangeRates", &token, &body).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["data"]["rate"], 0.7899, "122.6 / 155.2, to four places: {answer}");
}

#[tokio::test]
async fn imt_pesalink_with_a_lower_case_transfer_type_and_the_number_in_account_number_is_served() {
    let app = spawn_app().await;
    let body = json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": "0020100014605"},
        "destination": {"type": "mobile", "countryCode": "KE", "name": "Tom Doe", "bankCode": "01",
                        "accountNumber": "0722000000", "documentType": "NationalId", "documentNumber": "555555",
                        "mobileNumber": "0722000000"},
        "sender": {"name": "Jane", "documentType": "NationalId", "documentNumber": "1", "countryCode": "UG",
                   "mobileNumber": "256772000000", "email": "jane@example.com"},
        "transfer": {"type": "Pesalink", "amount": "5.00", "currencyCode": "KES", "reference": "TSIMT0000001",
                     "date": "2023-10-13", "description": "x"}
    });
    let signed = "5.00KESTSIMT0000001Tom Doe0020100014605";
    let path = "/v3-apis/transaction-api/v3.0/remittance/pesalinkMobile/imt";
    let response = app.post_signed(path, &body, signed, None).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(last_variants(&app).await["transfer.type"], "PesaLink (sent Pesalink)");
    let mut domestic = body.clone();
    domestic["destination"].as_object_mut().unwrap().remove("mobileNumber");
    domestic["transfer"]["reference"] = json!("TSPLM0000001");
    let response = app
        .post_signed(
            "/v3-apis/transaction-api/v3.0/remittance/pesalinkMobile",
            &domestic,
            "5.00KESTSPLM0000001Tom Doe0020100014605",
            None,
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(last_variants(&app).await["destination.mobileNumber"], "sent as destination.accountNumber");
}

#[tokio::test]
async fn airtime_on_the_short_path_and_a_bill_without_payer_account_are_served() {
    let app = spawn_app().await;
    let airtime = json!({"customer": {"countryCode": "KE", "mobileNumber": "0765555131"},
                         "airtime": {"amount": "10", "reference": "TSAIR0000001", "telco": "Safaricom"}});
    let response = app.post_signed("/v3-apis/airtime", &airtime, "Safaricom10TSAIR0000001", None).await;
    assert_eq!(response.status(), 200);
    let bill = json!({
        "biller": {"billerCode": "320320", "countryCode": "KE"},
        "bill": {"reference": "10170476767676", "amount": "10.00", "currency": "KES"},
        "payer": {"name": "A. N Other", "reference": "TSBILL000001", "mobileNumber": "0764555320"},
        "partnerId": "0020100014605"
    });
    let response = app
        .post_signed("/v3-apis/transaction-api/v3.0/bills/pay", &bill, "32032010.00TSBILL0000010020100014605", None)
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}
