//! The pull channel against a real origin (`prep_origin` on loopback): cortes fetched in
//! order, only the files the node lacks, everything checked; a tampered file or signature at
//! the origin is refused and the node keeps its corte.

use crate::common::{TestPackage, config, keys, package};
use prep_node::{Node, Pulled, Puller};
use std::path::Path;
use std::time::Duration;

fn data(n: u32) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "json/gub/area.json",
            format!("{{\"votos\":[{n}]}}").into_bytes(),
        ),
        ("json/gub/static.json", b"{\"unchanged\":true}".to_vec()),
        ("datos/PUE_GUB.zip", vec![b'z'; 50_000]),
    ]
}

/// Publishes `p` as the election directory `root` does: `cortes/NNNNNN/`, then `origin`.
fn publish(root: &Path, p: &TestPackage) {
    let name = format!("{:06}", p.manifest.sequence);
    p.write(&root.join("cortes").join(&name));
    let link = root.join("origin.new");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(format!("cortes/{name}"), &link).expect("link");
    std::fs::rename(&link, root.join("origin")).expect("switch");
}

/// Starts an origin over `root` on a free port; returns its URL (with the trailing slash).
fn origin(root: &Path) -> String {
    format!(
        "{}/",
        prep_testdata::serve::origin(root, Duration::from_millis(20))
    )
}

/// Pulls until the origin's newest corte is visible (its watcher polls every 20 ms).
fn pull_until(puller: &Puller, node: &Node, sequence: u64) -> Pulled {
    let mut total = Pulled::default();
    for _ in 0..250 {
        let p = puller.pull(node).expect("pull");
        total.cortes += p.cortes;
        total.files += p.files;
        total.bytes += p.bytes;
        total.skipped += p.skipped;
        total.patched += p.patched;
        if node.last_accepted() == Some(sequence) {
            return total;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("corte {sequence} never pulled");
}

#[test]
fn pulls_each_corte_in_order_fetching_only_what_changed() {
    let (pk, key) = keys();
    let dir = tempfile::tempdir().expect("tmp");
    let election = dir.path().join("election");
    let p1 = package(&key, 1, None, &data(1));
    publish(&election, &p1);
    let url = origin(&election);
    let node_root = dir.path().join("node");
    std::fs::create_dir_all(&node_root).expect("mkdir");
    let (_, cfg) = config(
        &node_root,
        &pk,
        &format!("[pull]\norigin = \"{url}\"\ninterval_ms = 1000\n"),
    );
    let puller = Puller::new(cfg.pull.clone().expect("[pull]")).expect("puller");
    let node = Node::open(cfg, true).expect("node");

    // A node with no history takes the newest corte whole.
    let first = pull_until(&puller, &node, 1);
    assert_eq!(first.cortes, 1);
    assert_eq!(first.skipped, 0);
    assert_eq!(first.patched, 0, "nothing to patch against");
    assert_eq!(first.files, p1.manifest.files.len() as u64 + 3);
    assert_eq!(node.current().expect("active").sequence, 1);

    // Corte 2 changes one small file: only it is fetched (and the corte's three files), as
    // zstd patches of corte 1's manifest and files.
    let p2 = package(&key, 2, Some(&p1.manifest), &data(2));
    publish(&election, &p2);
    let second = pull_until(&puller, &node, 2);
    assert_eq!(second.cortes, 1);
    assert_eq!(second.files, 3 + 2, "the area file and the index changed");
    assert_eq!(second.skipped, p2.manifest.files.len() as u64 - 2);
    assert_eq!(second.patched, 1, "{second:?}");
    let manifest_len = p2.manifest.to_bytes().len() as u64;
    assert!(
        second.bytes < manifest_len,
        "a patched corte costs less than its manifest ({manifest_len} bytes): {second:?}"
    );
    assert!(
        second.bytes < 50_000,
        "the unchanged zip was fetched: {second:?}"
    );

    // Two cortes published while the node was not looking: both, in order (chain).
    let p3 = package(&key, 3, Some(&p2.manifest), &data(3));
    publish(&election, &p3);
    let p4 = package(&key, 4, Some(&p3.manifest), &data(4));
    publish(&election, &p4);
    let both = pull_until(&puller, &node, 4);
    assert_eq!(both.cortes, 2);
    assert_eq!(both.patched, 2, "{both:?}");
    let history = prep_node::history(&prep_node::Store::open(&node.config().data).expect("store"))
        .expect("history");
    let sequences: Vec<u64> = history.cortes.iter().map(|c| c.sequence).collect();
    assert_eq!(sequences, [1, 2, 3, 4]);
    // Up to date: nothing fetched.
    assert_eq!(puller.pull(&node).expect("pull"), Pulled::default());
}

#[test]
fn a_tampered_origin_is_refused_and_the_corte_stays() {
    let (pk, key) = keys();
    let (_, other_key) = keys();
    let dir = tempfile::tempdir().expect("tmp");
    let election = dir.path().join("election");
    let p1 = package(&key, 1, None, &data(1));
    publish(&election, &p1);
    let url = origin(&election);
    let node_root = dir.path().join("node");
    std::fs::create_dir_all(&node_root).expect("mkdir");
    let (_, cfg) = config(&node_root, &pk, &format!("[pull]\norigin = \"{url}\"\n"));
    let puller = Puller::new(cfg.pull.clone().expect("[pull]")).expect("puller");
    let node = Node::open(cfg, true).expect("node");
    pull_until(&puller, &node, 1);

    // Corte 2 signed by another key: refused before any file is fetched.
    let mut forged = package(&key, 2, Some(&p1.manifest), &data(2));
    forged.resign(&other_key);
    publish(&election, &forged);
    std::thread::sleep(Duration::from_millis(200));
    let e = puller.pull(&node).expect_err("forged signature");
    assert!(format!("{e:#}").contains("signature"), "{e:#}");
    assert!(
        !node.config().inbox.join(".tmp-pull-2").exists(),
        "files were fetched"
    );
    assert_eq!(node.last_accepted(), Some(1));

    // Corte 2 properly signed, but the origin's copy of a changed file is altered (same
    // size): the fetched bytes do not match the manifest and nothing is handed over.
    let p2 = package(&key, 2, Some(&p1.manifest), &data(2));
    let corte = election.join("cortes/000002");
    std::fs::remove_dir_all(&corte).expect("rm");
    publish(&election, &p2);
    std::fs::write(corte.join("json/gub/area.json"), b"{\"votos\":[9]}").expect("tamper");
    let e = puller.pull(&node).expect_err("tampered file");
    assert!(format!("{e:#}").contains("is not the listed file"), "{e:#}");
    assert_eq!(node.last_accepted(), Some(1));
    assert_eq!(node.current().expect("active").sequence, 1);

    // Repaired at the origin: pulled.
    std::fs::write(corte.join("json/gub/area.json"), b"{\"votos\":[2]}").expect("repair");
    pull_until(&puller, &node, 2);
}

#[test]
fn the_pull_settings_are_checked() {
    let (pk, _) = keys();
    for (extra, says) in [
        ("[pull]\norigin = \"ftp://x\"\n", "http:// or https://"),
        ("[pull]\norigin = \"https://x/?a=1\"\n", "without query"),
        (
            "[pull]\norigin = \"https://x\"\ninterval_ms = 5\n",
            "interval_ms",
        ),
        (
            "[pull]\norigin = \"https://x\"\nevery = 5\n",
            "unknown field",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("prep.pub"), &pk).expect("pub");
        let text =
            format!("public_key_file = \"prep.pub\"\ninbox = \"inbox\"\ndata = \"data\"\n{extra}");
        let e = prep_node::NodeConfig::parse(&text, dir.path()).expect_err(extra);
        assert!(format!("{e:#}").contains(says), "{extra}: {e:#}");
    }
}
