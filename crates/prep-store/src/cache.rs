//! An election's catalogue kept in memory between snapshots: it cannot change once the
//! election has events, and reading it is half the cost of a national snapshot.

use crate::StoreError;
use crate::catalogue::{ENTRY_COLUMNS, entry_from_row};
use prep_model::CatalogueEntry;
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One election's catalogue as of one load (its generation).
#[derive(Debug)]
pub(crate) struct CachedCatalogue {
    /// How many times the catalogue had been loaded when this copy was read.
    pub generation: i64,
    /// Each entry's key, in catalogue order.
    pub keys: Vec<String>,
    /// The entries, in catalogue order.
    pub entries: Vec<Arc<CatalogueEntry>>,
    /// Catalogue row id → position.
    pub position: HashMap<i64, usize>,
}

/// The catalogues read so far, by election; shared by a store and its read views.
#[derive(Debug, Default)]
pub(crate) struct CatalogueCache(Mutex<HashMap<String, Arc<CachedCatalogue>>>);

impl CatalogueCache {
    /// The catalogue of `election` as the transaction of `conn` sees it: the cached copy
    /// when it is of the current generation, else read (and cached).
    pub(crate) fn get(
        &self,
        conn: &Connection,
        election: &str,
    ) -> Result<Arc<CachedCatalogue>, StoreError> {
        let generation: i64 = conn
            .query_row(
                "SELECT catalogue_generation FROM election WHERE id = ?1",
                [election],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::UnknownElection(election.to_owned()))?;
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = map.get(election).filter(|c| c.generation == generation) {
            return Ok(Arc::clone(c));
        }
        let read = Arc::new(read(conn, election, generation)?);
        map.insert(election.to_owned(), Arc::clone(&read));
        Ok(read)
    }
}

/// Reads an election's catalogue in order.
fn read(conn: &Connection, election: &str, generation: i64) -> Result<CachedCatalogue, StoreError> {
    // An election's catalogue is loaded in one transaction, so its row ids are one range:
    // scanning that range reads the rows in order, with no sort (`+` keeps SQLite from
    // choosing the election index and sorting the rows).
    let (lo, hi): (Option<i64>, Option<i64>) = conn.query_row(
        "SELECT MIN(id), MAX(id) FROM catalogue WHERE election = ?1",
        [election],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT id, acta, {ENTRY_COLUMNS} FROM catalogue
         WHERE id BETWEEN ?2 AND ?3 AND +election = ?1 ORDER BY id"
    ))?;
    let mut rows = stmt.query(rusqlite::params![
        election,
        lo.unwrap_or(0),
        hi.unwrap_or(-1)
    ])?;
    let mut c = CachedCatalogue {
        generation,
        keys: Vec::new(),
        entries: Vec::new(),
        position: HashMap::new(),
    };
    while let Some(r) = rows.next()? {
        c.position.insert(r.get(0)?, c.keys.len());
        c.keys.push(r.get(1)?);
        c.entries.push(Arc::new(entry_from_row(r, 2)?));
    }
    Ok(c)
}
