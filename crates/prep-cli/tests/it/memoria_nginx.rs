//! `prep memoria` on a real access log written by nginx (`scripts/nginx.sh` on a loopback
//! port, driven by a small HTTP client and, when installed, a short `wrk` run): total
//! requests, unique visitors per day and 404s equal GoAccess's.

use crate::common::goaccess_report;
use prep_testdata::tool;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

fn get(port: u16, path: &str, agent: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: {agent}\r\nReferer: https://www.google.com/\r\nConnection: close\r\n\r\n").expect("send");
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    resp
}

#[test]
fn nginx_access_log_counts_equal_goaccess() {
    let Some(goaccess) = tool("goaccess", "--version", "apt-get install goaccess") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("www");
    std::fs::create_dir_all(root.join("json")).expect("root");
    std::fs::write(root.join("index.html"), "<h1>PREP</h1>").expect("index");
    std::fs::write(root.join("json/main.json"), "{\"corte\":1}").expect("json");
    std::fs::write(root.join("app.js"), "console.log(1)").expect("js");
    for p in [dir.path(), root.as_path(), &root.join("json")] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    // nginx writes each access-log line as the request ends (no buffer), so the log is
    // read while it runs: dropping the component removes its folder.
    let Some(nginx) = prep_testdata::component::Component::start(
        "nginx.sh",
        dir.path(),
        prep_testdata::component::NGINX,
        &[root.as_os_str()],
    ) else {
        return;
    };
    let port: u16 = nginx.get("port").parse().expect("port");
    let log = std::path::PathBuf::from(nginx.get("access_log"));
    let agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/125.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ];
    let mut sent = 0u64;
    for i in 0..60 {
        let path = ["/", "/json/main.json?t=1", "/app.js", "/missing.html"][i % 4];
        let resp = get(port, path, agents[i % 3]);
        assert!(resp.starts_with("HTTP/1.1"), "{resp}");
        sent += 1;
    }
    if Command::new("wrk").arg("-v").output().is_ok() {
        let url = format!("http://127.0.0.1:{port}/json/main.json");
        let wrk = Command::new("wrk")
            .args(["-t1", "-c2", "-d1s", &url])
            .output()
            .expect("wrk runs");
        assert!(
            String::from_utf8_lossy(&wrk.stdout).contains("requests in"),
            "wrk ran"
        );
    } else {
        eprintln!("NOTE: wrk is not installed; the log has only the client's requests");
    }
    let text = std::fs::read_to_string(&log).expect("nginx wrote its access log");
    assert!(text.lines().count() as u64 >= sent);

    let out = dir.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(["memoria", "--logs"])
        .arg(&log)
        .args([
            "--election",
            "2000-01-01T00:00:00Z..2100-01-01T00:00:00Z",
            "--baseline",
            "1990-01-01T00:00:00Z..1991-01-01T00:00:00Z",
            "--no-pdf",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("prep runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ours: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("memoria.json")).expect("json"))
            .expect("json");
    let theirs = goaccess_report(goaccess, &log, &dir.path().join("goaccess.json"));
    assert_eq!(ours["totals"]["malformed"], 0);
    assert_eq!(ours["totals"]["lines"], theirs["general"]["total_requests"]);
    assert_eq!(ours["totals"]["hits"], theirs["general"]["valid_requests"]);
    assert_eq!(
        ours["totals"]["unique_visitors"],
        theirs["general"]["unique_visitors"]
    );
    assert_eq!(
        ours["totals"]["not_found"],
        theirs["not_found"]["metadata"]["hits"]["total"]["value"]
    );
    assert_eq!(ours["totals"]["not_found"], 15);
    for d in theirs["visitors"]["data"].as_array().expect("days") {
        let date = d["data"].as_str().expect("date");
        let iso = format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]);
        let mine = ours["days"]
            .as_array()
            .expect("days")
            .iter()
            .find(|r| r["date"] == iso.as_str())
            .expect("day");
        assert_eq!(
            mine["unique_visitors"], d["visitors"]["count"],
            "visitors on {iso}"
        );
    }
}
