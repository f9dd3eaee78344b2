//! The scenario loader over any text: it never panics, every problem names the file and a
//! line, and a set that loads can be listed and can decide a request.
#![no_main]

use jenga_sandbox::scenario::{load, Scenarios};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let operations = jenga_sandbox::startup::operations();
    match load::build(&[("fuzz.yaml".to_string(), text.to_string())], operations) {
        Ok(set) => {
            serde_json::to_string(&set.scenarios).expect("scenarios serialise");
            let body = serde_json::json!({"payment": {"mobileNumber": "254700000500", "amount": "5000"}});
            let push = operations.by_id("stk_push").expect("the STK push is an operation");
            Scenarios::new(set, operations).decide(None, push, "9999999999", &body).expect("no header, no error");
        }
        Err(problems) => {
            for problem in problems {
                let line = problem.strip_prefix("fuzz.yaml:").and_then(|rest| rest.split_once(": "));
                assert!(line.is_some_and(|(n, _)| n.parse::<u64>().is_ok()), "{problem}");
            }
        }
    }
});
