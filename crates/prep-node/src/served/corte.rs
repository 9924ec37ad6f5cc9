//! A corte as served: every file in memory with its headers' values, built from a verified
//! package or loaded from the store and verified again.

use crate::served::compress::{Head, Variants, compressible, variants, variants_on_this_thread};
use crate::store::{CorteRecord, Store};
use crate::verify::VerifiedPackage;
use anyhow::{Context, bail};
use bytes::Bytes;
use hyper::http::HeaderValue;
use prep_corte::{MANIFEST_PATH, POINTER_PATH};
use prep_inbox::SIGNATURE_PATH;
use prep_package::check_pointer;
use prep_package::{Expectations, Manifest, VerifyingKey, check_package, sha256_hex};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// One file ready to send.
#[derive(Debug, Clone)]
pub struct ServedFile {
    /// The bytes.
    pub bytes: Bytes,
    /// The strong ETag, quoted (`"<sha256>"`).
    pub etag: String,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Whether the file changes from one corte to the next under the same name (the pointer,
    /// the manifest, its signature, HTML pages): served `no-cache`, the rest immutable.
    pub mutable: bool,
    /// Its gzip and brotli variants, when compressible and smaller.
    pub variants: Variants,
    /// Its `ETag` and `Content-Length` as header values.
    pub head: Head,
}

/// When a corte brings more new compressible bytes than this, it is served as soon as it is
/// checked and stored, its new files compressed afterwards ([`Corte::compressed_with`]): a large
/// corte (the first of a national election: hundreds of megabytes) goes live without
/// waiting for gzip and brotli; the few hundred milliseconds meanwhile it is sent
/// uncompressed. Smaller changes are compressed before activation.
pub const COMPRESS_AFTER_BYTES: u64 = 1024 * 1024;

/// The corte being served.
#[derive(Debug)]
pub struct Corte {
    /// Its sequence.
    pub sequence: u64,
    /// Its corte time, RFC 3339.
    pub corte_time: String,
    files: HashMap<String, ServedFile>,
    /// `X-Prep-Sequence`, made once.
    sequence_value: HeaderValue,
    /// Compressible files whose variants are still to be made ([`COMPRESS_AFTER_BYTES`]).
    uncompressed: HashSet<String>,
}

impl Corte {
    /// The file at a package path.
    pub fn get(&self, path: &str) -> Option<&ServedFile> {
        self.files.get(path)
    }

    /// Its sequence as the `X-Prep-Sequence` header value.
    pub fn sequence_header(&self) -> &HeaderValue {
        &self.sequence_value
    }

    /// Every path served, sorted.
    pub fn paths(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.files.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// The site while a suspension notice is in force: `base`'s files (none before the first
    /// corte) with every HTML page and `/` replaced by `page`, and `json/main.json` by
    /// `pointer`. It keeps `base`'s sequence (0 without one).
    pub fn suspended(base: Option<&Corte>, page: &str, pointer: &[u8]) -> Corte {
        let mut files = base.map(|b| b.files.clone()).unwrap_or_default();
        let page = Bytes::copy_from_slice(page.as_bytes());
        for (path, file) in &mut files {
            if file.content_type.starts_with("text/html") {
                *file = served(path, page.clone(), None);
            }
        }
        files.insert("index.html".into(), served("index.html", page, None));
        files.insert(
            POINTER_PATH.into(),
            served(POINTER_PATH, Bytes::copy_from_slice(pointer), None),
        );
        let sequence = base.map_or(0, |b| b.sequence);
        Corte {
            sequence,
            corte_time: base.map_or_else(String::new, |b| b.corte_time.clone()),
            files,
            sequence_value: HeaderValue::from(sequence),
            uncompressed: HashSet::new(),
        }
    }

    /// How many of its files wait for their compressed variants.
    pub fn awaiting_compression(&self) -> usize {
        self.uncompressed.len()
    }

    /// Whether some of its files still wait for their compressed variants.
    pub fn awaits_compression(&self) -> bool {
        !self.uncompressed.is_empty()
    }

    /// The same corte with every file that waited compressed, one file after another (it runs
    /// beside the serving, at low priority). Variants already in `done` (by ETag) are reused
    /// and new ones added to it; `stop` is asked before each file, and when it answers true
    /// the work so far stays in `done` and `None` is returned (a newer corte has come, which
    /// waits for the same files).
    pub fn compressed_with(
        &self,
        done: &mut HashMap<String, Variants>,
        stop: impl Fn() -> bool,
    ) -> Option<Corte> {
        let mut files = self.files.clone();
        for path in &self.uncompressed {
            let Some(file) = files.get_mut(path) else {
                continue;
            };
            if let Some(v) = done.get(&file.etag) {
                file.variants = v.clone();
                continue;
            }
            if stop() {
                return None;
            }
            file.variants = variants_on_this_thread(&file.bytes, &file.etag);
            done.insert(file.etag.clone(), file.variants.clone());
        }
        Some(Corte {
            sequence: self.sequence,
            corte_time: self.corte_time.clone(),
            files,
            sequence_value: self.sequence_value.clone(),
            uncompressed: HashSet::new(),
        })
    }

    /// Its listed files' bytes by SHA-256 (their ETags), for the next corte's check to take
    /// unchanged files from memory ([`crate::verify::Held`]).
    pub fn files_by_sha256(&self) -> HashMap<&str, Bytes> {
        self.files
            .values()
            .filter_map(|f| {
                let sha = f.etag.strip_prefix('"')?.strip_suffix('"')?;
                (sha.len() == 64).then(|| (sha, f.bytes.clone()))
            })
            .collect()
    }

    /// The corte of a package that was just verified; files unchanged since `previous`
    /// reuse its compressed variants.
    pub fn from_package(p: &VerifiedPackage, previous: Option<&Corte>) -> Corte {
        let mut files: HashMap<String, ServedFile> = p
            .manifest
            .files
            .iter()
            .filter_map(|f| {
                let bytes = p.files.get(&f.path)?.clone();
                Some((f.path.clone(), served(&f.path, bytes, Some(&f.sha256))))
            })
            .collect();
        add_entry_files(
            &mut files,
            &p.manifest_bytes,
            p.minisig.as_bytes(),
            &p.pointer,
        );
        let uncompressed = precompress(&mut files, previous, &HashMap::new());
        Corte {
            sequence: p.manifest.sequence,
            corte_time: p.manifest.corte.clone(),
            files,
            sequence_value: HeaderValue::from(p.manifest.sequence),
            uncompressed,
        }
    }

    /// Caches its files' compressed variants in the store ([`Store::put_variant_pack`]) unless
    /// they are already, so that a restart reads them rather than compressing again, and
    /// removes the other cortes' caches. Returns whether it wrote them.
    pub fn cache_variants(&self, store: &Store) -> anyhow::Result<bool> {
        // A corte still waiting for compression would record its new files as incompressible.
        if self.awaits_compression() || store.has_variant_pack(self.sequence) {
            return Ok(false);
        }
        let bytes = |v: &Option<crate::served::compress::Variant>| {
            v.as_ref().map_or(Bytes::new(), |v| v.bytes.clone())
        };
        let owned: Vec<(&str, Bytes, Bytes)> = self
            .files
            .iter()
            .filter(|(path, _)| compressible(path))
            .map(|(_, f)| {
                (
                    f.etag.trim_matches('"'),
                    bytes(&f.variants.gzip),
                    bytes(&f.variants.brotli),
                )
            })
            .collect();
        let entries: Vec<(&str, &[u8], &[u8])> = owned
            .iter()
            .map(|(sha, g, b)| (*sha, g.as_ref(), b.as_ref()))
            .collect();
        store.put_variant_pack(self.sequence, &entries)?;
        store.prune_variant_packs(self.sequence)?;
        Ok(true)
    }

    /// Loads an accepted corte from the store and verifies it all again: the signature over
    /// the stored manifest, the pointer, and every object's size and SHA-256; compressed
    /// variants come from `previous`, then from the store's cache (checked), else are
    /// computed.
    pub fn load(
        store: &Store,
        key: &VerifyingKey,
        sequence: u64,
        previous: Option<&Corte>,
    ) -> anyhow::Result<Corte> {
        let record = store.read_record(sequence)?;
        let (manifest, files) = verify_record(store, key, &record)?;
        let mut files: HashMap<String, ServedFile> = manifest
            .files
            .iter()
            .filter_map(|f| {
                let bytes = files.get(&f.path)?.clone();
                Some((f.path.clone(), served(&f.path, bytes, Some(&f.sha256))))
            })
            .collect();
        add_entry_files(
            &mut files,
            record.manifest.as_bytes(),
            record.minisig.as_bytes(),
            record.pointer.as_bytes(),
        );
        let uncompressed = precompress(&mut files, previous, &store.read_variant_pack(sequence));
        Ok(Corte {
            sequence,
            corte_time: manifest.corte,
            files,
            sequence_value: HeaderValue::from(sequence),
            uncompressed,
        })
    }
}

/// Verifies a stored corte: signature, manifest, pointer, every object. Returns the manifest
/// and the files' bytes.
pub fn verify_record(
    store: &Store,
    key: &VerifyingKey,
    record: &CorteRecord,
) -> anyhow::Result<(Manifest, HashMap<String, Bytes>)> {
    let manifest = Manifest::from_bytes(record.manifest.as_bytes())
        .with_context(|| format!("corte {}: stored manifest", record.sequence))?;
    let mut files = HashMap::new();
    let mut read_error = None;
    let hashes: HashMap<&str, &str> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    let read = |path: &str| {
        let sha = hashes.get(path)?;
        match store.read_object(sha) {
            Ok(bytes) => {
                let bytes = Bytes::from(bytes);
                files.insert(path.to_owned(), bytes.clone());
                Some(bytes)
            }
            Err(e) => {
                read_error.get_or_insert(e);
                None
            }
        }
    };
    let present: Vec<String> = manifest.files.iter().map(|f| f.path.clone()).collect();
    let checked = check_package(
        key,
        record.manifest.as_bytes(),
        &record.minisig,
        &Expectations::default(),
        read,
        &present,
    );
    if let Some(e) = read_error {
        return Err(e.context(format!("corte {}", record.sequence)));
    }
    checked.with_context(|| format!("corte {} does not verify", record.sequence))?;
    if manifest.sequence != record.sequence {
        bail!(
            "corte {}: its manifest says sequence {}",
            record.sequence,
            manifest.sequence
        );
    }
    check_pointer(
        record.pointer.as_bytes(),
        &manifest,
        record.manifest.as_bytes(),
    )
    .map_err(|e| anyhow::anyhow!("corte {}: {POINTER_PATH}: {e}", record.sequence))?;
    Ok((manifest, files))
}

/// Fills in every compressible file's variants: taken from `previous` when the same bytes
/// were there (same ETag), else from `cache` (by SHA-256) when it holds them and they
/// decompress to the file, computed otherwise; in parallel.
fn precompress(
    files: &mut HashMap<String, ServedFile>,
    previous: Option<&Corte>,
    cache: &HashMap<String, (Bytes, Bytes)>,
) -> HashSet<String> {
    let known: HashMap<&str, &Variants> = previous
        .map(|c| {
            c.files
                .iter()
                .filter(|(path, _)| !c.uncompressed.contains(path.as_str()))
                .map(|(_, f)| (f.etag.as_str(), &f.variants))
                .collect()
        })
        .unwrap_or_default();
    let mut todo: Vec<(&String, &mut ServedFile)> = Vec::new();
    for (path, file) in files.iter_mut() {
        if !compressible(path) {
            continue;
        }
        match known.get(file.etag.as_str()) {
            Some(v) => file.variants = (*v).clone(),
            None => todo.push((path, file)),
        }
    }
    // The store's cache (each variant decoded and compared before use), in parallel.
    let cached: Vec<bool> = todo
        .par_iter_mut()
        .map(|(_, file)| {
            let sha = file.etag.trim_matches('"');
            let hit = cache.get(sha).and_then(|(gzip, brotli)| {
                crate::served::compress::from_cache(&file.bytes, &file.etag, gzip, brotli)
            });
            hit.map(|v| file.variants = v).is_some()
        })
        .collect();
    let mut cached = cached.into_iter();
    todo.retain(|_| !cached.next().unwrap_or(false));
    let pending: u64 = todo.iter().map(|(_, f)| f.bytes.len() as u64).sum();
    if pending > COMPRESS_AFTER_BYTES {
        return todo.into_iter().map(|(path, _)| path.clone()).collect();
    }
    todo.into_par_iter().for_each(|(_, file)| {
        file.variants = variants(&file.bytes, &file.etag);
    });
    HashSet::new()
}

fn add_entry_files(
    files: &mut HashMap<String, ServedFile>,
    manifest: &[u8],
    minisig: &[u8],
    pointer: &[u8],
) {
    for (path, bytes) in [
        (MANIFEST_PATH, manifest),
        (SIGNATURE_PATH, minisig),
        (POINTER_PATH, pointer),
    ] {
        files.insert(
            path.to_owned(),
            served(path, Bytes::copy_from_slice(bytes), None),
        );
    }
}

/// A file with its headers' values; `sha256` when already known (verified).
fn served(path: &str, bytes: Bytes, sha256: Option<&str>) -> ServedFile {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    let mutable = matches!(path, POINTER_PATH | MANIFEST_PATH | SIGNATURE_PATH)
        || matches!(ext, "html" | "htm");
    let etag = format!(
        "\"{}\"",
        sha256.map_or_else(|| sha256_hex(&bytes), str::to_owned)
    );
    ServedFile {
        head: Head::new(&etag, bytes.len()),
        etag,
        content_type: content_type(ext),
        mutable,
        bytes,
        variants: Variants::default(),
    }
}

/// The `Content-Type` for a file extension.
pub fn content_type(ext: &str) -> &'static str {
    match ext {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "minisig" => "text/plain; charset=utf-8",
        "zip" => "application/zip",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}
