//! Patched delta packages: instead of `manifest.json` and the changed files, a delta package
//! may carry [`MANIFEST_PATCH`] and [`FILES_PATCH`], zstd patches against a corte the node
//! already holds ([`prep_package::delta`]), naming that corte's sequence in its
//! [`prep_inbox::DELTA_MARKER`]. The node rebuilds the manifest from its own copy of the base
//! corte's, checks the signature, rebuilds the changed files from its own objects, and then
//! checks the whole like any package (every file's size and SHA-256 against the signed
//! manifest). The sftp channel and the pull channel send an incremental corte this way.

use crate::store::Store;
use crate::verify::bounded::read_bounded;
use crate::verify::refusal::Refusal;
use bytes::Bytes;
use prep_inbox::{FILES_PATCH, Limits, ListingError, MANIFEST_PATCH};
use prep_package::delta::{changes, decode_files, new_bytes};
use prep_package::patch::apply_patch;
use prep_package::{Manifest, VerifyingKey, verify_signature};
use std::collections::HashMap;
use std::path::Path;

/// A patched package rebuilt in memory.
#[derive(Debug)]
pub struct Rebuilt {
    /// `manifest.json`'s bytes.
    pub manifest_bytes: Vec<u8>,
    /// The changed files, by path (sizes as listed; hashes checked later with the rest).
    pub files: HashMap<String, Bytes>,
}

/// The base sequence a delta marker names (`None`: a plain delta package, nothing patched).
pub fn base_of(marker: &Path) -> Result<Option<u64>, Refusal> {
    let text = read_bounded(marker, 64).map_err(Refusal::Unreadable)?;
    let text = text.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| Refusal::Delta(format!("the delta marker names {text:?}, not a sequence")))
}

/// Rebuilds the manifest and the changed files of the package in `dir` patched against
/// corte `base`. The manifest's signature is checked before the files' patch is opened; a
/// manifest that does not verify is returned without files, for the caller's full check to
/// refuse with its reason. `listed_bytes` is what the package's other files add up to.
pub fn rebuild(
    dir: &Path,
    base: u64,
    store: &Store,
    key: &VerifyingKey,
    minisig: &str,
    limits: &Limits,
    listed_bytes: u64,
) -> Result<Rebuilt, Refusal> {
    let delta = |why: String| Refusal::Delta(why);
    let record = store.read_record(base).map_err(|_| {
        delta(format!(
            "it is patched against corte {base}, which this node does not hold; send it whole"
        ))
    })?;
    let patch = read_bounded(&dir.join(MANIFEST_PATCH), limits.max_file_bytes)
        .map_err(Refusal::Unreadable)?
        .ok_or_else(|| delta(format!("{MANIFEST_PATCH} is missing")))?;
    let manifest_bytes = apply_patch(record.manifest.as_bytes(), &patch, limits.max_file_bytes)
        .map_err(|e| {
            delta(format!(
                "{MANIFEST_PATCH} does not apply to corte {base}: {e}"
            ))
        })?;
    let signed = verify_signature(key, &manifest_bytes, minisig).is_ok();
    let (Ok(new), true) = (Manifest::from_bytes(&manifest_bytes), signed) else {
        return Ok(Rebuilt {
            manifest_bytes,
            files: HashMap::new(),
        });
    };
    let old = Manifest::from_bytes(record.manifest.as_bytes())
        .map_err(|e| delta(format!("the manifest of corte {base} in the store: {e}")))?;
    let changed = changes(&old, &new);
    if let Some(f) = changed.iter().find(|c| c.file.size > limits.max_file_bytes) {
        return Err(Refusal::Listing(ListingError::FileTooLarge {
            path: f.file.path.clone(),
            size: f.file.size,
            max: limits.max_file_bytes,
        }));
    }
    if listed_bytes.saturating_add(new_bytes(&changed)) > limits.max_total_bytes {
        return Err(Refusal::Listing(ListingError::TotalTooLarge {
            max: limits.max_total_bytes,
        }));
    }
    if changed.is_empty() {
        return Ok(Rebuilt {
            manifest_bytes,
            files: HashMap::new(),
        });
    }
    let patch = read_bounded(&dir.join(FILES_PATCH), limits.max_total_bytes)
        .map_err(Refusal::Unreadable)?
        .ok_or_else(|| delta(format!("{FILES_PATCH} is missing")))?;
    let files = decode_files(&changed, |f| store.read_object(&f.sha256), &patch)
        .map_err(|e| delta(format!("{FILES_PATCH} does not apply to corte {base}: {e}")))?;
    Ok(Rebuilt {
        manifest_bytes,
        files: files
            .into_iter()
            .map(|(p, b)| (p, Bytes::from(b)))
            .collect(),
    })
}
