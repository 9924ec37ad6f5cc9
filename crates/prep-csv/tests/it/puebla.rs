//! The real IEE Puebla 2024 databases: read, then write back byte for byte.

use prep_csv::Database;
use prep_testdata::read_puebla;

#[test]
fn puebla_files_round_trip_byte_for_byte() {
    for name in ["PUE_GUB_2024.csv", "PUE_AYUN_2024.csv"] {
        let original = read_puebla(name);
        let db = Database::from_bytes(&original).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(db.dialect.bom, "{name}: BOM detected");
        assert!(db.dialect.apostrophe_keys, "{name}: apostrophes detected");
        assert!(db.dialect.vote_totals_decimal, "{name}: .0 detected");
        let mut out = Vec::new();
        db.write(&mut out).expect("write");
        assert!(
            out == original,
            "{name}: {}",
            prep_testdata::first_difference(&out, &original)
        );
    }
}

#[test]
fn puebla_structure() {
    let db = Database::from_bytes(&read_puebla("PUE_GUB_2024.csv")).expect("read");
    assert_eq!(db.preamble.title.as_deref(), Some("GUBERNATURA"));
    assert_eq!(
        db.preamble.corte.as_deref(),
        Some("03/06/2024 20:00 (UTC-6)")
    );
    assert_eq!(db.rows.len(), 8346);
    assert_eq!(db.layout.vote_columns.len(), 49);
    assert_eq!(db.header[db.layout.votes.start], "PAN");
}
