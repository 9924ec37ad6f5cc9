//! Old cortes served read-only for audit: `GET /historial/<sequence>/<path>` answers with that
//! accepted corte's file, with `X-Prep-Sequence: <sequence>`, a strong ETag and immutable
//! caching. Only paths the corte's signed manifest lists (and its manifest, signature and
//! `json/main.json`) exist: nothing else can be named, so no path leaves the history. Files
//! larger than [`MAX_AUDIT_FILE_BYTES`] are refused.
//!
//! What a request costs is bounded, so that no flood of history requests slows the live
//! corte:
//!
//! - A corte's file list (its parsed manifest) is kept for the last [`INDEXES_KEPT`] cortes
//!   asked for; loading one reads a record from disk, which is done off the serving threads
//!   ([`Audit::load`]).
//! - `HEAD`, and a `GET` answered 304, are answered from the manifest entry and the store's
//!   index alone: the stored object's size must be the manifest's, its body is neither read
//!   nor hashed. An object already found damaged in this process is a 500 for them too.
//! - A `GET` reads the object and checks it against the manifest's SHA-256 before a byte of
//!   it is sent ([`Audit::read`], off the serving threads): a damaged object is never sent.
//! - Reads (and loads) take one of [`PERMITS`] permits ([`Audit::permit`]), held until the
//!   response's body is sent; a request that finds none is answered 503 with `Retry-After`
//!   at once, never queued. The live corte's requests take no permit.

use crate::served::corte::content_type;
use crate::store::Store;
use bytes::Bytes;
use prep_corte::{MANIFEST_PATH, POINTER_PATH};
use prep_package::{Manifest, sha256_hex};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The path prefix of the audit history.
pub const PREFIX: &str = "historial/";
/// The largest stored file served from the history (a `GET` reads it whole).
pub const MAX_AUDIT_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// How many cortes' file lists are kept in memory at once (the least recently asked for goes).
pub const INDEXES_KEPT: usize = 8;
/// How many history reads (object reads and file-list loads) run at once, each until its
/// response is sent.
pub const PERMITS: usize = 2;
/// How many absent sequences are remembered (beyond, the list starts over).
const MISSING_KEPT: usize = 4096;
/// How many damaged objects are remembered (beyond, the list starts over).
const DAMAGED_KEPT: usize = 1024;

/// What a request under [`PREFIX`] gets.
#[derive(Debug)]
pub enum Answer {
    /// The file's bytes, its quoted ETag and its `Content-Type`.
    File {
        /// The bytes, checked against the manifest's SHA-256.
        bytes: Bytes,
        /// `"<sha256>"`.
        etag: String,
        /// By the path's extension.
        content_type: &'static str,
    },
    /// A stored object of the manifest's size, not read yet: enough for `HEAD` and 304; a
    /// `GET` reads it with [`Audit::read`].
    Object {
        /// The manifest's SHA-256 of the file (the object's name in the store).
        sha256: String,
        /// The manifest's size, which is the stored object's.
        size: u64,
        /// `"<sha256>"`.
        etag: String,
        /// By the path's extension.
        content_type: &'static str,
    },
    /// No such corte, or no such file in it.
    NotFound,
    /// Listed, but larger than [`MAX_AUDIT_FILE_BYTES`].
    TooLarge,
    /// The stored object does not match the manifest (a damaged disk): never served.
    Damaged,
}

/// What [`Audit::find`] says without touching the disk.
#[derive(Debug)]
pub enum Lookup {
    /// The corte's sequence (when the path names one) and what it holds there.
    Found(Option<u64>, Answer),
    /// Corte `sequence`'s file list is not in memory: [`Audit::load`] it, then look again.
    Unloaded(u64),
}

/// One corte's paths: listed files by SHA-256 and size, and its entry files' bytes.
struct Index {
    files: HashMap<String, (String, u64)>,
    entry: HashMap<&'static str, Bytes>,
}

/// The history as served: the store, a few cortes' file lists, the objects found damaged
/// and the read permits.
pub struct Audit {
    store: Store,
    /// Most recently asked for last.
    indexes: Mutex<Vec<(u64, Arc<Index>)>>,
    /// Sequences whose record could not be read or parsed (not accepted, or damaged).
    missing: Mutex<HashSet<u64>>,
    damaged: Mutex<HashSet<String>>,
    permits: Arc<Semaphore>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Audit {
    /// Serves `store`'s history.
    pub fn new(store: Store) -> Audit {
        Audit {
            store,
            indexes: Mutex::new(Vec::new()),
            missing: Mutex::new(HashSet::new()),
            damaged: Mutex::new(HashSet::new()),
            permits: Arc::new(Semaphore::new(PERMITS)),
        }
    }

    /// One of the [`PERMITS`] read permits, when one is free (never waits).
    pub fn permit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.permits).try_acquire_owned().ok()
    }

    fn cached(&self, sequence: u64) -> Option<Arc<Index>> {
        let mut kept = lock(&self.indexes);
        let at = kept.iter().position(|(s, _)| *s == sequence)?;
        let hit = kept.remove(at);
        let index = Arc::clone(&hit.1);
        kept.push(hit);
        Some(index)
    }

    /// Reads corte `sequence`'s record and keeps its file list (blocking: call it off the
    /// serving threads). A sequence without a readable record is remembered as absent.
    pub fn load(&self, sequence: u64) {
        let read = self.store.read_record(sequence).ok().and_then(|record| {
            let manifest = Manifest::from_bytes(record.manifest.as_bytes()).ok()?;
            Some((record, manifest))
        });
        let Some((record, manifest)) = read else {
            let mut missing = lock(&self.missing);
            if missing.len() >= MISSING_KEPT {
                missing.clear();
            }
            missing.insert(sequence);
            return;
        };
        let files = manifest
            .files
            .into_iter()
            .map(|f| (f.path, (f.sha256, f.size)))
            .collect();
        let entry = HashMap::from([
            (MANIFEST_PATH, Bytes::from(record.manifest.into_bytes())),
            (
                prep_inbox::SIGNATURE_PATH,
                Bytes::from(record.minisig.into_bytes()),
            ),
            (POINTER_PATH, Bytes::from(record.pointer.into_bytes())),
        ]);
        let index = Arc::new(Index { files, entry });
        let mut kept = lock(&self.indexes);
        kept.retain(|(s, _)| *s != sequence);
        if kept.len() >= INDEXES_KEPT {
            kept.remove(0);
        }
        kept.push((sequence, index));
    }

    /// `rest` is what follows [`PREFIX`] in the decoded request path: `<sequence>/<path>`
    /// (`<sequence>/` alone is its `index.html`); `newest` is the active corte's sequence.
    /// Answers from memory and the store's index only: never reads a file.
    pub fn find(&self, rest: &str, newest: u64) -> Lookup {
        let (digits, path) = rest.split_once('/').unwrap_or((rest, ""));
        let sequence = match digits.parse::<u64>() {
            // Canonical numbers only: `/historial/01/` is not corte 1.
            Ok(s) if s.to_string() == digits => s,
            _ => return Lookup::Found(None, Answer::NotFound),
        };
        let Some(index) = self.cached(sequence) else {
            // Past the newest corte, or found absent before (sequences only grow: one absent
            // below the newest never comes): nothing to read.
            if sequence > newest || lock(&self.missing).contains(&sequence) {
                return Lookup::Found(None, Answer::NotFound);
            }
            return Lookup::Unloaded(sequence);
        };
        let path = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_owned()
        };
        let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
        let content_type = content_type(ext);
        if let Some(bytes) = index.entry.get(path.as_str()) {
            let etag = format!("\"{}\"", sha256_hex(bytes));
            let found = Answer::File {
                bytes: bytes.clone(),
                etag,
                content_type,
            };
            return Lookup::Found(Some(sequence), found);
        }
        let Some((sha, size)) = index.files.get(&path) else {
            return Lookup::Found(Some(sequence), Answer::NotFound);
        };
        if *size > MAX_AUDIT_FILE_BYTES {
            return Lookup::Found(Some(sequence), Answer::TooLarge);
        }
        // An object missing, of another size or already found damaged is damaged.
        let found = if self.store.object_size(sha) == Some(*size) && !self.is_damaged(sha) {
            Answer::Object {
                sha256: sha.clone(),
                size: *size,
                etag: format!("\"{sha}\""),
                content_type,
            }
        } else {
            Answer::Damaged
        };
        Lookup::Found(Some(sequence), found)
    }

    fn is_damaged(&self, sha256: &str) -> bool {
        lock(&self.damaged).contains(sha256)
    }

    /// The stored object `sha256` of `size` bytes, read whole and checked against both
    /// (blocking: call it off the serving threads); `None` when it is missing or damaged,
    /// which is remembered.
    pub fn read(&self, sha256: &str, size: u64) -> Option<Bytes> {
        match self.store.read_object(sha256) {
            Ok(bytes) if bytes.len() as u64 == size && sha256_hex(&bytes) == sha256 => {
                Some(Bytes::from(bytes))
            }
            _ => {
                let mut damaged = lock(&self.damaged);
                if damaged.len() >= DAMAGED_KEPT {
                    damaged.clear();
                }
                damaged.insert(sha256.to_owned());
                None
            }
        }
    }
}
