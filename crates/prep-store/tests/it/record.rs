//! Recording events: idempotency, conflicts, corrections, verification, fuera de catálogo,
//! refusals, durability across reopen, and the isolation of read views.

use crate::common::{catalogue, content, event, sin_acta, spec, votes};
use prep_model::{Contabilizada, Observation, SinActaReason, Value};
use prep_store::{ActaIdent, CaptureStatus, EventId, EventKind, Origin, Store, StoreError};

fn store_with(n: usize) -> (Store, Vec<String>) {
    let store = Store::open_in_memory().expect("open");
    store.define_election(&spec("GUB")).expect("define");
    let keys = store.load_catalogue("GUB", &catalogue(n)).expect("load");
    (store, keys)
}

#[test]
fn capture_is_idempotent_and_a_different_capture_conflicts() {
    let (store, keys) = store_with(50);
    let ev = event("GUB", &keys[0], EventKind::Capture, votes(40));
    let first = store.record_detailed(&ev).expect("capture");
    assert!(first.appended);
    assert_eq!(first.ack.event, EventId(1));
    assert_eq!(first.ack.acta, keys[0]);
    assert!(!first.ack.fuera_de_catalogo);

    // The same submission later, from another origin and clock: same answer, nothing new.
    let mut again = ev.clone();
    again.at_ms += 60_000;
    again.origin = Origin::PrepCasilla("tablet-3".into());
    let second = store.record_detailed(&again).expect("repeat");
    assert_eq!(second.ack, first.ack);
    assert!(!second.appended);
    assert_eq!(store.last_event().expect("last"), EventId(1));

    let other = event("GUB", &keys[0], EventKind::Capture, votes(41));
    match store.record(&other) {
        Err(StoreError::Conflict { acta, existing, .. }) => {
            assert_eq!(acta, keys[0]);
            assert_eq!(existing, EventId(1));
        }
        r => panic!("expected a conflict, got {r:?}"),
    }
    assert_eq!(store.last_event().expect("last"), EventId(1));
}

#[test]
fn corrections_and_verifications_change_the_state_and_keep_the_trail() {
    let (store, keys) = store_with(50);
    let k = &keys[2];
    store
        .record(&event("GUB", k, EventKind::Capture, votes(40)))
        .expect("capture");
    let corrected = store
        .record(&event("GUB", k, EventKind::Correction, votes(30)))
        .expect("correction");
    let st = store.acta_state("GUB", k).expect("read").expect("captured");
    assert_eq!(st.status, CaptureStatus::Captured);
    assert_eq!(st.content, votes(30));
    assert_eq!(st.last_event, corrected.event);
    assert_eq!(st.capture_event, EventId(1));

    // Repeating the correction is the same answer; the first capture still is too.
    assert_eq!(
        store
            .record(&event("GUB", k, EventKind::Correction, votes(30)))
            .expect("repeat"),
        corrected
    );
    assert_eq!(
        store
            .record(&event("GUB", k, EventKind::Capture, votes(40)))
            .expect("late repeat of the capture")
            .event,
        EventId(1)
    );

    store
        .record(&event("GUB", k, EventKind::Verification, votes(30)))
        .expect("verification");
    let st = store.acta_state("GUB", k).expect("read").expect("captured");
    assert_eq!(st.status, CaptureStatus::Verified);
    // TOTAL_VOTOS_CALCULADO = 30 + 15 + 33 + 1 + 0 + 2.
    assert_eq!(st.classification.total_votos, Some(81));
    assert_eq!(st.classification.status, Contabilizada::Si);

    let history = store.acta_history("GUB", k).expect("history");
    let kinds: Vec<EventKind> = history.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Capture,
            EventKind::Correction,
            EventKind::Verification
        ]
    );
    assert_eq!(store.events_since(EventId(1), 10).expect("since").len(), 2);
    assert!(store.check_derived_state().expect("check").is_consistent());
}

#[test]
fn verification_or_correction_of_an_uncaptured_acta_is_refused() {
    let (store, keys) = store_with(10);
    for kind in [EventKind::Verification, EventKind::Correction] {
        let r = store.record(&event("GUB", &keys[1], kind, votes(5)));
        assert!(matches!(r, Err(StoreError::NotCaptured { .. })), "{r:?}");
    }
    assert_eq!(store.last_event().expect("last"), EventId(0));
}

#[test]
fn an_acta_matching_no_entry_is_fuera_de_catalogo() {
    let (store, _) = store_with(10);
    let ack = store
        .record(&event("GUB", "219999B01002", EventKind::Capture, votes(5)))
        .expect("fuera");
    assert!(ack.fuera_de_catalogo);
    assert_eq!(ack.acta, "FC:219999B01002");

    // No identification at all: the image identifies it; without an image, refused.
    let mut blank = event("GUB", "", EventKind::Capture, votes(6));
    blank.content.details.codigo_integridad = Some("ab12".into());
    let ack = store.record(&blank).expect("by image");
    assert_eq!(ack.acta, "FC:IMG:ab12");
    blank.content.details.codigo_integridad = None;
    assert!(matches!(
        store.record(&blank),
        Err(StoreError::Unidentified)
    ));

    let snap = store.snapshot("GUB").expect("snapshot");
    assert_eq!(snap.actas.len(), 12);
    let fuera: Vec<&str> = snap.actas[10..].iter().map(|a| a.key.as_str()).collect();
    assert_eq!(fuera, ["FC:219999B01002", "FC:IMG:ab12"]);
    let c = snap.actas[10].capture.as_ref().expect("captured");
    assert_eq!(c.classification.status, Contabilizada::FueraDeCatalogo);
    assert!(
        c.classification
            .observations
            .contains(Observation::FueraDeCatalogo)
    );
    let t = snap.tally();
    assert_eq!(t.counters.fuera_catalogo, 2);
    assert_eq!(t.counters.esperadas, 10);
    assert_eq!(t.counters.capturadas, 0);
}

#[test]
fn repeated_claves_need_the_area_or_the_occurrence() {
    // Entries 28, 57, 86, … are voto anticipado actas sharing CLAVE_ACTA 210000A01002.
    let (store, keys) = store_with(240);
    assert_eq!(keys[28], "210000A01002@001#1");
    assert_eq!(keys[57], "210000A01002@002");
    assert_eq!(keys[231], "210000A01002@001#2");
    let mut ev = event("GUB", "210000A01002", EventKind::Capture, votes(5));
    assert!(matches!(
        store.record(&ev),
        Err(StoreError::Ambiguous { .. })
    ));
    ev.acta = ActaIdent::clave("210000A01002").in_area("002");
    assert_eq!(store.record(&ev).expect("by area").acta, keys[57]);
    ev.acta = ActaIdent::clave("210000A01002").in_area("001");
    ev.acta.occurrence = Some(2);
    assert_eq!(store.record(&ev).expect("by occurrence").acta, keys[231]);
    // The keys the catalogue load returned identify their actas.
    let mut ev = event("GUB", &keys[57], EventKind::Capture, votes(5));
    assert_eq!(store.record(&ev).expect("repeat by key").acta, keys[57]);
    ev.acta = ActaIdent::from_key(&keys[28]);
    assert_eq!(store.record(&ev).expect("by key").acta, keys[28]);
    // An area the clave is not in: fuera de catálogo.
    ev.acta = ActaIdent::clave("210000A01002").in_area("999");
    assert!(store.record(&ev).expect("fuera").fuera_de_catalogo);
}

#[test]
fn classification_uses_the_catalogue_limit_and_the_rules() {
    let (store, keys) = store_with(60);
    // Entry 0: básica, lista nominal 200, 10 representatives → limit 210.
    let big = crate::common::content(&[Some(Value::Number(211)), None, None, None, None, None]);
    store
        .record(&event("GUB", &keys[0], EventKind::Capture, big.clone()))
        .expect("capture");
    let st = store
        .acta_state("GUB", &keys[0])
        .expect("read")
        .expect("captured");
    assert_eq!(st.classification.status, Contabilizada::No);
    assert!(
        st.classification
            .observations
            .contains(Observation::ExcedeListaNominal)
    );

    // Entry 28 is voto anticipado: the rules exempt it from the limit.
    let mut ev = event("GUB", "210000A01002", EventKind::Capture, big);
    ev.acta = ev.acta.in_area("001");
    let st_key = store.record(&ev).expect("capture").acta;
    assert_eq!(st_key, keys[28]);
    let st = store
        .acta_state("GUB", &st_key)
        .expect("read")
        .expect("captured");
    assert_eq!(st.classification.status, Contabilizada::Si);

    store
        .record(&event(
            "GUB",
            &keys[1],
            EventKind::Capture,
            sin_acta(SinActaReason::PaqueteNoEntregado),
        ))
        .expect("sin acta");
    let st = store
        .acta_state("GUB", &keys[1])
        .expect("read")
        .expect("captured");
    assert_eq!(
        st.classification.observations.sin_acta_reason(),
        Some(SinActaReason::PaqueteNoEntregado)
    );
    assert_eq!(st.classification.total_votos, None);

    let illegible = crate::common::content(&[
        Some(Value::Ilegible),
        Some(Value::SinDato),
        None,
        None,
        None,
        None,
    ]);
    store
        .record(&event("GUB", &keys[2], EventKind::Capture, illegible))
        .expect("illegible");
    let st = store
        .acta_state("GUB", &keys[2])
        .expect("read")
        .expect("captured");
    assert_eq!(st.classification.status, Contabilizada::No);
}

#[test]
fn refusals_name_the_problem() {
    let (store, keys) = store_with(5);
    let mut ev = event("GUB", &keys[0], EventKind::Capture, votes(5));
    ev.content
        .votes
        .insert("PARTIDO_X".into(), Value::Number(1));
    let e = store.record(&ev).expect_err("unknown column");
    assert!(e.is_refusal());
    assert_eq!(
        e.to_string(),
        "election 'GUB' has no vote column 'PARTIDO_X'"
    );
    let e = store
        .record(&event("DIP", &keys[0], EventKind::Capture, votes(5)))
        .expect_err("unknown election");
    assert_eq!(e.to_string(), "no election 'DIP' is defined");

    store
        .record(&event("GUB", &keys[0], EventKind::Capture, votes(5)))
        .expect("capture");
    assert!(matches!(
        store.load_catalogue("GUB", &catalogue(6)),
        Err(StoreError::ElectionHasEvents(_))
    ));
    let mut changed = spec("GUB");
    changed.columns.push("PT".into());
    assert!(matches!(
        store.define_election(&changed),
        Err(StoreError::ElectionHasEvents(_))
    ));
    store
        .define_election(&spec("GUB"))
        .expect("same spec again is fine");

    let mut bad = spec("X");
    bad.columns.push("PAN".into());
    let e = store.define_election(&bad).expect_err("duplicate column");
    assert_eq!(
        e.to_string(),
        "election 'X': the vote column 'PAN' appears twice"
    );
}

#[test]
fn the_store_survives_reopening_and_its_event_log_is_append_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("prep.sqlite");
    let keys = {
        let store = Store::open(&path).expect("open");
        store.define_election(&spec("GUB")).expect("define");
        let keys = store.load_catalogue("GUB", &catalogue(20)).expect("load");
        for k in &keys[..5] {
            store
                .record(&event("GUB", k, EventKind::Capture, votes(9)))
                .expect("capture");
        }
        keys
    };
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.last_event().expect("last"), EventId(5));
    assert_eq!(store.acta_states("GUB").expect("states").len(), 5);
    assert_eq!(store.catalogue("GUB").expect("catalogue").len(), 20);
    assert_eq!(store.elections().expect("elections"), ["GUB"]);
    assert!(store.acta_state("GUB", &keys[4]).expect("read").is_some());

    let raw = rusqlite::Connection::open(&path).expect("raw");
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    let versions: i64 = raw
        .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
        .expect("versions");
    assert_eq!(versions as usize, prep_store::MIGRATIONS.len());
    for sql in [
        "UPDATE event SET at_ms = 0 WHERE id = 1",
        "DELETE FROM event WHERE id = 1",
    ] {
        let e = raw.execute(sql, []).expect_err("append-only");
        assert!(e.to_string().contains("append-only"), "{e}");
    }
}

#[test]
fn a_read_view_does_not_see_what_is_recorded_after_it_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("prep.sqlite")).expect("open");
    store.define_election(&spec("GUB")).expect("define");
    let keys = store.load_catalogue("GUB", &catalogue(20)).expect("load");
    store
        .record(&event("GUB", &keys[0], EventKind::Capture, votes(9)))
        .expect("capture");

    let view = store.read_view().expect("view");
    // Recorded while the corte is being built: belongs to the next one.
    store
        .record(&event("GUB", &keys[1], EventKind::Capture, votes(9)))
        .expect("capture during the corte");
    store
        .record(&event("GUB", &keys[0], EventKind::Correction, votes(3)))
        .expect("correction during the corte");
    let snap = view.snapshot("GUB").expect("snapshot");
    assert_eq!(snap.through_event, EventId(1));
    assert_eq!(snap.tally().counters.capturadas, 1);
    let first = snap.actas[0].capture.as_ref().expect("captured");
    assert_eq!(first.last_event, EventId(1));
    drop(view);

    let next = store.snapshot("GUB").expect("next corte");
    assert_eq!(next.through_event, EventId(3));
    assert_eq!(next.tally().counters.capturadas, 2);
}

#[test]
fn content_is_stored_as_readable_json_with_its_hash() {
    let (store, keys) = store_with(3);
    let mut c = content(&[
        Some(Value::Text("12".into())),
        Some(Value::Ilegible),
        None,
        None,
        None,
        None,
    ]);
    c.details.fecha_hora_captura = Some("02/06/2024 22:10:05".into());
    let ack = store
        .record(&event("GUB", &keys[0], EventKind::Capture, c.clone()))
        .expect("capture");
    let ev = &store.events_since(EventId(0), 1).expect("events")[0];
    // Stored normalised: the text "12" is the number 12, as the published cell would be.
    assert_eq!(ev.content.votes["PAN"], Value::Number(12));
    assert_eq!(ev.content, c.normalised());
    assert_eq!(ev.content_sha256, ack.content_sha256);
    assert_eq!(
        ev.content_sha256,
        prep_store::sha256_hex(ev.content.to_json().expect("json").as_bytes())
    );
    assert_eq!(ev.origin, Origin::Catd("07".into()));
}

#[test]
fn only_the_capturing_centre_amends_on_its_own_authority() {
    use prep_store::Authority;
    let (store, keys) = store_with(3);
    let own = |c: &str| Authority::OwnCaptures(c.into());
    let mut capture = event("GUB", &keys[0], EventKind::Capture, votes(40));
    capture.origin = Origin::Catd("07".into());
    store
        .record_detailed_as(&capture, &own("07"))
        .expect("capture");
    let mut bulk = event("GUB", &keys[1], EventKind::Capture, votes(50));
    bulk.origin = Origin::BulkLoad("07/night.csv".into());
    store.record(&bulk).expect("bulk capture");

    for (key, kind) in [
        (&keys[0], EventKind::Correction),
        (&keys[0], EventKind::Verification),
        (&keys[1], EventKind::Correction),
    ] {
        let mut amend = event("GUB", key, kind, votes(41));
        amend.origin = Origin::Catd("08".into());
        let last = store.last_event().expect("last");
        let before = store.acta_state("GUB", key).expect("state");
        match store.record_detailed_as(&amend, &own("08")) {
            Err(e @ StoreError::NotCapturingCentre { .. }) => {
                assert!(e.is_refusal());
                let text = e.to_string();
                assert!(
                    text.contains("'08'") && text.contains(key.as_str()),
                    "{text}"
                );
            }
            other => panic!("{kind:?} of {key} by another centre: {other:?}"),
        }
        // A batch refuses it the same way, and records the others.
        let ok = event("GUB", &keys[2], EventKind::Capture, votes(1));
        let results = store
            .record_batch_as(&[(amend.clone(), own("08")), (ok, own("08"))])
            .expect("batch");
        assert!(matches!(
            results[0],
            Err(StoreError::NotCapturingCentre { .. })
        ));
        assert!(results[1].is_ok());
        assert!(store.last_event().expect("last").0 <= last.0 + 1);
        assert_eq!(store.acta_state("GUB", key).expect("state"), before);
        // The capturing centre (also of a bulk load), and any authority over every acta, may.
        let by = if kind == EventKind::Verification {
            Authority::Any
        } else {
            own("07")
        };
        assert!(
            store
                .record_detailed_as(&amend, &by)
                .expect("amend")
                .appended
        );
    }
}
