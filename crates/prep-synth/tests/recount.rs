//! Synthetic databases read back with `prep-csv` and recounted with `prep-count` reproduce
//! the summary they were written with.

use prep_count::{
    ActaFacts, CorteStage, Rules, Summary, SummaryField, SummaryValue, Tally, classify,
};
use prep_csv::Database;
use prep_model::{CandidacyScope, CasillaType, Contabilizada, Observation, Observations, Value};
use prep_synth::{ElectionId, Synth, SynthConfig, Written};
use proptest::prelude::*;

fn config(seed: u64, casillas: usize, captured: f64) -> SynthConfig {
    SynthConfig {
        captured,
        stage: if captured >= 1.0 {
            CorteStage::Final
        } else {
            CorteStage::Preliminary
        },
        ..SynthConfig::new(seed, casillas)
    }
}

fn write(synth: &Synth, e: ElectionId) -> (Vec<u8>, Written) {
    let mut out = Vec::new();
    let written = synth
        .write_database(e, &mut out, &mut |_, _| {})
        .expect("write to a Vec");
    (out, written)
}

/// Recounts a database from its rows, as an auditor would.
fn recount(db: &Database, stage: CorteStage) -> Summary {
    let l = &db.layout;
    let mut tally = Tally::new(l.vote_columns.len());
    for row in &db.rows {
        let text = |i: usize| row.cells[i].to_string();
        let facts = ActaFacts {
            status: Contabilizada::parse(&text(l.contabilizada)).expect("CONTABILIZADA"),
            casilla_type: CasillaType::parse(&text(l.tipo_casilla)),
            observations: Observations::parse(&text(l.observaciones)),
            votes: &row.cells[l.votes.clone()],
            lista_nominal: row.cells[l.lista_nominal].number().unwrap_or(0),
        };
        tally.add(&facts, &Rules::anexo13());
    }
    tally.summary(&Rules::anexo13(), stage)
}

/// The summary as printed in the preamble, parsed back.
fn published(db: &Database) -> Vec<Option<SummaryValue>> {
    let s = db.preamble.summary.as_ref().expect("summary lines");
    SummaryField::ALL.iter().map(|f| s.value(*f)).collect()
}

fn check(bytes: &[u8], written: &Written, stage: CorteStage) -> Database {
    let db = Database::from_bytes(bytes).expect("synthetic database reads back");
    assert_eq!(db.rows.len() as u64, written.rows);
    assert_eq!(recount(&db, stage), written.summary, "recount = summary");
    let expected: Vec<Option<SummaryValue>> = SummaryField::ALL
        .iter()
        .map(|f| Some(written.summary.get(*f)))
        .collect();
    assert_eq!(published(&db), expected, "printed summary = summary");
    db
}

#[test]
fn recount_equals_summary_for_every_election() {
    for captured in [1.0, 0.6] {
        let cfg = config(11, 3_000, captured);
        let stage = cfg.stage;
        let synth = Synth::new(cfg).expect("valid config");
        for e in ElectionId::ALL {
            let (bytes, written) = write(&synth, e);
            let db = check(&bytes, &written, stage);
            assert_eq!(db.preamble.title.as_deref(), Some(e.title()));
            assert_eq!(db.preamble.corte.as_deref(), Some(synth.corte()));
            // The file is in a dialect prep-csv reproduces byte for byte.
            let mut again = Vec::new();
            db.write(&mut again).expect("rewrite");
            assert!(again == bytes, "{e}: read then write is byte-identical");
            assert_eq!(written.rows, synth.rows(e));
        }
    }
}

#[test]
fn deterministic_and_seed_dependent() {
    let run = |seed| {
        let synth = Synth::new(config(seed, 1_500, 0.8)).expect("valid config");
        let mut files = Vec::new();
        for e in ElectionId::ALL {
            files.push(write(&synth, e).0);
            let mut cand = Vec::new();
            synth.write_candidaturas(e, &mut cand).expect("write");
            files.push(cand);
        }
        files
    };
    let a = run(5);
    assert!(a == run(5), "same seed, same bytes");
    let b = run(6);
    for (x, y) in a.iter().zip(&b) {
        assert!(x != y, "another seed, other bytes");
    }
}

#[test]
fn every_case_appears_at_moderate_size() {
    let synth = Synth::new(config(2024, 5_000, 0.97)).expect("valid config");
    for e in [ElectionId::Presidencia, ElectionId::DiputacionesFederales] {
        let (bytes, w) = write(&synth, e);
        let c = w.cases;
        for (label, n) in c.labelled() {
            assert!(n > 0, "{e}: no row is {label}");
        }
        assert!(c.especiales > 0 && c.voto_anticipado > 0 && c.prision_preventiva > 0);
        assert_eq!(c.extranjero > 0, e != ElectionId::DiputacionesFederales);
        if e == ElectionId::DiputacionesFederales {
            assert!(c.with_independents > 0 && c.partial_coalition > 0);
        }
        // The file agrees with the counts: legends, statuses and `-` cells.
        let db = Database::from_bytes(&bytes).expect("read back");
        let l = &db.layout;
        let obs = |legend: &str| {
            db.rows
                .iter()
                .filter(|r| r.cells[l.observaciones].to_string() == legend)
                .count() as u64
        };
        for (label, n) in c.labelled() {
            match label {
                "contabilizada" => assert_eq!(obs(" - "), n),
                "no capturada" => assert_eq!(obs("-"), n),
                _ => assert_eq!(obs(label), n, "{label}"),
            }
        }
        let dash_votes = db
            .rows
            .iter()
            .filter(|r| r.cells[l.contabilizada] == Value::Number(1))
            .filter(|r| r.cells[l.votes.clone()].contains(&Value::Dash))
            .count();
        assert_eq!(dash_votes > 0, e == ElectionId::DiputacionesFederales);
        for cell in [Value::Ilegible, Value::SinDato] {
            assert!(
                db.rows
                    .iter()
                    .any(|r| r.cells[l.votes.clone()].contains(&cell)),
                "{e}: some vote cell is {cell}"
            );
        }
    }
}

/// Every captured row's CONTABILIZADA, OBSERVACIONES and TOTAL_VOTOS_CALCULADO are what the
/// rules give from the row alone (for casillas especiales the approved ballots are not in
/// the file, so only their non-excede rows can be checked).
#[test]
fn rows_obey_the_rules_as_an_auditor_sees_them() {
    let rules = Rules::anexo13();
    let synth = Synth::new(config(99, 6_000, 0.9)).expect("valid config");
    for e in ElectionId::ALL {
        let (bytes, _) = write(&synth, e);
        let db = Database::from_bytes(&bytes).expect("read back");
        let l = &db.layout;
        let reps = l.representantes.expect("REPRESENTANTES_PP_CI");
        let calc = l.total_votos_calculado.expect("TOTAL_VOTOS_CALCULADO");
        let mut checked = 0;
        for row in &db.rows {
            let text = |i: usize| row.cells[i].to_string();
            let status = Contabilizada::parse(&text(l.contabilizada)).expect("status");
            if !status.is_captured() {
                continue;
            }
            let t = CasillaType::parse(&text(l.tipo_casilla));
            let obs = Observations::parse(&text(l.observaciones));
            if t.is_especial() && obs.contains(Observation::ExcedeListaNominal) {
                continue;
            }
            let ln = row.cells[l.lista_nominal].number().expect("lista nominal");
            let limit = (!t.is_especial() && rules.has_vote_limit(t))
                .then(|| ln + row.cells[reps].number().unwrap_or(0));
            let c = classify(&row.cells[l.votes.clone()], obs.sin_acta_reason(), limit);
            assert_eq!(c.status, status, "{e} {:?}", row.cells[1]);
            assert_eq!(c.observations.puebla_legend(), obs.puebla_legend());
            assert_eq!(
                row.cells[calc].number(),
                Some(c.total_votos.unwrap_or(0)),
                "{e} {:?}",
                row.cells[1]
            );
            checked += 1;
        }
        assert!(checked > 4_000, "{e}: {checked} rows checked");
    }
}

#[test]
fn shares_are_realistic() {
    let synth = Synth::new(config(7, 20_000, 1.0)).expect("valid config");
    let (_, w) = write(&synth, ElectionId::Presidencia);
    let c = w.cases;
    let captured = c.captured() as f64;
    let share = |n: u64| n as f64 / captured;
    assert_eq!(c.not_captured, 0);
    assert!((0.10..0.14).contains(&share(c.counted_with_illegible_field)));
    assert!((0.04..0.065).contains(&share(c.all_illegible)));
    assert!((0.002..0.008).contains(&share(c.excede_lista_nominal)));
    assert!((0.09..0.14).contains(&share(c.sin_acta())));
    let part = w.summary.porcentaje_participacion_ciudadana.whole();
    assert!((55..=66).contains(&part), "participation {part}%");
}

#[test]
fn candidaturas_read_back() {
    let synth = Synth::new(config(3, 800, 1.0)).expect("valid config");
    for e in ElectionId::ALL {
        let mut out = Vec::new();
        synth.write_candidaturas(e, &mut out).expect("write");
        let map = prep_csv::read_candidaturas(out.as_slice()).expect("read back");
        let (bytes, _) = write(&synth, e);
        let db = Database::from_bytes(&bytes).expect("read back");
        for entry in &map.entries {
            assert!(
                db.layout
                    .vote_columns
                    .iter()
                    .any(|c| c.name == entry.column),
                "{e}: {} is a vote column",
                entry.column
            );
        }
        let scope = match e {
            ElectionId::Presidencia => CandidacyScope::Election,
            ElectionId::Senadurias => CandidacyScope::Entidad,
            ElectionId::DiputacionesFederales => CandidacyScope::Area,
        };
        assert_eq!(
            map.scope, scope,
            "{e}: candidacies per election, entidad or district"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn recount_equals_summary(
        seed in any::<u64>(),
        casillas in 1usize..400,
        captured in prop_oneof![Just(1.0), 0.0f64..1.0],
        e in prop::sample::select(ElectionId::ALL.to_vec()),
    ) {
        let cfg = config(seed, casillas, captured);
        let stage = cfg.stage;
        let synth = Synth::new(cfg).expect("valid config");
        let (bytes, written) = write(&synth, e);
        check(&bytes, &written, stage);
        prop_assert_eq!(written.summary.actas_esperadas, synth.expected_actas(e));
    }
}
