//! Method 1: Debian's nginx and Apache (`scripts/nginx.sh`, `scripts/apache.sh`), each
//! configured with the snippet from `deploy/` (only its root templated), serve a web root exported by the node: `/` and the corte's
//! files with the right bytes, `json/main.json` with `Cache-Control: no-cache`, the rest
//! immutable, the security headers on every response, and the next corte as soon as
//! `current` switches.

use crate::common::{config, keys, package};
use prep_node::{Node, Outcome};
use prep_testdata::component::{Component, Needs};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

/// A response: status, lowercase header lines, body.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// GET over HTTP/1.0 (no chunking, the body ends with the connection).
fn get(port: u16, path: &str) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// A node exporting into `<root>/www`; delivers and activates corte `sequence`.
struct Exporter {
    root: tempfile::TempDir,
    key: prep_package::SigningKey,
    node: Node,
    last: Option<crate::common::TestPackage>,
}

impl Exporter {
    fn new() -> Exporter {
        let (pk, key) = keys();
        let root = tempfile::tempdir().expect("tempdir");
        // The web servers' workers run as another user: the path must be readable.
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let (_, cfg) = config(
            root.path(),
            &pk,
            "accept_first = true\nexport_root = \"www\"\n",
        );
        let node = Node::open(cfg, false).expect("open");
        Exporter {
            root,
            key,
            node,
            last: None,
        }
    }

    fn www(&self) -> std::path::PathBuf {
        self.root.path().join("www")
    }

    fn activate(&mut self, sequence: u64) -> crate::common::TestPackage {
        let data = format!("seccion,votos\n{sequence},1\n").into_bytes();
        let p = package(
            &self.key,
            sequence,
            self.last.as_ref().map(|p| &p.manifest),
            &[("datos/PUE.csv", data)],
        );
        let dir = self.root.path().join(format!("p{sequence}"));
        p.write(&dir);
        prep_inbox::deliver(&dir, &self.node.config().inbox, &format!("p{sequence}"))
            .expect("deliver");
        assert_eq!(
            self.node.poll_inbox().expect("poll"),
            vec![Outcome::Accepted {
                package: format!("p{sequence}"),
                sequence
            }]
        );
        self.last = Some(p.clone());
        p
    }
}

/// What both web servers must send for an exported corte.
fn assert_serves(port: u16, p: &crate::common::TestPackage) {
    let main = get(port, "/json/main.json");
    assert_eq!(main.status, 200);
    assert_eq!(main.body, p.pointer.to_bytes());
    assert_eq!(main.header("cache-control"), Some("no-cache"));
    assert_eq!(main.header("x-content-type-options"), Some("nosniff"));
    assert!(
        main.header("content-security-policy")
            .is_some_and(|c| c.contains("frame-ancestors 'self' https://www.medio.mx")),
        "{:?}",
        main.headers
    );
    let home = get(port, "/");
    assert_eq!(home.status, 200);
    assert_eq!(home.body, b"<!doctype html><title>PREP</title>");
    assert_eq!(home.header("cache-control"), Some("no-cache"));
    let index = get(port, &format!("/{}", p.pointer.index));
    assert_eq!(index.status, 200);
    let (_, bytes) = p
        .files
        .iter()
        .find(|(path, _)| *path == p.pointer.index)
        .expect("index file");
    assert_eq!(&index.body, bytes);
    assert!(
        index
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    assert!(
        index
            .header("cache-control")
            .is_some_and(|c| c.contains("max-age=31536000") && c.contains("immutable")),
        "{:?}",
        index.headers
    );
    let csv = get(port, "/datos/PUE.csv");
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.body,
        format!("seccion,votos\n{},1\n", p.manifest.sequence).into_bytes()
    );
    assert_eq!(get(port, "/no-such-file.json").status, 404);
}

/// The snippet of `deploy/` at `rel`.
fn deploy(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(rel)
}

/// `scripts/<script>` (nginx.sh or apache.sh) serving the exporter's web root with the
/// snippet `rel`: the first corte, then the next once `current` switches.
fn serves_the_exported_web_root(script: &str, needs: Needs, rel: &str) {
    let mut exporter = Exporter::new();
    let p1 = exporter.activate(1);
    let www = exporter.www();
    let snippet = deploy(rel);
    let args: [&std::ffi::OsStr; 2] = [www.as_os_str(), snippet.as_os_str()];
    let Some(server) = Component::start(script, exporter.root.path(), needs, &args) else {
        return;
    };
    let port: u16 = server.get("port").parse().expect("port");
    assert_serves(port, &p1);
    let p2 = exporter.activate(2);
    assert_serves(port, &p2);
}

#[test]
fn nginx_serves_the_exported_web_root_with_the_deploy_snippet() {
    serves_the_exported_web_root(
        "nginx.sh",
        prep_testdata::component::NGINX,
        "nginx/prep.conf",
    );
}

#[test]
fn apache_serves_the_exported_web_root_with_the_deploy_snippet() {
    let apache = Needs {
        root: false,
        programs: &["/usr/sbin/apache2"],
        install: "apt-get install apache2",
    };
    serves_the_exported_web_root("apache.sh", apache, "apache/prep.conf");
}
