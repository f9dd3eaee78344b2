//! v2 remittance: one path, `transfer.type` picks the rail; bearer tokens refused.

use super::*;

#[tokio::test]
async fn every_v2_transfer_type_reaches_its_rail_and_debits_the_source() {
    // Arrange
    let v2 = V2::start().await;
    let mut debited = 0.0;
    for (index, (label, operation)) in RAILS.iter().enumerate() {
        let reference = format!("10000000000{index}");
        let (body, signed) = remittance(label, SOURCE, &reference, "10.00");
        // Act
        let (status, answer) = v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
        // Assert
        assert_bare(status, &answer);
        // PesaLink answers add the bank's confirmation text (reference §6.5).
        let expected: &[&str] = if label.starts_with("PesaLink") {
            &["description", "status", "transactionId"]
        } else if *label == "SWIFT" {
            // The USD 20 charge is converted into the transfer's KES, and the answer says so.
            &["conversions", "status", "transactionId"]
        } else {
            &["status", "transactionId"]
        };
        assert_eq!(keys(&answer), expected, "{label}: {answer}");
        assert_eq!(answer["status"], "SUCCESS", "{label}");
        assert!(!answer["transactionId"].as_str().unwrap().is_empty(), "{label}: {answer}");
        let entry = v2.app.last_request().await;
        assert_eq!(entry["operation"], *operation, "{label}");
        assert_eq!(entry["generation"], "v2", "{label}");
        // SWIFT with chargeOption SELF also pays the USD 20 charge (reference §6.4), here in KES
        // at the fixture rate of 122.6.
        debited += if *label == "SWIFT" { 10.0 + 2_452.0 } else { 10.0 };
        let expected = format!("{:.2}", 1_000_000.0 - debited);
        assert_eq!(v2.balance(SOURCE).await, expected, "{label} did not debit the source");
    }
}

#[tokio::test]
async fn v2_remittance_is_served_under_both_transaction_prefixes() {
    let v2 = V2::start().await;
    for (index, prefix) in TX_PREFIXES.iter().enumerate() {
        let reference = format!("20000000000{index}");
        let (body, signed) = remittance("InternalFundsTransfer", SOURCE, &reference, "1.00");
        let (status, answer) = v2.post(&format!("{prefix}/remittance"), &body, Some(&signed)).await;
        assert_bare(status, &answer);
        assert_eq!(answer["status"], "SUCCESS", "{prefix}");
    }
    assert_eq!(v2.balance(SOURCE).await, "999998.00");
}

#[tokio::test]
async fn v2_remittance_with_a_bad_signature_answers_900101_at_http_200_on_every_rail() {
    let v2 = V2::start().await;
    for (index, (label, _)) in RAILS.iter().enumerate() {
        let (body, _) = remittance(label, SOURCE, &format!("30000000000{index}"), "10.00");
        let (status, answer) = v2.post(&format!("{TX}/remittance"), &body, Some(WRONG)).await;
        assert_target_error(status, &answer, "900101", "Invalid merchant Cipher Text");
    }
    assert_eq!(v2.balance(SOURCE).await, "1000000.00");
}

#[tokio::test]
async fn v2_remittance_needs_a_12_digit_reference_else_answers_400116() {
    let v2 = V2::start().await;
    for (label, reference) in
        [("InternalFundsTransfer", "19211260200"), ("EFT", "ABC112602006"), ("MobileWallet", "1921126020061")]
    {
        let (body, signed) = remittance(label, SOURCE, reference, "10.00");
        let (status, answer) = v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
        assert_target_error(status, &answer, "400116", "Failed, 12 digit transaction reference required");
    }
    assert_eq!(v2.balance(SOURCE).await, "1000000.00");
}

#[tokio::test]
async fn v2_remittance_reusing_a_reference_answers_400101_and_moves_nothing_more() {
    let v2 = V2::start().await;
    let (body, signed) = remittance("InternalFundsTransfer", SOURCE, "400000000001", "10.00");
    v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
    let (status, answer) = v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
    assert_target_error(status, &answer, "400101", "Duplicate Transaction/ Payment Reference");
    assert_eq!(v2.balance(SOURCE).await, "999990.00");
}

#[tokio::test]
async fn v2_eft_beyond_the_balance_answers_the_rtgs_insufficient_funds_code() {
    let v2 = V2::start().await;
    let (body, signed) = remittance("EFT", SMALL, "400000000002", "5655.59");
    let (status, answer) = v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
    assert_target_error(status, &answer, "103104", "Insufficient funds.");
    assert_eq!(v2.balance(SMALL).await, "5655.58");
}

#[tokio::test]
async fn v2_mobile_wallet_transfer_to_an_unknown_wallet_answers_105160() {
    let v2 = V2::start().await;
    let (mut body, signed) = remittance("MobileWallet", SOURCE, "400000000003", "10.00");
    body["destination"]["walletName"] = json!("Tkash");
    let (status, answer) = v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
    assert_target_error(status, &answer, "105160", "Failed, invalid mobile wallet");
}

#[tokio::test]
async fn v2_remittance_from_an_account_of_another_merchant_answers_not_found() {
    let v2 = V2::start().await;
    let (body, signed) = remittance("RTGS", "9990000000001", "400000000004", "10.00");
    let (status, answer) = v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["response_status"], "not_found");
    assert_eq!(answer["response_code"], "500104");
    assert!(answer["response_msg"].as_str().unwrap().contains("9990000000001"), "{answer}");
}

#[tokio::test]
async fn v2_remittance_without_a_rail_is_a_400_naming_the_field_that_chooses_it() {
    let v2 = V2::start().await;
    let (mut body, signed) = remittance("RTGS", SOURCE, "400000000005", "10.00");
    body["transfer"].as_object_mut().unwrap().remove("type");
    let (status, answer) = v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
    assert_invalid(status, &answer, "transfer.type");
    let (mut body, signed) = remittance("PesaLink bank", SOURCE, "400000000006", "10.00");
    body["destination"]["type"] = json!("wallet");
    let (status, answer) = v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
    assert_invalid(status, &answer, "destination.type");
}

#[tokio::test]
async fn v2_services_refuse_a_bad_bearer_token_with_500103() {
    let v2 = V2::start().await;
    let (body, signed) = remittance("RTGS", SOURCE, "400000000007", "10.00");
    for path in [
        format!("{TX}/remittance"),
        format!("{TX}/pesalink/inquire"),
        format!("{TX}/payments"),
        format!("{CUSTOMER}/identity/verify"),
    ] {
        let response = v2
            .app
            .client
            .post(v2.app.url(&path))
            .bearer_auth("not-a-token")
            .header("signature", sign(&signed))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{path}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["response_status"], "unauthorized", "{path}");
        assert_eq!(answer["response_code"], "500103", "{path}");
    }
    assert_eq!(v2.balance(SOURCE).await, "1000000.00");
}
