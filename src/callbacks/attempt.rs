//! One attempt: what it sends and where, the headers that mark it, the answer read only as far
//! as its status, its Retry-After and a bounded excerpt; and how an attempt is named in the log.

use super::retry::retry_after_ms;
use crate::clock::Clock;
use std::sync::Arc;
use std::time::Duration;

/// Marks every callback request (its value is the job id): a request carrying it is refused
/// anywhere but the sink (see `refuse_callback_to_self`).
pub(super) const CALLBACK_HEADER: &str = "x-sandbox-callback";

pub(super) const SIGNATURE_HEADER: &str = "X-Sandbox-Signature";

/// Where one attempt goes, and what it carries; taken from the job under the lock.
pub(super) struct Sending {
    /// The job's merchant's clock, which its attempts are timed by.
    pub(super) clock: Arc<Clock>,
    pub(super) target: Target,
    pub(super) body: actix_web::web::Bytes,
    pub(super) basic_auth: Option<(String, String)>,
    /// The receiver_timeout fault's first attempt: the answer is disregarded.
    pub(super) ignore_answer: bool,
}

pub(super) enum Target {
    /// This server's own sink, by name: stored directly.
    OwnSink(String),
    Url(Arc<str>),
}

/// How much of a receiver's answer the log keeps.
const EXCERPT_BYTES: usize = 512;

/// How much of a receiver's answer is read at most: enough for a short answer to end, so its
/// connection can be used again; a longer one is cut and its connection dropped.
const READ_BYTES: usize = 4 * 1024;

/// How long the answer's body is waited for once its status has come.
const READ_WAIT: Duration = Duration::from_secs(1);

/// What an attempt came to.
#[derive(Default)]
pub(super) struct Outcome {
    pub(super) status: Option<u16>,
    pub(super) retry_after_ms: Option<u64>,
    pub(super) error: Option<String>,
    pub(super) excerpt: Option<String>,
}

impl Outcome {
    pub(super) fn failed(error: impl Into<String>) -> Self {
        Self { error: Some(error.into()), ..Self::default() }
    }
}

/// Sends one attempt and reads its answer: the status, Retry-After, and a bounded excerpt of the
/// body (read for at most `READ_WAIT`). The rest of a longer answer is never read: dropping the
/// response closes its connection.
pub(super) async fn attempt(request: reqwest::RequestBuilder) -> Outcome {
    let mut response = match request.send().await {
        Ok(response) => response,
        Err(e) => return Outcome::failed(describe(&e)),
    };
    let status = response.status();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let retry_after_ms = header("retry-after").and_then(|v| retry_after_ms(&v, chrono::Utc::now()));
    let error = status.is_redirection().then(|| {
        let location = header("location").unwrap_or_default();
        let location: String = location.chars().take(200).collect();
        format!("redirect not followed (Location: {location})")
    });
    let mut read = Vec::new();
    let deadline = tokio::time::Instant::now() + READ_WAIT;
    while read.len() < READ_BYTES {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => read.extend_from_slice(&chunk[..chunk.len().min(READ_BYTES - read.len())]),
            _ => break,
        }
    }
    drop(response);
    let excerpt = (!read.is_empty()).then(|| {
        let kept = &read[..read.len().min(EXCERPT_BYTES)];
        String::from_utf8_lossy(kept).into_owned()
    });
    Outcome { status: Some(status.as_u16()), retry_after_ms, error, excerpt }
}

/// A callback URL as log lines show it: without user-info or query, where receivers' URLs carry
/// credentials and tokens.
pub(super) fn url_for_logs(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "(not a URL)".to_string();
    };
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    let had_query = parsed.query().is_some();
    parsed.set_query(None);
    parsed.set_fragment(None);
    let mut shown = parsed.to_string();
    if had_query {
        shown.push_str("?...");
    }
    shown
}

pub(super) fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        format!("could not connect: {}", root_cause(e))
    } else {
        root_cause(e)
    }
}

pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_log_lines_lose_their_credentials_and_query() {
        assert_eq!(url_for_logs("http://user:pw@example.test:81/cb?token=t#f"), "http://example.test:81/cb?...");
        assert_eq!(url_for_logs("https://example.test/cb"), "https://example.test/cb");
        assert_eq!(url_for_logs("not a url with secret"), "(not a URL)");
    }
}
