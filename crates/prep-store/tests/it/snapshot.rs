//! Snapshots: their tally equals the Anexo 13 tally of the same actas classified directly,
//! their rows recount to the same summary through the published CSV format, and a refreshed
//! snapshot equals a fresh one.

use crate::common::{COLUMNS, Dice, catalogue, event, random_content, spec};
use prep_count::{ActaFacts, CorteStage, Rules, Tally, classify};
use prep_csv::{Database, Dialect, Layout, Preamble, PublishedSummary, Row};
use prep_model::{CatalogueEntry, Contabilizada, Observation, Observations, Value};
use prep_store::{ActaContent, EventKind, RowLayout, Snapshot, Store};
use std::collections::BTreeMap;

/// What the store should hold: for each catalogue index its final content, and the
/// contents of the actas fuera de catálogo.
struct Expected {
    catalogue: Vec<CatalogueEntry>,
    content: BTreeMap<usize, ActaContent>,
    fuera: Vec<ActaContent>,
}

/// Fills a store with random captures, corrections and verifications of `n` actas (about
/// 80 % captured) and a few actas fuera de catálogo.
fn filled(n: usize, seed: u64) -> (Store, Vec<String>, Expected) {
    let store = Store::open_in_memory().expect("open");
    store.define_election(&spec("GUB")).expect("define");
    let entries = catalogue(n);
    let keys = store.load_catalogue("GUB", &entries).expect("load");
    let mut d = Dice(seed);
    let mut expected = Expected {
        catalogue: entries,
        content: BTreeMap::new(),
        fuera: Vec::new(),
    };
    let mut events = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        if d.chance(0.2) {
            continue;
        }
        let c = random_content(&mut d);
        events.push(by_key(key, EventKind::Capture, c.clone()));
        expected.content.insert(i, c);
        if d.chance(0.1) {
            let c = random_content(&mut d);
            events.push(by_key(key, EventKind::Correction, c.clone()));
            expected.content.insert(i, c);
        }
        if d.chance(0.3) {
            let c = expected.content[&i].clone();
            events.push(by_key(key, EventKind::Verification, c));
        }
    }
    for j in 0..7 {
        let c = random_content(&mut d);
        events.push(event(
            "GUB",
            &format!("2199{j:02}X01002"),
            EventKind::Capture,
            c.clone(),
        ));
        expected.fuera.push(c);
    }
    for r in store.record_batch(&events).expect("batch") {
        assert!(r.expect("recorded").appended);
    }
    (store, keys, expected)
}

/// An event addressed by the store's key (the qualified keys of repeated claves too).
fn by_key(key: &str, kind: EventKind, content: ActaContent) -> prep_store::NewEvent {
    event("GUB", key, kind, content)
}

/// The Anexo 13 tally of the expected actas, classified here without the store.
fn direct_tally(e: &Expected, rules: &Rules) -> Tally {
    let mut t = Tally::new(COLUMNS.len());
    let cells = |c: &ActaContent| -> Vec<Value> {
        COLUMNS
            .iter()
            .map(|n| c.votes.get(*n).cloned().unwrap_or(Value::Dash))
            .collect()
    };
    for (i, entry) in e.catalogue.iter().enumerate() {
        let (status, observations, votes) = match e.content.get(&i) {
            None => (Contabilizada::NoCapturada, Observations::NONE, Vec::new()),
            Some(c) => {
                let votes = cells(c);
                let limit = rules
                    .has_vote_limit(entry.casilla_type)
                    .then(|| entry.vote_limit())
                    .flatten();
                let k = classify(&votes, c.details.sin_acta, limit);
                (k.status, k.observations, votes)
            }
        };
        t.add(
            &ActaFacts {
                status,
                casilla_type: entry.casilla_type,
                observations,
                votes: &votes,
                lista_nominal: entry.lista_nominal,
            },
            rules,
        );
    }
    for c in &e.fuera {
        let votes = cells(c);
        t.add(
            &ActaFacts {
                status: Contabilizada::FueraDeCatalogo,
                casilla_type: prep_model::CasillaType::Other,
                observations: Observations::of(Observation::FueraDeCatalogo),
                votes: &votes,
                lista_nominal: 0,
            },
            rules,
        );
    }
    t
}

#[test]
fn tally_of_a_snapshot_equals_the_actas_classified_directly() {
    for seed in [1, 2] {
        let (store, _, expected) = filled(2_000, seed);
        let snap = store.snapshot("GUB").expect("snapshot");
        assert_eq!(snap.actas.len(), 2_000 + 7);
        let rules = Rules::anexo13();
        let direct = direct_tally(&expected, &rules);
        let tally = snap.tally();
        assert_eq!(tally, direct, "seed {seed}");
        for stage in [CorteStage::Preliminary, CorteStage::Final] {
            assert_eq!(tally.summary(&rules, stage), direct.summary(&rules, stage));
        }
        // Every case occurred.
        let c = tally.counters;
        assert!(c.contabilizadas > 0 && c.no_contabilizadas > 0 && c.inconsistencias > 0);
        assert_eq!(c.fuera_catalogo, 7);
        assert!(c.capturadas < c.esperadas);
    }
}

/// The header of an IEE Puebla 2024 database for the test election.
fn header() -> Vec<String> {
    prep_csv::header_2024(("ID_DISTRITO", "DISTRITO"), &COLUMNS)
}

/// Writes a snapshot as a published database (preamble with its summary, header, rows).
fn write_database(snap: &Snapshot) -> Vec<u8> {
    let header = header();
    let layout = Layout::from_header(&header, 7).expect("layout");
    let rows_layout = RowLayout::new(&header, &snap.election.columns);
    let dialect = Dialect::opl_2024();
    let summary = snap
        .tally()
        .summary(&snap.election.rules, CorteStage::Preliminary);
    let db = Database {
        preamble: Preamble::opl_2024(
            &snap.election.title,
            "02/06/2024 23:00 (UTC-6)",
            PublishedSummary::render(&summary, &dialect),
        ),
        dialect,
        header,
        layout,
        rows: snap.rows(&rows_layout).map(Row::new).collect(),
        head_source: None,
    };
    let mut out = Vec::new();
    db.write(&mut out).expect("write");
    out
}

#[test]
fn rows_of_a_snapshot_recount_to_its_summary() {
    let (store, _, _) = filled(1_500, 9);
    let snap = store.snapshot("GUB").expect("snapshot");
    let bytes = write_database(&snap);
    let db = Database::from_bytes(&bytes).expect("read back");
    assert_eq!(db.rows.len(), snap.actas.len());
    let rules = Rules::anexo13();
    let mut recount = Tally::new(COLUMNS.len());
    for row in &db.rows {
        recount.add(&row.facts(&db.layout).expect("valid CONTABILIZADA"), &rules);
    }
    let summary = snap.tally().summary(&rules, CorteStage::Preliminary);
    assert_eq!(recount.summary(&rules, CorteStage::Preliminary), summary);
    assert_eq!(recount.votes, snap.tally().votes);

    // A row of each kind reads like the published file.
    let text = String::from_utf8(bytes).expect("utf-8");
    let fuera = text
        .lines()
        .find(|l| l.contains("FUERA DE CATALOGO"))
        .expect("a fuera de catálogo row");
    assert!(fuera.starts_with(",,21,PUEBLA,,,,,,,3,"), "{fuera}");
    assert!(fuera.contains(",FUERA DE CATALOGO,2,"), "{fuera}");
    let uncaptured = snap
        .actas
        .iter()
        .position(|a| a.capture.is_none())
        .expect("an uncaptured acta");
    let clave = &snap.actas[uncaptured]
        .entry
        .as_ref()
        .expect("expected")
        .clave_acta;
    let line = text
        .lines()
        .find(|l| l.contains(clave.as_str()))
        .expect("its row");
    assert!(line.ends_with(",-,-,-,-,-,-,-,-,-,-"), "{line}");
}

#[test]
fn a_refreshed_snapshot_equals_a_fresh_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("prep.sqlite")).expect("open");
    store.define_election(&spec("GUB")).expect("define");
    let keys = store.load_catalogue("GUB", &catalogue(500)).expect("load");
    let mut d = Dice(77);
    let mut snap = store.snapshot("GUB").expect("empty snapshot");
    for round in 0..5 {
        let mut changed = std::collections::HashSet::new();
        for _ in 0..40 {
            let i = d.below(keys.len() as u64) as usize;
            let key = &keys[i];
            let captured = store.acta_state("GUB", key).expect("read").is_some();
            let kind = if captured {
                EventKind::Correction
            } else {
                EventKind::Capture
            };
            let r = store
                .record_detailed(&by_key(key, kind, random_content(&mut d)))
                .expect("record");
            if r.appended {
                changed.insert(key.clone());
            }
        }
        let fuera = format!("FC{round}");
        store
            .record(&event(
                "GUB",
                &fuera,
                EventKind::Capture,
                random_content(&mut d),
            ))
            .expect("fuera");
        let view = store.read_view().expect("view");
        let read = view.refresh(&mut snap).expect("refresh");
        assert_eq!(read, changed.len() + 1, "round {round}");
        assert_eq!(snap, view.snapshot("GUB").expect("fresh"), "round {round}");
    }
    // A snapshot of another catalogue is rebuilt whole.
    let view = store.read_view().expect("view");
    let mut other = snap.clone();
    other.election.columns.push("PT".into());
    view.refresh(&mut other).expect("refresh");
    assert_eq!(other, snap);
}

#[test]
fn a_reloaded_catalogue_is_seen_by_the_next_snapshot() {
    let store = Store::open_in_memory().expect("open");
    store.define_election(&spec("GUB")).expect("define");
    store.load_catalogue("GUB", &catalogue(10)).expect("load");
    assert_eq!(store.snapshot("GUB").expect("snapshot").actas.len(), 10);
    // Same size, other entries: the kept copy must not be used.
    let mut other = catalogue(10);
    other[0].lista_nominal = 999;
    store.load_catalogue("GUB", &other).expect("reload");
    let snap = store.snapshot("GUB").expect("snapshot");
    assert_eq!(
        snap.actas[0].entry.as_ref().expect("entry").lista_nominal,
        999
    );
}

#[test]
fn actas_fuera_de_catalogo_of_one_identification_stand_in_occurrence_order() {
    // A replay of IEE Sonora 2021 records its actas identified `-` (occurrences 1, 2, 3 in
    // the file's order) at their times, which are in another order; another acta fuera de
    // catálogo is captured between them.
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("prep.sqlite")).expect("open");
    store.define_election(&spec("GUB")).expect("define");
    store.load_catalogue("GUB", &catalogue(20)).expect("load");
    let fuera = |occurrence: Option<u32>, clave: &str| {
        let mut e = event("GUB", clave, EventKind::Capture, crate::common::votes(3));
        e.acta.occurrence = occurrence;
        e
    };
    let mut snap = store.snapshot("GUB").expect("empty snapshot");
    let order = |s: &Snapshot| -> Vec<String> {
        s.actas
            .iter()
            .filter(|a| a.entry.is_none())
            .map(|a| a.key.clone())
            .collect()
    };
    store.record(&fuera(Some(3), "-")).expect("third");
    store.record(&fuera(None, "999")).expect("other");
    let view = store.read_view().expect("view");
    view.refresh(&mut snap).expect("refresh");
    drop(view);
    store.record(&fuera(None, "-")).expect("first");
    store.record(&fuera(Some(2), "-")).expect("second");
    let view = store.read_view().expect("view");
    view.refresh(&mut snap).expect("refresh");
    let fresh = view.snapshot("GUB").expect("fresh");
    assert_eq!(order(&fresh), ["FC:-", "FC:-#2", "FC:-#3", "FC:999"]);
    assert_eq!(
        order(&snap),
        order(&fresh),
        "a refreshed snapshot orders them alike"
    );
    assert_eq!(snap, fresh);
}
