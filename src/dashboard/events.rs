//! `GET /__sandbox/events`: a server-sent event stream telling the dashboard which views changed
//! (`requests`, `callbacks`, `transactions`, `clock`). It names views and carries no entries, so
//! a slow reader costs nothing: the stores only count their changes (`wait::Changes`), a stream
//! compares counts when its reader is ready for more, and whatever changed in between arrives as
//! one event. Nothing on the request path waits for a stream. The page then fetches what it
//! shows through the JSON API.

use crate::connection::Connection;
use crate::state::AppState;
use crate::wait::STREAMS_LIMIT;
use actix_web::web::{self, Bytes};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;

/// Events on one stream come at most this often; changes in between are merged.
const COALESCE: Duration = Duration::from_millis(250);

/// A comment line this often keeps proxies from closing an idle stream, and notices a client
/// that went away without closing.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// What a stream last told its reader, compared with now to tell what changed.
#[derive(Clone, Copy, PartialEq)]
struct Seen {
    requests: u64,
    callbacks: u64,
    transactions: u64,
    /// The shared clock's offset and whether it is frozen: a running clock's time is not a change.
    clock: (i64, bool),
}

impl Seen {
    fn now(state: &AppState) -> Self {
        Self {
            requests: state.journal.changes.count(),
            callbacks: state.callbacks.changes.count(),
            transactions: state.transactions.changes.count(),
            clock: (state.clocks.shared().offset_ms(), state.clocks.shared().is_frozen()),
        }
    }

    fn changed_since(&self, before: &Seen) -> Vec<&'static str> {
        let mut views = Vec::new();
        if self.requests != before.requests {
            views.push("requests");
        }
        if self.callbacks != before.callbacks {
            views.push("callbacks");
        }
        if self.transactions != before.transactions {
            views.push("transactions");
        }
        if self.clock != before.clock {
            views.push("clock");
        }
        views
    }
}

type Gone = Pin<Box<dyn Future<Output = ()>>>;

/// One reader's stream, between two events.
struct Reader {
    state: web::Data<AppState>,
    seen: Seen,
    /// Resolves when the client has gone (or the server is stopping).
    gone: Gone,
    /// Whether the last thing written was an event (then the next waits `COALESCE` first).
    just_told: bool,
    started: bool,
    _slot: OwnedSemaphorePermit,
}

/// Every stream is taken.
#[derive(Debug)]
pub struct Busy {
    pub limit: usize,
}

/// Opens a stream for the client on `connection`: its first event says hello, the next ones
/// name what changed. It ends when the client goes or the server stops, which frees its place.
pub fn open(
    state: web::Data<AppState>,
    connection: Option<Connection>,
) -> Result<impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>>, Busy> {
    let (slot, mut closing) = state.event_streams.try_open().ok_or(Busy { limit: STREAMS_LIMIT })?;
    let gone: Gone = Box::pin(async move {
        let client_gone = async {
            match connection {
                Some(connection) => connection.closed().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = client_gone => {}
            _ = closing.wait_for(|closing| *closing) => {}
        }
    });
    let reader = Reader { seen: Seen::now(&state), state, gone, just_told: false, started: false, _slot: slot };
    Ok(futures_util::stream::unfold(reader, next_event))
}

/// Waits for the next thing to write: an event naming what changed, or a keep-alive comment.
/// None (the end of the stream, which frees its slot) once the client has gone.
async fn next_event(mut reader: Reader) -> Option<(Result<Bytes, std::convert::Infallible>, Reader)> {
    if !reader.started {
        reader.started = true;
        // `retry` tells EventSource clients how soon to reconnect after the stream ends.
        let hello = format!("retry: 2000\nevent: hello\ndata: {{\"limit\":{STREAMS_LIMIT}}}\n\n");
        return Some((Ok(Bytes::from(hello)), reader));
    }
    if reader.just_told {
        reader.just_told = false;
        tokio::select! {
            () = &mut reader.gone => return None,
            () = tokio::time::sleep(COALESCE) => {}
        }
    }
    let state = reader.state.clone();
    let clock = state.clocks.changes();
    loop {
        // Registered before comparing, so a change made between the two is not missed.
        let wakes = [
            state.journal.changes.notify().notified(),
            state.callbacks.changes.notify().notified(),
            state.transactions.changes.notify().notified(),
            clock.notified(),
        ];
        let mut wakes = wakes.map(Box::pin);
        for wake in &mut wakes {
            wake.as_mut().enable();
        }
        let now = Seen::now(&state);
        let views = now.changed_since(&reader.seen);
        if !views.is_empty() {
            reader.seen = now;
            reader.just_told = true;
            let event = format!("event: change\ndata: {}\n\n", serde_json::json!({ "views": views }));
            return Some((Ok(Bytes::from(event)), reader));
        }
        let [requests, callbacks, transactions, clock_moved] = wakes;
        tokio::select! {
            () = &mut reader.gone => return None,
            () = tokio::time::sleep(KEEPALIVE) => return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), reader)),
            () = requests => {}
            () = callbacks => {}
            () = transactions => {}
            () = clock_moved => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_named_by_its_view_and_a_running_clock_is_not_one() {
        let before = Seen { requests: 1, callbacks: 2, transactions: 3, clock: (0, false) };
        assert!(before.changed_since(&before).is_empty());
        let after = Seen { requests: 4, clock: (1_000, false), ..before };
        assert_eq!(after.changed_since(&before), ["requests", "clock"]);
    }
}
