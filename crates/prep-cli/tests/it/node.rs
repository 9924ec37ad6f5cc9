//! `prep node run` with real packages: two chained cortes cut by `prep corte` from the
//! published Puebla database are delivered into the inbox, and `prep verify` over http checks
//! what the node serves as any citizen would; `prep node history` lists both, SIGTERM stops
//! the node cleanly and the event log records it all.

use crate::common::{ok, prep, s};
use prep_testdata::puebla;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn node_serves_real_cortes_that_prep_verify_accepts_over_http() {
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let keys = crate::common::generate_keys(&root.join("keys"));
    let db = puebla("PUE_GUB_2024.csv");
    let corte = |out: &Path, seq: &str, previous: Option<&Path>| {
        let mut args = vec![
            "corte".to_owned(),
            "--from-database".into(),
            s(&db),
            "--key".into(),
            s(&keys.join("prep.key")),
            "--out".into(),
            s(out),
            "--sequence".into(),
            seq.into(),
            "--expires-hours".into(),
            "876000".into(),
        ];
        if let Some(p) = previous {
            // The same actas again, as a later corte: corte times must move forward.
            args.extend([
                "--previous".into(),
                s(p),
                "--at".into(),
                "2024-06-03T20:15:00-06:00".into(),
            ]);
        }
        ok(prep(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    };
    let (c1, c2) = (root.join("c1"), root.join("c2"));
    corte(&c1, "1", None);
    corte(&c2, "2", Some(&c1));

    let config = root.join("node.toml");
    std::fs::write(
        &config,
        format!(
            "public_key_file = \"{}\"\ninbox = \"inbox\"\ndata = \"data\"\nlisten = \"127.0.0.1:0\"\n",
            s(&keys.join("prep.pub"))
        ),
    )
    .expect("write");
    let mut node = Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(["node", "run", "--resync", "--config", &s(&config)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(node.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("read");
    let addr = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {first:?}"))
        .to_owned();
    let url = format!("http://{addr}/");
    let pubkey = s(&keys.join("prep.pub"));
    let inbox = root.join("inbox");
    for (dir, seq) in [(&c1, 1), (&c2, 2)] {
        prep_inbox::deliver(dir, &inbox, &format!("corte-{seq}")).expect("deliver");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let served = prep(&["verify", &url, "--key", &pubkey]);
            let text = String::from_utf8_lossy(&served.stdout).into_owned();
            if text.contains(&format!("(sequence {seq})")) {
                assert!(text.starts_with("OK: "), "{text}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "corte {seq} never served: {text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let history = ok(prep(&["node", "history", "--config", &s(&config)]));
    assert!(history.contains("2 cortes,"), "{history}");
    assert!(history.contains("active"), "{history}");
    assert!(history.contains("(resynchronisation)"), "{history}");
    let check = ok(prep(&["node", "check", "--config", &s(&config)]));
    assert!(check.contains("OK: 2 cortes verified, active 2"), "{check}");

    // SIGTERM: a clean stop, recorded.
    let term = Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    let status = node.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    let events = std::fs::read_to_string(root.join("data/events.jsonl")).expect("events");
    // `compressed` comes from the background compressor, whenever it is done: left aside.
    let kinds: Vec<String> = events
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            v["event"].as_str().expect("event").to_owned()
        })
        .filter(|k| k != "compressed")
        .collect();
    assert_eq!(
        kinds,
        [
            "start", "receive", "accept", "activate", "receive", "accept", "activate", "stop"
        ],
        "{events}"
    );

    // The memoria técnica reads this node's own logs: every request of its access log, and
    // from its event log both activations as incidents (these 2024 cortes went live long after
    // their corte time) with their sequences.
    let access = std::fs::read_to_string(root.join("data/access.log")).expect("access log");
    let requests = access.lines().count() as u64;
    assert!(requests > 0);
    let out = root.join("memoria");
    ok(prep(&[
        "memoria",
        "--logs",
        &s(&root.join("data/access.log")),
        "--incidents",
        &s(&root.join("data/events.jsonl")),
        "--election",
        "2000-01-01T00:00:00Z..2100-01-01T00:00:00Z",
        "--baseline",
        "1990-01-01T00:00:00Z..1990-01-02T00:00:00Z",
        "--no-pdf",
        "--out",
        &s(&out),
    ]));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("memoria.json")).expect("memoria.json"))
            .expect("json");
    assert_eq!(
        report["totals"]["hits"].as_u64(),
        Some(requests),
        "{report}"
    );
    let incidents = report["incidents"].as_array().expect("incidents");
    for sequence in [1, 2] {
        assert!(
            incidents.iter().any(|i| i["kind"] == "Activación tardía"
                && i["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("la hora del corte")
                        && d.contains(&format!("(secuencia {sequence})")))),
            "{incidents:?}"
        );
    }
}

#[test]
fn a_bad_configuration_is_refused_with_a_precise_error() {
    let root = tempfile::tempdir().expect("tempdir");
    let config = root.path().join("node.toml");
    std::fs::write(
        &config,
        "public_key = \"RWQ\"\ninbox = \"inbox\"\ndata = \"data\"\nlisten = \"127.0.0.1:0\"\n",
    )
    .expect("write");
    let o = prep(&["node", "run", "--config", &s(&config)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("prep: error: in the node configuration "),
        "{err}"
    );
    assert!(err.contains("public_key"), "{err}");
    std::fs::write(&config, "inbox = \"inbox\"\ndata = \"data\"\nport = 80\n").expect("write");
    let o = prep(&["node", "history", "--config", &s(&config)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("unknown field `port`"), "{err}");
}

/// An idle node looks at its inbox once per `poll_interval_ms`, not in a tight loop: a node
/// without `[pull]` once spun on a closed channel, using a core for nothing (on a machine with
/// fifty nodes, all of it).
#[test]
fn an_idle_node_polls_its_inbox_once_per_interval() {
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let keys = crate::common::generate_keys(&root.join("keys"));
    let config = crate::common::node_config(
        &root.join("node"),
        &keys.join("prep.pub"),
        "poll_interval_ms = 100\n",
    );
    let (child, addr) = crate::common::start_node(&config, &root.join("node.log"));
    let _processes = crate::common::Processes(vec![child]);
    let polls = || -> u64 {
        let text = ureq::get(&format!("http://{addr}/metrics"))
            .call()
            .expect("metrics")
            .body_mut()
            .read_to_string()
            .expect("text");
        text.lines()
            .find_map(|l| l.strip_prefix("prep_node_inbox_polls_total "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no inbox poll counter in {text}"))
    };
    let (before, start) = (polls(), Instant::now());
    std::thread::sleep(Duration::from_secs(2));
    let (after, elapsed) = (polls(), start.elapsed());
    // At most one poll per 100 ms, plus one: 21 in 2 s (a spinning loop makes thousands).
    let most = elapsed.as_millis() as u64 / 100 + 1;
    assert!(
        after - before <= most,
        "{} polls in {elapsed:?} with poll_interval_ms = 100",
        after - before
    );
    assert!(after > before, "the node did not poll its inbox at all");
}

/// The sequence a node serves (`x-prep-sequence` of `json/main.json`), if any.
fn served(addr: &str) -> Option<u64> {
    ureq::get(format!("http://{addr}/json/main.json"))
        .call()
        .ok()?
        .headers()
        .get("x-prep-sequence")?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[test]
fn a_key_rotated_in_the_middle_of_the_night_refuses_the_old_key_on_a_running_node() {
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let keys = |name: &str| {
        let dir = root.join(name);
        let (pk, sk) = prep_package::generate_keys(None).expect("keys");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("prep.pub"), &pk).expect("pub");
        std::fs::write(dir.join("prep.key"), &sk).expect("key");
        (
            dir,
            prep_package::SigningKey::from_secret_key_file(&sk, None).expect("key"),
        )
    };
    let (k1_dir, k1) = keys("k1");
    let (k2_dir, k2) = keys("k2");
    let (root_dir, _) = keys("root");
    let files: Vec<(String, Vec<u8>)> = vec![
        (
            "index.html".into(),
            b"<!doctype html><title>PREP</title>".to_vec(),
        ),
        ("json/index.json".into(), b"{}".to_vec()),
    ];
    let cortes = root.join("cortes");
    let write = |seq: u64,
                 key: &prep_package::SigningKey,
                 previous: Option<&prep_package::Manifest>,
                 name: &str| {
        crate::common::write_signed_package(
            &cortes.join(name),
            key,
            seq,
            previous,
            &files,
            "json/index.json",
        )
    };
    let m1 = write(1, &k1, None, "c1");
    let m2 = write(2, &k1, Some(&m1), "c2");
    let node_dir = root.join("node");
    let config = crate::common::node_config(
        &node_dir,
        &k1_dir.join("prep.pub"),
        &format!("root_key_file = \"{}\"\n", s(&root_dir.join("prep.pub"))),
    );
    let log = root.join("node.log");
    let mut processes = crate::common::Processes::default();
    let (node, addr) = crate::common::start_node(&config, &log);
    processes.0.push(node);
    let inbox = node_dir.join("inbox");
    let wait = |sequence: u64| {
        let started = Instant::now();
        while served(&addr) != Some(sequence) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "corte {sequence} not served"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    };
    for name in ["c1", "c2"] {
        prep_inbox::deliver(&cortes.join(name), &inbox, name).expect("deliver");
    }
    wait(2);

    // The institute's root key retires k1 after corte 2 and names k2 from corte 3.
    let delegation = root.join("keys-1");
    let said = crate::common::ok(prep(&[
        "keys",
        "delegate",
        "--root-key",
        &s(&root_dir.join("prep.key")),
        "--institute",
        "IEEPUE",
        "--version",
        "1",
        "--key",
        &format!("{}:1-2", s(&k1_dir.join("prep.pub"))),
        "--key",
        &format!("{}:3-", s(&k2_dir.join("prep.pub"))),
        "--out",
        &s(&delegation),
    ]));
    assert!(said.contains("keys version 1 (2 keys)"), "{said}");
    prep_inbox::deliver(&delegation, &inbox, "keys-1").expect("deliver");
    // The leaked k1 signs corte 3: refused by the running node; k2's corte 3 is served.
    write(3, &k1, Some(&m2), "c3-k1");
    let m3 = write(3, &k2, Some(&m2), "c3");
    prep_inbox::deliver(&cortes.join("c3-k1"), &inbox, "c3-k1").expect("deliver");
    let events = node_dir.join("data/events.jsonl");
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&events).unwrap_or_default();
        if text.contains("\"package\":\"c3-k1\"") && text.contains("\"code\":\"signature\"") {
            assert!(text.contains("\"event\":\"keys\""), "{text}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{text}");
        std::thread::sleep(Duration::from_millis(25));
    }
    assert_eq!(served(&addr), Some(2));
    prep_inbox::deliver(&cortes.join("c3"), &inbox, "c3").expect("deliver");
    wait(3);

    // prep verify follows the rotation through the history with the root key and the
    // delegation; the old key's corte 3 is refused.
    let keys_json = s(&delegation.join("keys.json"));
    let root_pub = s(&root_dir.join("prep.pub"));
    for (name, previous) in [("c1", None), ("c2", Some(&m1)), ("c3", Some(&m2))] {
        let mut args = vec![
            "verify".to_owned(),
            s(&cortes.join(name)),
            "--key".into(),
            root_pub.clone(),
            "--keys".into(),
            keys_json.clone(),
        ];
        if let Some(p) = previous {
            let path = root.join(format!("prev-{name}.json"));
            std::fs::write(&path, p.to_bytes()).expect("prev");
            args.extend(["--previous".into(), s(&path)]);
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = prep(&argv);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            crate::common::text(&out)
        );
    }
    let out = prep(&[
        "verify",
        &s(&cortes.join("c3-k1")),
        "--key",
        &root_pub,
        "--keys",
        &keys_json,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", crate::common::text(&out));
    assert!(
        crate::common::text(&out).contains("signature"),
        "{}",
        crate::common::text(&out)
    );
    // The node's history checks across the rotation.
    let check = prep(&["node", "check", "--config", &s(&config)]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        crate::common::text(&check)
    );
    let _ = m3;
}
