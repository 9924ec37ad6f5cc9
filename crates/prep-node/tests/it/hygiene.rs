//! Inbox hygiene: a delivery abandoned half written in the inbox is removed once untouched for
//! `inbox_stale_after_s` (one still being written deep inside is not), and `data/rejected/`
//! keeps only the newest `rejected_keep` refused packages, each with its reason; both logged.

use crate::common::{config, keys};
use prep_node::Node;
use std::time::{Duration, SystemTime};

/// Sets a file's or directory's modification time.
fn age(path: &std::path::Path, ago: Duration) {
    let f = std::fs::File::open(path).expect("open");
    f.set_modified(SystemTime::now() - ago).expect("set mtime");
}

#[test]
fn stale_deliveries_and_old_refusals_are_removed() {
    let (pk, _) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (_, cfg) = config(
        root.path(),
        &pk,
        "accept_first = true\ninbox_stale_after_s = 3600\nrejected_keep = 2\n",
    );
    let node = Node::open(cfg, false).expect("open");
    let inbox = node.config().inbox.clone();
    let two_hours = Duration::from_secs(7200);

    // Abandoned two hours ago.
    let old = inbox.join(".tmp-abandoned");
    std::fs::create_dir_all(old.join("json")).expect("mkdir");
    std::fs::write(old.join("json/a.json"), "{}").expect("write");
    for p in [old.join("json/a.json"), old.join("json"), old.clone()] {
        age(&p, two_hours);
    }
    // Started two hours ago, but a file deep inside is being written now.
    let busy = inbox.join(".tmp-busy");
    std::fs::create_dir_all(busy.join("json/pres/actas")).expect("mkdir");
    std::fs::write(busy.join("json/pres/actas/1.json"), "{}").expect("write");
    for p in [busy.join("json/pres"), busy.join("json"), busy.clone()] {
        age(&p, two_hours);
    }
    // Fresh.
    std::fs::create_dir_all(inbox.join(".tmp-new")).expect("mkdir");
    // A name the protocol never reads but that is not a delivery of ours.
    let other = inbox.join(".keep");
    std::fs::write(&other, "x").expect("write");
    age(&other, two_hours);

    // Four refused packages (not signed packages at all).
    for n in 1..=4 {
        let dir = root.path().join(format!("bad{n}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("manifest.json.minisig"), "x").expect("write");
        prep_inbox::deliver(&dir, &inbox, &format!("bad{n}")).expect("deliver");
        node.poll_inbox().expect("poll");
    }
    let rejected = node.store().rejected();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&rejected)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing().len(), 8, "{:?}", listing());

    let tidied = prep_node::hygiene::tidy(&node, SystemTime::now()).expect("tidy");
    assert_eq!(tidied.stale, [".tmp-abandoned"]);
    assert!(!old.exists());
    assert!(busy.exists() && inbox.join(".tmp-new").exists() && other.exists());
    assert_eq!(tidied.rejected.len(), 2, "{tidied:?}");
    assert!(tidied.rejected[0].ends_with("-bad1") && tidied.rejected[1].ends_with("-bad2"));
    let left = listing();
    assert_eq!(left.len(), 4, "{left:?}");
    for n in [3, 4] {
        let name = left
            .iter()
            .find(|l| l.ends_with(&format!("-bad{n}")))
            .expect("kept");
        assert!(left.contains(&format!("{name}.reason")), "{left:?}");
    }
    let events = std::fs::read_to_string(root.path().join("data/events.jsonl")).expect("events");
    assert!(events.contains("\"event\":\"remove_stale\""), "{events}");
    assert!(events.contains("\"event\":\"prune_rejected\""), "{events}");

    // Nothing more to do.
    let again = prep_node::hygiene::tidy(&node, SystemTime::now()).expect("tidy");
    assert_eq!(again, prep_node::hygiene::Tidied::default());
}
