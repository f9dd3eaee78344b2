//! The scenario file schema: exactly what a YAML (or JSON) scenario file may say. Checks that
//! need the catalogue or the operation list run while deserializing, so a bad value is reported
//! with its file and line.

use crate::catalogue;
use crate::operation::Operations;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::collections::BTreeMap;

thread_local! {
    /// The operations the file being parsed may name. `Deserialize` takes no arguments, and the
    /// check belongs in parsing so that an unknown id is reported at its own line.
    static KNOWN_OPERATIONS: Cell<Option<Operations>> = const { Cell::new(None) };
}

/// Parses one scenario file whose effects and rules may name `operations`.
pub fn parse(text: &str, operations: Operations) -> Result<ScenarioFile, (u64, String)> {
    let before = KNOWN_OPERATIONS.replace(Some(operations));
    let parsed = crate::yaml::parse_yaml(text);
    KNOWN_OPERATIONS.set(before);
    parsed
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub scenarios: Vec<ScenarioDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDef {
    pub name: serde_saphyr::Spanned<ScenarioName>,
    #[serde(default)]
    pub description: String,
    /// What the scenario does, per operation id; `"*"` applies to every other bearer operation.
    pub effects: BTreeMap<OperationKey, EffectDef>,
    /// Magic values: requests matching one of these pick the scenario without a header.
    #[serde(default, rename = "match")]
    pub rules: Vec<RuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectDef {
    /// Answer synchronously with this catalogue code.
    pub error: Option<CatalogueCode>,
    /// Words the `error` differently.
    pub message: Option<String>,
    /// Change the synchronous success answer.
    pub response: Option<ResponseDef>,
    /// Hold the response this long (real time).
    #[serde(default, deserialize_with = "delay_ms")]
    pub delay_ms: u64,
    /// Callbacks to send, in order. Left out: the operation's default; `[]`: none.
    #[serde(default, deserialize_with = "callback_steps")]
    pub callbacks: Option<Vec<CallbackStepDef>>,
    /// Faults of the callbacks and of the answer itself, in one list.
    #[serde(default)]
    pub faults: Vec<FaultDef>,
}

/// A name under `faults:`: what goes wrong with the callbacks, or with the answer.
#[derive(Clone, Copy, Debug)]
pub enum FaultDef {
    Callback(CallbackFault),
    Answer(crate::faults::AnswerFault),
}

impl<'de> Deserialize<'de> for FaultDef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        let callback = CallbackFault::deserialize(serde::de::value::StrDeserializer::<D::Error>::new(&name));
        if let Ok(fault) = callback {
            return Ok(Self::Callback(fault));
        }
        crate::faults::AnswerFault::named(&name).map(Self::Answer).ok_or_else(|| {
            D::Error::custom(format!(
                "unknown fault {name:?}; callback faults: never_sent, duplicate, out_of_order, malformed_body, \
                 receiver_timeout; answer faults: {}",
                crate::faults::AnswerFault::names()
            ))
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseDef {
    pub status: Option<HttpStatus>,
    #[serde(default)]
    pub fields: Map<String, Value>,
    /// The whole answer body, as given (a captured answer): the operation does not run.
    pub body: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackStepDef {
    /// Wait after the previous step (or after acceptance); left out: the configured first delay.
    #[serde(default, deserialize_with = "after_ms")]
    pub after_ms: Option<u64>,
    pub code: CallbackCode,
    pub message: Option<String>,
    /// Overrides the `status` boolean the code implies.
    pub status: Option<bool>,
    /// Fields set on (or, with null, removed from) the callback body.
    #[serde(default)]
    pub fields: Map<String, Value>,
}

/// The longest a scenario may hold a synchronous answer, in real time: past any client's timeout,
/// short of holding a connection (and a graceful shutdown) for good.
pub const MAX_DELAY_MS: u64 = 120_000;
/// The most callback steps one effect may send; Jenga sends at most a few per transaction.
pub const MAX_CALLBACK_STEPS: usize = 20;

fn delay_ms<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    at_most(d, "delay_ms", MAX_DELAY_MS, "2 minutes")
}

fn after_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    at_most(d, "after_ms", crate::config::MAX_AFTER_MS, "7 days").map(Some)
}

fn at_most<'de, D: Deserializer<'de>>(d: D, name: &str, max: u64, spelled: &str) -> Result<u64, D::Error> {
    let value = Value::deserialize(d)?;
    match value.as_u64() {
        Some(ms) if ms <= max => Ok(ms),
        _ => Err(D::Error::custom(format!(
            "{name} must be a whole number of milliseconds from 0 to {max} ({spelled}), not {value}"
        ))),
    }
}

fn callback_steps<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<CallbackStepDef>>, D::Error> {
    let steps = Vec::<CallbackStepDef>::deserialize(d)?;
    if steps.len() > MAX_CALLBACK_STEPS {
        return Err(D::Error::custom(format!(
            "{} callback steps; an effect may send at most {MAX_CALLBACK_STEPS}",
            steps.len()
        )));
    }
    Ok(Some(steps))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackFault {
    /// Jobs are recorded but never sent.
    NeverSent,
    /// Every callback is delivered twice.
    Duplicate,
    /// Steps go out last first, without waiting for each other.
    OutOfOrder,
    /// The body is cut short, so it is not valid JSON.
    MalformedBody,
    /// The first attempt is recorded as timed out whatever the receiver answered, so it is sent again.
    ReceiverTimeout,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub operation: Option<OperationKey>,
    /// Lower runs first; ties go to file order.
    #[serde(default = "default_priority")]
    pub priority: i32,
    #[serde(deserialize_with = "field_predicates")]
    pub fields: BTreeMap<String, PredicateDef>,
}

fn field_predicates<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, PredicateDef>, D::Error> {
    let fields = BTreeMap::<String, PredicateDef>::deserialize(d)?;
    for path in fields.keys() {
        crate::fields::check_path(path).map_err(D::Error::custom)?;
    }
    Ok(fields)
}

fn default_priority() -> i32 {
    5
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScenarioName(pub String);

impl<'de> Deserialize<'de> for ScenarioName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        let ok = !name.is_empty()
            && !name.starts_with("error:")
            && name != "default"
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(Self(name))
        } else {
            Err(D::Error::custom(format!(
                "scenario name {name:?} must be letters, digits, - and _ (and not `default` or `error:...`)"
            )))
        }
    }
}

/// An operation id, or `*`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OperationKey(pub String);

impl<'de> Deserialize<'de> for OperationKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        let Some(operations) = KNOWN_OPERATIONS.get() else {
            return Err(D::Error::custom("scenario files are parsed with the operations they may name"));
        };
        if key == "*" || operations.by_id(&key).is_some() {
            Ok(Self(key))
        } else {
            Err(D::Error::custom(format!("unknown operation {key:?}; known: *, {}", operations.ids().join(", "))))
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogueCode(pub i64);

impl<'de> Deserialize<'de> for CatalogueCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let code = crate::fields::raw_text(&value).and_then(|t| t.parse::<i64>().ok());
        match code {
            Some(code) if catalogue::lookup(code, &[]).is_some() => Ok(Self(code)),
            _ => Err(D::Error::custom(format!("unknown error code {value}; `jenga-sandbox errors` lists them"))),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpStatus(pub u16);

impl<'de> Deserialize<'de> for HttpStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let status = u16::deserialize(d)?;
        if (200..600).contains(&status) {
            Ok(Self(status))
        } else {
            Err(D::Error::custom(format!("HTTP status {status} is outside 200..599")))
        }
    }
}

/// A callback `code` as Jenga sends it: 0 to 7 (seed 001 callback table), a number or a string
/// of one (one documented callback carries `"code": "1"`).
#[derive(Clone, Debug, PartialEq)]
pub struct CallbackCode {
    pub number: i64,
    pub as_sent: Value,
}

impl<'de> Deserialize<'de> for CallbackCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let number = crate::fields::raw_text(&value).and_then(|t| t.parse::<i64>().ok());
        match number {
            Some(number @ 0..=7) => {
                let as_sent = if value.is_string() { value } else { Value::from(number) };
                Ok(Self { number, as_sent })
            }
            _ => Err(D::Error::custom(format!("callback code {value} is not one of the documented 0..7"))),
        }
    }
}

/// A field predicate: a plain value means equality; otherwise one of
/// `{eq|prefix|suffix|contains: text}`, `{in: [..]}`, `{gt|gte|lt|lte: number}`, `{exists: bool}`.
#[derive(Clone, Debug, PartialEq)]
pub enum PredicateDef {
    Eq(String),
    In(Vec<String>),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
    Exists(bool),
}

impl<'de> Deserialize<'de> for PredicateDef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        PredicateDef::from_value(&value).map_err(D::Error::custom)
    }
}

impl PredicateDef {
    pub fn from_value(value: &Value) -> Result<Self, String> {
        if let Some(text) = crate::fields::raw_text(value) {
            return Ok(Self::Eq(text));
        }
        let Some(map) = value.as_object().filter(|m| m.len() == 1) else {
            return Err(format!("predicate {value} must be a value or a one-key map such as {{prefix: \"2547\"}}"));
        };
        let (op, arg) = map.iter().next().expect("one entry");
        let text = || crate::fields::raw_text(arg).ok_or_else(|| format!("{op} needs a text value, not {arg}"));
        let number = || {
            crate::fields::raw_text(arg)
                .and_then(|t| t.parse::<f64>().ok())
                .ok_or_else(|| format!("{op} needs a number, not {arg}"))
        };
        Ok(match op.as_str() {
            "eq" => Self::Eq(text()?),
            "prefix" => Self::Prefix(text()?),
            "suffix" => Self::Suffix(text()?),
            "contains" => Self::Contains(text()?),
            "gt" => Self::Gt(number()?),
            "gte" => Self::Gte(number()?),
            "lt" => Self::Lt(number()?),
            "lte" => Self::Lte(number()?),
            "exists" => Self::Exists(arg.as_bool().ok_or_else(|| format!("exists needs true or false, not {arg}"))?),
            "in" => Self::In(
                arg.as_array()
                    .ok_or_else(|| format!("in needs a list, not {arg}"))?
                    .iter()
                    .map(|v| crate::fields::raw_text(v).ok_or_else(|| format!("in: {v} is not a value")))
                    .collect::<Result<_, _>>()?,
            ),
            other => {
                return Err(format!(
                    "unknown predicate {other:?}; use eq, in, prefix, suffix, contains, gt, gte, lt, lte or exists"
                ))
            }
        })
    }

    pub fn matches(&self, value: Option<&str>) -> bool {
        let number = || value.and_then(|v| v.parse::<f64>().ok());
        match self {
            Self::Exists(expected) => value.is_some() == *expected,
            Self::Eq(want) => value == Some(want.as_str()),
            Self::In(options) => value.is_some_and(|v| options.iter().any(|o| o == v)),
            Self::Prefix(p) => value.is_some_and(|v| v.starts_with(p.as_str())),
            Self::Suffix(s) => value.is_some_and(|v| v.ends_with(s.as_str())),
            Self::Contains(s) => value.is_some_and(|v| v.contains(s.as_str())),
            Self::Gt(n) => number().is_some_and(|v| v > *n),
            Self::Gte(n) => number().is_some_and(|v| v >= *n),
            Self::Lt(n) => number().is_some_and(|v| v < *n),
            Self::Lte(n) => number().is_some_and(|v| v <= *n),
        }
    }
}
