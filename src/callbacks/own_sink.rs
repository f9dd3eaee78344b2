//! The sandbox's own sink as a callback target: callbacks addressed to it are stored directly;
//! any other request a callback makes to the sandbox itself is refused.

use super::attempt::{Outcome, Sending, Target, CALLBACK_HEADER, SIGNATURE_HEADER};
use super::{Callbacks, USER_AGENT};
use std::sync::Arc;
use std::time::Instant;

pub(super) struct OwnSink {
    port: u16,
    sink: Arc<crate::sink::Sink>,
    /// `http://127.0.0.1:PORT/__sandbox/sink/` and its `localhost` and `[::1]` twins: a prefix
    /// test settles the common URLs without parsing them.
    prefixes: [String; 3],
}

pub(super) const SINK_PATH: &str = "/__sandbox/sink/";

impl Callbacks {
    /// Once the server listens: its port, and the sink its `/__sandbox/sink/NAME` serves.
    pub(crate) fn set_own_sink(&self, port: u16, sink: Arc<crate::sink::Sink>) {
        let prefixes = ["127.0.0.1", "localhost", "[::1]"].map(|host| format!("http://{host}:{port}{SINK_PATH}"));
        let _ = self.own_sink.set(OwnSink { port, sink, prefixes });
    }

    /// The sink name when `url` is this server's own sink on loopback.
    pub(super) fn own_sink_name(&self, url: &str) -> Option<String> {
        let own = self.own_sink.get()?;
        if !url.contains(SINK_PATH) {
            return None;
        }
        let plain_name = |name: &str| crate::sink::key_of(name).is_some() && !name.contains(['?', '#', '%']);
        let fast = own.prefixes.iter().find_map(|p| url.strip_prefix(p.as_str())).map(|n| n.trim_end_matches('/'));
        if let Some(name) = fast.filter(|n| plain_name(n)) {
            return Some(name.to_string());
        }
        // Anything less plain (upper-case host, default port, escapes, a query) is parsed.
        let url = url::Url::parse(url).ok()?;
        let loopback = matches!(url.host_str()?, "127.0.0.1" | "localhost" | "[::1]");
        if !loopback || url.port_or_known_default() != Some(own.port) || url.query().is_some() {
            return None;
        }
        let key = crate::sink::key_of(url.path().strip_prefix(SINK_PATH)?.trim_end_matches('/'))?;
        // Each segment decoded on its own, as the router reads them.
        let decoded: Vec<_> =
            key.split('/').map(|segment| percent_encoding::percent_decode_str(segment).decode_utf8_lossy()).collect();
        Some(decoded.join("/"))
    }

    /// Stores a callback addressed to this server's own sink, with the headers a request would
    /// have carried; hands back any other.
    pub(super) fn deliver_to_own_sink(&self, id: &str, sending: Sending) -> Option<Sending> {
        let Target::OwnSink(name) = &sending.target else { return Some(sending) };
        let Some(own) = self.own_sink.get() else { return Some(sending) };
        let at = sending.clock.now_ms();
        let started = Instant::now();
        let mut headers = std::collections::BTreeMap::new();
        headers.insert("content-type".to_string(), "application/json".to_string());
        headers.insert("user-agent".to_string(), USER_AGENT.to_string());
        headers.insert(CALLBACK_HEADER.to_string(), id.to_string());
        if let Some((user, password)) = &sending.basic_auth {
            use base64::Engine;
            let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            headers.insert("authorization".to_string(), format!("Basic {credentials}"));
        }
        if let Some(signature) = self.sign(&sending.body) {
            headers.insert(SIGNATURE_HEADER.to_ascii_lowercase(), signature);
        }
        let entry = own.sink.store(name, at, headers, &sending.body);
        let excerpt = format!(r#"{{"status":"received","id":{entry}}}"#);
        let outcome = Outcome { status: Some(200), excerpt: Some(excerpt), ..Outcome::default() };
        self.record_attempt(id, at, started, outcome, sending.ignore_answer);
        None
    }
}

/// A request the sandbox's callback worker sent to the sandbox itself (by an address the
/// own-sink shortcut does not know: another loopback address, the bind address, a host name)
/// is answered only by the sink; anywhere else, 403. Callbacks carry no credentials, but the
/// admin API on loopback needs none, so a callback URL could otherwise reset the sandbox.
pub(crate) fn refuse_callback_to_self(req: &actix_web::dev::ServiceRequest) -> Option<actix_web::HttpResponse> {
    use actix_web::http::{header::HeaderName, Method};
    if !req.headers().contains_key(HeaderName::from_static(CALLBACK_HEADER)) {
        return None;
    }
    let sink_name = req.path().strip_prefix(SINK_PATH).map(|rest| rest.trim_end_matches('/'));
    let to_sink = matches!(*req.method(), Method::POST | Method::PUT)
        && sink_name.is_some_and(|name| crate::sink::key_of(name).is_some());
    if to_sink {
        return None;
    }
    let message = format!(
        "callbacks the sandbox sends to itself are taken only by its sink ({SINK_PATH}NAME or {SINK_PATH}CODE/NAME); {} {} refused",
        req.method(),
        req.path()
    );
    Some(actix_web::HttpResponse::Forbidden().json(serde_json::json!({ "error": message })))
}
