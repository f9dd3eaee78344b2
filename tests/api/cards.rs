use crate::helpers::*;
use serde_json::{json, Value};

fn mpgs(version: &str, call: &str) -> String {
    format!("/mpgs-direct-integration/api/{version}/{call}")
}

fn validate_body(reference: &str) -> Value {
    json!({
        "transactionReference": reference, "merchantMID": "TESTJENGA_MISC", "apiOperation": "CREATE_SESSION",
        "responseUrl": "https://example.com/r", "returnUrl": "https://example.com/back",
        "order": {"amount": 100.56, "currency": "USD", "reference": "ORDERDEV10000059893"},
        "customer": {"firstName": "John", "lastName": "Doe", "email": "john@example.com"}
    })
}

fn validate_canonical(reference: &str) -> String {
    format!("{reference}TESTJENGA_MISCCREATE_SESSION100.56USDORDERDEV10000059893")
}

async fn step(app: &TestApp, call: &str, reference: &str) -> (u16, Value) {
    let body = json!({"transactionReference": reference});
    let response = app.post_signed(&mpgs("v3.1", call), &body, "unverified", None).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn card_payment_goes_through_validate_authenticate_authorize_status_and_refund() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let validated = app
        .post_signed(
            &mpgs("v3.2", "validatePayment"),
            &validate_body("DEV1000008837309"),
            &validate_canonical("DEV1000008837309"),
            None,
        )
        .await;
    // Assert
    assert_eq!(validated.status(), 200);
    let body: Value = validated.json().await.unwrap();
    assert_eq!((body["status"].clone(), body["code"].clone()), (json!(true), json!(200)));
    assert_eq!(body["message"], "Payment validated successfully.");
    assert_eq!(body["data"]["amount"], 100.56);
    assert_eq!(body["data"]["chargeBearer"], "CUSTOMER");
    let (_, pending) = step(&app, "transactionStatus", "DEV1000008837309").await;
    assert_eq!(pending["data"]["status"], "PENDING");
    let (status, authenticated) = step(&app, "authenticatePayment", "DEV1000008837309").await;
    assert_eq!((status, authenticated["status"].clone()), (200, json!(true)));
    let (status, authorized) = step(&app, "authorizePayment", "DEV1000008837309").await;
    assert_eq!((status, authorized["data"]["status"].clone()), (200, json!("CAPTURED")));
    let (_, done) = step(&app, "transactionStatus", "DEV1000008837309").await;
    assert_eq!(done["data"]["status"], "SUCCESS");
    let (status, refunded) = step(&app, "refundPayment", "DEV1000008837309").await;
    assert_eq!((status, refunded["data"]["status"].clone()), (200, json!("REFUNDED")));
    let (_, again) = step(&app, "refundPayment", "DEV1000008837309").await;
    assert_eq!(again["code"], 113103);
}

#[tokio::test]
async fn card_validate_with_a_bad_signature_answers_403() {
    let app = spawn_app().await;
    let response = app.post_signed(&mpgs("v3.1", "validatePayment"), &validate_body("DEV1"), "DEV1", None).await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn card_status_of_an_unvalidated_payment_answers_112102() {
    let app = spawn_app().await;
    let (status, body) = step(&app, "transactionStatus", "NEVERSEEN").await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 112102);
    assert!(body["message"].as_str().unwrap().starts_with("No transaction found for order ref"), "{body}");
}

#[tokio::test]
async fn card_validate_with_a_scenario_error_answers_the_card_table_wording() {
    let app = spawn_app().await;
    let response = app
        .post_signed(
            &mpgs("v3.2", "validatePayment"),
            &validate_body("DEV2"),
            &validate_canonical("DEV2"),
            Some("error:101104"),
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!((body["code"].clone(), body["message"].clone()), (json!(101104), json!("Card has expired")));
}

#[tokio::test]
async fn crb_report_answers_the_bureau_shape_in_the_v3_envelope() {
    let app = spawn_app().await;
    let body = json!({"crbIdentity": {"nationalId": "555555", "reportType": "Bank", "countryCode": "KE",
                                      "reference": "abc05RGTY64E1"}});
    let response = app.post_signed("/v3-apis/v3.0/validate/crb", &body, "unverified", None).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], true);
    assert_eq!(answer["data"]["CreditBureau"]["score"], "772");
    assert_eq!(answer["data"]["Person"]["IdentityDocument"]["IdentityDocumentID"], "555555");
}

#[tokio::test]
async fn crb_report_without_a_national_id_is_invalid_and_a_troubled_one_scores_low() {
    let app = spawn_app().await;
    let missing = json!({"crbIdentity": {"reportType": "Bank", "countryCode": "KE", "reference": "r1"}});
    let response = app.post_signed("/v3-apis/v3.0/validate/crb", &missing, "x", None).await;
    assert_eq!(response.status(), 400);
    let troubled = json!({"crbIdentity": {"nationalId": "12345613", "reportType": "Bank", "countryCode": "KE",
                                          "reference": "r2"}});
    let answer: Value = app.post_signed("/v3-apis/v3.0/validate/crb", &troubled, "x", None).await.json().await.unwrap();
    assert_eq!(answer["data"]["CreditBureau"]["score"], "412");
}
