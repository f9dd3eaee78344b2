//! The JengaHQ v2 transaction and customer services (reference §2.2, §4.3, §6, §7.8, §8, §9):
//! bearer tokens from the v2 token call, bare success objects, and the
//! `{response_status, response_code, response_msg}` errors (validation at HTTP 400 with code
//! 500102, a bad token 401 with 500103, business failures at HTTP 200 with `"error"`).

use crate::helpers::*;
use serde_json::{json, Value};

const TX: &str = "/transaction-test/v2";
const CUSTOMER: &str = "/customer-test/v2";
const TX_PREFIXES: &[&str] = &["/transaction-test/v2", "/transaction/v2"];
const CUSTOMER_PREFIXES: &[&str] = &["/customer-test/v2", "/customer/v2"];
/// The default merchant's partner account (fixtures/accounts.json, KES 1,000,000.00).
const SOURCE: &str = "0020100014605";
/// Another of its accounts, with KES 5,655.58.
const SMALL: &str = "1450160649886";
/// A well-formed signature over the wrong text.
const WRONG: &str = "not the canonical string";

/// A started sandbox and a v2 bearer token of the default merchant.
struct V2 {
    app: TestApp,
    token: String,
}

impl V2 {
    async fn start() -> Self {
        let app = spawn_app().await;
        let token = app.v2_token().await;
        Self { app, token }
    }

    /// POSTs JSON to `path`, signing `signed` when given.
    async fn post(&self, path: &str, body: &Value, signed: Option<&str>) -> (u16, Value) {
        let mut request = self.app.client.post(self.app.url(path)).bearer_auth(&self.token).json(body);
        if let Some(text) = signed {
            request = request.header("signature", sign(text));
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// POSTs a raw body with the given content type.
    async fn post_raw(&self, path: &str, content_type: &str, raw: &str, signed: Option<&str>) -> (u16, Value) {
        let mut request = self
            .app
            .client
            .post(self.app.url(path))
            .bearer_auth(&self.token)
            .header("Content-Type", content_type)
            .body(raw.to_string());
        if let Some(text) = signed {
            request = request.header("signature", sign(text));
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.app.client.get(self.app.url(path)).bearer_auth(&self.token).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// The newest journal entry.
    async fn last_entry(&self) -> Value {
        self.app.admin_get("/__sandbox/requests?limit=1").await[0].clone()
    }

    async fn balance(&self, account: &str) -> String {
        let accounts = self.app.admin_get(&format!("/__sandbox/accounts?merchant={MERCHANT}")).await;
        let found = accounts.as_array().unwrap().iter().find(|a| a["number"] == account).unwrap().clone();
        found["balance"].as_str().unwrap().to_string()
    }
}

/// A v2 target error: HTTP 200, `response_status` "error", the code as a string.
fn assert_target_error(status: u16, body: &Value, code: &str, message: &str) {
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["response_status"], "error", "{body}");
    assert_eq!(body["response_code"], code, "{body}");
    let text = body["response_msg"].as_str().unwrap_or_default();
    assert!(text.starts_with(message), "expected {message:?} in {body}");
}

/// A v2 validation error: HTTP 400, 500102, the validator naming `field`.
fn assert_invalid(status: u16, body: &Value, field: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["response_status"], "invalid_request_error", "{body}");
    assert_eq!(body["response_code"], "500102", "{body}");
    assert!(body["response_msg"].as_str().unwrap().contains(field), "{field} not named in {body}");
}

/// A bare success object: no v3 envelope (`status` boolean, `data`) and no v2 error fields.
fn assert_bare(status: u16, body: &Value) {
    assert_eq!(status, 200, "{body}");
    assert!(body.is_object(), "{body}");
    assert!(!body["status"].is_boolean(), "a v3 envelope: {body}");
    for key in ["data", "response_status", "response_code", "response_msg"] {
        assert!(body.get(key).is_none(), "unexpected {key} in {body}");
    }
}

fn keys(body: &Value) -> Vec<String> {
    let mut keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

// ---------------------------------------------------------------------------------------------
// Remittance: one path, `transfer.type` picks the rail.

/// The rails of `/v2/remittance`: (label, operation id the journal records).
const RAILS: &[(&str, &str)] = &[
    ("InternalFundsTransfer", "send_within_equity"),
    ("MobileWallet", "send_mobile_wallet"),
    ("RTGS", "send_rtgs"),
    ("SWIFT", "send_swift"),
    ("PesaLink bank", "send_pesalink_bank"),
    ("PesaLink mobile", "send_pesalink_mobile"),
    ("EFT", "send_eft"),
];

/// A v2 transfer of the rail `label` and the canonical string its formula signs (reference §3.2).
fn remittance(label: &str, source: &str, reference: &str, amount: &str) -> (Value, String) {
    let (kind, destination) = match label {
        "InternalFundsTransfer" => (
            "InternalFundsTransfer",
            json!({"type": "bank", "countryCode": "KE", "name": "Tom Doe", "accountNumber": "1100194977404"}),
        ),
        "MobileWallet" => (
            "MobileWallet",
            json!({"type": "mobile", "countryCode": "KE", "name": "A N Other", "mobileNumber": "0763123456", "walletName": "Mpesa"}),
        ),
        "RTGS" => (
            "RTGS",
            json!({"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "61", "accountNumber": "01100762802910"}),
        ),
        "SWIFT" => (
            "SWIFT",
            json!({"type": "bank", "countryCode": "IT", "name": "rtest", "bankBic": "BRASITMMXXX", "accountNumber": "10291281982198"}),
        ),
        "PesaLink bank" => (
            "PesaLink",
            json!({"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "57", "accountNumber": "99901288715910"}),
        ),
        "PesaLink mobile" => (
            "PesaLink",
            json!({"type": "mobile", "countryCode": "KE", "name": "Tom Doe", "bankCode": "01", "mobileNumber": "0722000000"}),
        ),
        "EFT" => (
            "EFT",
            json!({"type": "bank", "countryCode": "KE", "name": "Tom Doe", "bankCode": "01", "branchCode": "112", "accountNumber": "01100762802910"}),
        ),
        other => panic!("no rail {other}"),
    };
    let body = json!({
        "source": {"countryCode": "KE", "name": "John Doe", "accountNumber": source},
        "destination": destination,
        "transfer": {"type": kind, "amount": amount, "currencyCode": "KES", "reference": reference,
                     "date": "2019-05-01", "description": "v2 test", "chargeOption": "SELF"}
    });
    let d = |field: &str| body["destination"][field].as_str().unwrap_or_default().to_string();
    let signed = match kind {
        "InternalFundsTransfer" => format!("{source}{amount}KES{reference}"),
        "MobileWallet" => format!("{amount}KES{reference}{source}"),
        "RTGS" | "SWIFT" => format!("{reference}2019-05-01{source}{}{amount}", d("accountNumber")),
        "PesaLink" => format!("{amount}KES{reference}{}{source}", d("name")),
        "EFT" => format!("{reference}{source}{}{amount}{}", d("accountNumber"), d("bankCode")),
        _ => unreachable!(),
    };
    (body, signed)
}

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
        let entry = v2.last_entry().await;
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

// ---------------------------------------------------------------------------------------------
// PesaLink inquiry and B2C status (unsigned).

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

// ---------------------------------------------------------------------------------------------
// EazzyPay push, its status and refund; Lipa na M-Pesa Online.

fn eazzypay(reference: &str, amount: &str) -> (Value, String) {
    let body = json!({
        "customer": {"mobileNumber": "0763000000", "countryCode": "KE"},
        "transaction": {"amount": amount, "description": "test", "type": "EazzyPayOnline", "reference": reference}
    });
    (body, format!("{reference}{amount}{MERCHANT}KE"))
}

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

// ---------------------------------------------------------------------------------------------
// Bills, tills, billers, merchants.

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

// ---------------------------------------------------------------------------------------------
// Airtime and forex.

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
    assert_eq!(v2.last_entry().await["variants"]["signature"], "v2-doc");
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

// ---------------------------------------------------------------------------------------------
// Customer service: identity and credit info.

fn identity(number: &str) -> (Value, String) {
    let body = json!({"identity": {"documentType": "ID", "firstName": "John", "lastName": "Doe",
                                   "documentNumber": number, "countryCode": "KE"}});
    (body, format!("{MERCHANT}{number}KE"))
}

#[tokio::test]
async fn v2_identity_verification_answers_the_bare_record_under_both_prefixes() {
    let v2 = V2::start().await;
    for prefix in CUSTOMER_PREFIXES {
        let (body, signed) = identity("555555");
        let (status, answer) = v2.post(&format!("{prefix}/identity/verify"), &body, Some(&signed)).await;
        assert_bare(status, &answer);
        let record = &answer["identity"];
        assert_eq!(record["documentNumber"], "555555", "{prefix}");
        assert_eq!(record["customer"]["ShortName"], "JOHN", "{prefix}");
        assert_eq!(record["IssuedBy"], "REPUBLIC OF KENYA", "{prefix}");
    }
}

#[tokio::test]
async fn v2_identity_verification_with_a_bad_signature_answers_900101() {
    let v2 = V2::start().await;
    let (body, _) = identity("555555");
    // Country code first: the v3 SDK's order, not v2's.
    let (status, answer) = v2.post(&format!("{CUSTOMER}/identity/verify"), &body, Some("555555KE")).await;
    assert_target_error(status, &answer, "900101", "Invalid merchant Cipher Text");
}

#[tokio::test]
async fn v2_identity_verification_of_an_unknown_document_answers_115105() {
    let v2 = V2::start().await;
    let (body, signed) = identity("123456");
    let (status, answer) = v2.post(&format!("{CUSTOMER}/identity/verify"), &body, Some(&signed)).await;
    assert_target_error(status, &answer, "115105", "There is no record found in IPRS corresponding search parameters");
}

fn credit_info(number: &str) -> (Value, String) {
    let body = json!({
        "customer": [{"id": "", "fullName": "", "firstName": "", "lastName": "", "shortName": "", "title": "",
                      "mobileNumber": "", "dateOfBirth": "1999-01-31",
                      "identityDocument": {"documentType": "NationalID", "documentNumber": number}}],
        "bureau": {"reportType": "Mobile", "countryCode": "KE"},
        "loan": {"amount": "5000"}
    });
    (body, format!("1999-01-31{MERCHANT}{number}"))
}

#[tokio::test]
async fn v2_credit_info_answers_a_bare_bureau_report_of_the_document() {
    let v2 = V2::start().await;
    for prefix in CUSTOMER_PREFIXES {
        let (body, signed) = credit_info("12365478");
        let (status, answer) = v2.post(&format!("{prefix}/creditinfo"), &body, Some(&signed)).await;
        assert_bare(status, &answer);
        assert_eq!(answer["Person"]["IdentityDocument"]["IdentityDocumentID"], "12365478", "{prefix}");
        assert_eq!(answer["CreditBureau"]["score"], "772", "{prefix}");
        assert!(answer["CreditAccountsSummary"].is_array(), "{prefix}: {answer}");
    }
}

#[tokio::test]
async fn v2_credit_info_with_a_bad_signature_answers_900101() {
    let v2 = V2::start().await;
    let (body, _) = credit_info("12365478");
    // The documented order is dateOfBirth + merchantCode + documentNumber.
    let (status, answer) =
        v2.post(&format!("{CUSTOMER}/creditinfo"), &body, Some(&format!("{MERCHANT}1999-01-3112365478"))).await;
    assert_target_error(status, &answer, "900101", "Invalid merchant Cipher Text");
}

#[tokio::test]
async fn v2_credit_info_without_a_customer_list_is_a_400_naming_it() {
    let v2 = V2::start().await;
    let (mut body, signed) = credit_info("12365478");
    body["customer"] = body["customer"][0].clone();
    let (status, answer) = v2.post(&format!("{CUSTOMER}/creditinfo"), &body, Some(&signed)).await;
    assert_invalid(status, &answer, "customer");
}

// ---------------------------------------------------------------------------------------------
// Payment details (v2 twin of the v3 transaction details query).

#[tokio::test]
async fn v2_payment_details_report_a_completed_transfer_and_111102_for_an_unknown_one() {
    let v2 = V2::start().await;
    let (body, signed) = remittance("InternalFundsTransfer", SOURCE, "800000000001", "250.00");
    v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
    let (status, answer) = v2.get(&format!("{TX}/payments/details/800000000001")).await;
    assert_bare(status, &answer);
    assert_eq!(answer["state"], "Success");
    assert_eq!(answer["transactionReference"], "800000000001");
    assert_eq!(answer["amount"], 250);
    let (status, answer) = v2.get(&format!("{TX}/payments/details/800000000002")).await;
    assert_target_error(status, &answer, "111102", "Transaction with the passed reference cannot be found");
}

// ---------------------------------------------------------------------------------------------
// Form bodies, trailing slashes.

#[tokio::test]
async fn v2_form_body_with_dotted_keys_is_read_as_nested_fields() {
    let v2 = V2::start().await;
    let (_, signed) = eazzypay("692194625801", "105.00");
    let form = "customer.mobileNumber=0763000000&customer.countryCode=KE&transaction.amount=105.00\
                &transaction.description=test&transaction.type=EazzyPayOnline&transaction.reference=692194625801";
    let (status, answer) =
        v2.post_raw(&format!("{TX}/payments"), "application/x-www-form-urlencoded", form, Some(&signed)).await;
    assert_bare(status, &answer);
    assert_eq!(answer, json!({"referenceNumber": "692194625801", "status": "SUCCESS"}));
    assert_eq!(v2.last_entry().await["variants"]["body"], "form");
}

#[tokio::test]
async fn v2_form_body_sent_with_a_json_content_type_is_read_as_a_form() {
    let v2 = V2::start().await;
    let (_, signed) = eazzypay("692194625802", "105.00");
    let form = "customer[mobileNumber]=0763000000&customer[countryCode]=KE&transaction[amount]=105.00\
                &transaction[description]=test&transaction[type]=EazzyPayOnline&transaction[reference]=692194625802";
    let (status, answer) = v2.post_raw(&format!("{TX}/payments"), "application/json", form, Some(&signed)).await;
    assert_bare(status, &answer);
    assert_eq!(answer, json!({"referenceNumber": "692194625802", "status": "SUCCESS"}));
    let variant = v2.last_entry().await["variants"]["body"].as_str().unwrap().to_string();
    assert!(variant.starts_with("form") && variant.contains("application/json"), "{variant}");
}

#[tokio::test]
async fn v2_form_body_with_a_repeated_key_is_a_clean_400_naming_the_field() {
    // Arrange: what python-requests sends for `data={"customer": {...}, "transaction": {...}}`.
    let v2 = V2::start().await;
    let form = "customer=mobileNumber&customer=countryCode&transaction=amount&transaction=description\
                &transaction=type&transaction=reference";
    for content_type in ["application/x-www-form-urlencoded", "application/json"] {
        // Act
        let (status, answer) =
            v2.post_raw(&format!("{TX}/payments"), content_type, form, Some("692194625803105.00KE")).await;
        // Assert
        assert_invalid(status, &answer, "customer: sent 2 times");
        assert!(answer["response_msg"].as_str().unwrap().contains("transaction: sent 4 times"), "{answer}");
    }
}

#[tokio::test]
async fn v2_paths_with_a_trailing_slash_reach_the_same_endpoint() {
    let v2 = V2::start().await;
    let (status, answer) =
        v2.post(&format!("{TX}/pesalink/inquire/"), &json!({"mobileNumber": "0722000000"}), None).await;
    assert_bare(status, &answer);
    assert!(!answer["banks"].as_array().unwrap().is_empty(), "{answer}");
    let (status, answer) = v2.get("/transaction/v2/billers/?page=1&per_page=1").await;
    assert_bare(status, &answer);
    assert_eq!(answer["billers"], json!([{"name": "INCULSIVITY", "code": "642292"}]));
    let (body, signed) = identity("555555");
    let (status, answer) = v2.post("/customer/v2/identity/verify/", &body, Some(&signed)).await;
    assert_bare(status, &answer);
    assert_eq!(answer["identity"]["documentNumber"], "555555");
}
