//! The TLS under the FTPS folder's connections: rustls through tokio-rustls, as suppaftp's
//! own rustls backend, with one difference that keeps a control connection from stalling.
//!
//! tokio-rustls accepts a write into rustls's buffer and returns before every encrypted
//! byte has reached the socket when the socket is not ready at that instant; the rest goes
//! out at the next write or flush. suppaftp writes a command without flushing it and then
//! waits for the reply, so such a command can wait in the buffer for ever while the server
//! waits for it (seen against vsftpd under load: the server's session idle on its read, the
//! client on its reply). [`FlushingTlsStream`] sends what is buffered before it reads and
//! after it writes, so a written command always leaves.

use std::pin::Pin;
use std::task::{Context, Poll};
use suppaftp::FtpResult;
use suppaftp::tokio::{AsyncTlsConnector, TokioTlsStream};
use suppaftp::tokio_rustls::TlsConnector;
use suppaftp::tokio_rustls::client::TlsStream;
use suppaftp::tokio_rustls::rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Opens [`FlushingTlsStream`]s with a rustls client configuration.
pub struct FlushingTlsConnector(pub TlsConnector);

impl std::fmt::Debug for FlushingTlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FlushingTlsConnector")
    }
}

#[async_trait::async_trait]
impl AsyncTlsConnector for FlushingTlsConnector {
    type Stream = FlushingTlsStream;

    async fn connect(&self, domain: &str, stream: TcpStream) -> FtpResult<FlushingTlsStream> {
        let name = ServerName::try_from(domain.to_owned())
            .map_err(|e| suppaftp::FtpError::SecureError(e.to_string()))?;
        let tls = self
            .0
            .connect(name, stream)
            .await
            .map_err(|e| suppaftp::FtpError::SecureError(e.to_string()))?;
        Ok(FlushingTlsStream(tls))
    }
}

/// A client TLS stream that never leaves written bytes in its buffer while it waits to read.
#[derive(Debug)]
pub struct FlushingTlsStream(TlsStream<TcpStream>);

impl AsyncRead for FlushingTlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        // Whatever is still buffered goes first: the reply awaited may answer it. Pending
        // here leaves the waker registered for the socket's writability, which polls this
        // read again.
        if let Poll::Ready(Err(e)) = Pin::new(&mut self.0).poll_flush(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for FlushingTlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.0).poll_write(cx, buf);
        if let Poll::Ready(Ok(_)) = written {
            // Best effort now; a read flushes again before it waits.
            let _ = Pin::new(&mut self.0).poll_flush(cx);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl TokioTlsStream for FlushingTlsStream {
    type InnerStream = TlsStream<TcpStream>;

    fn tcp_stream(self) -> FtpResult<TcpStream> {
        Ok(self.0.into_inner().0)
    }

    fn get_ref(&self) -> &TcpStream {
        self.0.get_ref().0
    }

    fn mut_ref(&mut self) -> &mut TlsStream<TcpStream> {
        &mut self.0
    }
}
