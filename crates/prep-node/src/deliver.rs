//! The sender's side of the inbox protocol, for a channel that writes into a local directory
//! (and for tests): copy the package into `inbox/.tmp-<name>/`, write the marker last, rename
//! to `inbox/<name>/`.

use crate::package_dir::COMPLETE_MARKER;
use anyhow::{Context, bail};
use std::path::Path;

/// Delivers the package directory `src` into `inbox` under `name`, so the node sees it whole
/// or not at all. Copies regular files and directories; anything else is an error.
pub fn deliver(src: &Path, inbox: &Path, name: &str) -> anyhow::Result<()> {
    if name.is_empty() || name.starts_with('.') || name.contains('/') {
        bail!("package name {name:?} must not be empty, start with `.` or contain `/`");
    }
    let tmp = inbox.join(format!(".tmp-{name}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)
            .with_context(|| format!("cannot remove {}", tmp.display()))?;
    }
    copy_tree(src, &tmp)?;
    std::fs::write(tmp.join(COMPLETE_MARKER), b"")
        .with_context(|| format!("cannot write the marker in {}", tmp.display()))?;
    let target = inbox.join(name);
    std::fs::rename(&tmp, &target)
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
