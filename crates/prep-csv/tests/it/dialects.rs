//! Dialect details beyond the Puebla files: quoted cells, no BOM, no final newline, `%`.

use prep_csv::Database;

const FILE: &str = "PRESIDENCIA\n03/06/2024 20:00 (UTC-6)\nACTAS_ESPERADAS,ACTAS_REGISTRADAS,ACTAS_FUERA_CATALOGO,ACTAS_CAPTURADAS,PORCENTAJE_ACTAS_CAPTURADAS,ACTAS_CONTABILIZADAS,PORCENTAJE_ACTAS_CONTABILIZADAS,PORCENTAJE_ACTAS_INCONSISTENCIAS,ACTAS_NO_CONTABILIZADAS,LISTA_NOMINAL_ACTAS_CONTABILIZADAS,TOTAL_VOTOS_C_CS,TOTAL_VOTOS_S_CS,PORCENTAJE_PARTICIPACION_CIUDADANA\n1,1,0,1,100.0000%,1,100.0000%,0.0000%,0,500,10,10,2.0000%\nCLAVE_CASILLA,CLAVE_ACTA,ID_ENTIDAD,ENTIDAD,ID_DISTRITO_FEDERAL,DISTRITO_FEDERAL,SECCION,ID_CASILLA,TIPO_CASILLA,EXT_CONTIGUA,PAN,NULOS,TOTAL_VOTOS_CALCULADO,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\n'210001B0100,'210001B01002,'21,PUEBLA,'001,\"SAN PEDRO, CHOLULA\",'0001,'01,B,'00,9,1,10,500, - ,1";

#[test]
fn quoted_cell_percent_signs_and_no_final_newline_round_trip() {
    let db = Database::from_bytes(FILE.as_bytes()).expect("read");
    assert!(!db.dialect.bom && !db.dialect.final_newline && db.dialect.percent_sign);
    assert!(!db.dialect.vote_totals_decimal && db.dialect.apostrophe_keys);
    assert_eq!(db.rows[0].text(5), "SAN PEDRO, CHOLULA");
    assert_eq!(db.rows[0].text(6), "0001");
    let mut out = Vec::new();
    db.write(&mut out).expect("write");
    assert_eq!(String::from_utf8(out).expect("utf-8"), FILE);
}

#[test]
fn errors_name_the_line() {
    let broken = FILE.replace(" - ,1", " - ,7");
    let err = Database::from_bytes(broken.as_bytes()).expect_err("bad status");
    assert_eq!(
        err.to_string(),
        "line 6: CONTABILIZADA is \"7\"; expected 0, 1, 2 or -"
    );
    let short = FILE.replace(",9,1,10,", ",9,10,");
    let err = Database::from_bytes(short.as_bytes()).expect_err("short row");
    assert_eq!(
        err.to_string(),
        "line 6: expected 16 cells as in the header, found 15"
    );
    let err = Database::from_bytes(b"just text\n").expect_err("no header");
    assert!(err.to_string().contains("no table header found"));
}

#[test]
fn trailing_delimiters_and_spaces_are_tolerated() {
    let with_trailing = FILE
        .replacen(",2.0000%\n", ",2.0000%,\n", 1)
        .replace(" - ,1", " - , 1 ");
    let db = Database::from_bytes(with_trailing.as_bytes()).expect("read");
    let summary = db.preamble.summary.as_ref().expect("summary");
    assert_eq!((summary.names.len(), summary.values.len()), (13, 14));
    let mut out = Vec::new();
    db.write(&mut out).expect("write");
    assert_eq!(String::from_utf8(out).expect("utf-8"), with_trailing);
}
