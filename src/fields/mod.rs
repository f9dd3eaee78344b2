//! Reading request fields by dotted path (`payment.ref`) and checking them, collecting every
//! problem so a caller learns all that is wrong with a request at once.

use crate::money::Cents;
use crate::rules::{self, Rule};
use serde_json::Value;

/// How many levels any client input may nest: a JSON body, a form key (`a.b[c]` is 3) or a
/// field path in a scenario rule. Jenga's deepest body nests 4; the limit keeps every recursive
/// walk over a value (dropping, cloning, serialising it) far from the end of the stack.
pub const MAX_DEPTH: usize = 32;

/// How many fields a form body may carry; Jenga's largest form has a few dozen.
pub const MAX_FORM_FIELDS: usize = 1_000;

// The closure is measured faster here than the `char` pattern the lint prefers (see below).
#[allow(clippy::manual_pattern_char_comparison)]
pub fn get<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    // A numeric segment indexes an array (`customer.0.dateOfBirth`). The closure splits these
    // short paths with fewer instructions than `split('.')`, which searches with memchr.
    path.split(|c| c == '.').try_fold(body, |v, key| match v {
        Value::Array(items) => key.parse::<usize>().ok().and_then(|index| items.get(index)),
        Value::Object(members) => member(members, key),
        _ => None,
    })
}

/// A key's value. Request objects hold a handful of keys, and comparing them in turn costs a
/// fraction of hashing the key with the map's SipHash; an STK push reads some thirty-five fields.
fn member<'a>(members: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    const SCAN_UP_TO: usize = 16;
    if members.len() <= SCAN_UP_TO {
        members.iter().find_map(|(name, value)| (name == key).then_some(value))
    } else {
        members.get(key)
    }
}

/// A field's value as the client sent it: strings as they are, numbers in their original text.
pub fn raw_text(value: &Value) -> Option<String> {
    text_of(value).map(std::borrow::Cow::into_owned)
}

pub fn text_at(body: &Value, path: &str) -> Option<String> {
    get(body, path).and_then(raw_text)
}

/// `text_at` without a copy, for reading only.
pub fn text_ref<'a>(body: &'a Value, path: &str) -> Option<std::borrow::Cow<'a, str>> {
    get(body, path).and_then(text_of)
}

fn text_of(value: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s)),
        Value::Number(n) => Some(std::borrow::Cow::Borrowed(n.as_str())),
        Value::Bool(b) => Some(std::borrow::Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

pub struct Check<'a> {
    body: &'a Value,
    pub problems: Vec<String>,
}

impl<'a> Check<'a> {
    pub fn new(body: &'a Value) -> Self {
        Self { body, problems: Vec::new() }
    }

    pub fn problem(&mut self, path: &str, what: impl std::fmt::Display) {
        self.problems.push(format!("{path}: {what}"));
    }

    /// A required, non-empty string field.
    pub fn string(&mut self, path: &str) -> Option<&'a str> {
        rules::record(path, Rule::Text);
        match get(self.body, path) {
            None if self.parent_is_not_object(path) => {}
            None | Some(Value::Null) => self.problem(path, "is required"),
            Some(Value::String(s)) if s.trim().is_empty() => self.problem(path, "must not be empty"),
            Some(Value::String(s)) => return Some(s.as_str()),
            Some(other) => self.problem(path, format!("must be a string, not {}", kind(other))),
        }
        None
    }

    /// Reports (once) an enclosing field that is present but not an object, e.g. `payment: "x"`.
    fn parent_is_not_object(&mut self, path: &str) -> bool {
        let mut prefix = String::new();
        for key in path.split('.').take(path.split('.').count() - 1) {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(key);
            if let Some(value) = get(self.body, &prefix).filter(|v| !v.is_object() && !v.is_null()) {
                let problem = format!("{prefix}: must be an object, not {}", kind(value));
                if !self.problems.contains(&problem) {
                    self.problems.push(problem);
                }
                return true;
            }
        }
        false
    }

    /// A required string field that may arrive under one of several names (sources disagree);
    /// returns the value and the name that matched.
    pub fn string_any(&mut self, paths: &[&'static str]) -> Option<(&'a str, &'static str)> {
        rules::record(paths[0], Rule::EitherOf(paths.to_vec()));
        for path in paths {
            if get(self.body, path).is_some_and(|v| !v.is_null()) {
                return self.string(path).map(|s| (s, *path));
            }
        }
        self.problem(paths[0], "is required");
        None
    }

    pub fn one_of(&mut self, path: &str, allowed: &[&str]) -> Option<&'a str> {
        rules::record(path, Rule::OneOf(allowed.iter().map(|a| a.to_string()).collect()));
        let value = self.string(path)?;
        if allowed.contains(&value) {
            Some(value)
        } else {
            self.problem(path, format!("must be one of {}, not {value:?}", allowed.join(", ")));
            None
        }
    }

    /// Like `one_of`, ignoring ASCII case; returns the allowed spelling and the one sent.
    pub fn one_of_any_case<'b>(&mut self, path: &str, allowed: &[&'b str]) -> Option<(&'b str, &'a str)> {
        rules::record(path, Rule::OneOf(allowed.iter().map(|a| a.to_string()).collect()));
        let value = self.string(path)?;
        match allowed.iter().find(|a| a.eq_ignore_ascii_case(value)) {
            Some(canonical) => Some((canonical, value)),
            None => {
                self.problem(path, format!("must be one of {}, not {value:?}", allowed.join(", ")));
                None
            }
        }
    }

    pub fn rule(&mut self, path: &str, ok: impl Fn(&str) -> bool, expectation: &str) -> Option<&'a str> {
        rules::record(path, Rule::Expect(expectation.to_string()));
        let value = self.string(path)?;
        if ok(value) {
            Some(value)
        } else {
            self.problem(path, format!("{expectation}, not {value:?}"));
            None
        }
    }

    /// A whole number from 1 (a page, a page size), as the text of a query parameter.
    pub fn count(&mut self, path: &str) -> Option<&'a str> {
        rules::record(path, Rule::Count);
        self.rule(path, |v| whole_number_from_one(v).is_some(), "must be a whole number from 1")
    }

    pub fn date(&mut self, path: &str) -> Option<&'a str> {
        rules::record(path, Rule::Date);
        self.rule(path, is_date, "must be a date in the format YYYY-MM-DD")
    }

    pub fn http_url(&mut self, path: &str) -> Option<&'a str> {
        rules::record(path, Rule::HttpUrl);
        self.rule(path, is_http_url, "must be an http or https URL")
    }

    /// A positive amount sent as a JSON number (typed clients) or as a string of at most 2 decimals.
    pub fn number_or_amount(&mut self, path: &str) {
        rules::record(path, Rule::NumberOrAmount);
        match get(self.body, path) {
            Some(Value::Number(n)) if is_amount(&n.to_string(), 2) => {}
            Some(Value::Number(n)) => self.problem(
                path,
                format!("must be above 0 and at most {MAX_AMOUNT}, with at most 2 decimal places, not {n}"),
            ),
            _ => {
                self.amount(path, 2);
            }
        }
    }

    /// A positive amount written as a string with at most `decimals` decimal places.
    pub fn amount(&mut self, path: &str, decimals: usize) -> Option<&'a str> {
        rules::record(path, Rule::Amount(decimals));
        let expectation = format!(
            "must be a positive amount as a string with at most {decimals} decimal places, at most {MAX_AMOUNT}"
        );
        if let Some(Value::Number(n)) = get(self.body, path) {
            self.problem(path, format!("{expectation} (e.g. \"{n}\"), not the number {n}"));
            return None;
        }
        self.rule(path, |v| is_amount(v, decimals), &expectation)
    }

    /// Whether an optional field was sent, so its rules apply. While the API is being described
    /// it counts as sent, so that its rules are recorded too.
    pub fn optional(&mut self, path: &str) -> bool {
        rules::record_optional(path);
        rules::recording() || get(self.body, path).is_some()
    }

    pub fn finish(self) -> Result<(), String> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems.join("; "))
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub fn is_date(s: &str) -> bool {
    s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// Midnight UTC of a `YYYY-MM-DD` date, in epoch milliseconds.
pub fn day_start_ms(date: &str) -> Option<i64> {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
}

/// A mobile number as local clients write it: 9 to 15 digits.
pub fn is_mobile_number(m: &str) -> bool {
    (9..=15).contains(&m.len()) && m.chars().all(|c| c.is_ascii_digit())
}

/// A mobile number with its country prefix (`254…`), as the STK pushes want it.
pub fn is_international_mobile(m: &str) -> bool {
    (10..=15).contains(&m.len()) && m.chars().all(|c| c.is_ascii_digit()) && !m.starts_with('0')
}

/// v2's reference rule (codes 400116 and 107107).
pub fn is_twelve_digits(s: &str) -> bool {
    s.len() == 12 && s.chars().all(|c| c.is_ascii_digit())
}

pub fn is_http_url(s: &str) -> bool {
    is_plain_http_url(s) || parses_as_http_url(s)
}

fn parses_as_http_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// The common shape, `http(s)://host[:port][/path]` with a plain host name or IPv4 address and
/// printable ASCII after it, recognised without a full parse (which costs more than the rest of
/// an STK push's validation). It accepts only what the full parse accepts; anything else
/// (user info, IPv6, non-ASCII, odd hosts) is left to the full parse.
fn is_plain_http_url(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("http://").or_else(|| s.strip_prefix("https://")) else {
        return false;
    };
    let (authority, after) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let port_ok = port.is_none_or(|p| p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok());
    let label_ok =
        |l: &str| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    // A host whose last label is numeric is read as an IPv4 address, so it must be one.
    let last_is_name = host.rsplit('.').next().and_then(|l| l.bytes().next()).is_some_and(|b| b.is_ascii_alphabetic());
    let host_ok = if last_is_name {
        host.len() <= 253 && host.split('.').all(label_ok)
    } else {
        host.parse::<std::net::Ipv4Addr>().is_ok()
    };
    host_ok && port_ok && after.bytes().all(|b| b.is_ascii_graphic())
}

/// The largest amount taken: a hundredth of the largest balance, so an amount is exact as a JSON
/// number and many of them fit in one balance.
const MAX_AMOUNT: Cents = Cents::from_cents(99_999_999_999_999);

/// Whether `s` is a positive amount in cents (so `decimals` is at most 2), at most `MAX_AMOUNT`.
pub fn is_amount(s: &str, decimals: usize) -> bool {
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    !whole.is_empty()
        && digits(whole)
        && digits(fraction)
        && fraction.len() <= decimals
        && !(s.contains('.') && fraction.is_empty())
        && Cents::parse(s).is_ok_and(|amount| amount > Cents::ZERO && amount <= MAX_AMOUNT)
}

/// A form body as a JSON object. Keys may name nested fields as `customer.countryCode` or
/// `customer[countryCode]`. A key sent twice is refused: that is what a client produces when it
/// puts a nested object into a form (`destination=type`), and guessing would lose data.
pub fn from_form(raw: &[u8]) -> Result<Value, String> {
    let mut body = Value::Object(serde_json::Map::new());
    let mut seen: Vec<(String, Vec<String>)> = Vec::new();
    for (count, (key, value)) in url::form_urlencoded::parse(raw).enumerate() {
        if count == MAX_FORM_FIELDS {
            return Err(format!("a form body may carry at most {MAX_FORM_FIELDS} fields; send the body as JSON"));
        }
        match seen.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value.into_owned()),
            None => seen.push((key.into_owned(), vec![value.into_owned()])),
        }
    }
    let mut problems = Vec::new();
    for (key, values) in seen {
        if values.len() > 1 {
            problems.push(format!(
                "{key}: sent {} times in a form body ({}); a form cannot carry a nested object or a list, \
                 send the body as JSON",
                values.len(),
                values
                    .iter()
                    .map(|v| format!("{key}={}", crate::secrets::shown(&key, v)))
                    .collect::<Vec<_>>()
                    .join("&")
            ));
            continue;
        }
        let path: Vec<&str> = key.split(['.', '[', ']']).filter(|segment| !segment.is_empty()).collect();
        if path.len() > MAX_DEPTH {
            problems.push(format!("{}: {}", excerpt(&key), too_deep("a form key")));
            continue;
        }
        if path.contains(&RESERVED_KEY) {
            problems.push(format!("{}: {RESERVED_KEY} is a name the JSON reader reserves", excerpt(&key)));
            continue;
        }
        let mut node = &mut body;
        for (depth, segment) in path.iter().enumerate() {
            if !node.is_object() {
                problems.push(format!("{key}: conflicts with another form field of the same name"));
                break;
            }
            let last = depth + 1 == path.len();
            let entry = node.as_object_mut().expect("checked above").entry(segment.to_string());
            node = entry.or_insert_with(|| if last { Value::Null } else { Value::Object(serde_json::Map::new()) });
            if last {
                *node = Value::String(values[0].clone());
            }
        }
    }
    if problems.is_empty() {
        Ok(body)
    } else {
        Err(problems.join("; "))
    }
}

/// The JSON reader takes an object with this one key for a number written as text, so a form
/// field of this name would become a value that reads back differently once written as JSON.
const RESERVED_KEY: &str = "$serde_json::private::Number";

/// A JSON body as sent, refused when it nests deeper than `MAX_DEPTH`.
pub fn from_json(raw: &[u8]) -> Result<Value, String> {
    let value: Value = serde_json::from_slice(raw).map_err(|e| {
        // serde_json stops at 128 levels with its own wording; name the sandbox's limit instead.
        if e.to_string().starts_with("recursion limit exceeded") {
            too_deep("the JSON body")
        } else {
            format!("malformed JSON at line {} column {}: {e}", e.line(), e.column())
        }
    })?;
    if depth(&value) > MAX_DEPTH {
        return Err(too_deep("the JSON body"));
    }
    Ok(value)
}

/// A field path (`payment.amount`) as a scenario rule or an armed scenario names it.
pub fn check_path(path: &str) -> Result<(), String> {
    if path.split('.').any(str::is_empty) {
        Err(format!("field path {:?} has an empty segment", excerpt(path)))
    } else if path.split('.').count() > MAX_DEPTH {
        Err(format!("{}: {}", excerpt(path), too_deep("a field path")))
    } else {
        Ok(())
    }
}

fn too_deep(what: &str) -> String {
    format!("{what} nests deeper than {MAX_DEPTH} levels, the limit")
}

/// The start of a long client-supplied text, for an error message.
fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    const SHOWN: usize = 64;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]).into(),
        None => text.into(),
    }
}

/// How many levels of arrays and objects `value` nests (a scalar is 0), without recursing, so
/// it is safe for any value.
pub fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 0)];
    while let Some((value, above)) = pending.pop() {
        match value {
            Value::Array(items) => pending.extend(items.iter().map(|item| (item, above + 1))),
            Value::Object(members) => pending.extend(members.values().map(|member| (member, above + 1))),
            _ => continue,
        }
        deepest = deepest.max(above + 1);
    }
    deepest
}

/// A paging number (`page`, `per_page`, `limit`): a whole number from 1. One too large for this
/// machine reads as the largest there is, which selects everything or nothing, as it would.
pub fn whole_number_from_one(text: &str) -> Option<usize> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let positive = text.bytes().any(|b| b != b'0');
    (digits && positive).then(|| text.parse::<usize>().unwrap_or(usize::MAX))
}

mod sent;
pub use sent::{Count, First, SentAmount, SentText, StringOrAbsent, TextOrAbsent};

#[cfg(test)]
mod tests;
