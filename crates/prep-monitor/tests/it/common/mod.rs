//! Fixtures: cortes published in an election directory, as the monitor reads them.
#![allow(dead_code)]

use prep_testdata::package::TestPackage;
use std::path::{Path, PathBuf};

pub const NOW: i64 = 1_717_466_400; // 2024-06-04T02:00:00Z

/// Publishes corte `sequence` (created `age` seconds before NOW) in the election directory.
pub fn publish(root: &Path, sequence: u64, age: i64) -> PathBuf {
    publish_with_page(root, sequence, age, b"<!doctype html>")
}

/// [`publish`] with `page` as its `index.html`.
pub fn publish_with_page(root: &Path, sequence: u64, age: i64, page: &[u8]) -> PathBuf {
    let files = [
        ("index.html".to_owned(), page.to_vec()),
        (
            format!("json/total.{sequence}.json"),
            format!("{{\"n\":{sequence}}}").into_bytes(),
        ),
        ("json/static.json".to_owned(), b"{}".to_vec()),
    ];
    let created = prep_package::rfc3339_utc(NOW - age);
    let index = format!("json/total.{sequence}.json");
    let mut m = prep_testdata::package::manifest(sequence, None, &files, &index, &created);
    m.institute = "T".into();
    m.process = "P".into();
    // Unsigned: the monitor reads what is published; it does not check signatures.
    TestPackage::new(m, files.to_vec()).publish(root)
}
