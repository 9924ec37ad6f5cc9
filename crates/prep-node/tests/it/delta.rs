//! Delta packages: a package marked `.prep-delta` may leave out the listed files the node's
//! object store holds; the node fills them from the store and verifies them like any other.
//! Without the marker, or for a file the store lacks, a left-out file is `missing_file`.

use crate::common::{TestPackage, config, keys, package};
use prep_node::{Node, Outcome};
use std::collections::HashSet;
use std::path::Path;

fn data(n: u8) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "json/gub/area.json",
            format!("{{\"votos\":[{n},2,3]}}").into_bytes(),
        ),
        ("json/gub/static.json", b"{\"unchanged\":true}".to_vec()),
    ]
}

/// The SHA-256 of every file a package lists.
fn hashes(p: &TestPackage) -> HashSet<String> {
    p.manifest.files.iter().map(|f| f.sha256.clone()).collect()
}

fn only(outcomes: Vec<Outcome>) -> Outcome {
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    outcomes.into_iter().next().expect("one")
}

/// A node that accepted `p1` (full) and `p2` (chained), with its scratch directory.
struct Fixture {
    _root: tempfile::TempDir,
    node: Node,
    key: prep_package::SigningKey,
    p2: TestPackage,
    scratch: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (_, cfg) = config(root.path(), &pk, "");
    let node = Node::open(cfg, true).expect("open");
    let scratch = root.path().join("scratch");
    let p1 = package(&key, 1, None, &data(1));
    p1.write(&scratch.join("p1"));
    prep_inbox::deliver(&scratch.join("p1"), &node.config().inbox, "p1").expect("deliver");
    assert!(matches!(
        only(node.poll_inbox().expect("poll")),
        Outcome::Accepted { sequence: 1, .. }
    ));
    let p2 = package(&key, 2, Some(&p1.manifest), &data(2));
    p2.write(&scratch.join("p2"));
    let have = hashes(&p1);
    let sent = prep_inbox::deliver_delta(&scratch.join("p2"), &node.config().inbox, "p2", |h| {
        have.contains(h)
    })
    .expect("deliver delta");
    // index.html, app.css and static.json are unchanged: left out; area.json and the index
    // changed: sent with manifest, signature and pointer.
    assert_eq!(sent.skipped, 3, "{sent:?}");
    assert_eq!(sent.files, 5, "{sent:?}");
    assert!(matches!(
        only(node.poll_inbox().expect("poll")),
        Outcome::Accepted { sequence: 2, .. }
    ));
    Fixture {
        _root: root,
        node,
        key,
        p2,
        scratch,
    }
}

#[test]
fn a_delta_is_filled_from_the_store_and_served_whole() {
    let f = fixture();
    let corte = f.node.current().expect("active");
    assert_eq!(corte.sequence, 2);
    for (path, bytes) in &f.p2.files {
        let served = corte.get(path).unwrap_or_else(|| panic!("{path} served"));
        assert_eq!(&served.bytes[..], &bytes[..], "{path}");
    }
    // And it survives a restart: the record's files are all objects.
    let config = f.node.config().clone();
    drop(corte);
    drop(f.node);
    let node = Node::open(config, false).expect("reopen");
    assert_eq!(node.current().expect("active").sequence, 2);
}

/// Writes p3 whole into `inbox/.tmp-<name>`, lets `edit` change it, marks it complete and
/// polls once.
fn deliver_edited(f: &Fixture, p3: &TestPackage, name: &str, edit: impl FnOnce(&Path)) -> Outcome {
    let inbox = &f.node.config().inbox;
    let tmp = inbox.join(format!(".tmp-{name}"));
    p3.write(&tmp);
    edit(&tmp);
    std::fs::write(tmp.join(prep_inbox::COMPLETE_MARKER), b"").expect("marker");
    std::fs::rename(&tmp, inbox.join(name)).expect("rename");
    only(f.node.poll_inbox().expect("poll"))
}

#[test]
fn without_the_marker_a_file_the_store_holds_is_still_missing() {
    let f = fixture();
    let p3 = package(&f.key, 3, Some(&f.p2.manifest), &data(3));
    let o = deliver_edited(&f, &p3, "no-marker", |d| {
        std::fs::remove_file(d.join("json/gub/static.json")).expect("rm");
    });
    assert!(
        matches!(&o, Outcome::Rejected { code: "missing_file", reason, .. } if reason.contains("json/gub/static.json")),
        "{o:?}"
    );
    assert_eq!(f.node.current().expect("active").sequence, 2);
}

#[test]
fn a_delta_leaving_out_a_file_the_store_lacks_is_refused_naming_it() {
    let f = fixture();
    let p3 = package(&f.key, 3, Some(&f.p2.manifest), &data(3));
    let o = deliver_edited(&f, &p3, "delta-new", |d| {
        std::fs::write(d.join(prep_inbox::DELTA_MARKER), b"").expect("marker");
        // area.json changed in corte 3: the store has never seen these bytes.
        std::fs::remove_file(d.join("json/gub/area.json")).expect("rm");
    });
    assert!(
        matches!(&o, Outcome::Rejected { code: "missing_file", reason, .. } if reason.contains("json/gub/area.json")),
        "{o:?}"
    );
    assert_eq!(f.node.current().expect("active").sequence, 2);
    // The same corte sent properly is then accepted.
    p3.write(&f.scratch.join("p3"));
    let have = hashes(&f.p2);
    prep_inbox::deliver_delta(&f.scratch.join("p3"), &f.node.config().inbox, "p3", |h| {
        have.contains(h)
    })
    .expect("deliver");
    assert!(matches!(
        only(f.node.poll_inbox().expect("poll")),
        Outcome::Accepted { sequence: 3, .. }
    ));
}

#[test]
fn a_filled_file_is_verified_by_its_hash() {
    let f = fixture();
    // Corte 3 brings back corte 1's area.json: held by the store (from corte 1), not by the
    // active corte 2 in memory, so it is filled from the store's object. That object is
    // damaged, same size: filling it must not pass. (A file of the active corte is taken
    // from memory, where it was hashed when corte 2 was accepted.)
    let area = data(1).remove(0);
    assert_eq!(area.0, "json/gub/area.json");
    let hash = prep_package::sha256_hex(&area.1);
    let data_dir = f.node.config().data.clone();
    let mut damaged = area.1.clone();
    damaged[2] ^= 0x01;
    crate::common::damage_object(&data_dir, &hash, &damaged);
    let p3 = package(&f.key, 3, Some(&f.p2.manifest), &data(1));
    p3.write(&f.scratch.join("p3"));
    let sent =
        prep_inbox::deliver_delta(&f.scratch.join("p3"), &f.node.config().inbox, "p3", |h| {
            f.node.holds_object(h)
        })
        .expect("deliver");
    assert!(sent.skipped >= 4, "{sent:?}");
    let o = only(f.node.poll_inbox().expect("poll"));
    assert!(
        matches!(&o, Outcome::Rejected { code: "hash", reason, .. } if reason.contains("json/gub/area.json")),
        "{o:?}"
    );
}

#[test]
fn a_delta_with_a_forged_hash_is_refused_by_the_manifest_check() {
    let f = fixture();
    // A manifest entry whose sha256 is a path, not hex: refused by the manifest check (and
    // `Store::object_size` answers `None` for it, so no file outside the store is read).
    let mut p3 = package(&f.key, 3, Some(&f.p2.manifest), &data(3));
    p3.manifest.files[0].sha256 = "../../../../etc/passwd".into();
    p3.resign(&f.key);
    let o = deliver_edited(&f, &p3, "forged", |d| {
        std::fs::write(d.join(prep_inbox::DELTA_MARKER), b"").expect("marker");
    });
    assert!(
        matches!(
            &o,
            Outcome::Rejected {
                code: "manifest",
                ..
            }
        ),
        "{o:?}"
    );
    let store = prep_node::Store::open(&f.node.config().data).expect("store");
    assert_eq!(store.object_size("../../../../etc/passwd"), None);
    let hash = prep_package::sha256_hex(b"{\"unchanged\":true}");
    assert_eq!(store.object_size(&hash), Some(18));
    assert_eq!(store.object_size(&hash.to_uppercase()), None);
}

/// Writes p3 into `inbox/<name>` as a patched delta package against `base` (whose manifest
/// and files are `base_pkg`'s): the manifest and the changed files as zstd patches, `edit`
/// then changing the directory; polls once.
fn deliver_patched(
    f: &Fixture,
    p3: &TestPackage,
    base: u64,
    name: &str,
    edit: impl FnOnce(&Path),
) -> Outcome {
    use prep_package::delta::{changes, encode_files};
    use prep_package::patch::make_patch;
    let base_pkg = &f.p2;
    let inbox = &f.node.config().inbox;
    let tmp = inbox.join(format!(".tmp-{name}"));
    std::fs::create_dir_all(tmp.join("json")).expect("mkdir");
    let manifest_patch =
        make_patch(&base_pkg.manifest.to_bytes(), &p3.manifest.to_bytes()).expect("patch");
    let changed = changes(&base_pkg.manifest, &p3.manifest);
    let bytes_of = |sha: &str| {
        p3.files
            .iter()
            .chain(&base_pkg.files)
            .find(|(_, b)| prep_package::sha256_hex(b) == sha)
            .map(|(_, b)| b.clone())
            .ok_or("no such file")
    };
    let files_patch = encode_files(&changed, |e| bytes_of(&e.sha256)).expect("files patch");
    std::fs::write(tmp.join(prep_inbox::MANIFEST_PATCH), manifest_patch).expect("w");
    std::fs::write(tmp.join(prep_inbox::FILES_PATCH), files_patch).expect("w");
    std::fs::write(tmp.join(prep_inbox::DELTA_MARKER), format!("{base}\n")).expect("w");
    std::fs::write(tmp.join(prep_inbox::SIGNATURE_PATH), &p3.minisig).expect("w");
    std::fs::write(tmp.join("json/main.json"), p3.pointer.to_bytes()).expect("w");
    edit(&tmp);
    std::fs::write(tmp.join(prep_inbox::COMPLETE_MARKER), b"").expect("marker");
    std::fs::rename(&tmp, inbox.join(name)).expect("rename");
    only(f.node.poll_inbox().expect("poll"))
}

#[test]
fn a_patched_delta_is_rebuilt_from_the_base_corte_and_served_whole() {
    let f = fixture();
    let p3 = package(&f.key, 3, Some(&f.p2.manifest), &data(3));
    let o = deliver_patched(&f, &p3, 2, "p3", |_| {});
    assert!(matches!(o, Outcome::Accepted { sequence: 3, .. }), "{o:?}");
    let corte = f.node.current().expect("active");
    assert_eq!(corte.sequence, 3);
    for (path, bytes) in &p3.files {
        let served = corte.get(path).unwrap_or_else(|| panic!("{path} served"));
        assert_eq!(&served.bytes[..], &bytes[..], "{path}");
    }
}

#[test]
fn a_patched_delta_against_a_corte_the_node_lacks_or_damaged_is_refused() {
    let f = fixture();
    let p3 = package(&f.key, 3, Some(&f.p2.manifest), &data(3));
    // Against corte 7, which the node never had.
    let o = deliver_patched(&f, &p3, 7, "p3-base7", |_| {});
    assert!(
        matches!(&o, Outcome::Rejected { code: "delta", reason, .. } if reason.contains("corte 7")),
        "{o:?}"
    );
    // A marker that names no sequence.
    let o = deliver_patched(&f, &p3, 2, "p3-marker", |d| {
        std::fs::write(d.join(prep_inbox::DELTA_MARKER), "two").expect("w");
    });
    assert!(
        matches!(&o, Outcome::Rejected { code: "delta", reason, .. } if reason.contains("\"two\"")),
        "{o:?}"
    );
    // A damaged files patch.
    let o = deliver_patched(&f, &p3, 2, "p3-damaged", |d| {
        let path = d.join(prep_inbox::FILES_PATCH);
        let mut bytes = std::fs::read(&path).expect("read");
        let last = bytes.len() - 1;
        bytes.truncate(last);
        std::fs::write(&path, bytes).expect("w");
    });
    assert!(
        matches!(&o, Outcome::Rejected { code: "delta", reason, .. } if reason.contains(prep_inbox::FILES_PATCH)),
        "{o:?}"
    );
    // The manifest patch left out.
    let o = deliver_patched(&f, &p3, 2, "p3-nomanifest", |d| {
        std::fs::remove_file(d.join(prep_inbox::MANIFEST_PATCH)).expect("rm");
    });
    assert!(
        matches!(&o, Outcome::Rejected { code: "delta", .. }),
        "{o:?}"
    );
    // Signed by another key: the signature check refuses it, the files patch unopened.
    let (_, other) = keys();
    let mut forged = p3.clone();
    forged.resign(&other);
    let o = deliver_patched(&f, &forged, 2, "p3-forged", |_| {});
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
    assert_eq!(f.node.current().expect("active").sequence, 2);
    // The genuine one still goes in afterwards.
    let o = deliver_patched(&f, &p3, 2, "p3", |_| {});
    assert!(matches!(o, Outcome::Accepted { sequence: 3, .. }), "{o:?}");
}
