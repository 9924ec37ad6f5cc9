//! Consistent reads for cortes: a [`ReadView`] is one read transaction, and a [`Snapshot`]
//! is every acta of one election as of that transaction.

use crate::cache::{CachedCatalogue, CatalogueCache};
use crate::election::{self, ElectionSpec};
use crate::error::{to_i64, to_u64};
use crate::state::{classification, status};
use crate::{ActaDetails, ActaIdent, CaptureStatus, EventId, Store, StoreError, log};
use prep_count::{ActaFacts, Classification, Tally};
use prep_model::{CasillaType, CatalogueEntry, Contabilizada, Observations, Value};
use rusqlite::{Connection, Row};
use std::collections::HashMap;
use std::sync::Arc;

/// One read transaction over the store, on a connection of its own: every snapshot taken
/// from it sees the same events, up to [`ReadView::through_event`], whatever is recorded
/// meanwhile. Take the snapshots of all the elections of a corte from one view.
#[derive(Debug)]
pub struct ReadView {
    conn: Connection,
    through: EventId,
    cache: Arc<CatalogueCache>,
}

impl Store {
    /// Opens a read transaction: a consistent view of the store as of now.
    pub fn read_view(&self) -> Result<ReadView, StoreError> {
        let conn = self.new_reader()?;
        conn.execute_batch("BEGIN DEFERRED")?;
        // The first read fixes what the transaction sees.
        let through = log::last_id(&conn)?;
        Ok(ReadView {
            conn,
            through,
            cache: self.catalogue_cache(),
        })
    }

    /// A snapshot of one election in a read transaction of its own.
    pub fn snapshot(&self, election: &str) -> Result<Snapshot, StoreError> {
        self.read_view()?.snapshot(election)
    }
}

impl Drop for ReadView {
    fn drop(&mut self) {
        // Ending a read transaction cannot lose anything; the connection closes anyway.
        let _ = self.conn.execute_batch("ROLLBACK");
    }
}

impl ReadView {
    /// The last event this view includes (`EventId(0)`: none).
    pub fn through_event(&self) -> EventId {
        self.through
    }

    /// The transaction's connection.
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The ids of every election, sorted.
    pub fn elections(&self) -> Result<Vec<String>, StoreError> {
        election::ids(&self.conn)
    }

    /// Every expected acta of an election with its current state, in catalogue order,
    /// followed by the actas fuera de catálogo in the order they were captured
    /// (occurrences of one identification together: [`Snapshot`]'s `order_fuera`).
    ///
    /// The catalogue is read once per store and kept (it cannot change once the election
    /// has events); each snapshot reads only the states of the captured actas.
    pub fn snapshot(&self, election: &str) -> Result<Snapshot, StoreError> {
        let spec = election::read(&self.conn, election)?;
        let catalogue = self.cache.get(&self.conn, election)?;
        let mut snap = Snapshot {
            actas: catalogue
                .keys
                .iter()
                .zip(&catalogue.entries)
                .map(|(key, entry)| SnapshotActa {
                    key: key.clone(),
                    entry: Some(Arc::clone(entry)),
                    capture: None,
                })
                .collect(),
            election: spec,
            through_event: EventId(0),
            catalogue,
            fuera_index: HashMap::new(),
            fuera_captured: HashMap::new(),
        };
        self.apply_states(&mut snap, EventId(0))?;
        Ok(snap)
    }

    /// Brings a snapshot of an earlier view up to this one, reading only the actas whose
    /// state changed after its [`Snapshot::through_event`]: the result equals a fresh
    /// [`ReadView::snapshot`], at a cost proportional to what changed (a corte every 10
    /// minutes re-reads minutes of captures, not the whole election). Falls back to a full
    /// snapshot when the election or its catalogue changed, or when the snapshot is newer
    /// than this view. Returns how many actas were read.
    pub fn refresh(&self, snapshot: &mut Snapshot) -> Result<usize, StoreError> {
        let id = snapshot.election.id.clone();
        let spec = election::read(&self.conn, &id)?;
        let catalogue = self.cache.get(&self.conn, &id)?;
        if spec != snapshot.election
            || catalogue.generation != snapshot.catalogue.generation
            || snapshot.through_event > self.through
        {
            *snapshot = self.snapshot(&id)?;
            return Ok(snapshot.actas.len());
        }
        let after = snapshot.through_event;
        self.apply_states(snapshot, after)
    }

    /// Puts into `snap` the state of every acta whose last event is after `after`; new
    /// actas fuera de catálogo go at the end in the order they were captured. Returns how
    /// many states were read.
    fn apply_states(&self, snap: &mut Snapshot, after: EventId) -> Result<usize, StoreError> {
        let sql = if after == EventId(0) {
            // Everything: scan the election's states (no sort; the few actas fuera de
            // catálogo are sorted below).
            format!(
                "SELECT s.catalogue_id, s.acta, s.capture_event, {CAPTURE_COLUMNS_S}
                 FROM acta_state s WHERE s.election = ?1 AND ?2 = 0"
            )
        } else {
            format!(
                "SELECT s.catalogue_id, s.acta, s.capture_event, {CAPTURE_COLUMNS_S}
                 FROM acta_state s WHERE s.election = ?1 AND s.last_event > ?2"
            )
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params![snap.election.id, to_i64(after.0)?])?;
        let mut read = 0;
        let mut fuera = Vec::new();
        while let Some(r) = rows.next()? {
            read += 1;
            let capture = Some(captured_from_row(r, 3, &snap.election)?);
            match r.get::<_, Option<i64>>(0)? {
                Some(cid) => {
                    let i = *snap.catalogue.position.get(&cid).ok_or_else(|| {
                        StoreError::Corrupt(format!("state of unknown catalogue row {cid}"))
                    })?;
                    snap.actas[i].capture = capture;
                }
                None => fuera.push((r.get::<_, i64>(2)?, r.get::<_, String>(1)?, capture)),
            }
        }
        let mut added = false;
        for (capture_event, key, capture) in fuera {
            match snap.fuera_index.get(&key) {
                Some(&i) => snap.actas[i].capture = capture,
                None => {
                    added = true;
                    snap.fuera_index.insert(key.clone(), snap.actas.len());
                    snap.fuera_captured.insert(key.clone(), capture_event);
                    snap.actas.push(SnapshotActa {
                        key,
                        entry: None,
                        capture,
                    });
                }
            }
        }
        if added {
            snap.order_fuera();
        }
        snap.through_event = self.through;
        Ok(read)
    }
}

/// The state columns a snapshot reads, with the table alias `s`.
const CAPTURE_COLUMNS_S: &str = "s.status, s.ident, s.votes, s.details, s.contabilizada, \
     s.observaciones, s.total_votos, s.last_event";

/// Reads the [`CAPTURE_COLUMNS_S`] starting at `at`.
fn captured_from_row(
    r: &Row<'_>,
    at: usize,
    spec: &ElectionSpec,
) -> Result<CapturedActa, StoreError> {
    // Borrowed text: no copy of the JSON before it is parsed.
    let text = |i: usize| -> Result<&str, StoreError> {
        Ok(r.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?)
    };
    Ok(CapturedActa {
        status: status(text(at)?)?,
        ident: serde_json::from_str(text(at + 1)?)?,
        votes: votes_or_dash(text(at + 2)?, spec)?,
        details: serde_json::from_str(text(at + 3)?)?,
        classification: classification(r, at + 4)?,
        last_event: EventId(to_u64(r.get(at + 7)?, "event id")?),
    })
}

/// The stored vote array as cells, `-` for a column not given.
fn votes_or_dash(json: &str, spec: &ElectionSpec) -> Result<Vec<Value>, StoreError> {
    Ok(crate::state::parse_votes(json, spec)?
        .into_iter()
        .map(|c| c.unwrap_or(Value::Dash))
        .collect())
}

/// Every acta of one election as of one read transaction: what a corte publishes.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The election.
    pub election: ElectionSpec,
    /// The last event included; events after it belong to the next corte.
    pub through_event: EventId,
    /// The expected actas in catalogue order, then the actas fuera de catálogo in the order
    /// they were captured (those of one identification together, in occurrence order).
    pub actas: Vec<SnapshotActa>,
    /// The catalogue it was built on (for [`ReadView::refresh`]).
    catalogue: Arc<CachedCatalogue>,
    /// The index in `actas` of each acta fuera de catálogo.
    fuera_index: HashMap<String, usize>,
    /// The capture event of each acta fuera de catálogo, by key.
    fuera_captured: HashMap<String, i64>,
}

impl Snapshot {
    /// Puts the actas fuera de catálogo (after the catalogue's) in the order they were
    /// captured, except that actas told apart only by their occurrence (`FC:-`, `FC:-#2`, …:
    /// the same identification captured again) stand together in occurrence order, where
    /// the first of them was captured. Live, occurrences are numbered as they are captured,
    /// so this is capture order; a replay of a database numbers them in the file's order,
    /// which a corte then prints back (IEE Sonora 2021 lists its 24 actas identified `-`
    /// in an order no time column follows).
    fn order_fuera(&mut self) {
        let start = self.catalogue.keys.len();
        let Some(tail) = self.actas.get_mut(start..) else {
            return;
        };
        let split = |key: &str| -> (String, u32) {
            match key
                .rsplit_once('#')
                .and_then(|(g, n)| Some((g, n.parse().ok()?)))
            {
                Some((group, n)) => (group.to_owned(), n),
                None => (key.to_owned(), 1),
            }
        };
        let captured = |key: &str| self.fuera_captured.get(key).copied().unwrap_or(i64::MAX);
        let mut first: HashMap<String, i64> = HashMap::new();
        for a in tail.iter() {
            let at = captured(&a.key);
            let slot = first.entry(split(&a.key).0).or_insert(at);
            *slot = (*slot).min(at);
        }
        tail.sort_by_cached_key(|a| {
            let (group, n) = split(&a.key);
            (
                first.get(&group).copied().unwrap_or(i64::MAX),
                group,
                n,
                captured(&a.key),
            )
        });
        for (i, a) in tail.iter().enumerate() {
            self.fuera_index.insert(a.key.clone(), start + i);
        }
    }
}

impl PartialEq for Snapshot {
    /// Same election, same last event, same actas (what a corte publishes).
    fn eq(&self, other: &Snapshot) -> bool {
        self.election == other.election
            && self.through_event == other.through_event
            && self.actas == other.actas
    }
}

impl Eq for Snapshot {}

/// One acta in a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotActa {
    /// The store's key.
    pub key: String,
    /// Its catalogue entry (shared by the snapshots of a store); `None` for an acta fuera
    /// de catálogo.
    pub entry: Option<Arc<CatalogueEntry>>,
    /// What has been captured; `None` when not captured yet.
    pub capture: Option<CapturedActa>,
}

/// The current state of a captured acta, as a snapshot carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedActa {
    /// Captured or verified.
    pub status: CaptureStatus,
    /// The identification of its last event, as captured.
    pub ident: ActaIdent,
    /// The vote cells in the election's column order (`-` for a column not given).
    pub votes: Vec<Value>,
    /// Everything else captured.
    pub details: ActaDetails,
    /// CONTABILIZADA, OBSERVACIONES and TOTAL_VOTOS_CALCULADO.
    pub classification: Classification,
    /// The last event applied to it.
    pub last_event: EventId,
}

impl SnapshotActa {
    /// CONTABILIZADA: `-` when not captured.
    pub fn contabilizada(&self) -> Contabilizada {
        self.capture
            .as_ref()
            .map_or(Contabilizada::NoCapturada, |c| c.classification.status)
    }

    /// What the counting rules need of this acta.
    pub fn facts(&self) -> ActaFacts<'_> {
        ActaFacts {
            status: self.contabilizada(),
            casilla_type: self
                .entry
                .as_ref()
                .map_or(CasillaType::Other, |e| e.casilla_type),
            observations: self
                .capture
                .as_ref()
                .map_or(Observations::NONE, |c| c.classification.observations),
            votes: self.capture.as_ref().map_or(&[], |c| c.votes.as_slice()),
            lista_nominal: self.entry.as_ref().map_or(0, |e| e.lista_nominal),
        }
    }
}

impl Snapshot {
    /// The counters and votes of every acta of the snapshot under the election's rules.
    pub fn tally(&self) -> Tally {
        let mut t = Tally::new(self.election.columns.len());
        for a in &self.actas {
            t.add(&a.facts(), &self.election.rules);
        }
        t
    }
}
