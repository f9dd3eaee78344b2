//! The client's TCP connection as a request can act on it: to notice that the client has gone
//! (a waiting admin request), or to drop it without an answer (the `reset` and `hang` faults).

/// The client's connection, remembered when it is accepted, so that a waiting request can tell
/// when its client has gone: the server does not drop a request's future on a disconnect
/// until it has something to write.
#[derive(Clone, Copy)]
pub struct Connection(#[cfg(unix)] std::os::fd::RawFd);

/// For `HttpServer::on_connect`.
pub(crate) fn remember_connection(connection: &dyn std::any::Any, extensions: &mut actix_web::dev::Extensions) {
    #[cfg(unix)]
    if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        use std::os::fd::AsRawFd;
        extensions.insert(Connection(tcp.as_raw_fd()));
    }
}

impl Connection {
    /// Resolves when the client closes its side. Pipelined data waiting to be read cannot be
    /// told from a live client, so then it never resolves (the wait still ends at its deadline).
    pub async fn closed(self) {
        #[cfg(unix)]
        if let Some(watch) = self.watch() {
            // Waits for the socket to be readable: end of stream (or an error) means gone.
            if let Ok(0) | Err(_) = watch.peek(&mut [0u8; 1]).await {
                return;
            }
        }
        std::future::pending().await
    }

    /// Closes the connection at once with a reset, whatever the server meant to answer: what a
    /// client sees when a proxy or the network drops it.
    pub fn reset(self) {
        #[cfg(unix)]
        {
            // SAFETY: as in `watch`.
            let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(self.0) };
            let socket = socket2::SockRef::from(&borrowed);
            // Linger 0 turns the close that follows into a reset.
            let _ = socket.set_linger(Some(std::time::Duration::ZERO));
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }

    /// A second handle on the same socket, so readiness can be watched without touching the
    /// server's own. Called while the request is being served, when the socket is still open.
    #[cfg(unix)]
    fn watch(self) -> Option<tokio::net::TcpStream> {
        // SAFETY: the connection outlives the request that asks, so the descriptor is open.
        let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(self.0) };
        let stream = std::net::TcpStream::from(borrowed.try_clone_to_owned().ok()?);
        stream.set_nonblocking(true).ok()?;
        tokio::net::TcpStream::from_std(stream).ok()
    }
}
