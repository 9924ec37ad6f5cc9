//! [`Store`]: opening the database, defining elections, loading catalogues, recording
//! events.

use crate::cache::CatalogueCache;
use crate::catalogue::{self, Target};
use crate::derive::{self, ActaState};
use crate::election::{self, ElectionSpec};
use crate::{
    Ack, Authority, Event, EventId, EventKind, NewEvent, Recorded, StoreError, content::sha256_hex,
    log, migrate, state,
};
use prep_model::CatalogueEntry;
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a connection waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The institute's acta store: one SQLite database.
///
/// Writes go through one connection, one transaction each; a commit returns only once the
/// write-ahead log is on disk (`synchronous=FULL`), so an acknowledged event survives a
/// crash. Reads for cortes go through a second connection ([`Store::read_view`]), so a
/// corte being built never blocks captures and never sees the ones that arrive meanwhile.
/// `Store` is `Send + Sync`: share it between threads behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// The file, or the in-memory database's URI.
    location: PathBuf,
    in_memory: bool,
    /// The catalogues read for snapshots.
    cache: Arc<CatalogueCache>,
}

/// Distinguishes the in-memory databases of one process.
static MEMORY_DB: AtomicU64 = AtomicU64::new(0);

impl Store {
    /// Opens (creating if needed) the store at `path`, in WAL mode with a full fsync on
    /// every commit, and applies the migrations it lacks.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!(
                "{} cannot be put in WAL mode (journal_mode is {mode})",
                path.display()
            )));
        }
        migrate::migrate(&mut writer)?;
        Ok(Store {
            writer: Mutex::new(writer),
            reader: Mutex::new(open_reader(path)?),
            location: path.to_owned(),
            in_memory: false,
            cache: Arc::default(),
        })
    }

    /// Opens a new, empty store in memory (for tests and drills; nothing survives the
    /// process). Its two connections share one cache, so while a [`crate::ReadView`] is
    /// open a write fails with a "locked" error instead of waiting: use a file store when
    /// cortes and captures run at the same time.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let n = MEMORY_DB.fetch_add(1, Ordering::Relaxed);
        let uri = format!(
            "file:prep-store-{}-{n}?mode=memory&cache=shared",
            std::process::id()
        );
        let mut writer = Connection::open(&uri)?;
        configure(&writer)?;
        migrate::migrate(&mut writer)?;
        let uri = PathBuf::from(uri);
        Ok(Store {
            writer: Mutex::new(writer),
            reader: Mutex::new(open_reader(&uri)?),
            location: uri,
            in_memory: true,
            cache: Arc::default(),
        })
    }

    /// The database file, `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        (!self.in_memory).then_some(self.location.as_path())
    }

    /// Defines an election, or redefines it while it has no events (same spec again: no-op).
    pub fn define_election(&self, spec: &ElectionSpec) -> Result<(), StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        election::define(&tx, spec)?;
        tx.commit()?;
        Ok(())
    }

    /// The spec of an election.
    pub fn election(&self, id: &str) -> Result<ElectionSpec, StoreError> {
        election::read(&lock(&self.reader), id)
    }

    /// The ids of every election, sorted.
    pub fn elections(&self) -> Result<Vec<String>, StoreError> {
        election::ids(&lock(&self.reader))
    }

    /// Replaces the catalogue of expected actas of an election, in one transaction; refused
    /// once the election has events. Returns the store's key of each entry, in order:
    /// CLAVE_ACTA, or `CLAVE@AREA` (`CLAVE@AREA#N`) for the entries whose CLAVE_ACTA the
    /// catalogue repeats.
    pub fn load_catalogue(
        &self,
        election: &str,
        entries: &[CatalogueEntry],
    ) -> Result<Vec<String>, StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let keys = catalogue::load_catalogue(&tx, election, entries)?;
        tx.commit()?;
        Ok(keys)
    }

    /// The catalogue of an election: each entry with its key, in load order.
    pub fn catalogue(&self, election: &str) -> Result<Vec<(String, CatalogueEntry)>, StoreError> {
        let conn = lock(&self.reader);
        election::read(&conn, election)?;
        let mut stmt = conn.prepare(&format!(
            "SELECT acta, {} FROM catalogue WHERE election = ?1 ORDER BY id",
            catalogue::ENTRY_COLUMNS
        ))?;
        let mut rows = stmt.query([election])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push((r.get(0)?, catalogue::entry_from_row(r, 1)?));
        }
        Ok(out)
    }

    /// Records an event in one transaction and returns once it is on disk. See
    /// [`Store::record_detailed`].
    pub fn record(&self, event: &NewEvent) -> Result<Ack, StoreError> {
        Ok(self.record_detailed(event)?.ack)
    }

    /// Records an event: appends it to the audit trail and updates the acta's derived state,
    /// in one transaction whose commit is fsynced.
    ///
    /// The acta is looked up in the catalogue; one that matches no entry is recorded fuera
    /// de catálogo. A capture that repeats the acta's first capture (same content), or a
    /// verification or correction that repeats its last event, is answered with the stored
    /// event's [`Ack`] and nothing is written (`appended: false`). A capture with another
    /// content is a [`StoreError::Conflict`]; a verification or correction of an acta not
    /// captured is [`StoreError::NotCaptured`].
    pub fn record_detailed(&self, event: &NewEvent) -> Result<Recorded, StoreError> {
        self.record_detailed_as(event, &Authority::Any)
    }

    /// [`Store::record_detailed`] on behalf of `authority`: a verification or correction of
    /// an acta captured by another centre than [`Authority::OwnCaptures`] names is
    /// [`StoreError::NotCapturingCentre`], and nothing is written.
    pub fn record_detailed_as(
        &self,
        event: &NewEvent,
        authority: &Authority,
    ) -> Result<Recorded, StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let recorded = record_in(&tx, event, authority)?;
        if recorded.appended {
            tx.commit()?;
        }
        Ok(recorded)
    }

    /// Records many events in one transaction (a bulk load): one fsync for all of them.
    /// Each event gets its own answer, in order: a refused event (see
    /// [`StoreError::is_refusal`]) is skipped and the others are recorded; any other error
    /// rolls the whole batch back.
    pub fn record_batch(
        &self,
        events: &[NewEvent],
    ) -> Result<Vec<Result<Recorded, StoreError>>, StoreError> {
        self.record_batch_in(events.iter().map(|e| (e, &Authority::Any)), events.len())
    }

    /// [`Store::record_batch`] with each event's own [`Authority`] (see
    /// [`Store::record_detailed_as`]).
    pub fn record_batch_as(
        &self,
        events: &[(NewEvent, Authority)],
    ) -> Result<Vec<Result<Recorded, StoreError>>, StoreError> {
        self.record_batch_in(events.iter().map(|(e, a)| (e, a)), events.len())
    }

    fn record_batch_in<'a>(
        &self,
        events: impl Iterator<Item = (&'a NewEvent, &'a Authority)>,
        len: usize,
    ) -> Result<Vec<Result<Recorded, StoreError>>, StoreError> {
        let mut conn = lock(&self.writer);
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(len);
        for (event, authority) in events {
            let sp = tx.savepoint()?;
            match record_in(&sp, event, authority) {
                Ok(r) => {
                    sp.commit()?;
                    out.push(Ok(r));
                }
                Err(e) if e.is_refusal() => out.push(Err(e)),
                Err(e) => return Err(e),
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// The current state of one acta by its key, `None` when not captured.
    pub fn acta_state(&self, election: &str, acta: &str) -> Result<Option<ActaState>, StoreError> {
        let conn = lock(&self.reader);
        let spec = election::read(&conn, election)?;
        state::load(&conn, &spec, acta)
    }

    /// The current state of every captured acta of an election (fuera de catálogo
    /// included), in the order of their first capture.
    pub fn acta_states(&self, election: &str) -> Result<Vec<ActaState>, StoreError> {
        let conn = lock(&self.reader);
        let spec = election::read(&conn, election)?;
        state::load_all(&conn, &spec)
    }

    /// The id of the last event, `EventId(0)` before the first.
    pub fn last_event(&self) -> Result<EventId, StoreError> {
        log::last_id(&lock(&self.reader))
    }

    /// The audit trail: up to `limit` events after `after`, in order (`EventId(0)`: from
    /// the start).
    pub fn events_since(&self, after: EventId, limit: usize) -> Result<Vec<Event>, StoreError> {
        log::since(&lock(&self.reader), after, limit)
    }

    /// The audit trail of one acta, by its key.
    pub fn acta_history(&self, election: &str, acta: &str) -> Result<Vec<Event>, StoreError> {
        log::of_acta(&lock(&self.reader), election, acta)
    }

    /// The catalogues kept for snapshots.
    pub(crate) fn catalogue_cache(&self) -> Arc<CatalogueCache> {
        Arc::clone(&self.cache)
    }

    /// A new read-only connection of its own (for a [`crate::ReadView`]).
    pub(crate) fn new_reader(&self) -> Result<Connection, StoreError> {
        open_reader(&self.location)
    }
}

/// Opens a read-only connection (a file path, or an in-memory database's URI).
fn open_reader(location: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(location)?;
    configure(&conn)?;
    conn.execute_batch("PRAGMA query_only = ON")?;
    Ok(conn)
}

/// Records one event inside the caller's transaction (see [`Store::record_detailed`]).
/// Every refusal happens before anything is written.
fn record_in(
    tx: &Connection,
    event: &NewEvent,
    authority: &Authority,
) -> Result<Recorded, StoreError> {
    let spec = election::read(tx, &event.election)?;
    let content = event.content.normalised();
    if let Some(c) = content.votes.keys().find(|c| !spec.columns.contains(c)) {
        return Err(StoreError::UnknownColumn {
            election: spec.id,
            column: c.clone(),
        });
    }
    let json = content.to_json()?;
    let sha = sha256_hex(json.as_bytes());
    let target = catalogue::resolve(
        tx,
        &spec.id,
        &event.acta,
        content.details.codigo_integridad.as_deref(),
    )?;
    let key = target.key().to_owned();
    let prev = state::load(tx, &spec, &key)?;
    if let (Some(p), Authority::OwnCaptures(centre)) = (&prev, authority)
        && event.kind != EventKind::Capture
    {
        check_capturer(tx, p, event.kind, centre)?;
    }
    if let Some(id) = derive::decide(prev.as_ref(), &spec.id, &key, event.kind, &sha)? {
        return Ok(Recorded {
            ack: log::ack_of(tx, id)?,
            appended: false,
        });
    }
    let (entry, catalogue_id) = match &target {
        Target::Catalogue { id, entry, .. } => (Some(&**entry), Some(*id)),
        Target::Fuera { .. } => (None, None),
    };
    let fuera = entry.is_none();
    let id = log::append(tx, event, &key, fuera, &json, &sha)?;
    let stored = Event {
        id,
        election: spec.id.clone(),
        acta: key,
        fuera_de_catalogo: fuera,
        ident: event.acta.clone(),
        kind: event.kind,
        origin: event.origin.clone(),
        at_ms: event.at_ms,
        content,
        content_sha256: sha,
    };
    let st = derive::next(prev.as_ref(), &stored, entry, &spec);
    state::save(tx, &st, catalogue_id, &spec)?;
    Ok(Recorded {
        ack: Ack {
            event: stored.id,
            election: stored.election,
            acta: stored.acta,
            kind: stored.kind,
            fuera_de_catalogo: fuera,
            content_sha256: stored.content_sha256,
        },
        appended: true,
    })
}

/// Refuses a verification or correction of `acta` from `centre` when another centre
/// captured it (the capture never changes once recorded, so this holds for the acta's life).
fn check_capturer(
    tx: &Connection,
    acta: &ActaState,
    kind: EventKind,
    centre: &str,
) -> Result<(), StoreError> {
    let captured_by = log::origin_of(tx, acta.capture_event)?;
    if captured_by.centre() == Some(centre) {
        return Ok(());
    }
    Err(StoreError::NotCapturingCentre {
        election: acta.election.clone(),
        acta: acta.acta.clone(),
        kind,
        centre: centre.to_owned(),
        captured_by: captured_by.to_text(),
    })
}

/// Sets the pragmas every connection needs: foreign keys, a full fsync on commit, a page
/// cache of up to 256 MiB and reads through a memory map (a national catalogue and its
/// states are a few hundred megabytes; reading them page by page through system calls
/// made snapshots several times slower).
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA cache_size = -262144;
         PRAGMA mmap_size = 4294967296;",
    )?;
    Ok(())
}

/// Locks a connection. A panic while it was held cannot leave a transaction open (rusqlite
/// rolls back on drop), so a poisoned lock is still usable.
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
