//! What the built-in server sends: cache policy, strong ETags and 304, content types, the
//! corte header and the security headers on every response, `/healthz`, `/metrics`, and one
//! combined-format access log line per request.

use crate::common::{Server, config, keys, package, raw_get};
use prep_node::{Node, Outcome};
use std::sync::Arc;

#[test]
fn serves_the_active_corte_with_its_headers() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (_, cfg) = config(root.path(), &pk, "accept_first = true\n");
    let node = Arc::new(Node::open(cfg, false).expect("open"));
    // Two paths with the same bytes: stored once, served under both.
    let p1 = package(
        &key,
        1,
        None,
        &[
            ("datos/PUE.zip", b"PK\x03\x04zip".to_vec()),
            ("datos/copia.zip", b"PK\x03\x04zip".to_vec()),
        ],
    );
    let dir = root.path().join("p1");
    p1.write(&dir);
    prep_inbox::deliver(&dir, &node.config().inbox, "p1").expect("deliver");
    assert_eq!(
        node.poll_inbox().expect("poll"),
        vec![Outcome::Accepted {
            package: "p1".into(),
            sequence: 1
        }]
    );
    let server = Server::start(Arc::clone(&node));

    let main = server.get("/json/main.json", &[]);
    assert_eq!(main.status, 200);
    assert_eq!(main.body, p1.pointer.to_bytes());
    assert_eq!(main.cache.as_deref(), Some("no-cache"));
    assert_eq!(main.content_type.as_deref(), Some("application/json"));
    let etag = main.etag.clone().expect("etag");
    assert_eq!(
        etag,
        format!("\"{}\"", prep_package::sha256_hex(&main.body))
    );
    let again = server.get("/json/main.json", &[("If-None-Match", &etag)]);
    assert_eq!((again.status, again.body.len()), (304, 0));
    assert_eq!(again.sequence.as_deref(), Some("1"));
    let other = server.get(
        "/json/main.json",
        &[("If-None-Match", "\"abc\", W/\"def\"")],
    );
    assert_eq!(other.status, 200);

    let index = server.get(&format!("/{}", p1.pointer.index), &[]);
    assert_eq!(index.status, 200);
    assert_eq!(
        index.cache.as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let entry = p1
        .manifest
        .files
        .iter()
        .find(|f| f.path == p1.pointer.index)
        .expect("listed");
    assert_eq!(index.etag, Some(format!("\"{}\"", entry.sha256)));

    let home = server.get("/", &[]);
    assert_eq!(home.body, b"<!doctype html><title>PREP</title>");
    assert_eq!(
        home.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(home.cache.as_deref(), Some("no-cache"));
    assert_eq!(
        server.get("/assets/app.css", &[]).content_type.as_deref(),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(
        server.get("/datos/PUE.zip", &[]).content_type.as_deref(),
        Some("application/zip")
    );
    assert_eq!(server.get("/datos/copia.zip", &[]).body, b"PK\x03\x04zip");
    assert_eq!(
        server.get("/manifest.json", &[]).body,
        p1.manifest.to_bytes()
    );
    assert_eq!(
        server.get("/manifest.json.minisig", &[]).body,
        p1.minisig.as_bytes()
    );

    // HEAD: the headers without the body.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut head = agent
        .head(format!("http://{}/json/main.json", server.addr))
        .header("accept-encoding", "identity")
        .call()
        .expect("head");
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(
        head.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some(main.body.len().to_string().as_str())
    );
    assert_eq!(
        head.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some(etag.as_str())
    );
    assert!(head.body_mut().read_to_vec().expect("body").is_empty());
    let post = agent
        .post(format!("http://{}/json/main.json", server.addr))
        .send("x")
        .expect("post");
    assert_eq!(post.status().as_u16(), 405);

    let missing = server.get("/json/../manifest.json", &[]);
    assert_eq!(missing.status, 404);
    for r in [
        &main,
        &again,
        &index,
        &home,
        &missing,
        &server.get("/healthz", &[]),
    ] {
        assert_eq!(r.sequence.as_deref(), Some("1"), "{r:?}");
        assert_eq!(r.nosniff.as_deref(), Some("nosniff"));
        assert_eq!(
            r.referrer.as_deref(),
            Some("strict-origin-when-cross-origin")
        );
        assert!(
            r.csp
                .as_deref()
                .is_some_and(|c| c.ends_with("frame-ancestors 'self' https://*.medio.mx")),
            "{r:?}"
        );
    }
    let health = server.get("/healthz", &[]);
    assert_eq!(
        (health.status, health.body.as_slice()),
        (200, &b"ok: serving corte 1\n"[..])
    );
    let metrics = String::from_utf8(server.get("/metrics", &[]).body).expect("utf-8");
    assert!(
        metrics.contains("prep_node_http_requests_total{code=\"304\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("prep_node_http_requests_total{code=\"404\"} 1"),
        "{metrics}"
    );
    drop(server);

    // One combined-format line per request, with the status and the bytes sent.
    let log = std::fs::read_to_string(&node.config().access_log).expect("access log");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 16, "{log}");
    let first = lines[0];
    assert!(first.starts_with("127.0.0.1 - - ["), "{first}");
    assert!(
        first.contains(&format!(
            "] \"GET /json/main.json HTTP/1.1\" 200 {} \"-\" \"",
            main.body.len()
        )),
        "{first}"
    );
    assert!(lines[1].contains("\" 304 - \""), "{}", lines[1]);
}

#[test]
fn a_request_in_flight_finishes_on_the_corte_it_started_on() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (_, cfg) = config(root.path(), &pk, "accept_first = true\n");
    let node = Arc::new(Node::open(cfg, false).expect("open"));
    // One path whose bytes differ between the two cortes, large enough to be read slowly.
    let big = |b: u8| vec![("datos/big.bin", vec![b; 8 << 20])];
    let p1 = package(&key, 1, None, &big(b'a'));
    let p2 = package(&key, 2, Some(&p1.manifest), &big(b'b'));
    let deliver = |p: &crate::common::TestPackage, name: &str| {
        let dir = root.path().join(name);
        p.write(&dir);
        prep_inbox::deliver(&dir, &node.config().inbox, name).expect("deliver");
        let outcomes = node.poll_inbox().expect("poll");
        assert!(
            matches!(outcomes[..], [Outcome::Accepted { .. }]),
            "{outcomes:?}"
        );
    };
    deliver(&p1, "p1");
    let server = Server::start(Arc::clone(&node));
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let mut slow = agent
        .get(format!("http://{}/datos/big.bin", server.addr))
        .call()
        .expect("get");
    assert_eq!(
        slow.headers()
            .get("x-prep-sequence")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let mut reader = slow.body_mut().with_config().limit(16 << 20).reader();
    let mut head = vec![0u8; 64 * 1024];
    std::io::Read::read_exact(&mut reader, &mut head).expect("first bytes");
    // The switch happens while the response is still being read.
    deliver(&p2, "p2");
    let now = server.get("/json/main.json", &[]);
    assert_eq!(now.sequence.as_deref(), Some("2"));
    assert_eq!(server.get("/datos/big.bin", &[]).body, vec![b'b'; 8 << 20]);
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut reader, &mut rest).expect("rest");
    assert_eq!(head.len() + rest.len(), 8 << 20);
    assert!(
        head.iter().chain(&rest).all(|&b| b == b'a'),
        "mixed cortes in one response"
    );
}

#[test]
fn compressible_files_are_served_precompressed_by_accept_encoding() {
    use std::io::Read;
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (_, cfg) = config(root.path(), &pk, "accept_first = true\n");
    let node = Arc::new(Node::open(cfg, false).expect("open"));
    let csv: Vec<u8> = (0..5000)
        .flat_map(|i| format!("{i},PUEBLA,{},{}\n", i * 7 % 311, i % 13).into_bytes())
        .collect();
    let zip = b"PK\x03\x04".repeat(4000);
    let p1 = package(
        &key,
        1,
        None,
        &[
            ("datos/PUE.csv", csv.clone()),
            ("datos/PUE.zip", zip.clone()),
        ],
    );
    let dir = root.path().join("p1");
    p1.write(&dir);
    prep_inbox::deliver(&dir, &node.config().inbox, "p1").expect("deliver");
    node.poll_inbox().expect("poll");
    let server = Server::start(Arc::clone(&node));
    let sha = format!("\"{}\"", prep_package::sha256_hex(&csv));

    let (status, h, body) = raw_get(
        server.addr,
        "/datos/PUE.csv",
        &[("Accept-Encoding", "gzip, deflate, br")],
    );
    assert_eq!(status, 200);
    assert_eq!(h.get("content-encoding").map(String::as_str), Some("br"));
    assert_eq!(h.get("vary").map(String::as_str), Some("Accept-Encoding"));
    let br_etag = h.get("etag").cloned().expect("etag");
    assert_ne!(br_etag, sha);
    assert!(
        body.len() < csv.len() / 3,
        "{} of {}",
        body.len(),
        csv.len()
    );
    assert_eq!(h.get("content-length"), Some(&body.len().to_string()));
    let mut back = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut back).expect("brotli");
    assert_eq!(back, csv);

    let (_, h, body) = raw_get(
        server.addr,
        "/datos/PUE.csv",
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(h.get("content-encoding").map(String::as_str), Some("gzip"));
    let gz_etag = h.get("etag").cloned().expect("etag");
    assert!(gz_etag != sha && gz_etag != br_etag, "{gz_etag}");
    let mut back = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut back)
        .expect("gunzip");
    assert_eq!(back, csv);

    let (_, h, body) = raw_get(server.addr, "/datos/PUE.csv", &[]);
    assert_eq!(h.get("content-encoding"), None);
    assert_eq!(h.get("vary").map(String::as_str), Some("Accept-Encoding"));
    assert_eq!(h.get("etag"), Some(&sha));
    assert_eq!(body, csv);

    // Each variant revalidates against its own ETag only.
    let (status, _, _) = raw_get(
        server.addr,
        "/datos/PUE.csv",
        &[("Accept-Encoding", "br"), ("If-None-Match", &br_etag)],
    );
    assert_eq!(status, 304);
    let (status, h, _) = raw_get(
        server.addr,
        "/datos/PUE.csv",
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &br_etag)],
    );
    assert_eq!((status, h.get("etag")), (200, Some(&gz_etag)));

    // A zip is never recompressed.
    let (_, h, body) = raw_get(
        server.addr,
        "/datos/PUE.zip",
        &[("Accept-Encoding", "br, gzip")],
    );
    assert_eq!((h.get("content-encoding"), h.get("vary")), (None, None));
    assert_eq!(body, zip);
}
