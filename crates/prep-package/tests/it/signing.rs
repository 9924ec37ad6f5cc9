//! Signatures interoperate with the stock `minisign` tool, and every tampering is refused.

use prep_package::{
    Accepted, Expectations, FORMAT, FileEntry, MAX_SEQUENCE_STEP, Manifest, PackageError,
    SigningKey, Site, VerifyingKey, generate_keys, sha256_hex, sign_manifest, verify_signature,
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
        site: Site {
            corte_text: format!("03/06/2024 {:02}:00 (UTC-6)", 10 + sequence),
            index: "index.html".into(),
            ..Site::default()
        },
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
    // The last accepted corte of sequence s was cut at (10 + s):00, as `package` cuts them.
    let cortes: Vec<String> = last
        .iter()
        .map(|(s, _)| format!("2024-06-03T{:02}:00:00-06:00", 10 + s))
        .collect();
    let expect = Expectations {
        last: last.map(|(sequence, hash)| Accepted {
            sequence,
            hash,
            corte: &cortes[0],
            is_final: false,
        }),
        now_utc: Some("2024-06-03T20:00:00Z"),
        max_ahead_secs: None,
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
    old.expires = "2024-06-03T13:59:59-06:00".into();
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

/// Signs `m` and checks it after `last` at `now` with a skew of `ahead` seconds.
fn check_after(
    key: &SigningKey,
    m: &Manifest,
    last: Accepted<'_>,
    now: &str,
    ahead: Option<i64>,
    files: &Files,
) -> Result<Manifest, PackageError> {
    let sig = sign_manifest(key, m).expect("sign");
    let present: Vec<String> = files.keys().cloned().collect();
    let expect = Expectations {
        last: Some(last),
        now_utc: Some(now),
        max_ahead_secs: ahead,
    };
    prep_package::check_package(
        &key.verifying_key(),
        &m.to_bytes(),
        &sig,
        &expect,
        |p| files.get(p).cloned(),
        &present,
    )
}

#[test]
fn time_moves_forward_and_nothing_follows_a_final_corte() {
    let key = key();
    let (m1, _) = package(1, None);
    let h1 = m1.hash();
    let last = Accepted::of(&m1, &h1);
    let (m2, files) = package(2, Some(h1.clone()));
    let now = "2024-06-03T20:00:00Z";
    check_after(&key, &m2, last, now, Some(300), &files).expect("the next corte passes");

    // Signed with a corte time before the last accepted one (a corte --at in the past).
    let mut earlier = m2.clone();
    earlier.corte = "2020-01-01T00:00:00-06:00".into();
    assert!(matches!(
        check_after(&key, &earlier, last, now, Some(300), &files),
        Err(PackageError::CorteNotAfter { .. })
    ));
    let mut same = m2.clone();
    same.corte = m1.corte.clone();
    assert!(matches!(
        check_after(&key, &same, last, now, Some(300), &files),
        Err(PackageError::CorteNotAfter { .. })
    ));
    // After a final corte nothing is accepted, however well signed and chained.
    let final_last = Accepted {
        is_final: true,
        ..last
    };
    assert!(matches!(
        check_after(&key, &m2, final_last, now, Some(300), &files),
        Err(PackageError::AfterFinal { last: 1 })
    ));
    // A corte dated a year ahead of the receiver's clock, expiring in 9999.
    let mut ahead = m2.clone();
    ahead.corte = "2025-06-03T12:00:00-06:00".into();
    ahead.expires = "9999-01-01T00:00:00Z".into();
    assert!(matches!(
        check_after(&key, &ahead, last, now, Some(300), &files),
        Err(PackageError::Ahead { field: "corte", .. })
    ));
    let mut created_ahead = m2.clone();
    created_ahead.created = "2024-06-03T14:06:00-06:00".into();
    assert!(matches!(
        check_after(&key, &created_ahead, last, now, Some(300), &files),
        Err(PackageError::Ahead {
            field: "created",
            ..
        })
    ));
    // Within the skew it passes.
    let mut created_soon = m2.clone();
    created_soon.created = "2024-06-03T14:04:00-06:00".into();
    check_after(&key, &created_soon, last, now, Some(300), &files).expect("within the skew");
    // Sequence 2^64-1 is no manifest at all; a jump past MAX_SEQUENCE_STEP is fast-forward.
    let mut max = m2.clone();
    max.sequence = u64::MAX;
    assert!(matches!(
        check_after(&key, &max, last, now, Some(300), &files),
        Err(PackageError::Manifest(_))
    ));
    let mut jump = m2.clone();
    jump.sequence = 2 + MAX_SEQUENCE_STEP;
    assert!(matches!(
        check_after(&key, &jump, last, now, Some(300), &files),
        Err(PackageError::SequenceJump { .. })
    ));
}
