use crate::helpers::*;
use serde_json::{json, Value};

const IDENTITY: &str = "/v3-apis/v3.0/validate/identity";

fn identity(number: &str) -> Value {
    json!({"identity": {"documentType": "ID", "firstName": "John", "lastName": "Doe", "dateOfBirth": "1985-06-20",
                        "documentNumber": number, "countryCode": "KE"}})
}

#[tokio::test]
async fn identity_verification_of_a_known_id_answers_the_iprs_record_with_its_casing() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.post_signed(IDENTITY, &identity("555555"), &format!("{MERCHANT}555555KE"), None).await;
    // Assert
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 0);
    let record = &body["data"]["identity"];
    assert_eq!(record["customer"]["ShortName"], "JOHN");
    assert_eq!(record["IssuedBy"], "REPUBLIC OF KENYA");
    assert_eq!(record["documentNumber"], "555555");
}

#[tokio::test]
async fn identity_verification_accepts_each_published_signature_variant_and_records_it() {
    let app = spawn_app().await;
    for (signed, variant) in [
        (format!("{MERCHANT}555555KE"), "v2-doc"),
        ("KE555555".to_string(), "country-document"),
        ("KEKE".to_string(), "country-twice"),
    ] {
        let response = app.post_signed(IDENTITY, &identity("555555"), &signed, None).await;
        assert_eq!(response.status(), 200, "{variant}");
        let entry = &app.last_request().await;
        assert_eq!(entry["variants"]["signature"], variant);
    }
}

#[tokio::test]
async fn identity_verification_of_an_unknown_id_answers_115105() {
    let app = spawn_app().await;
    let response = app.post_signed(IDENTITY, &identity("123456"), &format!("{MERCHANT}123456KE"), None).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": false, "code": 115105, "message": "There is no record found in IPRS corresponding search parameters"})
    );
}

#[tokio::test]
async fn identity_verification_with_a_bad_signature_expects_the_merchant_code_formula() {
    let app = spawn_app().await;
    let response = app.post_signed(IDENTITY, &identity("555555"), "555555", None).await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["x-sandbox-signature-expected"], format!("{MERCHANT}555555KE").as_str());
}

#[tokio::test]
async fn identity_verification_outside_kenya_and_rwanda_answers_400() {
    let app = spawn_app().await;
    let mut body = identity("555555");
    body["identity"]["countryCode"] = json!("UG");
    let response = app.post_signed(IDENTITY, &body, "UG555555", None).await;
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(answer["message"].as_str().unwrap().contains("identity.countryCode"), "{answer}");
}
