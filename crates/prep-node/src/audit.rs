//! Old cortes served read-only for audit: `GET /historial/<sequence>/<path>` answers with that
//! accepted corte's file, read from the object store at each request (never kept in memory),
//! checked against its SHA-256 before it is sent, with `X-Prep-Sequence: <sequence>`, a
//! strong ETag and immutable caching. Only paths the corte's signed manifest lists (and its
//! manifest, signature and `json/main.json`) exist: nothing else can be named, so no path
//! leaves the history. Files larger than [`MAX_AUDIT_FILE_BYTES`] are refused.

use crate::corte::content_type;
use crate::store::Store;
use bytes::Bytes;
use prep_corte::{MANIFEST_PATH, POINTER_PATH};
use prep_package::{Manifest, sha256_hex};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The path prefix of the audit history.
pub const PREFIX: &str = "historial/";
/// The largest stored file served from the history (it is read whole for each request).
pub const MAX_AUDIT_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// How many cortes' file lists are kept in memory at once.
const INDEXES_KEPT: usize = 8;

/// What a request under [`PREFIX`] gets.
#[derive(Debug)]
pub enum Found {
    /// The file's bytes, its quoted ETag and its `Content-Type`.
    File {
        /// The bytes, checked against the manifest's SHA-256.
        bytes: Bytes,
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

/// One corte's paths: listed files by SHA-256 and size, and its entry files' bytes.
struct Index {
    files: HashMap<String, (String, u64)>,
    entry: HashMap<&'static str, Bytes>,
}

/// The history as served: the store and a few cortes' file lists.
pub struct Audit {
    store: Store,
    indexes: Mutex<Vec<(u64, Arc<Index>)>>,
}

impl Audit {
    /// Serves `store`'s history.
    pub fn new(store: Store) -> Audit {
        Audit {
            store,
            indexes: Mutex::new(Vec::new()),
        }
    }

    fn index(&self, sequence: u64) -> Option<Arc<Index>> {
        let mut kept = match self.indexes.lock() {
            Ok(k) => k,
            Err(p) => p.into_inner(),
        };
        if let Some((_, i)) = kept.iter().find(|(s, _)| *s == sequence) {
            return Some(Arc::clone(i));
        }
        let record = self.store.read_record(sequence).ok()?;
        let manifest = Manifest::from_bytes(record.manifest.as_bytes()).ok()?;
        let files = manifest
            .files
            .into_iter()
            .map(|f| (f.path, (f.sha256, f.size)))
            .collect();
        let entry = HashMap::from([
            (MANIFEST_PATH, Bytes::from(record.manifest.into_bytes())),
            (
                crate::SIGNATURE_PATH,
                Bytes::from(record.minisig.into_bytes()),
            ),
            (POINTER_PATH, Bytes::from(record.pointer.into_bytes())),
        ]);
        let index = Arc::new(Index { files, entry });
        if kept.len() >= INDEXES_KEPT {
            kept.remove(0);
        }
        kept.push((sequence, Arc::clone(&index)));
        Some(index)
    }

    /// `rest` is what follows [`PREFIX`] in the decoded request path: `<sequence>/<path>`
    /// (`<sequence>/` alone is its `index.html`). Returns the corte's sequence (when the
    /// path names one) and what it holds there.
    pub fn find(&self, rest: &str) -> (Option<u64>, Found) {
        let (digits, path) = rest.split_once('/').unwrap_or((rest, ""));
        let sequence = match digits.parse::<u64>() {
            // Canonical numbers only: `/historial/01/` is not corte 1.
            Ok(s) if s.to_string() == digits => s,
            _ => return (None, Found::NotFound),
        };
        let Some(index) = self.index(sequence) else {
            return (None, Found::NotFound);
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
            let found = Found::File {
                bytes: bytes.clone(),
                etag,
                content_type,
            };
            return (Some(sequence), found);
        }
        let Some((sha, size)) = index.files.get(&path) else {
            return (Some(sequence), Found::NotFound);
        };
        if *size > MAX_AUDIT_FILE_BYTES {
            return (Some(sequence), Found::TooLarge);
        }
        // An object of another size is damaged, not read.
        let read = match self.store.object_size(sha) {
            Some(stored) if stored == *size => self.store.read_object(sha),
            _ => Err(anyhow::anyhow!("object {sha} missing or of another size")),
        };
        let found = match read {
            Ok(bytes) if bytes.len() as u64 == *size && sha256_hex(&bytes) == *sha => Found::File {
                bytes: Bytes::from(bytes),
                etag: format!("\"{sha}\""),
                content_type,
            },
            _ => Found::Damaged,
        };
        (Some(sequence), found)
    }
}
