//! Signatures interoperate with the stock `minisign` tool, and every tampering is refused.

use prep_package::{
    Expectations, FORMAT, FileEntry, Manifest, PackageError, SigningKey, VerifyingKey,
    generate_keys, sha256_hex, sign_manifest, verify_signature,
};
use std::collections::BTreeMap;
use std::process::Command;

fn key() -> SigningKey {
    let (_, sk) = generate_keys(None).expect("keys");
    SigningKey::from_secret_key_file(&sk, None).expect("secret key")
}

type Files = BTreeMap<String, Vec<u8>>;

fn package(sequence: u64, previous: Option<String>) -> (Manifest, Files) {
    let mut files = Files::new();
    files.insert(
        "index.html".into(),
        b"<!doctype html><title>PREP</title>".to_vec(),
    );
    files.insert(
        "json/main.json".into(),
        format!("{{\"sequence\":{sequence}}}").into_bytes(),
    );
    files.insert(
        "json/gub/entidad.json".into(),
        b"{\"votos\":[1,2,3]}".to_vec(),
    );
    let entries = files
        .iter()
        .map(|(p, b)| FileEntry {
            path: p.clone(),
            sha256: sha256_hex(b),
            size: b.len() as u64,
        })
        .collect();
    let m = Manifest {
        format: FORMAT.into(),
        institute: "IEEPUE".into(),
        process: "PEL2024".into(),
        sequence,
        corte: format!("2024-06-03T{:02}:00:00-06:00", 10 + sequence),
        created: "2024-06-03T10:00:04-06:00".into(),
        expires: "2024-06-04T12:00:00-06:00".into(),
        is_final: false,
        previous,
        files: entries,
    };
    (m, files)
}

fn check(
    key: &VerifyingKey,
    bytes: &[u8],
    sig: &str,
    last: Option<(u64, &str)>,
    files: &Files,
) -> Result<Manifest, PackageError> {
    let present: Vec<String> = files.keys().cloned().collect();
    let expect = Expectations {
        last,
        now_utc: Some("2024-06-03T17:00:00Z"),
    };
    prep_package::check_package(
        key,
        bytes,
        sig,
        &expect,
        |p| files.get(p).cloned(),
        &present,
    )
}

#[test]
fn stock_minisign_verifies_our_signature() {
    let Some(bin) = prep_testdata::tool("minisign", "-v", "apt-get install minisign") else {
        return;
    };
    let key = key();
    let (m, _) = package(3, None);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("manifest.json");
    std::fs::write(&path, m.to_bytes()).expect("write");
    std::fs::write(
        dir.path().join("manifest.json.minisig"),
        sign_manifest(&key, &m).expect("sign"),
    )
    .expect("write");
    let out = Command::new(bin)
        .args([
            "-Vm",
            path.to_str().expect("path"),
            "-P",
            &key.verifying_key().to_base64(),
        ])
        .output()
        .expect("run minisign");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("prep sequence:3 corte:2024-06-03T13:00:00-06:00"),
        "{text}"
    );
    // One byte changed: the stock tool refuses it too.
    let mut bytes = m.to_bytes();
    bytes[10] ^= 1;
    std::fs::write(&path, bytes).expect("write");
    let out = Command::new(bin)
        .args([
            "-Vm",
            path.to_str().expect("path"),
            "-P",
            &key.verifying_key().to_base64(),
        ])
        .output()
        .expect("run minisign");
    assert!(!out.status.success());
}

#[test]
fn we_verify_the_stock_tool_signature() {
    let Some(bin) = prep_testdata::tool("minisign", "-v", "apt-get install minisign") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (pk, sk) = (dir.path().join("k.pub"), dir.path().join("k.key"));
    let out = Command::new(bin)
        .args([
            "-G",
            "-W",
            "-p",
            pk.to_str().expect("p"),
            "-s",
            sk.to_str().expect("s"),
        ])
        .output()
        .expect("minisign -G");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let data = dir.path().join("data");
    std::fs::write(&data, b"hola").expect("write");
    let out = Command::new(bin)
        .args([
            "-Sm",
            data.to_str().expect("d"),
            "-s",
            sk.to_str().expect("s"),
            "-t",
            "trusted words",
        ])
        .output()
        .expect("minisign -S");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key =
        VerifyingKey::from_text(&std::fs::read_to_string(&pk).expect("pub")).expect("public key");
    let sig = std::fs::read_to_string(dir.path().join("data.minisig")).expect("sig");
    assert_eq!(
        verify_signature(&key, b"hola", &sig).expect("verifies"),
        "trusted words"
    );
    assert!(verify_signature(&key, b"hola!", &sig).is_err());
}

#[test]
fn encrypted_secret_key_needs_its_password() {
    let (pk, sk) = generate_keys(Some("correct horse")).expect("keys");
    assert!(sk.contains("prep secret key"));
    assert!(SigningKey::from_secret_key_file(&sk, Some("wrong")).is_err());
    assert!(SigningKey::from_secret_key_file(&sk, None).is_err());
    let key = SigningKey::from_secret_key_file(&sk, Some("correct horse")).expect("opens");
    assert_eq!(
        key.verifying_key().to_base64(),
        VerifyingKey::from_text(&pk).expect("pub").to_base64()
    );
}

#[test]
fn a_good_package_passes_and_every_tampering_is_refused() {
    let key = key();
    let vk = key.verifying_key();
    let (m1, _) = package(1, None);
    let h1 = m1.hash();
    let (m, files) = package(2, Some(h1.clone()));
    let bytes = m.to_bytes();
    let sig = sign_manifest(&key, &m).expect("sign");
    check(&vk, &bytes, &sig, Some((1, &h1)), &files).expect("the good package passes");

    // One byte changed, or one byte cut, in each file.
    for path in files.keys() {
        let mut bad = files.clone();
        bad.get_mut(path).expect("file")[0] ^= 0x20;
        assert!(
            matches!(
                check(&vk, &bytes, &sig, Some((1, &h1)), &bad),
                Err(PackageError::Hash { .. })
            ),
            "{path}"
        );
        let mut short = files.clone();
        short.get_mut(path).expect("file").pop();
        assert!(matches!(
            check(&vk, &bytes, &sig, Some((1, &h1)), &short),
            Err(PackageError::Size { .. })
        ));
    }
    let mut missing = files.clone();
    missing.remove("index.html");
    assert!(matches!(
        check(&vk, &bytes, &sig, Some((1, &h1)), &missing),
        Err(PackageError::MissingFile(_))
    ));
    let mut extra = files.clone();
    extra.insert("evil.js".into(), b"alert(1)".to_vec());
    assert!(matches!(
        check(&vk, &bytes, &sig, Some((1, &h1)), &extra),
        Err(PackageError::Unlisted(_))
    ));

    // The manifest edited after signing (a file hash swapped, keeping it canonical).
    let mut edited = m.clone();
    edited.files[0].sha256 = sha256_hex(b"something else");
    assert!(matches!(
        check(&vk, &edited.to_bytes(), &sig, Some((1, &h1)), &files),
        Err(PackageError::Signature(_))
    ));
    // Another key.
    let other = self::key().verifying_key();
    assert!(matches!(
        check(&other, &bytes, &sig, Some((1, &h1)), &files),
        Err(PackageError::Signature(_))
    ));
    // Replay of the current one, and an older one.
    let h2 = m.hash();
    assert!(matches!(
        check(&vk, &bytes, &sig, Some((2, &h2)), &files),
        Err(PackageError::Sequence { .. })
    ));
    assert!(matches!(
        check(&vk, &bytes, &sig, Some((5, "x")), &files),
        Err(PackageError::Sequence { .. })
    ));
    // Broken chain.
    let wrong = sha256_hex(b"not the last manifest");
    assert!(matches!(
        check(&vk, &bytes, &sig, Some((1, &wrong)), &files),
        Err(PackageError::Chain { .. })
    ));
    // Expired.
    let mut old = m.clone();
    old.expires = "2024-06-03T10:59:59-06:00".into();
    let old_sig = sign_manifest(&key, &old).expect("sign");
    assert!(matches!(
        check(&vk, &old.to_bytes(), &old_sig, Some((1, &h1)), &files),
        Err(PackageError::Expired { .. })
    ));
    // A path leaving the root, even signed.
    let mut escape = m.clone();
    escape.files[0].path = "../../etc/cron.d/x".into();
    escape.sort_files();
    let escape_sig = sign_manifest(&key, &escape).expect("sign");
    assert!(matches!(
        check(&vk, &escape.to_bytes(), &escape_sig, Some((1, &h1)), &files),
        Err(PackageError::Manifest(_))
    ));
}
