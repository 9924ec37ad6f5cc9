//! The sender's side of the inbox protocol, for a channel that writes into a local directory
//! (and for tests): copy the package into `inbox/.tmp-<name>/`, write the marker last, rename
//! to `inbox/<name>/`. [`deliver_delta`] sends a delta package: only the listed files the
//! node does not hold, with the marker `.prep-delta`.

use crate::names::{COMPLETE_MARKER, DELTA_MARKER, MANIFEST_PATH, POINTER_PATH, SIGNATURE_PATH};
use anyhow::{Context, bail};
use prep_package::Manifest;
use std::path::Path;

/// What a delivery copied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Files copied (listed files, manifest, signature and pointer).
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Listed files left out because the node holds them.
    pub skipped: u64,
}

/// Delivers the package directory `src` into `inbox` under `name`, so the node sees it whole
/// or not at all. Copies regular files and directories; anything else is an error.
pub fn deliver(src: &Path, inbox: &Path, name: &str) -> anyhow::Result<()> {
    let tmp = fresh_tmp(inbox, name)?;
    copy_tree(src, &tmp)?;
    complete(&tmp, inbox, name)
}

/// Delivers the package directory `src` (a complete package) into `inbox` under `name` as a
/// delta: the manifest, its signature, the pointer, and every listed file whose SHA-256
/// `have` does not claim; then the markers `.prep-delta` and `.prep-complete`, then the
/// rename. `have(sha256)` must only claim what the node's object store holds (the files of a
/// corte it accepted): a claimed file the node lacks makes it refuse the package
/// (`missing_file`), never accept a weaker one.
pub fn deliver_delta(
    src: &Path,
    inbox: &Path,
    name: &str,
    have: impl Fn(&str) -> bool,
) -> anyhow::Result<Sent> {
    let manifest_path = src.join(MANIFEST_PATH);
    let bytes = std::fs::read(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let manifest = Manifest::from_bytes(&bytes)
        .with_context(|| format!("{} is not a manifest", manifest_path.display()))?;
    let tmp = fresh_tmp(inbox, name)?;
    let mut sent = Sent::default();
    let always = [MANIFEST_PATH, SIGNATURE_PATH, POINTER_PATH];
    let listed = manifest.files.iter().filter_map(|f| {
        if have(&f.sha256) {
            sent.skipped += 1;
            None
        } else {
            Some(f.path.as_str())
        }
    });
    let paths: Vec<&str> = always.into_iter().chain(listed).collect();
    for path in paths {
        let from = src.join(path);
        let to = tmp.join(path);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        sent.bytes +=
            std::fs::copy(&from, &to).with_context(|| format!("cannot copy {}", from.display()))?;
        sent.files += 1;
    }
    std::fs::write(tmp.join(DELTA_MARKER), b"")
        .with_context(|| format!("cannot write the delta marker in {}", tmp.display()))?;
    complete(&tmp, inbox, name)?;
    Ok(sent)
}

/// `inbox/.tmp-<name>`, emptied, after checking `name`.
fn fresh_tmp(inbox: &Path, name: &str) -> anyhow::Result<std::path::PathBuf> {
    if name.is_empty() || name.starts_with('.') || name.contains('/') {
        bail!("package name {name:?} must not be empty, start with `.` or contain `/`");
    }
    let tmp = inbox.join(format!(".tmp-{name}"));
    prep_fs::remove_if_present(&tmp)?;
    Ok(tmp)
}

/// Writes the completion marker in `tmp`, last, and renames it to `inbox/<name>`.
fn complete(tmp: &Path, inbox: &Path, name: &str) -> anyhow::Result<()> {
    std::fs::write(tmp.join(COMPLETE_MARKER), b"")
        .with_context(|| format!("cannot write the marker in {}", tmp.display()))?;
    let target = inbox.join(name);
    std::fs::rename(tmp, &target)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), target.display()))
}

/// Copies a tree of regular files and directories.
pub fn copy_tree(src: &Path, dst: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dst).with_context(|| format!("cannot create {}", dst.display()))?;
    for entry in std::fs::read_dir(src).with_context(|| format!("cannot list {}", src.display()))? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let to = dst.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &to)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &to)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        } else {
            bail!(
                "{} is not a regular file or directory",
                entry.path().display()
            );
        }
    }
    Ok(())
}
