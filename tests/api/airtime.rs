use crate::helpers::*;
use serde_json::{json, Value};

const AIRTIME: &str = "/v3-apis/transaction-api/v3.0/airtime";

fn purchase(reference: &str, amount: &str, telco: &str) -> Value {
    json!({"customer": {"countryCode": "KE", "mobileNumber": "0765555131"},
           "airtime": {"amount": amount, "reference": reference, "telco": telco}})
}

async fn buy(app: &TestApp, body: &Value, scenario: Option<&str>) -> (u16, Value) {
    let airtime = &body["airtime"];
    let signed = format!(
        "{}{}{}",
        airtime["telco"].as_str().unwrap(),
        airtime["amount"].as_str().unwrap(),
        airtime["reference"].as_str().unwrap()
    );
    let response = app.post_signed(AIRTIME, body, &signed, scenario).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn airtime_purchase_answers_the_documented_success_with_the_reference() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let (status, body) = buy(&app, &purchase("212194600777", "100", "Safaricom"), None).await;
    // Assert
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": true, "code": 0, "message": "success", "reference": "212194600777",
               "data": {"referenceNumber": "212194600777", "status": "SUCCESS"}})
    );
}

#[tokio::test]
async fn airtime_purchase_with_a_reused_reference_answers_400101() {
    let app = spawn_app().await;
    buy(&app, &purchase("212194600778", "100", "Airtel"), None).await;
    let (status, body) = buy(&app, &purchase("212194600778", "100", "Airtel"), None).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 400101);
    assert_eq!(body["message"], "Duplicate Transaction/ Payment Reference");
}

#[tokio::test]
async fn airtime_purchase_above_kes_8000_answers_107109() {
    let app = spawn_app().await;
    let (status, body) = buy(&app, &purchase("212194600779", "8000.01", "Equitel"), None).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 107109);
    let (status, _) = buy(&app, &purchase("212194600780", "8000", "Equitel"), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn airtime_purchase_with_an_unknown_telco_answers_107102() {
    let app = spawn_app().await;
    let (status, body) = buy(&app, &purchase("212194600781", "100", "Telkom"), None).await;
    assert_eq!((status, body["code"].clone()), (400, json!(107102)));
    assert_eq!(body["message"], "Invalid Provider");
}

#[tokio::test]
async fn airtime_purchase_reaches_every_airtime_code_by_header() {
    let app = spawn_app().await;
    for (i, code) in (107101..=107112).enumerate() {
        let reference = format!("21219470{i:04}");
        let (status, body) = buy(&app, &purchase(&reference, "100", "Safaricom"), Some(&format!("error:{code}"))).await;
        assert_eq!((status, body["code"].clone()), (400, json!(code)), "{body}");
    }
}

#[tokio::test]
async fn airtime_purchase_with_a_bad_signature_answers_403() {
    let app = spawn_app().await;
    let token = app.token().await;
    let body = purchase("212194600782", "100", "Safaricom");
    let response = app
        .client
        .post(app.url(AIRTIME))
        .bearer_auth(token)
        .header("signature", sign("x"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["x-sandbox-signature-expected"], "Safaricom100212194600782");
}

#[tokio::test]
async fn airtime_purchase_with_a_debit_account_is_paid_from_it_and_refused_beyond_its_balance() {
    let app = spawn_app().await;
    let mut body = purchase("212194600790", "5000", "Safaricom");
    body["customer"]["accountNumber"] = json!("1450160649886");
    let (status, _) = buy(&app, &body, None).await;
    assert_eq!(status, 200);
    let accounts = app.admin_get("/__sandbox/accounts?merchant=9999999999").await;
    let account = accounts.as_array().unwrap().iter().find(|a| a["number"] == "1450160649886").unwrap().clone();
    assert_eq!(account["balance"], "655.58");
    let mut body = purchase("212194600791", "1000", "Safaricom");
    body["customer"]["accountNumber"] = json!("1450160649886");
    let (status, answer) = buy(&app, &body, None).await;
    assert_eq!((status, answer["code"].clone()), (400, json!(104103)));
}
