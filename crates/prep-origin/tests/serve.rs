//! The origin over loopback: latest, corte files, objects by hash, refusals, and the event
//! that announces a new corte as soon as the `origin` link switches.

use prep_origin::Origin;
use prep_package::layout::ElectionLayout;
use prep_package::{MANIFEST_PATH, Manifest, POINTER_PATH, SIGNATURE_PATH, sha256_hex};
use prep_testdata::package;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::{Duration, Instant};

/// Writes corte `sequence` with `files` (path, bytes) under `root/cortes/NNNNNN/` and
/// switches `root/origin` to it: a stand-in signature and pointer, for the origin serves
/// what is published without reading it.
fn publish(root: &Path, sequence: u64, files: &[(&str, &[u8])]) -> Manifest {
    let files: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| ((*p).to_owned(), b.to_vec()))
        .collect();
    let mut m = package::manifest(
        sequence,
        None,
        &files,
        &files[0].0,
        "2024-06-02T20:00:00-06:00",
    );
    m.institute = "TEST".into();
    m.process = "P".into();
    m.created = "2024-06-02T20:00:01-06:00".into();
    let dir = ElectionLayout::new(root).corte_dir(sequence);
    package::write_files(&dir, &files);
    package::write_files(
        &dir,
        &[
            (MANIFEST_PATH.to_owned(), m.to_bytes()),
            (SIGNATURE_PATH.to_owned(), b"sig\n".to_vec()),
            (
                POINTER_PATH.to_owned(),
                format!("{{\"sequence\":{sequence}}}").into_bytes(),
            ),
        ],
    );
    package::switch_origin(root, sequence);
    m
}

fn start(root: &Path) -> String {
    prep_testdata::serve::origin(root, Duration::from_millis(50))
}

fn get(url: &str) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(url).call().expect("request");
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_vec().expect("body");
    (status, body)
}

#[test]
fn serves_cortes_and_objects_by_hash() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    let base = start(root);
    assert_eq!(
        get(&format!("{base}/latest.json")).0,
        404,
        "nothing published yet"
    );

    let m1 = publish(root, 1, &[("a.json", b"uno"), ("datos/x.zip", b"zip-1")]);
    // The watcher polls every 50 ms.
    let deadline = Instant::now() + Duration::from_secs(5);
    while get(&format!("{base}/latest.json")).0 != 200 {
        assert!(Instant::now() < deadline, "corte 1 never announced");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(get(&format!("{base}/latest.json")).1, br#"{"sequence":1}"#);
    let (status, body) = get(&format!("{base}/cortes/1/manifest.json"));
    assert_eq!(status, 200);
    assert_eq!(body, m1.to_bytes());
    assert_eq!(
        get(&format!("{base}/cortes/1/json/main.json")).1,
        br#"{"sequence":1}"#
    );
    assert_eq!(
        get(&format!("{base}/cortes/1/manifest.json.minisig")).1,
        b"sig\n"
    );
    for f in &m1.files {
        let (status, body) = get(&format!("{base}/objects/{}", f.sha256));
        assert_eq!(status, 200, "{}", f.path);
        assert_eq!(sha256_hex(&body), f.sha256);
    }

    // The institute's own site: the current corte's listed files.
    let (status, body) = get(&format!("{base}/a.json"));
    assert_eq!((status, body.as_slice()), (200, &b"uno"[..]));
    assert_eq!(
        get(&format!("{base}/json/main.json")).1,
        br#"{"sequence":1}"#
    );
    assert_eq!(get(&format!("{base}/no-listado.txt")).0, 404);
    assert_eq!(get(&format!("{base}/")).0, 404, "corte 1 has no index.html");

    // Refusals: unknown corte, a file that is not a corte file, traversal, bad hashes.
    for path in [
        "cortes/2/manifest.json",
        "cortes/1/a.json",
        "cortes/1/../000001/manifest.json",
        "cortes/-1/manifest.json",
        "cortes/+1/manifest.json",
        "objects/..%2Fmanifest.json",
        &format!("objects/{}", "A".repeat(64)),
        &format!("objects/{}", sha256_hex(b"never published")),
    ] {
        assert_eq!(get(&format!("{base}/{path}")).0, 404, "{path}");
    }

    // A subscriber hears of corte 1 at once, then of corte 2 as soon as it is out.
    let mut events = ureq::get(&format!("{base}/events")).call().expect("events");
    let mut lines = BufReader::new(events.body_mut().as_reader()).lines();
    let mut next_data = || loop {
        let line = lines.next().expect("stream open").expect("line");
        if let Some(data) = line.strip_prefix("data: ") {
            return data.to_owned();
        }
    };
    assert_eq!(next_data(), r#"{"sequence":1}"#);
    let started = Instant::now();
    publish(root, 2, &[("a.json", b"uno"), ("datos/x.zip", b"zip-2")]);
    assert_eq!(next_data(), r#"{"sequence":2}"#);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // Corte 2's new file is served by hash; the unchanged one from wherever it was first.
    let (status, body) = get(&format!("{base}/objects/{}", sha256_hex(b"zip-2")));
    assert_eq!((status, body.as_slice()), (200, &b"zip-2"[..]));
    assert_eq!(
        get(&format!("{base}/objects/{}", sha256_hex(b"zip-1"))).0,
        200
    );
}

#[test]
fn a_corte_folder_being_written_is_not_served() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    publish(root, 1, &[("a.json", b"uno")]);
    std::fs::create_dir_all(root.join("cortes/.tmp-000002")).expect("tmp corte");
    let origin = Origin::open(root).expect("open");
    assert_eq!(origin.latest(), Some(1));
    assert_eq!(origin.objects(), 1);
    // A link to something that is not a corte folder is an error naming it.
    std::fs::remove_file(root.join("origin")).expect("rm");
    std::os::unix::fs::symlink("elsewhere", root.join("origin")).expect("link");
    let e = Origin::open(root).err().expect("refused");
    assert!(format!("{e:#}").contains("not at a corte folder"), "{e:#}");
}
