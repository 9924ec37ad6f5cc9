//! Checking the derived state against the audit trail: every acta's state must be the fold
//! of its events, and every event's content must still hash to its stored SHA-256.

use crate::catalogue::{self, ENTRY_COLUMNS};
use crate::derive::{self, ActaState};
use crate::election;
use crate::{ReadView, Store, StoreError, log, state};
use prep_model::CatalogueEntry;
use std::collections::{BTreeMap, HashMap};

/// What [`ReadView::check_derived_state`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StateCheck {
    /// Events replayed.
    pub events: u64,
    /// Actas whose state was compared.
    pub actas: u64,
    /// Every difference found, in words; empty when the store is consistent.
    pub problems: Vec<String>,
}

impl StateCheck {
    /// True when no problem was found.
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Store {
    /// Replays the whole audit trail in one read transaction and compares the result with
    /// the stored state. See [`ReadView::check_derived_state`].
    pub fn check_derived_state(&self) -> Result<StateCheck, StoreError> {
        self.read_view()?.check_derived_state()
    }
}

impl ReadView {
    /// Replays every event from scratch, election by election, through the same fold that
    /// [`Store::record`] applies, and compares the states obtained with the stored ones.
    /// Also checks each event's content hash, that each event would have been appended
    /// (no repeat, no conflict), and that catalogue and fuera de catálogo actas are where
    /// their key says.
    pub fn check_derived_state(&self) -> Result<StateCheck, StoreError> {
        let mut check = StateCheck::default();
        for id in self.elections()? {
            self.check_election(&id, &mut check)?;
        }
        Ok(check)
    }

    fn check_election(&self, election: &str, check: &mut StateCheck) -> Result<(), StoreError> {
        let conn = self.connection();
        let spec = election::read(conn, election)?;
        let catalogue = catalogue_by_key(conn, election)?;
        let mut folded: BTreeMap<String, ActaState> = BTreeMap::new();
        log::for_each_of_election(conn, election, |ev, intact| {
            check.events += 1;
            let problems = &mut check.problems;
            if !intact {
                problems.push(format!(
                    "event {}: content does not match its SHA-256",
                    ev.id
                ));
            }
            let entry = catalogue.get(&ev.acta);
            if entry.is_some() == ev.fuera_de_catalogo {
                problems.push(format!(
                    "event {}: acta {} is {} the catalogue but the event says otherwise",
                    ev.id,
                    ev.acta,
                    if entry.is_some() { "in" } else { "not in" }
                ));
            }
            let prev = folded.get(&ev.acta);
            match derive::decide(prev, election, &ev.acta, ev.kind, &ev.content_sha256) {
                Ok(None) => {}
                Ok(Some(id)) => problems.push(format!("event {} repeats event {id}", ev.id)),
                Err(e) => problems.push(format!("event {}: {e}", ev.id)),
            }
            let next = derive::next(prev, &ev, entry, &spec);
            folded.insert(ev.acta.clone(), next);
            Ok(())
        })?;
        let stored: BTreeMap<String, ActaState> = state::load_all(conn, &spec)?
            .into_iter()
            .map(|s| (s.acta.clone(), s))
            .collect();
        for (key, st) in &stored {
            check.actas += 1;
            match folded.get(key) {
                None => check.problems.push(format!(
                    "{election} {key}: a state is stored but no event made it"
                )),
                Some(f) if f != st => check.problems.push(format!(
                    "{election} {key}: the stored state differs from the replay of its events"
                )),
                Some(_) => {}
            }
        }
        for key in folded.keys().filter(|k| !stored.contains_key(*k)) {
            check.problems.push(format!(
                "{election} {key}: events exist but no state is stored"
            ));
        }
        Ok(())
    }
}

/// An election's catalogue by key.
fn catalogue_by_key(
    conn: &rusqlite::Connection,
    election: &str,
) -> Result<HashMap<String, CatalogueEntry>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT acta, {ENTRY_COLUMNS} FROM catalogue WHERE election = ?1"
    ))?;
    let mut rows = stmt.query([election])?;
    let mut out = HashMap::new();
    while let Some(r) = rows.next()? {
        out.insert(r.get(0)?, catalogue::entry_from_row(r, 1)?);
    }
    Ok(out)
}
