#[test]
fn string_or_absent_takes_strings_and_counts_anything_else_absent() {
    #[derive(serde::Deserialize)]
    struct Sent<'a> {
        #[serde(borrow)]
        text: super::StringOrAbsent<'a>,
        number: super::StringOrAbsent<'a>,
        object: super::StringOrAbsent<'a>,
        null: super::StringOrAbsent<'a>,
        #[serde(default)]
        missing: super::StringOrAbsent<'a>,
    }
    let body = serde_json::json!({"text": "https://x", "number": 5, "object": {"a": [1]}, "null": null});
    let sent: Sent = serde::Deserialize::deserialize(&body).unwrap();
    assert_eq!(sent.text.0, Some("https://x"));
    assert!(sent.number.0.is_none() && sent.object.0.is_none() && sent.null.0.is_none() && sent.missing.0.is_none());
}

use super::*;
use serde_json::json;

#[test]
fn text_or_absent_reads_each_value_as_text_at_does() {
    let sent = r#"["https://x", "", 5, -7, 100.50, 100.5, 5.0, 1e3, 12345678901234567890123, -12345678901234567890,
                   123456789012345678901234567890123456789012345, true, false, null, [1], {"a": 1}]"#;
    let values: Vec<Value> = serde_json::from_str(sent).unwrap();
    for value in &values {
        let read: TextOrAbsent = serde::Deserialize::deserialize(value).unwrap();
        assert_eq!(read.0.as_deref(), raw_text(value).as_deref(), "{value}");
    }
}

#[test]
fn numbers_keep_the_text_they_were_sent_with() {
    let body: Value = serde_json::from_str(r#"{"a":{"b":500.00,"c":"5.00"}}"#).unwrap();
    assert_eq!(text_at(&body, "a.b").as_deref(), Some("500.00"));
    assert_eq!(text_at(&body, "a.c").as_deref(), Some("5.00"));
    assert_eq!(text_at(&body, "a.d"), None);
}

#[test]
fn the_quick_url_check_accepts_only_what_the_full_parse_accepts() {
    let full = parses_as_http_url;
    let quick = [
        "http://127.0.0.1:18181/__sandbox/sink/bench",
        "https://webhook.site/3c6a-41d2?x=1&y=%20#frag",
        "http://localhost",
        "https://my-app.example.co.ke:8443/callbacks/jenga/",
        "http://a.b.c/path;p?q",
    ];
    for url in quick {
        assert!(is_plain_http_url(url) && full(url), "{url}");
    }
    // Left to the full parse: some are valid URLs, some are not.
    let others = [
        "ftp://example.com/",
        "http://",
        "http://user:pw@example.com/",
        "http://[::1]:8080/",
        "http://1.2.3.999/",
        "http://example.com:99999/",
        "http://example.com:/x",
        "http://exa mple.com/",
        "http://example..com/",
        "http://-x.com/ a",
        "http://xn--bcher-kva.example/",
        "http://bücher.example/",
        "http:/example.com",
        "HTTP://EXAMPLE.COM/",
        "https://example.com/\u{7f}",
    ];
    for url in others {
        assert!(!is_plain_http_url(url) || full(url), "{url}");
        assert_eq!(is_http_url(url), full(url), "{url}");
    }
}

#[test]
fn amounts_follow_the_two_decimal_rule() {
    for ok in ["5", "5.0", "5.00", "150000", "0.01"] {
        assert!(is_amount(ok, 2), "{ok}");
    }
    assert!(is_amount(&MAX_AMOUNT.to_string(), 2));
    assert_eq!(MAX_AMOUNT.to_string(), "999999999999.99");
    for bad in
        ["", "5.", ".5", "5.001", "-5", "0", "0.00", "5,00", "1e3", "abc", "1000000000000", "92233720368547758.08"]
    {
        assert!(!is_amount(bad, 2), "{bad}");
    }
}

#[test]
fn forms_nest_dotted_and_bracketed_keys_and_refuse_repeated_ones() {
    let body = from_form(b"customer.countryCode=KE&customer[mobileNumber]=0722000000&limit=10").unwrap();
    assert_eq!(body, json!({"customer": {"countryCode": "KE", "mobileNumber": "0722000000"}, "limit": "10"}));
    let err = from_form(b"requestId=1&destination=type&transfer=date&destination=x").unwrap_err();
    assert!(err.contains("destination: sent 2 times"), "{err}");
    assert!(!err.contains("transfer"), "{err}");
}

#[test]
fn a_form_body_reads_back_the_same_from_its_json() {
    // Found by fuzzing: a key the JSON reader reserves made a body that did not read back.
    let err = from_form(b"a[$serde_json::private::Number]=0a").unwrap_err();
    assert!(err.contains("a name the JSON reader reserves"), "{err}");
    let body = from_form(b"a[b]=1&c=x%00y").unwrap();
    assert_eq!(from_json(&serde_json::to_vec(&body).unwrap()).unwrap(), body);
}

#[test]
fn every_problem_is_reported_at_once() {
    let body = json!({"payment": {"ref": 12, "date": "2024-13-01"}});
    let mut check = Check::new(&body);
    check.string("payment.ref");
    check.date("payment.date");
    check.string("payment.telco");
    let err = check.finish().unwrap_err();
    assert!(err.contains("payment.ref: must be a string, not a number"), "{err}");
    assert!(err.contains("payment.date: must be a date"), "{err}");
    assert!(err.contains("payment.telco: is required"), "{err}");
}

#[test]
fn counts_are_read_from_text_or_numbers() {
    let body: Value = serde_json::from_str(r#"["3", 3, 99999999999999999999999]"#).unwrap();
    let counts: Vec<Count> = serde::Deserialize::deserialize(&body).unwrap();
    assert_eq!(counts, [Count(3), Count(3), Count(usize::MAX)]);
    for refused in [json!("0"), json!(0), json!(1.5), json!(true)] {
        assert!(<Count as serde::Deserialize>::deserialize(&refused).is_err(), "{refused}");
    }
}

#[test]
fn first_reads_the_first_item_and_skips_the_rest_unread() {
    let body = json!([{"n": "a"}, "not an object", 7]);
    #[derive(serde::Deserialize)]
    struct Item<'a> {
        n: &'a str,
    }
    let First(item): First<Item> = serde::Deserialize::deserialize(&body).unwrap();
    assert_eq!(item.n, "a");
    assert!(<First<Item> as serde::Deserialize>::deserialize(&json!([])).is_err());
}
