//! The tap: a socket that copies every byte it reads or writes to its connection's recorder.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::{SharedRecorder, lock};
use crate::run::Stepper;
use certbench_wire::Side;
use certbench_wire::observe::Dir;

/// A socket, with every byte both ways copied to the recorder. It knows the side it stands on:
/// what it reads comes from the other side.
pub(crate) struct Tap {
    pub(crate) inner: TcpStream,
    pub(crate) hub: SharedRecorder,
    pub(crate) side: Side,
    pub(crate) stepper: Option<Stepper>,
}

impl Tap {
    /// The direction of what this side reads, and of what it writes.
    fn dirs(&self) -> (Dir, Dir) {
        match self.side {
            Side::Client => (Dir::ServerToClient, Dir::ClientToServer),
            Side::Server => (Dir::ClientToServer, Dir::ServerToClient),
        }
    }
}

impl AsyncRead for Tap {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (read, _) = self.dirs();
        // Step mode holds each side at its write; a read only learns of a cancel.
        if let Some(st) = &self.stepper {
            st.poll_cancelled(cx, &self.hub)?;
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &r {
            let new = &buf.filled()[before..];
            if !new.is_empty() {
                lock(&self.hub).feed(read, new);
            }
        }
        r
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }
    /// rustls hands over a flight as several buffers; writing them in one call keeps the flight
    /// in one TCP segment, as on an untapped socket.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let (_, write) = self.dirs();
        if let Some(st) = &self.stepper {
            std::task::ready!(st.poll_flight(write, cx, &self.hub))?;
        }
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &r {
            // What was written of the buffers, in order: one segment, as on the wire.
            if *n == bufs.iter().map(|b| b.len()).sum::<usize>() {
                lock(&self.hub).feed_vectored(write, bufs);
            } else {
                let mut left = *n;
                let written: Vec<&[u8]> = bufs
                    .iter()
                    .map(|b| {
                        let take = left.min(b.len());
                        left -= take;
                        &b[..take]
                    })
                    .filter(|b| !b.is_empty())
                    .collect();
                lock(&self.hub).feed_vectored(write, &written);
            }
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
