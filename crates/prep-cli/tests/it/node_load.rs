//! `prep node run` under load while a new corte is activated every second: wrk (Debian's)
//! with `scripts/wrk-corte-check.lua` keeps one connection per thread busy on a mix of the
//! pointer, a page and a data file, and checks each response's `X-Prep-Sequence` against the
//! highest one that connection has seen. Zero errors, zero responses from an older corte, the
//! pointer's body always from the corte its header names, and the last corte is what is
//! served at the end.
//!
//! `PREP_LOAD_SECONDS` sets how many cortes are activated, one a second (default 30).

use crate::common::load::{check_line, content_named, shared_body, write_package, wrk};
use crate::common::start_node;

use prep_package::{SigningKey, generate_keys};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The sequence `/healthz` reports, once it is `want` (or the test fails after 30 s).
fn wait_active(agent: &ureq::Agent, addr: &str, want: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let served = agent
            .get(format!("http://{addr}/json/main.json"))
            .call()
            .ok()
            .and_then(|r| {
                r.headers()
                    .get("x-prep-sequence")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
            });
        if served == Some(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the node serves {served:?}, not corte {want}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn under_load_no_connection_sees_an_older_corte_while_one_activates_every_second() {
    let Some(wrk) = wrk() else {
        return;
    };
    let cortes: u64 = std::env::var("PREP_LOAD_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/wrk-corte-check.lua");
    assert!(script.is_file(), "{}", script.display());

    let (pk_text, sk_text) = generate_keys(None).expect("keys");
    let key = SigningKey::from_secret_key_file(&sk_text, None).expect("key");
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    std::fs::write(root.join("prep.pub"), &pk_text).expect("write");
    let config =
        crate::common::node_config(root, &root.join("prep.pub"), "poll_interval_ms = 20\n");
    let inbox = root.join("inbox");
    std::fs::create_dir_all(&inbox).expect("inbox");
    let build = root.join("build");
    let log = root.join("node.err");
    let (mut node, addr) = start_node(&config, &log);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();

    // Corte 1 is served before the load starts.
    let first = write_package(&build.join("corte-1"), &key, 1, None);
    prep_inbox::deliver(&build.join("corte-1"), &inbox, "corte-1").expect("deliver");
    wait_active(&agent, &addr, 1);

    // The pointer, a page and a data file every corte shares.
    let data_file = content_named("json/gub/area/3", &shared_body(3));
    let paths = format!("/json/main.json,/index.html,/{data_file}");
    // wrk runs a little longer than the deliveries, so the last activation is loaded too.
    let wrk_run = Command::new(wrk)
        .args([
            "-t4",
            "-c4",
            &format!("-d{}s", cortes + 2),
            "--timeout",
            "5s",
            "-s",
        ])
        .arg(&script)
        .arg(format!("http://{addr}"))
        .env("CORTE_CHECK_PATHS", &paths)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wrk");

    // A new chained corte activated every second while wrk runs.
    let started = Instant::now();
    let mut previous = first;
    let last = cortes + 1;
    for sequence in 2..=last {
        let due = Duration::from_secs(sequence - 1);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        let name = format!("corte-{sequence}");
        previous = write_package(&build.join(&name), &key, sequence, Some(&previous));
        prep_inbox::deliver(&build.join(&name), &inbox, &name).expect("deliver");
    }
    let out = wrk_run.wait_with_output().expect("wrk");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "wrk failed: {out:?}");
    // Every corte was activated (the node serves the last) and none was refused.
    wait_active(&agent, &addr, last);
    let _ = node.kill();
    let _ = node.wait();
    let rejected = std::fs::read_dir(root.join("data/rejected"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(rejected, 0, "packages refused: see {}", log.display());

    let check = check_line("CORTE-CHECK", &stdout);
    let field = |k: &str| {
        *check
            .get(k)
            .unwrap_or_else(|| panic!("no {k} in {check:?}"))
    };
    assert!(field("requests") > 0, "{check:?}");
    assert_eq!(field("errors"), 0, "{check:?}");
    assert_eq!(field("older"), 0, "{check:?}");
    assert_eq!(field("missing"), 0, "{check:?}");
    assert_eq!(field("mismatch"), 0, "{check:?}");
    assert_eq!(field("min_seq"), 1, "{check:?}");
    assert_eq!(field("max_seq"), last as i64, "{check:?}");
}
