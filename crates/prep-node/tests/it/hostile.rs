//! The hostile-package kit: from valid packages, one hostile class per case. Each is refused
//! with its own reason, moved to `rejected/`, counted, and the previously active corte is
//! still what `/json/main.json` serves.

use crate::common::{Server, TestPackage, config, keys, package};
use prep_node::{Node, Outcome, check_history, history};
use prep_package::{FileEntry, sha256_hex};
use std::path::Path;
use std::sync::Arc;

/// Limits small enough to test: 40 files, 8 KiB a file, 64 KiB in all.
const LIMITS: &str = "[limits]\nmax_files = 40\nmax_file_bytes = 8192\nmax_total_bytes = 65536\n";

/// Delivers a package as the inbox protocol says (written by `write` under a temporary
/// name, the marker last, renamed into place) and polls once. Hostile packages hold links
/// and sockets, so they are written in place rather than copied.
fn deliver_and_poll(node: &Node, name: &str, write: impl FnOnce(&Path)) -> Vec<Outcome> {
    let inbox = &node.config().inbox;
    let tmp = inbox.join(format!(".tmp-{name}"));
    write(&tmp);
    std::fs::write(tmp.join(prep_inbox::COMPLETE_MARKER), b"").expect("marker");
    std::fs::rename(&tmp, inbox.join(name)).expect("rename");
    node.poll_inbox().expect("poll")
}

fn only(outcomes: Vec<Outcome>) -> Outcome {
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    outcomes.into_iter().next().expect("one")
}

/// Writes `p` (its files are all there), then a manifest that also lists `paths` (files that
/// cannot be, or need not be, on disk: the manifest is refused before any is read), signed by
/// `key`.
fn signed_manifest_only(
    p: &TestPackage,
    key: &prep_package::SigningKey,
    paths: &[&str],
) -> Box<dyn Fn(&Path)> {
    let mut hostile = p.clone();
    for path in paths {
        hostile.manifest.files.push(FileEntry {
            path: (*path).to_owned(),
            sha256: sha256_hex(path.as_bytes()),
            size: 1,
        });
    }
    hostile.resign(key);
    let p = p.clone();
    Box::new(move |d| {
        p.write(d);
        std::fs::write(d.join("manifest.json"), hostile.manifest.to_bytes()).expect("write");
        std::fs::write(d.join("manifest.json.minisig"), &hostile.minisig).expect("write");
        std::fs::write(d.join("json/main.json"), hostile.pointer.to_bytes()).expect("write");
    })
}

#[test]
fn every_hostile_package_is_refused_with_its_reason_and_the_corte_stays_online() {
    let (pk, key) = keys();
    let (_, other_key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let (_, cfg) = config(root, &pk, LIMITS);
    let node = Arc::new(Node::open(cfg, false).expect("open"));
    let server = Server::start(Arc::clone(&node));
    assert_eq!(server.get("/json/main.json", &[]).status, 503);

    let data = |n: u8| {
        vec![(
            "json/gub/area.json",
            format!("{{\"votos\":[{n},2,3]}}").into_bytes(),
        )]
    };
    // Without --resync or accept_first, a first package is refused.
    let p1 = package(&key, 1, None, &data(1));
    let o = only(deliver_and_poll(&node, "first", |d| p1.write(d)));
    assert!(
        matches!(&o, Outcome::Rejected { code: "resync_required", reason, .. } if reason.contains("--resync")),
        "{o:?}"
    );
    drop(server);
    drop(node);
    let (_, cfg) = config(root, &pk, LIMITS);
    let node = Arc::new(Node::open(cfg, true).expect("open with resync"));
    let server = Server::start(Arc::clone(&node));
    let o = only(deliver_and_poll(&node, "c1", |d| p1.write(d)));
    assert_eq!(
        o,
        Outcome::Accepted {
            package: "c1".into(),
            sequence: 1
        }
    );
    let p2 = package(&key, 2, Some(&p1.manifest), &data(2));
    let o = only(deliver_and_poll(&node, "c2", |d| p2.write(d)));
    assert_eq!(
        o,
        Outcome::Accepted {
            package: "c2".into(),
            sequence: 2
        }
    );
    let served_before = server.get("/json/main.json", &[]);
    assert_eq!(served_before.body, p2.pointer.to_bytes());
    assert_eq!(served_before.sequence.as_deref(), Some("2"));

    // A valid next package, the base of most hostile cases.
    let next = |extra: &[(&str, Vec<u8>)]| package(&key, 3, Some(&p2.manifest), extra);
    let p3 = next(&data(3));
    let area = |d: &Path| d.join("json/gub/area.json");
    type Case = (&'static str, &'static str, &'static str, Box<dyn Fn(&Path)>);
    let cases: Vec<Case> = vec![
        ("byte-flipped", "hash", "SHA-256", {
            let p = p3.clone();
            Box::new(move |d| {
                p.write(d);
                let mut b = std::fs::read(area(d)).expect("read");
                b[3] ^= 0x01;
                std::fs::write(area(d), b).expect("write");
            })
        }),
        ("truncated", "size", "size 10, the manifest says", {
            let p = p3.clone();
            Box::new(move |d| {
                p.write(d);
                let b = std::fs::read(area(d)).expect("read");
                std::fs::write(area(d), &b[..10]).expect("write");
            })
        }),
        (
            "missing",
            "missing_file",
            "missing file json/gub/area.json",
            {
                let p = p3.clone();
                Box::new(move |d| {
                    p.write(d);
                    std::fs::remove_file(area(d)).expect("rm");
                })
            },
        ),
        (
            "extra",
            "unlisted_file",
            "json/gub/extra.json is not in the manifest",
            {
                let p = p3.clone();
                Box::new(move |d| {
                    p.write(d);
                    std::fs::write(d.join("json/gub/extra.json"), b"{}").expect("write");
                })
            },
        ),
        (
            "edited-manifest",
            "signature",
            "signature does not verify",
            {
                let p = p3.clone();
                Box::new(move |d| {
                    p.write(d);
                    let text = std::fs::read_to_string(d.join("manifest.json")).expect("read");
                    let edited = text.replace("\"final\": false", "\"final\": true ");
                    assert_ne!(text, edited);
                    std::fs::write(d.join("manifest.json"), edited).expect("write");
                })
            },
        ),
        ("wrong-key", "signature", "signature does not verify", {
            let mut p = p3.clone();
            p.resign(&other_key);
            Box::new(move |d| p.write(d))
        }),
        (
            "older-sequence",
            "rollback",
            "sequence 1 is not greater than the last accepted 2",
            {
                let p = p1.clone();
                Box::new(move |d| p.write(d))
            },
        ),
        (
            "replay",
            "replay",
            "sequence 2 is not greater than the last accepted 2",
            {
                let p = p2.clone();
                Box::new(move |d| p.write(d))
            },
        ),
        (
            "expired",
            "expired",
            "expired at 2024-06-03T21:00:00-06:00",
            {
                let mut p = p3.clone();
                p.manifest.expires = "2024-06-03T21:00:00-06:00".into();
                p.resign(&key);
                Box::new(move |d| p.write(d))
            },
        ),
        ("broken-chain", "chain", "broken chain", {
            let p = package(&key, 3, Some(&p1.manifest), &data(3));
            Box::new(move |d| p.write(d))
        }),
        ("dotdot-path", "manifest", "`..` segment", {
            let mut p = p3.clone();
            p.manifest.files.push(FileEntry {
                path: "json/../../etc/passwd".into(),
                sha256: sha256_hex(b"x"),
                size: 1,
            });
            p.resign(&key);
            Box::new(move |d| p.write(d))
        }),
        (
            "absolute-path",
            "manifest",
            "\"/etc/passwd\" is not allowed: absolute",
            {
                let mut p = p3.clone();
                p.manifest.files.push(FileEntry {
                    path: "/etc/passwd".into(),
                    sha256: sha256_hex(b"x"),
                    size: 1,
                });
                p.resign(&key);
                Box::new(move |d| p.write(d))
            },
        ),
        (
            "symlink",
            "link",
            "json/gub/area.json is a symbolic link",
            {
                let p = p3.clone();
                Box::new(move |d| {
                    p.write(d);
                    let bytes = std::fs::read(area(d)).expect("read");
                    std::fs::write(d.join("real.json"), bytes).expect("write");
                    std::fs::remove_file(area(d)).expect("rm");
                    std::os::unix::fs::symlink("../../real.json", area(d)).expect("symlink");
                })
            },
        ),
        (
            "oversized-file",
            "file_too_large",
            "json/big.json has 9000 bytes, more than the limit max_file_bytes = 8192",
            {
                let p = next(&[("json/big.json", vec![b' '; 9000])]);
                Box::new(move |d| p.write(d))
            },
        ),
        ("too-many-files", "too_many_files", "more than 40 files", {
            let many: Vec<(String, Vec<u8>)> = (0..45)
                .map(|i| (format!("json/f/{i:03}.json"), b"{}".to_vec()))
                .collect();
            let many: Vec<(&str, Vec<u8>)> =
                many.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
            let p = next(&many);
            Box::new(move |d| p.write(d))
        }),
        (
            "too-many-bytes",
            "total_too_large",
            "more than 65536 bytes",
            {
                let big: Vec<(String, Vec<u8>)> = (0..10)
                    .map(|i| (format!("json/b/{i}.json"), vec![b' '; 8000]))
                    .collect();
                let big: Vec<(&str, Vec<u8>)> =
                    big.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
                let p = next(&big);
                Box::new(move |d| p.write(d))
            },
        ),
        (
            "pointer-elsewhere",
            "pointer",
            "json/main.json: points at sequence 2",
            {
                let mut p = p3.clone();
                p.pointer = p2.pointer.clone();
                Box::new(move |d| p.write(d))
            },
        ),
        // The pointer carries nothing the signed manifest does not: each field a browser or
        // the monitor reads, changed, and fields added.
        ("pointer-corte-text", "pointer", "(corte differs)", {
            let mut p = p3.clone();
            p.pointer.corte = "03/06/2024 23:59 (UTC-6)".into();
            Box::new(move |d| p.write(d))
        }),
        ("pointer-final", "pointer", "(final differs)", {
            let mut p = p3.clone();
            p.pointer.is_final = true;
            Box::new(move |d| p.write(d))
        }),
        ("pointer-old-database", "pointer", "(databases differs)", {
            let mut p = p3.clone();
            p.pointer.databases.insert(
                "gub".into(),
                "historial/1/datos/20240603_1800_PREP_PUE.zip".into(),
            );
            Box::new(move |d| p.write(d))
        }),
        (
            "pointer-unlisted-difusores",
            "pointer",
            "(difusores differs)",
            {
                let mut p = p3.clone();
                p.pointer.difusores = Some("json/difusores.0123456789abcdef.json".into());
                Box::new(move |d| p.write(d))
            },
        ),
        (
            "pointer-extra-fields",
            "pointer",
            "(not a pointer field)",
            {
                let p = p3.clone();
                Box::new(move |d| {
                    p.write(d);
                    let mut v: serde_json::Value =
                        serde_json::from_slice(&p.pointer.to_bytes()).expect("json");
                    v["suspended"] = serde_json::Value::Bool(true);
                    v["notice"] = serde_json::json!({"sequence": 9, "title": "Falso"});
                    let bytes = serde_json::to_vec_pretty(&v).expect("json");
                    std::fs::write(d.join("json/main.json"), bytes).expect("write");
                })
            },
        ),
        // Time moves forward; nothing from the future; no sequence that ends the night.
        (
            "earlier-corte",
            "time_order",
            "is not after the last accepted corte's",
            {
                let mut p = p3.clone();
                p.manifest.corte = "2020-01-01T00:00:00-06:00".into();
                p.resign(&key);
                Box::new(move |d| p.write(d))
            },
        ),
        (
            "from-the-future",
            "clock_ahead",
            "ahead of this receiver's clock",
            {
                let mut p = p3.clone();
                let year_ahead = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock")
                    .as_secs() as i64
                    + 366 * 86_400;
                p.manifest.corte = prep_package::rfc3339_utc(year_ahead);
                p.manifest.expires = "9999-01-01T00:00:00Z".into();
                p.resign(&key);
                Box::new(move |d| p.write(d))
            },
        ),
        ("max-sequence", "manifest", "is outside 1..=1000000", {
            let mut p = p3.clone();
            p.manifest.sequence = u64::MAX;
            p.resign(&key);
            Box::new(move |d| p.write(d))
        }),
        ("sequence-jump", "sequence_jump", "(fast-forward)", {
            let mut p = p3.clone();
            p.manifest.sequence = 2 + prep_package::MAX_SEQUENCE_STEP + 1;
            p.resign(&key);
            Box::new(move |d| p.write(d))
        }),
        // Names: one rule for every path, on disk and signed.
        ("backslash-name", "bad_name", "backslash", {
            let p = p3.clone();
            Box::new(move |d| {
                p.write(d);
                let index = &p.pointer.index;
                let bytes = std::fs::read(d.join(index)).expect("index");
                std::fs::write(d.join(index.replace('/', "\\")), bytes).expect("write");
            })
        }),
        (
            "signed-prefix-collision",
            "manifest",
            "one of its directories is also a file",
            signed_manifest_only(&p3, &key, &["json/x", "json/x/y"]),
        ),
        (
            "signed-long-component",
            "manifest",
            "a component longer than 128 bytes",
            signed_manifest_only(&p3, &key, &[&format!("json/{}.json", "a".repeat(300))]),
        ),
        (
            "signed-bidi-path",
            "manifest",
            "not ASCII",
            signed_manifest_only(&p3, &key, &["json/\u{202e}nosj.xedni"]),
        ),
        (
            "signed-zero-width-path",
            "manifest",
            "not ASCII",
            signed_manifest_only(&p3, &key, &["json/in\u{200b}dex.json"]),
        ),
        (
            "signed-nfd-twin",
            "manifest",
            "not ASCII",
            signed_manifest_only(&p3, &key, &["json/gub/a\u{301}rea.json"]),
        ),
        (
            "special-file",
            "special_file",
            "json/sock is not a regular file",
            {
                let p = p3.clone();
                Box::new(move |d| {
                    p.write(d);
                    let sock = std::os::unix::net::UnixListener::bind(d.join("json/sock"))
                        .expect("socket");
                    drop(sock);
                })
            },
        ),
    ];
    let codes: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.1).collect();
    let check = |(name, code, reason_part, write): &Case| {
        let o = only(deliver_and_poll(&node, name, |d| write(d)));
        match &o {
            Outcome::Rejected {
                package,
                code: got,
                reason,
            } => {
                assert_eq!(package, name);
                assert_eq!(got, code, "{name}: {reason}");
                assert!(
                    reason.contains(reason_part),
                    "{name}: {reason:?} lacks {reason_part:?}"
                );
            }
            Outcome::Accepted { .. } | Outcome::Suspended { .. } | Outcome::Keys { .. } => {
                panic!("{name} was accepted")
            }
        }
        let now = server.get("/json/main.json", &[]);
        assert_eq!(
            (now.status, &now.body),
            (200, &served_before.body),
            "{name}"
        );
        assert_eq!(now.sequence.as_deref(), Some("2"), "{name}");
        let reason_file = std::fs::read_dir(node.config().data.join("rejected"))
            .expect("rejected")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|f| f.ends_with(&format!("-{name}.reason")))
            .unwrap_or_else(|| panic!("no reason file for {name}"));
        let text = std::fs::read_to_string(node.config().data.join("rejected").join(reason_file))
            .expect("reason");
        assert!(text.starts_with(&format!("{code}: ")), "{text}");
    };
    prep_testdata::cases::check_each(&cases, |c| c.0.to_owned(), check);
    // Something that is not a directory, dropped into the inbox.
    std::fs::write(node.config().inbox.join("stray.txt"), b"hola").expect("write");
    let o = only(node.poll_inbox().expect("poll"));
    assert!(
        matches!(
            o,
            Outcome::Rejected {
                code: "not_a_directory",
                ..
            }
        ),
        "{o:?}"
    );

    // Half written: still under its temporary name, or renamed without signature and marker.
    let inbox = node.config().inbox.clone();
    p3.write(&inbox.join(".tmp-half"));
    std::fs::write(
        inbox.join(".tmp-half").join(prep_inbox::COMPLETE_MARKER),
        b"",
    )
    .expect("marker");
    let unsigned = inbox.join("unsigned");
    p3.write(&unsigned);
    std::fs::remove_file(unsigned.join("manifest.json.minisig")).expect("rm");
    for _ in 0..3 {
        assert_eq!(node.poll_inbox().expect("poll"), vec![]);
    }
    assert!(inbox.join(".tmp-half").exists() && unsigned.exists());
    assert_eq!(server.get("/json/main.json", &[]).body, served_before.body);
    // Once renamed into place, the same package is taken whole, and becomes the corte served.
    std::fs::rename(inbox.join(".tmp-half"), inbox.join("half")).expect("rename");
    let o = only(node.poll_inbox().expect("poll"));
    assert_eq!(
        o,
        Outcome::Accepted {
            package: "half".into(),
            sequence: 3
        }
    );
    assert_eq!(
        server.get("/json/main.json", &[]).body,
        p3.pointer.to_bytes()
    );

    // Every reason was counted, the event log names each refusal.
    let metrics = String::from_utf8(server.get("/metrics", &[]).body).expect("utf-8");
    for code in &codes {
        assert!(
            metrics.contains(&format!(
                "prep_node_packages_rejected_total{{reason=\"{code}\"}}"
            )),
            "{code} not counted:\n{metrics}"
        );
    }
    assert!(
        metrics.contains("prep_node_packages_accepted_total 3"),
        "{metrics}"
    );
    assert!(metrics.contains("prep_node_active_sequence 3"), "{metrics}");
    let events = std::fs::read_to_string(node.config().data.join("events.jsonl")).expect("events");
    let rejects = events
        .lines()
        .filter(|l| l.contains("\"event\":\"reject\""))
        .count();
    assert_eq!(rejects, 1 + cases.len() + 1, "{events}");
    for line in events.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        assert!(v["time"].is_string() && v["event"].is_string(), "{line}");
    }
    drop(server);

    // The history is intact and stores unchanged files once.
    let store = prep_node::Store::open(&node.config().data).expect("store");
    let report = check_history(&store, &node.config().key).expect("check");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.cortes, report.active), (3, Some(3)));
    let h = history(&store).expect("history");
    let listed: u64 = h.cortes.iter().map(|c| c.bytes).sum();
    let distinct = [&p1, &p2, &p3]
        .iter()
        .flat_map(|p: &&TestPackage| p.manifest.files.iter().map(|f| (f.sha256.clone(), f.size)))
        .collect::<std::collections::BTreeMap<_, _>>();
    let unique: u64 = distinct.values().sum();
    // Each distinct file once, in packs: a header and trailer per pack, an index entry per
    // object (`prep_node::pack`).
    let packs = std::fs::read_dir(node.config().data.join("packs"))
        .expect("packs")
        .count() as u64;
    assert_eq!(packs, 3, "one pack per corte");
    let overhead = packs * (8 + prep_node::pack::TRAILER_BYTES)
        + distinct.len() as u64 * prep_node::pack::ENTRY_BYTES;
    assert_eq!(h.objects_bytes, unique + overhead);
    // (The cortes do share files: stored once, they take less than listed.)
    assert!(unique < listed);
    assert!(h.cortes[0].resync && !h.cortes[1].resync);
}

#[test]
fn a_corrupted_store_is_caught_on_start_and_by_check() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let (_, cfg) = config(root, &pk, "accept_first = true\n");
    let node = Node::open(cfg.clone(), false).expect("open");
    let p1 = package(&key, 1, None, &[("json/a.json", b"{\"a\":1}".to_vec())]);
    let scratch = root.join("scratch");
    p1.write(&scratch);
    prep_inbox::deliver(&scratch, &cfg.inbox, "by-deliver").expect("deliver");
    let o = only(node.poll_inbox().expect("poll"));
    assert_eq!(
        o,
        Outcome::Accepted {
            package: "by-deliver".into(),
            sequence: 1
        }
    );
    let p2 = package(
        &key,
        2,
        Some(&p1.manifest),
        &[("json/a.json", b"{\"a\":2}".to_vec())],
    );
    let o = only(deliver_and_poll(&node, "c2", |d| p2.write(d)));
    assert_eq!(
        o,
        Outcome::Accepted {
            package: "c2".into(),
            sequence: 2
        }
    );
    drop(node);
    // Flip a byte of the object only corte 2 holds.
    let sha = &p2
        .manifest
        .files
        .iter()
        .find(|f| f.path == "json/a.json")
        .expect("file")
        .sha256;
    let store = prep_node::Store::open(&cfg.data).expect("store");
    let mut bytes = store.read_object(sha).expect("object");
    bytes[0] ^= 0x20;
    crate::common::damage_object(&cfg.data, sha, &bytes);
    let store = prep_node::Store::open(&cfg.data).expect("store");
    let report = check_history(&store, &cfg.key).expect("check");
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].contains("corte 2"),
        "{:?}",
        report.problems
    );
    // The node does not serve the damaged corte: it falls back to the newest that verifies.
    let node = Node::open(cfg.clone(), false).expect("open");
    assert_eq!(node.current().map(|c| c.sequence), Some(1));
    let events = std::fs::read_to_string(cfg.data.join("events.jsonl")).expect("events");
    assert!(events.contains("\"event\":\"verify_failed\""), "{events}");
}

#[test]
fn hostile_inbox_entries_never_stop_the_poll() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let (_, cfg) = config(root, &pk, "accept_first = true\n");
    let node = Node::open(cfg, false).expect("open");
    let p1 = package(&key, 1, None, &[("json/a.json", b"{\"a\":1}".to_vec())]);
    let inbox = node.config().inbox.clone();
    let put = |name: &str, p: &TestPackage| {
        let tmp = inbox.join(".tmp-put");
        p.write(&tmp);
        std::fs::write(tmp.join(prep_inbox::COMPLETE_MARKER), b"").expect("marker");
        std::fs::rename(&tmp, inbox.join(name)).expect("rename");
    };
    // A 240-byte name (its rejection's reason file would pass 255 bytes), a name with a
    // space, and junk whose manifest is a 1 GiB sparse file: each set aside at once, and the
    // valid corte delivered beside them is accepted in the same poll.
    let long = "a".repeat(240);
    put(&long, &p1);
    put("dos palabras", &p1);
    let junk = inbox.join(".tmp-junk");
    std::fs::create_dir_all(&junk).expect("mkdir");
    std::fs::File::create(junk.join("manifest.json"))
        .and_then(|f| f.set_len(1 << 30))
        .expect("sparse manifest");
    std::fs::write(junk.join("manifest.json.minisig"), b"x").expect("sig");
    std::fs::write(junk.join(prep_inbox::COMPLETE_MARKER), b"").expect("marker");
    std::fs::rename(&junk, inbox.join("junk")).expect("rename");
    put("z-valid", &p1);
    let outcomes = node.poll_inbox().expect("one poll handles every entry");
    let code_of = |name: &str| {
        outcomes.iter().find_map(|o| match o {
            Outcome::Rejected {
                package,
                code,
                reason,
            } if package == name => Some((*code, reason.clone())),
            _ => None,
        })
    };
    let (code, reason) = code_of(&long).expect("the long name is refused");
    assert_eq!(code, "bad_name", "{reason}");
    assert!(reason.contains("240 bytes"), "{reason}");
    assert_eq!(code_of("dos palabras").map(|c| c.0), Some("bad_name"));
    let (code, reason) = code_of("junk").expect("the junk is refused");
    assert_eq!(code, "unreadable", "{reason}");
    assert!(reason.contains("more than 67108864"), "{reason}");
    assert!(
        outcomes.contains(&Outcome::Accepted {
            package: "z-valid".into(),
            sequence: 1
        }),
        "{outcomes:?}"
    );
    // Set aside under bounded names, each with its reason beside it.
    let rejected = node.config().data.join("rejected");
    let names: Vec<String> = std::fs::read_dir(&rejected)
        .expect("rejected")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 6, "{names:?}");
    assert!(names.iter().all(|n| n.len() <= 100), "{names:?}");
    // The inbox is empty: the next poll has nothing to do.
    assert_eq!(node.poll_inbox().expect("poll"), vec![]);
}

/// Delivers the delegation `d` signed by `root` into the node's inbox and polls once.
fn deliver_delegation(
    node: &Node,
    name: &str,
    root: &prep_package::SigningKey,
    d: &prep_package::Delegation,
) -> Outcome {
    let (bytes, sig) = prep_package::sign_delegation(root, d).expect("sign");
    only(deliver_and_poll(node, name, |dir| {
        std::fs::create_dir_all(dir).expect("mkdir");
        std::fs::write(dir.join(prep_package::DELEGATION_PATH), &bytes).expect("write");
        std::fs::write(dir.join(prep_package::DELEGATION_SIGNATURE_PATH), &sig).expect("write");
    }))
}

#[test]
fn a_signing_key_rotated_by_the_root_key_takes_effect_on_the_running_node() {
    let (pk, old) = keys();
    let (root_pk, root) = keys();
    let (_, new) = keys();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root_dir = tmp.path();
    let root_line = root_pk.lines().nth(1).expect("key line").to_owned();
    let (_, cfg) = config(
        root_dir,
        &pk,
        &format!("accept_first = true\nroot_key = \"{root_line}\"\n"),
    );
    let node = Node::open(cfg.clone(), false).expect("open");
    let data = |n: u8| vec![("json/a.json", format!("{{\"a\":{n}}}").into_bytes())];
    let p1 = package(&old, 1, None, &data(1));
    let p2 = package(&old, 2, Some(&p1.manifest), &data(2));
    for (name, p) in [("c1", &p1), ("c2", &p2)] {
        let o = only(deliver_and_poll(&node, name, |d| p.write(d)));
        assert!(matches!(o, Outcome::Accepted { .. }), "{o:?}");
    }
    let key = |k: &prep_package::SigningKey, from, until| prep_package::DelegatedKey {
        key: k.verifying_key().to_base64(),
        from_sequence: from,
        until_sequence: until,
    };
    let delegation = |version, keys| prep_package::Delegation {
        format: "prep-keys/1".into(),
        institute: "IEEPUE".into(),
        version,
        keys,
    };
    // The old key leaked: the root key ends its range at corte 2 and starts the new key's.
    let rotation = delegation(1, vec![key(&old, 1, Some(2)), key(&new, 3, None)]);
    // Signed by the (leaked) online key instead of the root key: refused.
    let o = deliver_delegation(&node, "forged-keys", &old, &rotation);
    assert!(
        matches!(&o, Outcome::Rejected { code: "keys", .. }),
        "{o:?}"
    );
    let o = deliver_delegation(&node, "keys-1", &root, &rotation);
    assert_eq!(
        o,
        Outcome::Keys {
            package: "keys-1".into(),
            version: 1
        }
    );
    // The old key's next corte is refused, the new key's accepted: no restart.
    let by_old = package(&old, 3, Some(&p2.manifest), &data(3));
    let o = only(deliver_and_poll(&node, "c3-old-key", |d| by_old.write(d)));
    assert!(
        matches!(
            &o,
            Outcome::Rejected {
                code: "signature",
                ..
            }
        ),
        "{o:?}"
    );
    let by_new = package(&new, 3, Some(&p2.manifest), &data(3));
    let o = only(deliver_and_poll(&node, "c3", |d| by_new.write(d)));
    assert!(matches!(o, Outcome::Accepted { sequence: 3, .. }), "{o:?}");
    // An older version is a rollback; a restart keeps the rotation and serves corte 3, whose
    // history (corte 1 and 2 by the old key, 3 by the new one) verifies.
    let o = deliver_delegation(
        &node,
        "keys-0",
        &root,
        &delegation(1, vec![key(&old, 1, None)]),
    );
    assert!(
        matches!(&o, Outcome::Rejected { code: "keys", reason, .. } if reason.contains("rollback")),
        "{o:?}"
    );
    drop(node);
    let node = Node::open(cfg, false).expect("reopen");
    assert_eq!(node.current().map(|c| c.sequence), Some(3));
    let p4 = package(&old, 4, Some(&by_new.manifest), &data(4));
    let o = only(deliver_and_poll(&node, "c4-old-key", |d| p4.write(d)));
    assert!(
        matches!(
            &o,
            Outcome::Rejected {
                code: "signature",
                ..
            }
        ),
        "{o:?}"
    );
}
