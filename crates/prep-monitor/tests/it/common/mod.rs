//! Fixtures: cortes published in an election directory, as the monitor reads them.
#![allow(dead_code)]

use prep_package::{FileEntry, Manifest, sha256_hex};
use std::path::{Path, PathBuf};

pub const NOW: i64 = 1_717_466_400; // 2024-06-04T02:00:00Z

/// Publishes corte `sequence` (created `age` seconds before NOW) in the election directory.
pub fn publish(root: &Path, sequence: u64, age: i64) -> PathBuf {
    let dir = root.join("cortes").join(format!("{sequence:06}"));
    let files = [
        ("index.html".to_owned(), b"<!doctype html>".to_vec()),
        (
            format!("json/total.{sequence}.json"),
            format!("{{\"n\":{sequence}}}").into_bytes(),
        ),
        ("json/static.json".to_owned(), b"{}".to_vec()),
    ];
    let mut entries = Vec::new();
    for (path, bytes) in &files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
        entries.push(FileEntry {
            path: path.clone(),
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        });
    }
    let mut m = Manifest {
        format: prep_package::FORMAT.into(),
        institute: "T".into(),
        process: "P".into(),
        sequence,
        corte: prep_package::rfc3339_utc(NOW - age),
        created: prep_package::rfc3339_utc(NOW - age),
        expires: "2099-01-01T00:00:00Z".into(),
        is_final: false,
        previous: None,
        site: prep_package::Site {
            corte_text: format!("corte {sequence}"),
            index: format!("json/total.{sequence}.json"),
            ..prep_package::Site::default()
        },
        files: entries,
    };
    m.sort_files();
    std::fs::write(dir.join("manifest.json"), m.to_bytes()).expect("manifest");
    std::fs::write(
        dir.join("json/main.json"),
        prep_package::Pointer::of(&m, &m.hash()).to_bytes(),
    )
    .expect("pointer");
    let link = root.join("origin.new");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(format!("cortes/{sequence:06}"), &link).expect("link");
    std::fs::rename(&link, root.join("origin")).expect("switch");
    dir
}
