//! `prep init`, `prep publish` on an accelerated clock, `prep corte --dir` and
//! `prep replay`, end to end through the binary; `prep verify` accepts every corte.

use crate::common::{ok, prep, s};
use prep_package::Manifest;
use prep_testdata::puebla;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn manifest(dir: &Path) -> Manifest {
    Manifest::from_bytes(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
        .expect("valid manifest")
}

/// Every corte of a directory verifies with `prep verify`, chained to the one before.
fn verify_all(dir: &Path, n: u64) -> Vec<Manifest> {
    let key = dir.join("keys/prep.pub");
    let mut out: Vec<Manifest> = Vec::new();
    for seq in 1..=n {
        let corte = dir.join(format!("cortes/{seq:06}"));
        let mut args = vec!["verify".to_owned(), s(&corte), "--key".into(), s(&key)];
        if seq > 1 {
            args.push("--previous".into());
            args.push(s(&dir.join(format!("cortes/{:06}/manifest.json", seq - 1))));
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = ok(prep(&argv));
        assert!(text.starts_with("OK: "), "{text}");
        let m = manifest(&corte);
        assert_eq!(m.sequence, seq);
        match out.last() {
            Some(prev) => assert_eq!(m.previous.as_deref(), Some(prev.hash().as_str())),
            None => assert_eq!(m.previous, None),
        }
        out.push(m);
    }
    assert!(
        !dir.join(format!("cortes/{:06}", n + 1)).exists(),
        "more cortes than expected"
    );
    out
}

/// A directory made from PUE_GUB with the given extra `prep init` options.
fn gub_dir(root: &Path, extra: &[&str]) -> PathBuf {
    let dir = root.join("pue");
    let mut args = vec![
        "init".to_owned(),
        s(&dir),
        "--from-database".into(),
        s(&puebla("PUE_GUB_2024.csv")),
        "--candidaturas".into(),
        s(&puebla("PUE_GUB_Candidaturas_2024.csv")),
        "--keys".into(),
        "--unencrypted".into(),
        "--institute".into(),
        "IEEPUEBLA".into(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = ok(prep(&argv));
    assert!(
        text.contains("election gub: 8334 expected actas loaded"),
        "{text}"
    );
    dir
}

#[test]
fn publish_on_an_accelerated_clock_cuts_every_corte_chained_and_verifiable() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = gub_dir(
        root.path(),
        &[
            "--opening",
            "2024-06-02T20:00:00-06:00",
            "--closing",
            "2024-06-02T22:00:00-06:00",
            "--period",
            "60",
        ],
    );
    // Refuses to write over it.
    let again = prep(&["init", &s(&dir), "--synth", "--keys", "--unencrypted"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // Two simulated hours at 720×: ten seconds, three cortes (20:00, 21:00, 22:00).
    let started = Instant::now();
    let text = ok(prep(&["publish", "--dir", &s(&dir), "--speed", "720"]));
    let took = started.elapsed();
    assert!(text.contains("3 cortes cut"), "{text}");
    assert!(!text.contains("skipped"), "{text}");
    assert!(
        took.as_secs_f64() >= 9.0,
        "the clock did not wait: {took:?}"
    );
    let manifests = verify_all(&dir, 3);
    let finals: Vec<bool> = manifests.iter().map(|m| m.is_final).collect();
    assert_eq!(finals, [false, false, true]);
    assert_eq!(manifests[0].corte, "2024-06-02T20:00:00-06:00");
    assert_eq!(manifests[2].corte, "2024-06-02T22:00:00-06:00");
    // The origin is the last corte.
    let origin = std::fs::read_link(dir.join("origin")).expect("origin link");
    assert_eq!(origin, Path::new("cortes/000003"));

    // Nothing follows the final corte (a corte by hand after it was once signed and
    // published): refused before anything is signed, naming the rule.
    for at in ["2024-06-02T22:05:00-06:00", "2020-01-01T00:00:00-06:00"] {
        let after = prep(&["corte", "--dir", &s(&dir), "--at", at]);
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
    }
    verify_all(&dir, 3);
}

#[test]
fn init_from_a_synthetic_election_defines_the_three_federal_elections() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("drill");
    let text = ok(prep(&[
        "init",
        &s(&dir),
        "--synth",
        "--casillas",
        "100",
        "--keys",
        "--unencrypted",
    ]));
    for id in ["pres", "sen", "dip"] {
        assert!(text.contains(&format!("election {id}:")), "{text}");
        assert!(dir.join(format!("elections/{id}/format.json")).is_file());
    }
    let config = std::fs::read_to_string(dir.join("prep.toml")).expect("config");
    assert!(
        config.contains("opening = \"2024-06-02T20:00:00-06:00\""),
        "{config}"
    );
    assert!(config.contains("file_prefix = \"DIP_FED\""), "{config}");
    // Bad options are refused with the option named.
    let bad = prep(&["init", &s(&root.path().join("x")), "--synth", "--keys"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--unencrypted"));
    assert!(!root.path().join("x").exists());
}

#[test]
fn replay_with_publish_feeds_and_cuts_in_one_process() {
    let root = tempfile::tempdir().expect("tempdir");
    let db = puebla("PUE_GUB_2024.csv");
    let dir = gub_dir(root.path(), &["--period", "240"]);
    let config = std::fs::read_to_string(dir.join("prep.toml")).expect("config");
    assert!(
        config.contains("closing = \"2024-06-03T20:00:00-06:00\""),
        "{config}"
    );
    let text = ok(prep(&[
        "replay",
        &s(&db),
        "--dir",
        &s(&dir),
        "--speed",
        "max",
        "--publish",
    ]));
    assert!(text.contains("7 cortes cut"), "{text}");
    assert!(text.contains("15587 of 15587 events fed"), "{text}");
    let manifests = verify_all(&dir, 7);
    assert!(manifests[6].is_final);
    // A replay run again records nothing new.
    let text = ok(prep(&[
        "replay",
        &s(&db),
        "--dir",
        &s(&dir),
        "--speed",
        "max",
    ]));
    assert!(
        text.contains("0 recorded, 15587 already in the store"),
        "{text}"
    );
}

#[test]
fn init_from_another_institutes_database_keeps_the_profile_that_reproduces_it() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("camp");
    let folder = prep_testdata::shared("data/campeche-2021/20210607_2000");
    let text = ok(prep(&[
        "init",
        &s(&dir),
        "--from-database",
        &s(&folder.join("CAMP_GOB_2021.csv")),
        "--candidaturas",
        &s(&folder.join("CAMP_GOB_CANDIDATURA_2021.csv")),
        "--keys",
        "--unencrypted",
    ]));
    assert!(
        text.contains("counting profile ieec-campeche-2021"),
        "{text}"
    );
    // 1,193 rows: 3 fuera de catálogo (CONTABILIZADA 0 and the legend) are no expected actas.
    assert!(
        text.contains("election gob: 1190 expected actas loaded"),
        "{text}"
    );
    let config = std::fs::read_to_string(dir.join("prep.toml")).expect("config");
    assert!(
        config.contains("dialect = \"ieec-campeche-2021\""),
        "{config}"
    );
    let named = root.path().join("named");
    let text = ok(prep(&[
        "init",
        &s(&named),
        "--from-database",
        &s(&puebla("PUE_GUB_2024.csv")),
        "--candidaturas",
        &s(&puebla("PUE_GUB_Candidaturas_2024.csv")),
        "--keys",
        "--unencrypted",
        "--rules",
        "anexo13",
    ]));
    assert!(text.contains("counting profile anexo13"), "{text}");
    let bad = prep(&[
        "init",
        &s(&root.path().join("bad")),
        "--from-database",
        &s(&puebla("PUE_GUB_2024.csv")),
        "--candidaturas",
        &s(&puebla("PUE_GUB_Candidaturas_2024.csv")),
        "--keys",
        "--unencrypted",
        "--rules",
        "no-such-profile",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!root.path().join("bad").exists());
}

/// The zipped database of the last corte under `dir`.
fn last_zipped_database(dir: &Path, name: &str) -> Vec<u8> {
    use std::io::Read;
    let cortes = dir.join("cortes");
    let mut seqs: Vec<PathBuf> = std::fs::read_dir(&cortes)
        .expect("cortes")
        .map(|e| e.expect("entry").path())
        .collect();
    seqs.sort();
    let datos = seqs.last().expect("a corte").join("datos");
    let zip_path = std::fs::read_dir(&datos)
        .expect("datos")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .expect("zip");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(zip_path).expect("open")).expect("zip");
    let mut out = Vec::new();
    zip.by_name(name)
        .expect("database in the zip")
        .read_to_end(&mut out)
        .expect("read");
    out
}

/// `prep init --from-database` then `prep replay --publish` of a published database: the
/// final corte's zipped database, named as the source file.
fn replayed_final_database(rel: &str) -> (Vec<u8>, Vec<u8>, String) {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("dir");
    let db = prep_testdata::shared(rel);
    ok(prep(&[
        "init",
        &s(&dir),
        "--from-database",
        &s(&db),
        "--keys",
        "--unencrypted",
    ]));
    let text = ok(prep(&[
        "replay",
        &s(&db),
        "--dir",
        &s(&dir),
        "--speed",
        "max",
        "--publish",
    ]));
    let name = db.file_name().expect("name").to_string_lossy().into_owned();
    let cut = last_zipped_database(&dir, &name);
    (std::fs::read(&db).expect("db"), cut, text)
}

#[test]
fn replay_of_sonora_2021_reproduces_its_published_database_byte_for_byte() {
    // No candidacy file was published: each vote column is its own candidacy. The 24 actas
    // fuera de catálogo, all identified as `-`, are 24 actas, printed in the file's order;
    // the legends are Sonora's own (ALGÚN CAMPO ILEGIBLE on actas whose cells are all
    // numbers), cells with a space quoted, SHA empty on sin actas.
    let (published, cut, text) = replayed_final_database("data/sonora-2021/SON_GOB_2021.csv");
    assert!(text.contains("0 refused"), "{text}");
    assert!(
        cut == published,
        "{}",
        prep_testdata::first_difference(&cut, &published)
    );
}

#[test]
fn replay_of_coahuila_2023_reproduces_its_published_database_byte_for_byte() {
    // Coahuila's legends (`-`, EXCEDE LISTA NOMINAL. ALGUN CAMPO ILEGIBLE O SIN DATO), `Sin
    // Acta` totals, fuera de catálogo rows with an empty ENTIDAD, `'`-prefixed percentages.
    let (published, cut, text) = replayed_final_database("data/coahuila-2023/COAH_GUB_2023.csv");
    assert!(text.contains("0 refused"), "{text}");
    assert!(
        cut == published,
        "{}",
        prep_testdata::first_difference(&cut, &published)
    );
}
