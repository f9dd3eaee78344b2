//! Choosing an outcome. Precedence, first that applies wins (contract §5):
//! 1. the `X-Sandbox-Scenario` header (a scenario name or `error:CODE`);
//! 2. a scenario armed through the admin API;
//! 3. scenario-file rules matching the request's fields (magic values);
//! 4. the stateful default.
//!
//! Scenario files are parsed into `file` types and turned into this runtime model at load time;
//! a reload swaps the whole set at once.

pub mod file;
pub mod load;

use crate::fields;
use crate::operation::{Operation, Operations};
pub use file::{CallbackFault, PredicateDef as Predicate};
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Effect {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
    /// The whole answer body (with `status`, else 200); the operation does not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    pub delay_ms: u64,
    /// None: the operation's default callbacks; Some([]): none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<Vec<CallbackStep>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<CallbackFault>,
    /// What goes wrong with the answer itself (contract §10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_fault: Option<crate::faults::AnswerFault>,
}

impl Effect {
    pub fn error(code: i64) -> Self {
        Self { error: Some(code), ..Self::default() }
    }

    /// `fault:NAME`: the operation's default outcome, answered with that fault.
    pub fn answer_fault(fault: crate::faults::AnswerFault) -> Self {
        Self { answer_fault: Some(fault), ..Self::default() }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackStep {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_ms: Option<u64>,
    pub code: i64,
    /// The code as the callback body carries it (a number, or a string where the docs show one).
    #[serde(skip)]
    pub code_as_sent: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<bool>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// `file:line` where it was defined.
    pub origin: String,
    pub effects: BTreeMap<String, Arc<Effect>>,
    #[serde(rename = "match")]
    pub rules: Vec<RuleView>,
}

#[derive(Debug, Serialize)]
pub struct RuleView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    pub priority: i32,
    pub fields: BTreeMap<String, String>,
}

impl Scenario {
    /// The effect for an operation: its own entry, else the `*` entry. `*` leaves the token calls
    /// alone, so arming a business outcome does not also break the next authentication.
    pub fn effect_for(&self, op: &Operation) -> Option<&Arc<Effect>> {
        let bearer = op.auth == crate::operation::Auth::Bearer;
        self.effects.get(op.id).or_else(|| if bearer { self.effects.get("*") } else { None })
    }
}

#[derive(Debug)]
pub struct Rule {
    pub scenario: Arc<Scenario>,
    pub operation: Option<String>,
    pub priority: i32,
    pub predicates: Vec<(String, Predicate)>,
}

#[derive(Default, Debug)]
pub struct ScenarioSet {
    pub scenarios: BTreeMap<String, Arc<Scenario>>,
    /// Sorted by priority, then load order.
    pub rules: Vec<Rule>,
    pub files: Vec<String>,
    /// Built from `rules` by `index_rules`.
    index: HashMap<&'static str, OperationRules>,
}

/// The rules one operation can fire, as positions in `ScenarioSet::rules`. A rule with an
/// equality (or `in`) predicate is filed under that field's value, so a file of a thousand magic
/// numbers costs a request one look-up per field, not a thousand comparisons.
#[derive(Default, Debug)]
struct OperationRules {
    /// Rules without an equality predicate, checked one by one.
    scanned: Vec<usize>,
    /// Field path → value it must have → rules asking for that value there.
    keyed: Vec<(String, HashMap<String, Vec<usize>>)>,
}

impl OperationRules {
    /// The rules that may match `input`, in precedence order.
    fn candidates(&self, input: &Value) -> Vec<usize> {
        let mut found = self.scanned.clone();
        for (path, by_value) in &self.keyed {
            if let Some(rules) = fields::text_ref(input, path).and_then(|value| by_value.get(value.as_ref())) {
                found.extend_from_slice(rules);
            }
        }
        found.sort_unstable();
        // An `in` list naming a value twice files its rule twice.
        found.dedup();
        found
    }
}

impl ScenarioSet {
    /// Files each rule under the operations it can fire for; `load::build` calls it once the
    /// rules are sorted.
    fn index_rules(&mut self, operations: Operations) {
        self.index.clear();
        for op in operations.iter() {
            let mut rules = OperationRules::default();
            for (position, rule) in self.rules.iter().enumerate() {
                let applies = rule.operation.as_deref().is_none_or(|o| o == op.id);
                if !applies || rule.scenario.effect_for(op).is_none() {
                    continue;
                }
                let key = rule.predicates.iter().find_map(|(path, p)| match p {
                    Predicate::Eq(value) => Some((path, std::slice::from_ref(value))),
                    Predicate::In(values) => Some((path, values.as_slice())),
                    _ => None,
                });
                let Some((path, values)) = key else {
                    rules.scanned.push(position);
                    continue;
                };
                let at = match rules.keyed.iter().position(|(p, _)| p == path) {
                    Some(at) => at,
                    None => {
                        rules.keyed.push((path.clone(), HashMap::new()));
                        rules.keyed.len() - 1
                    }
                };
                for value in values {
                    rules.keyed[at].1.entry(value.clone()).or_default().push(position);
                }
            }
            if !rules.scanned.is_empty() || !rules.keyed.is_empty() {
                self.index.insert(op.id, rules);
            }
        }
    }
}

/// Where the decision came from (precedence level).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Header,
    Armed,
    Rule,
    Default,
}

#[derive(Debug, Clone)]
pub struct Decision {
    /// What `X-Sandbox-Scenario` reports: a scenario name, `error:CODE` or `default`.
    pub name: String,
    pub source: Source,
    pub effect: Option<Arc<Effect>>,
}

impl Decision {
    pub fn default_outcome() -> Self {
        Self { name: "default".into(), source: Source::Default, effect: None }
    }
}

/// What an armed entry fires.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Target {
    Named(String),
    Code(i64),
    Fault(crate::faults::AnswerFault),
}

impl Target {
    /// Reads a header or arm value: `error:CODE`, `fault:NAME` or a scenario name.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(name) = text.strip_prefix("fault:") {
            return crate::faults::AnswerFault::named(name.trim()).map(Self::Fault).ok_or_else(|| {
                format!(
                    "unknown fault {:?} in {text:?}; the faults are {}",
                    name.trim(),
                    crate::faults::AnswerFault::names()
                )
            });
        }
        match text.strip_prefix("error:") {
            Some(code) => code
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|&c| crate::catalogue::lookup(c, &[]).is_some())
                .map(Self::Code)
                .ok_or_else(|| {
                    format!("unknown error code {:?} in {text:?}; GET /__sandbox/errors lists them", code.trim())
                }),
            None => Ok(Self::Named(text.to_string())),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::Named(name) => name.clone(),
            Self::Code(code) => format!("error:{code}"),
            Self::Fault(fault) => format!("fault:{}", fault.name()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Armed {
    pub id: u64,
    pub scenario: String,
    #[serde(skip)]
    pub target: Target,
    /// Requests left; None fires until disarmed.
    pub remaining: Option<u32>,
    pub operation: Option<String>,
    pub merchant: Option<String>,
    #[serde(skip)]
    pub predicates: Vec<(String, Predicate)>,
    #[serde(rename = "match")]
    pub match_view: BTreeMap<String, Value>,
}

/// What a successful reload loaded.
#[derive(Debug, serde::Serialize)]
pub struct Reloaded {
    pub scenarios: usize,
    pub files: Vec<String>,
}

/// The outcome of the latest reload (admin call or `--watch`), numbered so that a test or the
/// dashboard can tell a new one from the last it saw.
#[derive(Clone, Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReloadRecord {
    pub number: u64,
    pub ok: bool,
    pub problems: Vec<String>,
}

pub struct Scenarios {
    set: parking_lot::RwLock<Arc<ScenarioSet>>,
    last_reload: Mutex<ReloadRecord>,
    armed: Mutex<Vec<Armed>>,
    next_armed_id: std::sync::atomic::AtomicU64,
    /// What the files may name, on every reload.
    operations: Operations,
}

impl Scenarios {
    pub fn new(set: ScenarioSet, operations: Operations) -> Self {
        Self {
            operations,
            set: parking_lot::RwLock::new(Arc::new(set)),
            last_reload: Mutex::default(),
            armed: Mutex::default(),
            next_armed_id: 1.into(),
        }
    }

    /// What scenario files, rules and armed scenarios may name.
    pub fn operations(&self) -> Operations {
        self.operations
    }

    pub fn current(&self) -> Arc<ScenarioSet> {
        self.set.read().clone()
    }

    pub fn replace(&self, set: ScenarioSet) {
        *self.set.write() = Arc::new(set);
    }

    /// Reads the scenario files again and swaps the new set in whole. When the files are broken
    /// the running set stays, so a half-saved file never leaves the sandbox without scenarios.
    pub fn reload(&self, extra_dirs: &[std::path::PathBuf], local: bool) -> Result<Reloaded, Vec<String>> {
        let loaded = load::load(extra_dirs, local, self.operations);
        let mut record = self.last_reload.lock();
        record.number += 1;
        record.ok = loaded.is_ok();
        record.problems = loaded.as_ref().err().cloned().unwrap_or_default();
        let set = loaded?;
        let reloaded = Reloaded { scenarios: set.scenarios.len(), files: set.files.clone() };
        self.replace(set);
        Ok(reloaded)
    }

    pub fn last_reload(&self) -> Option<ReloadRecord> {
        Some(self.last_reload.lock().clone()).filter(|r| r.number > 0)
    }

    pub fn armed(&self) -> Vec<Armed> {
        self.armed.lock().clone()
    }

    pub fn disarm_all(&self) {
        self.armed.lock().clear();
    }

    /// Checks the target exists now, then queues it.
    pub fn arm(&self, mut armed: Armed) -> Result<Armed, String> {
        if let Target::Named(name) = &armed.target {
            if !self.current().scenarios.contains_key(name) {
                return Err(format!("unknown scenario {name:?}; GET /__sandbox/scenarios lists them"));
            }
        }
        armed.id = self.next_armed_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.armed.lock().push(armed.clone());
        Ok(armed)
    }

    /// Picks the outcome for one request. Err names a bad header value.
    pub fn decide(
        &self,
        header: Option<&str>,
        op: &Operation,
        merchant: &str,
        input: &Value,
    ) -> Result<Decision, String> {
        let set = self.current();
        if let Some(header) = header.map(str::trim).filter(|h| !h.is_empty()) {
            let target = Target::parse(header)?;
            return self
                .fire(&set, &target, op, Source::Header)?
                .ok_or_else(|| format!("scenario {header:?} has nothing for operation {:?}", op.id));
        }
        if let Some(decision) = self.take_armed(&set, op, merchant, input) {
            return Ok(decision);
        }
        let candidates = set.index.get(op.id).map(|rules| rules.candidates(input)).unwrap_or_default();
        for rule in candidates.into_iter().map(|position| &set.rules[position]) {
            if matches_all(&rule.predicates, input) {
                return Ok(Decision {
                    name: rule.scenario.name.clone(),
                    source: Source::Rule,
                    effect: rule.scenario.effect_for(op).cloned(),
                });
            }
        }
        Ok(Decision::default_outcome())
    }

    fn fire(
        &self,
        set: &ScenarioSet,
        target: &Target,
        op: &Operation,
        source: Source,
    ) -> Result<Option<Decision>, String> {
        match target {
            Target::Code(code) => {
                Ok(Some(Decision { name: target.label(), source, effect: Some(Arc::new(Effect::error(*code))) }))
            }
            Target::Fault(fault) => Ok(Some(Decision {
                name: target.label(),
                source,
                effect: Some(Arc::new(Effect::answer_fault(*fault))),
            })),
            Target::Named(name) => {
                let scenario = set
                    .scenarios
                    .get(name)
                    .ok_or_else(|| format!("unknown scenario {name:?}; GET /__sandbox/scenarios lists them"))?;
                Ok(scenario.effect_for(op).map(|effect| Decision {
                    name: name.clone(),
                    source,
                    effect: Some(effect.clone()),
                }))
            }
        }
    }

    /// The first armed entry that applies, consuming one of its uses atomically.
    fn take_armed(&self, set: &ScenarioSet, op: &Operation, merchant: &str, input: &Value) -> Option<Decision> {
        let mut armed = self.armed.lock();
        let position = armed.iter().position(|a| {
            a.operation.as_deref().is_none_or(|o| o == op.id)
                && a.merchant.as_deref().is_none_or(|m| m == merchant)
                && matches_all(&a.predicates, input)
                && match &a.target {
                    Target::Code(_) | Target::Fault(_) => true,
                    Target::Named(name) => set.scenarios.get(name).is_some_and(|s| s.effect_for(op).is_some()),
                }
        })?;
        let target = armed[position].target.clone();
        match &mut armed[position].remaining {
            Some(1) => {
                armed.remove(position);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        drop(armed);
        self.fire(set, &target, op, Source::Armed).ok().flatten()
    }
}

pub fn matches_all(predicates: &[(String, Predicate)], input: &Value) -> bool {
    predicates.iter().all(|(path, p)| p.matches(fields::text_ref(input, path).as_deref()))
}

pub fn describe(p: &Predicate) -> String {
    match p {
        Predicate::Eq(v) => v.clone(),
        Predicate::In(v) => format!("in [{}]", v.join(", ")),
        Predicate::Prefix(v) => format!("prefix {v}"),
        Predicate::Suffix(v) => format!("suffix {v}"),
        Predicate::Contains(v) => format!("contains {v}"),
        Predicate::Gt(v) => format!("> {v}"),
        Predicate::Gte(v) => format!(">= {v}"),
        Predicate::Lt(v) => format!("< {v}"),
        Predicate::Lte(v) => format!("<= {v}"),
        Predicate::Exists(v) => format!("exists {v}"),
    }
}

impl Scenarios {
    /// Drops armed entries that only apply to `merchant`.
    pub fn disarm_for(&self, merchant: &str) {
        self.armed.lock().retain(|a| a.merchant.as_deref() != Some(merchant));
    }
}
