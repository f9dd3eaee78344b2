//! Credentials are masked wherever the sandbox shows what it received (the journal's headers and
//! bodies, error messages): enough is kept to tell which credential was sent (its length, the
//! scheme, a JWT's header or the last four characters), never enough to use it.

use serde_json::Value;
use std::borrow::Cow;

/// Header, field and form names whose values are credentials: `Authorization`, `Api-Key`,
/// `consumerSecret`, `client_secret`, `password`, `accessToken`, `refresh_token` and the like.
pub fn is_secret_name(name: &str) -> bool {
    let normal: String = name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    ["password", "passwd", "secret", "apikey", "authorization", "cookie", "privatekey"]
        .iter()
        .any(|word| normal.contains(word))
        || normal.ends_with("token")
}

/// `Bearer eyJhbGciOi… (masked, 812 chars)`, `…cret (masked, 14 chars)`, `(masked, 6 chars)`.
pub fn mask(value: &str) -> String {
    let (scheme, secret) = match value.trim().split_once(' ') {
        Some((scheme, rest)) if ["bearer", "basic"].iter().any(|s| scheme.eq_ignore_ascii_case(s)) => {
            (format!("{scheme} "), rest.trim())
        }
        _ => (String::new(), value),
    };
    let length = secret.chars().count();
    // A JWT's first characters are its algorithm header, which names the kind of token.
    let shown = if secret.starts_with("eyJ") && length > 40 {
        format!("{}… ", secret.chars().take(10).collect::<String>())
    } else if length >= 12 {
        format!("…{} ", secret.chars().skip(length - 4).collect::<String>())
    } else {
        String::new()
    };
    format!("{scheme}{shown}(masked, {length} chars)")
}

/// A header or field value, masked when its name is a secret's.
pub fn shown<'a>(name: &str, value: &'a str) -> Cow<'a, str> {
    if is_secret_name(name) {
        Cow::Owned(mask(value))
    } else {
        Cow::Borrowed(value)
    }
}

/// Masks, at any depth, the values of fields with secret names.
pub fn mask_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if is_secret_name(key) && !field.is_object() && !field.is_array() && !field.is_null() {
                    let text = match &*field {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    *field = Value::String(mask(&text));
                } else {
                    mask_json(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_json),
        _ => {}
    }
}

/// Masks secrets in a body that is not whole JSON: a form (`username=a&password=b`), or the
/// start of a JSON document cut short (`{"consumerSecret": "…`).
pub fn mask_text(text: &str) -> Cow<'_, str> {
    if text.trim_start().starts_with(['{', '[']) {
        mask_json_text(text)
    } else {
        mask_form(text)
    }
}

fn mask_form(text: &str) -> Cow<'_, str> {
    let secret_pair = |pair: &str| {
        pair.split_once('=').is_some_and(|(key, _)| {
            let key: String =
                url::form_urlencoded::parse(format!("{key}=").as_bytes()).map(|(k, _)| k.into_owned()).collect();
            is_secret_name(&key)
        })
    };
    if !text.split('&').any(secret_pair) {
        return Cow::Borrowed(text);
    }
    let pairs: Vec<String> = text
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if secret_pair(pair) => {
                let value: String =
                    url::form_urlencoded::parse(format!("x={value}").as_bytes()).map(|(_, v)| v.into_owned()).collect();
                // Shown, never sent again: the mask stays readable rather than form-encoded.
                format!("{key}={}", mask(&value))
            }
            _ => pair.to_string(),
        })
        .collect();
    Cow::Owned(pairs.join("&"))
}

/// Each `"name": "value"` (or bare value) whose name is a secret's, in text that may not parse.
fn mask_json_text(text: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let Some(close) = closing_quote(rest) else { break };
        let name = &rest[..close];
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        let after = rest.trim_start();
        let Some(value_text) = after.strip_prefix(':').map(str::trim_start) else { continue };
        if !is_secret_name(name) {
            continue;
        }
        let spacing = rest.len() - value_text.len();
        out.push_str(&rest[..spacing]);
        rest = value_text;
        let (value, used) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let end = closing_quote(quoted).unwrap_or(quoted.len());
                (&quoted[..end], (end + 2).min(rest.len()))
            }
            None => {
                let end = rest.find([',', '}', ']', ' ', '\n']).unwrap_or(rest.len());
                (&rest[..end], end)
            }
        };
        out.push('"');
        out.push_str(&mask(value));
        out.push('"');
        rest = &rest[used..];
        changed = true;
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// Where the string that starts here ends (its unescaped quote).
fn closing_quote(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(index),
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_of_credentials_are_recognised_and_others_are_not() {
        for name in [
            "Authorization",
            "api-key",
            "Api-Key",
            "consumerSecret",
            "client_secret",
            "password",
            "accessToken",
            "refresh_token",
            "token",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["tokenType", "token_type", "merchantCode", "username", "signature", "amount"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn a_masked_value_keeps_its_scheme_length_and_a_hint() {
        assert_eq!(
            mask("Bearer eyJhbGciOiJSUzUxMiJ9.eyJ0b2tlblR5cGUiOiJNRVJDSEFOVCJ9.c2lnbmF0dXJl"),
            "Bearer eyJhbGciOi… (masked, 66 chars)"
        );
        assert_eq!(mask("sandbox-secret"), "…cret (masked, 14 chars)");
        assert_eq!(mask("Basic SANDBOX-API-KEY"), "Basic …-KEY (masked, 15 chars)");
        assert_eq!(mask("hunter2"), "(masked, 7 chars)");
    }

    #[test]
    fn json_forms_and_cut_json_are_masked() {
        let mut body = json!({"merchantCode": "1", "consumerSecret": "sandbox-secret", "nested": [{"password": 1234}]});
        mask_json(&mut body);
        assert_eq!(
            body,
            json!({"merchantCode": "1", "consumerSecret": "…cret (masked, 14 chars)", "nested": [{"password": "(masked, 4 chars)"}]})
        );
        assert_eq!(mask_text("username=1&password=hunter2"), "username=1&password=(masked, 7 chars)");
        assert_eq!(
            mask_text(r#"{"a": "b", "password" : "hunter2", "x": "y"#),
            r#"{"a": "b", "password" : "(masked, 7 chars)", "x": "y"#
        );
        assert_eq!(mask_text(r#"{"password": "hunt"#), r#"{"password": "(masked, 4 chars)""#);
        assert_eq!(mask_text("plain text"), "plain text");
    }
}
