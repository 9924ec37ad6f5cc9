//! Why the store refused or failed.

use crate::EventId;

/// An error of the store. The variants before [`StoreError::Sqlite`] are refusals of the
/// input (the ingest API answers them with a 4xx); the others are failures of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No election with this id is defined.
    #[error("no election '{0}' is defined")]
    UnknownElection(String),
    /// The election definition is unusable.
    #[error("election '{election}': {reason}")]
    BadElection {
        /// The election id.
        election: String,
        /// What is wrong.
        reason: String,
    },
    /// The content names a vote column the election does not have.
    #[error("election '{election}' has no vote column '{column}'")]
    UnknownColumn {
        /// The election id.
        election: String,
        /// The column named.
        column: String,
    },
    /// The acta has already been captured with another content; only a correction can
    /// change it.
    #[error(
        "acta {acta} of election '{election}' was already captured (event {existing}) with another content; send a correction to change it"
    )]
    Conflict {
        /// The election id.
        election: String,
        /// The acta's key.
        acta: String,
        /// The event of the first capture.
        existing: EventId,
    },
    /// A verification or correction of an acta that has not been captured.
    #[error("acta {acta} of election '{election}' has not been captured yet")]
    NotCaptured {
        /// The election id.
        election: String,
        /// The acta's key.
        acta: String,
    },
    /// The identification matches several catalogue entries; give the area or the
    /// occurrence.
    #[error(
        "CLAVE_ACTA {clave} matches several actas of the catalogue ({}); give the area or the occurrence",
        candidates.join(", ")
    )]
    Ambiguous {
        /// The CLAVE_ACTA given.
        clave: String,
        /// The keys of the entries it matches.
        candidates: Vec<String>,
    },
    /// Neither a CLAVE_ACTA nor a CODIGO_INTEGRIDAD: nothing identifies the acta.
    #[error("the acta has neither a CLAVE_ACTA nor a CODIGO_INTEGRIDAD to identify it")]
    Unidentified,
    /// The catalogue or the columns of an election cannot change once it has events.
    #[error("election '{0}' already has events: its catalogue and columns can no longer change")]
    ElectionHasEvents(String),
    /// A verification or correction from a centre that did not capture the acta, without
    /// the right to amend others' captures.
    #[error(
        "centre '{centre}' cannot send a {kind} of acta {acta} of election '{election}': only the centre that captured it ({captured_by}) or a supervisor may verify or correct an acta",
        kind = kind.as_str()
    )]
    NotCapturingCentre {
        /// The election id.
        election: String,
        /// The acta's key.
        acta: String,
        /// The event's kind (verification or correction).
        kind: crate::EventKind,
        /// The centre that sent it.
        centre: String,
        /// The origin of the acta's capture.
        captured_by: String,
    },
    /// The database failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON value could not be written or read.
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored value is not what the schema allows.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// A number does not fit SQLite's 64-bit signed integers.
    #[error("{0} is too large to store")]
    TooLarge(u64),
    /// A migration failed.
    #[error("migration {version:04}_{name}: {source}")]
    Migration {
        /// Its version.
        version: u32,
        /// Its name.
        name: &'static str,
        /// Why.
        source: rusqlite::Error,
    },
    /// A migration already applied to this database differs from this build's.
    #[error("migration {version:04}_{name} applied to this database differs from this build's")]
    MigrationChanged {
        /// Its version.
        version: u32,
        /// Its name.
        name: &'static str,
    },
    /// The database was written by a newer build.
    #[error("the database has schema version {found}; this build knows up to {known}")]
    NewerSchema {
        /// The version found.
        found: u32,
        /// The newest version this build knows.
        known: u32,
    },
}

impl StoreError {
    /// True for a refusal of the input (unknown election or column, conflict, not captured,
    /// not the capturing centre, ambiguous or missing identification), as opposed to a failure of the store.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            StoreError::UnknownElection(_)
                | StoreError::BadElection { .. }
                | StoreError::UnknownColumn { .. }
                | StoreError::Conflict { .. }
                | StoreError::NotCaptured { .. }
                | StoreError::NotCapturingCentre { .. }
                | StoreError::Ambiguous { .. }
                | StoreError::Unidentified
                | StoreError::ElectionHasEvents(_)
                | StoreError::TooLarge(_)
        )
    }
}

/// An `i64` for SQLite from a count.
pub(crate) fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::TooLarge(n))
}

/// A count from SQLite's `i64`.
pub(crate) fn to_u64(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative {what}: {n}")))
}
