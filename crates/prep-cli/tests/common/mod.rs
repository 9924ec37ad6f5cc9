//! Helpers the `prep` command's tests share: run the binary, read what it printed.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `prep ARGS` (without a key password in the environment) and waits for it.
pub fn prep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(args)
        .env_remove("PREP_KEY_PASSWORD")
        .output()
        .expect("run prep")
}

/// What a run printed: stdout, then stderr.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// What a run printed, which must have exited 0 (else the test fails, showing it).
pub fn ok(o: Output) -> String {
    let text = text(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    text
}

/// A path as a `&str` argument.
pub fn s(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_owned()
}
