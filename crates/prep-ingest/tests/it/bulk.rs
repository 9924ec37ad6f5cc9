//! Bulk load: the real IEE Puebla 2024 GUBERNATURA database posted as CSV; the store's
//! snapshot then tallies exactly what `prep-audit` recounts from the file. Per-row
//! problems are reported with their lines; a repeated load stores nothing new.

use crate::common::{TestApi, gub};
use axum::http::StatusCode;
use prep_audit::{RecountOptions, recount};
use prep_count::Rules;

const BULK: &str = "/api/v1/elections/GUB/bulk?source=PUE_GUB_2024.csv";

#[tokio::test]
async fn bulk_load_of_a_published_file_tallies_as_its_recount() {
    let api = TestApi::new();
    let (bytes, file) = gub();
    let (s, report) = api
        .send(
            "POST",
            BULK,
            Some(&api.catd),
            Some("text/csv"),
            bytes.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let not_captured = file
        .rows
        .iter()
        .filter(|r| r.status == prep_model::Contabilizada::NoCapturada)
        .count();
    assert!(not_captured > 0);
    assert_eq!(report["rows"], file.rows.len());
    assert_eq!(report["not_captured"], not_captured);
    assert_eq!(report["recorded"], file.rows.len() - not_captured);
    assert_eq!(report["fuera_de_catalogo"], 12);
    assert_eq!(report["refused"], serde_json::json!([]));
    assert_eq!(report["malformed"], serde_json::json!([]));

    let options = RecountOptions {
        rules: Rules::anexo13(),
        ..RecountOptions::default()
    };
    let audit = recount(bytes, &options).expect("recount");
    assert!(audit.differences.is_empty(), "{:?}", audit.differences);
    let snapshot = api.store.snapshot("GUB").expect("snapshot");
    let tally = snapshot.tally();
    assert_eq!(tally, audit.tally);
    assert_eq!(
        tally.summary(&options.rules, audit.stage),
        audit.summary,
        "the 13 summary fields"
    );
    assert!(
        api.store
            .check_derived_state()
            .expect("check")
            .is_consistent()
    );

    // Every event is from the bulk load, by the centre, with the file as its source.
    let events = api
        .store
        .events_since(prep_store::EventId(0), 1)
        .expect("events");
    assert_eq!(events[0].origin.to_text(), "bulk:catd-07/PUE_GUB_2024.csv");

    // The same file again: every row repeats, nothing is written.
    let last = api.store.last_event().expect("last");
    let (s, again) = api
        .send(
            "POST",
            BULK,
            Some(&api.catd),
            Some("text/csv"),
            bytes.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["recorded"], 0);
    assert_eq!(again["repeats"], report["recorded"]);
    assert_eq!(api.store.last_event().expect("last"), last);
}

/// The preamble and header of the Puebla file, and its first acta rows.
fn head_and_rows() -> (String, Vec<String>) {
    let (bytes, _) = gub();
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("CLAVE_CASILLA"))
        .expect("header");
    let head = lines[..=header].join("\n");
    let rows = lines[header + 1..]
        .iter()
        .filter(|l| l.contains(",1,F,") || l.contains(",0,F,"))
        .take(3)
        .map(|l| (*l).to_owned())
        .collect();
    (head, rows)
}

#[tokio::test]
async fn bulk_problems_are_reported_per_row_with_their_line() {
    let api = TestApi::new();
    let (head, rows) = head_and_rows();
    let head_lines = head.lines().count() as u64;
    // Row 2 repeats row 1's acta with other votes: a conflict. Row 3 lost a cell.
    let conflicting = {
        let cells: Vec<&str> = rows[0].split(',').collect();
        let mut changed: Vec<String> = cells.iter().map(|c| (*c).to_owned()).collect();
        let pan = 16; // the PAN column of the GUB header
        changed[pan] = if cells[pan] == "7" {
            "8".into()
        } else {
            "7".into()
        };
        changed.join(",")
    };
    let short = rows[1].rsplit_once(',').expect("cells").0.to_owned();
    let csv = format!("{head}\n{}\n{conflicting}\n{short}\n", rows[0]);
    let (s, report) = api
        .send("POST", BULK, Some(&api.catd), Some("text/csv"), csv)
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["recorded"], 1, "{report}");
    let refused = &report["refused"][0];
    assert_eq!(refused["line"], head_lines + 2, "{report}");
    assert_eq!(refused["error"], "conflict");
    assert!(
        refused["message"]
            .as_str()
            .expect("message")
            .contains("already captured"),
        "{report}"
    );
    let malformed = &report["malformed"][0];
    assert_eq!(malformed["line"], head_lines + 3, "{report}");
    assert!(
        malformed["message"]
            .as_str()
            .expect("message")
            .contains(&format!(
                "found {}",
                head.lines().last().expect("header").split(',').count() - 1
            )),
        "{report}"
    );

    // A column the election does not have.
    let renamed = head.replacen(",PSI,", ",PSX,", 1);
    let (s, body) = api
        .send(
            "POST",
            BULK,
            Some(&api.catd),
            Some("text/csv"),
            format!("{renamed}\n{}\n", rows[0]),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "header");
    assert!(
        body["message"].as_str().expect("m").contains("'PSX'"),
        "{body}"
    );

    // Not a PREP database; not CSV; an unknown election; an unknown query parameter.
    let (s, body) = api
        .send(
            "POST",
            BULK,
            Some(&api.catd),
            Some("text/csv"),
            "hello,world\n",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("m")
            .contains("CLAVE_CASILLA"),
        "{body}"
    );
    let (s, body) = api
        .send(
            "POST",
            BULK,
            Some(&api.catd),
            Some("application/json"),
            "{}",
        )
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(
        body["message"].as_str().expect("m").contains("text/csv"),
        "{body}"
    );
    let (s, body) = api
        .send(
            "POST",
            "/api/v1/elections/PRES/bulk",
            Some(&api.catd),
            Some("text/csv"),
            "x",
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["message"].as_str().expect("m").contains("'PRES'"),
        "{body}"
    );
    let (s, body) = api
        .send(
            "POST",
            "/api/v1/elections/GUB/bulk?file=x",
            Some(&api.catd),
            Some("text/csv"),
            "x",
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"].as_str().expect("m").contains("file"),
        "{body}"
    );
}

#[tokio::test]
async fn a_bulk_body_over_the_limit_is_413() {
    let api = TestApi::with_limits(prep_ingest::Limits {
        bulk_bytes: 4096,
        ..prep_ingest::Limits::default()
    });
    let (bytes, _) = gub();
    let (s, body) = api
        .send(
            "POST",
            BULK,
            Some(&api.catd),
            Some("text/csv"),
            bytes[..10_000].to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"], "body_too_large");
    assert!(
        body["message"].as_str().expect("m").contains("4096 bytes"),
        "{body}"
    );
    assert_eq!(api.store.last_event().expect("last").0, 0);
}
