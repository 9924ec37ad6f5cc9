//! Helpers the `prep` command's tests share: run the binary, read what it printed; write a
//! small signed package and start a node on it.
#![allow(dead_code)]

pub mod load;
pub mod random;

use prep_package::{Manifest, SigningKey};
use prep_testdata::package::TestPackage;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// Runs `prep ARGS` (without a key password in the environment) and waits for it.
pub fn prep(args: &[&str]) -> Output {
    prep_env(args, &[])
}

/// Runs `prep ARGS` with the variables `env` set (and no key password unless `env` sets
/// one) and waits for it.
pub fn prep_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_prep"));
    c.args(args).env_remove("PREP_KEY_PASSWORD");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run prep")
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

/// `prep init ELECTION --synth --casillas N --keys --unencrypted`: a synthetic election
/// directory with its keys, which must succeed.
pub fn init_synth(election: &Path, casillas: u64) {
    ok(prep(&[
        "init",
        &s(election),
        "--synth",
        "--casillas",
        &casillas.to_string(),
        "--keys",
        "--unencrypted",
    ]));
}

/// Generates an unencrypted key pair into `dir` (`prep keys generate`): `dir/prep.key`,
/// `dir/prep.pub`. Returns `dir`.
pub fn generate_keys(dir: &Path) -> std::path::PathBuf {
    ok(prep(&[
        "keys",
        "generate",
        "--out",
        &s(dir),
        "--unencrypted",
    ]));
    dir.to_path_buf()
}

/// Child processes killed when dropped, so a failing test leaves no server running.
#[derive(Default)]
pub struct Processes(pub Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Writes `dir/node.toml` for a node on a free loopback port trusting `public_key` (a
/// prep.pub file), taking its first package as the start of its chain, with `extra` TOML
/// appended; returns the file.
pub fn node_config(dir: &Path, public_key: &Path, extra: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let config = dir.join("node.toml");
    std::fs::write(
        &config,
        format!(
            "public_key_file = \"{}\"\ninbox = \"inbox\"\ndata = \"data\"\nlisten = \"127.0.0.1:0\"\naccept_first = true\n{extra}",
            s(public_key)
        ),
    )
    .expect("node config");
    config
}

/// Starts `prep node run --config CONFIG` (its stderr appended to `log`); returns it and its
/// address once it printed `listening on ADDR`. Its stdout keeps being read, so the node never
/// blocks on a full pipe.
pub fn start_node(config: &Path, log: &Path) -> (Child, String) {
    start_listening(&["node", "run", "--config", &s(config)], log)
}

/// Starts `prep ARGS` (a server: `node run`, `origin`), its stderr appended to `log`; returns
/// it and its address once it printed `listening on ADDR`, reading its stdout on.
pub fn start_listening(args: &[&str], log: &Path) -> (Child, String) {
    let err = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(err))
        .spawn()
        .expect("spawn prep");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let mut reader = BufReader::new(stdout);
        let _ = reader.read_line(&mut first);
        let _ = tx.send(first);
        // Keep reading so the node never blocks on a full pipe.
        let mut sink = String::new();
        while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server printed nothing");
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {first:?}"))
        .to_owned();
    (child, addr)
}

/// Writes a signed package of `sequence`, chained onto `previous`, into `dir`: `files` (paths
/// and bytes), their manifest, its signature, and `json/main.json` naming `index_path`.
/// Returns the manifest.
pub fn write_signed_package(
    dir: &Path,
    key: &SigningKey,
    sequence: u64,
    previous: Option<&Manifest>,
    files: &[(String, Vec<u8>)],
    index_path: &str,
) -> Manifest {
    let corte = format!(
        "2024-06-03T{:02}:{:02}:00-06:00",
        18 + sequence / 60,
        sequence % 60
    );
    let manifest = prep_testdata::package::manifest(sequence, previous, files, index_path, &corte);
    let package = TestPackage::new(manifest, files.to_vec()).signed(key);
    package.write(dir);
    package.manifest
}

/// GoAccess's JSON report of an access log read in the COMBINED format (`goaccess` is the
/// binary [`prep_testdata::tool`] found); the test fails if GoAccess does.
pub fn goaccess_report(goaccess: &str, log: &Path, json: &Path) -> serde_json::Value {
    let ga = Command::new(goaccess)
        .arg(log)
        .args(["--log-format=COMBINED", "-o"])
        .arg(json)
        .output()
        .expect("goaccess runs");
    assert!(
        ga.status.success(),
        "{}",
        String::from_utf8_lossy(&ga.stderr)
    );
    serde_json::from_slice(&std::fs::read(json).expect("goaccess report")).expect("json")
}
