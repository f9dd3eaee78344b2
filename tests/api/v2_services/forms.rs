//! v2 form bodies and trailing slashes.

use super::*;

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
    assert_eq!(v2.app.last_request().await["variants"]["body"], "form");
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
    let variant = v2.app.last_request().await["variants"]["body"].as_str().unwrap().to_string();
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
