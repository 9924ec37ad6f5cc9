//! The web-root export: after each activation `current` points at the newest corte, every
//! exported file is the manifest's (size and SHA-256), old cortes stay, a restart repairs an
//! export a crash left behind, and switching `current` never leaves it missing.

use crate::common::{config, keys, package};
use prep_node::export::{current_sequence, switch_current};
use prep_node::{Node, Outcome};
use prep_package::{Manifest, sha256_hex};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Every file under `dir` (relative paths), sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("list") {
            let e = e.expect("entry");
            if e.file_type().expect("type").is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).expect("inside").to_owned();
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// Asserts `dir` holds exactly the manifest's files (plus the three entry files), each with
/// its listed size and SHA-256.
fn assert_matches_manifest(dir: &Path, manifest_bytes: &[u8]) {
    let manifest = Manifest::from_bytes(manifest_bytes).expect("manifest");
    assert_eq!(
        std::fs::read(dir.join("manifest.json")).expect("manifest.json"),
        manifest_bytes
    );
    let mut expected: Vec<String> = manifest.files.iter().map(|f| f.path.clone()).collect();
    expected.extend([
        "manifest.json".into(),
        "manifest.json.minisig".into(),
        "json/main.json".into(),
    ]);
    expected.sort();
    assert_eq!(listing(dir), expected);
    for f in &manifest.files {
        let bytes = std::fs::read(dir.join(&f.path)).expect("exported file");
        assert_eq!(bytes.len() as u64, f.size, "{}", f.path);
        assert_eq!(sha256_hex(&bytes), f.sha256, "{}", f.path);
    }
    let pointer = std::fs::read(dir.join("json/main.json")).expect("pointer");
    let pointer: serde_json::Value = serde_json::from_slice(&pointer).expect("json");
    assert_eq!(pointer["sequence"].as_u64(), Some(manifest.sequence));
}

#[test]
fn each_activation_is_exported_and_current_switches_to_it() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (path, cfg) = config(
        root.path(),
        &pk,
        "accept_first = true\nexport_root = \"www\"\n",
    );
    let www = root.path().join("www");
    let node = Node::open(cfg.clone(), false).expect("open");
    let mut previous: Option<Manifest> = None;
    let mut manifests = Vec::new();
    for seq in 1..=3u64 {
        let extra = [(
            format!("datos/PUE.{seq}.csv"),
            format!("seq,{seq}\n").into_bytes(),
        )];
        let extra: Vec<(&str, Vec<u8>)> =
            extra.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
        let p = package(&key, seq, previous.as_ref(), &extra);
        let dir = root.path().join(format!("p{seq}"));
        p.write(&dir);
        prep_inbox::deliver(&dir, &cfg.inbox, &format!("p{seq}")).expect("deliver");
        assert_eq!(
            node.poll_inbox().expect("poll"),
            vec![Outcome::Accepted {
                package: format!("p{seq}"),
                sequence: seq
            }]
        );
        assert_eq!(current_sequence(&www), Some(seq));
        assert_eq!(
            std::fs::read_link(www.join("current")).expect("link"),
            Path::new("cortes").join(seq.to_string())
        );
        // Through the symlink, as the web server sees it.
        assert_matches_manifest(&www.join("current"), &p.manifest.to_bytes());
        assert_eq!(
            std::fs::read(www.join("current/json/main.json")).expect("pointer"),
            p.pointer.to_bytes()
        );
        manifests.push(p.manifest.to_bytes());
        previous = Some(p.manifest.clone());
    }
    // History kept: every corte's directory still whole.
    for (i, m) in manifests.iter().enumerate() {
        assert_matches_manifest(&www.join(format!("cortes/{}", i + 1)), m);
    }
    // Hard links from the object store (same file system): an unchanged file is one inode.
    use std::os::unix::fs::MetadataExt;
    let a = std::fs::metadata(www.join("cortes/1/assets/app.css")).expect("meta");
    let b = std::fs::metadata(www.join("cortes/3/assets/app.css")).expect("meta");
    assert_eq!(a.ino(), b.ino());
    // No temporary names left.
    let names: Vec<String> = std::fs::read_dir(&www)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // A crash after the activation but before the switch: `current` still names corte 2 and
    // corte 3's directory is half built. The restart exports corte 3 again and switches.
    drop(node);
    switch_current(&www, 2).expect("switch back");
    std::fs::rename(www.join("cortes/3"), www.join("cortes/.tmp-3")).expect("rename");
    std::fs::remove_file(www.join("cortes/.tmp-3/index.html")).expect("rm");
    let cfg = prep_node::NodeConfig::load(&path).expect("config");
    let _node = Node::open(cfg, false).expect("reopen");
    assert_eq!(current_sequence(&www), Some(3));
    assert_matches_manifest(&www.join("current"), &manifests[2]);
    assert!(!www.join("cortes/.tmp-3").exists());
}

#[test]
fn switching_never_leaves_current_missing() {
    let www = tempfile::tempdir().expect("tempdir");
    for seq in 1..=2 {
        std::fs::create_dir_all(www.path().join(format!("cortes/{seq}"))).expect("mkdir");
    }
    switch_current(www.path(), 1).expect("switch");
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = Arc::clone(&stop);
        let current = www.path().join("current");
        std::thread::spawn(move || {
            let mut reads = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let target = std::fs::read_link(&current).expect("current is always there");
                assert!(target == Path::new("cortes/1") || target == Path::new("cortes/2"));
                assert!(current.join(".").is_dir(), "current always resolves");
                reads += 1;
            }
            reads
        })
    };
    for i in 0..2000u64 {
        switch_current(www.path(), 1 + i % 2).expect("switch");
    }
    stop.store(true, Ordering::Relaxed);
    let reads = reader.join().expect("reader never saw current missing");
    assert!(reads > 0);
    assert_eq!(current_sequence(www.path()), Some(2));
}
