//! Property: whatever sequence of captures, verifications and corrections arrives, every
//! answer is the one the rules give, and the stored state of every acta equals the fold of
//! the stored events — and the state a plain model of the rules expects.

use crate::common::{COLUMNS, catalogue, event, spec};
use prep_count::classify;
use prep_model::{SinActaReason, Value};
use prep_store::{
    ActaContent, ActaState, CaptureStatus, EventId, EventKind, Store, StoreError, next,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// A few contents, so that repeats and conflicts happen often.
fn pool() -> Vec<ActaContent> {
    vec![
        crate::common::votes(40),
        crate::common::votes(41),
        crate::common::content(&[
            Some(Value::Ilegible),
            Some(Value::Number(3)),
            None,
            None,
            None,
            Some(Value::Number(1)),
        ]),
        crate::common::content(&[Some(Value::Number(5000)), None, None, None, None, None]),
        crate::common::sin_acta(SinActaReason::CasillaNoInstalada),
    ]
}

/// Acta 0–3 of the catalogue (básica, contigua, …), 4–5 fuera de catálogo.
const ACTAS: usize = 6;

fn op() -> impl Strategy<Value = (usize, EventKind, usize)> {
    (
        0..ACTAS,
        prop_oneof![
            3 => Just(EventKind::Capture),
            1 => Just(EventKind::Verification),
            2 => Just(EventKind::Correction),
        ],
        0..5usize,
    )
}

/// What the model remembers of an acta.
#[derive(Debug, Clone)]
struct Model {
    capture: (EventId, usize),
    last: (EventId, EventKind, usize),
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn derived_state_is_the_fold_of_the_events(ops in prop::collection::vec(op(), 1..40)) {
        let store = Store::open_in_memory().expect("open");
        let spec = spec("GUB");
        store.define_election(&spec).expect("define");
        let entries = catalogue(4);
        let keys = store.load_catalogue("GUB", &entries).expect("load");
        let claves: Vec<String> = keys
            .iter()
            .cloned()
            .chain(["219998B01002".to_owned(), "219999B01002".to_owned()])
            .collect();
        let contents = pool();
        let mut model: BTreeMap<usize, Model> = BTreeMap::new();
        let mut next_id = 1u64;

        for (acta, kind, c) in ops {
            let r = store.record(&event("GUB", &claves[acta], kind, contents[c].clone()));
            let m = model.get(&acta).cloned();
            match (kind, m) {
                (EventKind::Capture, None) => {
                    let ack = r.expect("first capture");
                    prop_assert_eq!(ack.event, EventId(next_id));
                    prop_assert_eq!(ack.fuera_de_catalogo, acta >= 4);
                    model.insert(acta, Model {
                        capture: (ack.event, c),
                        last: (ack.event, kind, c),
                    });
                    next_id += 1;
                }
                (EventKind::Capture, Some(m)) if m.capture.1 == c => {
                    prop_assert_eq!(r.expect("repeat").event, m.capture.0);
                }
                (EventKind::Capture, Some(m)) => match r {
                    Err(StoreError::Conflict { existing, .. }) => {
                        prop_assert_eq!(existing, m.capture.0);
                    }
                    other => prop_assert!(false, "expected a conflict, got {:?}", other),
                },
                (_, None) => {
                    prop_assert!(matches!(r, Err(StoreError::NotCaptured { .. })), "{:?}", r);
                }
                (_, Some(m)) if m.last.1 == kind && m.last.2 == c => {
                    prop_assert_eq!(r.expect("repeat").event, m.last.0);
                }
                (_, Some(mut m)) => {
                    let ack = r.expect("appended");
                    prop_assert_eq!(ack.event, EventId(next_id));
                    next_id += 1;
                    m.last = (ack.event, kind, c);
                    model.insert(acta, m);
                }
            }
        }

        // The fold of the stored events, acta by acta …
        let by_key: BTreeMap<String, _> = store
            .catalogue("GUB")
            .expect("catalogue")
            .into_iter()
            .collect();
        let mut folded: BTreeMap<String, ActaState> = BTreeMap::new();
        for ev in store.events_since(EventId(0), usize::MAX).expect("events") {
            let prev = folded.get(&ev.acta);
            let st = next(prev, &ev, by_key.get(&ev.acta), &spec);
            folded.insert(ev.acta.clone(), st);
        }
        // … is the stored state.
        let stored: BTreeMap<String, ActaState> = store
            .acta_states("GUB")
            .expect("states")
            .into_iter()
            .map(|s| (s.acta.clone(), s))
            .collect();
        prop_assert_eq!(&stored, &folded);
        prop_assert!(store.check_derived_state().expect("check").is_consistent());

        // And it is what the rules say.
        prop_assert_eq!(stored.len(), model.len());
        for (acta, m) in &model {
            let key = if *acta < 4 { keys[*acta].clone() } else { format!("FC:{}", claves[*acta]) };
            let st = &stored[&key];
            let content = contents[m.last.2].normalised();
            prop_assert_eq!(&st.content, &content);
            prop_assert_eq!(st.last_event, m.last.0);
            prop_assert_eq!(st.capture_event, m.capture.0);
            let status = if m.last.1 == EventKind::Verification {
                CaptureStatus::Verified
            } else {
                CaptureStatus::Captured
            };
            prop_assert_eq!(st.status, status);
            if *acta < 4 {
                let e = &entries[*acta];
                let votes: Vec<Value> = COLUMNS
                    .iter()
                    .map(|n| content.votes.get(*n).cloned().unwrap_or(Value::Dash))
                    .collect();
                let limit = spec.rules.has_vote_limit(e.casilla_type).then(|| e.vote_limit()).flatten();
                prop_assert_eq!(
                    st.classification,
                    classify(&votes, content.details.sin_acta, limit)
                );
            } else {
                prop_assert!(st.fuera_de_catalogo);
            }
        }
    }
}
