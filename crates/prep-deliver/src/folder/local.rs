//! A publication folder on this machine (a web root, or a share mounted here): files written
//! with [`prep_fs::write_durably_streamed`] (a temporary name beside the file, fsync,
//! rename over it, the directory fsynced).

use super::{Folder, FolderFuture, Listing, lists_into};
use crate::channel::Sent;
use anyhow::Context;
use prep_package::folder::Upload;
use std::path::{Path, PathBuf};

/// A folder at a local path.
#[derive(Debug, Clone)]
pub struct LocalFolder {
    /// The folder.
    pub root: PathBuf,
}

impl Folder for LocalFolder {
    fn list(&mut self) -> FolderFuture<'_, Listing> {
        let root = self.root.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || list(&root))
                .await
                .context("the listing thread failed")?
        })
    }

    fn remove<'a>(&'a mut self, paths: &'a [String]) -> FolderFuture<'a, ()> {
        let (root, paths) = (self.root.clone(), paths.to_vec());
        Box::pin(async move {
            tokio::task::spawn_blocking(move || remove(&root, &paths))
                .await
                .context("the removing thread failed")?
        })
    }

    fn put<'a>(&'a mut self, package: &'a Path, uploads: &'a [Upload]) -> FolderFuture<'a, Sent> {
        let (root, package, uploads) = (self.root.clone(), package.to_path_buf(), uploads.to_vec());
        Box::pin(async move {
            tokio::task::spawn_blocking(move || put(&root, &package, &uploads))
                .await
                .context("the writing thread failed")?
        })
    }
}

/// What `root` holds ([`Listing`]); links not followed.
fn list(root: &Path) -> anyhow::Result<Listing> {
    let mut out = Listing::default();
    if !root.exists() {
        return Ok(out);
    }
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            if kind.is_dir() && lists_into(name) {
                let rel = if prefix.is_empty() {
                    name.to_owned()
                } else {
                    format!("{prefix}/{name}")
                };
                stack.push((entry.path(), rel));
            } else if kind.is_file() {
                let size = entry
                    .metadata()
                    .with_context(|| format!("cannot read {}", entry.path().display()))?
                    .len();
                out.take(&prefix, name, size)?;
            }
        }
    }
    Ok(out)
}

/// Removes each of `paths` under `root` (leftovers the listing found; no `..`).
fn remove(root: &Path, paths: &[String]) -> anyhow::Result<()> {
    for p in paths {
        anyhow::ensure!(
            !p.starts_with('/') && p.split('/').all(|part| !part.is_empty() && part != ".."),
            "refused to remove {p:?} from {}",
            root.display()
        );
        prep_fs::remove_if_present(root.join(p))?;
    }
    Ok(())
}

/// Copies each upload's source under `package` to its path under `root`, whole or not at
/// all.
fn put(root: &Path, package: &Path, uploads: &[Upload]) -> anyhow::Result<Sent> {
    let mut sent = Sent::default();
    for u in uploads {
        prep_package::validate_path(&u.path)
            .with_context(|| format!("refused to write {:?} into {}", u.path, root.display()))?;
        let source = package.join(&u.source);
        let target = root.join(&u.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut input = std::fs::File::open(&source)
            .with_context(|| format!("cannot read {}", source.display()))?;
        let bytes = prep_fs::write_durably_streamed(&target, prep_fs::WriteOptions::new(), |out| {
            std::io::copy(&mut input, out)
        })
        .with_context(|| format!("cannot write {}", target.display()))?;
        sent.files += 1;
        sent.bytes += bytes;
    }
    Ok(sent)
}
