//! `prep node run` killed with SIGKILL at random moments while packages arrive and switch:
//! after every restart the node serves one complete, verified corte — the pointer, the
//! manifest, its signature and every listed file, all answered from one sequence — no
//! delivered package is lost, no tampered one is ever served, and `prep node check` says the
//! history is intact.
//!
//! `PREP_CRASH_ROUNDS` sets the number of kills (default 55; `scripts/soak-node.sh` runs
//! more) and `PREP_CRASH_SEED` the random seed (printed, to replay a failure).

use crate::common::{prep, start_node, write_signed_package};
use prep_corte::Pointer;
use prep_package::{
    Manifest, SigningKey, VerifyingKey, generate_keys, sha256_hex, verify_signature,
};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

/// Files every corte shares, and files that change from one corte to the next.
const SHARED_FILES: usize = 30;
const CHANGING_FILES: usize = 12;

/// A small deterministic generator (xorshift64*), seeded per run.
/// Writes the package of `sequence`, chained onto `previous`, into `dir`; content-named
/// files as real packages have. Returns its manifest.
fn write_package(
    dir: &Path,
    key: &SigningKey,
    sequence: u64,
    previous: Option<&Manifest>,
) -> Manifest {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let named = |stem: String, body: String| {
        let h = sha256_hex(body.as_bytes());
        (format!("{stem}.{}.json", &h[..16]), body.into_bytes())
    };
    for i in 0..SHARED_FILES {
        files.push(named(
            format!("json/gub/area/{i}"),
            format!("{{\"area\":{i},\"pad\":\"{}\"}}", "x".repeat(600)),
        ));
    }
    for i in 0..CHANGING_FILES {
        files.push(named(
            format!("json/gub/actas/{i}"),
            format!(
                "{{\"area\":{i},\"sequence\":{sequence},\"pad\":\"{}\"}}",
                "y".repeat(900)
            ),
        ));
    }
    let index = named("json/index".into(), format!("{{\"sequence\":{sequence}}}"));
    let index_path = index.0.clone();
    files.push(index);
    files.push((
        "index.html".into(),
        b"<!doctype html><title>PREP</title>".to_vec(),
    ));
    write_signed_package(dir, key, sequence, previous, &files, &index_path)
}

/// Delivers as the inbox protocol says: written under a temporary name, the marker last,
/// renamed into place.
fn deliver<T>(inbox: &Path, name: &str, write: impl FnOnce(&Path) -> T) -> T {
    let tmp = inbox.join(format!(".tmp-{name}"));
    let out = write(&tmp);
    std::fs::write(tmp.join(prep_inbox::COMPLETE_MARKER), b"").expect("marker");
    std::fs::rename(&tmp, inbox.join(name)).expect("rename");
    out
}

/// SIGKILL; the node must die of it (not of a panic before it).
fn kill(mut child: Child, round: u64, log: &Path) {
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "round {round}: the node died of {status:?}, not of the SIGKILL: see {}",
        log.display()
    );
}

/// Waits until the node has taken every delivered package (the inbox holds only dot-names
/// and `incoming/` is empty).
fn wait_quiet(inbox: &Path, incoming: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pending = std::fs::read_dir(inbox)
            .expect("inbox")
            .filter_map(Result::ok)
            .any(|e| !e.file_name().to_string_lossy().starts_with('.'))
            || std::fs::read_dir(incoming)
                .expect("incoming")
                .next()
                .is_some();
        if !pending {
            return;
        }
        assert!(Instant::now() < deadline, "the node did not take its inbox");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Fetches the pointer, the manifest, its signature and every listed file; all must verify
/// and come from one sequence. Returns it.
fn check_served(agent: &ureq::Agent, addr: &str, key: &VerifyingKey) -> u64 {
    let get = |path: &str| {
        let mut r = agent
            .get(format!("http://{addr}/{path}"))
            .call()
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let seq: u64 = r
            .headers()
            .get("x-prep-sequence")
            .expect("x-prep-sequence")
            .to_str()
            .expect("ascii")
            .parse()
            .expect("number");
        (
            seq,
            r.body_mut()
                .with_config()
                .limit(16 << 20)
                .read_to_vec()
                .expect("body"),
        )
    };
    let (seq, pointer) = get("json/main.json");
    let pointer: Pointer = serde_json::from_slice(&pointer).expect("pointer");
    assert_eq!(pointer.sequence, seq);
    let (s, manifest_bytes) = get("manifest.json");
    assert_eq!(s, seq);
    assert_eq!(sha256_hex(&manifest_bytes), pointer.manifest_sha256);
    let (s, sig) = get("manifest.json.minisig");
    assert_eq!(s, seq);
    verify_signature(key, &manifest_bytes, &String::from_utf8(sig).expect("text"))
        .expect("signature");
    let m = Manifest::from_bytes(&manifest_bytes).expect("manifest");
    assert_eq!(m.sequence, seq);
    for f in &m.files {
        let (s, bytes) = get(&f.path);
        assert_eq!(s, seq, "{} served from another corte", f.path);
        assert_eq!(sha256_hex(&bytes), f.sha256, "{}", f.path);
    }
    seq
}

#[test]
fn sigkill_at_random_moments_never_leaves_a_half_published_corte() {
    let rounds: u64 = std::env::var("PREP_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(55);
    eprintln!("crash test: {rounds} rounds");
    let mut rng = crate::common::random::Random::seeded("PREP_CRASH_SEED");
    let started = Instant::now();

    let (pk_text, sk_text) = generate_keys(None).expect("keys");
    let key = SigningKey::from_secret_key_file(&sk_text, None).expect("key");
    let pk = VerifyingKey::from_text(&pk_text).expect("pk");
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    std::fs::write(root.join("prep.pub"), &pk_text).expect("write");
    let config =
        crate::common::node_config(root, &root.join("prep.pub"), "poll_interval_ms = 20\n");
    let inbox = root.join("inbox");
    let incoming = root.join("data/incoming");
    let log = root.join("node.err");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();

    let mut delivered: u64 = 0;
    let mut previous: Option<Manifest> = None;
    let mut tampered = 0;
    // Restarts that found a package claimed from the inbox but not finished: kills that landed
    // while the node was checking, storing or switching.
    let mut interrupted = 0;
    let mut kills = 0;
    let mut timings = [Duration::ZERO; 5];
    for round in 0..=rounds {
        if std::fs::read_dir(&incoming).is_ok_and(|mut d| d.next().is_some()) {
            interrupted += 1;
        }
        let t = Instant::now();
        let (mut child, addr) = start_node(&config, &log);
        // Every package delivered before the kill is taken, none lost: the node serves the last.
        wait_quiet(&inbox, &incoming);
        timings[0] += t.elapsed();
        let t = Instant::now();
        if delivered > 0 {
            assert_eq!(check_served(&agent, &addr, &pk), delivered, "round {round}");
        }
        timings[1] += t.elapsed();
        let t = Instant::now();
        let check = prep(&["node", "check", "--config", config.to_str().expect("utf-8")]);
        timings[2] += t.elapsed();
        let out = String::from_utf8_lossy(&check.stdout);
        assert!(
            check.status.success() && out.contains("OK: "),
            "round {round}: {out}"
        );
        if round == rounds {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        let t = Instant::now();
        // Packages arrive: one or two good ones, sometimes a tampered copy first.
        for _ in 0..=rng.below(2) {
            let sequence = delivered + 1;
            if rng.below(5) == 0 {
                let victim = rng.below((SHARED_FILES + CHANGING_FILES) as u64) as usize;
                deliver(&inbox, &format!("bad-{sequence}"), |dir| {
                    let m = write_package(dir, &key, sequence, previous.as_ref());
                    let victim = dir.join(&m.files[victim].path);
                    let mut bytes = std::fs::read(&victim).expect("read");
                    bytes[0] ^= 0x01;
                    std::fs::write(&victim, bytes).expect("write");
                });
                tampered += 1;
            }
            let m = deliver(&inbox, &format!("corte-{sequence}"), |dir| {
                write_package(dir, &key, sequence, previous.as_ref())
            });
            delivered = sequence;
            previous = Some(m);
        }
        timings[3] += t.elapsed();
        // ... and the node is killed at a random moment while it takes and switches them:
        // half the time a few milliseconds after it claimed a package (a corte of this size
        // is checked, stored in one pack and switched within milliseconds), else at any
        // moment of the next 120 ms.
        if rng.below(2) == 0 {
            let deadline = Instant::now() + Duration::from_millis(500);
            while Instant::now() < deadline
                && !std::fs::read_dir(&incoming).is_ok_and(|mut d| d.next().is_some())
            {
                std::thread::sleep(Duration::from_micros(200));
            }
            std::thread::sleep(Duration::from_micros(rng.below(3000)));
        } else {
            std::thread::sleep(Duration::from_millis(rng.below(120)));
        }
        let t = Instant::now();
        kill(child, round, &log);
        kills += 1;
        // Sometimes killed again while it recovers and catches up after the restart.
        if rng.below(6) == 0 {
            let (child, _) = start_node(&config, &log);
            std::thread::sleep(Duration::from_millis(rng.below(30)));
            kill(child, round, &log);
            kills += 1;
        }
        timings[4] += t.elapsed();
    }
    // The kills landed while the node was at work, not only between packages.
    assert!(
        kills >= rounds && interrupted * 10 >= rounds,
        "{kills} kills, only {interrupted} interrupted a package being taken"
    );
    // The tampered copies were refused, and the history lists every good corte once.
    let rejected: Vec<_> = std::fs::read_dir(root.join("data/rejected"))
        .expect("rejected")
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    assert_eq!(rejected.len(), tampered);
    for dir in &rejected {
        let mut reason = dir.clone().into_os_string();
        reason.push(".reason");
        assert!(
            Path::new(&reason).is_file(),
            "{} has no reason",
            dir.display()
        );
    }
    let history = prep(&[
        "node",
        "history",
        "--config",
        config.to_str().expect("utf-8"),
    ]);
    let text = String::from_utf8_lossy(&history.stdout);
    assert!(text.contains(&format!("{delivered} cortes,")), "{text}");
    eprintln!(
        "crash test: {kills} kills ({interrupted} while a package was being taken), {delivered} cortes, {tampered} tampered refused, {:.1} s (start and catch up {:.1} s, fetch and verify {:.1} s, prep node check {:.1} s, build and deliver {:.1} s, kill {:.1} s)",
        started.elapsed().as_secs_f64(),
        timings[0].as_secs_f64(),
        timings[1].as_secs_f64(),
        timings[2].as_secs_f64(),
        timings[3].as_secs_f64(),
        timings[4].as_secs_f64()
    );
}
