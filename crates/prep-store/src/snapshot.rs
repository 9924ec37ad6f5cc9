//! Consistent reads for cortes: a [`ReadView`] is one read transaction, and a [`Snapshot`]
//! is every acta of one election as of that transaction.

use crate::election::{self, ENTRY_COLUMNS_C, ENTRY_WIDTH, ElectionSpec};
use crate::error::to_u64;
use crate::state::{classification, parse_votes, status};
use crate::{ActaDetails, ActaIdent, CaptureStatus, EventId, Store, StoreError, log};
use prep_count::{ActaFacts, Classification, Tally};
use prep_model::{CasillaType, CatalogueEntry, Contabilizada, Observations, Value};
use rusqlite::{Connection, Row};

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
                entry: Some(election::entry_from_row(r, 1)?),
                capture: captured_from_row(r, 1 + ENTRY_WIDTH, &spec)?,
            });
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT s.acta, {CAPTURE_COLUMNS_S} FROM acta_state s
             WHERE s.election = ?1 AND s.catalogue_id IS NULL ORDER BY s.capture_event"
        ))?;
        let mut rows = stmt.query([election])?;
        while let Some(r) = rows.next()? {
            actas.push(SnapshotActa {
                key: r.get(0)?,
                entry: None,
                capture: captured_from_row(r, 1, &spec)?,
            });
        }
        Ok(Snapshot {
            election: spec,
            through_event: self.through,
            actas,
        })
    }
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
