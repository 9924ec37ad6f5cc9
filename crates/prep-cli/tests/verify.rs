//! `prep keys generate` and `prep verify` on packages written to disk.

use prep_package::{
    FORMAT, FileEntry, Manifest, SigningKey, generate_keys, sha256_hex, sign_manifest,
};
use std::path::Path;
use std::process::{Command, Output};

fn prep(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_prep"));
    c.args(args).env_remove("PREP_KEY_PASSWORD");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run prep")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Writes a signed package of `files` with `sequence` and `previous` into `dir`.
fn write_package(
    dir: &Path,
    key: &SigningKey,
    sequence: u64,
    previous: Option<String>,
    files: &[(&str, &[u8])],
) -> Manifest {
    let mut m = Manifest {
        format: FORMAT.into(),
        institute: "IEEPUE".into(),
        process: "PEL2024".into(),
        sequence,
        corte: format!("2024-06-03T{:02}:00:00-06:00", 10 + sequence),
        created: "2024-06-03T10:00:04-06:00".into(),
        expires: "2024-06-04T12:00:00-06:00".into(),
        is_final: false,
        previous,
        files: Vec::new(),
    };
    for (path, bytes) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(&full, bytes).expect("write");
        m.files.push(FileEntry {
            path: (*path).to_owned(),
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        });
    }
    m.sort_files();
    std::fs::write(dir.join("manifest.json"), m.to_bytes()).expect("write");
    std::fs::write(
        dir.join("manifest.json.minisig"),
        sign_manifest(key, &m).expect("sign"),
    )
    .expect("write");
    m
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
    for (reason, tamper) in cases {
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
    }
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
