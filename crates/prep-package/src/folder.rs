//! A corte package laid out in a difusor's publication folder: the folder its web server
//! publishes, written over SFTP, rsync or FTPS with nothing of ours installed on their side.
//! Paths and plans only: this module touches no file and no network.
//!
//! ```text
//! F/json/…<h>.json, F/assets/…<h>.…   content-named files: written once, never changed
//! F/datos/…zip                         the zipped databases, named by their corte time
//! F/cortes/<sequence>/manifest.json    each corte's manifest and signature, never changed
//! F/cortes/<sequence>/manifest.json.minisig
//! F/index.html, F/verificar.html       the pages (stable names)
//! F/manifest.json(.minisig)            the newest corte's manifest, as in a package
//! F/json/main.json                     the pointer: written last, the switch
//! ```
//!
//! Every file goes to a temporary name beside its place and is renamed over it, so no file
//! is ever seen half-written; the pointer goes last, so a reader that fetches
//! `json/main.json` and then what it names never sees two cortes: every file a pointer names
//! is in place before the pointer, and nothing is deleted unless a retention setting prunes
//! cortes older than the ones kept ([`prune`]). A reader verifies the corte a pointer names
//! with that corte's own manifest, [`corte_manifest_path`], which no later corte changes.

use crate::{FileEntry, MANIFEST_PATH, Manifest, POINTER_PATH, SIGNATURE_PATH};
use std::collections::{BTreeSet, HashMap};

/// The folder, under the publication folder, of every corte's manifest and signature.
pub const CORTES_FOLDER: &str = "cortes";

/// Where corte `sequence`'s manifest stays in a publication folder (`cortes/42/manifest.json`).
pub fn corte_manifest_path(sequence: u64) -> String {
    format!("{CORTES_FOLDER}/{sequence}/{MANIFEST_PATH}")
}

/// Where corte `sequence`'s manifest signature stays (`cortes/42/manifest.json.minisig`).
pub fn corte_signature_path(sequence: u64) -> String {
    format!("{CORTES_FOLDER}/{sequence}/{SIGNATURE_PATH}")
}

/// Whether a listed file is named by its content: one dot-separated part of its file name is
/// the first 16 hex digits of its SHA-256 (`total.0b5038e084727ce2.json`). Such a file
/// never changes under its name.
pub fn is_content_named(file: &FileEntry) -> bool {
    let name = file.path.rsplit('/').next().unwrap_or(&file.path);
    file.sha256.len() >= 16 && name.split('.').any(|part| part == &file.sha256[..16])
}

/// What the publication folder holds at one path, as far as the institute knows: its size
/// (from a listing) and its SHA-256 when the institute wrote it and recorded so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex, when known.
    pub sha256: Option<String>,
}

/// What a publication folder holds, by path (`/`-separated, relative to the folder).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remote {
    /// Every file known to be there.
    pub files: HashMap<String, RemoteFile>,
}

impl Remote {
    /// Whether the folder certainly holds `file`'s bytes at its path: the same SHA-256 where
    /// known; otherwise the same size, for a content-named file only (its name is its hash).
    pub fn holds(&self, file: &FileEntry) -> bool {
        self.files.get(&file.path).is_some_and(|r| match &r.sha256 {
            Some(sha) => *sha == file.sha256,
            None => r.size == file.size && is_content_named(file),
        })
    }
}

/// When, in a corte's upload, a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Content-named files the folder lacks: nothing refers to them yet.
    Content,
    /// The corte's own manifest and signature, [`corte_manifest_path`].
    CorteManifest,
    /// Files at stable names (the pages, the databases named by their corte time), and any
    /// file that replaces other bytes at its path: after every file they may refer to.
    Stable,
    /// The folder's `manifest.json` and its signature.
    Manifest,
    /// `json/main.json`: the switch, last.
    Pointer,
}

/// One file to write: `path` in the folder, from `source` in the package (the two differ
/// for the corte's own manifest copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// When it is written.
    pub stage: Stage,
    /// Where it goes, relative to the folder.
    pub path: String,
    /// Which file of the package it is, relative to the package.
    pub source: String,
    /// Its size, where the manifest says (`None` for the manifest, its signature and the
    /// pointer).
    pub size: Option<u64>,
}

/// The uploads that put corte `manifest` in a folder holding `remote`, in the order they
/// must be made: the stages in order ([`Stage`]), paths sorted within a stage. Files the
/// folder holds are left out; the corte's manifest, the folder's manifest and the pointer
/// always go.
pub fn plan(manifest: &Manifest, remote: &Remote) -> Vec<Upload> {
    let mut uploads: Vec<Upload> = manifest
        .files
        .iter()
        .filter(|f| !remote.holds(f))
        .map(|f| Upload {
            stage: if is_content_named(f) && !remote.files.contains_key(&f.path) {
                Stage::Content
            } else {
                Stage::Stable
            },
            path: f.path.clone(),
            source: f.path.clone(),
            size: Some(f.size),
        })
        .collect();
    let fixed = [
        (
            Stage::CorteManifest,
            corte_manifest_path(manifest.sequence),
            MANIFEST_PATH,
        ),
        (
            Stage::CorteManifest,
            corte_signature_path(manifest.sequence),
            SIGNATURE_PATH,
        ),
        (Stage::Manifest, MANIFEST_PATH.to_owned(), MANIFEST_PATH),
        (Stage::Manifest, SIGNATURE_PATH.to_owned(), SIGNATURE_PATH),
        (Stage::Pointer, POINTER_PATH.to_owned(), POINTER_PATH),
    ];
    for (stage, path, source) in fixed {
        uploads.push(Upload {
            stage,
            path,
            source: source.to_owned(),
            size: None,
        });
    }
    uploads.sort_by(|a, b| (a.stage, &a.path).cmp(&(b.stage, &b.path)));
    uploads
}

/// What pruning the cortes `pruned` removes from a folder that keeps the cortes `kept`:
/// every file of a pruned corte that no kept corte lists, and the pruned cortes' own
/// manifests and signatures; sorted. Never a file a kept corte lists, so the current corte
/// (which must be among `kept`) stays whole.
pub fn prune(kept: &[&Manifest], pruned: &[&Manifest]) -> Vec<String> {
    let keep: BTreeSet<&str> = kept
        .iter()
        .flat_map(|m| m.files.iter().map(|f| f.path.as_str()))
        .collect();
    let kept_sequences: BTreeSet<u64> = kept.iter().map(|m| m.sequence).collect();
    let mut out = BTreeSet::new();
    for m in pruned {
        if kept_sequences.contains(&m.sequence) {
            continue;
        }
        for f in &m.files {
            if !keep.contains(f.path.as_str()) {
                out.insert(f.path.clone());
            }
        }
        out.insert(corte_manifest_path(m.sequence));
        out.insert(corte_signature_path(m.sequence));
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha256_hex;

    fn entry(path: &str, bytes: &[u8]) -> FileEntry {
        FileEntry {
            path: path.to_owned(),
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        }
    }

    /// A file named by its content, as the corte builder names data files.
    fn named(dir: &str, stem: &str, bytes: &[u8]) -> FileEntry {
        let sha = sha256_hex(bytes);
        entry(&format!("{dir}/{stem}.{}.json", &sha[..16]), bytes)
    }

    fn manifest(sequence: u64, files: Vec<FileEntry>) -> Manifest {
        let mut m = Manifest {
            format: crate::FORMAT.into(),
            institute: "IEEPUE".into(),
            process: "PEL2024".into(),
            sequence,
            corte: "2024-06-02T20:00:00-06:00".into(),
            created: "2024-06-02T20:00:00-06:00".into(),
            expires: "2099-01-01T00:00:00Z".into(),
            is_final: false,
            previous: None,
            site: crate::Site::default(),
            files,
        };
        m.sort_files();
        m
    }

    fn written(remote: &mut Remote, uploads: &[Upload], m: &Manifest) {
        for u in uploads {
            let sha = m
                .files
                .iter()
                .find(|f| f.path == u.source)
                .map(|f| f.sha256.clone());
            remote.files.insert(
                u.path.clone(),
                RemoteFile {
                    size: u.size.unwrap_or(0),
                    sha256: sha,
                },
            );
        }
    }

    #[test]
    fn content_naming_is_read_from_the_name_and_the_hash() {
        assert!(is_content_named(&named("json", "total", b"{}")));
        assert!(!is_content_named(&entry("index.html", b"<p>")));
        let mut wrong = named("json", "total", b"{}");
        wrong.sha256 = sha256_hex(b"otra cosa");
        assert!(!is_content_named(&wrong));
    }

    #[test]
    fn a_first_corte_writes_everything_and_the_pointer_last() {
        let m = manifest(
            1,
            vec![
                entry("index.html", b"<p>"),
                named("json", "total", b"{\"a\":1}"),
                entry("datos/20240602_2000_PREP_PUE.zip", b"zip"),
            ],
        );
        let uploads = plan(&m, &Remote::default());
        let order: Vec<(Stage, &str)> =
            uploads.iter().map(|u| (u.stage, u.path.as_str())).collect();
        let total = m.files[2].path.as_str();
        assert!(total.starts_with("json/total."));
        assert_eq!(
            order,
            vec![
                (Stage::Content, total),
                (Stage::CorteManifest, "cortes/1/manifest.json"),
                (Stage::CorteManifest, "cortes/1/manifest.json.minisig"),
                (Stage::Stable, "datos/20240602_2000_PREP_PUE.zip"),
                (Stage::Stable, "index.html"),
                (Stage::Manifest, "manifest.json"),
                (Stage::Manifest, "manifest.json.minisig"),
                (Stage::Pointer, "json/main.json"),
            ]
        );
        assert_eq!(uploads[1].source, "manifest.json");
    }

    #[test]
    fn the_next_corte_sends_only_what_changed_and_pages_after_new_content() {
        let page1 = entry("index.html", b"<p>uno");
        let kept = named("json", "area", b"[1]");
        let m1 = manifest(1, vec![page1, kept.clone(), named("json", "total", b"1")]);
        let mut remote = Remote::default();
        let first = plan(&m1, &remote);
        written(&mut remote, &first, &m1);

        let m2 = manifest(
            2,
            vec![
                entry("index.html", b"<p>dos"),
                kept,
                named("json", "total", b"2"),
            ],
        );
        let uploads = plan(&m2, &remote);
        let sent: Vec<(Stage, &str)> = uploads
            .iter()
            .filter(|u| u.size.is_some())
            .map(|u| (u.stage, u.path.as_str()))
            .collect();
        let total2 = m2
            .files
            .iter()
            .find(|f| f.path.starts_with("json/total"))
            .expect("total");
        assert_eq!(
            sent,
            vec![
                (Stage::Content, total2.path.as_str()),
                (Stage::Stable, "index.html")
            ]
        );
        assert_eq!(
            uploads.last().map(|u| u.path.as_str()),
            Some("json/main.json")
        );
    }

    #[test]
    fn a_listed_size_is_trusted_only_for_content_named_files() {
        let data = named("json", "area", b"[1]");
        let page = entry("index.html", b"<p>");
        let mut remote = Remote::default();
        for f in [&data, &page] {
            remote.files.insert(
                f.path.clone(),
                RemoteFile {
                    size: f.size,
                    sha256: None,
                },
            );
        }
        assert!(remote.holds(&data));
        assert!(
            !remote.holds(&page),
            "same size, unknown bytes: written again"
        );
        let mut short = remote.clone();
        short.files.get_mut(&data.path).expect("listed").size -= 1;
        assert!(!short.holds(&data), "a truncated file is written again");
    }

    #[test]
    fn pruning_never_removes_what_a_kept_corte_lists() {
        let shared = named("json", "area", b"[1]");
        let old = named("json", "total", b"1");
        let m1 = manifest(1, vec![shared.clone(), old.clone()]);
        let m2 = manifest(2, vec![shared, named("json", "total", b"2")]);
        assert_eq!(
            prune(&[&m2], &[&m1]),
            vec![
                "cortes/1/manifest.json".to_owned(),
                "cortes/1/manifest.json.minisig".to_owned(),
                old.path.clone(),
            ]
        );
        assert!(
            prune(&[&m1, &m2], &[&m1]).is_empty(),
            "a kept corte is never pruned"
        );
    }
}
