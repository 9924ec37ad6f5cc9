//! Test support: signed packages built in memory, a node with its server on a free port.

#![allow(dead_code)]

use prep_node::{Node, NodeConfig};
use prep_package::{Manifest, SigningKey, sha256_hex};
use prep_testdata::package::CORTE_EPOCH;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use prep_testdata::package::{TestPackage, keys};

/// A valid package of `sequence` chaining onto `previous`, with `extra` data files besides
/// the site's; signed by `key`. Cortes are a minute apart from 2024-06-03T20:00-06:00, so
/// corte times move forward with the sequence.
pub fn package(
    key: &SigningKey,
    sequence: u64,
    previous: Option<&Manifest>,
    extra: &[(&str, Vec<u8>)],
) -> TestPackage {
    let index = format!("{{\"sequence\":{sequence}}}");
    let index_path = format!("json/index.{}.json", &sha256_hex(index.as_bytes())[..16]);
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "index.html".into(),
            b"<!doctype html><title>PREP</title>".to_vec(),
        ),
        ("assets/app.css".into(), b"body{margin:0}".to_vec()),
        (index_path.clone(), index.into_bytes()),
    ];
    for (p, b) in extra {
        files.push(((*p).to_owned(), b.clone()));
    }
    let corte = prep_package::rfc3339_utc(CORTE_EPOCH + 60 * sequence as i64);
    let manifest =
        prep_testdata::package::manifest(sequence, previous, &files, &index_path, &corte);
    TestPackage::new(manifest, files).signed(key)
}

/// A node's directories and configuration file under `root`.
pub fn config(root: &Path, public_key: &str, extra: &str) -> (PathBuf, NodeConfig) {
    std::fs::write(root.join("prep.pub"), public_key).expect("write");
    let text = format!(
        "public_key_file = \"prep.pub\"\ninbox = \"inbox\"\ndata = \"data\"\nlisten = \"127.0.0.1:0\"\nframe_ancestors = [\"'self'\", \"https://*.medio.mx\"]\n{extra}"
    );
    let path = root.join("node.toml");
    std::fs::write(&path, text).expect("write");
    let config = NodeConfig::load(&path).expect("config");
    (path, config)
}

/// A running in-process server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(node: Arc<Node>) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(prep_node::serve(node, listener, async {
                let _ = rx.await;
            }))
            .expect("serve");
        });
        Server {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// GET `path`: status, headers of interest, body.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Got {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut req = agent.get(format!("http://{}{path}", self.addr));
        // The identity representation unless a test asks for another (ureq asks for gzip).
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("accept-encoding"))
        {
            req = req.header("accept-encoding", "identity");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = req.call().expect("request");
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().expect("ascii header").to_owned())
        };
        let got = Got {
            status: resp.status().as_u16(),
            sequence: header("x-prep-sequence"),
            etag: header("etag"),
            cache: header("cache-control"),
            content_type: header("content-type"),
            csp: header("content-security-policy"),
            nosniff: header("x-content-type-options"),
            referrer: header("referrer-policy"),
            body: Vec::new(),
        };
        Got {
            body: resp.body_mut().read_to_vec().expect("body"),
            ..got
        }
    }
}

/// One request over a fresh connection, written and read by hand (no client-side decoding):
/// status, headers (lower-case names), body.
pub fn raw_get(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, std::collections::HashMap<String, String>, Vec<u8>) {
    use std::io::{Read, Write};
    let mut tcp = std::net::TcpStream::connect(addr).expect("connect");
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    tcp.write_all(req.as_bytes()).expect("write");
    let mut all = Vec::new();
    tcp.read_to_end(&mut all).expect("read");
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8(all[..end].to_vec()).expect("ascii headers");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let map = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, map, all[end + 4..].to_vec())
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A response.
#[derive(Debug)]
pub struct Got {
    pub status: u16,
    pub sequence: Option<String>,
    pub etag: Option<String>,
    pub cache: Option<String>,
    pub content_type: Option<String>,
    pub csp: Option<String>,
    pub nosniff: Option<String>,
    pub referrer: Option<String>,
    pub body: Vec<u8>,
}

/// Replaces, in place, the stored object `sha256` of the node's data directory `data` by
/// `damaged` (same length): a disk fault the node must catch.
#[allow(dead_code)]
pub fn damage_object(data: &Path, sha256: &str, damaged: &[u8]) {
    use std::os::unix::fs::FileExt;
    let store = prep_node::Store::open(data).expect("store");
    let (pack, span) = store.object_location(sha256).expect("object stored");
    assert_eq!(span.len, damaged.len() as u64, "same length");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&pack)
        .expect("open pack");
    file.write_all_at(damaged, span.offset).expect("damage");
}
