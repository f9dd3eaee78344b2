//! Reading scenario files: the embedded set, then `./scenarios`, then `--scenarios` directories.
//! A later file may redefine a scenario by name; every problem is reported as `file:line: message`.

use super::file::{FaultDef, ScenarioDef};
use super::{CallbackStep, Effect, Rule, RuleView, Scenario, ScenarioSet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::operation::Operations;
use crate::yaml::read_text;

/// The scenarios bundled into the binary (the repository's `scenarios/` directory).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("stk_push.yaml", include_str!("../../scenarios/stk_push.yaml")),
    ("business.yaml", include_str!("../../scenarios/business.yaml")),
];

/// Where scenario files come from, in load order.
pub fn sources(extra_dirs: &[PathBuf], local: bool) -> Result<Vec<(String, String)>, Vec<String>> {
    let mut files: Vec<(String, String)> =
        EMBEDDED.iter().map(|(name, text)| (format!("embedded:{name}"), text.to_string())).collect();
    let mut errors = Vec::new();
    for dir in directories(extra_dirs, local) {
        match read_dir(&dir) {
            Ok(found) => {
                for (path, text) in found {
                    match text {
                        Ok(text) => files.push((path, text)),
                        Err(problem) => errors.push(problem),
                    }
                }
            }
            Err(e) => errors.push(format!("{}: {e}", dir.display())),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// The directories scenario files are read from, in load order: `./scenarios` when `local` and
/// it exists, then the extra ones.
pub fn directories(extra_dirs: &[PathBuf], local: bool) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if local && Path::new("scenarios").is_dir() {
        dirs.push(PathBuf::from("scenarios"));
    }
    dirs.extend(extra_dirs.iter().cloned());
    dirs
}

/// Each scenario file of `dir` with its text, or the problem reading it.
fn read_dir(dir: &Path) -> std::io::Result<Vec<(String, Result<String, String>)>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .collect();
    paths.sort();
    Ok(paths.into_iter().map(|p| (p.display().to_string(), read_text(&p))).collect())
}

/// Parses and validates every file; all problems are returned, not just the first.
pub fn build(files: &[(String, String)], operations: Operations) -> Result<ScenarioSet, Vec<String>> {
    let mut set = ScenarioSet::default();
    let mut errors = Vec::new();
    let mut rules: Vec<(Rule, usize)> = Vec::new();
    for (path, text) in files {
        let parsed = match super::file::parse(text, operations) {
            Ok(parsed) => parsed,
            Err((line, message)) => {
                errors.push(format!("{path}:{line}: {message}"));
                continue;
            }
        };
        let mut seen_here = BTreeMap::new();
        for def in parsed.scenarios {
            let line = def.name.referenced.line();
            let name = def.name.value.0.clone();
            if let Some(first) = seen_here.insert(name.clone(), line) {
                errors
                    .push(format!("{path}:{line}: scenario {name:?} is already defined in this file at line {first}"));
                continue;
            }
            let origin = format!("{path}:{line}");
            match convert(def, origin, operations) {
                Ok((scenario, scenario_rules)) => {
                    // A later file redefines the scenario: its old rules go with it. Looked for
                    // only then, so a file of many scenarios loads in linear time.
                    if set.scenarios.contains_key(&name) {
                        rules.retain(|(r, _)| r.scenario.name != scenario.name);
                    }
                    for rule in scenario_rules {
                        let order = rules.len();
                        rules.push((rule, order));
                    }
                    set.scenarios.insert(name, scenario);
                }
                Err(message) => errors.push(format!("{path}:{line}: {message}")),
            }
        }
        set.files.push(path.clone());
    }
    rules.sort_by_key(|(rule, order)| (rule.priority, *order));
    set.rules = rules.into_iter().map(|(rule, _)| rule).collect();
    set.index_rules(operations);
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    }
}

fn convert(def: ScenarioDef, origin: String, operations: Operations) -> Result<(Arc<Scenario>, Vec<Rule>), String> {
    let name = def.name.value.0;
    let mut effects = BTreeMap::new();
    for (key, e) in def.effects {
        if e.error.is_some() && e.response.is_some() {
            return Err(format!("effect for {:?} sets both `error` and `response`; pick one", key.0));
        }
        if e.message.is_some() && e.error.is_none() {
            return Err(format!("effect for {:?} sets `message` without `error`", key.0));
        }
        let callbacks = e.callbacks.map(|steps| {
            steps
                .into_iter()
                .map(|s| CallbackStep {
                    after_ms: s.after_ms,
                    code: s.code.number,
                    code_as_sent: s.code.as_sent,
                    message: s.message,
                    status: s.status,
                    fields: s.fields,
                })
                .collect()
        });
        if e.response.as_ref().is_some_and(|r| r.body.is_some() && !r.fields.is_empty()) {
            return Err(format!("effect for {:?} sets both `response.body` and `response.fields`; pick one", key.0));
        }
        let (status, fields, body) = e.response.map(|r| (r.status.map(|s| s.0), r.fields, r.body)).unwrap_or_default();
        effects.insert(
            key.0,
            Arc::new(Effect {
                error: e.error.map(|c| c.0),
                message: e.message,
                status,
                fields,
                body,
                delay_ms: e.delay_ms,
                callbacks,
                faults: e
                    .faults
                    .iter()
                    .filter_map(|f| match f {
                        FaultDef::Callback(fault) => Some(*fault),
                        FaultDef::Answer(_) => None,
                    })
                    .collect(),
                answer_fault: e.faults.iter().find_map(|f| match f {
                    FaultDef::Answer(fault) => Some(*fault),
                    FaultDef::Callback(_) => None,
                }),
            }),
        );
    }
    if effects.is_empty() {
        return Err(format!("scenario {name:?} has no effects"));
    }
    let views = def
        .rules
        .iter()
        .map(|r| RuleView {
            operation: r.operation.as_ref().map(|o| o.0.clone()),
            priority: r.priority,
            fields: r.fields.iter().map(|(k, p)| (k.clone(), super::describe(p))).collect(),
        })
        .collect();
    let scenario =
        Arc::new(Scenario { name: name.clone(), description: def.description, origin, effects, rules: views });
    let mut rules = Vec::new();
    for r in def.rules {
        if r.fields.is_empty() {
            return Err(format!("a match rule of {name:?} has no fields; it would match every request"));
        }
        let operation = r.operation.map(|o| o.0).filter(|o| o != "*");
        if let Some(op) = &operation {
            if operations.by_id(op).and_then(|o| scenario.effect_for(o)).is_none() {
                return Err(format!(
                    "a match rule of {name:?} names operation {op:?}, which the scenario has no effect for"
                ));
            }
        }
        rules.push(Rule {
            scenario: scenario.clone(),
            operation,
            priority: r.priority,
            predicates: r.fields.into_iter().collect(),
        });
    }
    Ok((scenario, rules))
}

/// Loads every source for the given settings.
pub fn load(extra_dirs: &[PathBuf], local: bool, operations: Operations) -> Result<ScenarioSet, Vec<String>> {
    build(&sources(extra_dirs, local)?, operations)
}

#[cfg(test)]
mod tests;
