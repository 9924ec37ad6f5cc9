//! The access log: one line per request, `log::info!` (the `prep` binary prints it on standard
//! error as `prep ingest: …`) — method, path, status and milliseconds. Headers (and so tokens) and bodies are never logged.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// Longest path logged (a longer one is cut, so a client cannot flood the log).
const MAX_LOGGED_PATH: usize = 200;

/// Logs the request once it is answered.
pub async fn log(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let mut path = request.uri().path().to_owned();
    if path.len() > MAX_LOGGED_PATH {
        let mut cut = MAX_LOGGED_PATH;
        while !path.is_char_boundary(cut) {
            cut -= 1;
        }
        path.truncate(cut);
        path.push('…');
    }
    let started = Instant::now();
    let response = next.run(request).await;
    log::info!(
        "{method} {path} {} {} ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}
