//! Old cortes served read-only for audit: `/historial/<sequence>/<path>` answers with that
//! stored corte's file, read from the object store at each request, with its own sequence in
//! `X-Prep-Sequence`, immutable caching and a strong ETag; unknown cortes and paths are 404,
//! no path leaves the history, and a damaged stored file is never served.

mod common;

use common::{Server, config, keys, package, raw_get};
use prep_node::Node;
use std::sync::Arc;

#[test]
fn every_stored_corte_is_served_read_only_under_its_sequence() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (_, cfg) = config(root.path(), &pk, "accept_first = true\n");
    let node = Arc::new(Node::open(cfg, false).expect("open"));
    let p1 = package(
        &key,
        1,
        None,
        &[("datos/PUE.csv", b"seccion,votos\n1,1\n".to_vec())],
    );
    let p2 = package(
        &key,
        2,
        Some(&p1.manifest),
        &[("datos/PUE.csv", b"seccion,votos\n1,2\n".to_vec())],
    );
    for (name, p) in [("p1", &p1), ("p2", &p2)] {
        let dir = root.path().join(name);
        p.write(&dir);
        prep_node::deliver(&dir, &node.config().inbox, name).expect("deliver");
        node.poll_inbox().expect("poll");
    }
    let server = Server::start(Arc::clone(&node));

    // The active corte is 2; corte 1 is still there, under its sequence.
    let now = server.get("/json/main.json", &[]);
    assert_eq!(now.sequence.as_deref(), Some("2"));
    let old = server.get("/historial/1/json/main.json", &[]);
    assert_eq!(old.status, 200);
    assert_eq!(old.body, p1.pointer.to_bytes());
    assert_eq!(old.sequence.as_deref(), Some("1"));
    assert_eq!(
        old.cache.as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(old.nosniff.as_deref(), Some("nosniff"));
    let csv = server.get("/historial/1/datos/PUE.csv", &[]);
    assert_eq!(
        (csv.status, csv.body.as_slice()),
        (200, &b"seccion,votos\n1,1\n"[..])
    );
    assert!(
        csv.content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("text/csv"))
    );
    let etag = csv.etag.clone().expect("etag");
    assert_eq!(
        etag,
        format!("\"{}\"", prep_package::sha256_hex(b"seccion,votos\n1,1\n"))
    );
    let again = server.get("/historial/1/datos/PUE.csv", &[("If-None-Match", &etag)]);
    assert_eq!((again.status, again.body.len()), (304, 0));
    let home = server.get("/historial/2/", &[]);
    assert_eq!(
        (home.status, home.body.as_slice()),
        (200, &b"<!doctype html><title>PREP</title>"[..])
    );
    assert_eq!(home.sequence.as_deref(), Some("2"));
    let manifest = server.get("/historial/1/manifest.json", &[]);
    assert_eq!(manifest.body, p1.manifest.to_bytes());
    let signature = server.get("/historial/1/manifest.json.minisig", &[]);
    assert_eq!(signature.body, p1.minisig.as_bytes());

    // Unknown cortes and paths; nothing outside a corte's manifest can be named.
    for path in [
        "/historial/3/json/main.json",
        "/historial/01/json/main.json",
        "/historial/x/json/main.json",
        "/historial/1/no-such.json",
        "/historial/1/../2/json/main.json",
        "/historial/1/%2e%2e/2/json/main.json",
        "/historial/1/..%2f..%2fcortes/1.json",
        "/historial/1/objects",
        "/historial//etc/passwd",
        "/historial/",
    ] {
        let (status, _, _) = raw_get(server.addr, path, &[]);
        assert_eq!(status, 404, "{path}");
    }

    // Read from the store at each request: a damaged object is refused, never sent.
    let sha = prep_package::sha256_hex(b"seccion,votos\n1,1\n");
    common::damage_object(&root.path().join("data"), &sha, b"seccion,votos\n1,9\n");
    let damaged = server.get("/historial/1/datos/PUE.csv", &[]);
    assert_eq!(damaged.status, 500);
    assert!(!damaged.body.starts_with(b"seccion"));
}
