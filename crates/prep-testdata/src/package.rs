//! Corte packages built in memory for tests: files, their manifest, the pointer and the
//! signature, written to a package folder or published into an election directory's
//! `cortes/` with its `origin` link (the layout of [`prep_package::layout`]).

use prep_package::layout::{ElectionLayout, ORIGIN_LINK};
use prep_package::{
    FORMAT, FileEntry, MANIFEST_PATH, Manifest, POINTER_PATH, Pointer, SIGNATURE_PATH, SigningKey,
    sha256_hex, sign_manifest,
};
use std::path::{Path, PathBuf};

/// 2024-06-03T20:00:00-06:00 (2024-06-04T02:00:00Z), in seconds since the epoch: the hour
/// the test cortes are cut around.
pub const CORTE_EPOCH: i64 = 1_717_466_400;

/// A package in memory: files, manifest, pointer, signature.
#[derive(Clone, Debug)]
pub struct TestPackage {
    /// Data files (paths relative to the package, bytes), sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
    /// The manifest listing [`TestPackage::files`].
    pub manifest: Manifest,
    /// `json/main.json`: the pointer at the manifest.
    pub pointer: Pointer,
    /// `manifest.json.minisig`: the signature of the manifest (empty until signed).
    pub minisig: String,
}

/// The manifest of corte `sequence` listing `files`, chained onto `previous`, with
/// `index` as the site's index file: institute `IEEPUE`, process `PEL2024`, cut `corte`
/// (also its creation time), expiring in 2099. Tests change any field after.
pub fn manifest(
    sequence: u64,
    previous: Option<&Manifest>,
    files: &[(String, Vec<u8>)],
    index: &str,
    corte: &str,
) -> Manifest {
    let mut m = Manifest {
        format: FORMAT.into(),
        institute: "IEEPUE".into(),
        process: "PEL2024".into(),
        sequence,
        corte: corte.to_owned(),
        created: corte.to_owned(),
        expires: "2099-01-01T00:00:00Z".into(),
        is_final: false,
        previous: previous.map(Manifest::hash),
        site: prep_package::Site {
            corte_text: format!("corte {sequence}"),
            index: index.to_owned(),
            ..prep_package::Site::default()
        },
        files: files
            .iter()
            .map(|(path, bytes)| FileEntry {
                path: path.clone(),
                sha256: sha256_hex(bytes),
                size: bytes.len() as u64,
            })
            .collect(),
    };
    m.sort_files();
    m
}

impl TestPackage {
    /// The package of `manifest` and `files`, unsigned, its pointer naming the manifest's
    /// hash.
    pub fn new(manifest: Manifest, mut files: Vec<(String, Vec<u8>)>) -> TestPackage {
        files.sort();
        TestPackage {
            pointer: Pointer::of(&manifest, &manifest.hash()),
            files,
            manifest,
            minisig: String::new(),
        }
    }

    /// Re-signs after the manifest changed (and re-points the pointer at it).
    pub fn resign(&mut self, key: &SigningKey) {
        self.manifest.sort_files();
        self.pointer = Pointer::of(&self.manifest, &self.manifest.hash());
        self.minisig = sign_manifest(key, &self.manifest).expect("sign");
    }

    /// [`TestPackage::resign`], by value.
    pub fn signed(mut self, key: &SigningKey) -> TestPackage {
        self.resign(key);
        self
    }

    /// Writes the package into `dir` (created): its files, `manifest.json`, the signature
    /// and `json/main.json`.
    pub fn write(&self, dir: &Path) {
        write_files(dir, &self.files);
        write_files(
            dir,
            &[
                (MANIFEST_PATH.to_owned(), self.manifest.to_bytes()),
                (SIGNATURE_PATH.to_owned(), self.minisig.clone().into_bytes()),
                (POINTER_PATH.to_owned(), self.pointer.to_bytes()),
            ],
        );
    }

    /// Writes the package as corte `manifest.sequence` of the election directory `root`
    /// and switches its `origin` link to it, as the publisher does; returns the corte's
    /// folder.
    pub fn publish(&self, root: &Path) -> PathBuf {
        let layout = ElectionLayout::new(root);
        let dir = layout.corte_dir(self.manifest.sequence);
        self.write(&dir);
        switch_origin(root, self.manifest.sequence);
        dir
    }
}

/// Writes each file of `files` under `dir`, creating folders.
pub fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (path, bytes) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, bytes).expect("write");
    }
}

/// Points the `origin` link of the election directory `root` at corte `sequence`, by
/// rename.
pub fn switch_origin(root: &Path, sequence: u64) {
    let link = root.join(format!("{ORIGIN_LINK}.tmp-test"));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(ElectionLayout::origin_target(sequence), &link).expect("link");
    std::fs::rename(&link, ElectionLayout::new(root).origin()).expect("switch");
}

/// A key pair, unencrypted (tests only): the public key's text and the signing key.
pub fn keys() -> (String, SigningKey) {
    let (pk, sk) = prep_package::generate_keys(None).expect("keys");
    (
        pk,
        SigningKey::from_secret_key_file(&sk, None).expect("key"),
    )
}
