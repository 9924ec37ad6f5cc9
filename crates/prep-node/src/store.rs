//! The node's history on disk: content-addressed objects, one record per accepted corte, and
//! the `active` switch. Every file is written whole or not at all (temporary file, fsync,
//! rename, fsync of the directory).
//!
//! ```text
//! data/objects/<sha256[0..2]>/<sha256>   a file's bytes, stored once however many cortes hold it
//! data/cortes/<sequence>.json            a CorteRecord: manifest, signature, pointer, accepted time
//! data/active                            the active sequence: the single switch point
//! data/variants/<sequence>.pack          a cache of a corte's compressed variants (see
//!                                        [`Store::put_variant_pack`]), not part of the history
//! ```

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the node keeps of an accepted corte besides its files (which are objects).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorteRecord {
    /// The corte's sequence.
    pub sequence: u64,
    /// When the node accepted it, RFC 3339 UTC.
    pub accepted: String,
    /// Whether it started the chain on this node (a resynchronisation).
    pub resync: bool,
    /// `manifest.json`, exactly as signed.
    pub manifest: String,
    /// `manifest.json.minisig`.
    pub minisig: String,
    /// `json/main.json`, as received (checked against the manifest).
    pub pointer: String,
}

/// The data directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// More new objects than this are written in parallel ([`Store::put_objects`]).
const PARALLEL_WRITES: usize = 1000;

/// The prefix of every temporary file the store writes; left-overs of a crash are removed.
const TMP_PREFIX: &str = ".tmp-";

impl Store {
    /// Opens (creating the directories) the store at `root`.
    pub fn open(root: &Path) -> anyhow::Result<Store> {
        for sub in ["objects", "cortes", "incoming", "rejected", "variants"] {
            let dir = root.join(sub);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        Ok(Store {
            root: root.to_path_buf(),
        })
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where packages taken from the inbox are checked.
    pub fn incoming(&self) -> PathBuf {
        self.root.join("incoming")
    }

    /// Where refused packages are moved, with their reason.
    pub fn rejected(&self) -> PathBuf {
        self.root.join("rejected")
    }

    /// The path of the object with this SHA-256 (lowercase hex, already validated).
    pub fn object_path(&self, sha256: &str) -> PathBuf {
        self.root
            .join("objects")
            .join(sha256.get(..2).unwrap_or("xx"))
            .join(sha256)
    }

    /// Stores files under their hashes (those not already there), durably before returning:
    /// every new object is written to a temporary file, one `syncfs` makes them all durable,
    /// they are renamed into place, and a second `syncfs` makes the names durable. One flush
    /// for the whole batch instead of one per file; and an object's name never exists, even
    /// after a power cut, before its content does. Returns how many objects were new.
    pub fn put_objects<'a>(
        &self,
        objects: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> anyhow::Result<usize> {
        use rayon::prelude::*;
        // Two paths of one package may hold the same bytes: one object.
        let mut seen = std::collections::HashSet::new();
        let new: Vec<(PathBuf, PathBuf, &[u8])> = objects
            .into_iter()
            .filter(|(sha256, _)| seen.insert(*sha256))
            .map(|(sha256, bytes)| {
                let path = self.object_path(sha256);
                let dir = path.parent().unwrap_or(&self.root);
                let tmp = dir.join(format!("{TMP_PREFIX}{}-{sha256}", std::process::id()));
                (tmp, path, bytes)
            })
            .filter(|(_, path, _)| !path.exists())
            .collect();
        // A first corte is thousands of small files, and the file system's per-file work
        // (creating a file costs about 0.3 ms on the test machine's ext4) is most of the
        // time: beyond PARALLEL_WRITES files they are written in parallel. An incremental
        // corte's few hundred are written by this thread, leaving the other cores to serve.
        let write = |(tmp, _, bytes): &(PathBuf, PathBuf, &[u8])| -> anyhow::Result<()> {
            if let Some(dir) = tmp.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))
        };
        let result = (|| -> anyhow::Result<()> {
            if new.len() > PARALLEL_WRITES {
                new.par_iter().try_for_each(write)?;
            } else {
                new.iter().try_for_each(write)?;
            }
            self.sync_filesystem()?;
            for (tmp, path, _) in &new {
                std::fs::rename(tmp, path)
                    .with_context(|| format!("cannot rename {} into place", tmp.display()))?;
            }
            self.sync_filesystem()
        })();
        if result.is_err() {
            for (tmp, _, _) in &new {
                let _ = std::fs::remove_file(tmp);
            }
        }
        result.map(|()| new.len())
    }

    /// Flushes everything written on the data directory's file system (`syncfs`).
    fn sync_filesystem(&self) -> anyhow::Result<()> {
        let dir = std::fs::File::open(&self.root)
            .with_context(|| format!("cannot open {}", self.root.display()))?;
        rustix::fs::syncfs(&dir)
            .with_context(|| format!("cannot sync the file system of {}", self.root.display()))
    }

    /// The size of the object with this SHA-256 when the store holds it as a regular file;
    /// `None` when absent or when `sha256` is not 64 lowercase hex digits.
    pub fn object_size(&self, sha256: &str) -> Option<u64> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return None;
        }
        std::fs::symlink_metadata(self.object_path(sha256))
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len())
    }

    /// An object's bytes.
    pub fn read_object(&self, sha256: &str) -> anyhow::Result<Vec<u8>> {
        let path = self.object_path(sha256);
        std::fs::read(&path).with_context(|| format!("cannot read object {}", path.display()))
    }

    /// The cache of a corte's compressed variants.
    fn variant_pack_path(&self, sequence: u64) -> PathBuf {
        self.root.join("variants").join(format!("{sequence}.pack"))
    }

    /// Whether the variants of corte `sequence` are cached.
    pub fn has_variant_pack(&self, sequence: u64) -> bool {
        self.variant_pack_path(sequence).is_file()
    }

    /// Caches the compressed variants of corte `sequence`'s files in one file: for each file,
    /// its SHA-256 (hex) and its gzip and brotli variants (empty when not kept). Written by
    /// temporary file and rename, not synced: only a cache, which a crash may lose or tear
    /// ([`Store::read_variant_pack`] then finds less, and the rest is computed again).
    pub fn put_variant_pack(
        &self,
        sequence: u64,
        entries: &[(&str, &[u8], &[u8])],
    ) -> anyhow::Result<()> {
        let path = self.variant_pack_path(sequence);
        let tmp = self.root.join("variants").join(format!(
            "{TMP_PREFIX}{}-{sequence}.pack",
            std::process::id()
        ));
        let write = || -> std::io::Result<()> {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
            for (sha, gzip, brotli) in entries {
                out.write_all(sha.as_bytes())?;
                out.write_all(&(gzip.len() as u64).to_le_bytes())?;
                out.write_all(&(brotli.len() as u64).to_le_bytes())?;
                out.write_all(gzip)?;
                out.write_all(brotli)?;
            }
            out.into_inner().map_err(|e| e.into_error())?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            anyhow::anyhow!("cannot write {}: {e}", path.display())
        })
    }

    /// Removes the cached variants of every corte but `keep` (only the active corte's are
    /// read, at a start); returns how many were removed.
    pub fn prune_variant_packs(&self, keep: u64) -> anyhow::Result<usize> {
        let dir = self.root.join("variants");
        let keep = format!("{keep}.pack");
        let mut removed = 0;
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
        {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".pack") && !name.starts_with('.') && name != keep {
                std::fs::remove_file(dir.join(name.as_ref()))
                    .with_context(|| format!("cannot remove {}/{name}", dir.display()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The cached variants of corte `sequence`, by file SHA-256: (gzip, brotli), each empty
    /// when not kept. Whatever part of the file is whole; nothing when there is none. The
    /// caller checks each variant against its file before serving it.
    pub fn read_variant_pack(
        &self,
        sequence: u64,
    ) -> std::collections::HashMap<String, (bytes::Bytes, bytes::Bytes)> {
        let mut pack = std::collections::HashMap::new();
        let Ok(data) = std::fs::read(self.variant_pack_path(sequence)) else {
            return pack;
        };
        let data = bytes::Bytes::from(data);
        let mut at = 0usize;
        let field = |at: usize| -> Option<usize> {
            let raw: [u8; 8] = data.get(at..at + 8)?.try_into().ok()?;
            usize::try_from(u64::from_le_bytes(raw)).ok()
        };
        while at < data.len() {
            let Some(sha) = data
                .get(at..at + 64)
                .and_then(|s| std::str::from_utf8(s).ok())
                .map(str::to_owned)
            else {
                break;
            };
            let (Some(gz), Some(br)) = (field(at + 64), field(at + 72)) else {
                break;
            };
            let start = at + 80;
            let Some(end) = start.checked_add(gz).and_then(|e| e.checked_add(br)) else {
                break;
            };
            if end > data.len() {
                break;
            }
            pack.insert(
                sha,
                (data.slice(start..start + gz), data.slice(start + gz..end)),
            );
            at = end;
        }
        pack
    }

    /// Writes a corte's record (atomically).
    pub fn write_record(&self, record: &CorteRecord) -> anyhow::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(record)?;
        bytes.push(b'\n');
        write_file_durably(&self.record_path(record.sequence), &bytes, true)
    }

    fn record_path(&self, sequence: u64) -> PathBuf {
        self.root.join("cortes").join(format!("{sequence}.json"))
    }

    /// The record of an accepted corte.
    pub fn read_record(&self, sequence: u64) -> anyhow::Result<CorteRecord> {
        let path = self.record_path(sequence);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let record: CorteRecord = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a corte record", path.display()))?;
        if record.sequence != sequence {
            bail!(
                "{} holds sequence {}, not {sequence}",
                path.display(),
                record.sequence
            );
        }
        Ok(record)
    }

    /// The sequences of every accepted corte, ascending.
    pub fn sequences(&self) -> anyhow::Result<Vec<u64>> {
        let dir = self.root.join("cortes");
        let mut out = Vec::new();
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
        {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name.strip_suffix(".json").and_then(|s| s.parse().ok()) {
                out.push(n);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The active sequence, if a corte was ever activated.
    pub fn active(&self) -> anyhow::Result<Option<u64>> {
        let path = self.root.join("active");
        match std::fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .parse()
                .map(Some)
                .with_context(|| format!("{} does not hold a sequence", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Makes `sequence` the active corte: one atomic rename.
    pub fn set_active(&self, sequence: u64) -> anyhow::Result<()> {
        write_file_durably(
            &self.root.join("active"),
            format!("{sequence}\n").as_bytes(),
            true,
        )
    }

    /// Removes the temporary files a crash may have left in the store.
    pub fn remove_leftovers(&self) -> anyhow::Result<usize> {
        let mut removed = 0;
        let mut dirs = vec![
            self.root.clone(),
            self.root.join("cortes"),
            self.root.join("variants"),
        ];
        for entry in std::fs::read_dir(self.root.join("objects"))? {
            dirs.push(entry?.path());
        }
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let entry = entry?;
                if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX)
                    && entry.file_type()?.is_file()
                    && remove_if_present(&entry.path())?
                {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Bytes the object store uses (the sum of the objects' sizes).
    pub fn objects_bytes(&self) -> anyhow::Result<u64> {
        let mut total = 0;
        for sub in std::fs::read_dir(self.root.join("objects"))? {
            let sub = sub?;
            if !sub.file_type()?.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(sub.path())? {
                total += entry?.metadata()?.len();
            }
        }
        Ok(total)
    }
}

/// Removes a leftover file or tree; one already gone is not an error (a background thread of a
/// node reopened in the same process, finishing a variant cache or removing a discarded
/// package, may take it first). Returns whether this call removed it.
pub(crate) fn remove_if_present(path: &Path) -> anyhow::Result<bool> {
    let removed = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) => Err(e),
    };
    match removed {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

/// Writes `path` whole or not at all: a temporary file beside it, fsync, rename, and (when
/// `sync_parent`) fsync of the directory so the rename itself is durable.
pub fn write_file_durably(path: &Path, bytes: &[u8], sync_parent: bool) -> anyhow::Result<()> {
    let dir = path.parent().context("a file path without a directory")?;
    let name = path
        .file_name()
        .context("a file path without a name")?
        .to_string_lossy();
    let tmp = dir.join(format!("{TMP_PREFIX}{}-{name}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    if sync_parent {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Fsyncs a directory, so the names created or renamed in it are durable.
pub fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync directory {}", dir.display()))
}
