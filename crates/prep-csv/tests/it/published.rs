//! Every published database of the reference data: read, then write back byte for byte;
//! and what the reader makes of each dialect.

use prep_csv::{Database, Encoding, LineEnding};
use prep_model::Value;
use prep_testdata::shared;

/// The published databases of the reference data, relative to `../shared`.
const FILES: &[&str] = &[
    "data/puebla-2024/PUE_AYUN_2024.csv",
    "data/coahuila-2017/COAH_GOB_2017.csv",
    "data/coahuila-2023/COAH_GUB_2023.csv",
    "data/sonora-2021/SON_GOB_2021.csv",
    "data/campeche-2021/20210607_2000/CAMP_GOB_2021.csv",
    "data/campeche-2021/20210601_1852/CAMP_GOB_2021.csv",
    "data/ine-puebla-ext-2019/PUE_GUB_ext_2019.csv",
    "data/guanajuato-2021/GTO_AYUN_2021.csv",
];

fn read(rel: &str) -> (Vec<u8>, Database) {
    let bytes = std::fs::read(shared(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let db = Database::from_bytes(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
    (bytes, db)
}

fn written(db: &Database) -> Vec<u8> {
    let mut out = Vec::new();
    db.write(&mut out).expect("write");
    out
}

#[test]
fn every_published_database_round_trips_byte_for_byte() {
    for rel in FILES {
        let (original, db) = read(rel);
        let out = written(&db);
        assert!(
            out == original,
            "{rel}: {}",
            prep_testdata::first_difference(&out, &original)
        );
    }
}

#[test]
fn an_edited_row_is_written_from_its_cells_and_the_others_keep_their_bytes() {
    for rel in FILES {
        let (original, mut db) = read(rel);
        let Some(i) = db
            .rows
            .iter()
            .position(|r| r.cells.len() == db.layout.width)
        else {
            continue;
        };
        let lista = db.layout.lista_nominal;
        db.rows[i].cells[lista] = Value::Number(987_654_321);
        let out = written(&db);
        assert_ne!(out, original, "{rel}: the edit must show");
        let again = Database::from_bytes(&out).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(again.rows.len(), db.rows.len(), "{rel}");
        assert_eq!(again.rows[i].cells, db.rows[i].cells, "{rel}");
        for (j, (a, b)) in again.rows.iter().zip(&db.rows).enumerate() {
            assert_eq!(a.cells, b.cells, "{rel}: row {j}");
        }
        assert_eq!(again.preamble, db.preamble, "{rel}");
    }
}

#[test]
fn each_dialect_is_detected() {
    let (_, coahuila) = read("data/coahuila-2017/COAH_GOB_2017.csv");
    assert_eq!(coahuila.dialect.line_ending, LineEnding::CrLf);
    assert!(coahuila.layout.short_rows() && coahuila.layout.clave_casilla.is_none());
    assert_eq!(coahuila.rows.len(), 3628);
    assert_eq!(coahuila.preamble.title.as_deref(), Some("Gobernador"));
    let summary = coahuila.preamble.summary.as_ref().expect("summary");
    assert_eq!(summary.names.len(), 10);
    assert!(summary.unpublished().contains(&"ACTAS_FUERA_CATALOGO"));

    let (_, sonora) = read("data/sonora-2021/SON_GOB_2021.csv");
    assert!(sonora.dialect.bom && sonora.dialect.quoted_corte);
    assert_eq!(
        sonora.preamble.corte.as_deref(),
        Some("07/06/2021 13:19 (UTC-7)")
    );
    let summary = sonora.preamble.summary.as_ref().expect("summary");
    assert_eq!(
        summary.value(prep_count::SummaryField::ActasFueraCatalogo),
        Some(prep_count::SummaryValue::Count(24))
    );

    let (_, ine) = read("data/ine-puebla-ext-2019/PUE_GUB_ext_2019.csv");
    assert_eq!(ine.dialect.delimiter, b'|');
    assert_eq!(ine.dialect.encoding, Encoding::Latin1);
    assert!(ine.dialect.thousands_separators && ine.dialect.percent_apostrophe);
    assert!(ine.dialect.percent_sign);
    assert_eq!(ine.preamble.title.as_deref(), Some("GUBERNATURA"));
    assert_eq!(
        ine.preamble.corte.as_deref(),
        Some("3/6/2019 09:15 (UTC-5)")
    );
    let summary = ine.preamble.summary.as_ref().expect("summary");
    assert_eq!(
        summary.value(prep_count::SummaryField::ActasEsperadas),
        Some(prep_count::SummaryValue::Count(7672))
    );

    let (_, coahuila_2023) = read("data/coahuila-2023/COAH_GUB_2023.csv");
    assert!(coahuila_2023.dialect.percent_apostrophe);
    assert!(!coahuila_2023.dialect.percent_sign);

    let (_, corte_cero) = read("data/campeche-2021/20210601_1852/CAMP_GOB_2021.csv");
    let summary = corte_cero.preamble.summary.as_ref().expect("summary");
    assert_eq!(
        summary.unpublished(),
        ["TOTAL_VOTOS_C_CS", "PORCENTAJE_PARTICIPACION_CIUDADANA"]
    );

    let (_, guanajuato) = read("data/guanajuato-2021/GTO_AYUN_2021.csv");
    assert!(guanajuato.preamble.summary.is_none());
    assert_eq!(guanajuato.rows.len(), 7745);
}

/// The key cells of every row as written (apostrophes kept), split by the csv crate.
fn key_cells(bytes: &[u8], db: &Database) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(bytes);
    let header_line = text
        .lines()
        .position(|l| l.contains("CONTABILIZADA"))
        .expect("header line");
    let table: String = text
        .lines()
        .skip(header_line + 1)
        .collect::<Vec<_>>()
        .join("\n");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(db.dialect.delimiter)
        .from_reader(table.as_bytes())
        .records()
        .map(|r| {
            let r = r.expect("record");
            db.layout
                .key_columns
                .iter()
                .map(|&k| r.get(k).unwrap_or_default().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn rows_written_from_their_cells_keep_the_files_apostrophe_style() {
    for rel in [
        "data/coahuila-2023/COAH_GUB_2023.csv",
        "data/puebla-2024/PUE_AYUN_2024.csv",
        "data/sonora-2021/SON_GOB_2021.csv",
        "data/guanajuato-2021/GTO_AYUN_2021.csv",
    ] {
        let (original, mut db) = read(rel);
        for row in &mut db.rows {
            row.source = None;
        }
        db.head_source = None;
        let out = written(&db);
        // Without the text read, every row is written from its cells: each key cell comes
        // out with or without its apostrophe as the institute wrote it.
        assert_eq!(key_cells(&out, &db), key_cells(&original, &db), "{rel}");
    }
    let (_, coahuila) = read("data/coahuila-2023/COAH_GUB_2023.csv");
    assert!(coahuila.dialect.apostrophe_keys && coahuila.dialect.apostrophe_digits_only);
    assert!(coahuila.dialect.apostrophe_columns.is_empty());
    let (_, puebla) = read("data/puebla-2024/PUE_AYUN_2024.csv");
    assert!(puebla.dialect.apostrophe_keys && !puebla.dialect.apostrophe_digits_only);
    let (_, sonora) = read("data/sonora-2021/SON_GOB_2021.csv");
    assert_eq!(
        sonora.dialect.apostrophe_columns,
        ["CLAVE_CASILLA", "CLAVE_ACTA"]
    );
}

/// Every row written from its cells (as a corte writes the rows of the store), not from the
/// text it was read from.
fn written_from_cells(db: &Database) -> Vec<u8> {
    let mut db = db.clone();
    for row in &mut db.rows {
        row.source = None;
    }
    written(&db)
}

#[test]
fn rows_written_from_their_cells_give_the_published_bytes() {
    // As a corte writes the rows of the store: every cell's quoting, apostrophe and spelling
    // is the dialect's or the cell's own, and a cut pre-2018 row stays cut.
    for rel in FILES {
        let (original, db) = read(rel);
        let out = written_from_cells(&db);
        assert!(
            out == original,
            "{rel}: {}",
            prep_testdata::first_difference(&out, &original)
        );
    }
    let (_, sonora) = read("data/sonora-2021/SON_GOB_2021.csv");
    assert!(
        sonora.dialect.quote_spaced,
        "Sonora quotes cells with a space"
    );
    let (_, puebla) = read("data/puebla-2024/PUE_AYUN_2024.csv");
    assert!(!puebla.dialect.quote_spaced);
}
