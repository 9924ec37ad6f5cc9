//! Crash safety: a child process records captures, corrections and verifications in a loop
//! and prints the id of every acknowledged event; the parent kills it with SIGKILL at a
//! random moment, reopens the store and checks that every acknowledged event is there and
//! that the derived state is the replay of the events. Several rounds on the same store.
//!
//! The child is this test binary itself, re-run with [`CHILD_ENV`] naming the database.

use crate::common::{Dice, catalogue, event, random_content, spec};
use prep_store::{EventId, EventKind, Store};
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Set in the child's environment: the database it writes to.
const CHILD_ENV: &str = "PREP_STORE_CRASH_CHILD";
/// Set in the child's environment: its random seed.
const SEED_ENV: &str = "PREP_STORE_CRASH_SEED";
/// Actas in the catalogue.
const ACTAS: usize = 3_000;
/// How long a child runs at most if nobody kills it.
const CHILD_LIMIT: Duration = Duration::from_secs(30);

/// The child's loop; a no-op in a normal test run.
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let seed: u64 = std::env::var(SEED_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let store = Store::open(&path).expect("child: open");
    let keys: Vec<String> = store
        .catalogue("GUB")
        .expect("child: catalogue")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let mut d = Dice(seed);
    let started = Instant::now();
    while started.elapsed() < CHILD_LIMIT {
        // Mostly single events (one fsync each), sometimes a batch of ten.
        let n = if d.chance(0.1) { 10 } else { 1 };
        let events: Vec<_> = (0..n)
            .map(|_| {
                let key = &keys[d.below(keys.len() as u64) as usize];
                let state = store.acta_state("GUB", key).expect("child: state");
                let (kind, content) = match state {
                    None => (EventKind::Capture, random_content(&mut d)),
                    Some(s) if d.chance(0.3) => (EventKind::Verification, s.content),
                    Some(_) => (EventKind::Correction, random_content(&mut d)),
                };
                event("GUB", key, kind, content)
            })
            .collect();
        let acks: Vec<EventId> = if n == 1 {
            vec![store.record(&events[0]).expect("child: record").event]
        } else {
            store
                .record_batch(&events)
                .expect("child: batch")
                .into_iter()
                .filter_map(|r| r.ok().map(|r| r.ack.event))
                .collect()
        };
        for id in acks {
            println!("ACK {id}");
        }
    }
}

/// Runs one child until it has acknowledged `at_least` events, lets it run `extra` more,
/// kills it with SIGKILL, and returns the ids it acknowledged.
fn run_and_kill(path: &std::path::Path, seed: u64, at_least: usize, extra: Duration) -> Vec<u64> {
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "crash::crash_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, path)
        .env(SEED_ENV, seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().expect("child stdout");
    let acks = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let acks = Arc::clone(&acks);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(id) = line.strip_prefix("ACK ").and_then(|s| s.parse().ok()) {
                    acks.lock().expect("acks").push(id);
                }
            }
        })
    };
    let started = Instant::now();
    while acks.lock().expect("acks").len() < at_least {
        assert!(
            started.elapsed() < CHILD_LIMIT,
            "the child acknowledged too few events"
        );
        assert!(
            child.try_wait().expect("child status").is_none(),
            "the child ended on its own"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(extra);
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix.
    let status = child.wait().expect("wait");
    // Killed by our SIGKILL, not ended by a panic of its own.
    assert_eq!(status.signal(), Some(9), "the child ended with {status}");
    reader.join().expect("reader");
    std::mem::take(&mut *acks.lock().expect("acks"))
}

#[test]
fn sigkill_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("prep.sqlite");
    {
        let store = Store::open(&path).expect("open");
        store.define_election(&spec("GUB")).expect("define");
        store
            .load_catalogue("GUB", &catalogue(ACTAS))
            .expect("load");
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64);
    println!("crash test seed {seed}");
    let mut d = Dice(seed);
    let mut acknowledged: Vec<u64> = Vec::new();
    for round in 0..4 {
        let extra = Duration::from_millis(d.below(250));
        let acks = run_and_kill(&path, seed.wrapping_add(round), 5, extra);
        assert!(!acks.is_empty());
        acknowledged.extend(acks);

        let store = Store::open(&path).expect("reopen after SIGKILL");
        let last = store.last_event().expect("last").0;
        let ids: std::collections::HashSet<u64> = store
            .events_since(EventId(0), usize::MAX)
            .expect("events")
            .into_iter()
            .map(|e| e.id.0)
            .collect();
        for id in &acknowledged {
            assert!(
                ids.contains(id),
                "round {round}: acknowledged event {id} lost"
            );
        }
        let max_ack = acknowledged.iter().copied().max().unwrap_or(0);
        // At most the batch being committed when the child died is stored unacknowledged.
        assert!(
            last >= max_ack && last <= max_ack + 10,
            "round {round}: {last} vs {max_ack}"
        );
        let check = store.check_derived_state().expect("replay");
        assert!(check.is_consistent(), "round {round}: {:?}", check.problems);
        assert_eq!(check.events, last, "round {round}");
        let snap = store.snapshot("GUB").expect("snapshot");
        assert_eq!(snap.through_event, EventId(last));
        println!(
            "round {round}: killed after {} acknowledged events (+{} ms); store holds {last} events, {} actas captured",
            acknowledged.len(),
            extra.as_millis(),
            check.actas
        );
    }
    let raw = rusqlite::Connection::open(&path).expect("raw");
    let ok: String = raw
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(ok, "ok");
}
