//! Elections: their definition (id, title, vote columns, counting rules).

use crate::StoreError;
use prep_count::Rules;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// What the store needs to know of an election.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionSpec {
    /// Short id (`PRES`, `GUB`, `AYUN`).
    pub id: String,
    /// The title line of its database (`PRESIDENCIA`).
    pub title: String,
    /// The vote column names, in published order.
    pub columns: Vec<String>,
    /// The counting rules its actas are classified with (which casilla types are held to a
    /// vote limit, which observations are inconsistencies).
    pub rules: Rules,
}

impl ElectionSpec {
    /// Checks that the id and the columns are usable.
    pub fn validate(&self) -> Result<(), StoreError> {
        let bad = |reason: String| StoreError::BadElection {
            election: self.id.clone(),
            reason,
        };
        if self.id.trim().is_empty() || self.id.trim() != self.id {
            return Err(bad(
                "the id must be non-empty, without surrounding spaces".into()
            ));
        }
        if self.columns.is_empty() {
            return Err(bad("an election needs at least one vote column".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.columns {
            if c.trim().is_empty() {
                return Err(bad("a vote column has an empty name".into()));
            }
            if !seen.insert(c.as_str()) {
                return Err(bad(format!("the vote column '{c}' appears twice")));
            }
        }
        Ok(())
    }
}

/// True when the election has any event.
pub(crate) fn has_events(conn: &Connection, election: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM event WHERE election = ?1 LIMIT 1",
            [election],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Defines an election, or redefines it while it has no events. Defining it again with the
/// same spec is a no-op.
pub(crate) fn define(conn: &Connection, spec: &ElectionSpec) -> Result<(), StoreError> {
    spec.validate()?;
    let columns = serde_json::to_string(&spec.columns)?;
    let rules = serde_json::to_string(&spec.rules)?;
    match read(conn, &spec.id).optional_election()? {
        None => {
            conn.execute(
                "INSERT INTO election (id, title, columns, rules) VALUES (?1, ?2, ?3, ?4)",
                params![spec.id, spec.title, columns, rules],
            )?;
        }
        Some(old) if old == *spec => {}
        Some(_) if has_events(conn, &spec.id)? => {
            return Err(StoreError::ElectionHasEvents(spec.id.clone()));
        }
        Some(_) => {
            conn.execute(
                "UPDATE election SET title = ?2, columns = ?3, rules = ?4 WHERE id = ?1",
                params![spec.id, spec.title, columns, rules],
            )?;
        }
    }
    Ok(())
}

/// Reads an election's spec.
pub(crate) fn read(conn: &Connection, id: &str) -> Result<ElectionSpec, StoreError> {
    let row = conn
        .prepare_cached("SELECT title, columns, rules FROM election WHERE id = ?1")?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    let (title, columns, rules) = row.ok_or_else(|| StoreError::UnknownElection(id.to_owned()))?;
    Ok(ElectionSpec {
        id: id.to_owned(),
        title,
        columns: serde_json::from_str(&columns)?,
        rules: serde_json::from_str(&rules)?,
    })
}

/// Every election id, sorted.
pub(crate) fn ids(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT id FROM election ORDER BY id")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

trait OptionalElection {
    fn optional_election(self) -> Result<Option<ElectionSpec>, StoreError>;
}

impl OptionalElection for Result<ElectionSpec, StoreError> {
    fn optional_election(self) -> Result<Option<ElectionSpec>, StoreError> {
        match self {
            Ok(s) => Ok(Some(s)),
            Err(StoreError::UnknownElection(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
