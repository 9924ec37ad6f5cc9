//! What the API answers: receipts, acta states and audit-trail events as JSON.

use prep_store::{Ack, ActaContent, ActaState, CaptureStatus, Event, EventKind};
use serde::Serialize;

/// The answer to a submission: the store's acknowledgement (the event is on disk) and the
/// acta's state after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// The stored event's sequence number (the first one's, for a repeat).
    pub event: u64,
    /// The election id.
    pub election: String,
    /// The store's key of the acta: `CLAVE_ACTA`, `CLAVE@AREA[#N]`, or `FC:…` fuera de
    /// catálogo.
    pub acta: String,
    /// Capture, verification or correction.
    pub kind: EventKind,
    /// True when the acta matches no catalogue entry.
    pub fuera_de_catalogo: bool,
    /// SHA-256 of the stored content.
    pub content_sha256: String,
    /// True when this submission repeats one already stored (nothing new was written).
    pub repeat: bool,
    /// The acta's current state.
    pub state: Option<StateView>,
}

impl Receipt {
    /// A receipt from the store's answer and the acta's state.
    pub fn new(ack: Ack, repeat: bool, state: Option<&ActaState>) -> Receipt {
        Receipt {
            event: ack.event.0,
            election: ack.election,
            acta: ack.acta,
            kind: ack.kind,
            fuera_de_catalogo: ack.fuera_de_catalogo,
            content_sha256: ack.content_sha256,
            repeat,
            state: state.map(StateView::of),
        }
    }
}

/// An acta's derived state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateView {
    /// `captured` or `verified`.
    pub status: &'static str,
    /// CONTABILIZADA: `1`, `0`, `2` (fuera de catálogo).
    pub contabilizada: &'static str,
    /// OBSERVACIONES as the database prints them (`-` for none).
    pub observaciones: &'static str,
    /// TOTAL_VOTOS_CALCULADO, when the acta has legible votes.
    pub total_votos_calculado: Option<u64>,
    /// SHA-256 of the current content.
    pub content_sha256: String,
    /// The event that captured it.
    pub capture_event: u64,
    /// The last event applied.
    pub last_event: u64,
}

impl StateView {
    /// The view of a state.
    pub fn of(s: &ActaState) -> StateView {
        StateView {
            status: match s.status {
                CaptureStatus::Captured => "captured",
                CaptureStatus::Verified => "verified",
            },
            contabilizada: s.classification.status.code(),
            observaciones: s.classification.observations.puebla_legend(),
            total_votos_calculado: s.classification.total_votos,
            content_sha256: s.content_sha256.clone(),
            capture_event: s.capture_event.0,
            last_event: s.last_event.0,
        }
    }
}

/// One event of an acta's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventView {
    /// Its sequence number.
    pub event: u64,
    /// Capture, verification or correction.
    pub kind: EventKind,
    /// Who sent it: `catd:ID`, `prep-casilla:ID`, `bulk:SOURCE`.
    pub origin: String,
    /// When it was received, milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// SHA-256 of its content.
    pub content_sha256: String,
    /// What was captured.
    pub content: ActaContent,
}

impl EventView {
    /// The view of an event.
    pub fn of(e: Event) -> EventView {
        EventView {
            event: e.id.0,
            kind: e.kind,
            origin: e.origin.to_text(),
            at_ms: e.at_ms,
            content_sha256: e.content_sha256,
            content: e.content,
        }
    }
}
