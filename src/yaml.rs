//! Reading the sandbox's YAML files (configuration and scenarios): text that must be UTF-8, parsed
//! within limits, every problem with the 1-based line it is on.

use serde::de::DeserializeOwned;
use std::path::Path;

/// How many levels a scenario or config file may nest (its own layout takes about eight).
pub(crate) const MAX_FILE_DEPTH: usize = 64;
/// How many YAML nodes (values, lists and maps) one file may hold: some 160,000 one-rule
/// scenarios, or 400,000 match values. The parser's own default stops near 20,000 rules.
pub(crate) const MAX_FILE_NODES: usize = 2_000_000;

/// The one place YAML is parsed (swap the crate here). Errors carry the 1-based line.
pub(crate) fn parse_yaml<T: DeserializeOwned>(text: &str) -> Result<T, (u64, String)> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_FILE_DEPTH,
            max_nodes: MAX_FILE_NODES,
            max_events: 2 * MAX_FILE_NODES,
        },
    };
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(1);
        if let serde_saphyr::Error::Budget { breach, .. } = e.without_snippet() {
            return (line, over_budget(breach));
        }
        let rendered = e.to_string();
        let first = rendered.lines().next().unwrap_or_default();
        // The crate prefixes "error: line N column M: "; the file:line we print says the same.
        let message = first
            .strip_prefix("error: ")
            .unwrap_or(first)
            .split_once(": ")
            .filter(|(head, _)| head.starts_with("line "))
            .map(|(_, rest)| rest)
            .unwrap_or(first);
        (line, message.to_string())
    })
}

/// A parser limit a file went past, named with its figure.
fn over_budget(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach;
    match breach {
        BudgetBreach::Depth { .. } => format!("the file nests deeper than {MAX_FILE_DEPTH} levels, the limit"),
        BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => {
            format!("the file holds more than {MAX_FILE_NODES} YAML values, the limit; split it into several files")
        }
        other => format!("the file is past a YAML parser limit ({other:?}); split it into several files"),
    }
}

/// A file's text; a file that is not UTF-8 text is named with the line of its first bad byte.
pub(crate) fn read_text(path: &Path) -> Result<String, String> {
    let shown = path.display();
    if path.is_dir() {
        return Err(format!("{shown}: is a directory, not a file"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..good].iter().filter(|b| **b == b'\n').count();
        format!("{shown}:{line}: not UTF-8 text (byte {} is not); save the file as UTF-8", good + 1)
    })
}
