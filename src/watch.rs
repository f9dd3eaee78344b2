//! `serve --watch`: scenario files are reloaded when they change. Editors save in bursts (a
//! temporary file, a rename, a truncate and a write), so events are debounced and one reload
//! follows a burst. A broken file keeps the running set, as `POST /__sandbox/scenarios/reload` does.

use crate::state::AppState;
use actix_web::web;
use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};
use std::path::PathBuf;
use std::time::Duration;

/// Quiet time after the last change before reloading: long enough to cover one save.
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(200);

/// Watches the scenario directories while it lives; dropping it stops watching.
pub(crate) struct ScenarioWatch {
    _debouncer: Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
    pub directories: Vec<PathBuf>,
}

pub(crate) fn watch_scenarios(state: web::Data<AppState>) -> Result<ScenarioWatch, String> {
    let directories = crate::scenario::load::directories(&state.settings.scenarios, state.settings.local_scenarios);
    let reload_state = state.clone();
    let mut debouncer = new_debouncer(DEBOUNCE, move |events: DebounceEventResult| match events {
        Ok(events) if events.is_empty() => {}
        Ok(events) => reload(&reload_state, events.iter().map(|e| e.path.display().to_string()).collect()),
        Err(error) => tracing::warn!(%error, "watching scenario files failed"),
    })
    .map_err(|e| format!("--watch: {e}"))?;
    for dir in &directories {
        debouncer
            .watcher()
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(|e| format!("--watch: cannot watch {}: {e}", dir.display()))?;
    }
    Ok(ScenarioWatch { _debouncer: debouncer, directories })
}

fn reload(state: &AppState, changed: Vec<String>) {
    match state.scenarios.reload(&state.settings.scenarios, state.settings.local_scenarios) {
        Ok(reloaded) => tracing::info!(
            scenarios = reloaded.scenarios,
            files = reloaded.files.len(),
            changed = ?changed,
            "scenario files changed: reloaded"
        ),
        Err(problems) => tracing::warn!(
            changed = ?changed,
            problems = ?problems,
            "scenario files changed but are invalid; the previous set stays loaded"
        ),
    }
}
