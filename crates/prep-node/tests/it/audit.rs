//! Old cortes served read-only for audit: `/historial/<sequence>/<path>` answers with that
//! stored corte's file, read from the object store at each GET, with its own sequence in
//! `X-Prep-Sequence`, immutable caching and a strong ETag; unknown cortes and paths are 404,
//! no path leaves the history, and a damaged stored file is never served.

use crate::common::{Server, config, keys, package, raw_get};
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
        prep_inbox::deliver(&dir, &node.config().inbox, name).expect("deliver");
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
    crate::common::damage_object(&root.path().join("data"), &sha, b"seccion,votos\n1,9\n");
    let damaged = server.get("/historial/1/datos/PUE.csv", &[]);
    assert_eq!(damaged.status, 500);
    assert!(!damaged.body.starts_with(b"seccion"));
}

/// One request by hand over a fresh connection (`Connection: close`): status and headers.
fn raw(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
) -> (u16, std::collections::HashMap<String, String>) {
    use std::io::{Read, Write};
    let mut tcp = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        tcp,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut all = Vec::new();
    tcp.read_to_end(&mut all).expect("read");
    head_of(&all)
}

/// The status and headers (lower-case names) at the start of `bytes`.
fn head_of(bytes: &[u8]) -> (u16, std::collections::HashMap<String, String>) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8(bytes[..end].to_vec()).expect("ascii headers");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers)
}

/// A node that accepted one corte holding `datos/PUE.zip` = `zip`.
fn node_with_zip(zip: &[u8]) -> (tempfile::TempDir, Arc<Node>) {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (_, cfg) = config(root.path(), &pk, "accept_first = true\n");
    let node = Arc::new(Node::open(cfg, false).expect("open"));
    let p1 = package(&key, 1, None, &[("datos/PUE.zip", zip.to_vec())]);
    let dir = root.path().join("p1");
    p1.write(&dir);
    prep_inbox::deliver(&dir, &node.config().inbox, "p1").expect("deliver");
    node.poll_inbox().expect("poll");
    (root, node)
}

#[test]
fn a_head_is_answered_from_the_index_and_a_get_never_sends_a_damaged_object() {
    let zip: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    let (root, node) = node_with_zip(&zip);
    let sha = prep_package::sha256_hex(&zip);
    // Damaged on disk after acceptance, before any request.
    let mut damaged = zip.clone();
    damaged[100] ^= 0xff;
    crate::common::damage_object(&root.path().join("data"), &sha, &damaged);
    let server = Server::start(Arc::clone(&node));

    // HEAD neither reads nor hashes the body: the manifest's size and hash, as signed.
    let (status, headers) = raw(server.addr, "HEAD", "/historial/1/datos/PUE.zip");
    assert_eq!(status, 200);
    assert_eq!(headers.get("content-length"), Some(&zip.len().to_string()));
    assert_eq!(headers.get("etag"), Some(&format!("\"{sha}\"")));
    assert_eq!(
        headers.get("x-prep-sequence").map(String::as_str),
        Some("1")
    );
    // A GET reads it, checks it and refuses it; HEAD then knows it too.
    let got = server.get("/historial/1/datos/PUE.zip", &[]);
    assert_eq!(got.status, 500);
    assert!(!got.body.windows(16).any(|w| w == &damaged[96..112]));
    let (status, _) = raw(server.addr, "HEAD", "/historial/1/datos/PUE.zip");
    assert_eq!(status, 500);
    // The live corte was loaded and checked at acceptance: it serves the signed bytes.
    let live = server.get("/datos/PUE.zip", &[]);
    assert_eq!((live.status, live.body), (200, zip));
}

#[test]
fn history_clients_past_the_permits_get_503_and_the_live_corte_still_answers() {
    use std::io::{Read, Write};
    // Far larger than what loopback sockets buffer: a client that stops reading keeps its
    // response, and its permit, in progress.
    let big = vec![7u8; 24 << 20];
    let (_root, node) = node_with_zip(&big);
    let server = Server::start(Arc::clone(&node));
    let mut slow = Vec::new();
    for _ in 0..prep_node::AUDIT_PERMITS {
        let mut tcp = std::net::TcpStream::connect(server.addr).expect("connect");
        tcp.write_all(b"GET /historial/1/datos/PUE.zip HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("write");
        // Its headers, then nothing more is read.
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tcp.read(&mut buf).expect("read");
            assert!(n > 0, "closed before its headers");
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(head_of(&got).0, 200);
        slow.push(tcp);
    }
    // Every permit is taken: one more history read is refused at once, not queued.
    let (status, headers) = raw(server.addr, "GET", "/historial/1/datos/PUE.zip");
    assert_eq!(status, 503);
    assert_eq!(headers.get("retry-after").map(String::as_str), Some("1"));
    // HEAD needs no permit, and the live corte none either.
    let (status, headers) = raw(server.addr, "HEAD", "/historial/1/datos/PUE.zip");
    assert_eq!(status, 200);
    assert_eq!(headers.get("content-length"), Some(&big.len().to_string()));
    let live = server.get("/json/main.json", &[]);
    assert_eq!(live.status, 200);
    assert_eq!(live.sequence.as_deref(), Some("1"));
    // The slow clients gone, their permits come back.
    drop(slow);
    let mut again = 0;
    for _ in 0..200 {
        again = raw(server.addr, "GET", "/historial/1/index.html").0;
        if again == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(again, 200);
}
