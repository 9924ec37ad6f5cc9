//! The current state of an acta as a fold over its events: the one function both
//! [`crate::Store::record`] and the replay of the audit trail use.

use crate::{ActaContent, ActaIdent, ElectionSpec, Event, EventId, EventKind, StoreError};
use prep_count::{Classification, classify};
use prep_model::{CatalogueEntry, Contabilizada, Observation, Observations, Value};

/// Where an acta stands in the capture process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaptureStatus {
    /// Captured (or corrected) and not verified since.
    Captured,
    /// Verified.
    Verified,
}

impl CaptureStatus {
    /// The name stored in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureStatus::Captured => "captured",
            CaptureStatus::Verified => "verified",
        }
    }

    /// Parses [`CaptureStatus::as_str`].
    pub fn parse(s: &str) -> Option<CaptureStatus> {
        match s {
            "captured" => Some(CaptureStatus::Captured),
            "verified" => Some(CaptureStatus::Verified),
            _ => None,
        }
    }
}

/// The current state of one captured acta, derived from its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActaState {
    /// The election id.
    pub election: String,
    /// The store's key of the acta.
    pub acta: String,
    /// True when the acta matches no catalogue entry.
    pub fuera_de_catalogo: bool,
    /// The identification of its last event, as captured.
    pub ident: ActaIdent,
    /// Captured or verified.
    pub status: CaptureStatus,
    /// The current content (that of the last event).
    pub content: ActaContent,
    /// SHA-256 of the current content.
    pub content_sha256: String,
    /// CONTABILIZADA, OBSERVACIONES and TOTAL_VOTOS_CALCULADO under the election's rules.
    pub classification: Classification,
    /// The event that captured it.
    pub capture_event: EventId,
    /// SHA-256 of the content of that capture.
    pub capture_sha256: String,
    /// The last event applied.
    pub last_event: EventId,
    /// The kind of the last event.
    pub last_kind: EventKind,
}

/// Decides what a new event means for an acta whose state is `prev`: `Ok(Some(id))` when it
/// repeats the stored event `id` (same answer, nothing stored), `Ok(None)` when it is to be
/// appended, or the refusal.
///
/// - A capture of an uncaptured acta is appended. A capture of a captured acta with the
///   content of its first capture repeats that capture; with another content it conflicts.
/// - A verification or correction of an uncaptured acta is refused. One with the kind and
///   content of the acta's last event repeats it; otherwise it is appended.
pub fn decide(
    prev: Option<&ActaState>,
    election: &str,
    acta: &str,
    kind: EventKind,
    content_sha256: &str,
) -> Result<Option<EventId>, StoreError> {
    match (kind, prev) {
        (EventKind::Capture, None) => Ok(None),
        (EventKind::Capture, Some(p)) if p.capture_sha256 == content_sha256 => {
            Ok(Some(p.capture_event))
        }
        (EventKind::Capture, Some(p)) => Err(StoreError::Conflict {
            election: election.to_owned(),
            acta: acta.to_owned(),
            existing: p.capture_event,
        }),
        (_, None) => Err(StoreError::NotCaptured {
            election: election.to_owned(),
            acta: acta.to_owned(),
        }),
        (k, Some(p)) if p.last_kind == k && p.content_sha256 == content_sha256 => {
            Ok(Some(p.last_event))
        }
        (_, Some(_)) => Ok(None),
    }
}

/// The state after applying `event` (already accepted by [`decide`]) to `prev`. `entry` is
/// the catalogue entry of the acta (`None`: fuera de catálogo).
pub fn next(
    prev: Option<&ActaState>,
    event: &Event,
    entry: Option<&CatalogueEntry>,
    spec: &ElectionSpec,
) -> ActaState {
    let votes = ordered_votes(&event.content, spec);
    let (capture_event, capture_sha256) = match prev {
        Some(p) if event.kind != EventKind::Capture => (p.capture_event, p.capture_sha256.clone()),
        _ => (event.id, event.content_sha256.clone()),
    };
    ActaState {
        election: event.election.clone(),
        acta: event.acta.clone(),
        fuera_de_catalogo: entry.is_none(),
        ident: event.ident.clone(),
        status: match event.kind {
            EventKind::Verification => CaptureStatus::Verified,
            EventKind::Capture | EventKind::Correction => CaptureStatus::Captured,
        },
        classification: classification(&votes, &event.content, entry, spec),
        content: event.content.clone(),
        content_sha256: event.content_sha256.clone(),
        capture_event,
        capture_sha256,
        last_event: event.id,
        last_kind: event.kind,
    }
}

/// The vote cells in the election's column order, `-` for a column the content leaves out.
pub fn ordered_votes(content: &ActaContent, spec: &ElectionSpec) -> Vec<Value> {
    spec.columns
        .iter()
        .map(|c| content.votes.get(c).cloned().unwrap_or(Value::Dash))
        .collect()
}

/// The Anexo 13 classification of an acta: [`classify`] with the entry's vote limit (none
/// for the casilla types the rules exempt), or *fuera de catálogo* without an entry.
pub fn classification(
    votes: &[Value],
    content: &ActaContent,
    entry: Option<&CatalogueEntry>,
    spec: &ElectionSpec,
) -> Classification {
    match entry {
        None => fuera_de_catalogo(),
        Some(e) => {
            let limit = spec
                .rules
                .has_vote_limit(e.casilla_type)
                .then(|| e.vote_limit())
                .flatten();
            classify(votes, content.details.sin_acta, limit)
        }
    }
}

/// The classification of an acta fuera de catálogo.
pub fn fuera_de_catalogo() -> Classification {
    Classification {
        status: Contabilizada::FueraDeCatalogo,
        observations: Observations::of(Observation::FueraDeCatalogo),
        total_votos: None,
    }
}
