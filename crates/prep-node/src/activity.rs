//! Idle connections by requests, not by bytes: an HTTP/2 connection's keep-alive pings move
//! bytes, so the socket's idle timeout ([`crate::listener::IdleTimeout`]) never ends a client
//! that keeps a connection open without asking for anything. [`Activity`] counts the
//! responses still being sent on a connection and when the last one ended; [`idle`] resolves
//! once none has been in progress for the idle timeout, and the connection is then closed.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// One connection's requests: how many responses are in progress, and when the last ended.
#[derive(Debug)]
pub struct Activity {
    start: Instant,
    open: AtomicUsize,
    /// Milliseconds from `start` to the last request's start or response's end.
    last_ms: AtomicU64,
}

impl Activity {
    /// A connection that just opened.
    pub fn new() -> Arc<Activity> {
        Arc::new(Activity {
            start: Instant::now(),
            open: AtomicUsize::new(0),
            last_ms: AtomicU64::new(0),
        })
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// A request arrived; its response is tracked until its body is sent (or dropped).
    pub fn track(self: &Arc<Self>, body: Full<Bytes>) -> Tracked {
        self.open.fetch_add(1, Ordering::Relaxed);
        self.touch();
        Tracked {
            body,
            activity: Arc::clone(self),
        }
    }
}

/// Resolves once no response has been in progress on the connection for `timeout`.
pub async fn idle(activity: Arc<Activity>, timeout: Duration) {
    loop {
        let last = activity.start + Duration::from_millis(activity.last_ms.load(Ordering::Relaxed));
        let deadline = last + timeout;
        if Instant::now() >= deadline && activity.open.load(Ordering::Relaxed) == 0 {
            return;
        }
        // A response in progress: look again one timeout later.
        let next = if Instant::now() >= deadline {
            Instant::now() + timeout
        } else {
            deadline
        };
        tokio::time::sleep_until(next).await;
    }
}

/// A response body that tells its connection's [`Activity`] when it is done.
#[derive(Debug)]
pub struct Tracked {
    body: Full<Bytes>,
    activity: Arc<Activity>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.activity.touch();
        self.activity.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Body for Tracked {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
