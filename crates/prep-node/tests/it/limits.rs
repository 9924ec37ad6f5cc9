//! The server against slow and greedy clients: a client that never finishes its headers is
//! disconnected, a burst over the rate limit gets 429 with `Retry-After`, and connections
//! past the limit wait until one closes.

use crate::common::{Server, config, keys, package, raw_get};
use prep_node::Node;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn node_with(extra: &str) -> (tempfile::TempDir, Arc<Node>) {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let (_, cfg) = config(root.path(), &pk, &format!("accept_first = true\n{extra}"));
    let node = Arc::new(Node::open(cfg, false).expect("open"));
    let p1 = package(&key, 1, None, &[("datos/a.txt", b"hola".to_vec())]);
    let dir = root.path().join("p1");
    p1.write(&dir);
    prep_inbox::deliver(&dir, &node.config().inbox, "p1").expect("deliver");
    node.poll_inbox().expect("poll");
    (root, node)
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let (_root, node) =
        node_with("[server]\nheader_read_timeout_ms = 500\nidle_timeout_ms = 30000\n");
    let server = Server::start(Arc::clone(&node));
    let mut tcp = TcpStream::connect(server.addr).expect("connect");
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    // One more header byte every 100 ms, never the blank line: the idle timeout (30 s) is
    // never reached, only the header timeout can end this.
    let mut dripper = tcp.try_clone().expect("clone");
    let drip = std::thread::spawn(move || {
        for _ in 0..100 {
            if dripper.write_all(b"X").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    tcp.set_read_timeout(Some(Duration::from_secs(8)))
        .expect("timeout");
    let start = Instant::now();
    let mut got = Vec::new();
    let end = tcp.read_to_end(&mut got);
    let elapsed = start.elapsed();
    // Closed by the server (EOF or reset), not by our read timeout.
    if let Err(e) = &end {
        assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "still open after {elapsed:?}"
        );
    }
    assert!(elapsed < Duration::from_secs(3), "closed after {elapsed:?}");
    let text = String::from_utf8_lossy(&got);
    assert!(got.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    drip.join().expect("drip");
    // The server still serves others.
    assert_eq!(raw_get(server.addr, "/datos/a.txt", &[]).2, b"hola");
}

#[test]
fn an_idle_connection_is_closed() {
    let (_root, node) =
        node_with("[server]\nheader_read_timeout_ms = 30000\nidle_timeout_ms = 400\n");
    let server = Server::start(Arc::clone(&node));
    let mut tcp = TcpStream::connect(server.addr).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(8)))
        .expect("timeout");
    let start = Instant::now();
    let mut got = Vec::new();
    let end = tcp.read_to_end(&mut got);
    assert!(
        end.as_ref().is_ok_and(|_| got.is_empty())
            || end.is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "not closed"
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_burst_over_the_rate_gets_429_with_retry_after() {
    let (_root, node) = node_with("[server]\nrate_per_second = 1\nrate_burst = 5\n");
    let server = Server::start(Arc::clone(&node));
    let statuses: Vec<(u16, Option<String>)> = (0..12)
        .map(|_| {
            let (status, h, _) = raw_get(server.addr, "/datos/a.txt", &[]);
            (status, h.get("retry-after").cloned())
        })
        .collect();
    let ok = statuses.iter().filter(|(s, _)| *s == 200).count();
    let limited: Vec<_> = statuses.iter().filter(|(s, _)| *s == 429).collect();
    // Five from the burst, perhaps one more refilled while the twelve ran.
    assert!((5..=6).contains(&ok), "{statuses:?}");
    assert_eq!(ok + limited.len(), 12, "{statuses:?}");
    assert!(
        limited.iter().all(|(_, r)| r.as_deref() == Some("1")),
        "{statuses:?}"
    );
    assert_eq!(statuses[0].0, 200);
    assert_eq!(statuses[11].0, 429);
    let metrics = node.metrics().render();
    assert!(metrics.contains("code=\"429\""), "{metrics}");
}

#[test]
fn connections_past_the_limit_wait_for_a_free_slot() {
    let (_root, node) = node_with("[server]\nmax_connections = 1\n");
    let server = Server::start(Arc::clone(&node));
    let holder = TcpStream::connect(server.addr).expect("connect");
    std::thread::sleep(Duration::from_millis(100));
    let mut second = TcpStream::connect(server.addr).expect("connect (listen queue)");
    second
        .write_all(b"GET /datos/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    second
        .set_read_timeout(Some(Duration::from_millis(700)))
        .expect("timeout");
    let mut buf = [0u8; 64];
    let waited = second.read(&mut buf);
    assert!(
        waited.as_ref().is_err_and(|e| matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )),
        "answered while the only slot was taken: {waited:?}"
    );
    drop(holder);
    second
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut got = Vec::new();
    second
        .read_to_end(&mut got)
        .expect("answered once the slot is free");
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    assert!(got.ends_with(b"hola"));
}

#[test]
fn an_http2_client_that_stalls_in_a_frame_is_disconnected() {
    // HTTP/2 (prior knowledge, plain text): the preface and SETTINGS, then a HEADERS frame
    // announced as 16,000 bytes whose payload arrives one byte every 100 ms and never ends.
    // Bytes keep moving, so the idle timeout (30 s) never fires; the client answers no PING,
    // so the keep-alive ping (every header timeout, answered within one more) ends it.
    let (_root, node) =
        node_with("[server]\nheader_read_timeout_ms = 500\nidle_timeout_ms = 30000\n");
    let server = Server::start(Arc::clone(&node));
    let mut tcp = TcpStream::connect(server.addr).expect("connect");
    let mut start = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    start.extend([0, 0, 0, 0x4, 0, 0, 0, 0, 0]); // SETTINGS, empty
    start.extend([0, 0x3e, 0x80, 0x1, 0x5, 0, 0, 0, 1]); // HEADERS, 16000 bytes, stream 1
    tcp.write_all(&start).expect("write");
    let mut dripper = tcp.try_clone().expect("clone");
    let drip = std::thread::spawn(move || {
        for _ in 0..100 {
            if dripper.write_all(b"X").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    tcp.set_read_timeout(Some(Duration::from_secs(8)))
        .expect("timeout");
    let started = Instant::now();
    let mut got = Vec::new();
    let end = tcp.read_to_end(&mut got);
    let elapsed = started.elapsed();
    if let Err(e) = &end {
        assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "still open after {elapsed:?}"
        );
    }
    assert!(elapsed < Duration::from_secs(4), "closed after {elapsed:?}");
    // The server spoke HTTP/2: its SETTINGS frame came first.
    assert_eq!(got.get(3), Some(&0x4), "{got:?}");
    drip.join().expect("drip");
    assert_eq!(raw_get(server.addr, "/datos/a.txt", &[]).2, b"hola");
}

#[test]
fn an_http2_connection_that_asks_for_nothing_is_closed_despite_its_pings() {
    // The client (hyper's) answers every PING, so bytes keep moving every 200 ms; after its
    // one request it asks for nothing more, and the idle timeout (1.5 s) closes it.
    use http_body_util::{BodyExt, Empty};
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let (_root, node) =
        node_with("[server]\nheader_read_timeout_ms = 200\nidle_timeout_ms = 1500\n");
    let server = Server::start(Arc::clone(&node));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let tcp = tokio::net::TcpStream::connect(server.addr)
            .await
            .expect("connect");
        let (mut send, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .expect("handshake");
        let conn = tokio::spawn(conn);
        let req = hyper::Request::get(format!("http://{}/datos/a.txt", server.addr))
            .body(Empty::<bytes::Bytes>::new())
            .expect("request");
        let response = send.send_request(req).await.expect("response");
        assert_eq!(response.status(), 200);
        let body = response.into_body().collect().await.expect("body");
        assert_eq!(&body.to_bytes()[..], b"hola");
        let started = Instant::now();
        let ended = tokio::time::timeout(Duration::from_secs(8), conn).await;
        let elapsed = started.elapsed();
        assert!(ended.is_ok(), "still open after {elapsed:?}");
        assert!(
            elapsed >= Duration::from_millis(1000) && elapsed < Duration::from_secs(4),
            "closed after {elapsed:?}"
        );
    });
    assert_eq!(raw_get(server.addr, "/datos/a.txt", &[]).2, b"hola");
}
