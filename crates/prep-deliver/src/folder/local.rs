//! A publication folder on this machine (a web root, or a share mounted here): files written
//! with [`prep_fs::write_durably_streamed`] (a temporary name beside the file, fsync,
//! rename over it, the directory fsynced).

use super::{Folder, FolderFuture, MAX_LISTED_FILES};
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
    fn list(&mut self) -> FolderFuture<'_, Vec<(String, u64)>> {
        let root = self.root.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || list(&root))
                .await
                .context("the listing thread failed")?
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

/// Every regular file under `root`, relative paths and sizes; dot-names and links skipped.
fn list(root: &Path) -> anyhow::Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
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
            if name.starts_with('.') {
                continue;
            }
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            let rel = format!("{prefix}{name}");
            if kind.is_dir() {
                stack.push((entry.path(), format!("{rel}/")));
            } else if kind.is_file() {
                let size = entry
                    .metadata()
                    .with_context(|| format!("cannot read {}", entry.path().display()))?
                    .len();
                out.push((rel, size));
                anyhow::ensure!(
                    out.len() <= MAX_LISTED_FILES,
                    "{} holds more than {MAX_LISTED_FILES} files: not a publication folder",
                    root.display()
                );
            }
        }
    }
    Ok(out)
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
