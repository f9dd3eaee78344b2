//! Loading scenario files against the operations the API serves.

use super::*;
use crate::startup::operations;

fn one(text: &str) -> Result<ScenarioSet, Vec<String>> {
    build(&[("t.yaml".to_string(), text.to_string())], operations())
}

#[test]
fn the_embedded_scenarios_load() {
    let set = build(&sources(&[], false).unwrap(), operations()).unwrap();
    for name in [
        "insufficient-funds",
        "invalid-pin",
        "maximum-amount-exceeded",
        "cancelled-by-user",
        "rejected",
        "pending-forever",
        "no-callback",
    ] {
        assert!(set.scenarios.contains_key(name), "{name}");
    }
}

#[test]
fn problems_are_reported_with_file_and_line() {
    let errors = one("scenarios:\n  - name: a\n    effects:\n      stk_push:\n        error: 123\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("t.yaml:5: unknown error code 123"), "{errors:?}");
    let errors = one("scenarios:\n  - name: a\n    effects:\n      nope: {}\n").unwrap_err();
    assert!(errors[0].starts_with("t.yaml:4: unknown operation \"nope\""), "{errors:?}");
    let errors = one("scenarios:\n  - name: a\n    efects: {}\n").unwrap_err();
    assert!(errors[0].starts_with("t.yaml:3: unknown field"), "{errors:?}");
    let errors = one(
            "scenarios:\n  - name: a\n    effects:\n      stk_push: {error: 106201}\n    match:\n      - fields:\n          payment.amount: {between: 3}\n",
        )
        .unwrap_err();
    assert!(errors[0].starts_with("t.yaml:7: unknown predicate \"between\""), "{errors:?}");
    let errors = one(
            "scenarios:\n  - name: a\n    effects: {stk_push: {error: 106201}}\n  - name: a\n    effects: {stk_push: {error: 106201}}\n",
        )
        .unwrap_err();
    assert!(errors[0].starts_with("t.yaml:4: scenario \"a\" is already defined"), "{errors:?}");
}

#[test]
fn a_later_file_redefines_a_scenario_and_its_rules() {
    let first = "scenarios:\n  - name: a\n    effects: {stk_push: {error: 106201}}\n    match:\n      - fields: {payment.ref: AAAAAA}\n";
    let second = "scenarios:\n  - name: a\n    effects: {stk_push: {error: 106500}}\n";
    let set = build(&[("1.yaml".into(), first.into()), ("2.yaml".into(), second.into())], operations()).unwrap();
    assert_eq!(set.scenarios["a"].effect_for(operations().by_id("stk_push").unwrap()).unwrap().error, Some(106500));
    assert!(set.rules.is_empty());
}

fn loaded(yaml: &str) -> super::super::Scenarios {
    super::super::Scenarios::new(build(&[("t.yaml".into(), yaml.into())], operations()).unwrap(), operations())
}

/// The scenario a rule picks for an STK push with these payment fields.
fn decided(scenarios: &super::super::Scenarios, payment: serde_json::Value) -> String {
    let op = operations().by_id("stk_push").unwrap();
    let input = serde_json::json!({ "payment": payment });
    scenarios.decide(None, op, "9999999999", &input).unwrap().name
}

#[test]
fn rules_filed_by_value_keep_priority_and_file_order() {
    let yaml = "scenarios:
  - name: big
    effects: {stk_push: {error: 106201}}
    match: [{operation: stk_push, priority: 3, fields: {payment.amount: {gte: 1000}}}]
  - name: magic
    effects: {stk_push: {error: 106500}}
    match: [{operation: stk_push, priority: 4, fields: {payment.mobileNumber: '254700000500'}}]
  - name: carriers
    effects: {'*': {error: 106501}}
    match: [{priority: 2, fields: {payment.telco: {in: [Airtel, Telkom]}, payment.amount: {lt: 100000}}}]
";
    let scenarios = loaded(yaml);
    let number = "254700000500";
    assert_eq!(decided(&scenarios, serde_json::json!({"mobileNumber": number, "amount": "5000"})), "big");
    assert_eq!(decided(&scenarios, serde_json::json!({"mobileNumber": number, "amount": "50"})), "magic");
    assert_eq!(
        decided(&scenarios, serde_json::json!({"mobileNumber": number, "telco": "Telkom", "amount": 5000})),
        "carriers"
    );
    assert_eq!(
        decided(&scenarios, serde_json::json!({"mobileNumber": number, "telco": "Telkom", "amount": 200000})),
        "big"
    );
    assert_eq!(decided(&scenarios, serde_json::json!({"mobileNumber": "254700000501", "amount": "50"})), "default");
}

#[test]
fn a_thousand_magic_numbers_each_find_their_scenario() {
    let mut yaml = String::from("scenarios:\n");
    for i in 0..1000 {
        yaml.push_str(&format!(
                "  - name: m{i}\n    effects: {{stk_push: {{error: 106201}}}}\n    match: [{{fields: {{payment.mobileNumber: '2547{i:08}'}}}}]\n"
            ));
    }
    let scenarios = loaded(&yaml);
    for i in [0, 499, 999] {
        assert_eq!(decided(&scenarios, serde_json::json!({"mobileNumber": format!("2547{i:08}")})), format!("m{i}"));
    }
    assert_eq!(decided(&scenarios, serde_json::json!({"mobileNumber": "254799999999"})), "default");
}
