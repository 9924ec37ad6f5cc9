//! The pull channel end to end: `prep origin` over an election directory, `prep node run`
//! pulling from it with a one-minute interval; a new corte cut with `prep corte --dir` is
//! served by the node within seconds because the origin's event stream wakes it.

use crate::common::{Processes, node_config, ok, prep, s, start_listening, start_node};
use std::time::{Duration, Instant};

fn served_sequence(node: &str) -> Option<u64> {
    let mut r = ureq::get(&format!("http://{node}/json/main.json"))
        .call()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&r.body_mut().read_to_vec().ok()?).ok()?;
    v["sequence"].as_u64()
}

fn wait_for(node: &str, sequence: u64, limit: Duration) -> Duration {
    let started = Instant::now();
    while served_sequence(node) != Some(sequence) {
        assert!(
            started.elapsed() < limit,
            "the node did not serve corte {sequence} within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    started.elapsed()
}

/// `prep init --synth` of `casillas` casillas into `election`, and its first corte.
fn election_with_a_corte(election: &std::path::Path, casillas: u32) {
    crate::common::init_synth(election, u64::from(casillas));
    ok(prep(&["corte", "--dir", &s(election)]));
}

/// `prep origin` over `election` on a free port, polling for new cortes every 50 ms.
fn start_origin(
    election: &std::path::Path,
    log: &std::path::Path,
) -> (std::process::Child, String) {
    start_listening(
        &[
            "origin",
            "--dir",
            &s(election),
            "--listen",
            "127.0.0.1:0",
            "--poll-ms",
            "50",
        ],
        log,
    )
}

#[test]
fn a_pull_node_serves_each_new_corte_as_soon_as_the_origin_announces_it() {
    let root = tempfile::tempdir().expect("tmp");
    let election = root.path().join("election");
    election_with_a_corte(&election, 400);
    let log = root.path().join("stderr.log");
    let mut processes = Processes::default();
    let (origin, origin_addr) = start_origin(&election, &log);

    let node_dir = root.path().join("node");
    let config = node_config(
        &node_dir,
        &election.join("keys/prep.pub"),
        &format!("\n[pull]\norigin = \"http://{origin_addr}\"\ninterval_ms = 60000\n"),
    );
    processes.0.push(origin);
    let (node, node_addr) = start_node(&config, &log);
    processes.0.push(node);
    // The first pull happens at start.
    wait_for(&node_addr, 1, Duration::from_secs(30));

    // Two more cortes, each served long before the one-minute interval.
    for sequence in [2, 3] {
        let cut = Instant::now();
        ok(prep(&["corte", "--dir", &s(&election)]));
        let after_cut = cut.elapsed();
        let took = wait_for(&node_addr, sequence, Duration::from_secs(20));
        println!("corte {sequence}: cut in {after_cut:?}, served by the pull node {took:?} later");
    }
    let events = std::fs::read_to_string(node_dir.join("data/events.jsonl")).expect("events");
    assert_eq!(events.matches("\"event\":\"pull\"").count(), 3, "{events}");
}

#[test]
fn a_pull_node_takes_a_key_rotation_from_the_origin_without_a_restart() {
    let root = tempfile::tempdir().expect("tmp");
    let election = root.path().join("election");
    election_with_a_corte(&election, 200);
    let root_keys = crate::common::generate_keys(&root.path().join("root"));
    let new_keys = crate::common::generate_keys(&root.path().join("k2"));
    let log = root.path().join("stderr.log");
    let mut processes = Processes::default();
    let (origin, origin_addr) = start_origin(&election, &log);
    processes.0.push(origin);
    let node_dir = root.path().join("node");
    let config = node_config(
        &node_dir,
        &election.join("keys/prep.pub"),
        &format!(
            "root_key_file = \"{}\"\n\n[pull]\norigin = \"http://{origin_addr}\"\ninterval_ms = 60000\n",
            s(&root_keys.join("prep.pub"))
        ),
    );
    let (node, node_addr) = start_node(&config, &log);
    processes.0.push(node);
    wait_for(&node_addr, 1, Duration::from_secs(30));

    // The institute retires its key after corte 1: the root key names the new one from
    // corte 2, the delegation is published beside the cortes, and the publisher signs with
    // the new key from then on.
    let old_pub = election.join("keys/old.pub");
    std::fs::copy(election.join("keys/prep.pub"), &old_pub).expect("copy");
    ok(prep(&[
        "keys",
        "delegate",
        "--root-key",
        &s(&root_keys.join("prep.key")),
        "--institute",
        "INSTITUTO",
        "--version",
        "1",
        "--key",
        &format!("{}:1-1", s(&old_pub)),
        "--key",
        &format!("{}:2-", s(&new_keys.join("prep.pub"))),
        "--out",
        &s(&election.join("delegation")),
    ]));
    for file in ["prep.key", "prep.pub"] {
        std::fs::copy(new_keys.join(file), election.join("keys").join(file)).expect("swap key");
    }
    ok(prep(&["corte", "--dir", &s(&election)]));
    wait_for(&node_addr, 2, Duration::from_secs(20));
    let events = std::fs::read_to_string(node_dir.join("data/events.jsonl")).expect("events");
    assert!(events.contains("\"event\":\"keys\""), "{events}");
    // Its history verifies across the rotation.
    let check = prep(&["node", "check", "--config", &s(&config)]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        crate::common::text(&check)
    );
}

/// The resident memory of process `pid`, in bytes (`VmRSS` of `/proc/<pid>/status`).
fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kb * 1024
}

#[test]
fn a_hostile_origin_s_endless_events_line_does_not_grow_a_pull_node() {
    use std::io::{Read, Write};
    // An origin whose events stream is one line that never ends (every other path: 404).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = listener.local_addr().expect("addr");
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let total = std::sync::Arc::clone(&sent);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let total = std::sync::Arc::clone(&total);
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let n = stream.read(&mut request).unwrap_or(0);
                let text = String::from_utf8_lossy(&request[..n]);
                if !text.starts_with("GET /events") {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    return;
                }
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: ");
                let chunk = vec![b'x'; 64 * 1024];
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(6) {
                    if stream.write_all(&chunk).is_err() {
                        return;
                    }
                    total.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    let root = tempfile::tempdir().expect("tmp");
    let keys = crate::common::generate_keys(&root.path().join("keys"));
    let node_dir = root.path().join("node");
    let config = node_config(
        &node_dir,
        &keys.join("prep.pub"),
        &format!("\n[pull]\norigin = \"http://{origin}\"\ninterval_ms = 60000\n"),
    );
    let log = root.path().join("stderr.log");
    let mut processes = Processes::default();
    let (node, _addr) = start_node(&config, &log);
    let pid = node.id();
    processes.0.push(node);
    std::thread::sleep(Duration::from_secs(4));
    let rss = resident_bytes(pid);
    // An unbounded line reader holds everything sent (gigabytes in these seconds); the node
    // reads at most 4 KiB of a line, drops the stream and reconnects later.
    assert!(
        rss < 256 << 20,
        "the pull node holds {rss} bytes after the origin sent {} bytes of one line",
        sent.load(std::sync::atomic::Ordering::Relaxed)
    );
}
