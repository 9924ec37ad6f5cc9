//! `prep ingest`: tokens through the CLI, and the crash test of the real server — client
//! threads stream submissions over HTTP, the server is killed with SIGKILL at a random
//! moment, restarted on the same store, and every capture it acknowledged (200) is there
//! with the same content hash; the derived state is the replay of the events. Several
//! rounds on one store; at the end SIGTERM stops the server gracefully.

use crate::common::prep;
use prep_count::Rules;
use prep_ingest::published::read_published;
use prep_store::{EventId, Store};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Client threads, each with its own capture centre and its own actas.
const CLIENTS: usize = 4;
/// Rounds of start, stream, SIGKILL.
const ROUNDS: u64 = 3;

/// A store with election GUB and the Puebla catalogue; returns the catalogue's keys that
/// are plain CLAVE_ACTAs.
fn make_store(path: &Path) -> Vec<String> {
    let bytes = prep_testdata::read_puebla("PUE_GUB_2024.csv");
    let file = read_published(&bytes).expect("parse");
    let store = Store::open(path).expect("open");
    store
        .define_election(&file.election_spec("GUB", Rules::anexo13()))
        .expect("define");
    let keys = store
        .load_catalogue("GUB", &file.catalogue())
        .expect("load");
    keys.into_iter().filter(|k| !k.contains('@')).collect()
}

/// Issues a token through the CLI and returns it.
fn issue(tokens: &Path, centre: &str, kind: &str) -> String {
    let out = prep(&[
        "ingest",
        "token",
        "--tokens",
        tokens.to_str().expect("path"),
        "--centre",
        centre,
        "--kind",
        kind,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).expect("utf8");
    token.trim().to_owned()
}

/// Starts `prep ingest serve` on a free port; returns the child and its base URL. Its
/// standard error (the access log) goes to `stderr`.
fn start(store: &Path, tokens: &Path, stderr: Stdio) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_prep"))
        .args([
            "ingest",
            "serve",
            "--store",
            store.to_str().expect("path"),
            "--tokens",
            tokens.to_str().expect("path"),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn prep ingest serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, url)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// A capture's body for an acta, with contents drawn from `seed`.
fn capture(clave: &str, seed: u64) -> String {
    let v = |k: u64| (seed.wrapping_mul(2654435761).wrapping_add(k * 97)) % 300;
    serde_json::json!({
        "election": "GUB",
        "kind": "capture",
        "acta": {"clave_acta": clave},
        "votes": {"PAN": v(1), "PRI": v(2), "MORENA": v(3), "NO_REGISTRADAS": 0, "NULOS": v(4) % 9},
        "details": {"total_votos_asentado": v(1) + v(2) + v(3) + v(4) % 9, "origen": "CATD"}
    })
    .to_string()
}

/// One acknowledged capture: acta key, event id, content hash.
type Acked = (String, u64, String);

/// A client: submits a capture for each of its actas in turn (now and then the same one
/// again, which must get the same answer) until the server stops answering.
fn client(url: String, token: String, actas: Vec<String>, acked: Arc<Mutex<Vec<Acked>>>) {
    let agent = agent();
    for (i, clave) in actas.iter().enumerate() {
        let body = capture(clave, i as u64);
        let repeats = if i % 7 == 0 { 2 } else { 1 };
        let mut first: Option<serde_json::Value> = None;
        for _ in 0..repeats {
            let resp = agent
                .post(format!("{url}/api/v1/events"))
                .header("Authorization", format!("Bearer {token}"))
                .content_type("application/json")
                .send(&body);
            let Ok(resp) = resp else { return };
            let status = resp.status().as_u16();
            let Ok(text) = resp.into_body().read_to_string() else {
                return;
            };
            assert_eq!(status, 200, "{clave}: {text}");
            let r: serde_json::Value = serde_json::from_str(&text).expect("receipt");
            if let Some(f) = &first {
                assert_eq!(r["event"], f["event"], "a repeat gets the same event");
                assert_eq!(r["repeat"], true);
            }
            acked.lock().expect("acked").push((
                r["acta"].as_str().expect("acta").to_owned(),
                r["event"].as_u64().expect("event"),
                r["content_sha256"].as_str().expect("sha").to_owned(),
            ));
            first = Some(r);
        }
    }
}

/// SplitMix64, for the moment of the kill.
fn dice(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn sigkill_during_a_stream_of_submissions_loses_no_acknowledged_capture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store_path = dir.path().join("store.sqlite");
    let tokens_path = dir.path().join("tokens.toml");
    let keys = make_store(&store_path);
    let tokens: Vec<String> = (0..CLIENTS)
        .map(|i| issue(&tokens_path, &format!("catd-{i:02}"), "catd"))
        .collect();
    let tokens_text = std::fs::read_to_string(&tokens_path).expect("tokens file");
    for t in &tokens {
        assert!(!tokens_text.contains(t.as_str()), "a token was stored");
    }

    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(11, |d| d.as_nanos() as u64);
    println!("ingest crash test seed {seed}");
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    // Each round and client gets actas of its own: no two submissions conflict.
    let per_client = keys.len() / (CLIENTS * ROUNDS as usize);
    for round in 0..ROUNDS {
        // The access log is not read here: a pipe nobody reads would fill and block it.
        let (mut server, url) = start(&store_path, &tokens_path, Stdio::null());
        let before = acked.lock().expect("acked").len();
        let started = Instant::now();
        let threads: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let slot = (round as usize * CLIENTS + c) * per_client;
                let actas = keys[slot..slot + per_client].to_vec();
                let (url, token, acked) = (url.clone(), tokens[c].clone(), Arc::clone(&acked));
                std::thread::spawn(move || client(url, token, actas, acked))
            })
            .collect();
        // Kill at a random moment once a few captures are acknowledged.
        let at_least = before + 20 + (dice(&mut seed) % 200) as usize;
        while acked.lock().expect("acked").len() < at_least {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "round {round}: too few acknowledgements"
            );
            assert!(server.try_wait().expect("status").is_none(), "server died");
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(dice(&mut seed) % 300));
        server.kill().expect("SIGKILL");
        let status = server.wait().expect("wait");
        assert_eq!(status.signal(), Some(9), "round {round}: {status}");
        let elapsed = started.elapsed();
        for t in threads {
            t.join().expect("client thread");
        }
        let n = acked.lock().expect("acked").len() - before;
        println!(
            "round {round}: {n} submissions acknowledged in {:.2} s ({:.0}/s over {CLIENTS} clients), then SIGKILL",
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64()
        );

        // Every acknowledged capture is in the store, with its content.
        let store = Store::open(&store_path).expect("reopen after SIGKILL");
        let events: HashMap<u64, _> = store
            .events_since(EventId(0), usize::MAX)
            .expect("events")
            .into_iter()
            .map(|e| (e.id.0, e))
            .collect();
        for (acta, id, sha) in acked.lock().expect("acked").iter() {
            let e = events
                .get(id)
                .unwrap_or_else(|| panic!("round {round}: acknowledged event {id} lost"));
            assert_eq!(&e.acta, acta);
            assert_eq!(&e.content_sha256, sha, "event {id}");
            let st = store
                .acta_state("GUB", acta)
                .expect("state")
                .expect("captured");
            assert_eq!(&st.content_sha256, sha);
        }
        let check = store.check_derived_state().expect("replay");
        assert!(check.is_consistent(), "round {round}: {:?}", check.problems);
    }

    // Restarted once more: the API itself confirms a capture of each round, then SIGTERM
    // stops the server cleanly. Its access log lists the requests, never a token.
    let (server, url) = start(&store_path, &tokens_path, Stdio::piped());
    let agent = agent();
    let sample: Vec<Acked> = {
        let all = acked.lock().expect("acked");
        all.iter()
            .step_by((all.len() / 20).max(1))
            .cloned()
            .collect()
    };
    for (acta, id, sha) in sample {
        let resp = agent
            .get(format!("{url}/api/v1/elections/GUB/actas/{acta}"))
            .header("Authorization", format!("Bearer {}", tokens[0]))
            .call()
            .expect("GET acta");
        assert_eq!(resp.status().as_u16(), 200);
        let view: serde_json::Value =
            serde_json::from_str(&resp.into_body().read_to_string().expect("body")).expect("json");
        assert_eq!(view["state"]["capture_event"], id);
        assert_eq!(view["state"]["content_sha256"], sha.as_str());
        assert_eq!(
            view["history"][0]["origin"]
                .as_str()
                .map(|o| o.starts_with("catd:catd-")),
            Some(true)
        );
    }
    // The shell's own `kill`, so no procps is needed.
    let term = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", server.id())])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let out = server.wait_with_output().expect("wait");
    assert!(out.status.success(), "graceful shutdown: {}", out.status);
    let log = String::from_utf8_lossy(&out.stderr);
    // The access log is prep-ingest's `log::info!`: the binary's logger prints it, prefixed.
    assert!(
        log.contains("prep ingest: GET /api/v1/elections/GUB/actas/"),
        "{log}"
    );
    assert!(log.contains(" 200 "), "{log}");
    assert!(log.trim_end().ends_with("prep ingest: stopped"), "{log}");
    for t in &tokens {
        assert!(!log.contains(&t[5..]), "a token was logged");
    }
}

#[test]
fn token_command_refuses_an_existing_centre_unless_rotating() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = dir.path().join("tokens.toml");
    let first = issue(&tokens, "catd-01", "catd");
    assert!(first.starts_with("prep_") && first.len() == 69, "{first}");
    let path = tokens.to_str().expect("path");
    let again = prep(&["ingest", "token", "--tokens", path, "--centre", "catd-01"]);
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("prep: error: centre 'catd-01' already has a token; pass --rotate"),
        "{err}"
    );
    let rotated = prep(&[
        "ingest", "token", "--tokens", path, "--centre", "catd-01", "--rotate",
    ]);
    assert!(rotated.status.success());
    let second = String::from_utf8_lossy(&rotated.stdout).trim().to_owned();
    assert_ne!(first, second);
    let text = std::fs::read_to_string(&tokens).expect("tokens");
    assert!(text.contains(&prep_ingest::token_hash(&second)), "{text}");
    assert!(!text.contains(&prep_ingest::token_hash(&first)), "{text}");
    let bad = prep(&["ingest", "token", "--tokens", path, "--centre", "../etc"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("centre id '../etc' is not usable"));
}

#[test]
fn token_command_gives_the_supervisor_role_and_keeps_files_without_roles_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = dir.path().join("tokens.toml");
    let ordinary = issue(&tokens, "catd-01", "catd");
    let path = tokens.to_str().expect("path");
    let out = prep(&[
        "ingest",
        "token",
        "--tokens",
        path,
        "--centre",
        "supervision",
        "--role",
        "supervisor",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("supervisor role"));
    let supervisor = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let text = std::fs::read_to_string(&tokens).expect("tokens");
    assert_eq!(text.matches("role = \"supervisor\"").count(), 1, "{text}");
    assert_eq!(
        text.matches("role").count(),
        1,
        "an ordinary entry has no role: {text}"
    );
    let loaded = prep_ingest::Tokens::load(&tokens, false).expect("load");
    let role = |t: &str| loaded.authenticate(t).map(|c| c.role);
    assert_eq!(role(&supervisor), Some(prep_ingest::Role::Supervisor));
    assert_eq!(role(&ordinary), Some(prep_ingest::Role::Capture));
    let bad = prep(&[
        "ingest", "token", "--tokens", path, "--centre", "x", "--role", "admin",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn serve_refuses_a_missing_store_or_an_empty_tokens_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = dir.path().join("tokens.toml");
    std::fs::write(&tokens, "").expect("write");
    let store = dir.path().join("nope.sqlite");
    let out = prep(&[
        "ingest",
        "serve",
        "--store",
        store.to_str().expect("p"),
        "--tokens",
        tokens.to_str().expect("p"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no acta store at"));
    Store::open(&store).expect("create");
    let out = prep(&[
        "ingest",
        "serve",
        "--store",
        store.to_str().expect("p"),
        "--tokens",
        tokens.to_str().expect("p"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lists no capture centre"));
}
