//! The built-in HTTP server (axum on hyper and tokio): serves the active corte from memory.
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
use crate::node::Node;
use crate::rate_limit::RateLimiter;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;

/// What every request handler shares.
#[derive(Clone)]
struct Shared {
    node: Arc<Node>,
    csp: HeaderValue,
    log: Arc<AccessLog>,
    limiter: Option<Arc<RateLimiter>>,
    hsts: bool,
}

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
    let log = Arc::new(AccessLog::open(
        &config.access_log,
        config.access_log_max_bytes,
        config.access_log_keep,
    )?);
    let tls = match config.server.tls() {
        Some((certificate, key)) => Some(crate::listener::tls_acceptor(certificate, key)?),
        None => None,
    };
    let limiter =
        RateLimiter::new(config.server.rate_per_second, config.server.rate_burst).map(Arc::new);
    let shared = Shared {
        node,
        csp,
        log,
        limiter,
        hsts: tls.is_some(),
    };
    let app = axum::Router::new().fallback(handle).with_state(shared);
    crate::listener::accept_loop(listener, app, &config.server, tls, shutdown).await
}

async fn handle(
    State(s): State<Shared>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    // The corte is taken once: the whole response comes from it.
    let corte = s.node.current();
    let limited = s
        .limiter
        .as_ref()
        .and_then(|l| l.check(client.ip(), std::time::Instant::now()).err());
    let mut response = match limited {
        Some(wait) => {
            let mut r = text(StatusCode::TOO_MANY_REQUESTS, "too many requests\n");
            r.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(wait.as_secs().max(1)),
            );
            r
        }
        None => respond(&s, corte.as_deref(), &req),
    };
    let h = response.headers_mut();
    let sequence = corte.as_ref().map_or_else(
        || HeaderValue::from_static("none"),
        |c| HeaderValue::from(c.sequence),
    );
    h.insert("x-prep-sequence", sequence);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CONTENT_SECURITY_POLICY, s.csp.clone());
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if s.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let status = response.status().as_u16();
    s.node.metrics().request(status);
    let bytes = if req.method() == Method::HEAD {
        0
    } else {
        response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0)
    };
    s.log.log(client.ip(), &req, status, bytes);
    response
}

fn respond(s: &Shared, corte: Option<&crate::corte::Corte>, req: &Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
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
            let mut r = text(StatusCode::OK, &s.node.metrics().render());
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            return r;
        }
        _ => {}
    }
    let Some(corte) = corte else {
        return text(StatusCode::SERVICE_UNAVAILABLE, "no corte accepted yet\n");
    };
    let Ok(decoded) = percent_encoding::percent_decode_str(raw).decode_utf8() else {
        return text(StatusCode::BAD_REQUEST, "bad path\n");
    };
    let mut path = decoded.trim_start_matches('/').to_owned();
    if path.is_empty() || path.ends_with('/') {
        path.push_str("index.html");
    }
    let Some(file) = corte.get(&path) else {
        return text(StatusCode::NOT_FOUND, "not found\n");
    };
    let cache = if file.mutable {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    let accept = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let (encoding, bytes, etag) = match crate::compress::choose(accept, &file.variants) {
        Some((encoding, v)) => (Some(encoding), &v.bytes, &v.etag),
        None => (None, &file.bytes, &file.etag),
    };
    let mut builder = Response::builder()
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, cache);
    if file.variants.any() {
        builder = builder.header(header::VARY, "Accept-Encoding");
    }
    if etag_matches(req.headers(), etag) {
        builder = builder.status(StatusCode::NOT_MODIFIED);
        return builder.body(Body::empty()).unwrap_or_default();
    }
    if let Some(encoding) = encoding {
        builder = builder.header(header::CONTENT_ENCODING, encoding);
    }
    builder
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, file.content_type)
        .header(header::CONTENT_LENGTH, bytes.len())
        .body(Body::from(bytes.clone()))
        .unwrap_or_default()
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

fn text(status: StatusCode, body: &str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body.to_owned()))
        .unwrap_or_default()
}
