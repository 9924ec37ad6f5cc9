//! Signed chained packages for load tests (files shared by every corte, files that change),
//! and wrk: whether it is installed, and the line its check scripts print.

use super::write_signed_package;
use prep_package::{Manifest, SigningKey, sha256_hex};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Files every corte shares (the same names each time), and files that change.
pub const SHARED_FILES: usize = 20;
pub const CHANGING_FILES: usize = 10;

/// The content-named path of a file whose name is `stem` and whose content is `body`.
pub fn content_named(stem: &str, body: &str) -> String {
    format!("{stem}.{}.json", &sha256_hex(body.as_bytes())[..16])
}

/// The body of shared file `i`: the same in every corte.
pub fn shared_body(i: usize) -> String {
    format!("{{\"area\":{i},\"pad\":\"{}\"}}", "x".repeat(2000))
}

/// Writes the package of `sequence`, chained onto `previous`, into `dir`. Returns its
/// manifest.
pub fn write_package(
    dir: &Path,
    key: &SigningKey,
    sequence: u64,
    previous: Option<&Manifest>,
) -> Manifest {
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..SHARED_FILES {
        let body = shared_body(i);
        files.push((content_named(&format!("json/gub/area/{i}"), &body), body));
    }
    for i in 0..CHANGING_FILES {
        let body = format!(
            "{{\"acta\":{i},\"corte\":{sequence},\"pad\":\"{}\"}}",
            "y".repeat(900)
        );
        files.push((content_named(&format!("json/gub/actas/{i}"), &body), body));
    }
    // The index names the corte's data files, as a real corte's index does: first the ones
    // that changed.
    let named: Vec<String> = files
        .iter()
        .rev()
        .map(|(path, _)| format!("\"{path}\""))
        .collect();
    let index_body = format!(
        "{{\"corte\":{sequence},\"archivos\":[{}]}}",
        named.join(",")
    );
    let index_path = content_named("json/index", &index_body);
    files.push((index_path.clone(), index_body));
    files.push((
        "index.html".into(),
        format!("<!doctype html><title>PREP</title><p>Corte {sequence}</p>"),
    ));
    let files: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(path, body)| (path, body.into_bytes()))
        .collect();
    write_signed_package(dir, key, sequence, previous, &files, &index_path)
}

/// `wrk` when it is installed (its `--version` exits 1 on Debian's build, so only whether it
/// runs and names itself is asked); under CI a missing wrk fails the test.
pub fn wrk() -> Option<&'static str> {
    let found = Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("wrk"));
    if found {
        return Some("wrk");
    }
    assert!(
        !prep_testdata::in_ci(),
        "wrk is not installed (apt-get install wrk); CI must install it"
    );
    eprintln!("SKIPPED: wrk is not installed (apt-get install wrk)");
    None
}

/// The `key=value` fields of the line a wrk check script prints, beginning with `prefix`
/// (`CORTE-CHECK` of wrk-corte-check.lua, `FOLDER-CHECK` of wrk-folder-check.lua).
pub fn check_line(prefix: &str, output: &str) -> BTreeMap<String, i64> {
    let line = output
        .lines()
        .find_map(|l| l.strip_prefix(prefix)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {prefix} line in wrk's output:\n{output}"));
    line.split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or_else(|| panic!("{kv:?}"));
            (k.to_owned(), v.parse().unwrap_or_else(|_| panic!("{kv:?}")))
        })
        .collect()
}
