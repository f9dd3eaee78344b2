//! v2 customer service (identity and credit info).

use super::*;

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
