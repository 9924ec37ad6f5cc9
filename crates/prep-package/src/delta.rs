//! An incremental corte as what changed since one its receiver holds: the new manifest as a
//! [`crate::patch`] of the old one, and every file the old corte lacks as one patch whose
//! base is the old corte's files at the same paths, all concatenated. Sender and receiver
//! derive the list of files from the two manifests alone ([`changes`]), so nothing but the
//! patch travels; the receiver still checks every rebuilt file against the signed manifest.
//!
//! How the two sides use it: the origin serves `deltas/<N>/from/<M>/manifest` and
//! `.../files` to pull nodes, and the sftp channel puts the same two patches in a delta
//! package; `prep-node` rebuilds the corte from its own copy of corte `M`.

use crate::manifest::{FileEntry, Manifest};
use crate::patch::{PatchError, apply_patch, make_patch};
use std::collections::{HashMap, HashSet};

/// One file the receiver lacks, and the file it replaces (its base), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change<'a> {
    /// The new corte's file.
    pub file: &'a FileEntry,
    /// The old corte's file at the same path, when there was one.
    pub was: Option<&'a FileEntry>,
}

/// Why the files of a delta could not be encoded or rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum DeltaError {
    /// A file could not be read (the caller's message).
    #[error("{0}")]
    Read(String),
    /// A file read has not the size its manifest lists.
    #[error("{path} has {got} bytes, its manifest lists {listed}")]
    Size {
        /// The file.
        path: String,
        /// Bytes read.
        got: u64,
        /// Bytes listed.
        listed: u64,
    },
    /// zstd could not make or apply the patch.
    #[error(transparent)]
    Patch(#[from] PatchError),
}

/// The files of `new` whose SHA-256 `old` does not list (a receiver holding `old` lacks
/// exactly these), in `new`'s order, each with the file it replaces in `old`: the one at the
/// same path, else the one at the same path once its version is taken out of the name (the
/// site names its JSON `<name>.<16 hex digits>.json`, a new name at every change, so the
/// same table of the corte before is `<name>.<other digits>.json`).
pub fn changes<'a>(old: &'a Manifest, new: &'a Manifest) -> Vec<Change<'a>> {
    let held: HashSet<&str> = old.files.iter().map(|f| f.sha256.as_str()).collect();
    let mut by_unversioned: HashMap<String, &FileEntry> = HashMap::new();
    for f in &old.files {
        by_unversioned.entry(unversioned(&f.path)).or_insert(f);
    }
    new.files
        .iter()
        .filter(|f| !held.contains(f.sha256.as_str()))
        .map(|file| Change {
            file,
            was: old
                .files
                .binary_search_by(|o| o.path.as_str().cmp(&file.path))
                .ok()
                .map(|i| &old.files[i])
                .or_else(|| by_unversioned.get(&unversioned(&file.path)).copied()),
        })
        .collect()
}

/// `path` without the version in its file name: `json/x/15.3f6c8c8fe95873a8.json` becomes
/// `json/x/15.json`; a name without one is unchanged.
pub fn unversioned(path: &str) -> String {
    let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    let parts: Vec<&str> = name.split('.').collect();
    let is_version = |p: &str| p.len() == 16 && p.bytes().all(|b| b.is_ascii_hexdigit());
    let kept: Vec<&str> = match parts.len() {
        n if n >= 3 && is_version(parts[n - 2]) => {
            let mut k = parts[..n - 2].to_vec();
            k.push(parts[n - 1]);
            k
        }
        _ => parts,
    };
    let name = kept.join(".");
    if dir.is_empty() {
        name
    } else {
        format!("{dir}/{name}")
    }
}

/// Total bytes of the new files of `changes`.
pub fn new_bytes(changes: &[Change<'_>]) -> u64 {
    changes.iter().map(|c| c.file.size).sum()
}

/// The old corte's files the patch refers to, concatenated in `changes` order.
fn base<E>(
    changes: &[Change<'_>],
    read: &mut impl FnMut(&FileEntry) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, DeltaError>
where
    E: std::fmt::Display,
{
    let mut out = Vec::new();
    for was in changes.iter().filter_map(|c| c.was) {
        out.extend_from_slice(&read_listed(was, read)?);
    }
    Ok(out)
}

fn read_listed<E: std::fmt::Display>(
    f: &FileEntry,
    read: &mut impl FnMut(&FileEntry) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, DeltaError> {
    let bytes = read(f).map_err(|e| DeltaError::Read(e.to_string()))?;
    if bytes.len() as u64 != f.size {
        return Err(DeltaError::Size {
            path: f.path.clone(),
            got: bytes.len() as u64,
            listed: f.size,
        });
    }
    Ok(bytes)
}

/// The patch carrying the files of `changes`: `read` gives the bytes of any file entry, old
/// or new (the sender holds both cortes).
pub fn encode_files<E: std::fmt::Display>(
    changes: &[Change<'_>],
    mut read: impl FnMut(&FileEntry) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, DeltaError> {
    let base = base(changes, &mut read)?;
    let mut target = Vec::with_capacity(usize::try_from(new_bytes(changes)).unwrap_or(0));
    for c in changes {
        target.extend_from_slice(&read_listed(c.file, &mut read)?);
    }
    Ok(make_patch(&base, &target)?)
}

/// The files of `changes` rebuilt from `patch`, with `read_old` giving the old corte's files
/// (the receiver's own copies): each new file's path and bytes, sizes as listed. Hashes are
/// the caller's to check (against the signed manifest, with everything else).
pub fn decode_files<E: std::fmt::Display>(
    changes: &[Change<'_>],
    mut read_old: impl FnMut(&FileEntry) -> Result<Vec<u8>, E>,
    patch: &[u8],
) -> Result<Vec<(String, Vec<u8>)>, DeltaError> {
    let base = base(changes, &mut read_old)?;
    let total = new_bytes(changes);
    let all = apply_patch(&base, patch, total)?;
    if all.len() as u64 != total {
        return Err(DeltaError::Size {
            path: "(the files of the delta)".into(),
            got: all.len() as u64,
            listed: total,
        });
    }
    let mut out = Vec::with_capacity(changes.len());
    let mut at = 0usize;
    for c in changes {
        // Sizes sum to `all.len()`, checked above.
        let end = at + c.file.size as usize;
        out.push((c.file.path.clone(), all[at..end].to_vec()));
        at = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha256_hex;
    use std::collections::HashMap;

    fn manifest(sequence: u64, files: &[(&str, &[u8])]) -> Manifest {
        let mut files: Vec<FileEntry> = files
            .iter()
            .map(|(p, b)| FileEntry {
                path: (*p).to_owned(),
                sha256: sha256_hex(b),
                size: b.len() as u64,
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Manifest {
            format: crate::FORMAT.into(),
            institute: "IEE".into(),
            process: "PEL 2024".into(),
            sequence,
            corte: "2024-06-02T20:00:00-06:00".into(),
            created: "2024-06-02T20:00:05-06:00".into(),
            expires: "2024-06-03T20:00:00-06:00".into(),
            is_final: false,
            previous: None,
            site: crate::Site {
                corte_text: "02/06/2024 20:00 (UTC-6)".into(),
                index: files[0].path.clone(),
                ..crate::Site::default()
            },
            files,
        }
    }

    #[test]
    fn the_changed_files_travel_as_one_patch_and_come_back_whole() {
        let a1 = br#"{"votos": [10, 20, 30], "actas": 100}"#.repeat(20);
        let a2 = br#"{"votos": [11, 20, 30], "actas": 101}"#.repeat(20);
        let same = b"unchanged".to_vec();
        let added = b"a new file".to_vec();
        let old = manifest(1, &[("json/a.json", &a1), ("json/s.json", &same)]);
        let new = manifest(
            2,
            &[
                ("json/a.json", &a2),
                ("json/s.json", &same),
                ("json/n.json", &added),
            ],
        );
        let changes = changes(&old, &new);
        let paths: Vec<_> = changes.iter().map(|c| c.file.path.as_str()).collect();
        assert_eq!(paths, ["json/a.json", "json/n.json"]);
        assert_eq!(changes[0].was.map(|w| w.path.as_str()), Some("json/a.json"));
        assert_eq!(changes[1].was, None);

        let bytes: HashMap<String, Vec<u8>> = [a1.clone(), a2.clone(), same, added.clone()]
            .into_iter()
            .map(|b| (sha256_hex(&b), b))
            .collect();
        let read = |f: &FileEntry| bytes.get(&f.sha256).cloned().ok_or("absent");
        let patch = encode_files(&changes, read).expect("encode");
        assert!(patch.len() < a2.len() / 4, "{} bytes", patch.len());
        let rebuilt = decode_files(&changes, read, &patch).expect("decode");
        assert_eq!(
            rebuilt,
            vec![
                ("json/a.json".to_owned(), a2),
                ("json/n.json".to_owned(), added)
            ]
        );
    }

    #[test]
    fn a_versioned_name_is_patched_against_the_same_table_before() {
        assert_eq!(
            unversioned("json/x/15.3f6c8c8fe95873a8.json"),
            "json/x/15.json"
        );
        assert_eq!(unversioned("index.0123456789abcdef.json"), "index.json");
        assert_eq!(unversioned("json/main.json"), "json/main.json");
        assert_eq!(unversioned("a/b.c.d"), "a/b.c.d");
        let t1 = br#"{"entidad": 15, "votos": [100, 200, 300]}"#.repeat(30);
        let t2 = br#"{"entidad": 15, "votos": [101, 200, 300]}"#.repeat(30);
        let old = manifest(1, &[("json/x/15.aaaaaaaaaaaaaaaa.json", &t1)]);
        let new = manifest(2, &[("json/x/15.bbbbbbbbbbbbbbbb.json", &t2)]);
        let changed = changes(&old, &new);
        assert_eq!(
            changed[0].was.map(|w| w.path.as_str()),
            Some("json/x/15.aaaaaaaaaaaaaaaa.json")
        );
        let read = |f: &FileEntry| {
            Ok::<_, &str>(if f.sha256 == old.files[0].sha256 {
                t1.clone()
            } else {
                t2.clone()
            })
        };
        let patch = encode_files(&changed, read).expect("encode");
        assert!(patch.len() < 60, "{} bytes", patch.len());
        assert_eq!(
            decode_files(&changed, read, &patch).expect("decode")[0].1,
            t2
        );
    }

    #[test]
    fn a_base_of_the_wrong_size_or_unreadable_is_an_error() {
        let old = manifest(1, &[("x.json", b"0123456789")]);
        let new = manifest(2, &[("x.json", b"0123456780")]);
        let changes = changes(&old, &new);
        let patch = encode_files(&changes, |f: &FileEntry| {
            Ok::<_, &str>(if f.sha256 == old.files[0].sha256 {
                b"0123456789".to_vec()
            } else {
                b"0123456780".to_vec()
            })
        })
        .expect("encode");
        let short = decode_files(
            &changes,
            |_: &FileEntry| Ok::<_, &str>(b"01".to_vec()),
            &patch,
        );
        assert!(matches!(short, Err(DeltaError::Size { .. })), "{short:?}");
        let gone = decode_files(&changes, |_: &FileEntry| Err("no such object"), &patch);
        assert!(matches!(gone, Err(DeltaError::Read(m)) if m == "no such object"));
    }
}
