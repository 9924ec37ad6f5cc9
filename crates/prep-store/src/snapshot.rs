//! Consistent reads for cortes: a [`ReadView`] is one read transaction, and a [`Snapshot`]
//! is every acta of one election as of that transaction.

use crate::catalogue::{self, ENTRY_COLUMNS_C, ENTRY_WIDTH};
use crate::election::{self, ElectionSpec};
use crate::error::{to_i64, to_u64};
use crate::state::{classification, parse_votes, status};
use crate::{ActaDetails, ActaIdent, CaptureStatus, EventId, Store, StoreError, log};
use prep_count::{ActaFacts, Classification, Tally};
use prep_model::{CasillaType, CatalogueEntry, Contabilizada, Observations, Value};
use rusqlite::{Connection, Row};
use std::collections::HashMap;

/// One read transaction over the store, on a connection of its own: every snapshot taken
/// from it sees the same events, up to [`ReadView::through_event`], whatever is recorded
/// meanwhile. Take the snapshots of all the elections of a corte from one view.
#[derive(Debug)]
pub struct ReadView {
    conn: Connection,
    through: EventId,
}

impl Store {
    /// Opens a read transaction: a consistent view of the store as of now.
    pub fn read_view(&self) -> Result<ReadView, StoreError> {
        let conn = self.new_reader()?;
        conn.execute_batch("BEGIN DEFERRED")?;
        // The first read fixes what the transaction sees.
        let through = log::last_id(&conn)?;
        Ok(ReadView { conn, through })
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
    /// followed by the actas fuera de catálogo in the order they were captured.
    pub fn snapshot(&self, election: &str) -> Result<Snapshot, StoreError> {
        let spec = election::read(&self.conn, election)?;
        let mut actas = Vec::new();
        // An election's catalogue is loaded in one transaction, so its row ids are one
        // range: scanning that range reads the rows in order, with no sort (`+` keeps
        // SQLite from choosing the election index and sorting 170,000 rows).
        let (lo, hi): (Option<i64>, Option<i64>) = self.conn.query_row(
            "SELECT MIN(id), MAX(id) FROM catalogue WHERE election = ?1",
            [election],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT c.acta, {ENTRY_COLUMNS_C}, {CAPTURE_COLUMNS_S}
             FROM catalogue c LEFT JOIN acta_state s ON s.catalogue_id = c.id
             WHERE c.id BETWEEN ?2 AND ?3 AND +c.election = ?1 ORDER BY c.id"
        ))?;
        let mut rows = stmt.query(rusqlite::params![
            election,
            lo.unwrap_or(0),
            hi.unwrap_or(-1)
        ])?;
        while let Some(r) = rows.next()? {
            actas.push(SnapshotActa {
                key: r.get(0)?,
                entry: Some(catalogue::entry_from_row(r, 1)?),
                capture: captured_from_row(r, 1 + ENTRY_WIDTH, &spec)?,
            });
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT s.acta, {CAPTURE_COLUMNS_S} FROM acta_state s
             WHERE s.election = ?1 AND s.catalogue_id IS NULL ORDER BY s.capture_event"
        ))?;
        let mut rows = stmt.query([election])?;
        let expected = actas.len();
        let mut fuera_index = HashMap::new();
        while let Some(r) = rows.next()? {
            let key: String = r.get(0)?;
            fuera_index.insert(key.clone(), actas.len());
            actas.push(SnapshotActa {
                key,
                entry: None,
                capture: captured_from_row(r, 1, &spec)?,
            });
        }
        Ok(Snapshot {
            election: spec,
            through_event: self.through,
            actas,
            catalogue: CatalogueRange {
                first_id: lo.unwrap_or(0),
                last_id: hi.unwrap_or(-1),
                count: expected,
            },
            fuera_index,
        })
    }

    /// Brings a snapshot of an earlier view up to this one, reading only the actas whose
    /// state changed after its [`Snapshot::through_event`]: the result equals a fresh
    /// [`ReadView::snapshot`], at a cost proportional to what changed (a corte every 10
    /// minutes re-reads minutes of captures, not the whole catalogue). Falls back to a
    /// full snapshot when the election or its catalogue changed, or when the snapshot is
    /// newer than this view. Returns how many actas were read.
    pub fn refresh(&self, snapshot: &mut Snapshot) -> Result<usize, StoreError> {
        let id = snapshot.election.id.clone();
        let spec = election::read(&self.conn, &id)?;
        let (lo, hi, n): (Option<i64>, Option<i64>, i64) = self.conn.query_row(
            "SELECT MIN(id), MAX(id), COUNT(*) FROM catalogue WHERE election = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let same_catalogue = snapshot.catalogue
            == CatalogueRange {
                first_id: lo.unwrap_or(0),
                last_id: hi.unwrap_or(-1),
                count: usize::try_from(n).unwrap_or(usize::MAX),
            };
        let contiguous = snapshot.catalogue.last_id - snapshot.catalogue.first_id + 1
            == i64::try_from(snapshot.catalogue.count).unwrap_or(-1);
        if spec != snapshot.election
            || !same_catalogue
            || !contiguous
            || snapshot.through_event > self.through
        {
            *snapshot = self.snapshot(&id)?;
            return Ok(snapshot.actas.len());
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT s.catalogue_id, s.acta, {CAPTURE_COLUMNS_S} FROM acta_state s
             WHERE s.election = ?1 AND s.last_event > ?2 ORDER BY s.capture_event"
        ))?;
        let mut rows = stmt.query(rusqlite::params![id, to_i64(snapshot.through_event.0)?])?;
        let mut read = 0;
        while let Some(r) = rows.next()? {
            read += 1;
            let capture = captured_from_row(r, 2, &spec)?;
            let index = match r.get::<_, Option<i64>>(0)? {
                Some(cid) => usize::try_from(cid - snapshot.catalogue.first_id)
                    .ok()
                    .filter(|&i| i < snapshot.catalogue.count)
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!("state of catalogue row {cid} out of range"))
                    })?,
                None => {
                    let key: String = r.get(1)?;
                    match snapshot.fuera_index.get(&key) {
                        Some(&i) => i,
                        None => {
                            snapshot
                                .fuera_index
                                .insert(key.clone(), snapshot.actas.len());
                            snapshot.actas.push(SnapshotActa {
                                key,
                                entry: None,
                                capture: None,
                            });
                            snapshot.actas.len() - 1
                        }
                    }
                }
            };
            snapshot.actas[index].capture = capture;
        }
        snapshot.through_event = self.through;
        Ok(read)
    }
}

/// Where an election's catalogue lies in the `catalogue` table: one range of row ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CatalogueRange {
    first_id: i64,
    last_id: i64,
    count: usize,
}

/// The state columns a snapshot reads, with the table alias `s`.
const CAPTURE_COLUMNS_S: &str = "s.status, s.ident, s.votes, s.details, s.contabilizada, \
     s.observaciones, s.total_votos, s.last_event";

/// Reads the [`CAPTURE_COLUMNS_S`] starting at `at`; `None` when they are NULL (an acta of
/// the catalogue not captured).
fn captured_from_row(
    r: &Row<'_>,
    at: usize,
    spec: &ElectionSpec,
) -> Result<Option<CapturedActa>, StoreError> {
    let Some(st) = r.get::<_, Option<String>>(at)? else {
        return Ok(None);
    };
    let votes = parse_votes(&r.get::<_, String>(at + 2)?, spec)?
        .into_iter()
        .map(|v| v.unwrap_or(Value::Dash))
        .collect();
    Ok(Some(CapturedActa {
        status: status(&st)?,
        ident: serde_json::from_str(&r.get::<_, String>(at + 1)?)?,
        votes,
        details: serde_json::from_str(&r.get::<_, String>(at + 3)?)?,
        classification: classification(r, at + 4)?,
        last_event: EventId(to_u64(r.get(at + 7)?, "event id")?),
    }))
}

/// Every acta of one election as of one read transaction: what a corte publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The election.
    pub election: ElectionSpec,
    /// The last event included; events after it belong to the next corte.
    pub through_event: EventId,
    /// The expected actas in catalogue order, then the actas fuera de catálogo in the order
    /// they were captured.
    pub actas: Vec<SnapshotActa>,
    /// Where the catalogue lies in the store (for [`ReadView::refresh`]).
    catalogue: CatalogueRange,
    /// The index in `actas` of each acta fuera de catálogo.
    fuera_index: HashMap<String, usize>,
}

/// One acta in a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotActa {
    /// The store's key.
    pub key: String,
    /// Its catalogue entry; `None` for an acta fuera de catálogo.
    pub entry: Option<CatalogueEntry>,
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
