//! v2 EazzyPay push, its status and refund; Lipa na M-Pesa Online.

use super::*;

fn refund(reference: &str, amount: &str) -> (Value, String) {
    let body = json!({
        "transaction": {"reference": reference, "amount": amount, "service": "EazzyPayOnline", "channel": "EAZ",
                        "description": "refund", "type": "refund"},
        "customer": {"mobileNumber": "0763000000", "countryCode": "KE"}
    });
    (body, format!("{amount}{reference}"))
}

#[tokio::test]
async fn v2_eazzypay_push_answers_the_reference_number_and_success_under_both_prefixes() {
    let v2 = V2::start().await;
    for (index, prefix) in TX_PREFIXES.iter().enumerate() {
        let reference = format!("69219462579{index}");
        let (body, signed) = eazzypay(&reference, "105.00");
        let (status, answer) = v2.post(&format!("{prefix}/payments"), &body, Some(&signed)).await;
        assert_bare(status, &answer);
        assert_eq!(answer, json!({"referenceNumber": reference, "status": "SUCCESS"}), "{prefix}");
    }
}

#[tokio::test]
async fn v2_eazzypay_push_with_a_bad_signature_answers_900101() {
    let v2 = V2::start().await;
    let (body, _) = eazzypay("692194625798", "105.00");
    // The formula signs the caller's merchant code; leaving it out is the usual mistake.
    let (status, answer) = v2.post(&format!("{TX}/payments"), &body, Some("692194625798105.00KE")).await;
    assert_target_error(status, &answer, "900101", "Invalid merchant Cipher Text");
}

#[tokio::test]
async fn v2_eazzypay_push_reusing_a_reference_answers_400101() {
    let v2 = V2::start().await;
    let (body, signed) = eazzypay("692194625798", "105.00");
    v2.post(&format!("{TX}/payments"), &body, Some(&signed)).await;
    let (status, answer) = v2.post(&format!("{TX}/payments"), &body, Some(&signed)).await;
    assert_target_error(status, &answer, "400101", "Duplicate Transaction/ Payment Reference");
}

#[tokio::test]
async fn v2_payment_status_of_a_push_is_approved() {
    let v2 = V2::start().await;
    let (body, signed) = eazzypay("692194625798", "105.00");
    v2.post(&format!("{TX}/payments"), &body, Some(&signed)).await;
    let (status, answer) = v2.get(&format!("{TX}/payments/692194625798")).await;
    assert_bare(status, &answer);
    assert_eq!(
        answer,
        json!({"transactionRef": "692194625798", "status": "0", "message": "Transaction approved successfully."})
    );
}

#[tokio::test]
async fn v2_payment_status_of_an_unknown_reference_answers_111102() {
    let v2 = V2::start().await;
    let (status, answer) = v2.get(&format!("{TX}/payments/692194625799")).await;
    assert_target_error(status, &answer, "111102", "Bad request - Transaction not found.");
}

#[tokio::test]
async fn v2_refund_of_a_push_succeeds_once_then_answers_113103() {
    // Arrange
    let v2 = V2::start().await;
    let (body, signed) = eazzypay("692194625798", "105.00");
    v2.post(&format!("{TX}/payments"), &body, Some(&signed)).await;
    let (body, signed) = refund("692194625798", "100.00");
    // Act
    let (status, first) = v2.post(&format!("{TX}/payments/refund"), &body, Some(&signed)).await;
    let (again, second) = v2.post(&format!("{TX}/payments/refund"), &body, Some(&signed)).await;
    // Assert
    assert_bare(status, &first);
    assert_eq!(first, json!({"reference": "692194625798", "status": "SUCCESS", "resultCode": "000"}));
    assert_target_error(again, &second, "113103", "Invalid Transaction Status code for Reverse the Transaction");
}

#[tokio::test]
async fn v2_refund_above_the_original_amount_answers_113102() {
    let v2 = V2::start().await;
    let (body, signed) = eazzypay("692194625798", "105.00");
    v2.post(&format!("{TX}/payments"), &body, Some(&signed)).await;
    let (body, signed) = refund("692194625798", "105.01");
    let (status, answer) = v2.post(&format!("{TX}/payments/refund"), &body, Some(&signed)).await;
    assert_target_error(status, &answer, "113102", "Invalid request format");
}

#[tokio::test]
async fn v2_refund_of_an_unknown_payment_answers_113103() {
    let v2 = V2::start().await;
    let (body, signed) = refund("692194625797", "1.00");
    let (status, answer) = v2.post(&format!("{TX}/payments/refund"), &body, Some(&signed)).await;
    assert_target_error(status, &answer, "113103", "Invalid Transaction Status code for Reverse the Transaction");
}

#[tokio::test]
async fn v2_refund_with_a_bad_signature_answers_900101() {
    let v2 = V2::start().await;
    let (body, signed) = eazzypay("692194625798", "105.00");
    v2.post(&format!("{TX}/payments"), &body, Some(&signed)).await;
    let (body, _) = refund("692194625798", "100.00");
    // Reference first: the wrong order.
    let (status, answer) = v2.post(&format!("{TX}/payments/refund"), &body, Some("692194625798100.00")).await;
    assert_target_error(status, &answer, "900101", "Invalid merchant Cipher Text");
}

fn mpesa_online(reference: &str, amount: &str) -> Value {
    json!({
        "customer": {"mobileNumber": "0722000000", "countryCode": "KE"},
        "transaction": {"amount": amount, "description": "test", "businessNumber": "174379", "reference": reference}
    })
}

#[tokio::test]
async fn v2_mpesa_stk_push_answers_the_transaction_reference_and_status() {
    let v2 = V2::start().await;
    let (status, answer) =
        v2.post(&format!("{TX}/payment/mpesastkpush"), &mpesa_online("700000000001", "100"), None).await;
    assert_bare(status, &answer);
    assert_eq!(keys(&answer), ["status", "transactionRef"]);
    assert_eq!(answer["transactionRef"], "700000000001");
}

#[tokio::test]
async fn v2_mpesa_stk_push_of_a_fractional_amount_answers_117101_invalid_amount() {
    let v2 = V2::start().await;
    let (status, answer) =
        v2.post(&format!("{TX}/payment/mpesastkpush"), &mpesa_online("700000000002", "100.50"), None).await;
    assert_target_error(status, &answer, "117101", "Bad Request - Invalid Amount");
}

#[tokio::test]
async fn v2_mpesa_stk_push_of_a_whole_amount_beyond_the_range_answers_117101_not_a_zero_transaction() {
    let v2 = V2::start().await;
    let huge = "99999999999999999999999";
    let (status, answer) =
        v2.post(&format!("{TX}/payment/mpesastkpush"), &mpesa_online("700000000003", huge), None).await;
    assert_target_error(status, &answer, "117101", "Bad Request - Invalid Amount");
}
