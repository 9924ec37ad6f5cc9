//! `prep keys generate` and `prep verify` on packages written to disk.

use crate::common::{prep_env as prep, text};
use prep_package::{
    MANIFEST_PATH, Manifest, SIGNATURE_PATH, SigningKey, generate_keys, sha256_hex, sign_manifest,
};
use prep_testdata::package;
use std::path::Path;
use std::process::Command;

/// Writes a signed package of `files` with `sequence` and `previous` into `dir`.
fn write_package(
    dir: &Path,
    key: &SigningKey,
    sequence: u64,
    previous: Option<String>,
    files: &[(&str, &[u8])],
) -> Manifest {
    let files: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(path, bytes)| ((*path).to_owned(), bytes.to_vec()))
        .collect();
    // The index is json/data.json where the package has it, else its first file.
    let index = files
        .iter()
        .map(|(path, _)| path.as_str())
        .find(|path| *path == "json/data.json")
        .unwrap_or(&files[0].0)
        .to_owned();
    let corte = format!("2024-06-03T{:02}:00:00-06:00", 10 + sequence);
    let mut m = package::manifest(sequence, None, &files, &index, &corte);
    m.previous = previous;
    m.created = "2024-06-03T10:00:04-06:00".into();
    m.expires = expires_of(sequence).into();
    m.site.corte_text = "03/06/2024 12:00 (UTC-6)".into();
    // No pointer: `prep verify` checks one only where the package has it.
    package::write_files(dir, &files);
    package::write_files(
        dir,
        &[
            (MANIFEST_PATH.to_owned(), m.to_bytes()),
            (
                SIGNATURE_PATH.to_owned(),
                sign_manifest(key, &m).expect("sign").into_bytes(),
            ),
        ],
    );
    m
}

/// The expiry of test packages: far ahead, but for sequence 9, which expired in 2024.
fn expires_of(sequence: u64) -> &'static str {
    if sequence == 9 {
        "2024-06-04T12:00:00-06:00"
    } else {
        "2099-01-01T00:00:00Z"
    }
}

/// A change made to a package on disk.
type Tamper = Box<dyn Fn(&Path)>;

const FILES: &[(&str, &[u8])] = &[
    ("index.html", b"<!doctype html><title>PREP</title>"),
    ("json/data.json", b"{\"sequence\":2}"),
    ("json/gub/entidad.json", b"{\"votos\":[1,2,3]}"),
];

#[test]
fn verify_accepts_a_good_package_and_names_each_refusal() {
    let (pk, sk) = generate_keys(None).expect("keys");
    let key = SigningKey::from_secret_key_file(&sk, None).expect("key");
    let root = tempfile::tempdir().expect("tempdir");
    let first = root.path().join("c1");
    let m1 = write_package(&first, &key, 1, None, FILES);
    let pkg = root.path().join("c2");
    write_package(&pkg, &key, 2, Some(m1.hash()), FILES);
    let pub_file = root.path().join("prep.pub");
    std::fs::write(&pub_file, &pk).expect("write");
    let prev = first.join("manifest.json");
    let verify = |dir: &Path, key: &str| {
        prep(
            &[
                "verify",
                dir.to_str().expect("dir"),
                "--key",
                key,
                "--previous",
                prev.to_str().expect("prev"),
            ],
            &[],
        )
    };
    let ok = verify(&pkg, pub_file.to_str().expect("pub"));
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(
        text(&ok).contains("OK: corte 2024-06-03T12:00:00-06:00 (sequence 2)"),
        "{}",
        text(&ok)
    );

    let cases: Vec<(&str, Tamper)> = vec![
        (
            "SHA-256",
            Box::new(|d: &Path| {
                std::fs::write(d.join("json/gub/entidad.json"), b"{\"votos\":[1,2,4]}").expect("w")
            }),
        ),
        (
            "missing file",
            Box::new(|d: &Path| std::fs::remove_file(d.join("index.html")).expect("rm")),
        ),
        (
            "not in the manifest",
            Box::new(|d: &Path| std::fs::write(d.join("json/extra.js"), b"x").expect("w")),
        ),
        (
            "symbolic link",
            Box::new(|d: &Path| {
                std::os::unix::fs::symlink("/etc/passwd", d.join("link")).expect("ln")
            }),
        ),
        (
            "signature",
            Box::new(|d: &Path| {
                let p = d.join("manifest.json");
                let s = std::fs::read_to_string(&p)
                    .expect("r")
                    .replace("IEEPUE", "IEEPUF");
                std::fs::write(p, s).expect("w");
            }),
        ),
    ];
    let check = |(reason, tamper): (&str, Tamper)| {
        let dir = root.path().join(format!("t-{}", reason.replace(' ', "-")));
        write_package(&dir, &key, 2, Some(m1.hash()), FILES);
        tamper(&dir);
        let out = verify(&dir, pub_file.to_str().expect("pub"));
        assert_eq!(out.status.code(), Some(1), "{reason}: {}", text(&out));
        assert!(
            text(&out).contains("REFUSED") && text(&out).contains(reason),
            "{reason}: {}",
            text(&out)
        );
    };
    prep_testdata::cases::check_each(cases, |c| c.0.to_owned(), check);
    // Expired: refused as of now, accepted as of a time it was live (verifying history).
    let expired = root.path().join("expired");
    write_package(&expired, &key, 9, None, FILES);
    let at_now = prep(&["verify", expired.to_str().expect("d"), "--key", &pk], &[]);
    assert_eq!(at_now.status.code(), Some(1), "{}", text(&at_now));
    assert!(
        text(&at_now).contains("expired at 2024-06-04T12:00:00-06:00"),
        "{}",
        text(&at_now)
    );
    let then = prep(
        &[
            "verify",
            expired.to_str().expect("d"),
            "--key",
            &pk,
            "--at",
            "2024-06-03T20:00:00-06:00",
        ],
        &[],
    );
    assert_eq!(then.status.code(), Some(0), "{}", text(&then));
    // As of a time before it was even cut, its corte is from the future.
    let before = prep(
        &[
            "verify",
            expired.to_str().expect("d"),
            "--key",
            &pk,
            "--at",
            "2024-06-03T12:00:00-06:00",
        ],
        &[],
    );
    assert_eq!(before.status.code(), Some(1), "{}", text(&before));
    assert!(
        text(&before).contains("ahead of this receiver's clock"),
        "{}",
        text(&before)
    );

    // Broken chain: a previous manifest that is not the one this package names.
    let other = root.path().join("other");
    write_package(&other, &key, 1, None, &FILES[..1]);
    let out = prep(
        &[
            "verify",
            pkg.to_str().expect("d"),
            "--key",
            &pk,
            "--previous",
            other.join("manifest.json").to_str().expect("p"),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("broken chain"), "{}", text(&out));
    // Wrong key.
    let (other_pk, _) = generate_keys(None).expect("keys");
    let out = verify(&pkg, &other_pk);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("signature"), "{}", text(&out));
}

/// `prep verify` lists a package directory as a difusor node does, before reading a file: a
/// name that is not UTF-8, a file larger than a node takes (1 GiB) or files adding up to more
/// (4 GiB) are refused for that reason, not read (the large files are sparse: nothing is
/// written but their sizes).
#[test]
fn verify_refuses_what_a_node_refuses_before_reading_it() {
    use std::os::unix::ffi::OsStrExt;
    let (pk, sk) = generate_keys(None).expect("keys");
    let key = SigningKey::from_secret_key_file(&sk, None).expect("key");
    let root = tempfile::tempdir().expect("tempdir");
    let sparse = |path: &Path, size: u64| {
        std::fs::File::create(path)
            .and_then(|f| f.set_len(size))
            .expect("sparse file");
    };
    let cases: Vec<(&str, Tamper)> = vec![
        (
            "not a UTF-8 name",
            Box::new(|d: &Path| {
                let name = std::ffi::OsStr::from_bytes(b"json/x\xff.json");
                std::fs::write(d.join(name), b"{}").expect("w")
            }),
        ),
        (
            "max_file_bytes",
            Box::new(move |d: &Path| sparse(&d.join("json/big.bin"), (1 << 30) + 1)),
        ),
        (
            "max_total_bytes",
            Box::new(move |d: &Path| {
                for i in 0..5 {
                    sparse(&d.join(format!("json/part{i}.bin")), 1 << 30);
                }
            }),
        ),
    ];
    for (reason, tamper) in cases {
        let dir = root.path().join(reason.replace(' ', "-"));
        write_package(&dir, &key, 1, None, FILES);
        tamper(&dir);
        let out = prep(&["verify", dir.to_str().expect("dir"), "--key", &pk], &[]);
        assert_eq!(out.status.code(), Some(1), "{reason}: {}", text(&out));
        assert!(
            text(&out).contains("REFUSED") && text(&out).contains(reason),
            "{reason}: {}",
            text(&out)
        );
    }
}

#[test]
fn keys_generate_encrypts_and_never_overwrites() {
    let root = tempfile::tempdir().expect("tempdir");
    let out_dir = root.path().join("keys");
    let dir = out_dir.to_str().expect("dir");
    let no_password = prep(&["keys", "generate", "--out", dir], &[]);
    assert_eq!(no_password.status.code(), Some(2));
    assert!(
        text(&no_password).contains("no password"),
        "{}",
        text(&no_password)
    );

    let made = prep(
        &["keys", "generate", "--out", dir],
        &[("PREP_KEY_PASSWORD", "s3cret-pass")],
    );
    assert_eq!(made.status.code(), Some(0), "{}", text(&made));
    assert!(
        !text(&made).contains("s3cret-pass"),
        "the password is never printed"
    );
    let sk = std::fs::read_to_string(out_dir.join("prep.key")).expect("secret key");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(out_dir.join("prep.key"))
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert!(
        SigningKey::from_secret_key_file(&sk, None).is_err(),
        "encrypted at rest"
    );
    let key = SigningKey::from_secret_key_file(&sk, Some("s3cret-pass"))
        .expect("opens with its password");
    let pk = std::fs::read_to_string(out_dir.join("prep.pub")).expect("public key");
    assert_eq!(
        prep_package::VerifyingKey::from_text(&pk)
            .expect("pub")
            .to_base64(),
        key.verifying_key().to_base64()
    );

    let again = prep(
        &["keys", "generate", "--out", dir],
        &[("PREP_KEY_PASSWORD", "x")],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again).contains("never overwritten"),
        "{}",
        text(&again)
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("prep.key")).expect("still there"),
        sk
    );
}

/// A static web server (`python3 -m http.server`) serving `dir` on loopback, killed on drop.
struct WebServer {
    child: std::process::Child,
    base: String,
}

impl WebServer {
    /// `None` outside CI when python3 is missing; under CI=true a missing python3 fails.
    fn start(dir: &Path) -> Option<WebServer> {
        use std::io::BufRead;
        let python = prep_testdata::tool("python3", "--version", "apt-get install python3")?;
        let mut child = Command::new(python)
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start python3 -m http.server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("server banner");
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .expect("port in the banner");
        Some(WebServer {
            child,
            base: format!("http://127.0.0.1:{port}/"),
        })
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `json/main.json` pointing at the manifest in `dir`.
fn write_pointer(dir: &Path, m: &Manifest) {
    let manifest = std::fs::read(dir.join("manifest.json")).expect("manifest");
    std::fs::write(
        dir.join("json/main.json"),
        prep_package::Pointer::bytes_for(m, &manifest),
    )
    .expect("pointer");
}

#[test]
fn verify_over_http_checks_what_the_site_serves() {
    let (pk, sk) = generate_keys(None).expect("keys");
    let key = SigningKey::from_secret_key_file(&sk, None).expect("key");
    let root = tempfile::tempdir().expect("tempdir");
    let site = root.path().join("site");
    let m = write_package(&site, &key, 3, None, FILES);
    write_pointer(&site, &m);
    let Some(server) = WebServer::start(&site) else {
        return;
    };
    let check = |target: &str| prep(&["verify", target, "--key", &pk], &[]);

    let ok = check(&server.base);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(text(&ok).contains("(sequence 3)"), "{}", text(&ok));
    assert!(text(&ok).contains("fetched over http"), "{}", text(&ok));
    // The pointer's own address works too.
    let ok = check(&format!("{}json/main.json", server.base));
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));

    // Each tampering of what is served is refused, naming the problem.
    let entidad = site.join("json/gub/entidad.json");
    std::fs::write(&entidad, b"{\"votos\":[1,2,4]}").expect("tamper");
    let out = check(&server.base);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("SHA-256"), "{}", text(&out));
    std::fs::write(&entidad, b"{\"votos\":[1,2,3]}").expect("restore");

    // Longer than the manifest says: refused without reading the whole file.
    std::fs::write(&entidad, vec![b' '; 1 << 20]).expect("tamper");
    let out = check(&server.base);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("size"), "{}", text(&out));
    std::fs::write(&entidad, b"{\"votos\":[1,2,3]}").expect("restore");

    std::fs::remove_file(site.join("index.html")).expect("rm");
    let out = check(&server.base);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("missing file"), "{}", text(&out));
    std::fs::write(site.join("index.html"), FILES[0].1).expect("restore");

    // A pointer naming another manifest.
    let pointer = site.join("json/main.json");
    let good = std::fs::read_to_string(&pointer).expect("pointer");
    let hash = sha256_hex(&std::fs::read(site.join("manifest.json")).expect("m"));
    std::fs::write(&pointer, good.replace(&hash, &"0".repeat(64))).expect("tamper");
    let out = check(&server.base);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("json/main.json"), "{}", text(&out));

    // Every field of the pointer a citizen's browser reads, changed, and fields added: each
    // refused, naming the field (the pointer carries nothing the manifest does not).
    std::fs::write(&pointer, &good).expect("restore");
    for (from, to, field) in [
        (
            "03/06/2024 12:00 (UTC-6)",
            "03/06/2024 23:59 (UTC-6)",
            "(corte differs)",
        ),
        ("\"final\": false", "\"final\": true", "(final differs)"),
        ("json/data.json", "json/gub/entidad.json", "(index differs)"),
        (
            "\"manifest_sha256\"",
            "\"difusores\": \"json/otra.json\",\n  \"manifest_sha256\"",
            "(difusores differs)",
        ),
        (
            "\"manifest_sha256\"",
            "\"databases\": {\"gub\": \"historial/1/datos/x.zip\"},\n  \"manifest_sha256\"",
            "(databases differs)",
        ),
        (
            "\"manifest_sha256\"",
            "\"suspended\": true,\n  \"manifest_sha256\"",
            "(suspended (not a pointer field) differs)",
        ),
    ] {
        let changed = good.replace(from, to);
        assert_ne!(changed, good, "{field}");
        std::fs::write(&pointer, changed).expect("tamper");
        let out = check(&server.base);
        assert_eq!(out.status.code(), Some(1), "{field}: {}", text(&out));
        assert!(text(&out).contains(field), "{field}: {}", text(&out));
    }

    // No pointer: a site must have one.
    std::fs::remove_file(&pointer).expect("rm");
    let out = check(&server.base);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("has no json/main.json"),
        "{}",
        text(&out)
    );
    std::fs::write(&pointer, good).expect("restore");

    // A wrong key.
    let (other_pk, _) = generate_keys(None).expect("keys");
    let out = prep(&["verify", &server.base, "--key", &other_pk], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("signature"), "{}", text(&out));
    drop(server);
}
