//! Field paths over any JSON: the input is a JSON document, a NUL byte, then paths one a line.
//! Reading, checking and matching never panic, and the two ways of reading a field agree.
#![no_main]

use jenga_sandbox::fields::{self, Check};
use jenga_sandbox::scenario::{matches_all, Predicate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (json, paths) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], String::from_utf8_lossy(&data[at + 1..])),
        None => (data, "payment.amount".into()),
    };
    let Ok(body) = fields::from_json(json) else { return };
    let mut check = Check::new(&body);
    let mut predicates = Vec::new();
    for path in paths.split('\n').take(16) {
        let owned = fields::text_at(&body, path);
        assert_eq!(owned.as_deref(), fields::text_ref(&body, path).as_deref(), "{path}");
        assert_eq!(owned.is_some(), fields::get(&body, path).and_then(fields::raw_text).is_some());
        check.string(path);
        check.amount(path, 2);
        check.number_or_amount(path);
        check.date(path);
        check.http_url(path);
        check.one_of_any_case(path, &["KES", "USD"]);
        if fields::check_path(path).is_ok() {
            let text = owned.unwrap_or_default();
            predicates.push((path.to_string(), Predicate::Prefix(text.chars().take(4).collect())));
            predicates.push((path.to_string(), Predicate::Gte(text.parse().unwrap_or(0.0))));
        }
        if let Ok(predicate) = Predicate::from_value(fields::get(&body, path).unwrap_or(&body)) {
            predicate.matches(Some(path));
        }
    }
    let _ = check.finish();
    let _ = matches_all(&predicates, &body);
});
