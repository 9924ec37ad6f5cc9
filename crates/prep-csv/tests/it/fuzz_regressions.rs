//! Inputs the fuzzer (`fuzz/fuzz_targets/database_reader.rs`) found. Whatever the reader
//! accepts must survive a round trip: written in its own dialect and read again, it equals the
//! first read.

use prep_csv::Database;

fn round_trips(input: &[u8]) -> Option<Database> {
    let db = Database::from_bytes(input).ok()?;
    let mut out = Vec::new();
    db.write(&mut out).expect("write");
    let again = Database::from_bytes(&out).unwrap_or_else(|e| {
        panic!(
            "written copy does not read: {e}\n{:?}",
            String::from_utf8_lossy(&out)
        )
    });
    assert_eq!(db, again, "written: {:?}", String::from_utf8_lossy(&out));
    Some(db)
}

#[test]
fn a_apostrophe_on_fuera_row_or_empty_key() {
    round_trips(b"CLAVE_CASILLA,,,TIPO_CASILLA,,,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\n',,,,,,,,,2")
        .expect("reads");
    round_trips(
        b"CLAVE_CASILLA,TIPO_CASILLA,,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\n',,,,,,1",
    )
    .expect("reads");
}

#[test]
fn b_first_header_name_needing_quotes() {
    round_trips(b"CLAVE_CASILLA\",\"TIPO_CASILLA\",\"NULOS\",\"LISTA_NOMINAL\",\"OBSERVACIONES\",CONTABILIZADA");
}

#[test]
fn c_lone_carriage_returns_end_lines() {
    let db = round_trips(
        b"CLAVE_CASILLA,TIPO_CASILLA,PAN,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\r0001B,B,7,0,20,,1\r",
    )
    .expect("reads");
    assert_eq!(db.rows.len(), 1, "the row after a lone CR is read");
    round_trips(
        b"CLAVE_CASILLA|TIPO_CASILLA|NULOS|LISTA_NOMINAL|OBSERVACIONES|CONTABILIZADA\r\x8a",
    );
}

#[test]
fn d_header_found_by_the_rule_it_is_split_by() {
    round_trips(b"\x0c\"CLAVE_CASILLA,\"TIPO_CASILLA\",\"NULOS\",\"LISTA_NOMINAL\",\"OBSERVACIONES\",CONTABILIZADA");
}

#[test]
fn e_key_cell_ending_in_an_apostrophe() {
    let db = round_trips(b"CLAVE_CASILLA,TIPO_CASILLA,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\n'12',B,0,0,,1")
        .expect("reads");
    assert_eq!(db.rows[0].text(0), "12'");
}

#[test]
fn f_summary_cells_needing_quotes() {
    round_trips(
        b"ACTAS_ESPERADAS,\"A,B\"\n1,2\nCLAVE_CASILLA,TIPO_CASILLA,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\nX,B,0,0,,1\n",
    )
    .expect("reads");
}

#[test]
fn g_a_preamble_line_of_one_no_break_space_keeps_the_file_latin1() {
    // The only byte that is not UTF-8 is a Latin-1 no-break space (0xA0) alone on a line of
    // the preamble (after a lone `\r`); read as a blank line, it was dropped on writing and the
    // copy read as UTF-8, its "catálogo" no longer the first read's.
    let db = round_trips(
        b"GUBERNATURA\n03/06/2024 20:00 (UTC-6)\r\xa0\n\r\nCLAVE_CASILLA,TIPO_CASILLA,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\nX,B,0,0,Fuera de cat\xc3\xa1logo,1\n",
    )
    .expect("reads");
    assert_eq!(db.dialect.encoding, prep_csv::Encoding::Latin1);
}

/// The bytes written back from what was read.
fn written_back(db: &Database) -> Vec<u8> {
    let mut out = Vec::new();
    db.write(&mut out).expect("write");
    out
}

#[test]
fn h_a_quote_inside_an_unquoted_cell_is_a_character_not_the_start_of_a_quoted_cell() {
    // The CSV tokeniser reads `5" x` as five, a quote, a space and an x; rows were cut where a
    // quote anywhere toggled "inside quotes", so the row after it was swallowed into this one.
    let input = b"CLAVE_CASILLA,TIPO_CASILLA,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\r\nX,B,0,0,5\" x,1\r\n\r\nY,B,0,0,,1\r\n";
    let db = round_trips(input).expect("reads");
    assert_eq!(db.rows.len(), 2, "both rows are read");
    assert_eq!(db.rows[0].text(4), "5\" x");
    assert_eq!(db.rows[1].text(0), "Y");
    assert_eq!(written_back(&db), input);
}

#[test]
fn i_a_quoted_cell_left_open_after_a_literal_quote_writes_back_byte_for_byte() {
    // Found by `dialect_detection`: a literal quote in an unquoted cell, then a quoted cell that
    // runs to the end of the file across a blank line.
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fuzz-inputs/dialect-detection-open-quote.bin"
    ))
    .expect("regression input");
    let db = Database::from_bytes(&input);
    if let Ok(db) = db {
        assert_eq!(
            String::from_utf8_lossy(&written_back(&db)),
            String::from_utf8_lossy(&input)
        );
    }
}
