//! v2 airtime and forex rates.

use super::*;

fn airtime(reference: &str) -> (Value, String) {
    let body = json!({"customer": {"countryCode": "KE", "mobileNumber": "0765555131"},
                      "airtime": {"amount": "100", "reference": reference, "telco": "Safaricom"}});
    (body, format!("{MERCHANT}Safaricom100{reference}"))
}

#[tokio::test]
async fn v2_airtime_signed_with_the_merchant_code_answers_the_reference_number() {
    let v2 = V2::start().await;
    let (body, signed) = airtime("212194600777");
    let (status, answer) = v2.post(&format!("{TX}/airtime"), &body, Some(&signed)).await;
    assert_bare(status, &answer);
    assert_eq!(answer, json!({"referenceNumber": "212194600777", "status": "SUCCESS"}));
    assert_eq!(v2.app.last_request().await["variants"]["signature"], "v2-doc");
}

#[tokio::test]
async fn v2_airtime_with_a_bad_signature_answers_900101() {
    let v2 = V2::start().await;
    let (body, _) = airtime("212194600778");
    let (status, answer) = v2.post(&format!("{TX}/airtime"), &body, Some("Safaricom100212194600779")).await;
    assert_target_error(status, &answer, "900101", "Invalid merchant Cipher Text");
}

#[tokio::test]
async fn v2_airtime_with_a_reference_not_of_12_digits_answers_107107() {
    let v2 = V2::start().await;
    let (body, signed) = airtime("21219460077");
    let (status, answer) = v2.post(&format!("{TX}/airtime"), &body, Some(&signed)).await;
    assert_target_error(status, &answer, "107107", "Payment reference Number should be 12 digits");
}

#[tokio::test]
async fn v2_forex_rates_answer_the_rate_to_the_countrys_currency_and_its_other_rates() {
    let v2 = V2::start().await;
    let (status, answer) = v2
        .post(&format!("{TX}/foreignexchangerates"), &json!({"countryCode": "KE", "currencyCode": "USD"}), None)
        .await;
    assert_bare(status, &answer);
    assert_eq!(keys(&answer), ["currencyRates", "fromCurrency", "rate", "toCurrency"]);
    assert_eq!((answer["fromCurrency"].clone(), answer["toCurrency"].clone()), (json!("USD"), json!("KES")));
    assert_eq!(answer["rate"], json!(122.6));
    let rates = answer["currencyRates"].as_array().unwrap();
    assert!(rates.contains(&json!({"fromCurrency": "EUR", "rate": 132.4, "toCurrency": "KES"})), "{answer}");
    assert!(rates.iter().all(|r| r["toCurrency"] == "KES" && r["fromCurrency"] != "USD"), "{answer}");
}

#[tokio::test]
async fn v2_forex_rates_for_an_unserved_country_is_a_400_naming_it() {
    let v2 = V2::start().await;
    let (status, answer) = v2
        .post(&format!("{TX}/foreignexchangerates"), &json!({"countryCode": "ZZ", "currencyCode": "USD"}), None)
        .await;
    assert_invalid(status, &answer, "countryCode");
}
