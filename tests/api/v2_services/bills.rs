//! v2 bills, tills, billers and merchants.

use super::*;

fn bill(biller: &str, reference: &str, amount: &str) -> (Value, String) {
    let body = json!({
        "biller": {"billerCode": biller, "countryCode": "KE"},
        "bill": {"reference": "10170476767676", "amount": amount, "currency": "KES"},
        "payer": {"name": "A. N Other", "account": "101704", "reference": reference, "mobileNumber": "0764555320"},
        "partnerId": SOURCE,
        "remarks": "test"
    });
    (body, format!("{biller}{amount}{reference}{SOURCE}"))
}

#[tokio::test]
async fn v2_bill_payment_answers_a_bare_transaction_and_debits_the_partner() {
    let v2 = V2::start().await;
    let (body, signed) = bill("320320", "123451000002", "111.00");
    let (status, answer) = v2.post(&format!("{TX}/bills/pay"), &body, Some(&signed)).await;
    assert_bare(status, &answer);
    assert_eq!(keys(&answer), ["status", "transactionId"]);
    assert_eq!(answer["status"], "SUCCESS");
    assert_eq!(v2.balance(SOURCE).await, "999889.00");
}

#[tokio::test]
async fn v2_bill_payment_with_a_bad_signature_answers_900101_and_debits_nothing() {
    let v2 = V2::start().await;
    let (body, _) = bill("320320", "123451000003", "111.00");
    let (status, answer) = v2.post(&format!("{TX}/bills/pay"), &body, Some(WRONG)).await;
    assert_target_error(status, &answer, "900101", "Invalid merchant Cipher Text");
    assert_eq!(v2.balance(SOURCE).await, "1000000.00");
}

#[tokio::test]
async fn v2_bill_payment_to_an_unknown_biller_answers_102103() {
    let v2 = V2::start().await;
    let (body, signed) = bill("999999", "123451000004", "1.00");
    let (status, answer) = v2.post(&format!("{TX}/bills/pay"), &body, Some(&signed)).await;
    assert_target_error(status, &answer, "102103", "Invalid Biller Code/Till Number");
}

fn bill_query(biller: &str) -> Value {
    json!({"billerCode": biller, "customerRefNumber": "28055948", "amount": "20000", "amountCurrency": "KES"})
}

#[tokio::test]
async fn v2_bill_validation_answers_the_bill_nested_under_bill() {
    let v2 = V2::start().await;
    let (status, answer) = v2.post(&format!("{TX}/bills/validation"), &bill_query("320320"), None).await;
    assert_bare(status, &answer);
    assert_eq!(keys(&answer), ["bill"]);
    let bill = &answer["bill"];
    assert_eq!(bill["amount"], "20000");
    assert_eq!(bill["amountCurrency"], "KES");
    assert_eq!(bill["status"], true);
    assert_eq!(bill["message"], "SUCCESS");
}

/// Reference §7.5: the v2 bill carries `CustomerRefNumber` with a capital C (unlike v3).
#[tokio::test]
async fn v2_bill_validation_spells_customer_ref_number_with_a_capital_c_as_documented() {
    let v2 = V2::start().await;
    let (status, answer) = v2.post(&format!("{TX}/bills/validation"), &bill_query("320320"), None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["bill"]["CustomerRefNumber"], "28055948", "{answer}");
}

#[tokio::test]
async fn v2_bill_validation_at_an_unknown_biller_answers_102103() {
    let v2 = V2::start().await;
    let (status, answer) = v2.post(&format!("{TX}/bills/validation"), &bill_query("999999"), None).await;
    assert_target_error(status, &answer, "102103", "Invalid Biller Code/Till Number");
}

fn till(till: &str, reference: &str) -> (Value, String) {
    let body = json!({"merchant": {"till": till}, "payment": {"ref": reference, "amount": "1000.00", "currency": "KES"},
                      "partner": {"id": SOURCE, "ref": "987654321"}});
    (body, format!("{till}{SOURCE}1000.00KES{reference}"))
}

#[tokio::test]
async fn v2_till_payment_names_the_merchant_in_a_bare_object() {
    let v2 = V2::start().await;
    let (body, signed) = till("0766112112", "123456789123");
    let (status, answer) = v2.post(&format!("{TX}/tills/pay"), &body, Some(&signed)).await;
    assert_bare(status, &answer);
    assert_eq!(keys(&answer), ["merchantName", "status", "transactionId"]);
    assert_eq!(answer["status"], "SUCCESS");
    assert_eq!(answer["merchantName"], "Sportify Ltd");
    assert_eq!(v2.balance(SOURCE).await, "999000.00");
}

#[tokio::test]
async fn v2_till_payment_with_a_bad_signature_answers_900101() {
    let v2 = V2::start().await;
    let (body, _) = till("0766112112", "123456789124");
    let (status, answer) = v2.post(&format!("{TX}/tills/pay"), &body, Some(WRONG)).await;
    assert_target_error(status, &answer, "900101", "Invalid merchant Cipher Text");
}

#[tokio::test]
async fn v2_till_payment_to_an_unknown_till_answers_102103() {
    let v2 = V2::start().await;
    let (body, signed) = till("0700000000", "123456789125");
    let (status, answer) = v2.post(&format!("{TX}/tills/pay"), &body, Some(&signed)).await;
    assert_target_error(status, &answer, "102103", "Invalid Biller Code/Till Number");
    assert_eq!(v2.balance(SOURCE).await, "1000000.00");
}

#[tokio::test]
async fn v2_billers_answers_the_requested_page_bare() {
    let v2 = V2::start().await;
    let (status, answer) = v2.get(&format!("{TX}/billers?page=1&per_page=3")).await;
    assert_bare(status, &answer);
    assert_eq!(
        answer,
        json!({"billers": [{"name": "INCULSIVITY", "code": "642292"}, {"name": "I PAY", "code": "266300"},
                           {"name": "MDUKA ONLINE", "code": "123456"}]})
    );
    let (_, second) = v2.get(&format!("{TX}/billers?page=2&per_page=3")).await;
    assert_eq!(second["billers"][0], json!({"name": "ECITIZEN", "code": "967600"}));
}

#[tokio::test]
async fn v2_billers_without_paging_is_a_400_naming_the_missing_parameter() {
    let v2 = V2::start().await;
    let (status, answer) = v2.get(&format!("{TX}/billers?per_page=3")).await;
    assert_invalid(status, &answer, "page");
    assert!(!answer["response_msg"].as_str().unwrap().contains("per_page"), "{answer}");
    let (status, answer) = v2.get(&format!("{TX}/billers?page=1")).await;
    assert_invalid(status, &answer, "per_page");
}

#[tokio::test]
async fn v2_merchants_answers_the_requested_page_bare() {
    let v2 = V2::start().await;
    let (status, answer) = v2.get(&format!("{TX}/merchants?page=2&per_page=1")).await;
    assert_bare(status, &answer);
    assert_eq!(answer, json!({"merchants": [{"name": "Sportify Ltd", "tillnumber": "0766112112", "outlets": []}]}));
}

#[tokio::test]
async fn v2_merchants_without_paging_is_a_400_naming_the_missing_parameters() {
    let v2 = V2::start().await;
    let (status, answer) = v2.get(&format!("{TX}/merchants")).await;
    assert_invalid(status, &answer, "page, per_page");
}
