//! The origin's HTTP server (axum): the [`crate::layout`] paths over an election directory, and
//! a watcher that notices a new corte (the `origin` link switched) and tells every `events`
//! subscriber at once.

use crate::deltas::{DeltaCache, Part};
use crate::index::{ObjectIndex, OriginDir};
use crate::layout::{CORTE_FILES, EVENTS_PATH, LATEST_PATH, Latest, is_sha256};
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashSet;
use std::convert::Infallible;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

/// Event-stream subscribers served at once; more get 503 (pull nodes then poll).
pub const MAX_SUBSCRIBERS: usize = 4096;
/// Cache policy of everything named by its content or its sequence.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The origin: the election directory, the index of its files, and the newest corte.
pub struct Origin {
    dir: OriginDir,
    index: RwLock<ObjectIndex>,
    latest: watch::Sender<Option<u64>>,
    subscribers: Arc<Semaphore>,
    /// The newest corte's listed paths: what the institute's own site serves.
    site: RwLock<Option<(u64, Arc<HashSet<String>>)>>,
    /// Patches made for nodes one or more cortes behind.
    deltas: DeltaCache,
}

impl Origin {
    /// Opens the election directory `root` and indexes every corte up to the current one.
    pub fn open(root: &Path) -> anyhow::Result<Origin> {
        let origin = Origin {
            dir: OriginDir::new(root),
            index: RwLock::new(ObjectIndex::default()),
            latest: watch::Sender::new(None),
            subscribers: Arc::new(Semaphore::new(MAX_SUBSCRIBERS)),
            site: RwLock::new(None),
            deltas: DeltaCache::default(),
        };
        origin.refresh()?;
        Ok(origin)
    }

    /// Looks at the `origin` link; when it names a newer corte, indexes every corte up to it
    /// and announces it. Returns the newest corte served.
    pub fn refresh(&self) -> anyhow::Result<Option<u64>> {
        let Some(current) = self.dir.current()? else {
            return Ok(self.latest());
        };
        if self.latest().is_some_and(|l| l >= current) {
            return Ok(self.latest());
        }
        let pending: Vec<u64> = self
            .dir
            .sequences()?
            .into_iter()
            .filter(|&s| s <= current)
            .collect();
        let mut current_paths = None;
        {
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            for s in pending {
                let paths = index.add_corte(&self.dir, s)?;
                if s == current {
                    current_paths = paths;
                }
            }
        }
        // The current corte's paths come from indexing it. It is indexed here for the first
        // time (a corte is indexed only once the link names it or a newer one); should it not
        // be, its manifest is read again.
        let current_paths = match current_paths {
            Some(p) => p,
            None => self
                .dir
                .manifest(current)?
                .files
                .into_iter()
                .map(|f| f.path)
                .collect(),
        };
        let listed: HashSet<String> = current_paths
            .into_iter()
            .chain(CORTE_FILES.iter().map(|f| (*f).to_owned()))
            .collect();
        *self.site.write().unwrap_or_else(|e| e.into_inner()) = Some((current, Arc::new(listed)));
        self.latest.send_replace(Some(current));
        Ok(Some(current))
    }

    /// The newest corte served, if any.
    pub fn latest(&self) -> Option<u64> {
        *self.latest.borrow()
    }

    /// Distinct files indexed.
    pub fn objects(&self) -> usize {
        self.index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .objects()
    }

    fn serves_corte(&self, sequence: u64) -> bool {
        self.latest().is_some_and(|l| sequence <= l)
            && self
                .index
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .has_corte(sequence)
    }
}

/// The router: `latest.json`, `cortes/{n}/{file}`, `objects/{sha256}`, `events`, `healthz`;
/// every other path is the institute's own site: the newest corte's files (`/` is its
/// `index.html`).
pub fn router(origin: Arc<Origin>) -> Router {
    Router::new()
        .route(&format!("/{LATEST_PATH}"), get(latest))
        .route("/cortes/{sequence}/{*file}", get(corte_file))
        .route("/objects/{sha256}", get(object))
        .route("/deltas/{sequence}/from/{base}/{part}", get(delta))
        .route(&format!("/{EVENTS_PATH}"), get(events))
        .route("/delegation/{file}", get(delegation))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/", get(site_index))
        .fallback(get(site_file))
        .with_state(origin)
}

/// Serves until `shutdown` resolves, looking for a new corte every `poll`.
pub async fn serve(
    origin: Arc<Origin>,
    listener: tokio::net::TcpListener,
    poll: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let watcher = Arc::clone(&origin);
    let watch_task = tokio::spawn(async move {
        let mut last_error = None;
        loop {
            tokio::time::sleep(poll).await;
            let o = Arc::clone(&watcher);
            let result = tokio::task::spawn_blocking(move || o.refresh()).await;
            let error = match result {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => Some(format!("{e:#}")),
                Err(e) => Some(e.to_string()),
            };
            // A fault that persists is reported once.
            if error.is_some() && error != last_error {
                log::warn!("{}", error.as_deref().unwrap_or_default());
            }
            last_error = error;
        }
    });
    let app = router(origin);
    let result = tokio::select! {
        r = axum::serve(listener, app) => r.map_err(anyhow::Error::from),
        () = shutdown => Ok(()),
    };
    watch_task.abort();
    result
}

async fn latest(State(origin): State<Arc<Origin>>) -> Response {
    match origin.latest() {
        None => not_found("no corte has been published yet"),
        Some(sequence) => {
            let body = serde_json::to_vec(&Latest { sequence })
                .expect("a struct of one integer always serializes");
            let mut r = (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                body,
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&sequence.to_string()) {
                r.headers_mut().insert("x-prep-sequence", v);
            }
            r
        }
    }
}

/// The key delegation in force: `keys.json` or its signature from `DIR/delegation/`, nothing
/// else; 404 when the institute has none.
async fn delegation(
    State(origin): State<Arc<Origin>>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    if ![
        prep_package::DELEGATION_PATH,
        prep_package::DELEGATION_SIGNATURE_PATH,
    ]
    .contains(&file.as_str())
    {
        return not_found("the delegation is keys.json and keys.json.minisig");
    }
    let path = origin.dir.delegation_dir().join(&file);
    match tokio::task::spawn_blocking(move || std::fs::read(path)).await {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, content_type(&file)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            not_found("no key delegation is published")
        }
        Ok(Err(e)) => server_error(&anyhow::Error::from(e)),
        Err(e) => server_error(&anyhow::anyhow!("{e}")),
    }
}

/// A sequence in a path: digits only.
fn sequence_of(text: &str) -> Option<u64> {
    text.parse::<u64>()
        .ok()
        .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
}

/// `deltas/<N>/from/<M>/{manifest,files}`: corte N as patches against corte M
/// ([`crate::deltas`]).
async fn delta(
    State(origin): State<Arc<Origin>>,
    UrlPath((sequence, base, part)): UrlPath<(String, String, String)>,
) -> Response {
    let (Some(sequence), Some(base), Some(part)) = (
        sequence_of(&sequence),
        sequence_of(&base),
        Part::parse(&part),
    ) else {
        return not_found("a delta is deltas/<N>/from/<M>/manifest or .../files, M < N");
    };
    if base >= sequence || !origin.serves_corte(sequence) || !origin.serves_corte(base) {
        return not_found("no such pair of cortes");
    }
    match origin.deltas.get(&origin.dir, sequence, base, part).await {
        Ok(bytes) => immutable("application/zstd", bytes),
        Err(e) => server_error(&e),
    }
}

async fn corte_file(
    State(origin): State<Arc<Origin>>,
    UrlPath((sequence, file)): UrlPath<(String, String)>,
) -> Response {
    let Some(sequence) = sequence_of(&sequence) else {
        return not_found("a corte is named by its sequence number");
    };
    let Some(file) = CORTE_FILES.iter().find(|f| **f == file) else {
        return not_found(
            "a corte serves manifest.json, manifest.json.minisig and json/main.json; files are under objects/<sha256>",
        );
    };
    if !origin.serves_corte(sequence) {
        return not_found("no such corte");
    }
    let read_origin = Arc::clone(&origin);
    match tokio::task::spawn_blocking(move || read_origin.dir.read_corte_file(sequence, file)).await
    {
        Ok(Ok(bytes)) => immutable(content_type(file), bytes),
        Ok(Err(e)) => server_error(&e),
        Err(e) => server_error(&anyhow::anyhow!("{e}")),
    }
}

async fn object(State(origin): State<Arc<Origin>>, UrlPath(sha256): UrlPath<String>) -> Response {
    if !is_sha256(&sha256) {
        return not_found("an object is named by its SHA-256: 64 lowercase hex digits");
    }
    let located = origin
        .index
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .locate(&origin.dir, &sha256);
    let Some((path, size)) = located else {
        return not_found("no corte lists a file with this SHA-256");
    };
    let read = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let bytes = std::fs::read(&path)?;
        anyhow::ensure!(
            bytes.len() as u64 == size,
            "{} has {} bytes, its manifest says {size}",
            path.display(),
            bytes.len()
        );
        Ok(bytes)
    })
    .await;
    match read {
        Ok(Ok(bytes)) => {
            let mut r = immutable("application/octet-stream", bytes);
            if let Ok(v) = HeaderValue::from_str(&format!("\"{sha256}\"")) {
                r.headers_mut().insert(header::ETAG, v);
            }
            r
        }
        Ok(Err(e)) => server_error(&e),
        Err(e) => server_error(&anyhow::anyhow!("{e}")),
    }
}

/// `corte` events, `{"sequence": N}`: the newest corte when a subscriber connects, then each
/// new one; a comment every 15 s keeps proxies from closing the stream.
async fn events(State(origin): State<Arc<Origin>>) -> Response {
    let Ok(permit) = Arc::clone(&origin.subscribers).try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many event subscribers; poll latest.json\n",
        )
            .into_response();
    };
    let receiver = origin.latest.subscribe();
    let stream = futures::stream::unfold(
        (receiver, permit, true),
        |(mut receiver, permit, mut first)| async move {
            loop {
                if !first {
                    receiver.changed().await.ok()?;
                }
                first = false;
                let current = *receiver.borrow_and_update();
                if let Some(sequence) = current {
                    let data = serde_json::to_string(&Latest { sequence })
                        .expect("a struct of one integer always serializes");
                    let event = Event::default().event("corte").data(data);
                    return Some((Ok::<_, Infallible>(event), (receiver, permit, false)));
                }
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn site_index(state: State<Arc<Origin>>) -> Response {
    serve_site(state, "index.html".to_owned()).await
}

async fn site_file(state: State<Arc<Origin>>, uri: axum::http::Uri) -> Response {
    let path = uri.path().trim_start_matches('/').to_owned();
    serve_site(state, path).await
}

/// A file of the newest corte, when its manifest lists it (or it is the manifest, its
/// signature or the pointer): never a path outside the corte.
async fn serve_site(State(origin): State<Arc<Origin>>, path: String) -> Response {
    let site = origin
        .site
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let Some((sequence, listed)) = site else {
        return not_found("no corte has been published yet");
    };
    if !listed.contains(&path) {
        return not_found("not a file of the current corte");
    }
    let file = origin.dir.corte_dir(sequence).join(&path);
    match tokio::task::spawn_blocking(move || std::fs::read(file)).await {
        Ok(Ok(bytes)) => {
            let mutable = path == prep_package::POINTER_PATH
                || path.ends_with(".html")
                || path.starts_with(prep_package::MANIFEST_PATH);
            let cache = if mutable { "no-cache" } else { IMMUTABLE };
            (
                [
                    (header::CONTENT_TYPE, site_type(&path)),
                    (header::CACHE_CONTROL, cache),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(Err(e)) => server_error(&anyhow::Error::from(e)),
        Err(e) => server_error(&anyhow::anyhow!("{e}")),
    }
}

/// The content type of a site file, by its extension.
fn site_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("zip") => "application/zip",
        Some("csv" | "txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn content_type(file: &str) -> &'static str {
    if file.ends_with(".json") {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    }
}

fn immutable(content_type: &'static str, bytes: impl Into<axum::body::Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, IMMUTABLE),
        ],
        bytes.into(),
    )
        .into_response()
}

fn not_found(why: &'static str) -> Response {
    (StatusCode::NOT_FOUND, format!("{why}\n")).into_response()
}

fn server_error(e: &anyhow::Error) -> Response {
    log::warn!("{e:#}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "the origin could not read this file; see its log\n",
    )
        .into_response()
}
