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

fn eazzypay(reference: &str, amount: &str) -> (Value, String) {
    let body = json!({
        "customer": {"mobileNumber": "0763000000", "countryCode": "KE"},
        "transaction": {"amount": amount, "description": "test", "type": "EazzyPayOnline", "reference": reference}
    });
    (body, format!("{reference}{amount}{MERCHANT}KE"))
}

fn identity(number: &str) -> (Value, String) {
    let body = json!({"identity": {"documentType": "ID", "firstName": "John", "lastName": "Doe",
                                   "documentNumber": number, "countryCode": "KE"}});
    (body, format!("{MERCHANT}{number}KE"))
}

mod airtime_forex;
mod bills;
mod customer;
mod details;
mod eazzypay;
mod forms;
mod lookups;
mod remittance;
