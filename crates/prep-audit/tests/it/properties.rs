//! Invariants of the counting rules over random databases.

use prep_audit::{RecountOptions, aggregate, recount};
use prep_count::{ActaFacts, CorteStage, Rules, Tally};
use prep_csv::{Database, Dialect, Preamble, PublishedSummary};
use prep_model::{CasillaType, Contabilizada, LevelKind, Observations, Value};
use proptest::prelude::*;

const HEADER: &str = "CLAVE_CASILLA,CLAVE_ACTA,ID_ENTIDAD,ENTIDAD,ID_DISTRITO,DISTRITO,SECCION,ID_CASILLA,TIPO_CASILLA,EXT_CONTIGUA,PAN,PRI,C_PAN_PRI,NULOS,TOTAL_VOTOS_CALCULADO,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA";

#[derive(Debug, Clone)]
struct ArbActa {
    entidad: u8,
    distrito: u8,
    seccion: u16,
    casilla: u8,
    tipo: &'static str,
    status: &'static str,
    votes: Vec<String>,
    lista_nominal: u32,
    observation: &'static str,
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u32..400).prop_map(|n| n.to_string()),
        1 => Just("ILEGIBLE".to_owned()),
        1 => Just("SIN DATO".to_owned()),
        1 => Just("-".to_owned()),
    ]
}

fn acta() -> impl Strategy<Value = ArbActa> {
    (
        (1u8..3, 1u8..4, 1u16..6, 1u8..4),
        prop::sample::select(vec!["B", "C", "E", "S", "A"]),
        prop::sample::select(vec!["0", "1", "1", "1", "2", "-"]),
        prop::collection::vec(cell(), 4),
        0u32..800,
        prop::sample::select(vec![
            " - ",
            "ALGUN CAMPO ILEGIBLE O SIN DATO",
            "EXCEDE LISTA NOMINAL",
            "SIN ACTA POR PAQUETE NO ENTREGADO",
        ]),
    )
        .prop_map(
            |(
                (entidad, distrito, seccion, casilla),
                tipo,
                status,
                votes,
                lista_nominal,
                observation,
            )| ArbActa {
                entidad,
                distrito,
                seccion,
                casilla,
                tipo,
                status,
                votes,
                lista_nominal,
                observation,
            },
        )
}

fn row_text(a: &ArbActa) -> String {
    let clave = format!(
        "{:02}{:04}{}{:02}00",
        a.entidad, a.seccion, a.tipo, a.casilla
    );
    let total: u64 = a.votes.iter().filter_map(|v| v.parse::<u64>().ok()).sum();
    format!(
        "{clave},{clave}2,{:02},E{},{:03},D{},{:04},{:02},{},00,{},{total},{},{},{}",
        a.entidad,
        a.entidad,
        a.distrito,
        a.distrito,
        a.seccion,
        a.casilla,
        a.tipo,
        a.votes.join(","),
        a.lista_nominal,
        a.observation,
        a.status
    )
}

/// A database whose printed summary is the tally of its rows.
fn database(actas: &[ArbActa]) -> Vec<u8> {
    let table = format!(
        "{HEADER}\n{}\n",
        actas.iter().map(row_text).collect::<Vec<_>>().join("\n")
    );
    let placeholder = PublishedSummary::render(&Default::default(), &Dialect::opl_2024());
    let preamble = Preamble::opl_2024("GUBERNATURA", "03/06/2024 20:00 (UTC-6)", placeholder);
    let mut head = Vec::new();
    prep_csv::write_preamble(&mut head, &preamble, &Dialect::opl_2024()).expect("write");
    head.extend_from_slice(table.as_bytes());
    let db = Database::from_bytes(&head).expect("generated database reads");
    let total = aggregate(&db, LevelKind::Total, &Rules::anexo13())
        .expect("total")
        .remove("")
        .unwrap_or_default();
    let mut db = db;
    db.preamble.summary = Some(PublishedSummary::render(
        &total.summary(&Rules::anexo13(), CorteStage::Final),
        &db.dialect,
    ));
    let mut out = Vec::new();
    db.write(&mut out).expect("write");
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every level of aggregation sums to the whole.
    #[test]
    fn levels_sum_to_the_total(actas in prop::collection::vec(acta(), 1..60)) {
        let db = Database::from_bytes(&database(&actas)).expect("read");
        let rules = Rules::anexo13();
        let total = aggregate(&db, LevelKind::Total, &rules).expect("total").remove("").expect("one area");
        for level in [LevelKind::Entidad, LevelKind::DistritoLocal, LevelKind::Seccion, LevelKind::Casilla] {
            let areas = aggregate(&db, level, &rules).expect("level present");
            let mut sum = Tally::new(total.votes.len());
            for t in areas.values() {
                sum.merge(t);
            }
            prop_assert_eq!(&sum, &total, "level {:?}", level);
        }
    }

    /// The streaming recount of a file equals the summary computed in memory and printed in it.
    #[test]
    fn recount_agrees_with_the_in_memory_tally(actas in prop::collection::vec(acta(), 1..60)) {
        let bytes = database(&actas);
        let r = recount(&bytes, &RecountOptions::default()).expect("recount");
        prop_assert!(r.malformed.is_empty());
        prop_assert!(r.differences.is_empty(), "{:?}", r.differences);
        prop_assert_eq!(r.rows as usize, actas.len());
    }

    /// Adding an acta never lowers any counter, and capturadas never exceed esperadas.
    #[test]
    fn adding_an_acta_never_lowers_capturadas(actas in prop::collection::vec(acta(), 1..80)) {
        let rules = Rules::anexo13();
        let mut tally = Tally::new(4);
        for a in &actas {
            let before = tally.counters;
            let votes: Vec<Value> = a.votes.iter().map(|v| Value::parse(v)).collect();
            let facts = ActaFacts {
                status: Contabilizada::parse(a.status).expect("status"),
                casilla_type: CasillaType::parse(a.tipo),
                observations: Observations::parse(a.observation),
                votes: &votes,
                lista_nominal: u64::from(a.lista_nominal),
            };
            tally.add(&facts, &rules);
            let after = tally.counters;
            prop_assert!(after.capturadas >= before.capturadas);
            prop_assert!(after.esperadas >= before.esperadas);
            prop_assert!(after.contabilizadas >= before.contabilizadas);
            prop_assert!(after.votos_c_cs >= before.votos_c_cs);
            prop_assert!(after.capturadas <= after.esperadas);
            prop_assert!(after.votos_s_cs <= after.votos_c_cs);
            let s = tally.summary(&rules, CorteStage::Final);
            prop_assert!(s.porcentaje_actas_capturadas.0 <= 1_000_000);
        }
    }
}
