//! `deltas/<N>/from/<M>/manifest` and `deltas/<N>/from/<M>/files`: corte `N` for a node that
//! holds corte `M`, as the two zstd patches of [`prep_package::delta`]. Each pair is made once,
//! on the first request (the others wait for it), and kept in memory for every node that asks
//! (the newest [`DELTA_CACHE`] of them). A node that gets a 404 here (an S3 bucket, an older
//! origin) fetches the manifest and the objects whole instead.

use crate::index::OriginDir;
use anyhow::Context;
use bytes::Bytes;
use prep_package::delta::{changes, encode_files};
use prep_package::patch::make_patch;
use prep_package::{FileEntry, MANIFEST_PATH, Manifest};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Deltas kept in memory (two per corte and base; nodes are one or two cortes behind).
pub const DELTA_CACHE: usize = 64;

/// Which of a delta's two patches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The new manifest against the old one.
    Manifest,
    /// The files the old corte lacks, against its files at the same paths.
    Files,
}

impl Part {
    /// The last segment of its path.
    pub fn parse(name: &str) -> Option<Part> {
        match name {
            "manifest" => Some(Part::Manifest),
            "files" => Some(Part::Files),
            _ => None,
        }
    }
}

type Key = (u64, u64, bool);
type Slot = Arc<OnceCell<Bytes>>;

/// The deltas made so far, newest last.
#[derive(Default)]
pub struct DeltaCache {
    slots: Mutex<VecDeque<(Key, Slot)>>,
}

impl DeltaCache {
    /// The patch of `part` for corte `new` from corte `old`, made by `make` on a blocking
    /// thread when no request made it yet. A failure is not kept: the next request tries again.
    pub async fn get(
        &self,
        dir: &OriginDir,
        new: u64,
        old: u64,
        part: Part,
    ) -> anyhow::Result<Bytes> {
        let key = (new, old, part == Part::Files);
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            match slots.iter().find(|(k, _)| *k == key) {
                Some((_, slot)) => Arc::clone(slot),
                None => {
                    let slot = Slot::default();
                    slots.push_back((key, Arc::clone(&slot)));
                    while slots.len() > DELTA_CACHE {
                        slots.pop_front();
                    }
                    slot
                }
            }
        };
        let dir = dir.clone();
        slot.get_or_try_init(|| async move {
            tokio::task::spawn_blocking(move || make(&dir, new, old, part))
                .await
                .context("the delta's thread failed")?
                .map(Bytes::from)
        })
        .await
        .cloned()
    }
}

/// Makes the patch of `part` for corte `new` from corte `old` out of the election directory.
pub fn make(dir: &OriginDir, new: u64, old: u64, part: Part) -> anyhow::Result<Vec<u8>> {
    let new_bytes = dir.read_corte_file(new, MANIFEST_PATH)?;
    let old_bytes = dir.read_corte_file(old, MANIFEST_PATH)?;
    if part == Part::Manifest {
        return make_patch(&old_bytes, &new_bytes)
            .with_context(|| format!("cannot patch manifest {old} into {new}"));
    }
    let new_manifest = Manifest::from_bytes(&new_bytes)
        .with_context(|| format!("the manifest of corte {new} is not valid"))?;
    let old_manifest = Manifest::from_bytes(&old_bytes)
        .with_context(|| format!("the manifest of corte {old} is not valid"))?;
    // Each file by its hash: from the corte that lists it (the old one's first).
    let mut located: HashMap<&str, std::path::PathBuf> = HashMap::new();
    for (sequence, m) in [(new, &new_manifest), (old, &old_manifest)] {
        for f in &m.files {
            located.insert(&f.sha256, dir.corte_dir(sequence).join(&f.path));
        }
    }
    let read = |f: &FileEntry| -> anyhow::Result<Vec<u8>> {
        let path = located
            .get(f.sha256.as_str())
            .with_context(|| format!("{} is in neither manifest", f.path))?;
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let listed = changes(&old_manifest, &new_manifest);
    encode_files(&listed, |f| read(f).map_err(|e| format!("{e:#}")))
        .with_context(|| format!("cannot patch the files of corte {old} into {new}"))
}
