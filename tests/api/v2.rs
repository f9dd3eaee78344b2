use crate::helpers::*;
use serde_json::{json, Value};

async fn v2_token(app: &TestApp, service: &str, authorization: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/{service}/v2/token")))
        .header("Authorization", authorization)
        .form(&[("username", MERCHANT), ("password", password)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn v2_token_with_the_basic_api_key_and_form_answers_the_documented_shape() {
    // Arrange
    let app = spawn_app().await;
    for service in ["identity-test", "identity"] {
        // Act
        let response = v2_token(&app, service, "Basic SANDBOX-API-KEY", SECRET).await;
        // Assert
        assert_eq!(response.status(), 200, "{service}");
        let body: Value = response.json().await.unwrap();
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["token_type", "issued_at", "expires_in", "access_token"]);
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["expires_in"], 3600);
        assert!(body["issued_at"].as_str().unwrap().parse::<i64>().is_ok());
        let token = body["access_token"].as_str().unwrap();
        assert_eq!(token.len(), 28);
        assert!(!token.contains('.'), "an opaque token, not a JWT");
    }
}

#[tokio::test]
async fn v2_token_with_wrong_credentials_answers_401_in_the_v2_envelope() {
    let app = spawn_app().await;
    for (authorization, password) in [("Basic WRONG", SECRET), ("Basic SANDBOX-API-KEY", "nope"), ("", SECRET)] {
        let response = v2_token(&app, "identity-test", authorization, password).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["response_status"], "unauthorized", "{body}");
        assert_eq!(body["response_code"], "500103", "{body}");
    }
}

async fn v2_bearer(app: &TestApp) -> String {
    let body: Value = v2_token(app, "identity-test", "Basic SANDBOX-API-KEY", SECRET).await.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn v2_balance_answers_a_bare_object_and_its_token_expires_after_an_hour() {
    let app = spawn_app().await;
    let token = v2_bearer(&app).await;
    let get = |token: String| {
        let request = app
            .client
            .get(app.url("/account-test/v2/accounts/balances/KE/0011547896523"))
            .bearer_auth(token)
            .header("signature", sign("KE0011547896523"));
        async move { request.send().await.unwrap() }
    };
    let response = get(token.clone()).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["currency"], "KES");
    assert_eq!(body["balances"][0], json!({"amount": "997382.57", "type": "Available"}));
    assert!(body.get("status").is_none(), "no v3 envelope: {body}");
    app.admin_post("/__sandbox/clock/advance", json!({"seconds": 3601})).await;
    let response = get(token).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["response_code"], "500103");
}

#[tokio::test]
async fn v2_balance_with_a_bad_signature_answers_900101_as_a_target_error() {
    let app = spawn_app().await;
    let token = v2_bearer(&app).await;
    let response = app
        .client
        .get(app.url("/account/v2/accounts/balances/KE/0011547896523"))
        .bearer_auth(token)
        .header("signature", sign("0011547896523KE"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["response_status"], "error");
    assert_eq!(body["response_code"], "900101");
}
