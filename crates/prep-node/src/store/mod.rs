//! The node's history on disk: content-addressed objects (in packs, one per accepted corte),
//! one record per accepted corte, and the `active` switch. Every file is written whole or not
//! at all (temporary file, fsync, rename, fsync of the directory).
//!
//! ```text
//! data/packs/<n>.pack                   the new files of one accepted corte, by SHA-256
//!                                        ([`crate::store::pack`]): a file's bytes are stored once
//!                                        however many cortes hold it
//! data/cortes/<sequence>.json            a CorteRecord: manifest, signature, pointer, accepted time
//! data/active                            the active sequence: the single switch point
//! data/variants/<sequence>.pack          a cache of a corte's compressed variants (see
//!                                        [`Store::put_variant_pack`]), not part of the history
//! ```
//!
//! The store layer, above the configuration only: beside the [`Store`], the [`pack`] format
//! and the [`events`] log (`events.jsonl`).

pub mod events;
pub mod pack;

use crate::store::pack::Span;
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

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
    objects: Arc<Objects>,
}

/// The objects' index, kept in memory: read from every pack's index when the store opens,
/// extended by each pack it writes.
#[derive(Debug, Default)]
struct Objects {
    index: RwLock<HashMap<String, (u64, Span)>>,
    /// Open pack files, by number (at most [`OPEN_PACKS`]).
    packs: RwLock<HashMap<u64, Arc<std::fs::File>>>,
    /// The next pack's number; held while a pack is written (one writer at a time).
    next: Mutex<u64>,
}

/// The prefix of every temporary file the store writes; left-overs of a crash are removed.
const TMP_PREFIX: &str = prep_fs::TMP_PREFIX;

/// The directory of the object packs.
const PACKS: &str = "packs";

/// Packs kept open at most ([`Objects::keep_open`]).
const OPEN_PACKS: usize = 128;

impl Store {
    /// Opens (creating the directories) the store at `root` and reads its packs' indexes. A
    /// pack whose index cannot be read is reported and left out: the cortes that need its
    /// objects then fail their verification, as with any damaged object.
    pub fn open(root: &Path) -> anyhow::Result<Store> {
        let loose = root.join("objects");
        if loose.is_dir() {
            bail!(
                "{} holds one file per object, the layout of prep node before object packs, \
                 which this version does not read; start this node on an empty data directory \
                 with --resync (the institute's next corte starts its chain again)",
                loose.display()
            );
        }
        for sub in [PACKS, "cortes", "incoming", "rejected", "variants"] {
            let dir = root.join(sub);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let objects = Objects::default();
        let mut next = 1;
        for entry in std::fs::read_dir(root.join(PACKS))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(number) = name
                .strip_suffix(".pack")
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            next = next.max(number + 1);
            if let Err(e) = objects.add_pack(number, &entry.path()) {
                log::warn!("pack {} left out: {e:#}", entry.path().display());
            }
        }
        *objects.next.lock().unwrap_or_else(PoisonError::into_inner) = next;
        Ok(Store {
            root: root.to_path_buf(),
            objects: Arc::new(objects),
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

    fn pack_path(&self, number: u64) -> PathBuf {
        self.root.join(PACKS).join(format!("{number}.pack"))
    }

    /// Stores files under their hashes (those not already there) durably before returning,
    /// all of them in one new pack: written to a temporary file, flushed (`fdatasync`),
    /// renamed into place, and the directory flushed. One file and one flush per corte; an
    /// object is never indexed, even after a power cut, before its content is on disk.
    /// Returns how many objects were new.
    pub fn put_objects<'a>(
        &self,
        objects: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> anyhow::Result<usize> {
        let mut next = self
            .objects
            .next
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Two paths of one package may hold the same bytes: one object.
        let mut seen = std::collections::HashSet::new();
        let new: Vec<(&str, &[u8])> = objects
            .into_iter()
            .filter(|(sha256, _)| valid_sha256(sha256) && seen.insert(*sha256))
            .filter(|(sha256, _)| self.object_size(sha256).is_none())
            .collect();
        if new.is_empty() {
            return Ok(0);
        }
        let number = *next;
        let path = self.pack_path(number);
        prep_fs::write_durably_streamed(&path, prep_fs::WriteOptions::new(), |out| {
            pack::write_pack(out, new.iter().copied())
        })?;
        *next = number + 1;
        self.objects.add_pack(number, &path)?;
        Ok(new.len())
    }

    /// The size of the object with this SHA-256 when the store holds it; `None` when absent
    /// or when `sha256` is not 64 lowercase hex digits.
    pub fn object_size(&self, sha256: &str) -> Option<u64> {
        self.object_location(sha256).map(|(_, span)| span.len)
    }

    /// Where the object with this SHA-256 lies: its pack and span (for audits and tests that
    /// damage it on purpose).
    pub fn object_location(&self, sha256: &str) -> Option<(PathBuf, Span)> {
        self.locate(sha256)
            .map(|(number, span)| (self.pack_path(number), span))
    }

    /// The pack number and span of the object with this SHA-256, from the in-memory index.
    fn locate(&self, sha256: &str) -> Option<(u64, Span)> {
        if !valid_sha256(sha256) {
            return None;
        }
        self.objects
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(sha256)
            .copied()
    }

    /// An object's bytes, as stored (the caller checks them against the SHA-256).
    pub fn read_object(&self, sha256: &str) -> anyhow::Result<Vec<u8>> {
        let (number, span) = self
            .locate(sha256)
            .with_context(|| format!("the store holds no object {sha256}"))?;
        let file = self.objects.pack_file(number, &self.pack_path(number))?;
        let len = usize::try_from(span.len).context("an object larger than memory")?;
        let mut bytes = vec![0; len];
        file.read_exact_at(&mut bytes, span.offset)
            .with_context(|| format!("cannot read object {sha256} from pack {number}"))?;
        Ok(bytes)
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
        prep_fs::write_durably(self.record_path(record.sequence), &bytes)?;
        Ok(())
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
        prep_fs::write_durably(self.root.join("active"), format!("{sequence}\n"))?;
        Ok(())
    }

    /// Removes the temporary files a crash may have left in the store.
    pub fn remove_leftovers(&self) -> anyhow::Result<usize> {
        let mut removed = 0;
        let dirs = [
            self.root.clone(),
            self.root.join("cortes"),
            self.root.join("variants"),
            self.root.join(PACKS),
        ];
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let entry = entry?;
                if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX)
                    && entry.file_type()?.is_file()
                    && prep_fs::remove_if_present(entry.path())?
                {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Bytes the object store uses (the sum of the packs' sizes).
    pub fn objects_bytes(&self) -> anyhow::Result<u64> {
        let mut total = 0;
        for entry in std::fs::read_dir(self.root.join(PACKS))? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().ends_with(".pack") {
                total += entry.metadata()?.len();
            }
        }
        Ok(total)
    }
}

impl Objects {
    /// Reads a pack's index and adds its objects (an object already indexed keeps its place).
    fn add_pack(&self, number: u64, path: &Path) -> anyhow::Result<()> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let len = file.metadata()?.len();
        let mut trailer = [0u8; pack::TRAILER_BYTES as usize];
        if len >= pack::TRAILER_BYTES {
            file.read_exact_at(&mut trailer, len - pack::TRAILER_BYTES)?;
        }
        let (start, index_len) = pack::index_region(len, &trailer)?;
        let mut index = vec![0; usize::try_from(index_len).context("index too large")?];
        file.read_exact_at(&mut index, start)?;
        let entries = pack::read_index(&index, start)?;
        {
            let mut all = self.index.write().unwrap_or_else(PoisonError::into_inner);
            for (sha, span) in entries {
                all.entry(sha).or_insert((number, span));
            }
        }
        self.keep_open(number, Arc::new(file));
        Ok(())
    }

    /// Keeps a pack's file open for the next reads: at most [`OPEN_PACKS`] (a long history
    /// would otherwise hold a descriptor per corte); beyond, the cache starts over.
    fn keep_open(&self, number: u64, file: Arc<std::fs::File>) {
        let mut packs = self.packs.write().unwrap_or_else(PoisonError::into_inner);
        if packs.len() >= OPEN_PACKS {
            packs.clear();
        }
        packs.insert(number, file);
    }

    /// A pack's open file.
    fn pack_file(&self, number: u64, path: &Path) -> anyhow::Result<Arc<std::fs::File>> {
        if let Some(f) = self
            .packs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&number)
        {
            return Ok(Arc::clone(f));
        }
        let file = Arc::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        );
        self.keep_open(number, Arc::clone(&file));
        Ok(file)
    }
}

/// Whether `s` is a SHA-256 as the store names objects: 64 lowercase hex digits.
fn valid_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_stored_once_in_packs_and_read_back_after_a_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        // More packs than are kept open: each still reads.
        let bodies: Vec<Vec<u8>> = (0..OPEN_PACKS + 10)
            .map(|i| format!("archivo {i}").into_bytes())
            .collect();
        let shas: Vec<String> = bodies.iter().map(|b| prep_package::sha256_hex(b)).collect();
        for (sha, body) in shas.iter().zip(&bodies) {
            assert_eq!(
                store
                    .put_objects([(sha.as_str(), body.as_slice())])
                    .expect("put"),
                1
            );
        }
        // Already held: no new pack.
        assert_eq!(
            store
                .put_objects([(shas[0].as_str(), bodies[0].as_slice())])
                .expect("put"),
            0
        );
        // Not a lowercase hex SHA-256: never stored, never looked up.
        assert_eq!(store.put_objects([("../x", &b"x"[..])]).expect("put"), 0);
        assert_eq!(store.object_size("../x"), None);
        let packs = std::fs::read_dir(dir.path().join(PACKS))
            .expect("packs")
            .count();
        assert_eq!(packs, bodies.len());
        for reopened in [store.clone(), Store::open(dir.path()).expect("reopen")] {
            for (sha, body) in shas.iter().zip(&bodies) {
                assert_eq!(&reopened.read_object(sha).expect("read"), body);
                assert_eq!(reopened.object_size(sha), Some(body.len() as u64));
            }
        }
    }

    #[test]
    fn a_data_directory_of_the_old_layout_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("objects/ab")).expect("mkdir");
        let e = format!("{:#}", Store::open(dir.path()).expect_err("refused"));
        assert!(e.contains("objects") && e.contains("--resync"), "{e}");
        assert!(!e.contains("  "), "one sentence, no runs of spaces: {e}");
        assert!(!dir.path().join(PACKS).exists(), "nothing written");
    }

    #[test]
    fn a_damaged_pack_is_left_out_and_a_crashed_write_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let (a, b) = (b"uno".as_slice(), b"dos".as_slice());
        let (sa, sb) = (prep_package::sha256_hex(a), prep_package::sha256_hex(b));
        store.put_objects([(sa.as_str(), a)]).expect("put");
        store.put_objects([(sb.as_str(), b)]).expect("put");
        // Pack 2 loses its trailer; a temporary pack is what a crash left.
        let second = dir.path().join(PACKS).join("2.pack");
        let len = std::fs::metadata(&second).expect("meta").len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&second)
            .and_then(|f| f.set_len(len - 1))
            .expect("truncate");
        std::fs::write(
            dir.path().join(PACKS).join(".tmp-1-3.pack"),
            b"PREPPK01half",
        )
        .expect("tmp");
        let reopened = Store::open(dir.path()).expect("reopen");
        assert_eq!(reopened.read_object(&sa).expect("a"), a);
        assert_eq!(reopened.object_size(&sb), None);
        assert!(reopened.read_object(&sb).is_err());
        assert_eq!(reopened.remove_leftovers().expect("clean"), 1);
        // The next pack does not reuse a number on disk.
        reopened.put_objects([(sb.as_str(), b)]).expect("put");
        assert!(dir.path().join(PACKS).join("3.pack").is_file());
        assert_eq!(
            Store::open(dir.path())
                .expect("open")
                .read_object(&sb)
                .expect("b"),
            b
        );
    }
}
