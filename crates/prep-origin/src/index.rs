//! What the origin serves, read from the election directory: the published cortes
//! (`cortes/NNNNNN/`, never modified once written), the current one (`origin` link), and an
//! index from each listed file's SHA-256 to a corte that holds it.

use crate::layout::CORTE_FILES;
use anyhow::Context;
use prep_package::layout::corte_sequence;
use prep_package::{ElectionLayout, MANIFEST_PATH, Manifest};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The largest manifest the origin reads (a national corte's is about 7 MB).
const MAX_MANIFEST_BYTES: u64 = 256 * 1024 * 1024;

/// The election directory as the origin sees it.
#[derive(Debug, Clone)]
pub struct OriginDir {
    root: PathBuf,
}

/// Where one file's bytes are: a corte and a path inside it.
#[derive(Debug, Clone)]
struct Location {
    sequence: u64,
    path: Box<str>,
    size: u64,
}

/// Every listed file of the indexed cortes, by SHA-256.
#[derive(Debug, Default)]
pub struct ObjectIndex {
    by_hash: HashMap<Box<str>, Location>,
    indexed: BTreeSet<u64>,
}

impl OriginDir {
    /// The election directory `root` (made by `prep init`).
    pub fn new(root: &Path) -> OriginDir {
        OriginDir {
            root: root.to_owned(),
        }
    }

    /// The key delegation in force (`DIR/delegation/`, written by `prep keys delegate --out`):
    /// served to pull nodes as it is; they check the root key's signature.
    pub fn delegation_dir(&self) -> PathBuf {
        ElectionLayout::new(&self.root).delegation()
    }

    /// The folder of corte `sequence`, as `prep-publish` names it.
    pub fn corte_dir(&self, sequence: u64) -> PathBuf {
        ElectionLayout::new(&self.root).corte_dir(sequence)
    }

    /// The current corte: the one the `origin` link names; `None` before the first corte.
    pub fn current(&self) -> anyhow::Result<Option<u64>> {
        let link = ElectionLayout::new(&self.root).origin();
        let target = match std::fs::read_link(&link) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", link.display())),
        };
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match corte_sequence(name) {
            Some(s) => Ok(Some(s)),
            None => anyhow::bail!(
                "{} points at {}, not at a corte folder cortes/NNNNNN",
                link.display(),
                target.display()
            ),
        }
    }

    /// The sequences of the complete cortes under `cortes/` (folders named by digits only;
    /// a corte being written has another name until it is renamed into place).
    pub fn sequences(&self) -> anyhow::Result<Vec<u64>> {
        let dir = ElectionLayout::new(&self.root).cortes();
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            if let Some(s) = entry.file_name().to_str().and_then(corte_sequence) {
                out.push(s);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Reads one of [`CORTE_FILES`] of corte `sequence`.
    pub fn read_corte_file(&self, sequence: u64, file: &str) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(CORTE_FILES.contains(&file), "{file} is not a corte file");
        let path = self.corte_dir(sequence).join(file);
        read_bounded(&path, MAX_MANIFEST_BYTES)
    }

    /// Reads and validates corte `sequence`'s manifest.
    pub fn manifest(&self, sequence: u64) -> anyhow::Result<Manifest> {
        let bytes = self.read_corte_file(sequence, MANIFEST_PATH)?;
        Manifest::from_bytes(&bytes)
            .with_context(|| format!("corte {sequence}: {MANIFEST_PATH} is not valid"))
    }
}

/// Reads a whole file of at most `max` bytes.
fn read_bounded(path: &Path, max: u64) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    anyhow::ensure!(
        size <= max,
        "{} has {size} bytes, more than {max}",
        path.display()
    );
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

impl ObjectIndex {
    /// Adds corte `sequence`'s files (once; indexing a corte again does nothing and returns
    /// `None`) and returns the paths its manifest lists. A hash already known keeps its older
    /// location: the bytes are the same.
    pub fn add_corte(
        &mut self,
        dir: &OriginDir,
        sequence: u64,
    ) -> anyhow::Result<Option<Vec<String>>> {
        if self.indexed.contains(&sequence) {
            return Ok(None);
        }
        let manifest = dir.manifest(sequence)?;
        anyhow::ensure!(
            manifest.sequence == sequence,
            "cortes/{sequence:06}/manifest.json says sequence {}",
            manifest.sequence
        );
        let mut paths = Vec::with_capacity(manifest.files.len());
        for f in manifest.files {
            self.by_hash
                .entry(f.sha256.into_boxed_str())
                .or_insert(Location {
                    sequence,
                    path: f.path.as_str().into(),
                    size: f.size,
                });
            paths.push(f.path);
        }
        self.indexed.insert(sequence);
        Ok(Some(paths))
    }

    /// Whether corte `sequence` is indexed (and so may be served).
    pub fn has_corte(&self, sequence: u64) -> bool {
        self.indexed.contains(&sequence)
    }

    /// The newest indexed corte.
    pub fn newest(&self) -> Option<u64> {
        self.indexed.last().copied()
    }

    /// The file holding the bytes of `sha256` and their size.
    pub fn locate(&self, dir: &OriginDir, sha256: &str) -> Option<(PathBuf, u64)> {
        let at = self.by_hash.get(sha256)?;
        Some((dir.corte_dir(at.sequence).join(&*at.path), at.size))
    }

    /// Distinct objects indexed.
    pub fn objects(&self) -> usize {
        self.by_hash.len()
    }
}
