//! Idle connections by requests, not by bytes: an HTTP/2 connection's keep-alive pings move
//! bytes, so the socket's idle timeout ([`crate::http::listener::IdleTimeout`]) never ends a client
//! that keeps a connection open without asking for anything. [`Activity`] counts the
//! responses still being sent on a connection and when the last one ended; [`idle`] resolves
//! once none has been in progress for the idle timeout, and the connection is then closed.
//!
//! A response may also carry a [`Hold`] in its extensions (a permit of a bounded resource):
//! its body is then sent in frames of at most [`HELD_FRAME_BYTES`], so that it stays alive
//! until (nearly) all of it is on the socket, and the hold is released with it.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// The largest body frame of a response with a [`Hold`]: hyper asks for the next frame only
/// once the previous ones are (mostly) written.
pub const HELD_FRAME_BYTES: usize = 256 * 1024;

/// Something a response keeps until its body is sent or dropped (put in its extensions).
#[derive(Clone)]
pub struct Hold {
    /// Only kept (dropped with the last clone).
    _held: Arc<dyn std::any::Any + Send + Sync>,
}

impl Hold {
    /// Keeps `held` until the body of the response it is put in is done.
    pub fn new(held: impl std::any::Any + Send + Sync) -> Hold {
        Hold {
            _held: Arc::new(held),
        }
    }
}

impl std::fmt::Debug for Hold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hold")
    }
}

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
            rest: Bytes::new(),
            hold: None,
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
    /// With a hold: what is left of the body's data frame, sent in parts.
    rest: Bytes,
    hold: Option<Hold>,
    activity: Arc<Activity>,
}

impl Tracked {
    /// The response's body, which keeps `hold` (if any) until it is done.
    pub fn with(mut self, body: Full<Bytes>, hold: Option<Hold>) -> Tracked {
        self.body = body;
        self.hold = hold;
        self
    }

    fn next_part(&mut self) -> Frame<Bytes> {
        let n = self.rest.len().min(HELD_FRAME_BYTES);
        Frame::data(self.rest.split_to(n))
    }
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
        let this = self.get_mut();
        if !this.rest.is_empty() {
            return Poll::Ready(Some(Ok(this.next_part())));
        }
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        if this.hold.is_none() {
            return polled;
        }
        match polled {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => {
                    this.rest = data;
                    Poll::Ready(Some(Ok(this.next_part())))
                }
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            Poll::Ready(None) => {
                // Done: the hold goes now, not when hyper drops the body.
                this.hold = None;
                Poll::Ready(None)
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        // Parts are left only once the one data frame has been taken from the body.
        if self.rest.is_empty() {
            self.body.size_hint()
        } else {
            SizeHint::with_exact(self.rest.len() as u64)
        }
    }
}
