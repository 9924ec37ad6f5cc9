//! The web-root export (Method 1): each activated corte materialised as plain files under
//! `<export_root>/cortes/<sequence>/` and a `current` symlink switched atomically, for an
//! existing nginx or Apache (`deploy/`).
//!
//! ```text
//! <export_root>/cortes/<sequence>/   every file of the corte: a hard link to the previous
//!                                    exported corte's when unchanged, else written from the
//!                                    node's objects
//! <export_root>/current -> cortes/<sequence>
//! ```
//!
//! A corte directory is built under a temporary name (`cortes/.tmp-<sequence>`), made durable
//! (`syncfs`) and renamed into place; then a new symlink is created under a temporary name and
//! renamed over `current` (`rename(2)` replaces it in one step: `current` is never missing, as
//! it would be between the unlink and the symlink of `ln -sfn`), and the directory is fsynced.
//! Old corte directories are kept (the history, served read-only by the web server).
//! While a suspension notice is in force `current` points at `cortes/<sequence>-notice-<n>/`,
//! the same corte with its pages and `json/main.json` as the node serves them then.

use crate::served::corte::Corte;
use crate::store::{CorteRecord, Store};
use anyhow::{Context, bail};
use prep_corte::{MANIFEST_PATH, POINTER_PATH};
use prep_fs::sync_dir;
use prep_package::Manifest;
use std::path::{Component, Path, PathBuf};

use prep_inbox::SIGNATURE_PATH;

/// The name of the symlink the web server's root points through.
pub const CURRENT: &str = "current";

/// The directory a corte is exported to.
pub fn corte_dir(export_root: &Path, sequence: u64) -> PathBuf {
    export_root.join("cortes").join(sequence.to_string())
}

/// Materialises the accepted corte `record` under `export_root` (unless already there) and
/// switches `current` to it.
pub fn export(store: &Store, record: &CorteRecord, export_root: &Path) -> anyhow::Result<()> {
    let cortes = export_root.join("cortes");
    std::fs::create_dir_all(&cortes)
        .with_context(|| format!("cannot create the export directory {}", cortes.display()))?;
    let target = corte_dir(export_root, record.sequence);
    if !target.is_dir() {
        materialise(store, record, &cortes, &target)?;
    }
    switch_current(export_root, record.sequence)
}

/// Builds the corte's directory under a temporary name and renames it into place.
fn materialise(
    store: &Store,
    record: &CorteRecord,
    cortes: &Path,
    target: &Path,
) -> anyhow::Result<()> {
    let manifest = Manifest::from_bytes(record.manifest.as_bytes())
        .with_context(|| format!("corte {}: stored manifest", record.sequence))?;
    let tmp = cortes.join(format!(".tmp-{}", record.sequence));
    prep_fs::remove_if_present(&tmp)?;
    std::fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let (previous_dir, previous_files) = previous_export(store, cortes, record.sequence);
    for f in &manifest.files {
        let rel = relative(&f.path)?;
        let dest = tmp.join(&rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        // A file the previous exported corte had with the same SHA-256: one inode for both.
        let from = previous_dir.join(&rel);
        let unchanged = previous_files.get(&f.path) == Some(&f.sha256)
            && std::fs::symlink_metadata(&from).is_ok_and(|m| m.is_file() && m.len() == f.size);
        if unchanged && std::fs::hard_link(&from, &dest).is_ok() {
            continue;
        }
        let bytes = store
            .read_object(&f.sha256)
            .with_context(|| format!("corte {}: {}", record.sequence, f.path))?;
        std::fs::write(&dest, bytes).with_context(|| format!("cannot write {}", dest.display()))?;
    }
    for (path, bytes) in [
        (MANIFEST_PATH, record.manifest.as_bytes()),
        (SIGNATURE_PATH, record.minisig.as_bytes()),
        (POINTER_PATH, record.pointer.as_bytes()),
    ] {
        let dest = tmp.join(relative(path)?);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&dest, bytes).with_context(|| format!("cannot write {}", dest.display()))?;
    }
    let dir =
        std::fs::File::open(&tmp).with_context(|| format!("cannot open {}", tmp.display()))?;
    rustix::fs::syncfs(&dir)
        .with_context(|| format!("cannot sync the file system of {}", tmp.display()))?;
    std::fs::rename(&tmp, target)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), target.display()))?;
    sync_dir(cortes)?;
    Ok(())
}

/// The newest corte exported before `sequence` (its directory) and its files' SHA-256 by path,
/// from its record in the store; nothing when there is none.
fn previous_export(
    store: &Store,
    cortes: &Path,
    sequence: u64,
) -> (PathBuf, std::collections::HashMap<String, String>) {
    let newest = std::fs::read_dir(cortes)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .filter(|&n| n < sequence)
        .max();
    let files = newest
        .and_then(|n| store.read_record(n).ok())
        .and_then(|r| Manifest::from_bytes(r.manifest.as_bytes()).ok())
        .map(|m| m.files.into_iter().map(|f| (f.path, f.sha256)).collect())
        .unwrap_or_default();
    (cortes.join(newest.unwrap_or(0).to_string()), files)
}

/// A manifest path as a relative path that cannot leave its root (checked again here
/// although the manifest was verified: this path is written to).
fn relative(path: &str) -> anyhow::Result<PathBuf> {
    let p = Path::new(path);
    if path.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        bail!("the path {path:?} would leave the export directory");
    }
    Ok(p.to_path_buf())
}

/// The name under `cortes/` of corte `sequence` exported with notice `notice` in force.
pub fn suspended_name(sequence: u64, notice: u64) -> String {
    format!("{sequence}-notice-{notice}")
}

/// Exports the site as served while notice `notice` is in force over the accepted corte
/// `record`: `corte` is that site in memory ([`Corte::suspended`]). Its pages and
/// `json/main.json` are written from memory, every other file is linked (or copied) from the
/// corte's own export, built first when missing. Then `current` is switched to it.
pub fn export_suspended(
    store: &Store,
    record: &CorteRecord,
    corte: &Corte,
    notice: u64,
    export_root: &Path,
) -> anyhow::Result<()> {
    let cortes = export_root.join("cortes");
    std::fs::create_dir_all(&cortes)
        .with_context(|| format!("cannot create the export directory {}", cortes.display()))?;
    let base = corte_dir(export_root, record.sequence);
    if !base.is_dir() {
        materialise(store, record, &cortes, &base)?;
    }
    let name = suspended_name(record.sequence, notice);
    let target = cortes.join(&name);
    if !target.is_dir() {
        let tmp = cortes.join(format!(".tmp-{name}"));
        prep_fs::remove_if_present(&tmp)?;
        for path in corte.paths() {
            let Some(file) = corte.get(path) else {
                continue;
            };
            let rel = relative(path)?;
            let dest = tmp.join(&rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let replaced = path == POINTER_PATH || file.content_type.starts_with("text/html");
            let from = base.join(&rel);
            if replaced {
                std::fs::write(&dest, &file.bytes)
                    .with_context(|| format!("cannot write {}", dest.display()))?;
            } else if std::fs::hard_link(&from, &dest).is_err() {
                std::fs::copy(&from, &dest).with_context(|| {
                    format!("cannot copy {} to {}", from.display(), dest.display())
                })?;
            }
        }
        let dir =
            std::fs::File::open(&tmp).with_context(|| format!("cannot open {}", tmp.display()))?;
        rustix::fs::syncfs(&dir)
            .with_context(|| format!("cannot sync the file system of {}", tmp.display()))?;
        std::fs::rename(&tmp, &target)
            .with_context(|| format!("cannot rename {} to {}", tmp.display(), target.display()))?;
        sync_dir(&cortes)?;
    }
    switch_current_to(export_root, &name)
}

/// Points `current` at `cortes/<sequence>`: a new symlink under a temporary name, renamed
/// over `current`, then the directory fsynced.
pub fn switch_current(export_root: &Path, sequence: u64) -> anyhow::Result<()> {
    switch_current_to(export_root, &sequence.to_string())
}

/// Points `current` at `cortes/<name>` (see [`switch_current`]).
fn switch_current_to(export_root: &Path, name: &str) -> anyhow::Result<()> {
    let current = export_root.join(CURRENT);
    let link_target = Path::new("cortes").join(name);
    if std::fs::read_link(&current).is_ok_and(|t| t == link_target) {
        return Ok(());
    }
    prep_fs::switch_symlink(&current, &link_target)?;
    Ok(())
}

/// The name under `cortes/` that `current` points at (`<sequence>`, or
/// `<sequence>-notice-<n>` while a notice is in force), if any.
pub fn current_name(export_root: &Path) -> Option<String> {
    let target = std::fs::read_link(export_root.join(CURRENT)).ok()?;
    Some(target.file_name()?.to_str()?.to_owned())
}

/// The sequence `current` points at, if any (none while a notice is in force).
pub fn current_sequence(export_root: &Path) -> Option<u64> {
    let target = std::fs::read_link(export_root.join(CURRENT)).ok()?;
    target.file_name()?.to_str()?.parse().ok()
}
