//! Publication-folder delivery into a folder on this machine: three real cortes, each whole
//! in the folder with the pointer written last, earlier cortes never removed, and only what
//! the folder lacks sent again.

use crate::common::Election;
use prep_deliver::channel::{Job, read_manifest};
use prep_deliver::corte_dir;
use prep_deliver::folder::{self, local::LocalFolder};
use prep_package::folder::{corte_manifest_path, corte_signature_path};
use prep_package::{MANIFEST_PATH, Manifest, POINTER_PATH, SIGNATURE_PATH, sha256_hex};
use std::path::Path;
use std::sync::Arc;

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Every file `m` lists is in `www` with its bytes, and its manifest and signature are under
/// the corte's own folder.
fn holds_whole(www: &Path, package: &Path, m: &Manifest) {
    for f in &m.files {
        assert_eq!(
            sha256_hex(&read(&www.join(&f.path))),
            f.sha256,
            "{}",
            f.path
        );
    }
    assert_eq!(
        read(&www.join(corte_manifest_path(m.sequence))),
        read(&package.join(MANIFEST_PATH))
    );
    assert_eq!(
        read(&www.join(corte_signature_path(m.sequence))),
        read(&package.join(SIGNATURE_PATH))
    );
}

#[test]
fn cortes_land_whole_in_a_local_folder_and_only_what_changed_is_sent_again() {
    let root = tempfile::tempdir().expect("tmp");
    let mut election = Election::new(root.path());
    let www = root.path().join("www");
    let mut target = LocalFolder { root: www.clone() };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut delivered: Vec<Manifest> = Vec::new();
    for round in 0..3 {
        let sequence = election.cut();
        let dir = corte_dir(&election.dir, sequence);
        let manifest = read_manifest(&dir).expect("manifest");
        let job = Job::new(&dir, sequence, Arc::new(manifest.clone()), None)
            .expect("job")
            .with_base(delivered.last().map(|m| m.sequence));
        let sent = runtime
            .block_on(folder::deliver(&mut target, &job))
            .expect("delivered");
        assert_eq!(read(&www.join(POINTER_PATH)), read(&dir.join(POINTER_PATH)));
        assert_eq!(
            read(&www.join(MANIFEST_PATH)),
            read(&dir.join(MANIFEST_PATH))
        );
        holds_whole(&www, &dir, &manifest);
        for earlier in &delivered {
            let earlier_dir = corte_dir(&election.dir, earlier.sequence);
            holds_whole(&www, &earlier_dir, earlier);
        }
        let listed = manifest.files.len() as u64;
        assert_eq!(
            sent.files + sent.skipped,
            listed + 5,
            "round {round}: {sent:?}"
        );
        if round == 0 {
            assert_eq!(sent.skipped, 0, "{sent:?}");
        } else {
            let (new_files, _) = election.new_in(delivered[round - 1].sequence, sequence);
            assert!(sent.skipped > 0, "round {round}: {sent:?}");
            assert_eq!(
                sent.files,
                new_files + 5,
                "round {round}: the new files and the two manifests' copies and the pointer: {sent:?}"
            );
        }
        delivered.push(manifest);
    }

    // The same corte again: only the manifests and the pointer (the folder holds the rest).
    let last = delivered.last().expect("three cortes");
    let dir = corte_dir(&election.dir, last.sequence);
    let job = Job::new(&dir, last.sequence, Arc::new(last.clone()), None)
        .expect("job")
        .with_base(Some(last.sequence - 1));
    let again = Job {
        base: Some(last.sequence),
        ..job
    };
    let sent = runtime
        .block_on(folder::deliver(&mut target, &again))
        .expect("delivered again");
    assert_eq!(
        (sent.files, sent.skipped),
        (5, last.files.len() as u64),
        "{sent:?}"
    );

    // Nothing is left under a temporary name.
    let stray: Vec<_> = walk(&www)
        .into_iter()
        .filter(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with('.')))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

fn walk(dir: &Path) -> Vec<String> {
    prep_testdata::tree::read_tree(dir).into_keys().collect()
}
