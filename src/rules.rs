//! What a validator asks of each field, learnt by running the validator itself on an empty
//! body while recording: the field checks in `fields::Check` note their rule here. The API
//! description reads request schemas from this, so the validators stay the one list of fields.

use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rule {
    /// A non-empty string.
    Text,
    OneOf(Vec<String>),
    /// A string meeting a rule the validator words (e.g. "must be 6 to 12 letters or digits").
    Expect(String),
    Date,
    /// A whole number from 1, as text.
    Count,
    HttpUrl,
    /// A positive amount as a string with at most this many decimals.
    Amount(usize),
    /// A positive amount as a JSON number or a string.
    NumberOrAmount,
    /// A string sent under one of these names (the first is documented).
    EitherOf(Vec<&'static str>),
}

#[derive(Clone, Debug)]
pub(crate) struct Asked {
    pub path: String,
    pub rule: Rule,
    pub optional: bool,
}

#[derive(Default)]
struct Recording {
    asked: Vec<Asked>,
    optional: Vec<String>,
}

thread_local! {
    static RECORDING: RefCell<Option<Recording>> = const { RefCell::new(None) };
}

/// How many threads are recording: serving requests then costs one load per check, not a
/// thread-local look-up.
static RECORDERS: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn recording() -> bool {
    RECORDERS.load(Ordering::Relaxed) > 0 && RECORDING.with(|r| r.borrow().is_some())
}

/// Notes a rule; the first specific rule for a path wins (`date` is also a `rule`, which is also
/// a `string`: the outer check records first).
pub(crate) fn record(path: &str, rule: Rule) {
    if RECORDERS.load(Ordering::Relaxed) == 0 {
        return;
    }
    RECORDING.with(|r| {
        if let Some(recording) = r.borrow_mut().as_mut() {
            match recording.asked.iter_mut().find(|a| a.path == path) {
                Some(known) if known.rule == Rule::Text => known.rule = rule,
                Some(_) => {}
                None => recording.asked.push(Asked { path: path.to_string(), rule, optional: false }),
            }
        }
    });
}

/// Notes that a field is checked only when sent.
pub(crate) fn record_optional(path: &str) {
    if RECORDERS.load(Ordering::Relaxed) == 0 {
        return;
    }
    RECORDING.with(|r| {
        if let Some(recording) = r.borrow_mut().as_mut() {
            recording.optional.push(path.to_string());
        }
    });
}

pub(crate) type Validator = fn(&mut Value, &mut BTreeMap<String, String>) -> Result<(), String>;

/// Every field `validate` checks, in the order it checks them.
pub(crate) fn asked_by(validate: Validator) -> Vec<Asked> {
    RECORDING.with(|r| *r.borrow_mut() = Some(Recording::default()));
    RECORDERS.fetch_add(1, Ordering::Relaxed);
    let mut probe = Value::Object(serde_json::Map::new());
    let _ = validate(&mut probe, &mut BTreeMap::new());
    RECORDERS.fetch_sub(1, Ordering::Relaxed);
    let recording = RECORDING.with(|r| r.borrow_mut().take()).unwrap_or_default();
    let mut asked = recording.asked;
    for field in &mut asked {
        field.optional = recording.optional.contains(&field.path);
    }
    asked
}

/// The field names a serde-derived struct reads (as sent: renames applied), asked of its
/// `Deserialize` itself, so that a struct with `deny_unknown_fields` is described by its own list.
pub(crate) fn serde_fields<'de, T: serde::Deserialize<'de>>() -> &'static [&'static str] {
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut names));
    names
}

/// A deserializer that only notes the fields a struct asks for.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(serde::de::Error::custom("only the field names were asked for"))
    }

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::Check;

    fn sample(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
        let mut check = Check::new(&*body);
        check.date("payment.date");
        check.one_of("payment.telco", &["Equitel", "Safaricom"]);
        check.string("payment.ref");
        if check.optional("limit") {
            check.rule("limit", |v| v.parse::<u32>().is_ok(), "must be a whole number");
        }
        check.finish()
    }

    #[test]
    fn a_serde_struct_tells_its_field_names_as_sent() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Sample {
            daily_limit: Option<String>,
            #[serde(rename = "match")]
            matches: Option<String>,
        }
        assert_eq!(serde_fields::<Sample>(), ["dailyLimit", "match"]);
    }

    #[test]
    fn a_validator_tells_its_fields_and_their_rules() {
        let asked = asked_by(sample);
        let rules: Vec<(&str, &Rule, bool)> = asked.iter().map(|a| (a.path.as_str(), &a.rule, a.optional)).collect();
        assert_eq!(
            rules,
            vec![
                ("payment.date", &Rule::Date, false),
                ("payment.telco", &Rule::OneOf(vec!["Equitel".into(), "Safaricom".into()]), false),
                ("payment.ref", &Rule::Text, false),
                ("limit", &Rule::Expect("must be a whole number".into()), true),
            ]
        );
        assert!(!recording());
    }
}
