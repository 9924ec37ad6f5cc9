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

/// The classification of an acta: *fuera de catálogo* without an entry; the institute's own
/// when the content carries it ([`crate::PublishedClassification`], read with the election's
/// counting profile); otherwise Anexo 13's, [`classify`] with the entry's vote limit (none
/// for the casilla types the rules exempt).
pub fn classification(
    votes: &[Value],
    content: &ActaContent,
    entry: Option<&CatalogueEntry>,
    spec: &ElectionSpec,
) -> Classification {
    match entry {
        None => fuera_de_catalogo(),
        Some(_) if let Some(c) = published_classification(votes, content, spec) => c,
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

/// The classification an institute published for an acta of its catalogue, as its counting
/// profile reads it; `None` when the content carries none, or one that is no status of an
/// acta captured in the catalogue (not captured, fuera de catálogo).
fn published_classification(
    votes: &[Value],
    content: &ActaContent,
    spec: &ElectionSpec,
) -> Option<Classification> {
    let p = content.details.published.as_ref()?;
    let observations = spec.rules.observations(&p.observaciones);
    let status = spec
        .rules
        .status(p.contabilizada.as_bytes(), &observations)
        .filter(|s| matches!(s, Contabilizada::Si | Contabilizada::No))?;
    let total = votes.iter().filter_map(Value::number).sum();
    Some(Classification {
        status,
        observations,
        total_votos: content.details.sin_acta.is_none().then_some(total),
    })
}

/// The classification of an acta fuera de catálogo.
pub fn fuera_de_catalogo() -> Classification {
    Classification {
        status: Contabilizada::FueraDeCatalogo,
        observations: Observations::of(Observation::FueraDeCatalogo),
        total_votos: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PublishedClassification;
    use prep_model::{CasillaType, Geography};

    fn entry() -> CatalogueEntry {
        CatalogueEntry {
            clave_casilla: "260006B0100".into(),
            clave_acta: "260006B01002".into(),
            casilla_type: CasillaType::Basica,
            id_casilla: "0001".into(),
            ext_contigua: "0".into(),
            ubicacion: 1,
            tipo_acta: "2".into(),
            lista_nominal: 630,
            representantes: 48,
            boletas_especial: None,
            geography: Geography::default(),
        }
    }

    fn spec() -> ElectionSpec {
        ElectionSpec {
            id: "gob".into(),
            title: "GUBERNATURA".into(),
            columns: vec!["PAN".into(), "PRI".into()],
            rules: prep_count::profiles::profile("iee-sonora-2021").expect("profile"),
        }
    }

    fn content(published: Option<(&str, &str)>) -> ActaContent {
        let mut c = ActaContent::default();
        c.votes.insert("PAN".into(), Value::Number(103));
        c.votes.insert("PRI".into(), Value::Number(122));
        c.details.published = published.map(|(s, o)| PublishedClassification {
            contabilizada: s.into(),
            observaciones: o.into(),
            identification: Default::default(),
        });
        c
    }

    #[test]
    fn an_institutes_own_legend_is_kept_where_the_cells_would_give_none() {
        let spec = spec();
        let votes = [Value::Number(103), Value::Number(122)];
        // Sonora 2021, '260006B0100: every cell a number, yet "ALGÚN CAMPO ILEGIBLE O SIN
        // DATO"; counted.
        let c = content(Some(("1", "ALGÚN CAMPO ILEGIBLE O SIN DATO")));
        let got = classification(&votes, &c, Some(&entry()), &spec);
        assert_eq!(got.status, Contabilizada::Si);
        assert!(
            got.observations
                .contains(Observation::AlgunCampoIlegibleOSinDato)
        );
        assert_eq!(got.total_votos, Some(225));
        // The same cells captured through the ingest API: no legend.
        let got = classification(&votes, &content(None), Some(&entry()), &spec);
        assert_eq!(
            (got.status, got.observations),
            (Contabilizada::Si, Observations::NONE)
        );
        // A published status that is none of a captured catalogue acta falls back to the cells.
        let got = classification(&votes, &content(Some(("-", ""))), Some(&entry()), &spec);
        assert_eq!(got.status, Contabilizada::Si);
        // Without an entry the acta is fuera de catálogo, whatever was published.
        let got = classification(&votes, &content(Some(("1", ""))), None, &spec);
        assert_eq!(got.status, Contabilizada::FueraDeCatalogo);
    }
}
