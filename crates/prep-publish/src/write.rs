//! Writing a signed package to disk, crash-safe: every file goes into a temporary directory
//! beside the target (a file whose bytes the previous corte already has is hard-linked from it
//! instead), the pointer `json/main.json` last; one `syncfs` (rustix) then makes all of it
//! durable at once (one flush for tens of thousands of files, instead of an fsync each), and
//! only then is the directory renamed into place and its parent fsynced. A crash at any moment
//! leaves either no package or a complete one, never half of one.

use anyhow::Context;
use prep_corte::{MANIFEST_PATH, POINTER_PATH, Package};
use prep_package::Manifest;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// What writing a package cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Files written (manifest, signature and pointer included).
    pub files_written: usize,
    /// Bytes of those files.
    pub bytes_written: u64,
    /// Files hard-linked from the previous corte (same path, same bytes).
    pub files_linked: usize,
}

/// Writes `package` and its signature to the new directory `out` (which must not exist).
/// `previous`: an earlier package directory whose unchanged files are linked, not copied.
pub fn write_package(
    out: &Path,
    package: &Package,
    signature: &str,
    previous: Option<&Path>,
) -> anyhow::Result<WriteStats> {
    if out.exists() {
        anyhow::bail!(
            "{} already exists; a package is never written over another",
            out.display()
        );
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let name = out
        .file_name()
        .with_context(|| format!("{} has no name", out.display()))?;
    let tmp = parent.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    prep_fs::remove_if_present(&tmp)?;
    let result = fill(&tmp, package, signature, previous);
    let stats = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, out)
        .with_context(|| format!("cannot move the package into {}", out.display()))?;
    prep_fs::sync_dir(parent)?;
    Ok(stats)
}

fn fill(
    tmp: &Path,
    package: &Package,
    signature: &str,
    previous: Option<&Path>,
) -> anyhow::Result<WriteStats> {
    let old = previous.map(previous_files).unwrap_or_default();
    // The new package's hashes, as its manifest lists them (not computed again here).
    let hashes: HashMap<&str, &str> = package
        .manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    let mut stats = WriteStats::default();
    let mut dirs = std::collections::BTreeSet::new();
    let mut write = |rel: &str, bytes: &[u8], stats: &mut WriteStats| -> anyhow::Result<()> {
        prep_package::validate_path(rel).with_context(|| format!("package path {rel:?}"))?;
        let path = tmp.join(rel);
        if let Some(dir) = path.parent()
            && dirs.insert(dir.to_owned())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        if let (Some(prev), Some((sha, size)), Some(new_sha)) =
            (previous, old.get(rel), hashes.get(rel))
            && *size == bytes.len() as u64
            && sha == new_sha
            && std::fs::hard_link(prev.join(rel), &path).is_ok()
        {
            stats.files_linked += 1;
            return Ok(());
        }
        let mut f = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        stats.files_written += 1;
        stats.bytes_written += bytes.len() as u64;
        Ok(())
    };
    for f in &package.files {
        write(&f.path, &f.bytes, &mut stats)?;
    }
    write(MANIFEST_PATH, &package.manifest.to_bytes(), &mut stats)?;
    write(
        &format!("{MANIFEST_PATH}.minisig"),
        signature.as_bytes(),
        &mut stats,
    )?;
    write(POINTER_PATH, &package.pointer.to_bytes(), &mut stats)?;
    // Every file and directory written above, durable in one flush of the file system.
    let root =
        std::fs::File::open(tmp).with_context(|| format!("cannot open {}", tmp.display()))?;
    rustix::fs::syncfs(&root)
        .with_context(|| format!("cannot sync the file system of {}", tmp.display()))?;
    Ok(stats)
}

/// The files the previous package's manifest lists: path → (sha256, size).
fn previous_files(dir: &Path) -> HashMap<String, (String, u64)> {
    std::fs::read(dir.join(MANIFEST_PATH))
        .ok()
        .and_then(|b| Manifest::from_bytes(&b).ok())
        .map(|m| {
            m.files
                .into_iter()
                .map(|f| (f.path, (f.sha256, f.size)))
                .collect()
        })
        .unwrap_or_default()
}
