//! GoAccess (Debian) reads the access log `prep node run` writes with its COMBINED format:
//! every request of a varied mix (pages, JSON, 304s, 404s, HEAD, quotes and bytes outside
//! ASCII in the request line and headers, no user agent) is one valid line, none invalid.

use crate::common::{goaccess_report, ok, prep, s};
use prep_testdata::{puebla, tool};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Sends one raw request and reads the whole response; returns the status line.
fn send(addr: &str, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    s.write_all(request).expect("send");
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    String::from_utf8_lossy(&resp)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn goaccess_parses_every_line_of_the_node_access_log() {
    let Some(goaccess) = tool("goaccess", "--version", "apt-get install goaccess") else {
        return;
    };
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let keys = crate::common::generate_keys(&root.join("keys"));
    let c1 = root.join("c1");
    ok(prep(&[
        "corte",
        "--from-database",
        &s(&puebla("PUE_GUB_2024.csv")),
        "--key",
        &s(&keys.join("prep.key")),
        "--out",
        &s(&c1),
        "--sequence",
        "1",
        "--expires-hours",
        "876000",
    ]));
    let config = crate::common::node_config(root, &keys.join("prep.pub"), "");
    let mut node = Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(["node", "run", "--config", &s(&config)])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(node.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("read");
    let addr = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {first:?}"))
        .to_owned();
    prep_inbox::deliver(&c1, &root.join("inbox"), "corte-1").expect("deliver");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut sent = 0u64;
    loop {
        sent += 1;
        let status = send(
            &addr,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        if status.contains(" 200") {
            break;
        }
        assert!(Instant::now() < deadline, "corte 1 never served: {status}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let requests: Vec<Vec<u8>> = vec![
        b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\r\nReferer: https://www.google.com/\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /json/main.json HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/8.0\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /json/main.json HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"abc\"\r\nConnection: close\r\n\r\n".to_vec(),
        b"HEAD /manifest.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /no/such/page.html?q=1&r=%22x%22 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /a%20b%22c HTTP/1.1\r\nHost: x\r\nUser-Agent: Bot \"quoted\" \xc3\xa1\xff\r\nReferer: https://medio.mx/\"x\"\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
    ];
    for _ in 0..5 {
        for r in &requests {
            let status = send(&addr, r);
            assert!(status.starts_with("HTTP/1.1 "), "{status:?}");
            sent += 1;
        }
    }
    let term = Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    assert!(node.wait().expect("wait").success());

    let log = root.join("data/access.log");
    let text = std::fs::read(&log).expect("access log");
    assert_eq!(
        text.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count() as u64,
        sent
    );
    let report = goaccess_report(goaccess, &log, &root.join("goaccess.json"));
    let general = &report["general"];
    assert_eq!(general["total_requests"].as_u64(), Some(sent), "{general}");
    assert_eq!(general["valid_requests"].as_u64(), Some(sent), "{general}");
    assert_eq!(general["failed_requests"].as_u64(), Some(0), "{general}");
}
