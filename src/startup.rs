//! Building and running the server: state is built once, the listener is bound here (port 0
//! picks a free port and `port()` reports the real one), and the callback worker runs beside it.

use crate::config::Settings;
use crate::operation::{Operation, Operations};
use crate::proxy::Proxy;
use crate::state::{AppState, BuildError};
use crate::{admin, api};
use actix_web::dev::{Server, ServerHandle, Service, ServiceRequest};
use actix_web::http::Uri;
use actix_web::{web, App, HttpServer};
use std::net::TcpListener;
use std::sync::LazyLock;
use std::time::Duration;

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("cannot listen on {bind}: {source}")]
    Bind { bind: String, source: std::io::Error },
    #[error("{0}")]
    State(#[from] crate::persist::StateError),
    #[error("{0}")]
    Watch(String),
}

/// Every operation the API families serve, gathered once.
pub fn operations() -> Operations {
    static ALL: LazyLock<Vec<&'static Operation>> =
        LazyLock::new(|| api::FAMILIES.iter().flat_map(|family| family.operations.iter().copied()).collect());
    Operations::new(ALL.as_slice())
}

pub struct Application {
    port: u16,
    host: String,
    server: Server,
    state: web::Data<AppState>,
    /// Proxy mode (`jenga-sandbox proxy`): the upstream, the shadow state that computes the
    /// sandbox's own answers, and the differences found.
    proxy: Option<web::Data<Proxy>>,
    worker: tokio::task::JoinHandle<()>,
    saver: Option<tokio::task::JoinHandle<()>>,
    _watch: Option<crate::watch::ScenarioWatch>,
}

impl Application {
    /// Builds everything that can fail (settings, scenarios, keys, the listener) before serving.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let bind = settings.bind.clone();
        let shutdown_timeout = settings.shutdown_timeout_secs;
        let state_file = settings.state.clone();
        let state_interval = Duration::from_secs(settings.state_interval_secs.max(1));
        let state = web::Data::new(AppState::from_settings(settings, operations())?);
        if let Some(path) = &state_file {
            if crate::persist::load(&state, path)? {
                tracing::info!(path = %path.display(), "state loaded");
            }
        }
        // After the state file, which brings the key its tokens were signed with.
        state.tokens.prepare_key();
        let address = state.settings.bind_address().map_err(BuildError::from)?;
        let listener =
            TcpListener::bind(address).map_err(|source| StartupError::Bind { bind: bind.clone(), source })?;
        let local = listener.local_addr().map_err(|source| StartupError::Bind { bind: bind.clone(), source })?;
        state.callbacks.set_own_sink(local.port(), state.sink.clone());
        let app_state = state.clone();
        let proxy = match state.settings.upstream {
            Some(_) => Some(web::Data::new(Proxy::new(state.shadow(), &state.settings)?)),
            None => None,
        };
        let relay =
            proxy.clone().map(|proxy| web::Data::new(crate::proxy::forward::Context { main: state.clone(), proxy }));
        let app_proxy = proxy.clone();
        let server = HttpServer::new(move || {
            let relay = relay.clone();
            let proxy = app_proxy.clone();
            App::new()
                .wrap_fn(|req, service| match crate::callbacks::refuse_callback_to_self(&req) {
                    Some(refusal) => {
                        futures_util::future::Either::Left(std::future::ready(Ok(req.into_response(refusal))))
                    }
                    None => futures_util::future::Either::Right(service.call(normalize_path(req))),
                })
                .app_data(app_state.clone())
                .configure(|cfg| {
                    if let Some(proxy) = proxy {
                        cfg.app_data(proxy);
                    }
                })
                .service(admin::scope())
                .configure(move |cfg| match relay {
                    Some(context) => crate::proxy::forward::configure(cfg, context),
                    None => {
                        api::configure(cfg);
                        cfg.default_service(web::to(api::not_found));
                    }
                })
        })
        .on_connect(crate::connection::remember_connection)
        .listen(listener)
        .map_err(|source| StartupError::Bind { bind: bind.clone(), source })?
        .shutdown_timeout(shutdown_timeout)
        // Signals are handled in `run_until_stopped`, so callbacks drain while the sink still serves.
        .disable_signals()
        .run();
        let worker = tokio::spawn(state.callbacks.clone().run());
        tokio::spawn(settle_credits(state.clone()));
        let saver = state_file
            .clone()
            .map(|path| tokio::spawn(crate::persist::save_periodically(state.clone(), path, state_interval)));
        let watch = if state.settings.watch {
            let watch = crate::watch::watch_scenarios(state.clone()).map_err(StartupError::Watch)?;
            tracing::info!(directories = ?watch.directories, "watching scenario files");
            Some(watch)
        } else {
            None
        };
        Ok(Self {
            port: local.port(),
            host: local.ip().to_string(),
            server,
            state,
            proxy,
            worker,
            saver,
            _watch: watch,
        })
    }

    /// `http://HOST:PORT` with the real port.
    pub fn address(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Proxy mode's upstream and differences; None outside proxy mode.
    pub fn proxy(&self) -> Option<&Proxy> {
        self.proxy.as_ref().map(|proxy| proxy.get_ref())
    }

    /// Stops the server gracefully when called (tests use it; Ctrl-C and SIGTERM do the same).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped. On Ctrl-C or SIGTERM, callbacks are delivered first (within the
    /// shutdown timeout, while the server, and so the built-in sink, still answers; see
    /// `Callbacks::shut_down`), then the server stops gracefully.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = self.server;
        let grace = Duration::from_secs(self.state.settings.shutdown_timeout_secs);
        let result = tokio::select! {
            result = &mut server => {
                self.state.callbacks.shut_down(grace).await;
                result
            }
            () = shutdown_signal() => {
                tracing::info!("shutting down: delivering queued callbacks");
                // Open dashboards would otherwise hold the graceful stop to its timeout.
                self.state.event_streams.close();
                self.state.callbacks.shut_down(grace).await;
                // The server future must keep running for the stop command to be processed.
                let (_, result) = tokio::join!(handle.stop(true), server);
                result
            }
        };
        let _ = self.worker.await;
        if let Some(proxy) = &self.proxy {
            proxy.log_summary();
        }
        if let Some(saver) = self.saver {
            saver.abort();
        }
        // What could not be delivered is saved with the rest (with --state), or reported.
        if let Some(path) = &self.state.settings.state {
            match crate::persist::save(&self.state, path) {
                Ok(()) => tracing::info!(path = %path.display(), "state saved"),
                Err(e) => tracing::error!("{e}"),
            }
        }
        let left = self.state.callbacks.abandon_queued();
        if left > 0 && self.state.settings.state.is_some() {
            tracing::info!(jobs = left, "callbacks not delivered before shutdown are kept in the state file");
        } else if left > 0 {
            tracing::warn!(
                jobs = left,
                "{left} undelivered callback job(s) dropped at shutdown (--state FILE keeps them across a restart)"
            );
        }
        result
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// Posts due scheduled credits every 20 ms, so that they never pile up for a request to post.
async fn settle_credits(state: web::Data<AppState>) {
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        state.ledger.settle();
    }
}

/// Clients append a trailing slash or double one (`v3-apis//transaction-api`, as a doc example
/// does); both reach the documented path. Only such paths are rewritten: most requests pass after
/// one scan of the path.
fn normalize_path(mut req: ServiceRequest) -> ServiceRequest {
    let path = req.path();
    if !(path.contains("//") || (path.len() > 1 && path.ends_with('/'))) {
        return req;
    }
    let mut normal = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && normal.ends_with('/')) {
            normal.push(c);
        }
    }
    while normal.len() > 1 && normal.ends_with('/') {
        normal.pop();
    }
    let query = req.query_string();
    let path_and_query = if query.is_empty() { normal } else { format!("{normal}?{query}") };
    let mut parts = req.head().uri.clone().into_parts();
    parts.path_and_query = path_and_query.parse().ok();
    if let Ok(uri) = Uri::from_parts(parts) {
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
    req
}
