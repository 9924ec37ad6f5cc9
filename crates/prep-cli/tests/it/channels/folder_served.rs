//! A publication folder as citizens get it: cortes delivered into a folder, served by
//! Debian's nginx and Apache with the snippets of `deploy/` (started by `scripts/nginx.sh`
//! and `scripts/apache.sh`): the pointer, the pages and the newest manifest never cached
//! without asking, every other file cached for good, temporaries never served, every file of
//! the corte the pointer names served with its bytes, and `prep verify` accepts it over
//! http and on disk, also while the newest manifest is already the next corte's (a delivery
//! stopped before its last step). The IIS `web.config` says the same.

use super::common::Election;
use prep_deliver::channel::{Job, read_manifest};
use prep_deliver::corte_dir;
use prep_deliver::folder::{self, Folder, local::LocalFolder};
use prep_package::folder::{Stage, corte_manifest_path, plan};
use prep_package::{MANIFEST_PATH, Manifest, POINTER_PATH, sha256_hex};
use prep_testdata::component::{Component, Needs};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Two cortes delivered into `<root>/www`, readable by a web server running as nobody; the
/// election, to cut more.
fn delivered_folder(root: &Path) -> (Election, PathBuf, Manifest, Vec<u8>) {
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
    (election, www, manifest, pointer)
}

/// `prep verify TARGET --key <the election's key>`: its exit code and what it printed.
fn verify(election: &Election, target: &str) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(["verify", target, "--key"])
        .arg(election.public_key())
        .output()
        .expect("run prep verify");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// `prep verify` accepts the folder's corte over http and on disk; still after a third
/// corte's delivery stopped just before its pointer (the newest `manifest.json` is then the
/// third's, the pointer names the second); and refuses a file altered in the folder.
fn verify_accepts_the_folder(election: &mut Election, www: &Path, port: &str, manifest: &Manifest) {
    let url = format!("http://127.0.0.1:{port}/");
    let www_text = www.to_str().expect("utf-8 path");
    let want = format!("(sequence {})", manifest.sequence);
    for target in [url.as_str(), www_text] {
        let (code, text) = verify(election, target);
        assert_eq!(code, Some(0), "{target}: {text}");
        assert!(text.contains(&want), "{target}: {text}");
    }
    assert!(verify(election, www_text).1.contains("publication folder"));

    // The third corte, delivered up to (not including) its pointer.
    let sequence = election.cut();
    let dir = corte_dir(&election.dir, sequence);
    let third = read_manifest(&dir).expect("manifest");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut target = LocalFolder {
        root: www.to_path_buf(),
    };
    let listing = runtime.block_on(target.list()).expect("listing");
    let uploads = plan(&third, &folder::remote_of(listing.files, Some(manifest)));
    let before_pointer: Vec<_> = uploads
        .into_iter()
        .filter(|u| u.stage != Stage::Pointer)
        .collect();
    runtime
        .block_on(target.put(&dir, &before_pointer))
        .expect("stages before the pointer");
    let newest = Manifest::from_bytes(&std::fs::read(www.join(MANIFEST_PATH)).expect("read"))
        .expect("manifest");
    assert_eq!(
        newest.sequence, sequence,
        "the newest manifest is the third's"
    );
    for target in [url.as_str(), www_text] {
        let (code, text) = verify(election, target);
        assert_eq!(code, Some(0), "{target}: {text}");
        assert!(text.contains(&want), "{target}: {text}");
    }

    // A file of the served corte altered in the folder: refused, over http and on disk.
    let victim = manifest
        .files
        .iter()
        .find(|f| f.path.starts_with("json/") && f.path.ends_with(".json"))
        .expect("a data file");
    let path = www.join(&victim.path);
    let original = std::fs::read(&path).expect("read");
    let mut altered = original.clone();
    altered[0] ^= b' ';
    std::fs::write(&path, &altered).expect("alter");
    for target in [url.as_str(), www_text] {
        let (code, text) = verify(election, target);
        assert_eq!(code, Some(1), "{target}: {text}");
        assert!(text.contains(&victim.path), "{target}: {text}");
    }
    std::fs::write(&path, &original).expect("restore");
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
    let (mut election, www, manifest, pointer) = delivered_folder(root.path());
    let Some(nginx) = prep_testdata::component::nginx_publishing(root.path(), &www) else {
        return;
    };
    serves_the_folder(nginx.get("port"), &manifest, &pointer);
    verify_accepts_the_folder(&mut election, &www, nginx.get("port"), &manifest);
}

#[test]
fn apache_serves_a_delivered_folder_with_the_deploy_snippet() {
    let root = tempfile::tempdir().expect("tmp");
    let (mut election, www, manifest, pointer) = delivered_folder(root.path());
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
    verify_accepts_the_folder(&mut election, &www, apache.get("port"), &manifest);
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

/// `prep simulacro` with a difusor without a node: its folder fed over SFTP into the web
/// root OpenSSH chroots its account to (`scripts/sshd.sh`), served by nginx with the
/// `deploy/` snippet; it serves the last corte at the end, and the monitor judged it with the
/// nodes (one of them fed over SFTP too).
#[test]
fn a_simulacro_with_a_folder_difusor_fed_over_sftp_and_served_by_nginx() {
    let Some(sshd) = super::ssh::Sshd::start() else {
        return;
    };
    let root = tempfile::tempdir().expect("tmp");
    let env = root.path().join("sshd.env");
    let lines: Vec<String> = [
        "port",
        "key",
        "known_hosts",
        "sftp_user",
        "sftp_inbox",
        "www_sftp_user",
    ]
    .iter()
    .map(|k| format!("{k}={}", sshd.get(k)))
    .collect();
    std::fs::write(&env, lines.join("\n")).expect("env");
    let www = PathBuf::from(sshd.get("www_sftp_folder"));
    let Some(nginx) = prep_testdata::component::nginx_publishing(root.path(), &www) else {
        return;
    };
    let url = format!("http://127.0.0.1:{}/", nginx.get("port"));
    let dir = root.path().join("sim");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(["simulacro", "--dir"])
        .arg(&dir)
        .args(["--casillas", "300", "--nodes", "3", "--speed", "5760"])
        .arg("--sftp-env")
        .arg(&env)
        .args(["--folder-url", &url])
        .output()
        .expect("prep simulacro");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("carpeta  (sftp-folder): {url}")),
        "{text}"
    );
    let last = prep_deliver::latest_sequence(&dir.join("eleccion"))
        .expect("cortes")
        .expect("at least one corte");
    for difusor in ["nodo-1", "nodo-3", "carpeta"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(difusor) && !l.contains("http"))
            .unwrap_or_else(|| panic!("no summary line for {difusor}:\n{text}"));
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[2], last.to_string(), "{line}");
    }
    let csv = std::fs::read_to_string(dir.join("eleccion/monitor/cumplimiento.csv")).expect("csv");
    assert_eq!(csv.lines().count() as u64, 1 + 4 * last, "{csv}");
    assert!(csv.contains("carpeta"), "{csv}");
}
