use crate::helpers::*;
use serde_json::{json, Value};

const BALANCE: &str = "/v3-apis/account-api/v3.0/accounts/balances";
const INQUIRY: &str = "/v3-apis/account-api/v3.0/accounts/search";
const VALIDATE: &str = "/v3-apis/account-api/v3.0/account/validate";

#[tokio::test]
async fn balance_of_a_fixture_account_answers_available_and_current() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.get_signed(&format!("{BALANCE}/KE/1450160649886"), "KE1450160649886", None).await;
    // Assert
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": true, "code": 0, "message": "success", "data": {
            "balances": [{"amount": "5655.58", "type": "Available"}, {"amount": "5655.58", "type": "Current"}],
            "currency": "KES"}})
    );
}

#[tokio::test]
async fn balance_signed_over_the_wrong_fields_is_rejected_with_403() {
    let app = spawn_app().await;
    let response = app.get_signed(&format!("{BALANCE}/KE/1450160649886"), "1450160649886KE", None).await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["x-sandbox-signature-expected"], "KE1450160649886");
    let entry = &app.last_request().await;
    assert!(entry["signature"]["likelyMistake"].as_str().unwrap().contains("wrong field order"), "{entry}");
}

#[tokio::test]
async fn balance_of_an_unknown_account_answers_404_account_not_found() {
    let app = spawn_app().await;
    let response = app.get_signed(&format!("{BALANCE}/KE/9990000000001"), "KE9990000000001", None).await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], "ACCOUNT_NOT_FOUND");
}

#[tokio::test]
async fn balance_with_error_8504_answers_no_record_in_the_v3_envelope() {
    let app = spawn_app().await;
    let response = app.get_signed(&format!("{BALANCE}/KE/1450160649886"), "KE1450160649886", Some("error:8504")).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"status": false, "code": 8504, "message": "No record could be retrieved"}));
}

#[tokio::test]
async fn balance_with_an_unsupported_country_answers_400_naming_it() {
    let app = spawn_app().await;
    let response = app.get_signed(&format!("{BALANCE}/XX/1450160649886"), "XX1450160649886", None).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("countryCode"), "{body}");
}

#[tokio::test]
async fn account_inquiry_answers_on_both_published_paths() {
    let app = spawn_app().await;
    for path in [INQUIRY, "/v3-apis/account-api/v3.0/search"] {
        let response = app.get_signed(&format!("{path}/KE/1450160649886"), "KE1450160649886", None).await;
        assert_eq!(response.status(), 200, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["data"]["account"],
            json!({"branchCode": "145", "number": "1450160649886", "currency": "KES", "status": "Active"})
        );
        assert_eq!(
            body["data"]["customer"][0],
            json!({"name": "CATHERINE MURANDITSI MUKABWA", "id": "54307789658", "type": "Retail"})
        );
    }
}

#[tokio::test]
async fn account_validation_with_the_right_name_answers_the_masked_account() {
    let app = spawn_app().await;
    let body = json!({"countryCode": "KE", "accountNumber": "1450160649886", "accountFullName": "Catherine Muranditsi Mukabwa"});
    let response = app.post_signed(VALIDATE, &body, "KE1450160649886Catherine Muranditsi Mukabwa", None).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer["data"]["account"],
        json!({"fullNames": "CATHERINE MURANDITSI MUKABWA", "currency": "KES", "accountNumber": "1450*****9886", "status": "Active"})
    );
}

#[tokio::test]
async fn account_validation_signed_with_the_name_without_spaces_is_accepted_and_recorded() {
    let app = spawn_app().await;
    let body = json!({"countryCode": "KE", "accountNumber": "1450160649886", "accountFullName": "CATHERINE MURANDITSI MUKABWA"});
    let response = app.post_signed(VALIDATE, &body, "KE1450160649886CATHERINEMURANDITSIMUKABWA", None).await;
    assert_eq!(response.status(), 200);
    let entry = &app.last_request().await;
    assert_eq!(entry["variants"]["signature"], "name-without-spaces");
}

#[tokio::test]
async fn account_validation_with_a_bad_signature_answers_400_with_900100() {
    let app = spawn_app().await;
    let body = json!({"countryCode": "KE", "accountNumber": "1450160649886", "accountFullName": "JOHN DOE"});
    let response = app.post_signed(VALIDATE, &body, "KE1450160649886SOMEONE ELSE", None).await;
    assert_eq!(response.status(), 400);
    assert!(response.headers().contains_key("x-sandbox-signature-expected"));
    let answer: Value = response.json().await.unwrap();
    assert_eq!((answer["status"].clone(), answer["code"].clone()), (json!(false), json!(900100)), "{answer}");
    assert_eq!(answer["message"], "Invalid Signature");
}

#[tokio::test]
async fn account_validation_with_another_name_answers_200_with_104101() {
    let app = spawn_app().await;
    let body = json!({"countryCode": "KE", "accountNumber": "1450160649886", "accountFullName": "JOHN DOE"});
    let response = app.post_signed(VALIDATE, &body, "KE1450160649886JOHN DOE", None).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], false);
    assert_eq!(answer["code"], 104101);
}
