//! A publication folder as citizens get it: cortes delivered into a folder, served by
//! Debian's nginx and Apache with the snippets of `deploy/` (started by `scripts/nginx.sh`
//! and `scripts/apache.sh`): the pointer, the pages and the newest manifest never cached
//! without asking, every other file cached for good, temporaries never served, every file of
//! the corte the pointer names served with its bytes. The IIS `web.config` says the same.

use super::common::Election;
use prep_deliver::channel::{Job, read_manifest};
use prep_deliver::corte_dir;
use prep_deliver::folder::{self, local::LocalFolder};
use prep_package::folder::corte_manifest_path;
use prep_package::{Manifest, POINTER_PATH, sha256_hex};
use prep_testdata::component::{Component, Needs};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Two cortes delivered into `<root>/www`, readable by a web server running as nobody.
fn delivered_folder(root: &Path) -> (PathBuf, Manifest, Vec<u8>) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut election = Election::new(root);
    let www = root.join("www");
    let mut target = LocalFolder { root: www.clone() };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut last = None;
    for _ in 0..2 {
        let sequence = election.cut();
        let dir = corte_dir(&election.dir, sequence);
        let manifest = read_manifest(&dir).expect("manifest");
        let job = Job::new(&dir, sequence, Arc::new(manifest.clone()), None)
            .expect("job")
            .with_base(last.as_ref().map(|(m, _): &(Manifest, _)| m.sequence));
        runtime
            .block_on(folder::deliver(&mut target, &job))
            .expect("delivered");
        last = Some((
            manifest,
            std::fs::read(dir.join(POINTER_PATH)).expect("pointer"),
        ));
    }
    // A file caught being written.
    std::fs::write(www.join("json/.tmp-prep-1-0-x.json"), b"{\"a medias\"").expect("tmp");
    let (manifest, pointer) = last.expect("two cortes");
    (www, manifest, pointer)
}

struct Got {
    status: u16,
    cache_control: String,
    csp: String,
    body: Vec<u8>,
}

fn get(port: &str, path: &str) -> Got {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .get(&format!("http://127.0.0.1:{port}{path}"))
        .call()
        .expect("request");
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (cache_control, csp) = (header("cache-control"), header("content-security-policy"));
    Got {
        status: r.status().as_u16(),
        cache_control,
        csp,
        body: r.body_mut().read_to_vec().expect("body"),
    }
}

/// What nginx and Apache must both send for the folder.
fn serves_the_folder(port: &str, manifest: &Manifest, pointer: &[u8]) {
    let main = get(port, "/json/main.json");
    assert_eq!((main.status, main.body.as_slice()), (200, pointer));
    assert_eq!(main.cache_control, "no-cache");
    assert!(
        main.csp
            .contains("frame-ancestors 'self' https://www.medio.mx"),
        "{}",
        main.csp
    );
    assert!(
        main.csp.contains(&prep_site::notice_style_source()),
        "{}",
        main.csp
    );
    for page in ["/", "/index.html", "/verificar.html", "/manifest.json"] {
        let got = get(port, page);
        assert_eq!(got.status, 200, "{page}");
        assert_eq!(got.cache_control, "no-cache", "{page}");
    }
    let own = get(
        port,
        &format!("/{}", corte_manifest_path(manifest.sequence)),
    );
    assert_eq!(own.status, 200);
    assert_eq!(own.body, manifest.to_bytes());
    assert!(
        own.cache_control.contains("immutable"),
        "{}",
        own.cache_control
    );
    let mut checked = 0;
    for f in &manifest.files {
        let got = get(port, &format!("/{}", f.path));
        assert_eq!(got.status, 200, "{}", f.path);
        assert_eq!(sha256_hex(&got.body), f.sha256, "{}", f.path);
        if !f.path.ends_with(".html") {
            assert!(
                got.cache_control.contains("immutable"),
                "{}: {}",
                f.path,
                got.cache_control
            );
        }
        checked += 1;
    }
    assert_eq!(checked, manifest.files.len());
    let tmp = get(port, "/json/.tmp-prep-1-0-x.json");
    assert!(
        matches!(tmp.status, 403 | 404),
        "a temporary was served: {}",
        tmp.status
    );
}

fn deploy(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(rel)
}

#[test]
fn nginx_serves_a_delivered_folder_with_the_deploy_snippet() {
    let root = tempfile::tempdir().expect("tmp");
    let (www, manifest, pointer) = delivered_folder(root.path());
    let snippet = deploy("nginx/folder.conf");
    let needs = Needs {
        root: false,
        programs: &["/usr/sbin/nginx"],
        install: "apt-get install nginx",
    };
    let args: [&OsStr; 2] = [www.as_os_str(), snippet.as_os_str()];
    let Some(nginx) = Component::start("nginx.sh", root.path(), needs, &args) else {
        return;
    };
    serves_the_folder(nginx.get("port"), &manifest, &pointer);
}

#[test]
fn apache_serves_a_delivered_folder_with_the_deploy_snippet() {
    let root = tempfile::tempdir().expect("tmp");
    let (www, manifest, pointer) = delivered_folder(root.path());
    let snippet = deploy("apache/folder.conf");
    let needs = Needs {
        root: false,
        programs: &["/usr/sbin/apache2"],
        install: "apt-get install apache2",
    };
    let args: [&OsStr; 2] = [www.as_os_str(), snippet.as_os_str()];
    let Some(apache) = Component::start("apache.sh", root.path(), needs, &args) else {
        return;
    };
    serves_the_folder(apache.get("port"), &manifest, &pointer);
}

#[test]
fn every_snippet_allows_the_notice_style_and_iis_says_the_same_as_nginx() {
    let source = prep_site::notice_style_source();
    for rel in ["nginx/folder.conf", "apache/folder.conf", "iis/web.config"] {
        let text = std::fs::read_to_string(deploy(rel)).expect("snippet");
        let policies: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("Content-Security-Policy"))
            .collect();
        assert!(
            !policies.is_empty(),
            "{rel} sets no Content-Security-Policy"
        );
        for line in policies {
            assert!(
                line.contains(&format!("style-src 'self' {source};")),
                "{rel}: {line}"
            );
        }
    }
    let iis = std::fs::read_to_string(deploy("iis/web.config")).expect("web.config");
    // Temporaries are refused, and the pointer is never cached without asking again.
    assert!(iis.contains("<add sequence=\"/.\" />"));
    let pointer = iis
        .split("<location path=\"json/main.json\">")
        .nth(1)
        .expect("a rule for json/main.json");
    assert!(
        pointer
            .split("</location>")
            .next()
            .is_some_and(|rule| rule.contains("cacheControlMode=\"DisableCache\"")),
        "{pointer}"
    );
}
