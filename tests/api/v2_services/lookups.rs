//! v2 PesaLink inquiry and B2C status (unsigned).

use super::*;

#[tokio::test]
async fn v2_pesalink_inquiry_lists_the_banks_a_number_is_linked_to_under_both_prefixes() {
    let v2 = V2::start().await;
    for prefix in TX_PREFIXES {
        let (status, answer) =
            v2.post(&format!("{prefix}/pesalink/inquire"), &json!({"mobileNumber": "0722000000"}), None).await;
        assert_bare(status, &answer);
        assert_eq!(keys(&answer), ["banks"], "{prefix}");
        let banks = answer["banks"].as_array().unwrap();
        assert_eq!(banks[0], json!({"bankCode": "11", "bankName": "CO-OPERATIVE BANK", "customerName": "A N Other"}));
        for bank in banks {
            assert_eq!(keys(bank), ["bankCode", "bankName", "customerName"], "{bank}");
        }
    }
}

#[tokio::test]
async fn v2_pesalink_inquiry_of_a_number_on_no_bank_answers_400110() {
    let v2 = V2::start().await;
    let (status, answer) =
        v2.post(&format!("{TX}/pesalink/inquire"), &json!({"mobileNumber": "0722000404"}), None).await;
    assert_target_error(status, &answer, "400110", "Failed, bank not on pesalink");
}

#[tokio::test]
async fn v2_pesalink_inquiry_of_a_malformed_number_is_a_400_naming_it() {
    let v2 = V2::start().await;
    let (status, answer) = v2.post(&format!("{TX}/pesalink/inquire"), &json!({"mobileNumber": "07-22"}), None).await;
    assert_invalid(status, &answer, "mobileNumber");
}

fn b2c_query(reference: &str) -> Value {
    json!({"requestId": reference, "destination": {"type": "M-Pesa"}, "transfer": {"date": "2019-05-01"}})
}

#[tokio::test]
async fn v2_b2c_status_finds_a_mobile_wallet_transfer_by_its_reference() {
    // Arrange
    let v2 = V2::start().await;
    let (body, signed) = remittance("MobileWallet", SOURCE, "500000000001", "10.00");
    let (status, _) = v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
    assert_eq!(status, 200);
    // Act
    let (status, answer) = v2.post(&format!("{TX}/b2c/status/query"), &b2c_query("500000000001"), None).await;
    // Assert
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        keys(&answer),
        [
            "mpesaDesc",
            "mpesacode",
            "mpesaref",
            "recipientName",
            "response_code",
            "response_status",
            "transactionId",
            "transactiondate",
            "wallettype"
        ]
    );
    assert_eq!(answer["transactionId"], "500000000001");
    assert_eq!(answer["wallettype"], "M-Pesa");
    assert_eq!(answer["mpesacode"], "0");
    assert_ne!(answer["response_status"], "error", "{answer}");
}

#[tokio::test]
async fn v2_b2c_status_of_an_unknown_reference_answers_111102() {
    let v2 = V2::start().await;
    let (status, answer) = v2.post(&format!("{TX}/b2c/status/query"), &b2c_query("599999999999"), None).await;
    assert_target_error(status, &answer, "111102", "Bad request - Transaction not found");
}

#[tokio::test]
async fn v2_b2c_status_for_a_wallet_other_than_m_pesa_is_a_400_naming_the_destination_type() {
    let v2 = V2::start().await;
    let mut query = b2c_query("500000000002");
    query["destination"]["type"] = json!("Airtel");
    let (status, answer) = v2.post(&format!("{TX}/b2c/status/query"), &query, None).await;
    assert_invalid(status, &answer, "destination.type");
}
