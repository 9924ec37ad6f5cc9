//! HTTPS: with a certificate and key in the configuration the server speaks TLS (rustls),
//! HTTP/2 and HTTP/1.1 chosen by ALPN, and sends HSTS; a plain-text server sends none.

use crate::common::{Server, config, keys, package, raw_get};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use prep_node::Node;
use rustls_pki_types::ServerName;
use std::sync::Arc;
use tokio_rustls::rustls;

struct Got {
    alpn: Option<Vec<u8>>,
    version: hyper::Version,
    status: u16,
    hsts: Option<String>,
    sequence: Option<String>,
    body: Vec<u8>,
}

/// A TLS connection trusting only `root`, offering `alpn`.
async fn connect(
    addr: std::net::SocketAddr,
    root: &rcgen::Certificate,
    alpn: &[u8],
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.der().clone()).expect("root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![alpn.to_vec()];
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
}

/// One GET over TLS trusting only `root`, offering `alpn`.
async fn get(
    addr: std::net::SocketAddr,
    root: &rcgen::Certificate,
    alpn: &[u8],
    path: &str,
) -> Got {
    let tls = connect(addr, root, alpn)
        .await
        .expect("handshake: the server's certificate must verify against the test root");
    let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    let io = TokioIo::new(tls);
    let uri = format!("https://localhost{path}");
    let req = hyper::Request::get(uri.as_str())
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .expect("request");
    let resp = if alpn.as_deref() == Some(b"h2") {
        let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .expect("h2 handshake");
        tokio::spawn(conn);
        send.send_request(req).await.expect("h2 response")
    } else {
        let (mut send, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .expect("h1 handshake");
        tokio::spawn(conn);
        send.send_request(req).await.expect("h1 response")
    };
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().expect("ascii").to_owned())
    };
    Got {
        alpn,
        version: resp.version(),
        status: resp.status().as_u16(),
        hsts: header("strict-transport-security"),
        sequence: header("x-prep-sequence"),
        body: resp
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec(),
    }
}

#[test]
fn https_with_http2_by_alpn_and_hsts() {
    let (pk, key) = keys();
    let root = tempfile::tempdir().expect("tempdir");
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    std::fs::write(root.path().join("cert.pem"), certified.cert.pem()).expect("write");
    std::fs::write(
        root.path().join("key.pem"),
        certified.signing_key.serialize_pem(),
    )
    .expect("write");
    let (_, cfg) = config(
        root.path(),
        &pk,
        "accept_first = true\n[server]\ntls_certificate = \"cert.pem\"\ntls_key = \"key.pem\"\n",
    );
    let node = Arc::new(Node::open(cfg, false).expect("open"));
    let p1 = package(&key, 1, None, &[("datos/a.txt", b"hola".to_vec())]);
    let dir = root.path().join("p1");
    p1.write(&dir);
    prep_inbox::deliver(&dir, &node.config().inbox, "p1").expect("deliver");
    node.poll_inbox().expect("poll");
    let server = Server::start(Arc::clone(&node));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let h2 = rt.block_on(get(server.addr, &certified.cert, b"h2", "/datos/a.txt"));
    assert_eq!(h2.alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(h2.version, hyper::Version::HTTP_2);
    assert_eq!((h2.status, h2.body.as_slice()), (200, &b"hola"[..]));
    assert_eq!(h2.hsts.as_deref(), Some("max-age=31536000"));
    assert_eq!(h2.sequence.as_deref(), Some("1"));

    let h1 = rt.block_on(get(
        server.addr,
        &certified.cert,
        b"http/1.1",
        "/json/main.json",
    ));
    assert_eq!(h1.alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(h1.version, hyper::Version::HTTP_11);
    assert_eq!(h1.status, 200);
    assert_eq!(h1.body, p1.pointer.to_bytes());
    assert_eq!(h1.hsts.as_deref(), Some("max-age=31536000"));

    // A certificate the client does not trust is refused (the check above could fail).
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(get(server.addr, &other.cert, b"h2", "/"))
    }));
    assert!(
        refused.is_err(),
        "a handshake against an untrusted root succeeded"
    );
    drop(server);

    // Plain text: no HSTS.
    let plain_root = tempfile::tempdir().expect("tempdir");
    let (_, plain) = config(plain_root.path(), &pk, "");
    let plain_node = Arc::new(Node::open(plain, false).expect("open"));
    let server = Server::start(plain_node);
    let (status, h, _) = raw_get(server.addr, "/healthz", &[]);
    assert_eq!(status, 503);
    assert_eq!(h.get("strict-transport-security"), None);
}
