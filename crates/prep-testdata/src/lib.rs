//! Test support, for the workspace's tests and benchmarks only (a dev-dependency).
//!
//! - [`shared`], [`puebla`] and [`read_puebla`]: the read-only reference data in `../shared`
//!   beside the repository (the real published PREP databases of IEE Puebla 2024 among
//!   them). A missing file fails the test with a message that says where
//!   the tests expect it; the project never copies that material in.
//! - [`tool`]: an external program a test runs (the stock `minisign`, `chromium`,
//!   `python3`): under `CI=true` a missing one fails the test; on a developer's machine the
//!   test is skipped with a printed note.
//! - [`first_difference`]: where two byte strings part, for a failure message.
//! - [`cases::check_each`]: a case table whose every case runs and is reported on its own.
//! - [`component::Component`]: a real server started by one of the project's start-up
//!   scripts (`scripts/ftps.sh`, …), stopped when dropped; [`component::nginx_publishing`]
//!   is nginx publishing a folder with the difusor's snippet of `deploy/`.
//! - [`tree`]: a folder's files read whole ([`tree::read_tree`]), a zip's entries
//!   (`tree::unzip`, feature `zip`).
//! - `package` (feature `package`): signed corte packages built in memory
//!   (`TestPackage`), written to a folder or published into an election directory.
//! - `election` (feature `election`): election directories `prep init` makes from the
//!   Puebla governor files.
//! - `serve`: servers on a free loopback port (`serve::origin`, feature `origin`;
//!   `serve::router`, feature `http`).
//!
//! Each family sits behind a Cargo feature so that a crate's tests build only what they
//! use; `prep-package`, `prep-publish` and `prep-origin` are the workspace's own crates,
//! `tokio` and `axum` run the servers, `zip` reads archives.

pub mod cases;
pub mod component;
#[cfg(feature = "election")]
pub mod election;
#[cfg(feature = "package")]
pub mod package;
#[cfg(any(feature = "http", feature = "origin"))]
pub mod serve;
pub mod tree;

use std::path::PathBuf;
use std::process::Command;

/// The path of `rel` under `../shared` beside the repository; panics, naming it, when it is
/// missing.
pub fn shared(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel);
    assert!(
        p.exists(),
        "{} is missing: the tests need ../shared beside the repository",
        p.display()
    );
    p
}

/// The path of a published IEE Puebla 2024 file (`PUE_GUB_2024.csv`).
pub fn puebla(name: &str) -> PathBuf {
    shared(&format!("data/puebla-2024/{name}"))
}

/// The bytes of a published IEE Puebla 2024 file.
pub fn read_puebla(name: &str) -> Vec<u8> {
    let p = puebla(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Whether the tests run under CI (`CI=true`), where every component must be there.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `program` when `program version_arg` runs; `None` (with a note on stderr) when it does not
/// and the tests do not run under CI. Under CI a missing program fails the test: `install`
/// says how CI gets it (`apt-get install minisign`).
pub fn tool(program: &'static str, version_arg: &str, install: &str) -> Option<&'static str> {
    let found = Command::new(program)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(program);
    }
    assert!(
        !in_ci(),
        "{program} is not installed ({install}); CI must install it"
    );
    eprintln!("SKIPPED: {program} is not installed ({install})");
    None
}

/// Where two byte strings first differ, for a failure message: the byte offset, the line,
/// and the text around it in each (`ours` as written or cut, `theirs` as published).
pub fn first_difference(ours: &[u8], theirs: &[u8]) -> String {
    let at = ours
        .iter()
        .zip(theirs)
        .position(|(x, y)| x != y)
        .unwrap_or(ours.len().min(theirs.len()));
    let line = ours[..at].iter().filter(|&&c| c == b'\n').count() + 1;
    let around = |b: &[u8]| {
        let lo = at.saturating_sub(80).min(b.len());
        String::from_utf8_lossy(&b[lo..(at + 80).min(b.len())]).into_owned()
    };
    format!(
        "{} and {} bytes; first difference at byte {at} (line {line})\nours:   {:?}\ntheirs: {:?}",
        ours.len(),
        theirs.len(),
        around(ours),
        around(theirs)
    )
}
