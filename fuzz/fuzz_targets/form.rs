//! The form parser over any bytes: it never panics, what it builds nests within the limit, and
//! the result survives a trip through JSON unchanged.
#![no_main]

use jenga_sandbox::fields;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = fields::from_form(data) else { return };
    assert!(fields::depth(&body) <= fields::MAX_DEPTH, "a form body nests past the limit");
    let text = serde_json::to_vec(&body).expect("a form body serialises");
    assert_eq!(fields::from_json(&text).expect("its JSON parses back"), body);
});
