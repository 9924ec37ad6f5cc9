//! The compressed-variant cache: an accepted corte's gzip and brotli variants are kept in
//! `data/variants/<sequence>.pack`, a restart takes them from there instead of compressing
//! again, and a cached variant that does not decompress to its file (damaged, or another
//! file's) is never served: the node computes it again.

use crate::common::{Server, config, keys, package, raw_get};
use bytes::Bytes;
use prep_node::{Node, Store};
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut back = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut back)
        .expect("gunzip");
    back
}

#[test]
fn a_restart_takes_verified_variants_from_the_cache() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (_, cfg) = config(root.path(), &pk, "accept_first = true\n");
    let csv: Vec<u8> = (0..5000)
        .flat_map(|i| format!("{i},PUEBLA,{},{}\n", i * 7 % 311, i % 13).into_bytes())
        .collect();
    let other: Vec<u8> = (0..5000)
        .flat_map(|i| format!("{i},TLAXCALA,{}\n", i % 17).into_bytes())
        .collect();
    let p1 = package(
        &key,
        1,
        None,
        &[
            ("datos/PUE.csv", csv.clone()),
            ("datos/TLAX.csv", other.clone()),
        ],
    );
    let dir = root.path().join("p1");
    p1.write(&dir);
    {
        let node = Node::open(cfg.clone(), false).expect("open");
        prep_inbox::deliver(&dir, &node.config().inbox, "p1").expect("deliver");
        node.poll_inbox().expect("poll");
    }
    // The cache is written on a thread of its own, after the activation.
    let store = Store::open(&root.path().join("data")).expect("store");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !store.has_variant_pack(1) {
        assert!(Instant::now() < deadline, "no variant cache written");
        std::thread::sleep(Duration::from_millis(10));
    }
    let sha = prep_package::sha256_hex(&csv);
    let other_sha = prep_package::sha256_hex(&other);
    let pack = store.read_variant_pack(1);
    let (gz, br) = pack.get(&sha).cloned().expect("PUE.csv cached");
    assert_eq!(gunzip(&gz), csv);
    assert!(!br.is_empty() && br.len() < gz.len());
    assert!(pack.contains_key(&other_sha));

    // The cached variant is what a restarted node serves: mark it with a different (valid)
    // gzip stream of the same bytes, and the restart serves exactly that stream. Put
    // PUE.csv's variant under TLAX.csv's name: it must not be served for TLAX.csv.
    let mut marked = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(1));
    std::io::Write::write_all(&mut marked, &csv).expect("gzip");
    let marked = marked.finish().expect("gzip");
    assert_ne!(marked, gz);
    let rewrite = |entries: &[(&str, Bytes, Bytes)]| {
        std::fs::remove_file(root.path().join("data/variants/1.pack")).expect("rm");
        let borrowed: Vec<(&str, &[u8], &[u8])> = entries
            .iter()
            .map(|(s, g, b)| (*s, g.as_ref(), b.as_ref()))
            .collect();
        store.put_variant_pack(1, &borrowed).expect("pack");
    };
    rewrite(&[
        (sha.as_str(), Bytes::from(marked.clone()), br.clone()),
        (other_sha.as_str(), gz.clone(), br.clone()),
    ]);
    {
        let node = Arc::new(Node::open(cfg.clone(), false).expect("reopen"));
        let server = Server::start(Arc::clone(&node));
        let gzip = [("Accept-Encoding", "gzip")];
        let (status, h, body) = raw_get(server.addr, "/datos/PUE.csv", &gzip);
        assert_eq!(status, 200);
        assert_eq!(h.get("content-encoding").map(String::as_str), Some("gzip"));
        assert_eq!(body, marked, "the cached variant is served");
        let (status, h, body) = raw_get(server.addr, "/datos/TLAX.csv", &gzip);
        assert_eq!(status, 200);
        assert_eq!(h.get("content-encoding").map(String::as_str), Some("gzip"));
        assert_eq!(
            gunzip(&body),
            other,
            "a wrong cached variant is never served"
        );
    }

    // A damaged cached variant is not served either.
    let mut damaged = br.to_vec();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x55;
    rewrite(&[(sha.as_str(), gz.clone(), Bytes::from(damaged))]);
    let node = Arc::new(Node::open(cfg, false).expect("reopen"));
    let server = Server::start(Arc::clone(&node));
    let (status, h, body) = raw_get(server.addr, "/datos/PUE.csv", &[("Accept-Encoding", "br")]);
    assert_eq!(status, 200);
    assert_eq!(h.get("content-encoding").map(String::as_str), Some("br"));
    let mut back = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut back).expect("brotli");
    assert_eq!(back, csv);

    // Only the active corte's cache is kept: corte 2 replaces corte 1's.
    let p2 = package(
        &key,
        2,
        Some(&p1.manifest),
        &[("datos/PUE.csv", csv.clone())],
    );
    let dir = root.path().join("p2");
    p2.write(&dir);
    prep_inbox::deliver(&dir, &node.config().inbox, "p2").expect("deliver");
    node.poll_inbox().expect("poll");
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.has_variant_pack(1) || !store.has_variant_pack(2) {
        assert!(
            Instant::now() < deadline,
            "corte 1's cache was not replaced"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A corte with more than `COMPRESS_AFTER_BYTES` of new compressible files is served as soon
/// as it is stored, uncompressed, and its gzip and brotli variants follow: the same corte,
/// then compressed responses, then the cache.
#[test]
fn a_large_corte_is_served_at_once_and_compressed_after() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (_, cfg) = config(root.path(), &pk, "accept_first = true\n");
    let csv: Vec<u8> = (0..120_000)
        .flat_map(|i| format!("{i},PUEBLA,{},{}\n", i * 7 % 311, i % 13).into_bytes())
        .collect();
    assert!(csv.len() as u64 > prep_node::COMPRESS_AFTER_BYTES);
    let p1 = package(&key, 1, None, &[("datos/PUE.csv", csv.clone())]);
    let dir = root.path().join("p1");
    p1.write(&dir);
    // Built from the checked package, it waits for compression; compressed, it has variants.
    let checked = prep_node::verify_package(
        &dir,
        &cfg.key,
        &cfg.limits,
        &prep_package::Expectations::default(),
    )
    .expect("valid");
    let built = prep_node::Corte::from_package(&checked, None);
    assert!(built.awaits_compression());
    let plain = built.get("datos/PUE.csv").expect("csv");
    assert!(plain.variants.gzip.is_none() && plain.variants.brotli.is_none());
    // Stopped before its first file, nothing is done; then compressed; then a corte waiting
    // for the same file takes it from the work done without compressing (never asks to stop).
    let mut work = std::collections::HashMap::new();
    assert!(built.compressed_with(&mut work, || true).is_none());
    assert!(work.is_empty());
    let done = built
        .compressed_with(&mut work, || false)
        .expect("compressed");
    assert!(
        work.contains_key(&plain.etag),
        "the CSV's variants are kept"
    );
    assert!(built.compressed_with(&mut work, || true).is_some());
    assert!(!done.awaits_compression());
    let variants = &done.get("datos/PUE.csv").expect("csv").variants;
    let gz = variants.gzip.as_ref().expect("gzip variant");
    assert!(gz.bytes.len() * 3 < csv.len(), "{} bytes", gz.bytes.len());
    assert_eq!(gunzip(&gz.bytes), csv);
    assert!(variants.brotli.is_some());

    let node = Arc::new(Node::open(cfg, false).expect("open"));
    prep_inbox::deliver(&dir, &node.config().inbox, "p1").expect("deliver");
    node.poll_inbox().expect("poll");
    let server = Server::start(Arc::clone(&node));
    // Served at once (compressed or not: the compression may already be done).
    let first = server.get("/datos/PUE.csv", &[("accept-encoding", "gzip")]);
    assert_eq!(first.status, 200);
    let gzipped = |g: &crate::common::Got| g.etag.as_deref().is_some_and(|e| e.ends_with(".gz\""));
    assert_eq!(first.sequence.as_deref(), Some("1"));
    // (ureq decodes a gzip body.)
    assert_eq!(first.body, csv);
    // Then compressed, still corte 1.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = server.get("/datos/PUE.csv", &[("accept-encoding", "gzip")]);
        assert_eq!(got.sequence.as_deref(), Some("1"));
        if gzipped(&got) {
            assert_eq!(got.body, csv);
            break;
        }
        assert!(Instant::now() < deadline, "never compressed");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!node.current().expect("active").awaits_compression());
    // And cached with its real variants.
    let store = Store::open(&node.config().data).expect("store");
    while !store.has_variant_pack(1) {
        assert!(Instant::now() < deadline, "no variant cache written");
        std::thread::sleep(Duration::from_millis(10));
    }
    let pack = store.read_variant_pack(1);
    let (gz, br) = pack
        .get(&prep_package::sha256_hex(&csv))
        .cloned()
        .expect("cached");
    assert!(!gz.is_empty() && !br.is_empty());
    // Logged for the incident record.
    let events = std::fs::read_to_string(node.config().data.join("events.jsonl")).expect("log");
    let compressed: serde_json::Value = events
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|e: &serde_json::Value| e["event"] == "compressed")
        .expect("a compressed event");
    assert_eq!(compressed["sequence"], 1);
    assert_eq!(compressed["installed"], true);
    assert!(compressed["files"].as_u64().is_some_and(|n| n >= 1));
}
