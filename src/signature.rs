//! Request signatures: the canonical string each operation signs, verification in the three
//! modes, and the diagnosis that tells a user what to fix. No HTTP in here.
//!
//! The canonical string is the raw values of the operation's fields, in the documented order,
//! joined with no separator (the `+` in Jenga's docs means concatenation).

use crate::crypto::{self, PublicKey, Recovered, VerifyError};
use crate::fields;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Reject bad signatures.
    Strict,
    /// Accept, but record the diagnosis in the journal.
    Warn,
    /// Do not check signatures.
    Off,
}

/// A formula field that stands for the calling merchant's code (v2 formulas sign it).
pub const MERCHANT_CODE: &str = "@merchantCode";

/// One documented way to build the string to sign: dotted field paths, in order.
#[derive(Debug)]
pub struct Formula {
    /// Names the variant in the journal when sources disagree (e.g. `doc`, `equitel`).
    pub name: &'static str,
    pub fields: &'static [&'static str],
}

impl Formula {
    /// The formula as Jenga's docs write it: `countryCode+accountId`.
    pub fn written(&self) -> String {
        self.fields.join("+")
    }

    /// The values, or the first missing field.
    pub fn values(&self, input: &Value) -> Result<Vec<String>, &'static str> {
        self.fields.iter().map(|f| fields::text_at(input, f).ok_or(*f)).collect()
    }

    pub fn canonical(&self, input: &Value) -> Result<String, &'static str> {
        self.write(input, |_, _| {})
    }

    /// The canonical string, telling `ended` where each field's value ends in it; or the first
    /// missing field.
    fn write(&self, input: &Value, mut ended: impl FnMut(usize, usize)) -> Result<String, &'static str> {
        let mut text = String::new();
        for (index, field) in self.fields.iter().enumerate() {
            text.push_str(&fields::text_ref(input, field).ok_or(*field)?);
            ended(index, text.len());
        }
        Ok(text)
    }
}

/// Result of checking one request's signature, kept in the journal.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub valid: bool,
    pub mode: Mode,
    /// The documented formula, and the string the sandbox built from it.
    pub formula: &'static Formula,
    pub expected: String,
    /// The other accepted formulas and the strings they build from this request (those whose
    /// fields are all present), so a caller sees the variant closest to what they signed.
    pub variants: Vec<(&'static Formula, String)>,
    values: FieldValues,
    /// Which formula variant verified, where sources disagree.
    pub matched_variant: Option<&'static str>,
    pub problem: Option<String>,
    pub likely_mistake: Option<String>,
}

/// Each signed field's value as sent. When every field is present they are consecutive slices
/// of `expected`, so only where each ends is kept: a journal entry then holds one string for
/// them all instead of one per field.
#[derive(Debug, Clone)]
enum FieldValues {
    Within { ends: [u32; INLINE_FIELDS], count: usize },
    Copied(Vec<String>),
}

const INLINE_FIELDS: usize = 8;

impl Verdict {
    /// `(field, value)` for each field of the documented formula, in order.
    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        let values: Vec<&str> = match &self.values {
            FieldValues::Within { ends, count } => {
                let mut start = 0;
                ends[..*count]
                    .iter()
                    .map(|&end| {
                        let value = &self.expected[start..end as usize];
                        start = end as usize;
                        value
                    })
                    .collect()
            }
            FieldValues::Copied(values) => values.iter().map(String::as_str).collect(),
        };
        self.formula.fields.iter().copied().zip(values).collect()
    }
}

impl Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        #[derive(Serialize)]
        struct FieldValue<'a> {
            field: &'static str,
            value: &'a str,
        }
        let fields: Vec<FieldValue> =
            self.fields().into_iter().map(|(field, value)| FieldValue { field, value }).collect();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("valid", &self.valid)?;
        map.serialize_entry("mode", &self.mode)?;
        map.serialize_entry("formula", &self.formula.written())?;
        map.serialize_entry("expected", &self.expected)?;
        map.serialize_entry("fields", &fields)?;
        if !self.variants.is_empty() {
            #[derive(Serialize)]
            struct Accepted<'a> {
                name: &'static str,
                formula: String,
                expected: &'a str,
            }
            let main = Accepted { name: self.formula.name, formula: self.formula.written(), expected: &self.expected };
            let others = self.variants.iter().map(|(formula, expected)| Accepted {
                name: formula.name,
                formula: formula.written(),
                expected,
            });
            map.serialize_entry("accepted", &std::iter::once(main).chain(others).collect::<Vec<_>>())?;
        }
        if let Some(variant) = self.matched_variant {
            map.serialize_entry("matchedVariant", variant)?;
        }
        if let Some(problem) = &self.problem {
            map.serialize_entry("problem", problem)?;
        }
        if let Some(mistake) = &self.likely_mistake {
            map.serialize_entry("likelyMistake", mistake)?;
        }
        map.end()
    }
}

/// Checks `header` against every variant in `formulas` (the first is the documented one).
/// `key` is the merchant's registered key; `raw_body` helps explain a failure.
pub fn check(
    mode: Mode,
    key: Option<&PublicKey>,
    formulas: &'static [Formula],
    input: &Value,
    header: Option<&str>,
    raw_body: &[u8],
) -> Verdict {
    let primary = &formulas[0];
    let (text, values) = primary_values(primary, input);
    let primary_complete = text.is_some();
    let expected = text.unwrap_or_default();
    let variants: Vec<(&'static Formula, String)> =
        formulas[1..].iter().filter_map(|f| f.canonical(input).ok().map(|text| (f, text))).collect();
    let mut verdict = Verdict {
        valid: false,
        mode,
        formula: primary,
        expected,
        variants,
        values,
        matched_variant: None,
        problem: None,
        likely_mistake: None,
    };
    let Some(header) = header.filter(|h| !h.trim().is_empty()) else {
        verdict.problem = Some("no Signature header was sent".into());
        verdict.likely_mistake = Some(format!(
            "sign the string {:?} with your private key (RSA PKCS#1 v1.5, SHA-256) and send it Base64-encoded in the Signature header",
            verdict.expected
        ));
        return verdict;
    };
    let Some(key) = key else {
        verdict.problem = Some("the merchant has no public key registered".into());
        verdict.likely_mistake =
            Some("register one with PUT /__sandbox/merchants/{code}/public-key or --public-key".into());
        return verdict;
    };
    let mut first_error = None;
    // The documented formula's string first (when all its fields were sent), then the others.
    let primary_text = primary_complete.then_some((primary, verdict.expected.as_str()));
    let tries = primary_text.into_iter().chain(verdict.variants.iter().map(|(f, text)| (*f, text.as_str())));
    for (formula, text) in tries {
        match key.verify(text.as_bytes(), header) {
            Ok(()) => {
                let matched = (formulas.len() > 1).then_some(formula.name);
                verdict.valid = true;
                verdict.matched_variant = matched;
                return verdict;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let error = first_error.unwrap_or(VerifyError::Mismatch);
    verdict.problem = Some(error.to_string());
    if error == VerifyError::Mismatch {
        verdict.likely_mistake = Some(explain_mismatch(key, formulas, input, header, raw_body));
    }
    verdict
}

/// The documented formula's string (`None` when a field is missing) and each field's value.
fn primary_values(primary: &Formula, input: &Value) -> (Option<String>, FieldValues) {
    let fits = primary.fields.len() <= INLINE_FIELDS;
    let mut ends = [0u32; INLINE_FIELDS];
    let text = primary
        .write(input, |index, end| {
            if fits {
                ends[index] = end as u32
            }
        })
        .ok();
    match text {
        Some(expected) if fits => (Some(expected), FieldValues::Within { ends, count: primary.fields.len() }),
        text => {
            let copied = primary.fields.iter().map(|f| fields::text_at(input, f).unwrap_or_default()).collect();
            (text, FieldValues::Copied(copied))
        }
    }
}

/// Opens the signature with the registered key and, when it is a SHA-256 signature, searches
/// the usual mistakes for the string that was actually signed.
fn explain_mismatch(key: &PublicKey, formulas: &[Formula], input: &Value, header: &str, raw_body: &[u8]) -> String {
    match key.recover(header) {
        Recovered::NotPkcs1 => format!(
            "the signature was made with a key other than the one registered for this merchant (registered key SHA-256 fingerprint {})",
            key.fingerprint
        ),
        Recovered::Digest { algorithm, .. } if algorithm != "SHA-256" => {
            format!("the signature uses {algorithm}; Jenga expects RSA PKCS#1 v1.5 with SHA-256")
        }
        Recovered::Digest { hash, .. } => {
            for (description, candidate) in candidates(formulas, input, raw_body) {
                if crypto::sha256(candidate.as_bytes()) == hash {
                    return format!("{description}: you signed {candidate:?}");
                }
            }
            format!(
                "the right key signed a different string; sign exactly {:?} ({}), built from the values in this request",
                formulas[0].canonical(input).unwrap_or_default(),
                formulas[0].written()
            )
        }
    }
}

const SEPARATORS: &[(&str, &str)] = &[
    ("+", "plus signs"),
    (",", "commas"),
    (" ", "spaces"),
    ("|", "pipes"),
    ("&", "ampersands"),
    (":", "colons"),
    (";", "semicolons"),
    ("-", "hyphens"),
    ("_", "underscores"),
    ("\n", "newlines"),
    ("\t", "tabs"),
];

/// Strings a client plausibly signed instead of the right one, each with what went wrong.
fn candidates(formulas: &[Formula], input: &Value, raw_body: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let primary = &formulas[0];
    let Ok(values) = primary.values(input) else { return out };
    for (sep, name) in SEPARATORS {
        out.push((format!("the values are joined with {name}; join them with nothing"), values.join(sep)));
    }
    if values.len() <= 7 {
        for order in permutations(values.len()) {
            if order.iter().enumerate().all(|(i, &j)| i == j) {
                continue;
            }
            let fields: Vec<&str> = order.iter().map(|&i| primary.fields[i]).collect();
            let text: String = order.iter().map(|&i| values[i].as_str()).collect();
            out.push((format!("wrong field order ({}); the order is {}", fields.join("+"), primary.written()), text));
        }
    }
    for (i, value) in values.iter().enumerate() {
        for variant in number_variants(value) {
            let mut changed = values.clone();
            changed[i] = variant.clone();
            out.push((
                format!("{} is formatted differently ({variant:?}); sign the value exactly as sent in the request ({value:?})", primary.fields[i]),
                changed.concat(),
            ));
        }
        let trimmed: Vec<String> = values.iter().map(|v| v.trim().to_string()).collect();
        if trimmed != values {
            out.push(("values were trimmed of spaces; sign them exactly as sent".into(), trimmed.concat()));
        }
    }
    let body = String::from_utf8_lossy(raw_body).to_string();
    out.push(("the JSON body was signed instead of the documented fields".into(), body.clone()));
    if let Ok(parsed) = serde_json::from_str::<Value>(&body) {
        out.push(("the JSON body was signed instead of the documented fields".into(), parsed.to_string()));
    }
    out.push((
        format!("the formula text was signed instead of the values; sign the values of {}", primary.written()),
        primary.written(),
    ));
    for other in &formulas[1..] {
        if let Ok(text) = other.canonical(input) {
            out.push((format!("the {} variant ({}) was signed", other.name, other.written()), text));
        }
    }
    out
}

fn number_variants(value: &str) -> Vec<String> {
    let Ok(number) = value.parse::<f64>() else {
        return Vec::new();
    };
    if !value.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Vec::new();
    }
    let mut variants =
        vec![format!("{number:.2}"), format!("{number:.1}"), format!("{number}"), format!("{:.0}", number.trunc())];
    variants.retain(|v| v != value);
    variants.dedup();
    variants
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    fn go(prefix: &mut Vec<usize>, n: usize, out: &mut Vec<Vec<usize>>) {
        if prefix.len() == n {
            out.push(prefix.clone());
            return;
        }
        for i in 0..n {
            if !prefix.contains(&i) {
                prefix.push(i);
                go(prefix, n, out);
                prefix.pop();
            }
        }
    }
    let mut out = Vec::new();
    go(&mut Vec::new(), n, &mut out);
    out
}

/// The `X-Sandbox-Signature-Expected` header value: printable ASCII kept, the rest percent-encoded.
pub fn header_safe(expected: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b'%').add(0x7f);
    percent_encoding::utf8_percent_encode(expected, SET).to_string()
}

#[cfg(test)]
mod tests;
