//! `prep recount` against the real IEE Puebla 2024 databases and every other published
//! database of the reference data.

use prep_testdata::{puebla, shared};
use std::io::Write;
use std::process::{Command, Output, Stdio};

const SUMMARY_FIELDS: [&str; 13] = [
    "ACTAS_ESPERADAS",
    "ACTAS_REGISTRADAS",
    "ACTAS_FUERA_CATALOGO",
    "ACTAS_CAPTURADAS",
    "PORCENTAJE_ACTAS_CAPTURADAS",
    "ACTAS_CONTABILIZADAS",
    "PORCENTAJE_ACTAS_CONTABILIZADAS",
    "PORCENTAJE_ACTAS_INCONSISTENCIAS",
    "ACTAS_NO_CONTABILIZADAS",
    "LISTA_NOMINAL_ACTAS_CONTABILIZADAS",
    "TOTAL_VOTOS_C_CS",
    "TOTAL_VOTOS_S_CS",
    "PORCENTAJE_PARTICIPACION_CIUDADANA",
];

fn prep(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn prep");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait prep")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn check_passes_on_both_puebla_files() {
    for (db, cand) in [
        ("PUE_GUB_2024.csv", "PUE_GUB_Candidaturas_2024.csv"),
        ("PUE_AYUN_2024.csv", "PUE_AYUN_Candidaturas_2024.csv"),
    ] {
        let db = puebla(db);
        let cand = puebla(cand);
        let out = prep(
            &[
                "recount",
                "--check",
                "--strict",
                db.to_str().expect("path"),
                "--candidaturas",
                cand.to_str().expect("path"),
            ],
            None,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}\n{}",
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = stdout(&out);
        assert!(text.contains("all 13 summary fields agree"), "{text}");
        assert!(text.contains("Row audit: 0 acta row(s)"), "{text}");
    }
}

#[test]
fn recount_prints_the_summary_in_the_file_format() {
    let db = puebla("PUE_GUB_2024.csv");
    let out = prep(&["recount", db.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("8334,8271,12,8259,99.1000,6848,82.1694,18.2385,1411,4125717,2658993.0,2639492.0,64.4492"), "{text}");
}

/// `prep recount --json` with a candidacy file; returns the JSON and the votes summed over
/// candidacies and over the candidacy columns (all but NULOS and NO_REGISTRADAS).
fn candidacy_recount(db: &str, candidaturas: &str) -> (serde_json::Value, u64, u64) {
    let (db, cand) = (puebla(db), puebla(candidaturas));
    let args = [
        "recount",
        "--json",
        db.to_str().expect("path"),
        "--candidaturas",
        cand.to_str().expect("path"),
    ];
    let json: serde_json::Value = serde_json::from_slice(&prep(&args, None).stdout).expect("json");
    let votes = |v: &serde_json::Value| v["votes"].as_u64().expect("votes");
    let by_candidacy = json["candidacies"]
        .as_array()
        .expect("candidacies")
        .iter()
        .map(votes)
        .sum();
    let by_column = json["columns_totals"]
        .as_array()
        .expect("columns")
        .iter()
        .filter(|c| !matches!(c["column"].as_str(), Some("NULOS" | "NO_REGISTRADAS")))
        .map(votes)
        .sum();
    (json, by_candidacy, by_column)
}

#[test]
fn candidacy_totals_for_gubernatura() {
    let (json, by_candidacy, by_column) =
        candidacy_recount("PUE_GUB_2024.csv", "PUE_GUB_Candidaturas_2024.csv");
    assert_eq!(json["candidacies"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        by_candidacy, by_column,
        "every party and coalition column maps to one candidacy"
    );
    assert_eq!(json["summary"]["total_votos_c_cs"], 2658993);
}

#[test]
fn candidacy_totals_per_municipio_for_ayuntamientos() {
    let (json, by_candidacy, by_column) =
        candidacy_recount("PUE_AYUN_2024.csv", "PUE_AYUN_Candidaturas_2024.csv");
    let candidacies = json["candidacies"].as_array().expect("candidacies");
    assert!(
        candidacies
            .iter()
            .all(|c| c["area"].as_str().is_some_and(|a| a.starts_with("21-")))
    );
    assert_eq!(
        by_candidacy, by_column,
        "every vote of a municipio's columns goes to one of its candidacies"
    );
}

/// Edits the printed value of one summary field by one unit in its last digit.
fn bump(file: &[u8], field: &str) -> Vec<u8> {
    let text = String::from_utf8(file.to_vec()).expect("utf-8");
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let names_at = lines
        .iter()
        .position(|l| l.starts_with("ACTAS_ESPERADAS"))
        .expect("summary");
    let col = lines[names_at]
        .split(',')
        .position(|n| n == field)
        .expect("field");
    let mut values: Vec<String> = lines[names_at + 1].split(',').map(str::to_owned).collect();
    let v = &values[col];
    let (int, frac) = v
        .split_once('.')
        .map_or((v.as_str(), None), |(i, f)| (i, Some(f)));
    values[col] = match frac {
        // percentages: one ten-thousandth; vote totals (`.0`): one vote
        Some(f) if f.len() == 4 => {
            let scaled: u64 = format!("{int}{f}").parse::<u64>().expect("number") + 1;
            format!("{}.{:04}", scaled / 10_000, scaled % 10_000)
        }
        Some(f) => format!("{}.{f}", int.parse::<u64>().expect("number") + 1),
        None => (int.parse::<u64>().expect("number") + 1).to_string(),
    };
    lines[names_at + 1] = values.join(",");
    lines.join("\n").into_bytes()
}

#[test]
fn check_fails_and_names_each_edited_field() {
    for name in ["PUE_GUB_2024.csv", "PUE_AYUN_2024.csv"] {
        let original = std::fs::read(puebla(name)).expect("read");
        for field in SUMMARY_FIELDS {
            let edited = bump(&original, field);
            assert_ne!(edited, original);
            let out = prep(&["recount", "--check", "-"], Some(&edited));
            let text = stdout(&out);
            assert_eq!(out.status.code(), Some(1), "{name} {field}: {text}");
            assert!(
                text.contains("CHECK FAILED: 1 summary field(s) differ"),
                "{name} {field}: {text}"
            );
            let listed = text
                .lines()
                .filter(|l| l.starts_with("  "))
                .any(|l| l.split_whitespace().next() == Some(field));
            assert!(listed, "{name} {field} not listed: {text}");
            let json = prep(&["recount", "--check", "--json", "-"], Some(&edited));
            let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
            assert_eq!(v["differences"][0]["name"], field);
        }
    }
}

#[test]
fn malformed_rows_are_reported_with_their_line() {
    let original = std::fs::read(puebla("PUE_GUB_2024.csv")).expect("read");
    let mut text = String::from_utf8(original).expect("utf-8");
    // Cut one cell off line 10 and put garbage in CONTABILIZADA of line 12.
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let cut = lines[9].rfind(',').expect("comma");
    lines[9].truncate(cut);
    let mut cells: Vec<String> = lines[11].split(',').map(str::to_owned).collect();
    let contab = lines[6]
        .split(',')
        .position(|n| n == "CONTABILIZADA")
        .expect("column");
    cells[contab] = "X".into();
    lines[11] = cells.join(",");
    text = lines.join("\n");
    let out = prep(&["recount", "--check", "-"], Some(text.as_bytes()));
    let s = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{s}");
    assert!(
        s.contains("line 10: expected 79 cells as in the header, found 78"),
        "{s}"
    );
    assert!(s.contains("line 12: CONTABILIZADA is \"X\""), "{s}");
}

#[test]
fn not_a_database_is_a_clear_error() {
    let out = prep(&["recount", "-"], Some(b"hello,world\n1,2\n"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no table header found"), "{err}");
    let out = prep(&["recount", "/nonexistent/file.csv"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/file.csv"));
}

/// One published database of the reference data and the documented outcome of
/// `prep recount --check` on it (docs/counting-rules.md): exit code, the profile `--rules
/// auto` settles on, and for exit 1 the fields that differ.
struct Expected {
    file: &'static str,
    code: i32,
    profile: &'static str,
    differing: &'static [&'static str],
}

const PUBLISHED: &[Expected] = &[
    Expected {
        file: "data/puebla-2024/PUE_AYUN_2024.csv",
        code: 0,
        profile: "anexo13",
        differing: &[],
    },
    Expected {
        file: "data/coahuila-2017/COAH_GOB_2017.csv",
        code: 1,
        profile: "iec-coahuila-2017",
        differing: &["ACTAS_REGISTRADAS", "PORCENTAJE_ACTAS_CONTABILIZADAS"],
    },
    Expected {
        file: "data/coahuila-2023/COAH_GUB_2023.csv",
        code: 0,
        profile: "anexo13",
        differing: &[],
    },
    Expected {
        file: "data/sonora-2021/SON_GOB_2021.csv",
        code: 0,
        profile: "iee-sonora-2021",
        differing: &[],
    },
    Expected {
        file: "data/campeche-2021/20210607_2000/CAMP_GOB_2021.csv",
        code: 0,
        profile: "ieec-campeche-2021",
        differing: &[],
    },
    Expected {
        file: "data/campeche-2021/20210601_1852/CAMP_GOB_2021.csv",
        code: 0,
        profile: "ieeg-guanajuato-2021",
        differing: &[],
    },
    Expected {
        file: "data/ine-puebla-ext-2019/PUE_GUB_ext_2019.csv",
        code: 0,
        profile: "ine-2019",
        differing: &[],
    },
    Expected {
        file: "data/guanajuato-2021/GTO_AYUN_2021.csv",
        code: 0,
        profile: "ieeg-guanajuato-2021",
        differing: &[],
    },
];

#[test]
fn check_gives_the_documented_outcome_on_every_published_database() {
    for e in PUBLISHED {
        let path = shared(e.file);
        let path = path.to_str().expect("path");
        let out = prep(&["recount", "--check", "--json", path], None);
        assert_eq!(
            out.status.code(),
            Some(e.code),
            "{}: {}",
            e.file,
            stdout(&out)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(json["profile"], e.profile, "{}", e.file);
        assert_eq!(
            json["malformed"].as_array().map(Vec::len),
            Some(0),
            "{}",
            e.file
        );
        let differing: Vec<&str> = json["differences"]
            .as_array()
            .expect("differences")
            .iter()
            .filter_map(|d| d["name"].as_str())
            .collect();
        assert_eq!(differing, e.differing, "{}", e.file);
        for d in json["differences"].as_array().expect("differences") {
            assert!(
                d["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{}: {d}",
                e.file
            );
        }
    }
}

#[test]
fn check_explains_why_a_published_field_is_not_reproduced() {
    let path = shared("data/coahuila-2017/COAH_GOB_2017.csv");
    let out = prep(&["recount", "--check", path.to_str().expect("path")], None);
    let text = stdout(&out);
    assert!(
        text.contains("Counting profile: iec-coahuila-2017"),
        "{text}"
    );
    assert!(
        text.contains("3107: 4 actas that are not among the rows"),
        "{text}"
    );
    assert!(
        text.contains("2609/3628 rounded to four decimals"),
        "{text}"
    );
    assert!(
        text.contains("Not published (no value to compare): ACTAS_FUERA_CATALOGO"),
        "{text}"
    );
}

#[test]
fn a_named_profile_that_does_not_fit_reports_each_field() {
    let path = shared("data/sonora-2021/SON_GOB_2021.csv");
    let path = path.to_str().expect("path");
    let out = prep(&["recount", "--check", "--rules", "anexo13", path], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("0 rows are fuera de catálogo under profile anexo13"),
        "{text}"
    );
    let out = prep(
        &["recount", "--check", "--rules", "iee-sonora-2021", path],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_profile_file_is_read_and_a_bad_name_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("campeche.toml");
    let text = prep_count::profiles::PROFILE_SOURCES
        .iter()
        .find(|(n, _)| *n == "ieec-campeche-2021")
        .map(|(_, t)| t.replace("name = \"ieec-campeche-2021\"", "name = \"mine\""))
        .expect("profile");
    std::fs::write(&file, text).expect("write");
    let db = shared("data/campeche-2021/20210607_2000/CAMP_GOB_2021.csv");
    let db = db.to_str().expect("path");
    let out = prep(
        &[
            "recount",
            "--check",
            "--rules",
            file.to_str().expect("path"),
            db,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("Counting profile: mine"));
    let out = prep(
        &["recount", "--check", "--rules", "no-such-profile", db],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such profile"));
}

#[test]
fn auto_on_standard_input_goes_past_the_first_profile_as_on_a_file() {
    // Sonora 2021 is not reproduced by anexo13: `auto` reads the rows a second time, which
    // standard input can only give if it was kept.
    let path = prep_testdata::shared("data/sonora-2021/SON_GOB_2021.csv");
    let bytes = std::fs::read(&path).expect("read");
    let from_file = prep(
        &["recount", "--check", "--json", &path.to_string_lossy()],
        None,
    );
    let from_stdin = prep(&["recount", "--check", "--json", "-"], Some(&bytes));
    assert_eq!(from_stdin.status.code(), Some(0), "{}", stdout(&from_stdin));
    assert_eq!(from_file.status.code(), Some(0));
    let profile = |o: &Output| {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        (
            v["profile"].clone(),
            v["profiles_tried"].clone(),
            v["recomputed"].clone(),
        )
    };
    assert_eq!(profile(&from_stdin), profile(&from_file));
    assert_eq!(profile(&from_stdin).0, "iee-sonora-2021");
}
