//! Events: captures, verifications and corrections of actas, as submitted and as stored.

use crate::ActaContent;
use serde::{Deserialize, Serialize};

/// The sequence number of a stored event: strictly increasing, never reused. `EventId(0)`
/// means "before the first event".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct EventId(pub u64);

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What an event does to an acta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The first capture of the acta. A second capture with the same content is the same
    /// submission (same answer); with another content it is a conflict.
    Capture,
    /// The verification of a captured acta: its content as verified. The acta becomes
    /// verified.
    Verification,
    /// A correction of a captured acta: its new content. The acta goes back to captured
    /// (the corrected content has not been verified).
    Correction,
}

impl EventKind {
    /// The name stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Capture => "capture",
            EventKind::Verification => "verification",
            EventKind::Correction => "correction",
        }
    }

    /// Parses [`EventKind::as_str`].
    pub fn parse(s: &str) -> Option<EventKind> {
        match s {
            "capture" => Some(EventKind::Capture),
            "verification" => Some(EventKind::Verification),
            "correction" => Some(EventKind::Correction),
            _ => None,
        }
    }
}

/// Who submitted an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Origin {
    /// A capture centre (CATD), by its id.
    Catd(String),
    /// The PREP Casilla app, by device or user id (may be empty).
    PrepCasilla(String),
    /// A bulk load, by its source (a file name).
    BulkLoad(String),
}

impl Origin {
    /// The text stored in the `origin` column: `catd:ID`, `prep-casilla:ID`, `bulk:SOURCE`.
    pub fn to_text(&self) -> String {
        match self {
            Origin::Catd(id) => format!("catd:{id}"),
            Origin::PrepCasilla(id) => format!("prep-casilla:{id}"),
            Origin::BulkLoad(src) => format!("bulk:{src}"),
        }
    }

    /// The capture centre behind this origin: the CATD's or the app's id, or the centre of
    /// a bulk load (`bulk:CENTRE/SOURCE`); `None` when it names none.
    pub fn centre(&self) -> Option<&str> {
        let centre = match self {
            Origin::Catd(id) | Origin::PrepCasilla(id) => id.as_str(),
            Origin::BulkLoad(source) => source.split_once('/')?.0,
        };
        Some(centre).filter(|c| !c.is_empty())
    }

    /// Parses [`Origin::to_text`].
    pub fn parse(text: &str) -> Option<Origin> {
        let (kind, id) = text.split_once(':')?;
        let id = id.to_owned();
        match kind {
            "catd" => Some(Origin::Catd(id)),
            "prep-casilla" => Some(Origin::PrepCasilla(id)),
            "bulk" => Some(Origin::BulkLoad(id)),
            _ => None,
        }
    }
}

/// Who may verify or correct an acta through a call that records an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Authority {
    /// Any acta (the institute's own tools, a supervisor).
    Any,
    /// Only the actas whose capture came from this centre (see [`Origin::centre`]).
    OwnCaptures(String),
}

/// How an acta was identified when it was captured.
///
/// It matches a catalogue entry when the CLAVE_ACTA is the entry's and, where given, the
/// area and the occurrence are the entry's too (compared verbatim, after trimming). It
/// matches no entry → the acta is *fuera de catálogo*.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct ActaIdent {
    /// CLAVE_ACTA as captured; empty when it could not be read.
    pub clave_acta: String,
    /// The district or municipio id (ID_DISTRITO…, ID_MUNICIPIO…) as captured, when given.
    /// It tells apart actas that share a CLAVE_ACTA (voto anticipado of several districts).
    pub id_area: Option<String>,
    /// Which of several catalogue entries with the same CLAVE_ACTA and area this is (1, 2,
    /// …, in catalogue order), when given; published databases do repeat some.
    pub occurrence: Option<u32>,
    /// ID_ENTIDAD as captured, when given (the only identification some actas fuera de
    /// catálogo carry).
    pub id_entidad: Option<String>,
}

impl ActaIdent {
    /// An identification by CLAVE_ACTA alone.
    pub fn clave(clave_acta: impl Into<String>) -> ActaIdent {
        ActaIdent {
            clave_acta: clave_acta.into(),
            ..ActaIdent::default()
        }
    }

    /// Composes CLAVE_ACTA from the identification fields as captured, the way institutes
    /// build it: entidad, sección, casilla type, casilla number, extension, acta type
    /// (`21` `0423` `C` `01` `00` `2` → `210423C01002`).
    pub fn from_fields(
        id_entidad: &str,
        seccion: &str,
        tipo_casilla: &str,
        id_casilla: &str,
        ext_contigua: &str,
        tipo_acta: &str,
    ) -> ActaIdent {
        let parts = [
            id_entidad,
            seccion,
            tipo_casilla,
            id_casilla,
            ext_contigua,
            tipo_acta,
        ];
        ActaIdent {
            clave_acta: parts.iter().map(|p| p.trim()).collect(),
            id_entidad: Some(id_entidad.trim().to_owned()).filter(|s| !s.is_empty()),
            ..ActaIdent::default()
        }
    }

    /// The identification that resolves to a catalogue key as [`crate::Store::load_catalogue`]
    /// returns them: `CLAVE`, `CLAVE@AREA` or `CLAVE@AREA#N`.
    pub fn from_key(key: &str) -> ActaIdent {
        let Some((clave, rest)) = key.split_once('@') else {
            return ActaIdent::clave(key);
        };
        let (area, occurrence) = match rest.split_once('#') {
            Some((area, n)) => (area, n.parse().ok()),
            None => (rest, None),
        };
        ActaIdent {
            clave_acta: clave.to_owned(),
            id_area: Some(area.to_owned()),
            occurrence,
            id_entidad: None,
        }
    }

    /// Adds the area.
    pub fn in_area(mut self, id_area: impl Into<String>) -> ActaIdent {
        self.id_area = Some(id_area.into());
        self
    }
}

/// An event as submitted to [`crate::Store::record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The election id.
    pub election: String,
    /// The acta, as identified by whoever captured it.
    pub acta: ActaIdent,
    /// Capture, verification or correction.
    pub kind: EventKind,
    /// Who submitted it.
    pub origin: Origin,
    /// When, by the caller's clock, in milliseconds since the Unix epoch (the caller owns
    /// the clock, so a simulacro can run it faster).
    pub at_ms: i64,
    /// What was captured.
    pub content: ActaContent,
}

/// A stored event, as the audit trail lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its sequence number.
    pub id: EventId,
    /// The election id.
    pub election: String,
    /// The store's key of the acta it resolved to.
    pub acta: String,
    /// True when that acta is fuera de catálogo.
    pub fuera_de_catalogo: bool,
    /// The identification as captured.
    pub ident: ActaIdent,
    /// Capture, verification or correction.
    pub kind: EventKind,
    /// Who submitted it.
    pub origin: Origin,
    /// When, by the submitter's clock (milliseconds since the Unix epoch).
    pub at_ms: i64,
    /// What was captured (normalised: cells re-parsed from their text).
    pub content: ActaContent,
    /// SHA-256 of the content's stable JSON.
    pub content_sha256: String,
}

/// The answer to a recorded event. Submitting the same event again gives an equal `Ack`
/// (same event id), without storing anything.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ack {
    /// The stored event's sequence number.
    pub event: EventId,
    /// The election id.
    pub election: String,
    /// The store's key of the acta.
    pub acta: String,
    /// Capture, verification or correction.
    pub kind: EventKind,
    /// True when the acta is fuera de catálogo.
    pub fuera_de_catalogo: bool,
    /// SHA-256 of the content's stable JSON.
    pub content_sha256: String,
}

/// What [`crate::Store::record_detailed`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The answer.
    pub ack: Ack,
    /// False when the event repeats one already stored (nothing was written).
    pub appended: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_text_round_trips() {
        for o in [
            Origin::Catd("07".into()),
            Origin::PrepCasilla(String::new()),
            Origin::BulkLoad("a:b.csv".into()),
        ] {
            assert_eq!(Origin::parse(&o.to_text()), Some(o));
        }
        assert_eq!(Origin::parse("nope"), None);
    }

    #[test]
    fn the_centre_of_an_origin() {
        assert_eq!(Origin::Catd("07".into()).centre(), Some("07"));
        assert_eq!(Origin::PrepCasilla("app".into()).centre(), Some("app"));
        assert_eq!(Origin::PrepCasilla(String::new()).centre(), None);
        assert_eq!(Origin::BulkLoad("07/a/b.csv".into()).centre(), Some("07"));
        assert_eq!(Origin::BulkLoad("replay.csv".into()).centre(), None);
        assert_eq!(Origin::BulkLoad("/x.csv".into()).centre(), None);
    }

    #[test]
    fn identification_of_a_key() {
        assert_eq!(
            ActaIdent::from_key("210423B01002"),
            ActaIdent::clave("210423B01002")
        );
        let id = ActaIdent::from_key("210000A01002@012#2");
        assert_eq!(id.clave_acta, "210000A01002");
        assert_eq!(id.id_area.as_deref(), Some("012"));
        assert_eq!(id.occurrence, Some(2));
        assert_eq!(ActaIdent::from_key("210000A01002@015").occurrence, None);
    }

    #[test]
    fn clave_from_fields() {
        let id = ActaIdent::from_fields("21", "0423", "C", "01", "00", "2");
        assert_eq!(id.clave_acta, "210423C01002");
        assert_eq!(id.id_entidad.as_deref(), Some("21"));
    }
}
