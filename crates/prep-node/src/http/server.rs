//! The built-in HTTP server (on hyper and tokio): serves the active corte from memory.
//!
//! Every response carries `X-Prep-Sequence` (the corte it was served from, `none` before the
//! first), `X-Content-Type-Options: nosniff`, the configured `Content-Security-Policy` and a
//! `Referrer-Policy`. Files carry a strong ETag (their SHA-256) and answer `If-None-Match`
//! with 304; the pointer, the manifest, its signature and HTML pages are `no-cache`, the
//! content-named data `public, max-age=31536000, immutable`. `/healthz` and `/metrics` are
//! the node's own. Each request is one line of the access log (combined format). Compressible
//! files are sent precompressed by `Accept-Encoding` ([`crate::served::compress`]); a client over its
//! rate gets 429 with `Retry-After` ([`crate::http::rate_limit`]); under TLS every response carries
//! HSTS. Connections, TLS and timeouts are [`crate::http::listener`]'s. Old cortes
//! (`/historial/`, [`crate::http::audit`]) are the one thing read from disk: off the serving threads
//! and under a bound of their own, so the active corte's requests never wait behind them.

use crate::http::access_log::AccessLog;
use crate::http::listener::Answer;
use crate::http::rate_limit::RateLimiter;
use crate::node::Node;
use crate::served::corte::Corte;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use hyper::{Request, Response};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

/// A response: its body is in memory, whole.
type Reply = Response<Full<Bytes>>;

/// A response and the length of its body, made now or still being made off the serving
/// threads (a read from the history).
enum Made {
    Now(Reply, usize),
    Later(Pin<Box<dyn Future<Output = (Reply, usize)> + Send>>),
}

impl From<(Reply, usize)> for Made {
    fn from((r, n): (Reply, usize)) -> Made {
        Made::Now(r, n)
    }
}

/// What every request handler shares.
struct Shared {
    node: Arc<Node>,
    audit: crate::http::audit::Audit,
    csp: HeaderValue,
    log: Arc<AccessLog>,
    limiter: Option<Arc<RateLimiter>>,
    hsts: bool,
}

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");
const ACCEPT_ENCODING: HeaderValue = HeaderValue::from_static("Accept-Encoding");
const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
const REFERRER: HeaderValue = HeaderValue::from_static("strict-origin-when-cross-origin");
const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000");
const NONE: HeaderValue = HeaderValue::from_static("none");
const X_PREP_SEQUENCE: header::HeaderName = header::HeaderName::from_static("x-prep-sequence");

/// Serves on `listener` until `shutdown` resolves: HTTPS (HTTP/2 or HTTP/1.1 by ALPN) when
/// the configuration names a certificate and key, plain HTTP/1.1 (and HTTP/2 with prior
/// knowledge) otherwise; with the configured timeouts and limits (the listener's, `http::listener`).
pub async fn serve(
    node: Arc<Node>,
    listener: std::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let config = node.config().clone();
    let csp = HeaderValue::from_str(&config.content_security_policy())?;
    let log = AccessLog::open_with(
        &config.access_log,
        config.access_log_rotate,
        config.access_log_max_bytes,
        config.access_log_keep,
        crate::http::access_log::system_clock(),
    )?;
    let tls = match config.server.tls() {
        Some((certificate, key)) => Some(crate::http::listener::tls_acceptor(certificate, key)?),
        None => None,
    };
    let limiter =
        RateLimiter::new(config.server.rate_per_second, config.server.rate_burst).map(Arc::new);
    let shared = Arc::new(Shared {
        audit: crate::http::audit::Audit::new(node.store().clone()),
        node,
        csp,
        log: Arc::clone(&log),
        limiter,
        hsts: tls.is_some(),
    });
    let served = crate::http::listener::accept_loop(
        listener,
        move |client, req| handle(&shared, client, req),
        &config.server,
        tls,
        shutdown,
    )
    .await;
    log.flush();
    served
}

fn handle(s: &Arc<Shared>, client: SocketAddr, req: Request<Incoming>) -> Answer {
    // The corte is taken once: the whole response comes from it.
    let corte = s.node.current();
    let limited = s
        .limiter
        .as_ref()
        .and_then(|l| l.check(client.ip(), std::time::Instant::now()).err());
    let made = match limited {
        Some(wait) => {
            let (mut r, n) = text(StatusCode::TOO_MANY_REQUESTS, "too many requests\n");
            r.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(wait.as_secs().max(1)),
            );
            Made::Now(r, n)
        }
        None => respond(s, corte.as_deref(), &req),
    };
    match made {
        Made::Now(r, n) => Answer::Now(finish(s, corte.as_deref(), client, &req, r, n)),
        Made::Later(later) => {
            let s = Arc::clone(s);
            Answer::Later(Box::pin(async move {
                let (r, n) = later.await;
                finish(&s, corte.as_deref(), client, &req, r, n)
            }))
        }
    }
}

/// The headers every response carries, the metrics and the access log.
fn finish(
    s: &Shared,
    corte: Option<&Corte>,
    client: SocketAddr,
    req: &Request<Incoming>,
    mut response: Reply,
    bytes: usize,
) -> Reply {
    let h = response.headers_mut();
    // An old corte's file (`/historial/`) carries its own sequence already.
    if !h.contains_key(X_PREP_SEQUENCE) {
        let sequence = corte.map_or(NONE, |c| c.sequence_header().clone());
        h.insert(X_PREP_SEQUENCE, sequence);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    h.insert(header::CONTENT_SECURITY_POLICY, s.csp.clone());
    h.insert(header::REFERRER_POLICY, REFERRER);
    if s.hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    let status = response.status().as_u16();
    s.node.metrics().request(status);
    let sent = if req.method() == Method::HEAD {
        0
    } else {
        bytes
    };
    s.log.log(client.ip(), req, status, sent as u64);
    response
}

/// The response and the length of its body.
fn respond(s: &Arc<Shared>, corte: Option<&Corte>, req: &Request<Incoming>) -> Made {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let (mut r, n) = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Made::Now(r, n);
    }
    let raw = req.uri().path();
    match raw {
        "/healthz" => {
            return match corte {
                Some(c) => text(
                    StatusCode::OK,
                    &format!("ok: serving corte {}\n", c.sequence),
                ),
                None => text(StatusCode::SERVICE_UNAVAILABLE, "no corte accepted yet\n"),
            }
            .into();
        }
        "/metrics" => {
            let (mut r, n) = text(StatusCode::OK, &s.node.metrics().render());
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            return Made::Now(r, n);
        }
        _ => {}
    }
    let Some(corte) = corte else {
        return text(StatusCode::SERVICE_UNAVAILABLE, "no corte accepted yet\n").into();
    };
    // Most paths need no decoding and are looked up as they are.
    let decoded;
    let mut path: &str = raw.strip_prefix('/').unwrap_or(raw);
    if path.contains('%') {
        let Ok(d) = percent_encoding::percent_decode_str(path).decode_utf8() else {
            return text(StatusCode::BAD_REQUEST, "bad path\n").into();
        };
        decoded = d.into_owned();
        path = decoded.trim_start_matches('/');
    } else {
        path = path.trim_start_matches('/');
    }
    if let Some(rest) = path.strip_prefix(crate::http::audit::PREFIX) {
        return from_history(s, rest, corte.sequence, req);
    }
    serve_file(corte, path, req).into()
}

/// A file of the active corte, from memory.
fn serve_file(corte: &Corte, path: &str, req: &Request<Incoming>) -> (Reply, usize) {
    let mut path: &str = path;
    let indexed;
    if path.is_empty() || path.ends_with('/') {
        indexed = format!("{path}index.html");
        path = &indexed;
    }
    let Some(file) = corte.get(path) else {
        return text(StatusCode::NOT_FOUND, "not found\n");
    };
    let accept = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let (encoding, bytes, etag, head) =
        match crate::served::compress::choose(accept, &file.variants) {
            Some((encoding, v)) => (Some(encoding), &v.bytes, &v.etag, &v.head),
            None => (None, &file.bytes, &file.etag, &file.head),
        };
    let not_modified = etag_matches(req.headers(), etag);
    let body = if not_modified {
        Bytes::new()
    } else {
        bytes.clone()
    };
    let mut r = Response::new(Full::new(body));
    let h = r.headers_mut();
    h.reserve(12);
    h.insert(header::ETAG, head.etag.clone());
    h.insert(
        header::CACHE_CONTROL,
        if file.mutable { NO_CACHE } else { IMMUTABLE },
    );
    if file.variants.any() {
        h.insert(header::VARY, ACCEPT_ENCODING);
    }
    if not_modified {
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        return (r, 0);
    }
    if let Some(encoding) = encoding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    h.insert(header::CONTENT_LENGTH, head.length.clone());
    (r, bytes.len())
}

/// A file of an old corte ([`crate::http::audit`]): answered at once when no file needs reading
/// (`HEAD`, 304, the entry files, errors); otherwise read off the serving threads under one
/// of the history's permits, or 503 with `Retry-After` when none is free.
fn from_history(s: &Arc<Shared>, rest: &str, newest: u64, req: &Request<Incoming>) -> Made {
    use crate::http::audit::{Answer, Lookup};
    let head = req.method() == Method::HEAD;
    let lookup = s.audit.find(rest, newest);
    let needs_disk = match &lookup {
        Lookup::Unloaded(_) => true,
        Lookup::Found(_, Answer::Object { etag, .. }) => {
            !head && !etag_matches(req.headers(), etag)
        }
        Lookup::Found(..) => false,
    };
    if !needs_disk {
        let Lookup::Found(sequence, found) = lookup else {
            return history_reply(None, Answer::NotFound, req.headers()).into();
        };
        return history_reply(sequence, found, req.headers()).into();
    }
    let Some(permit) = s.audit.permit() else {
        let (mut r, n) = text(
            StatusCode::SERVICE_UNAVAILABLE,
            "the history is busy; try again shortly\n",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return Made::Now(r, n);
    };
    let (s, rest, headers) = (Arc::clone(s), rest.to_owned(), req.headers().clone());
    Made::Later(Box::pin(async move {
        let read = tokio::task::spawn_blocking(move || {
            let (sequence, found) = read_history(&s.audit, &rest, newest, head, &headers);
            history_reply(sequence, found, &headers)
        })
        .await;
        match read {
            Ok((mut r, n)) => {
                // The permit is held until the body is sent.
                if n > 0 {
                    r.extensions_mut()
                        .insert(crate::http::activity::Hold::new(permit));
                }
                (r, n)
            }
            Err(_) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the history could not be read\n",
            ),
        }
    }))
}

/// What an old corte holds at `rest`, reading what is needed (blocking): its file list when
/// not in memory, and for a `GET` (not answered 304) the object, checked.
fn read_history(
    audit: &crate::http::audit::Audit,
    rest: &str,
    newest: u64,
    head: bool,
    headers: &HeaderMap,
) -> (Option<u64>, crate::http::audit::Answer) {
    use crate::http::audit::{Answer, Lookup};
    let mut lookup = audit.find(rest, newest);
    if let Lookup::Unloaded(sequence) = lookup {
        audit.load(sequence);
        lookup = audit.find(rest, newest);
    }
    match lookup {
        Lookup::Found(
            sequence,
            Answer::Object {
                sha256,
                size,
                etag,
                content_type,
            },
        ) if !head && !etag_matches(headers, &etag) => {
            let found = match audit.read(&sha256, size) {
                Some(bytes) => Answer::File {
                    bytes,
                    etag,
                    content_type,
                },
                None => Answer::Damaged,
            };
            (sequence, found)
        }
        Lookup::Found(sequence, found) => (sequence, found),
        // Loaded and at once left out again: as if absent.
        Lookup::Unloaded(_) => (None, Answer::NotFound),
    }
}

/// The response for what an old corte holds, and the length of its body.
fn history_reply(
    sequence: Option<u64>,
    found: crate::http::audit::Answer,
    headers: &HeaderMap,
) -> (Reply, usize) {
    use crate::http::audit::Answer;
    let (mut r, n) = match found {
        Answer::File {
            bytes,
            etag,
            content_type,
        } => {
            let len = bytes.len();
            history_file(headers, &etag, content_type, len, bytes)
        }
        // `HEAD` (or 304): the manifest's size and hash, the body neither read nor sent.
        Answer::Object {
            size,
            etag,
            content_type,
            ..
        } => {
            let len = usize::try_from(size).unwrap_or(usize::MAX);
            let (r, _) = history_file(headers, &etag, content_type, len, Bytes::new());
            (r, 0)
        }
        Answer::NotFound => text(StatusCode::NOT_FOUND, "not found\n"),
        Answer::TooLarge => text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too large to serve from the history; verify the package instead\n",
        ),
        Answer::Damaged => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "this stored file does not match its corte's manifest\n",
        ),
    };
    if let Some(sequence) = sequence {
        r.headers_mut()
            .insert(X_PREP_SEQUENCE, HeaderValue::from(sequence));
    }
    (r, n)
}

/// An old corte's file of `len` bytes (`body` is empty for `HEAD`), or 304.
fn history_file(
    headers: &HeaderMap,
    etag: &str,
    content_type: &'static str,
    len: usize,
    body: Bytes,
) -> (Reply, usize) {
    let not_modified = etag_matches(headers, etag);
    let mut r = Response::new(Full::new(if not_modified { Bytes::new() } else { body }));
    let h = r.headers_mut();
    h.insert(
        header::ETAG,
        HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\"")),
    );
    h.insert(header::CACHE_CONTROL, IMMUTABLE);
    if not_modified {
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        (r, 0)
    } else {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        (r, len)
    }
}

/// Whether `If-None-Match` names this ETag (or `*`); weak comparison, as RFC 9110 says.
fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// A short plain-text response, never cached, and its length.
fn text(status: StatusCode, body: &str) -> (Reply, usize) {
    let mut r = Response::new(Full::new(Bytes::copy_from_slice(body.as_bytes())));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    (r, body.len())
}
