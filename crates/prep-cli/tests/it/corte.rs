//! `prep corte --from-database`: a signed package from a real published database.

use crate::common::{ok, prep};
use prep_testdata::puebla;
use prep_testdata::tree::read_tree;
use std::io::Read;
use std::path::Path;
use std::process::Command;

#[test]
fn corte_from_the_puebla_database_is_signed_complete_and_chained() {
    let root = tempfile::tempdir().expect("tempdir");
    let s = |p: &Path| p.to_str().expect("utf-8 path").to_owned();
    let keys = crate::common::generate_keys(&root.path().join("keys"));
    let db = puebla("PUE_GUB_2024.csv");
    let cand = puebla("PUE_GUB_Candidaturas_2024.csv");
    // A corte of the database: final or not, at its own time or `--at` another.
    let corte_args = |out: &Path, seq: &str, previous: Option<&Path>, at: Option<&str>| {
        let mut args = vec![
            "corte".to_owned(),
            "--from-database".into(),
            s(&db),
            "--candidaturas".into(),
            s(&cand),
            "--key".into(),
            s(&keys.join("prep.key")),
            "--out".into(),
            s(out),
            "--sequence".into(),
            seq.into(),
        ];
        match at {
            Some(at) => args.extend(["--at".into(), at.into()]),
            None => args.push("--final".into()),
        }
        if let Some(p) = previous {
            args.extend(["--previous".into(), s(p)]);
        }
        prep(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let corte = |out: &Path, seq: &str, previous: Option<&Path>, at: Option<&str>| {
        ok(corte_args(out, seq, previous, at))
    };
    let c1 = root.path().join("c1");
    corte(&c1, "1", None, None);
    let pubkey = s(&keys.join("prep.pub"));
    let verified = ok(prep(&["verify", &s(&c1), "--key", &pubkey]));
    assert!(
        verified.contains("OK: corte 2024-06-03T20:00:00-06:00 (sequence 1)"),
        "{verified}"
    );

    // The zipped database holds the original file, byte for byte, whose summary line is the
    // official one; the total's JSON has the same 13 values.
    let zip_bytes = std::fs::read(c1.join("datos/20240603_2000_PREP_PUE.zip"))
        .expect("zip named as institutes do");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).expect("zip");
    let mut csv = Vec::new();
    zip.by_name("PUE_GUB_2024.csv")
        .expect("csv in zip")
        .read_to_end(&mut csv)
        .expect("read");
    assert_eq!(csv, std::fs::read(&db).expect("original"));
    // With the candidacy file and a LEEME that describes every column of this header.
    let names: Vec<&str> = zip.file_names().collect();
    assert!(
        names.contains(&"PUE_GUB_Candidaturas_2024.csv"),
        "{names:?}"
    );
    let mut leeme = String::new();
    zip.by_name("LEEME.txt")
        .expect("LEEME in zip")
        .read_to_string(&mut leeme)
        .expect("read");
    let header = prep_csv::Database::from_bytes(&csv).expect("db").header;
    for column in &header {
        assert!(
            leeme.contains(&format!(". {column}: ")),
            "{column} not in LEEME"
        );
    }
    assert!(leeme.contains("Votos para el partido MORENA."), "{leeme}");
    let pointer: serde_json::Value =
        serde_json::from_slice(&std::fs::read(c1.join("json/main.json")).expect("main"))
            .expect("json");
    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(c1.join(pointer["index"].as_str().expect("index"))).expect("index"),
    )
    .expect("json");
    let total_path = index["elections"][0]["total"].as_str().expect("total");
    let total: serde_json::Value =
        serde_json::from_slice(&std::fs::read(c1.join(total_path)).expect("total")).expect("json");
    assert_eq!(total["summary"]["actas_esperadas"], 8334);
    assert_eq!(total["summary"]["total_votos_c_cs"], 2658993);
    assert_eq!(
        total["summary"]["porcentaje_participacion_ciudadana"],
        644492
    );
    assert_eq!(total["candidacies"].as_array().map(Vec::len), Some(3));

    // Nothing follows a final corte.
    let after = corte_args(
        &root.path().join("after"),
        "2",
        Some(&c1),
        Some("2024-06-03T20:15:00-06:00"),
    );
    assert_eq!(
        after.status.code(),
        Some(2),
        "{}",
        crate::common::text(&after)
    );
    assert!(
        crate::common::text(&after).contains("nothing follows a final corte"),
        "{}",
        crate::common::text(&after)
    );

    // Two preliminary cortes of the same actas, chained: only the manifest, its signature
    // and the pointer differ. Corte times move forward: the same actas again is a later corte.
    let (c1, c2) = (root.path().join("p1"), root.path().join("p2"));
    corte(&c1, "1", None, Some("2024-06-03T19:45:00-06:00"));
    let earlier = corte_args(&c2, "2", Some(&c1), Some("2024-06-03T19:30:00-06:00"));
    assert_eq!(
        earlier.status.code(),
        Some(2),
        "{}",
        crate::common::text(&earlier)
    );
    assert!(
        crate::common::text(&earlier).contains("corte times must move forward"),
        "{}",
        crate::common::text(&earlier)
    );
    corte(&c2, "2", Some(&c1), Some("2024-06-03T20:00:00-06:00"));
    let prev_manifest = s(&c1.join("manifest.json"));
    ok(prep(&[
        "verify",
        &s(&c2),
        "--key",
        &pubkey,
        "--previous",
        &prev_manifest,
    ]));
    let (f1, f2) = (read_tree(&c1), read_tree(&c2));
    assert_eq!(f1.keys().collect::<Vec<_>>(), f2.keys().collect::<Vec<_>>());
    let differing: Vec<&String> = f1.keys().filter(|k| f1[*k] != f2[*k]).collect();
    assert_eq!(
        differing,
        ["json/main.json", "manifest.json", "manifest.json.minisig"]
    );

    // The stock tool agrees (CI installs it).
    if let Some(minisign) = prep_testdata::tool("minisign", "-v", "apt-get install minisign") {
        let out = Command::new(minisign)
            .args(["-Vm", &s(&c2.join("manifest.json")), "-p", &pubkey])
            .output()
            .expect("minisign");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A package is never written over another.
    let again = prep(&[
        "corte",
        "--from-database",
        &s(&db),
        "--key",
        &s(&keys.join("prep.key")),
        "--out",
        &s(&c1),
    ]);
    assert_eq!(again.status.code(), Some(2));
}

/// IEC Coahuila 2017, the pre-2018 format whose rows carry no capture times: packaged as
/// published (its database zipped byte for byte) and accepted by `prep verify`.
#[test]
fn corte_from_a_pre_2018_database_is_packaged_and_verifies() {
    let root = tempfile::tempdir().expect("tempdir");
    let s = |p: &Path| p.to_str().expect("utf-8 path").to_owned();
    let keys = crate::common::generate_keys(&root.path().join("keys"));
    let folder = prep_testdata::shared("data/coahuila-2017");
    let db = folder.join("COAH_GOB_2017.csv");
    let out = root.path().join("c1");
    ok(prep(&[
        "corte",
        "--from-database",
        &s(&db),
        "--candidaturas",
        &s(&folder.join("COAH_GOB_CANDIDATOS_2017.csv")),
        "--key",
        &s(&keys.join("prep.key")),
        "--out",
        &s(&out),
    ]));
    let verified = ok(prep(&[
        "verify",
        &s(&out),
        "--key",
        &s(&keys.join("prep.pub")),
    ]));
    assert!(
        verified.starts_with("OK: corte 2017-06-05T13:00:00-06:00"),
        "{verified}"
    );
    let zip_path = read_tree(&out)
        .into_keys()
        .find(|k| k.ends_with("_PREP_COAH.zip"))
        .expect("zipped database");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(out.join(&zip_path)).expect("zip"))
        .expect("zip archive");
    let mut csv = Vec::new();
    zip.by_name("COAH_GOB_2017.csv")
        .expect("database in the zip")
        .read_to_end(&mut csv)
        .expect("read");
    assert!(
        csv == std::fs::read(&db).expect("db"),
        "zipped database differs"
    );
}
