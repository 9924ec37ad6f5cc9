//! `prep … | head`: a reader that closes standard output early ends `prep` quietly, as it
//! ends ripgrep — exit status 0 (or SIGPIPE), no panic, no error message.

use prep_testdata::puebla;
use std::process::{Command, Stdio};

/// Runs `prep ARGS` with standard output a pipe whose read end is closed before `prep` starts,
/// so that its first write to standard output fails with a broken pipe; asserts the clean end.
fn assert_quiet_on_closed_stdout(args: &[&str]) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run prep");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "prep {args:?} panicked on a closed pipe: {stderr}"
    );
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("prep: error"),
        "prep {args:?} reported the closed pipe as an error: {stderr}"
    );
    let by_sigpipe = {
        use std::os::unix::process::ExitStatusExt;
        out.status.signal() == Some(13)
    };
    assert!(
        out.status.success() || by_sigpipe,
        "prep {args:?} on a closed pipe: {} ({stderr})",
        out.status
    );
}

#[test]
fn help_on_a_closed_pipe() {
    assert_quiet_on_closed_stdout(&["--help"]);
    assert_quiet_on_closed_stdout(&["recount", "--help"]);
}

#[test]
fn recount_on_a_closed_pipe() {
    let db = puebla("PUE_GUB_2024.csv");
    let db = db.to_str().expect("utf-8 path");
    assert_quiet_on_closed_stdout(&["recount", "--check", db]);
    assert_quiet_on_closed_stdout(&["recount", "--json", db]);
}

#[test]
fn listing_on_a_closed_pipe() {
    // `prep site export-templates` lists every file it writes, one a line.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("templates");
    assert_quiet_on_closed_stdout(&[
        "site",
        "export-templates",
        out.to_str().expect("utf-8 path"),
    ]);
}

#[test]
fn synth_report_on_a_closed_pipe() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_quiet_on_closed_stdout(&[
        "synth",
        "--casillas",
        "50",
        "--elections",
        "pres",
        "--out",
        dir.path().to_str().expect("utf-8 path"),
    ]);
}
