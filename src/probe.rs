//! `jenga-sandbox health`: asks a running sandbox's `/__sandbox/health` and exits 0 when it
//! answers 200. Container images hold no curl, so the binary is its own probe (the Dockerfile's
//! HEALTHCHECK); plain std networking, as a probe needs no runtime.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Where a server bound to `bind` is reached from the same machine: an unspecified address
/// (`0.0.0.0`, `::`) is reached on loopback.
pub(crate) fn local_url(bind: &str) -> Result<String, String> {
    let settings = crate::config::Settings { bind: bind.to_string(), ..Default::default() };
    let mut address = settings.bind_address().map_err(|e| e.to_string())?;
    if address.ip().is_unspecified() {
        let loopback = match address.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        };
        address.set_ip(loopback);
    }
    Ok(format!("http://{address}"))
}

/// GETs `{base}/__sandbox/health`; Ok with the status line when it is 200.
pub(crate) fn check(base: &str, timeout: Duration) -> Result<String, String> {
    let url = url::Url::parse(base).map_err(|e| format!("{base}: {e}"))?;
    if url.scheme() != "http" {
        return Err(format!("{base}: only http:// is served"));
    }
    let host = url.host_str().ok_or_else(|| format!("{base}: no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let addresses: Vec<SocketAddr> =
        (host.trim_matches(['[', ']']), port).to_socket_addrs().map_err(|e| format!("{host}: {e}"))?.collect();
    let address = addresses.first().ok_or_else(|| format!("{host}: no address"))?;
    let mut stream = TcpStream::connect_timeout(address, timeout).map_err(|e| format!("{address}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    let path = format!("{}/__sandbox/health", url.path().trim_end_matches('/'));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| format!("{address}: {e}"))?;
    let mut answer = Vec::new();
    stream.take(64 * 1024).read_to_end(&mut answer).map_err(|e| format!("{address}: {e}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default().to_string();
    match status_line.split(' ').nth(1) {
        Some("200") => Ok(format!("{base}{path}: {status_line}")),
        _ if status_line.is_empty() => Err(format!("{base}{path}: no answer")),
        _ => Err(format!("{base}{path}: {status_line}")),
    }
}
