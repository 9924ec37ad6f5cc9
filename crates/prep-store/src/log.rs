//! The event log (the audit trail): appending and reading events.

use crate::error::to_u64;
use crate::{Ack, ActaContent, Event, EventId, EventKind, NewEvent, Origin, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// The columns read by [`event_from_row`], in its order.
const EVENT_COLUMNS: &str =
    "id, election, acta, fuera, ident, kind, origin, at_ms, content, content_sha256";

/// Appends an event; returns its id. `content_json` is the stable JSON of the (normalised)
/// content and `sha` its SHA-256.
pub(crate) fn append(
    conn: &Connection,
    ev: &NewEvent,
    acta: &str,
    fuera: bool,
    content_json: &str,
    sha: &str,
) -> Result<EventId, StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO event (election, acta, fuera, ident, kind, origin, at_ms, content,
             content_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    stmt.execute(params![
        ev.election,
        acta,
        fuera,
        serde_json::to_string(&ev.acta)?,
        ev.kind.as_str(),
        ev.origin.to_text(),
        ev.at_ms,
        content_json,
        sha,
    ])?;
    Ok(EventId(to_u64(conn.last_insert_rowid(), "event id")?))
}

/// Reads one event.
pub(crate) fn read(conn: &Connection, id: EventId) -> Result<Option<Event>, StoreError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM event WHERE id = ?1"))?;
    let raw = stmt
        .query_row([crate::error::to_i64(id.0)?], raw_event)
        .optional()?;
    raw.map(RawEvent::into_event).transpose()
}

/// The answer for a stored event.
pub(crate) fn ack_of(conn: &Connection, id: EventId) -> Result<Ack, StoreError> {
    let ev = read(conn, id)?.ok_or_else(|| StoreError::Corrupt(format!("event {id} missing")))?;
    Ok(Ack {
        event: ev.id,
        election: ev.election,
        acta: ev.acta,
        kind: ev.kind,
        fuera_de_catalogo: ev.fuera_de_catalogo,
        content_sha256: ev.content_sha256,
    })
}

/// The origin of one event.
pub(crate) fn origin_of(conn: &Connection, id: EventId) -> Result<Origin, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT origin FROM event WHERE id = ?1")?;
    let text: Option<String> = stmt
        .query_row([crate::error::to_i64(id.0)?], |r| r.get(0))
        .optional()?;
    let text = text.ok_or_else(|| StoreError::Corrupt(format!("event {id} missing")))?;
    Origin::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("event origin '{text}'")))
}

/// Up to `limit` events after `after`, in order.
pub(crate) fn since(
    conn: &Connection,
    after: EventId,
    limit: usize,
) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM event WHERE id > ?1 ORDER BY id LIMIT ?2"
    ))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![crate::error::to_i64(after.0)?, limit], raw_event)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r?.into_event()?);
    }
    Ok(out)
}

/// Every event of one acta, in order.
pub(crate) fn of_acta(
    conn: &Connection,
    election: &str,
    acta: &str,
) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM event WHERE election = ?1 AND acta = ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![election, acta], raw_event)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r?.into_event()?);
    }
    Ok(out)
}

/// Calls `f` on every event of an election, in order, with whether the SHA-256 of its
/// stored content bytes is the one stored beside them.
pub(crate) fn for_each_of_election(
    conn: &Connection,
    election: &str,
    mut f: impl FnMut(Event, bool) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM event WHERE election = ?1 ORDER BY id"
    ))?;
    let mut rows = stmt.query([election])?;
    while let Some(r) = rows.next()? {
        let raw = raw_event(r)?;
        let intact = crate::content::sha256_hex(raw.content.as_bytes()) == raw.content_sha256;
        f(raw.into_event()?, intact)?;
    }
    Ok(())
}

/// The id of the last event, `EventId(0)` when there is none.
pub(crate) fn last_id(conn: &Connection) -> Result<EventId, StoreError> {
    let id: i64 = conn.query_row("SELECT COALESCE(MAX(id), 0) FROM event", [], |r| r.get(0))?;
    Ok(EventId(to_u64(id, "event id")?))
}

/// An event row before its JSON is parsed.
struct RawEvent {
    id: i64,
    election: String,
    acta: String,
    fuera: bool,
    ident: String,
    kind: String,
    origin: String,
    at_ms: i64,
    content: String,
    content_sha256: String,
}

fn raw_event(r: &Row<'_>) -> rusqlite::Result<RawEvent> {
    Ok(RawEvent {
        id: r.get(0)?,
        election: r.get(1)?,
        acta: r.get(2)?,
        fuera: r.get(3)?,
        ident: r.get(4)?,
        kind: r.get(5)?,
        origin: r.get(6)?,
        at_ms: r.get(7)?,
        content: r.get(8)?,
        content_sha256: r.get(9)?,
    })
}

impl RawEvent {
    fn into_event(self) -> Result<Event, StoreError> {
        let content: ActaContent = serde_json::from_str(&self.content)?;
        Ok(Event {
            id: EventId(to_u64(self.id, "event id")?),
            election: self.election,
            acta: self.acta,
            fuera_de_catalogo: self.fuera,
            ident: serde_json::from_str(&self.ident)?,
            kind: EventKind::parse(&self.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("event kind '{}'", self.kind)))?,
            origin: Origin::parse(&self.origin)
                .ok_or_else(|| StoreError::Corrupt(format!("event origin '{}'", self.origin)))?,
            at_ms: self.at_ms,
            content,
            content_sha256: self.content_sha256,
        })
    }
}
