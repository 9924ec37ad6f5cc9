//! [`AppState`]: what every handler shares — the store, the tokens, the limits, the clock.

use crate::Tokens;
use prep_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Most submissions the writer commits in one transaction.
pub const MAX_BATCH: usize = 256;

/// The sizes and times the server bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest JSON body of one submission, in bytes.
    pub submission_bytes: usize,
    /// Largest CSV body of a bulk load, in bytes.
    pub bulk_bytes: usize,
    /// How long a request may take before it is answered 408 (a submission whose answer
    /// was lost this way may be sent again: it is idempotent).
    pub request_timeout: Duration,
    /// How long a bulk load may take (waiting for another one to finish included).
    pub bulk_timeout: Duration,
    /// Whether every request is logged on standard error.
    pub access_log: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            submission_bytes: 64 << 10,
            bulk_bytes: 64 << 20,
            request_timeout: Duration::from_secs(30),
            bulk_timeout: Duration::from_secs(600),
            access_log: false,
        }
    }
}

/// The server's clock: milliseconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    })
}

/// What every handler shares. Cloning is cheap (reference counts).
#[derive(Clone)]
pub struct AppState {
    /// The acta store (its writes are serialised by the store itself).
    pub store: Arc<Store>,
    /// The capture centres' token hashes.
    pub tokens: Arc<Tokens>,
    /// Size and time limits.
    pub limits: Limits,
    /// The time stamped on each event at receipt.
    pub clock: Clock,
    /// The thread that records submissions (group commit).
    pub writer: crate::Writer,
    /// One bulk load at a time: its body (up to [`Limits::bulk_bytes`]) and its rows are
    /// in memory only while it holds this.
    pub bulk_slot: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// A state with the default limits and the system clock; starts the writer thread.
    pub fn new(store: Arc<Store>, tokens: Tokens) -> std::io::Result<AppState> {
        Ok(AppState {
            writer: crate::Writer::start(Arc::clone(&store), MAX_BATCH)?,
            store,
            tokens: Arc::new(tokens),
            limits: Limits::default(),
            clock: system_clock(),
            bulk_slot: Arc::new(tokio::sync::Semaphore::new(1)),
        })
    }

    /// Runs a blocking store call on tokio's blocking pool (SQLite calls block and fsync).
    pub async fn with_store<T, F>(&self, f: F) -> Result<T, crate::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, crate::ApiError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(crate::ApiError::internal)?
    }
}
