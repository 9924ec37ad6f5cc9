//! The accept loop under the server: hyper-util's connection builder speaks HTTP/1.1 or
//! HTTP/2 per connection (HTTP/2 by ALPN under TLS, `tokio-rustls` with `ring`), with a
//! header-read timeout (HTTP/1.1; for HTTP/2 a keep-alive ping that must be answered within
//! it, plus bounds on streams and header size), an idle timeout on the socket
//! ([`IdleTimeout`]), a bound on open connections (a semaphore: past it, clients wait in the
//! listen queue) and `TCP_NODELAY`.

use crate::config::ServerConfig;
use anyhow::Context;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// Streams an HTTP/2 client may have open at once.
pub const H2_MAX_STREAMS: u32 = 100;
/// The largest HTTP/2 header block accepted (decoded), in bytes.
pub const H2_MAX_HEADER_LIST: u32 = 16 * 1024;
/// Streams reset by the client but not yet accepted (against "rapid reset" floods).
const H2_MAX_PENDING_RESETS: usize = 20;

/// How long connections still open at shutdown may take to finish.
const DRAIN: Duration = Duration::from_secs(10);

/// The TLS acceptor for a PEM certificate chain and key, offering `h2` then `http/1.1`.
pub fn tls_acceptor(certificate: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let certs = CertificateDer::pem_file_iter(certificate)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .with_context(|| {
            format!(
                "tls_certificate {}: not a readable PEM certificate chain",
                certificate.display()
            )
        })?;
    if certs.is_empty() {
        anyhow::bail!(
            "tls_certificate {}: no CERTIFICATE in the file",
            certificate.display()
        );
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("tls_key {}: not a readable PEM private key", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the TLS certificate and key do not make a usable pair")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A handler's answer to a request.
pub enum Answer {
    /// The response, made at once on the serving thread.
    Now(Response<Full<Bytes>>),
    /// A response still being made (off the serving threads): the connection waits for it,
    /// the others go on. A [`crate::http::activity::Hold`] in its extensions is kept until its
    /// body is sent.
    Later(Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>>),
}

/// Accepts connections on `listener` and answers each request on them with `handler`
/// (given the client's address) until `shutdown` resolves, then lets open connections finish
/// (at most `DRAIN`, 10 s).
pub async fn accept_loop<H>(
    listener: std::net::TcpListener,
    handler: H,
    config: &ServerConfig,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()>
where
    H: Fn(std::net::SocketAddr, Request<Incoming>) -> Answer + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let header_timeout = Duration::from_millis(config.header_read_timeout_ms);
    let idle = Duration::from_millis(config.idle_timeout_ms);
    let slots = Arc::new(tokio::sync::Semaphore::new(config.max_connections));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    // HTTP/2 has no header-read timeout: a client that trickles a frame forever keeps bytes
    // moving (the idle timeout never fires), so it is pinged every header timeout and closed
    // when it does not answer within one more. Its header block and its concurrent streams
    // are bounded too.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(header_timeout)
        .keep_alive_timeout(header_timeout)
        .max_concurrent_streams(H2_MAX_STREAMS)
        .max_header_list_size(H2_MAX_HEADER_LIST)
        .max_pending_accept_reset_streams(H2_MAX_PENDING_RESETS);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot?,
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    log::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small responses go out at once.
        let _ = tcp.set_nodelay(true);
        let io = IdleTimeout::new(tcp, idle);
        let handler = Arc::clone(&handler);
        let activity = crate::http::activity::Activity::new();
        let requests = Arc::clone(&activity);
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            // Tracked from the request's arrival, even while its answer is computed.
            let tracked = requests.track(Full::new(Bytes::new()));
            let answer = handler(peer, req);
            async move {
                let mut response = match answer {
                    Answer::Now(r) => r,
                    Answer::Later(later) => later.await,
                };
                let hold = response
                    .extensions_mut()
                    .remove::<crate::http::activity::Hold>();
                Ok::<_, std::convert::Infallible>(response.map(|body| tracked.with(body, hold)))
            }
        });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            // A connection with no response in progress for the idle timeout is closed, even
            // when HTTP/2 pings keep its bytes moving.
            let idle = crate::http::activity::idle(activity, idle);
            match tls {
                None => {
                    let conn = builder.serve_connection(TokioIo::new(io), service);
                    tokio::select! {
                        _ = watcher.watch(conn.into_owned()) => {},
                        () = idle => {},
                    }
                }
                Some(acceptor) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(header_timeout, acceptor.accept(io)).await
                    else {
                        return;
                    };
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = watcher.watch(conn.into_owned()) => {},
                        () = idle => {},
                    }
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(DRAIN) => {},
    }
    Ok(())
}

/// A socket that fails with `TimedOut` once nothing has been read or written on it for the
/// idle timeout; every byte moved restarts the clock.
pub struct IdleTimeout<T> {
    inner: T,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<T> IdleTimeout<T> {
    /// Wraps `inner` with an idle timeout.
    pub fn new(inner: T, timeout: Duration) -> IdleTimeout<T> {
        IdleTimeout {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        }
    }

    fn progressed(&mut self) {
        let next = Instant::now() + self.timeout;
        self.deadline.as_mut().reset(next);
    }

    fn pending<R>(&mut self, cx: &mut TaskContext<'_>) -> Poll<io::Result<R>> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection idle too long",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleTimeout<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.progressed();
                Poll::Ready(r)
            }
            Poll::Pending => this.pending(cx),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                this.progressed();
                Poll::Ready(r)
            }
            Poll::Pending => this.pending(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(r) => {
                this.progressed();
                Poll::Ready(r)
            }
            Poll::Pending => this.pending(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(r) => Poll::Ready(r),
            Poll::Pending => this.pending(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
