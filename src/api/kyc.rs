//! KYC identity search and verification (reference §9.3): `POST /v3-apis/v3.0/validate/identity`,
//! answered from `fixtures/identities.json`; an unknown document is 115105 (no record in IPRS).

use crate::catalogue::Family;
use crate::fields::{self, Check, First};
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Spec};
use crate::signature::Formula;
use actix_web::http::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub static IDENTITY_VERIFICATION: Operation = Operation {
    id: "identity_verification",
    title: "KYC identity search and verification",
    families: &[Family::Identity, Family::Http],
    auth: Auth::Bearer,
    // The v3 formula is undocumented: v2's (confirmed), one SDK's, and another SDK's buggy one
    // (country code twice) are all accepted, and the journal says which matched.
    signature: &[
        Formula {
            name: "v2-doc",
            fields: &[crate::signature::MERCHANT_CODE, "identity.documentNumber", "identity.countryCode"],
        },
        Formula { name: "country-document", fields: &["identity.countryCode", "identity.documentNumber"] },
        Formula { name: "country-twice", fields: &["identity.countryCode", "identity.countryCode"] },
    ],
};

pub static CREDIT_INFO: Operation = Operation {
    id: "credit_info",
    title: "Credit score / credit info (v2)",
    families: &[Family::Identity, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "v2-doc",
        fields: &[
            "customer.0.dateOfBirth",
            crate::signature::MERCHANT_CODE,
            "customer.0.identityDocument.documentNumber",
        ],
    }],
};

/// v3 credit report; its formula is undocumented, so the signature is not verified.
pub static CRB: Operation = Operation {
    id: "crb",
    title: "Credit score / CRB report",
    families: &[Family::Identity, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KnownIdentity {
    country_code: String,
    document_number: String,
    identity: Value,
}

static IDENTITIES: LazyLock<Vec<KnownIdentity>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../fixtures/identities.json")).expect("fixtures/identities.json")
});

pub(crate) static FAMILY: super::OperationFamily =
    super::OperationFamily { operations: &[&IDENTITY_VERIFICATION, &CREDIT_INFO, &CRB], configure };

fn configure(routes: &mut super::Routes) {
    routes.v3(Method::POST, "/v3-apis/v3.0/validate/identity", &SPEC);
    routes.v3(Method::POST, "/v3-apis/v3.0/validate/crb", &CRB_SPEC);
    for service in ["customer-test", "customer"] {
        routes.v2(Method::POST, &format!("/{service}/v2/identity/verify"), &SPEC);
        routes.v2(Method::POST, &format!("/{service}/v2/creditinfo"), &CREDIT_SPEC);
    }
}

pub(crate) static SPEC: Spec = Spec { op: &IDENTITY_VERIFICATION, input: Input::Body, validate, execute };
pub(crate) static CREDIT_SPEC: Spec =
    Spec { op: &CREDIT_INFO, input: Input::Body, validate: validate_credit, execute: credit_info_v2 };
pub(crate) static CRB_SPEC: Spec = Spec { op: &CRB, input: Input::Body, validate: validate_crb, execute: crb_report };

/// KYC is offered in Kenya and Rwanda only.
const COUNTRIES: &[&str] = &["KE", "RW"];

const DOCUMENT_TYPES: &[&str] = &["ID", "PASSPORT", "ALIENID"];

fn validate(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.one_of("identity.documentType", DOCUMENT_TYPES);
    check.string("identity.firstName");
    check.string("identity.lastName");
    check.string("identity.documentNumber");
    check.one_of("identity.countryCode", COUNTRIES);
    if fields::get(body, "identity.dateOfBirth").is_some_and(|v| !v.is_null()) {
        check.date("identity.dateOfBirth");
    }
    check.finish()
}

/// An identity search once validated.
#[derive(Deserialize)]
struct IdentityQuery<'a> {
    #[serde(borrow)]
    identity: Identity<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Identity<'a> {
    country_code: &'a str,
    document_number: &'a str,
}

fn execute(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let Identity { country_code, document_number } = pipeline::typed::<IdentityQuery>(&input)?.identity;
    let known = IDENTITIES.iter().find(|i| i.country_code == country_code && i.document_number == document_number);
    match known {
        Some(found) => Ok(call.success(json!({"identity": found.identity}), &[])),
        None => Err(call.failure(115105)),
    }
}

fn validate_credit(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    match fields::get(body, "customer") {
        Some(Value::Array(list)) if !list.is_empty() => {
            check.date("customer.0.dateOfBirth");
            check.string("customer.0.identityDocument.documentType");
            check.string("customer.0.identityDocument.documentNumber");
        }
        _ => check.problem("customer", "must be a list of at least one customer"),
    }
    check.string("bureau.reportType");
    check.one_of("bureau.countryCode", COUNTRIES);
    check.string("loan.amount");
    check.finish()
}

/// A v2 credit info request once validated: the report is on its first customer.
#[derive(Deserialize)]
struct CreditInquiry<'a> {
    #[serde(borrow)]
    customer: First<CreditCustomer<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreditCustomer<'a> {
    #[serde(borrow)]
    identity_document: IdentityDocument<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdentityDocument<'a> {
    document_number: &'a str,
}

fn credit_info_v2(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let inquiry: CreditInquiry = pipeline::typed(&input)?;
    Ok(call.success(credit_report(inquiry.customer.0.identity_document.document_number), &[]))
}

fn validate_crb(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.string("crbIdentity.nationalId");
    check.string("crbIdentity.reportType");
    check.one_of("crbIdentity.countryCode", COUNTRIES);
    check.string("crbIdentity.reference");
    check.finish()
}

/// A v3 credit report request once validated.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CrbRequest<'a> {
    #[serde(borrow)]
    crb_identity: CrbIdentity<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CrbIdentity<'a> {
    national_id: &'a str,
    reference: &'a str,
}

/// Whether v3 wraps the report in its envelope is unknown; it does here, like every v3 answer.
fn crb_report(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let CrbIdentity { national_id, reference } = pipeline::typed::<CrbRequest>(&input)?.crb_identity;
    if !call.claim_reference(&format!("crb:{reference}")) {
        return Err(call.failure(400101));
    }
    Ok(call.success(credit_report(national_id), &[("reference", json!(reference))]))
}

/// A bureau report in the v2 shape (every value a string). The known identities have a clean
/// record; document numbers ending in 13 carry a non-performing account and a low score.
fn credit_report(number: &str) -> Value {
    let troubled = number.ends_with("13");
    let (score, delinquency) = if troubled { ("412", "90+ days in arrears") } else { ("772", "No delinquency") };
    let name = IDENTITIES
        .iter()
        .find(|i| i.document_number == number)
        .and_then(|i| i.identity["customer"]["fullName"].as_str())
        .unwrap_or("JOHN DOE")
        .to_string();
    json!({
        "Person": {
            "PersonName": {"FullName": name},
            "IdentityDocument": {"IdentityDocumentID": number, "IdentityDocumentType": "National ID"},
        },
        "CreditAccountsSummary": [{
            "AccountIdentifier": {"AccountID": "SBX0001", "AccountCurrency": {"Currency": "KES"}},
            "AccountType": "36",
            "AccountOpenDate": "17012014",
            "AccountOwnership": "true",
            "Balance": if troubled { "25000.00000" } else { "0.00000" },
            "DelinquencyStatus": delinquency,
            "Original_Amount": ["65000.00000", "65000.00000"],
            "PastDueAmount": if troubled { "25000.00000" } else { "0.00000" },
            "NoofDelayed_Payments": if troubled { "4" } else { "0" },
            "AccountStatus": if troubled { "W" } else { "F" },
        }],
        "CreditBureau": {
            "score": score,
            "creditApplications90Days": "0",
            "creditApplications180Days": "0",
            "creditApplications365Days": "1",
            "crbEnqiry90Days": "0",
            "crbEnqiry180Days": "0",
            "crbEnqiry365Days": "1",
            "BouncedCheques90Days": "0",
            "BouncedCheques180Days": "0",
            "BouncedCheques365Days": "0",
            "AcctNonPerformingCurrent": if troubled { "1" } else { "0" },
            "AcctNonPerformingHisto": if troubled { "1" } else { "0" },
            "AcctPerformingCurrent": "15",
            "AcctPerformingHisto": "NaN",
            "IsFraud": "false",
            "isGuarantor": "false",
            "delinquency_code": delinquency,
        },
    })
}
