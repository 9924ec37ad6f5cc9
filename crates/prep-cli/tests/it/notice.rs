//! `prep notice` end to end: the institute signs a suspension notice with its key, it is
//! delivered into a running `prep node run`'s inbox, and the node then serves the notice page
//! and a pointer marked `suspended`; the same notice delivered again is refused as a replay, a
//! notice signed by another key is refused, and `prep notice` refuses to write over a notice.

use crate::common::{ok, prep, s, start_node, text, write_signed_package};
use prep_package::SigningKey;
use std::time::{Duration, Instant};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// `GET path` → (status, `X-Prep-Sequence`, body).
fn get(agent: &ureq::Agent, addr: &str, path: &str) -> (u16, String, String) {
    let mut r = agent
        .get(format!("http://{addr}{path}"))
        .call()
        .expect("request");
    let sequence = r
        .headers()
        .get("x-prep-sequence")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = r.body_mut().read_to_string().expect("body");
    (r.status().as_u16(), sequence, body)
}

/// Waits (at most 30 s) until `done` holds for `GET path`.
fn wait_for(
    agent: &ureq::Agent,
    addr: &str,
    path: &str,
    what: &str,
    done: impl Fn(&(u16, String, String)) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = get(agent, addr, path);
        if done(&r) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {path} is {r:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The number of files in `dir` (0 when it does not exist).
fn count(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[test]
fn a_notice_signed_by_prep_notice_suspends_a_running_node() {
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let keys = crate::common::generate_keys(&root.join("keys"));
    let other = crate::common::generate_keys(&root.join("other"));
    let key_text = std::fs::read_to_string(keys.join("prep.key")).expect("key");
    let key = SigningKey::from_secret_key_file(&key_text, None).expect("key");
    let inbox = root.join("inbox");
    let config =
        crate::common::node_config(root, &keys.join("prep.pub"), "poll_interval_ms = 20\n");
    let (mut node, addr) = start_node(&config, &root.join("node.err"));
    let agent = agent();

    let pkg = root.join("corte-1");
    let files = vec![
        (
            "index.html".to_owned(),
            b"<!doctype html><title>PREP</title>".to_vec(),
        ),
        ("json/index.json".to_owned(), b"{\"sequence\": 1}".to_vec()),
    ];
    write_signed_package(&pkg, &key, 1, None, &files, "json/index.json");
    prep_inbox::deliver(&pkg, &inbox, "corte-1").expect("deliver");
    wait_for(&agent, &addr, "/", "corte 1 served", |r| {
        r.0 == 200 && r.1 == "1" && r.2.contains("<title>PREP</title>")
    });

    // The institute signs a notice; the node serves it once delivered.
    let notice = root.join("aviso-1");
    let message =
        "Por causas de fuerza mayor se suspende la publicación.\n\nDisculpe <las> molestias.";
    let written = ok(prep(&[
        "notice",
        "--process",
        "PEL2024",
        "--corte-sequence",
        "1",
        "--key",
        &s(&keys.join("prep.key")),
        "--sequence",
        "1",
        "--institute",
        "Instituto Electoral del Estado de Puebla",
        "--message",
        message,
        "--out",
        &s(&notice),
    ]));
    assert!(written.contains("notice 1 written to"), "{written}");
    let mut names: Vec<String> = std::fs::read_dir(&notice)
        .expect("notice dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["notice.json", "notice.json.minisig"]);
    prep_inbox::deliver(&notice, &inbox, "aviso-1").expect("deliver");
    wait_for(&agent, &addr, "/", "the notice page", |r| {
        r.0 == 200 && r.2.contains("<h1>Suspensión temporal del PREP</h1>")
    });
    let (_, sequence, page) = get(&agent, &addr, "/");
    assert_eq!(sequence, "1");
    assert!(
        page.contains("Instituto Electoral del Estado de Puebla"),
        "{page}"
    );
    assert!(
        page.contains("<p>Disculpe &lt;las&gt; molestias.</p>"),
        "{page}"
    );
    let (_, _, pointer) = get(&agent, &addr, "/json/main.json");
    let v: serde_json::Value = serde_json::from_str(&pointer).expect("json");
    assert_eq!(v["suspended"], true, "{v}");
    assert_eq!(v["notice"]["sequence"], 1, "{v}");
    assert_eq!(v["sequence"], 1, "{v}");

    // `prep notice` never writes over a notice.
    let again = prep(&[
        "notice",
        "--process",
        "PEL2024",
        "--corte-sequence",
        "1",
        "--key",
        &s(&keys.join("prep.key")),
        "--sequence",
        "2",
        "--message",
        "otro",
        "--out",
        &s(&notice),
    ]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    // The same notice again (a replay) and one signed by another key are refused.
    let rejected = root.join("data/rejected");
    let before = count(&rejected);
    prep_inbox::deliver(&notice, &inbox, "aviso-1-replay").expect("deliver");
    let forged = root.join("aviso-2-forged");
    ok(prep(&[
        "notice",
        "--process",
        "PEL2024",
        "--corte-sequence",
        "1",
        "--key",
        &s(&other.join("prep.key")),
        "--sequence",
        "2",
        "--message",
        "Publicación reanudada por un tercero.",
        "--out",
        &s(&forged),
    ]));
    prep_inbox::deliver(&forged, &inbox, "aviso-2-forged").expect("deliver");
    let deadline = Instant::now() + Duration::from_secs(30);
    // Each refused delivery leaves the package and its `.reason` in rejected/.
    while count(&rejected) < before + 4 {
        assert!(
            Instant::now() < deadline,
            "the two bad notices were not refused"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let reasons: Vec<String> = std::fs::read_dir(&rejected)
        .expect("rejected")
        .filter_map(|e| {
            let p = e.expect("entry").path();
            p.extension()
                .is_some_and(|x| x == "reason")
                .then(|| std::fs::read_to_string(&p).expect("reason"))
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons.iter().all(|r| r.starts_with("notice: ")),
        "{reasons:?}"
    );
    // Still suspended by notice 1.
    let (_, _, page) = get(&agent, &addr, "/");
    assert!(page.contains("Aviso número 1,"), "{page}");

    let _ = node.kill();
    let _ = node.wait();
}
