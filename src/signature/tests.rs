//! The diagnosis, on the STK push's documented formula and its seed example.

use super::*;
use crate::crypto::{fixtures, parse_private_key, sign_sha256};
use serde_json::json;

const STK: &[Formula] = crate::api::stk_push::STK_PUSH.signature;

fn seed_request() -> Value {
    json!({
        "merchant": {"accountNumber": "0170194290581", "countryCode": "KE", "name": "Sportify Ltd"},
        "payment": {"ref": "MPS3883889822982", "amount": "5.00", "currency": "KES", "telco": "Equitel",
                    "mobileNumber": "254764555291", "date": "2024-08-13", "pushType": "STK"}
    })
}

fn sign(text: &str) -> String {
    sign_sha256(&parse_private_key(fixtures::MERCHANT_PRIVATE_PEM).unwrap(), text.as_bytes())
}

fn key() -> PublicKey {
    PublicKey::parse(fixtures::MERCHANT_PUBLIC_PEM).unwrap()
}

fn verdict_for(signed: &str) -> Verdict {
    check(Mode::Strict, Some(&key()), STK, &seed_request(), Some(&sign(signed)), b"{}")
}

#[test]
fn the_seed_example_string_is_the_canonical_string_without_separators() {
    // seed 001: 0170194290581+MPS3883889822982+254764555291+Equitel+5.00+KES
    assert_eq!(STK[0].canonical(&seed_request()).unwrap(), "0170194290581MPS3883889822982254764555291Equitel5.00KES");
    assert!(verdict_for("0170194290581MPS3883889822982254764555291Equitel5.00KES").valid);
}

#[test]
fn the_verdict_lists_each_field_value_whether_or_not_all_were_sent() {
    let complete = verdict_for("anything");
    assert_eq!(
        serde_json::to_value(&complete).unwrap()["fields"][1],
        json!({"field": "payment.ref", "value": "MPS3883889822982"})
    );
    let values: Vec<&str> = complete.fields().into_iter().map(|(_, v)| v).collect();
    assert_eq!(values, ["0170194290581", "MPS3883889822982", "254764555291", "Equitel", "5.00", "KES"]);

    let mut without_telco = seed_request();
    without_telco["payment"].as_object_mut().unwrap().remove("telco");
    let partial = check(Mode::Strict, Some(&key()), STK, &without_telco, Some(&sign("x")), b"{}");
    assert_eq!(partial.expected, "");
    let values: Vec<&str> = partial.fields().into_iter().map(|(_, v)| v).collect();
    assert_eq!(values, ["0170194290581", "MPS3883889822982", "254764555291", "", "5.00", "KES"]);
    assert_eq!(serde_json::to_value(&partial).unwrap()["formula"], complete.formula.written());
}

#[test]
fn the_seed_example_with_plus_signs_is_diagnosed_as_separators() {
    let v = verdict_for("0170194290581+MPS3883889822982+254764555291+Equitel+5.00+KES");
    assert!(!v.valid);
    assert!(v.likely_mistake.unwrap().contains("plus signs"));
}

#[test]
fn a_wrong_order_and_a_reformatted_amount_are_named() {
    let v = verdict_for("MPS38838898229820170194290581254764555291Equitel5.00KES");
    assert!(v.likely_mistake.unwrap().contains("wrong field order"));
    let v = verdict_for("0170194290581MPS3883889822982254764555291Equitel5KES");
    assert!(v.likely_mistake.unwrap().contains("payment.amount is formatted differently"));
}

#[test]
fn a_foreign_key_and_a_missing_header_are_named() {
    let issuer = crate::crypto::IssuerKey::from_pem(fixtures::ISSUER_PRIVATE_PEM).unwrap();
    use base64::Engine;
    let foreign = base64::engine::general_purpose::STANDARD.encode(issuer.sign_rs256(b"x"));
    let v = check(Mode::Strict, Some(&key()), STK, &seed_request(), Some(&foreign), b"{}");
    assert!(v.likely_mistake.unwrap().contains("key other than the one registered"));
    let v = check(Mode::Strict, Some(&key()), STK, &seed_request(), None, b"{}");
    assert_eq!(v.problem.as_deref(), Some("no Signature header was sent"));
}

#[test]
fn the_expected_header_value_stays_printable() {
    assert_eq!(header_safe("KE145"), "KE145");
    assert_eq!(header_safe("a\nb"), "a%0Ab");
    assert_eq!(header_safe("Müller"), "M%C3%BCller");
}
