//! Faults on the API's own answers (contract §10), for testing a client's retry and timeout
//! code: the operation runs as it would (money moves, callbacks are queued), and then the
//! answer is lost, delayed, emptied or replaced by a proxy's error page. Also the latency added
//! to every API answer.

use crate::config::Settings;
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerFault {
    /// The connection is closed with no answer.
    Reset,
    /// No answer until the client gives up (at most `max_hang_ms`), then the connection closes.
    Hang,
    /// 502 with an HTML page, as a proxy in front of Jenga answers when Jenga is down.
    GatewayHtml,
    /// 200 with an empty body.
    EmptyBody,
    /// The answer dribbled out over the effect's `delay_ms`.
    SlowBody,
}

/// How long `fault:slow_body` from a header takes, when no scenario gives a `delay_ms`.
pub(crate) const DEFAULT_SLOW_BODY_MS: u64 = 2_000;

/// The pieces a slow body is sent in.
const SLOW_BODY_PIECES: u64 = 10;

impl AnswerFault {
    const ALL: [AnswerFault; 5] = [
        AnswerFault::Reset,
        AnswerFault::Hang,
        AnswerFault::GatewayHtml,
        AnswerFault::EmptyBody,
        AnswerFault::SlowBody,
    ];

    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            AnswerFault::Reset => "reset",
            AnswerFault::Hang => "hang",
            AnswerFault::GatewayHtml => "gateway_html",
            AnswerFault::EmptyBody => "empty_body",
            AnswerFault::SlowBody => "slow_body",
        }
    }

    /// Every fault's name, for messages that list them.
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }
}

/// What the client gets: `response` after the configured latency, spoiled by `fault` if any.
/// `delay_ms` is the scenario effect's (the slow body's pace).
pub(crate) async fn deliver(
    settings: &Settings,
    req: &HttpRequest,
    fault: Option<AnswerFault>,
    delay_ms: u64,
    response: HttpResponse,
) -> HttpResponse {
    latency(settings).await;
    let connection = req.conn_data::<crate::connection::Connection>().copied();
    match fault {
        None => response,
        Some(AnswerFault::Reset) => {
            if let Some(connection) = connection {
                connection.reset();
            }
            response
        }
        Some(AnswerFault::Hang) => {
            let most = Duration::from_millis(settings.max_hang_ms);
            if let Some(connection) = connection {
                tokio::select! {
                    () = connection.closed() => {}
                    () = tokio::time::sleep(most) => {}
                }
                connection.reset();
            }
            response
        }
        Some(AnswerFault::GatewayHtml) => {
            let mut page = sandbox_headers(&response, StatusCode::BAD_GATEWAY);
            page.content_type("text/html").body(GATEWAY_PAGE)
        }
        Some(AnswerFault::EmptyBody) => sandbox_headers(&response, StatusCode::OK).finish(),
        Some(AnswerFault::SlowBody) => {
            let total = if delay_ms > 0 { delay_ms } else { DEFAULT_SLOW_BODY_MS };
            slow(response, Duration::from_millis(total / SLOW_BODY_PIECES)).await
        }
    }
}

/// The configured latency: fixed plus up to `jitter_ms` more, on every API answer.
async fn latency(settings: &Settings) {
    let latency = &settings.latency;
    if latency.fixed_ms == 0 && latency.jitter_ms == 0 {
        return;
    }
    // Not from the seeded generator: timing is not part of what `--seed` repeats, and drawing
    // from it would change the ids.
    let jitter = if latency.jitter_ms > 0 { rand::random::<u64>() % (latency.jitter_ms + 1) } else { 0 };
    tokio::time::sleep(Duration::from_millis(latency.fixed_ms.saturating_add(jitter))).await;
}

/// A new answer with `status` and the sandbox's own headers of `response`, so a test can still
/// tell which request and rule it was.
fn sandbox_headers(response: &HttpResponse, status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    for (name, value) in response.headers() {
        if name.as_str().starts_with("x-sandbox-") {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    builder
}

async fn slow(response: HttpResponse, pause: Duration) -> HttpResponse {
    let mut builder = HttpResponse::build(response.status());
    for (name, value) in response.headers() {
        if name != actix_web::http::header::CONTENT_LENGTH {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    let body = actix_web::body::to_bytes(response.into_body()).await.unwrap_or_default();
    let piece = (body.len() as u64).div_ceil(SLOW_BODY_PIECES).max(1) as usize;
    let pieces: Vec<Bytes> =
        (0..body.len()).step_by(piece).map(|at| body.slice(at..(at + piece).min(body.len()))).collect();
    let stream = futures_util::stream::unfold((pieces.into_iter(), true), move |(mut rest, first)| async move {
        let next = rest.next()?;
        if !first {
            tokio::time::sleep(pause).await;
        }
        Some((Ok::<_, std::convert::Infallible>(next), (rest, false)))
    });
    builder.streaming(stream)
}

const GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_is_known_by_its_name() {
        for fault in AnswerFault::ALL {
            assert_eq!(AnswerFault::named(fault.name()), Some(fault));
        }
        assert_eq!(AnswerFault::names(), "reset, hang, gateway_html, empty_body, slow_body");
        assert_eq!(AnswerFault::named("Reset"), None);
    }
}
