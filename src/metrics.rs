//! Counters for `GET /__sandbox/metrics` (Prometheus text format): API requests per operation,
//! scenario and status with a latency histogram, and callback deliveries.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Latency bucket bounds, in seconds.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    /// Cumulative-free counts per bucket; rendered cumulatively.
    buckets: [u64; 12],
}

/// operation → scenario → HTTP status → series: nested so that recording an existing series
/// allocates nothing on the request path.
type Requests = BTreeMap<&'static str, BTreeMap<String, BTreeMap<u16, Series>>>;

/// The log writer's count of lines dropped because nobody read them fast enough; set once by
/// the command line when it installs the writer (absent in tests that log nowhere).
static DROPPED_LOG_LINES: std::sync::OnceLock<tracing_appender::non_blocking::ErrorCounter> =
    std::sync::OnceLock::new();

pub(crate) fn count_dropped_log_lines(counter: tracing_appender::non_blocking::ErrorCounter) {
    let _ = DROPPED_LOG_LINES.set(counter);
}

fn dropped_log_lines() -> usize {
    DROPPED_LOG_LINES.get().map_or(0, |c| c.dropped_lines())
}

#[derive(Default)]
pub(crate) struct Metrics {
    requests: Mutex<Requests>,
    pub callbacks_delivered: AtomicU64,
    pub callbacks_failed: AtomicU64,
    pub callbacks_retried: AtomicU64,
    pub callbacks_dropped: AtomicU64,
}

impl Metrics {
    pub(crate) fn record_request(&self, operation: &'static str, scenario: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock();
        let scenarios = requests.entry(operation).or_default();
        if !scenarios.contains_key(scenario) {
            scenarios.insert(scenario.to_string(), BTreeMap::new());
        }
        let by_status = scenarios.get_mut(scenario).expect("inserted above");
        let series = by_status.entry(status).or_default();
        series.count += 1;
        series.sum_seconds += seconds;
        if let Some(index) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            series.buckets[index] += 1;
        }
    }

    pub(crate) fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text; `queued` and `in_flight` are read from the callback worker now.
    pub(crate) fn render(&self, queued: usize, in_flight: usize) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP jenga_sandbox_requests_total API requests answered, by operation, scenario and HTTP status.\n",
        );
        out.push_str("# TYPE jenga_sandbox_requests_total counter\n");
        let requests = self.requests.lock();
        let all: Vec<(&str, &str, u16, &Series)> = requests
            .iter()
            .flat_map(|(op, scenarios)| {
                scenarios.iter().flat_map(move |(scenario, statuses)| {
                    statuses.iter().map(move |(status, series)| (*op, scenario.as_str(), *status, series))
                })
            })
            .collect();
        for (operation, scenario, status, series) in &all {
            let labels = labels(operation, scenario, *status);
            let _ = writeln!(out, "jenga_sandbox_requests_total{{{labels}}} {}", series.count);
        }
        out.push_str("# HELP jenga_sandbox_request_duration_seconds Time to answer an API request.\n");
        out.push_str("# TYPE jenga_sandbox_request_duration_seconds histogram\n");
        for (operation, scenario, status, series) in &all {
            let labels = labels(operation, scenario, *status);
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(series.buckets) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "jenga_sandbox_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ =
                writeln!(out, "jenga_sandbox_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", series.count);
            let _ = writeln!(out, "jenga_sandbox_request_duration_seconds_sum{{{labels}}} {}", series.sum_seconds);
            let _ = writeln!(out, "jenga_sandbox_request_duration_seconds_count{{{labels}}} {}", series.count);
        }
        drop(all);
        drop(requests);
        let counters = [
            ("delivered", "Callbacks the receiver accepted (2xx).", &self.callbacks_delivered),
            ("failed", "Callbacks given up after the last attempt.", &self.callbacks_failed),
            ("retried", "Callback attempts scheduled again after a failure.", &self.callbacks_retried),
            ("dropped", "Callbacks never sent because the queue was full (queue_limit).", &self.callbacks_dropped),
        ];
        for (name, help, counter) in counters {
            let _ = writeln!(out, "# HELP jenga_sandbox_callbacks_{name}_total {help}");
            let _ = writeln!(out, "# TYPE jenga_sandbox_callbacks_{name}_total counter");
            let _ = writeln!(out, "jenga_sandbox_callbacks_{name}_total {}", counter.load(Ordering::Relaxed));
        }
        out.push_str("# HELP jenga_sandbox_callbacks_queued Callback jobs waiting for their time or a retry.\n");
        out.push_str("# TYPE jenga_sandbox_callbacks_queued gauge\n");
        let _ = writeln!(out, "jenga_sandbox_callbacks_queued {queued}");
        out.push_str("# HELP jenga_sandbox_callbacks_in_flight Callback requests being sent now.\n");
        out.push_str("# TYPE jenga_sandbox_callbacks_in_flight gauge\n");
        let _ = writeln!(out, "jenga_sandbox_callbacks_in_flight {in_flight}");
        out.push_str(
            "# HELP jenga_sandbox_log_lines_dropped_total Log lines dropped because stderr was not read fast enough.\n",
        );
        out.push_str("# TYPE jenga_sandbox_log_lines_dropped_total counter\n");
        let _ = writeln!(out, "jenga_sandbox_log_lines_dropped_total {}", dropped_log_lines());
        out
    }
}

fn labels(operation: &str, scenario: &str, status: u16) -> String {
    format!("operation=\"{}\",scenario=\"{}\",status=\"{status}\"", escape(operation), escape(scenario))
}

/// Label values escape backslash, quote and newline.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_render_as_counters_and_cumulative_histograms() {
        let metrics = Metrics::default();
        metrics.record_request("stk_push", "default", 200, 0.002);
        metrics.record_request("stk_push", "default", 200, 0.03);
        let text = metrics.render(3, 1);
        assert!(
            text.contains("jenga_sandbox_requests_total{operation=\"stk_push\",scenario=\"default\",status=\"200\"} 2")
        );
        assert!(text.contains("le=\"0.0025\"} 1"), "{text}");
        assert!(text.contains("le=\"0.05\"} 2"), "{text}");
        assert!(text.contains("jenga_sandbox_callbacks_queued 3"));
    }
}
