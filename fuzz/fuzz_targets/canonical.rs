//! The string to sign, for every formula of every operation, built from any JSON body; and the
//! verdict the sandbox records when no key can check it. Never panics; the canonical string is
//! the formula's values joined with nothing.
#![no_main]

use jenga_sandbox::fields;
use jenga_sandbox::signature::{self, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut input) = fields::from_json(data) else { return };
    if let Some(body) = input.as_object_mut() {
        body.insert(signature::MERCHANT_CODE.into(), "9999999999".into());
    }
    for op in jenga_sandbox::startup::operations().iter().filter(|op| !op.signature.is_empty()) {
        for formula in op.signature {
            match (formula.canonical(&input), formula.values(&input)) {
                (Ok(text), Ok(values)) => assert_eq!(text, values.concat(), "{}", op.id),
                (Err(a), Err(b)) => assert_eq!(a, b, "{}", op.id),
                (text, values) => panic!("{}: canonical {text:?} but values {values:?}", op.id),
            }
        }
        for header in [None, Some("c2lnbmF0dXJl")] {
            let verdict = signature::check(Mode::Warn, None, op.signature, &input, header, data);
            assert!(!verdict.valid);
            assert_eq!(verdict.fields().len(), op.signature[0].fields.len());
            serde_json::to_string(&verdict).expect("a verdict serialises");
            signature::header_safe(&verdict.expected);
        }
    }
});
