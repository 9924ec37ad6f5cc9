//! The suspension notice: a notice signed by the institute, delivered through the inbox,
//! replaces every page with the notice page and marks `json/main.json` `suspended` — also
//! after a restart — until a newer corte is activated; forged, replayed or padded notices are
//! refused and change nothing.

use crate::common::{Server, config, keys, package};
use prep_inbox::Notice;
use prep_inbox::notice::{NOTICE_FORMAT, trusted_comment};
use prep_node::{Node, NodeConfig, Outcome};
use prep_package::{SigningKey, sign_detached};
use std::path::Path;
use std::sync::Arc;

fn notice(sequence: u64) -> Notice {
    Notice {
        format: NOTICE_FORMAT.into(),
        institute: "Instituto Electoral del Estado de Puebla".into(),
        process: "PEL2024".into(),
        corte_sequence: 1_000,
        sequence,
        issued: prep_inbox::now_rfc3339(),
        expires: prep_package::rfc3339_utc(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_secs() as i64
                + 3600,
        ),
        title: "Suspensión temporal del PREP".into(),
        message: "Por causas de fuerza mayor se suspende la publicación.".into(),
    }
}

/// Delivers a notice signed by `key` (with `extra` files beside it) and polls once.
fn deliver_notice(
    node: &Node,
    root: &Path,
    name: &str,
    key: &SigningKey,
    n: &Notice,
    extra: &[&str],
) -> Outcome {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let bytes = serde_json::to_vec_pretty(n).expect("json");
    std::fs::write(dir.join("notice.json"), &bytes).expect("write");
    let sig = sign_detached(key, &bytes, &trusted_comment(n.sequence)).expect("sign");
    std::fs::write(dir.join("notice.json.minisig"), sig).expect("write");
    for e in extra {
        std::fs::write(dir.join(e), "x").expect("write");
    }
    prep_inbox::deliver(&dir, &node.config().inbox, name).expect("deliver");
    let mut outcomes = node.poll_inbox().expect("poll");
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    outcomes.remove(0)
}

fn assert_suspended(server: &Server, sequence: &str) {
    let home = server.get("/", &[]);
    let html = String::from_utf8(home.body).expect("utf-8");
    assert!(
        html.contains("<h1>Suspensión temporal del PREP</h1>"),
        "{html}"
    );
    assert!(html.contains("lang=\"es-MX\""));
    assert_eq!(home.cache.as_deref(), Some("no-cache"));
    assert_eq!(home.sequence.as_deref(), Some(sequence));
    let main = server.get("/json/main.json", &[]);
    let v: serde_json::Value = serde_json::from_slice(&main.body).expect("json");
    assert_eq!(v["suspended"], true, "{v}");
    assert_eq!(v["sequence"].to_string(), sequence);
    assert_eq!(main.cache.as_deref(), Some("no-cache"));
}

fn assert_not_suspended(server: &Server, p: &crate::common::TestPackage) {
    let home = server.get("/", &[]);
    assert_eq!(home.body, b"<!doctype html><title>PREP</title>");
    let main = server.get("/json/main.json", &[]);
    assert_eq!(main.body, p.pointer.to_bytes());
}

#[test]
fn a_signed_notice_suspends_the_site_until_a_newer_corte() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (path, cfg) = config(
        root.path(),
        &pk,
        "accept_first = true\nexport_root = \"www\"\n",
    );
    let www = root.path().join("www");
    let open = |cfg: NodeConfig| Arc::new(Node::open(cfg, false).expect("open"));
    let node = open(cfg.clone());
    let p1 = package(&key, 1, None, &[]);
    p1.write(&root.path().join("p1"));
    prep_inbox::deliver(&root.path().join("p1"), &cfg.inbox, "p1").expect("deliver");
    node.poll_inbox().expect("poll");
    let server = Server::start(Arc::clone(&node));
    assert_not_suspended(&server, &p1);

    // Forged (another key) or padded with another file: refused, nothing changes.
    let (_, other) = keys();
    let forged = deliver_notice(&node, root.path(), "n-forged", &other, &notice(1), &[]);
    assert!(
        matches!(&forged, Outcome::Rejected { code: "notice", reason, .. } if reason.contains("signature")),
        "{forged:?}"
    );
    let padded = deliver_notice(&node, root.path(), "n-pad", &key, &notice(1), &["x.html"]);
    assert!(
        matches!(&padded, Outcome::Rejected { code: "notice", reason, .. } if reason.contains("x.html")),
        "{padded:?}"
    );
    assert_not_suspended(&server, &p1);

    let ok = deliver_notice(&node, root.path(), "n1", &key, &notice(1), &[]);
    assert_eq!(
        ok,
        Outcome::Suspended {
            package: "n1".into(),
            notice: 1
        }
    );
    assert_suspended(&server, "1");
    // The web-root export shows the same: `current` switched to the suspended site, whose
    // pages were written anew, never through the hard links of corte 1's own export.
    assert_eq!(
        std::fs::read_link(www.join("current")).expect("link"),
        Path::new("cortes/1-notice-1")
    );
    let page = std::fs::read_to_string(www.join("current/index.html")).expect("page");
    assert!(
        page.contains("<h1>Suspensión temporal del PREP</h1>"),
        "{page}"
    );
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(www.join("current/json/main.json")).expect("main"))
            .expect("json");
    assert_eq!(exported["suspended"], true);
    assert_eq!(
        std::fs::read(www.join("current/assets/app.css")).expect("css"),
        b"body{margin:0}"
    );
    assert_eq!(
        std::fs::read(www.join("cortes/1/index.html")).expect("page"),
        b"<!doctype html><title>PREP</title>"
    );
    assert_eq!(
        std::fs::read(www.join("cortes/1/json/main.json")).expect("main"),
        p1.pointer.to_bytes()
    );
    // The data files of the corte are still there; only pages and the pointer change.
    assert_eq!(server.get("/assets/app.css", &[]).status, 200);
    // The same notice again: a replay.
    let replay = deliver_notice(&node, root.path(), "n1-again", &key, &notice(1), &[]);
    assert!(
        matches!(&replay, Outcome::Rejected { code: "notice", reason, .. } if reason.contains("not newer")),
        "{replay:?}"
    );

    // A restart keeps the notice in force.
    drop(server);
    drop(node);
    let node = open(NodeConfig::load(&path).expect("config"));
    let server = Server::start(Arc::clone(&node));
    assert_suspended(&server, "1");

    // A newer corte lifts it, also across a restart.
    let p2 = package(&key, 2, Some(&p1.manifest), &[]);
    p2.write(&root.path().join("p2"));
    prep_inbox::deliver(&root.path().join("p2"), &cfg.inbox, "p2").expect("deliver");
    node.poll_inbox().expect("poll");
    assert_not_suspended(&server, &p2);
    assert_eq!(
        std::fs::read_link(www.join("current")).expect("link"),
        Path::new("cortes/2")
    );
    assert_eq!(
        std::fs::read(www.join("current/index.html")).expect("page"),
        b"<!doctype html><title>PREP</title>"
    );
    drop(server);
    drop(node);
    let node = open(NodeConfig::load(&path).expect("config"));
    let server = Server::start(Arc::clone(&node));
    assert_not_suspended(&server, &p2);
    let events = std::fs::read_to_string(root.path().join("data/events.jsonl")).expect("events");
    assert!(events.contains("\"event\":\"suspend\""), "{events}");
    assert!(events.contains("\"event\":\"resume\""), "{events}");
}

#[test]
fn a_notice_of_another_process_an_older_corte_or_past_its_expiry_is_refused() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let (_, cfg) = config(root, &pk, "accept_first = true\n");
    let node = Arc::new(Node::open(cfg, false).expect("open"));
    let p1 = package(&key, 1, None, &[]);
    let p2 = package(&key, 2, Some(&p1.manifest), &[]);
    for (name, p) in [("c1", &p1), ("c2", &p2)] {
        let dir = root.join(name);
        p.write(&dir);
        prep_inbox::deliver(&dir, &node.config().inbox, name).expect("deliver");
        node.poll_inbox().expect("poll");
    }
    assert_eq!(node.current().map(|c| c.sequence), Some(2));
    let refused = |name: &str, n: Notice, why: &str| {
        let o = deliver_notice(&node, root, name, &key, &n, &[]);
        assert!(
            matches!(&o, Outcome::Rejected { code: "notice", reason, .. } if reason.contains(why)),
            "{name}: {o:?}"
        );
    };
    // Issued while corte 1 was the newest: older than the corte served.
    refused(
        "older",
        Notice {
            corte_sequence: 1,
            ..notice(1)
        },
        "older than corte 2",
    );
    refused(
        "other-process",
        Notice {
            process: "PEL2027".into(),
            ..notice(2)
        },
        "is for process \"PEL2027\"",
    );
    refused(
        "expired",
        Notice {
            issued: "2024-06-02T23:00:00-06:00".into(),
            expires: "2024-06-03T23:00:00-06:00".into(),
            ..notice(3)
        },
        "expired at 2024-06-03T23:00:00-06:00",
    );
    // Bound right, it is served.
    let o = deliver_notice(
        &node,
        root,
        "bound",
        &key,
        &Notice {
            corte_sequence: 2,
            ..notice(4)
        },
        &[],
    );
    assert!(matches!(o, Outcome::Suspended { notice: 4, .. }), "{o:?}");
}
