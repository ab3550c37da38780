//! A deadline on a new connection's first bytes.
//!
//! hyper's header read timeout starts once hyper-util has decided between HTTP/1 and HTTP/2,
//! which it does by reading the first bytes; a client that connects and sends nothing (or a
//! byte at a time of the HTTP/2 preface) would hold a connection open forever. This wrapper
//! fails the connection's reads when the first [`PREFACE_LEN`] bytes have not arrived by the
//! deadline; after them, the protocol's own timeouts apply.
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// What hyper-util reads to tell the protocols apart (the HTTP/2 connection preface).
pub const PREFACE_LEN: usize = 24;

pub struct FirstBytesDeadline<S> {
    inner: S,
    deadline: Option<Pin<Box<Sleep>>>,
    missing: usize,
}

impl<S> FirstBytesDeadline<S> {
    pub fn new(inner: S, within: Duration) -> Self {
        Self {
            inner,
            deadline: Some(Box::pin(tokio::time::sleep(within))),
            missing: PREFACE_LEN,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for FirstBytesDeadline<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = buf.filled().len() - before;
                this.missing = this.missing.saturating_sub(read);
                // Enough bytes, or the end of the stream: the deadline has done its work.
                if this.missing == 0 || read == 0 {
                    this.deadline = None;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let expired = this
                    .deadline
                    .as_mut()
                    .is_some_and(|d| d.as_mut().poll(cx).is_ready());
                if !expired {
                    return Poll::Pending;
                }
                this.deadline = None;
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client sent no request within the header read timeout",
                )))
            }
            failed => failed,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FirstBytesDeadline<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_silent_peer_fails_at_the_deadline_and_a_talking_one_never_does() {
        let (client, server) = tokio::io::duplex(64);
        let mut silent = FirstBytesDeadline::new(server, Duration::from_millis(50));
        let err = silent.read(&mut [0u8; 8]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        drop(client);

        let (mut client, server) = tokio::io::duplex(64);
        let mut talking = FirstBytesDeadline::new(server, Duration::from_millis(50));
        client.write_all(&[b'x'; PREFACE_LEN]).await.unwrap();
        let mut buf = [0u8; PREFACE_LEN];
        talking.read_exact(&mut buf).await.unwrap();
        // Past the deadline, an idle but established connection is left alone.
        tokio::time::sleep(Duration::from_millis(150)).await;
        client.write_all(b"more").await.unwrap();
        let mut more = [0u8; 4];
        talking.read_exact(&mut more).await.unwrap();
        assert_eq!(&more, b"more");
    }
}
