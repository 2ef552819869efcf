//! Listening on `localhost`: 127.0.0.1 and ::1 at the same port, so that a client that resolves
//! localhost to ::1 first (curl, browsers, Go, Node.js on many systems) reaches the server. A
//! machine without IPv6 gets 127.0.0.1 alone.

use std::io;
use std::net::{Ipv6Addr, SocketAddr};

use tokio::net::{TcpListener, TcpStream};

/// Free ports tried for `localhost` on port 0 before giving up (the IPv6 side of a port the IPv4
/// side got may be taken).
const TRIES: usize = 8;

/// Bind `addr`; with `localhost` and `addr` on 127.0.0.1, ::1 at the same port too.
pub async fn bind(addr: SocketAddr, localhost: bool) -> io::Result<Vec<TcpListener>> {
    let both = localhost && addr.ip() == std::net::Ipv4Addr::LOCALHOST;
    if !both {
        return Ok(vec![TcpListener::bind(addr).await?]);
    }
    let tries = if addr.port() == 0 { TRIES } else { 1 };
    let mut last = None;
    for _ in 0..tries {
        let v4 = TcpListener::bind(addr).await?;
        let port = v4.local_addr()?.port();
        match TcpListener::bind((Ipv6Addr::LOCALHOST, port)).await {
            Ok(v6) => return Ok(vec![v4, v6]),
            // No IPv6 on this machine: 127.0.0.1 is localhost.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::AddrNotAvailable | io::ErrorKind::Unsupported
                ) || e.raw_os_error() == Some(97) =>
            {
                return Ok(vec![v4]);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AddrInUse)))
}

/// The first listener's address.
pub fn first_addr(listeners: &[TcpListener]) -> io::Result<SocketAddr> {
    listeners
        .first()
        .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?
        .local_addr()
}

/// The next connection on any of `listeners`.
pub async fn accept(listeners: &[TcpListener]) -> io::Result<(TcpStream, SocketAddr)> {
    match listeners {
        [] => std::future::pending().await,
        [one] => one.accept().await,
        [a, b, ..] => tokio::select! {
            r = a.accept() => r,
            r = b.accept() => r,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn localhost_is_both_loopbacks_at_one_port() {
        let ls = bind(([127, 0, 0, 1], 0).into(), true).await.unwrap();
        let addrs: Vec<SocketAddr> = ls.iter().map(|l| l.local_addr().unwrap()).collect();
        // A machine without IPv6 has 127.0.0.1 alone; with it, ::1 at the same port.
        assert!(addrs[0].ip().is_ipv4());
        if let Some(v6) = addrs.get(1) {
            assert_eq!(v6.port(), addrs[0].port());
            assert_eq!(v6.ip(), std::net::IpAddr::V6(Ipv6Addr::LOCALHOST));
            let client = tokio::spawn(TcpStream::connect(*v6));
            let (_, peer) = accept(&ls).await.unwrap();
            assert!(peer.ip().is_ipv6());
            client.await.unwrap().unwrap();
        }
        let one = bind(([127, 0, 0, 1], 0).into(), false).await.unwrap();
        assert_eq!(one.len(), 1);
    }
}
