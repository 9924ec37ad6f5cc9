//! A package directory as it arrives: listed (regular files only, within the limits) by
//! [`prep_inbox::list_package`] before any file is read, then checked with
//! [`prep_package::check_package`], its pointer compared with the manifest. Every refusal is a
//! [`Refusal`] with its own reason.
//!
//! The verify layer, above the store and below the served corte: the files of a package read
//! only through [`bounded`] (regular files, size-limited, a FIFO never waited on), a delta
//! package's patches rebuilt by [`patched`], the reasons in [`refusal`], the key delegation
//! after a rotation in [`trust`].

pub mod bounded;
pub mod patched;
pub mod refusal;
pub mod trust;

use crate::store::Store;
use crate::verify::bounded::open_regular;
pub use crate::verify::bounded::read_bounded;
pub use crate::verify::refusal::Refusal;
use bytes::Bytes;
use prep_inbox::{
    COMPLETE_MARKER, DELTA_MARKER, Limits, ListingError, MANIFEST_PATH, PACKAGE_MARKERS,
    POINTER_PATH, SIGNATURE_PATH, UNLISTED_FILES, list_package,
};
use prep_package::{Expectations, Manifest, VerifyingKey, check_package_with};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// The largest pointer (`json/main.json`) read.
const MAX_POINTER_BYTES: u64 = prep_package::MAX_POINTER_BYTES;
/// The largest signature read.
const MAX_SIGNATURE_BYTES: u64 = 64 * 1024;

/// A package that passed every check: its manifest, signature, pointer and files' bytes.
#[derive(Debug)]
pub struct VerifiedPackage {
    /// The manifest.
    pub manifest: Manifest,
    /// `manifest.json`'s exact bytes.
    pub manifest_bytes: Vec<u8>,
    /// `manifest.json.minisig`.
    pub minisig: String,
    /// `json/main.json`'s bytes.
    pub pointer: Vec<u8>,
    /// Every listed file's bytes, by path.
    pub files: HashMap<String, Bytes>,
}

/// The largest signature of a notice or key delegation read (a minisig is about 300 bytes).
const MAX_DOCUMENT_SIGNATURE_BYTES: u64 = 4096;

/// The delivery of one signed document (a suspension notice, a key delegation): `dir` must
/// hold exactly `document`, its detached `signature` and [`COMPLETE_MARKER`], as regular
/// files. Returns the document's bytes (at most `max`) and the signature's text; `what` names
/// the kind in the reasons (`a notice`).
pub fn read_signed_document(
    dir: &Path,
    what: &str,
    document: &str,
    signature: &str,
    max: u64,
) -> Result<(Vec<u8>, String), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if ![document, signature, COMPLETE_MARKER].contains(&name.as_str()) || !is_file {
            return Err(format!(
                "{name} does not belong in {what} (only {document} and {signature}, regular files)"
            ));
        }
    }
    let bytes =
        read_bounded(&dir.join(document), max)?.ok_or_else(|| format!("{document} is missing"))?;
    let minisig = read_bounded(&dir.join(signature), MAX_DOCUMENT_SIGNATURE_BYTES)?
        .ok_or_else(|| format!("{signature} is missing"))?;
    let minisig = String::from_utf8(minisig).map_err(|_| format!("{signature} is not UTF-8"))?;
    Ok((bytes, minisig))
}

/// The sequence a package's manifest claims (unverified: only to order the inbox); for a
/// patched delta package, which has no `manifest.json`, the sequence its pointer names. Only
/// the first [`CLAIM_BYTES`] of either file are read: in the canonical form the sequence is
/// among the first lines, so a huge junk manifest costs nothing here.
pub fn claimed_sequence(dir: &Path) -> Option<u64> {
    [MANIFEST_PATH, POINTER_PATH].iter().find_map(|file| {
        let head = read_head(&dir.join(file), CLAIM_BYTES).ok()??;
        let text = String::from_utf8_lossy(&head);
        let (_, rest) = text.split_once("\"sequence\":")?;
        let digits: String = rest
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

/// How much of a manifest or pointer [`claimed_sequence`] reads.
pub const CLAIM_BYTES: u64 = 4096;

/// The largest manifest read: a national corte's lists some 40,000 files in about 7 MB.
pub const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// The first `limit` bytes of a regular file (fewer when it is shorter); `None` when absent.
fn read_head(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, String> {
    let Some((file, _)) = open_regular(path)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(bytes))
}

/// Checks the package in `dir`: listing and limits, then signature, manifest, sequence and
/// chain against `expect`, expiry, every file, nothing unlisted, and the pointer. A delta
/// package (with [`DELTA_MARKER`]) is refused here for any file it leaves out: only
/// [`verify_package_with`] given the node's store can fill them.
pub fn verify_package(
    dir: &Path,
    key: &VerifyingKey,
    limits: &Limits,
    expect: &Expectations<'_>,
) -> Result<VerifiedPackage, Refusal> {
    verify_package_with(dir, key, limits, expect, None)
}

/// What a node already holds, to fill a delta package from: its object store, and the
/// active corte's files in memory by SHA-256 (each hashed when that corte was accepted or
/// loaded), which are handed out without reading the disk or hashing them again.
pub struct Held<'a> {
    /// The object store.
    pub store: &'a Store,
    /// The active corte's files, by SHA-256.
    pub memory: HashMap<&'a str, Bytes>,
}

impl Held<'_> {
    /// Whether `bytes` is the very buffer held in memory for `sha256` (so already hashed).
    fn is_held_buffer(&self, sha256: &str, bytes: &[u8]) -> bool {
        self.memory
            .get(sha256)
            .is_some_and(|b| b.as_ptr() == bytes.as_ptr() && b.len() == bytes.len())
    }
}

/// [`verify_package`], filling the files a delta package (one holding [`DELTA_MARKER`])
/// leaves out from `store`: a listed file absent from the directory is read from the object
/// with its SHA-256 when that object exists with its size. Every filled file is still checked
/// against the signed manifest (size and SHA-256) like any other, and counts towards the
/// limits. Without the marker, or when the store lacks the object, the file is `missing_file`.
/// A filled file the active corte holds in memory ([`Held::memory`]) is taken from there,
/// already hashed.
pub fn verify_package_with(
    dir: &Path,
    key: &VerifyingKey,
    limits: &Limits,
    expect: &Expectations<'_>,
    held: Option<&Held<'_>>,
) -> Result<VerifiedPackage, Refusal> {
    // 1. The listing, bounded, before any file is read; then the signature.
    let listing = list_package(dir, limits)?;
    let sizes: HashMap<&str, u64> = listing.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let minisig = String::from_utf8(read_small(dir, SIGNATURE_PATH, MAX_SIGNATURE_BYTES)?)
        .map_err(|_| Refusal::Unreadable(format!("{SIGNATURE_PATH} is not text")))?;
    // 2. The manifest: as sent, or rebuilt from a patched delta package.
    let delta = held
        .map(|h| h.store)
        .filter(|_| sizes.contains_key(DELTA_MARKER));
    let (manifest_bytes, patched) = manifest_of(dir, &listing, delta, key, &minisig, limits)?;
    // 3. Which files are here (or rebuilt), and which a delta package leaves to the store.
    let present: Vec<String> = listing
        .iter()
        .map(|(p, _)| p.clone())
        .filter(|p| {
            !(UNLISTED_FILES.contains(&p.as_str()) || PACKAGE_MARKERS.contains(&p.as_str()))
        })
        .chain(patched.keys().cloned())
        .collect();
    let fill = match delta {
        Some(store) => fillable(&manifest_bytes, &sizes, &patched, store, &listing, limits)?,
        None => HashMap::new(),
    };
    // 4. Signature, manifest and every file, each read once through `sources`.
    let sources = Sources {
        dir,
        sizes: &sizes,
        patched: &patched,
        fill: &fill,
        held,
    };
    let mut files = HashMap::new();
    let mut read_error = None;
    let read = |path: &str| match sources.read(path) {
        Ok(Some(bytes)) => {
            files.insert(path.to_owned(), bytes.clone());
            Some(bytes)
        }
        Ok(None) => None,
        Err(e) => {
            read_error.get_or_insert(e);
            None
        }
    };
    let hashed = |f: &prep_package::FileEntry, bytes: &[u8]| {
        held.is_some_and(|h| h.is_held_buffer(&f.sha256, bytes))
    };
    let checked = check_package_with(
        key,
        &manifest_bytes,
        &minisig,
        expect,
        read,
        &present,
        hashed,
    );
    if let Some(e) = read_error {
        return Err(Refusal::Unreadable(e));
    }
    let manifest = checked?;
    // 5. The pointer, against the manifest it names.
    let pointer = read_bounded(&dir.join(POINTER_PATH), MAX_POINTER_BYTES)
        .map_err(Refusal::Pointer)?
        .ok_or_else(|| Refusal::Pointer("missing".into()))?;
    prep_package::check_pointer(&pointer, &manifest, &manifest_bytes)
        .map_err(|e| Refusal::Pointer(e.to_string()))?;
    Ok(VerifiedPackage {
        manifest,
        manifest_bytes,
        minisig,
        pointer,
        files,
    })
}

/// `path` in the package in `dir`, at most `limit` bytes; missing is a refusal.
fn read_small(dir: &Path, path: &str, limit: u64) -> Result<Vec<u8>, Refusal> {
    read_bounded(&dir.join(path), limit)
        .map_err(Refusal::Unreadable)?
        .ok_or_else(|| Refusal::Unreadable(format!("{path} is missing")))
}

/// The manifest's bytes and the files rebuilt from patches: a delta package patched against
/// a corte the node holds (`delta` is the store when the package is a delta) is rebuilt by
/// [`patched::rebuild`]; any other has its manifest read as sent.
fn manifest_of(
    dir: &Path,
    listing: &[(String, u64)],
    delta: Option<&Store>,
    key: &VerifyingKey,
    minisig: &str,
    limits: &Limits,
) -> Result<(Vec<u8>, HashMap<String, Bytes>), Refusal> {
    let patched_against = match delta {
        Some(_) => patched::base_of(&dir.join(DELTA_MARKER))?,
        None => None,
    };
    match (delta, patched_against) {
        (Some(store), Some(base)) => {
            let listed_bytes = listing.iter().map(|(_, s)| *s).sum();
            let r = patched::rebuild(dir, base, store, key, minisig, limits, listed_bytes)?;
            Ok((r.manifest_bytes, r.files))
        }
        _ => Ok((
            read_small(
                dir,
                MANIFEST_PATH,
                limits.max_file_bytes.min(MAX_MANIFEST_BYTES),
            )?,
            HashMap::new(),
        )),
    }
}

/// Where each listed file's bytes come from while a package is checked.
struct Sources<'a> {
    /// The package directory.
    dir: &'a Path,
    /// The listing's sizes: only files it saw are read, each bounded by that size.
    sizes: &'a HashMap<&'a str, u64>,
    /// Files rebuilt from patches.
    patched: &'a HashMap<String, Bytes>,
    /// A delta's left-out files: path → (size, SHA-256) of the store's object.
    fill: &'a HashMap<String, (u64, String)>,
    /// What the node holds (the store, the active corte in memory).
    held: Option<&'a Held<'a>>,
}

impl Sources<'_> {
    /// The bytes of `path`: rebuilt, read from the package bounded by its listed size, or
    /// (a delta's left-out file) taken from memory or the store's object, bounded by the
    /// manifest's size; `None` when it is in none of them.
    fn read(&self, path: &str) -> Result<Option<Bytes>, String> {
        if let Some(bytes) = self.patched.get(path) {
            return Ok(Some(bytes.clone()));
        }
        let read = match (self.sizes.get(path), self.fill.get(path)) {
            (Some(&size), _) => read_bounded(&self.dir.join(path), size),
            (None, Some((size, sha256))) => {
                if let Some(bytes) = self
                    .held
                    .and_then(|h| h.memory.get(sha256.as_str()))
                    .filter(|b| b.len() as u64 == *size)
                {
                    return Ok(Some(bytes.clone()));
                }
                // Indexed with this size (`fillable`); the hash is checked next.
                self.held.map_or(Ok(None), |h| {
                    h.store
                        .read_object(sha256)
                        .map(Some)
                        .map_err(|e| format!("{path}: {e:#}"))
                })
            }
            (None, None) => return Ok(None),
        };
        read.map(|bytes| bytes.map(Bytes::from))
    }
}

/// The files a delta package leaves out that `store` holds: path → (size, SHA-256). The
/// manifest is not verified yet (its signature is checked next, by `check_package`), so it
/// only chooses which objects to read; each is verified against the signed manifest after.
/// The filled files count towards `max_files` and `max_total_bytes`.
fn fillable(
    manifest_bytes: &[u8],
    sizes: &HashMap<&str, u64>,
    patched: &HashMap<String, Bytes>,
    store: &Store,
    listing: &[(String, u64)],
    limits: &Limits,
) -> Result<HashMap<String, (u64, String)>, Refusal> {
    // A manifest that does not parse is refused by `check_package` with its reason.
    let Ok(manifest) = Manifest::from_bytes(manifest_bytes) else {
        return Ok(HashMap::new());
    };
    let mut fill = HashMap::new();
    let mut total: u64 = listing.iter().map(|(_, s)| *s).sum();
    for f in &manifest.files {
        if sizes.contains_key(f.path.as_str())
            || patched.contains_key(&f.path)
            || store.object_size(&f.sha256) != Some(f.size)
        {
            continue;
        }
        if f.size > limits.max_file_bytes {
            return Err(Refusal::Listing(ListingError::FileTooLarge {
                path: f.path.clone(),
                size: f.size,
                max: limits.max_file_bytes,
            }));
        }
        total = total.saturating_add(f.size);
        if total > limits.max_total_bytes {
            return Err(Refusal::Listing(ListingError::TotalTooLarge {
                max: limits.max_total_bytes,
            }));
        }
        fill.insert(f.path.clone(), (f.size, f.sha256.clone()));
        if (listing.len() + fill.len()) as u64 > limits.max_files {
            return Err(Refusal::Listing(ListingError::TooManyFiles {
                max: limits.max_files,
            }));
        }
    }
    Ok(fill)
}

#[cfg(test)]
mod tests {
    use super::read_bounded;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    /// A local sender swaps a FIFO and a regular file at one path as fast as it can while the
    /// node reads it: every read ends (a FIFO is refused on the open handle, never waited on).
    #[test]
    fn a_fifo_swapped_in_never_hangs_a_read() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("file.json");
        let regular = dir.path().join("regular");
        let fifo = dir.path().join("fifo");
        std::fs::write(&regular, b"{}").expect("write");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .expect("mkfifo");
        let stop = Arc::new(AtomicBool::new(false));
        let swapper = {
            let (stop, dir) = (Arc::clone(&stop), dir.path().to_owned());
            let target = target.clone();
            std::thread::spawn(move || {
                let tmp = dir.join("tmp");
                while !stop.load(Ordering::Relaxed) {
                    for source in [&regular, &fifo] {
                        let _ = std::fs::remove_file(&tmp);
                        if std::fs::hard_link(source, &tmp).is_ok() {
                            let _ = std::fs::rename(&tmp, &target);
                        }
                    }
                }
            })
        };
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let (mut files, mut refused) = (0, 0);
            for _ in 0..20_000 {
                match read_bounded(&target, 1024) {
                    Ok(Some(_)) => files += 1,
                    Ok(None) => {}
                    Err(_) => refused += 1,
                }
            }
            let _ = done_tx.send((files, refused));
        });
        let finished = done_rx.recv_timeout(Duration::from_secs(60));
        stop.store(true, Ordering::Relaxed);
        let (files, refused) = finished.expect("every read ended (none hung on the FIFO)");
        assert!(files > 0 && refused > 0, "{files} files, {refused} refused");
        reader.join().expect("reader");
        swapper.join().expect("swapper");
    }
}
