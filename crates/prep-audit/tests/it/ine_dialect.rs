//! An INE 2018/2021-style database: pipe-delimited, Latin-1, CRLF, INE header names, coalition
//! columns without the `C_` prefix, a comma inside a cell, a corte before the last. The summary below
//! was computed by hand from the six rows.

use prep_audit::{RecountOptions, StageSource, recount};
use prep_count::CorteStage;
use prep_csv::{Database, Encoding, LineEnding};

fn ine_file() -> Vec<u8> {
    let lines = [
        "DIPUTACIONES FEDERALES",
        "06/06/2021 18:00 (UTC-5)",
        "ACTAS_ESPERADAS|ACTAS_REGISTRADAS|ACTAS_FUERA_DE_CATALOGO|ACTAS_CAPTURADAS|PORCENTAJE_ACTAS_CAPTURADAS|ACTAS_CONTABILIZADAS|PORCENTAJE_ACTAS_CONTABILIZADAS|PORCENTAJE_ACTAS_CON_INCONSISTENCIAS|ACTAS_NO_CONTABILIZADAS|LISTA_NOMINAL_ACTAS_CONTABILIZADAS|TOTAL_VOTOS_C_CS|TOTAL_VOTOS_S_CS|PORCENTAJE_PARTICIPACION_CIUDADANA",
        // esperadas 5 (rows 1-5), registradas 4 + 1 fuera, capturadas 4 (80 %), contabilizadas 3
        // (60 %), 1 inconsistency (row 3, 20 %), lista nominal 500 + 0 + 400, votes 158 + 31 + 83
        // = 272 with the especial, 241 without; participation before the last corte 241/900.
        "5|5|1|4|80.0000|3|60.0000|20.0000|1|900|272|241|26.7777",
        "CLAVE_CASILLA|CLAVE_ACTA|ID_ESTADO|ESTADO|ID_DISTRITO_FEDERAL|DISTRITO_FEDERAL|SECCION|ID_CASILLA|TIPO_CASILLA|EXT_CONTIGUA|PAN|PRI|PAN_PRI|NO_REGISTRADOS|NULOS|TOTAL_VOTOS_ASENTADO|TOTAL_VOTOS_CALCULADO|LISTA_NOMINAL|REPRESENTANTES_PP_CI|OBSERVACIONES|CONTABILIZADA",
        "150001B0100|150001B01006|15|MÉXICO|1|JILOTEPEC|1|1|B|0|100|50|5|0|3|158|158|500|4||1",
        "150002S0100|150002S01006|15|MÉXICO|1|JILOTEPEC|2|1|S|0|20|10|0|0|1|31|31|0|2||1",
        "150003C0100|150003C01006|15|MÉXICO|2|IXTLAHUACA, CENTRO|3|1|C|0|80|ILEGIBLE|2|0|1|83|83|400|4|Ilegible|1",
        "150004C0100|150004C01006|15|MÉXICO|2|IXTLAHUACA, CENTRO|4|1|C|0|SIN ACTA|SIN ACTA|SIN ACTA|SIN ACTA|SIN ACTA|SIN ACTA|SIN ACTA|300|4|Sin Acta (Paquete no Entregado)|0",
        "150005B0100|150005B01006|15|MÉXICO|2|IXTLAHUACA, CENTRO|5|1|B|0|-|-|-|-|-|-|-|450|4|-|-",
        "-|-|15|MÉXICO|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|Fuera de catálogo|2",
    ];
    let text = lines.join("\r\n") + "\r\n";
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1"))
        .collect()
}

#[test]
fn ine_dialect_is_read_recounted_and_checked() {
    let bytes = ine_file();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture is Latin-1, not UTF-8"
    );
    let r = recount(&bytes, &RecountOptions::default()).expect("recount");
    assert!(r.malformed.is_empty(), "{:?}", r.malformed);
    assert_eq!(r.differences, vec![], "every field agrees");
    assert_eq!(
        (r.stage, r.stage_source),
        (CorteStage::Preliminary, StageSource::InferredFromPublished)
    );
    assert_eq!(
        r.printed.values.join("|"),
        "5|5|1|4|80.0000|3|60.0000|20.0000|1|900|272|241|26.7777"
    );
    assert_eq!(r.row_findings, vec![]);
    let pan_pri = r
        .columns_totals
        .iter()
        .find(|c| c.column == "PAN_PRI")
        .expect("coalition column");
    assert_eq!(pan_pri.votes, 7);
}

#[test]
fn ine_dialect_round_trips_byte_for_byte() {
    let bytes = ine_file();
    let db = Database::from_bytes(&bytes).expect("read");
    assert_eq!(db.dialect.delimiter, b'|');
    assert_eq!(db.dialect.encoding, Encoding::Latin1);
    assert_eq!(db.dialect.line_ending, LineEnding::CrLf);
    assert!(!db.dialect.bom && !db.dialect.apostrophe_keys);
    assert_eq!(db.rows[0].text(3), "MÉXICO");
    assert_eq!(db.rows[2].text(5), "IXTLAHUACA, CENTRO");
    let mut out = Vec::new();
    db.write(&mut out).expect("write");
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(out, bytes);
}

#[test]
fn stage_can_be_forced() {
    let bytes = ine_file();
    let options = RecountOptions {
        stage: prep_audit::StageChoice::Final,
        ..RecountOptions::default()
    };
    let r = recount(&bytes, &options).expect("recount");
    // 272 / 900 = 30.2222…: the printed 26.7777 is then a difference.
    assert_eq!(r.differences.len(), 1);
    assert_eq!(r.differences[0].recomputed, "30.2222");
    assert_eq!(r.differences[0].name, "PORCENTAJE_PARTICIPACION_CIUDADANA");
}
