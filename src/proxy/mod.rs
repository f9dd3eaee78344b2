//! Proxy mode (contract §12, `jenga-sandbox proxy --upstream URL`): every API request is
//! forwarded unchanged to the upstream (a team's Jenga UAT), whose answer the client gets. The
//! same request also runs through the sandbox's own pipeline, against a shadow of its state
//! (`AppState::shadow`), and the two answers are compared by shape (`diff`). The shadow shares
//! merchants, scenarios and the clock; its ledger and callbacks are its own and never shown or
//! sent. Callbacks the upstream sends to the sandbox's sink are compared with the ones the
//! sandbox would have sent (`callbacks`), and `--record DIR` writes what the upstream answered
//! as scenario rules (`record`).

pub(crate) mod callbacks;
pub(crate) mod diff;
pub(crate) mod forward;
pub(crate) mod identity;
pub(crate) mod record;

use crate::state::{AppState, BuildError};
use actix_web::web;

pub struct Proxy {
    /// Where the sandbox's own answers are computed.
    pub shadow: web::Data<AppState>,
    /// The upstream's base URL, without a trailing slash.
    pub base: String,
    client: reqwest::Client,
    pub tally: diff::Tally,
    pub identities: identity::Identities,
    pub expected: callbacks::Expected,
    pub recorder: Option<record::Recorder>,
}

impl Proxy {
    pub fn new(shadow: AppState, settings: &crate::config::Settings) -> Result<Self, BuildError> {
        let upstream = settings.upstream.as_deref().unwrap_or_default();
        let base = crate::config::upstream_base(upstream).map_err(BuildError::Proxy)?;
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_millis(settings.upstream_timeout_ms))
            // The client sees a redirect as the upstream gave it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| BuildError::Proxy(format!("upstream client: {e}")))?;
        let recorder = match &settings.record {
            Some(dir) => Some(record::Recorder::new(dir, shadow.scenarios.operations()).map_err(BuildError::Proxy)?),
            None => None,
        };
        Ok(Self {
            shadow: web::Data::new(shadow),
            base,
            client,
            tally: diff::Tally::default(),
            identities: identity::Identities::default(),
            expected: callbacks::Expected::default(),
            recorder,
        })
    }

    /// `POST /__sandbox/reset`: the shadow's state too, and (for a whole reset) the differences.
    pub fn reset(&self, merchant: Option<&str>) {
        self.shadow.reset(merchant);
        if merchant.is_none() {
            self.tally.clear();
            self.expected.clear();
        }
    }

    /// The lines `GET /__sandbox/metrics` adds in proxy mode.
    pub fn render_metrics(&self, out: &mut String) {
        self.tally.render_metrics(out);
    }

    /// Written to the log at shutdown.
    pub fn log_summary(&self) {
        self.tally.log_summary(&self.base);
    }
}

/// `GET /__sandbox/diff`: where the upstream's answers and the sandbox's differed, grouped by
/// operation, kind and path (all zero outside proxy mode).
pub(crate) async fn diff_view(proxy: Option<web::Data<Proxy>>) -> actix_web::HttpResponse {
    let view = match &proxy {
        Some(proxy) => proxy.tally.view(),
        None => diff::Tally::default().view(),
    };
    actix_web::HttpResponse::Ok().json(view)
}
