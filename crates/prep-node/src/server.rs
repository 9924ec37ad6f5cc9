//! The built-in HTTP server (on hyper and tokio): serves the active corte from memory.
//!
//! Every response carries `X-Prep-Sequence` (the corte it was served from, `none` before the
//! first), `X-Content-Type-Options: nosniff`, the configured `Content-Security-Policy` and a
//! `Referrer-Policy`. Files carry a strong ETag (their SHA-256) and answer `If-None-Match`
//! with 304; the pointer, the manifest, its signature and HTML pages are `no-cache`, the
//! content-named data `public, max-age=31536000, immutable`. `/healthz` and `/metrics` are
//! the node's own. Each request is one line of the access log (combined format). Compressible
//! files are sent precompressed by `Accept-Encoding` ([`crate::compress`]); a client over its
//! rate gets 429 with `Retry-After` ([`crate::rate_limit`]); under TLS every response carries
//! HSTS. Connections, TLS and timeouts are [`crate::listener`]'s.

use crate::access_log::AccessLog;
use crate::corte::Corte;
use crate::node::Node;
use crate::rate_limit::RateLimiter;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use hyper::{Request, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// A response: its body is in memory, whole.
type Reply = Response<Full<Bytes>>;

/// What every request handler shares.
struct Shared {
    node: Arc<Node>,
    audit: crate::audit::Audit,
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
/// knowledge) otherwise; with the configured timeouts and limits (see [`crate::listener`]).
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
        crate::access_log::system_clock(),
    )?;
    let tls = match config.server.tls() {
        Some((certificate, key)) => Some(crate::listener::tls_acceptor(certificate, key)?),
        None => None,
    };
    let limiter =
        RateLimiter::new(config.server.rate_per_second, config.server.rate_burst).map(Arc::new);
    let shared = Arc::new(Shared {
        audit: crate::audit::Audit::new(node.store().clone()),
        node,
        csp,
        log: Arc::clone(&log),
        limiter,
        hsts: tls.is_some(),
    });
    let served = crate::listener::accept_loop(
        listener,
        move |client, req| handle(&shared, client, &req),
        &config.server,
        tls,
        shutdown,
    )
    .await;
    log.flush();
    served
}

fn handle(s: &Shared, client: SocketAddr, req: &Request<Incoming>) -> Reply {
    // The corte is taken once: the whole response comes from it.
    let corte = s.node.current();
    let limited = s
        .limiter
        .as_ref()
        .and_then(|l| l.check(client.ip(), std::time::Instant::now()).err());
    let (mut response, bytes) = match limited {
        Some(wait) => {
            let (mut r, n) = text(StatusCode::TOO_MANY_REQUESTS, "too many requests\n");
            r.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(wait.as_secs().max(1)),
            );
            (r, n)
        }
        None => respond(s, corte.as_deref(), req),
    };
    let h = response.headers_mut();
    // An old corte's file (`/historial/`) carries its own sequence already.
    if !h.contains_key(X_PREP_SEQUENCE) {
        let sequence = corte.as_ref().map_or(NONE, |c| c.sequence_header().clone());
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
fn respond(s: &Shared, corte: Option<&Corte>, req: &Request<Incoming>) -> (Reply, usize) {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let (mut r, n) = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return (r, n);
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
            };
        }
        "/metrics" => {
            let (mut r, n) = text(StatusCode::OK, &s.node.metrics().render());
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            return (r, n);
        }
        _ => {}
    }
    let Some(corte) = corte else {
        return text(StatusCode::SERVICE_UNAVAILABLE, "no corte accepted yet\n");
    };
    // Most paths need no decoding and are looked up as they are.
    let decoded;
    let mut path: &str = raw.strip_prefix('/').unwrap_or(raw);
    if path.contains('%') {
        let Ok(d) = percent_encoding::percent_decode_str(path).decode_utf8() else {
            return text(StatusCode::BAD_REQUEST, "bad path\n");
        };
        decoded = d.into_owned();
        path = decoded.trim_start_matches('/');
    } else {
        path = path.trim_start_matches('/');
    }
    if let Some(rest) = path.strip_prefix(crate::audit::PREFIX) {
        return from_history(s, rest, req);
    }
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
    let (encoding, bytes, etag, head) = match crate::compress::choose(accept, &file.variants) {
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

/// A file of an old corte, read from the store ([`crate::audit`]).
fn from_history(s: &Shared, rest: &str, req: &Request<Incoming>) -> (Reply, usize) {
    use crate::audit::Found;
    let (sequence, found) = s.audit.find(rest);
    let (mut r, n) = match found {
        Found::File {
            bytes,
            etag,
            content_type,
        } => {
            let not_modified = etag_matches(req.headers(), &etag);
            let len = bytes.len();
            let mut r = Response::new(Full::new(if not_modified { Bytes::new() } else { bytes }));
            let h = r.headers_mut();
            h.insert(
                header::ETAG,
                HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
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
        Found::NotFound => text(StatusCode::NOT_FOUND, "not found\n"),
        Found::TooLarge => text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too large to serve from the history; verify the package instead\n",
        ),
        Found::Damaged => text(
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
