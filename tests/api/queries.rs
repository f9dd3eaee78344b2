use crate::helpers::*;
use serde_json::{json, Value};

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let token = app.token().await;
    let response = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn forex(app: &TestApp, body: Value) -> (u16, Value) {
    let token = app.token().await;
    let url = app.url("/v3-apis/transaction-api/v3.0/foreignExchangeRates");
    let response = app.client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn billers_lists_the_published_billers_in_the_v3_envelope() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let (status, body) = get(&app, "/v3-apis/transaction-api/v3.0/billers").await;
    // Assert
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0);
    let billers = body["data"]["billers"].as_array().unwrap();
    assert_eq!(billers.len(), 18);
    assert!(billers.contains(&json!({"name": "ZUKU", "code": "320320"})));
}

#[tokio::test]
async fn billers_pages_and_filters_by_category() {
    let app = spawn_app().await;
    let (_, body) = get(&app, "/v3-apis/transaction-api/v3.0/billers?per_page=3&page=2").await;
    assert_eq!(body["data"]["billers"].as_array().unwrap().len(), 3);
    assert_eq!(body["data"]["billers"][0]["code"], "967600");
    let (_, body) = get(&app, "/v3-apis/transaction-api/v3.0/billers?category=education").await;
    assert_eq!(body["data"]["billers"], json!([{"name": "WINGS TO FLY", "code": "344344"}]));
}

#[tokio::test]
async fn billers_with_a_bad_page_answers_400_naming_it() {
    let app = spawn_app().await;
    let (status, body) = get(&app, "/v3-apis/transaction-api/v3.0/billers?page=zero").await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("page"), "{body}");
}

#[tokio::test]
async fn billers_without_a_token_answers_401() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/v3-apis/transaction-api/v3.0/billers")).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn eazzypay_merchants_answer_without_an_envelope() {
    let app = spawn_app().await;
    let (status, body) = get(&app, "/v3-apis/transaction-api/v3.0/merchants?per_page=1&page=1").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"merchants": [{"name": "Nakumatt", "tillnumber": "0766002221", "outlets": [
            {"name": "Nakumatt Presitige", "tillnumber": "0766002201"},
            {"name": "Nakumatt Junction", "tillnumber": "0766014221"}]}]})
    );
}

#[tokio::test]
async fn forex_converts_at_the_fixture_rate_as_in_the_published_example() {
    let app = spawn_app().await;
    let body = json!({"countryCode": "KE", "currencyCode": "USD", "amount": 1042, "toCurrency": "KES", "accountNumber": "1450160649886"});
    let (status, answer) = forex(&app, body).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer["data"],
        json!({"convertedAmount": 127749.2, "rate": 122.6, "fromAmount": 1042, "rateCode": "TTB"})
    );
}

#[tokio::test]
async fn forex_without_to_currency_uses_the_countrys_currency() {
    let app = spawn_app().await;
    let (status, answer) = forex(&app, json!({"countryCode": "KE", "currencyCode": "USD", "amount": 10})).await;
    assert_eq!(status, 200);
    assert_eq!(answer["data"]["convertedAmount"], 1226);
}

#[tokio::test]
async fn forex_with_an_unknown_pair_or_bad_fields_answers_400() {
    let app = spawn_app().await;
    let (status, answer) = forex(&app, json!({"countryCode": "KE", "currencyCode": "JPY", "amount": 1})).await;
    assert_eq!(status, 400);
    assert!(answer["message"].as_str().unwrap().contains("JPY"), "{answer}");
    let (status, answer) = forex(&app, json!({"countryCode": "ZZ", "currencyCode": "usd", "amount": -1})).await;
    assert_eq!(status, 400);
    let message = answer["message"].as_str().unwrap();
    for field in ["countryCode", "currencyCode", "amount"] {
        assert!(message.contains(field), "{message}");
    }
}

#[tokio::test]
async fn forex_rounds_an_exact_half_cent_away_from_zero() {
    let app = spawn_app().await;
    // KES 25.00 at 0.0078 is exactly USD 0.195: the nearest cent, a half up, is 0.20.
    let body = json!({"countryCode": "KE", "currencyCode": "KES", "toCurrency": "USD", "amount": 25});
    let (status, answer) = forex(&app, body).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&answer["data"]["convertedAmount"], &answer["data"]["rate"]),
        (&json!(0.2), &json!(0.0078)),
        "{answer}"
    );
}
