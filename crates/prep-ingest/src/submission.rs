//! [`Submission`]: the JSON body of one capture, verification or correction, and its
//! validation into the store's [`NewEvent`]. Every refusal names its field.

use crate::ApiError;
use prep_model::{SinActaReason, Value};
use prep_store::{ActaContent, ActaDetails, ActaIdent, EventKind, NewEvent, Origin};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The largest vote count or other count accepted in one cell (sums of many cells must not
/// overflow; no acta comes near it).
pub const MAX_COUNT: u64 = 1_000_000_000;
/// Longest free-text detail accepted.
const MAX_TEXT: usize = 64;
/// Longest identification part accepted.
const MAX_IDENT: usize = 32;
/// Most vote cells or count cells in one submission.
const MAX_CELLS: usize = 256;

/// The counts besides votes an acta may carry, by their published column names.
pub const COUNT_NAMES: &[&str] = &[
    "TOTAL_BOLETAS_SOBRANTES",
    "TOTAL_PERSONAS_VOTARON",
    "TOTAL_REP_PARTIDO_CI_VOTARON",
    "TOTAL_VOTOS_SACADOS",
    "CODIGOS_ENTREGADOS_PMDC",
    "CODIGOS_SOBRANTES",
    "CODIGOS_UTILIZADOS",
    "NUM_BOLETAS_SOBRANTES",
    "TOTAL_CIUDADANOS_VOTARON",
    "NUM_BOLETAS_EXTRAIDAS",
];

/// One capture, verification or correction of an acta, as a capture centre sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// The election id (`GUB`, `PRES`, …).
    pub election: String,
    /// `capture`, `verification` or `correction`.
    pub kind: EventKind,
    /// Which acta.
    pub acta: ActaRef,
    /// Vote cells by column: a whole number, or `"ILEGIBLE"`, `"SIN DATO"`, `"SIN ACTA"`,
    /// `"-"` (not on this ballot), `"N/A"`.
    #[serde(default)]
    pub votes: BTreeMap<String, serde_json::Value>,
    /// Everything else captured.
    #[serde(default)]
    pub details: DetailsIn,
}

/// How the acta is identified: its CLAVE_ACTA, or the fields it is composed of.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActaRef {
    /// CLAVE_ACTA (`210423C01002`).
    pub clave_acta: Option<String>,
    /// ID_ENTIDAD (`21`).
    pub id_entidad: Option<String>,
    /// SECCION (`0423`).
    pub seccion: Option<String>,
    /// TIPO_CASILLA (`C`).
    pub tipo_casilla: Option<String>,
    /// ID_CASILLA (`01`).
    pub id_casilla: Option<String>,
    /// EXT_CONTIGUA (`00`).
    pub ext_contigua: Option<String>,
    /// TIPO_ACTA (`2`).
    pub tipo_acta: Option<String>,
    /// The district or municipio id, for actas that share a CLAVE_ACTA.
    pub id_area: Option<String>,
    /// Which of several catalogue entries with the same CLAVE_ACTA and area (1, 2, …).
    pub occurrence: Option<u32>,
}

/// Why an acta is SIN ACTA, on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SinActaIn {
    /// SIN ACTA POR CASILLA NO INSTALADA.
    CasillaNoInstalada,
    /// SIN ACTA POR PAQUETE NO ENTREGADO.
    PaqueteNoEntregado,
    /// SIN ACTA POR PAQUETE ENTREGADO SIN BOLSA.
    PaqueteSinBolsa,
    /// SIN ACTA POR CONTINGENCIA.
    Contingencia,
    /// SIN ACTA, no reason given.
    Unspecified,
}

impl From<SinActaIn> for SinActaReason {
    fn from(r: SinActaIn) -> SinActaReason {
        match r {
            SinActaIn::CasillaNoInstalada => SinActaReason::CasillaNoInstalada,
            SinActaIn::PaqueteNoEntregado => SinActaReason::PaqueteNoEntregado,
            SinActaIn::PaqueteSinBolsa => SinActaReason::PaqueteSinBolsa,
            SinActaIn::Contingencia => SinActaReason::Contingencia,
            SinActaIn::Unspecified => SinActaReason::Unspecified,
        }
    }
}

/// Everything captured from an acta besides its votes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailsIn {
    /// TOTAL_VOTOS_ASENTADO (a cell, like the votes); `-` when absent.
    pub total_votos_asentado: Option<serde_json::Value>,
    /// Other counts by column name (see [`COUNT_NAMES`]).
    #[serde(default)]
    pub counts: BTreeMap<String, serde_json::Value>,
    /// Why the acta is SIN ACTA.
    pub sin_acta: Option<SinActaIn>,
    /// CODIGO_INTEGRIDAD: SHA-256 of the acta's image, 64 hex digits.
    pub codigo_integridad: Option<String>,
    /// FECHA_HORA_ACOPIO, `DD/MM/YYYY HH:MM:SS`.
    pub fecha_hora_acopio: Option<String>,
    /// FECHA_HORA_CAPTURA as the client declares it, `DD/MM/YYYY HH:MM:SS` (the event's
    /// own time is the server's clock at receipt).
    pub fecha_hora_captura: Option<String>,
    /// FECHA_HORA_VERIFICACION, `DD/MM/YYYY HH:MM:SS`.
    pub fecha_hora_verificacion: Option<String>,
    /// MECANISMOS_TRASLADO (`F`, `D`, `I`).
    pub mecanismos_traslado: Option<String>,
    /// ORIGEN (`CATD`, `CASILLA`).
    pub origen: Option<String>,
    /// DIGITALIZACION (`ESCANER`, `MOVIL`).
    pub digitalizacion: Option<String>,
    /// TIPO_DOCUMENTO (`ACTA PREP`, …).
    pub tipo_documento: Option<String>,
}

impl Submission {
    /// Validates the submission into the event the store records, from `origin` at
    /// `at_ms` (the server's clock).
    pub fn into_event(self, origin: Origin, at_ms: i64) -> Result<NewEvent, ApiError> {
        let election = self.election.trim();
        if election.is_empty() || election.len() > MAX_IDENT {
            return Err(ApiError::invalid(
                "election",
                "the election id must be 1 to 32 characters (GUB, PRES, …)",
            ));
        }
        if self.votes.len() > MAX_CELLS {
            return Err(ApiError::invalid(
                "votes",
                format!("at most {MAX_CELLS} vote cells per acta"),
            ));
        }
        let mut votes = BTreeMap::new();
        for (column, cell) in &self.votes {
            votes.insert(
                column.clone(),
                parse_cell(&format!("votes.{column}"), cell)?,
            );
        }
        let details = self.details.into_details()?;
        let acta = self.acta.into_ident()?;
        Ok(NewEvent {
            election: election.to_owned(),
            acta,
            kind: self.kind,
            origin,
            at_ms,
            content: ActaContent { votes, details },
        })
    }
}

impl ActaRef {
    /// The identification, from CLAVE_ACTA or from its six fields (both: they must agree).
    pub fn into_ident(self) -> Result<ActaIdent, ApiError> {
        let parts = [
            ("id_entidad", &self.id_entidad),
            ("seccion", &self.seccion),
            ("tipo_casilla", &self.tipo_casilla),
            ("id_casilla", &self.id_casilla),
            ("ext_contigua", &self.ext_contigua),
            ("tipo_acta", &self.tipo_acta),
        ];
        for (name, value) in parts.iter().chain([
            &("clave_acta", &self.clave_acta),
            &("id_area", &self.id_area),
        ]) {
            if let Some(v) = value {
                check_ident_part(&format!("acta.{name}"), v)?;
            }
        }
        let given: Vec<&str> = parts
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(n, _)| *n)
            .collect();
        let composed = if given.len() > usize::from(self.id_entidad.is_some()) {
            let missing: Vec<&str> = parts
                .iter()
                .filter(|(_, v)| v.is_none())
                .map(|(n, _)| *n)
                .collect();
            if !missing.is_empty() {
                return Err(ApiError::invalid(
                    format!("acta.{}", missing[0]),
                    format!(
                        "the acta is identified by its fields but {} missing: give all of id_entidad, seccion, tipo_casilla, id_casilla, ext_contigua, tipo_acta, or clave_acta",
                        missing.join(", ") + if missing.len() == 1 { " is" } else { " are" }
                    ),
                ));
            }
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            Some(ActaIdent::from_fields(
                &text(&self.id_entidad),
                &text(&self.seccion),
                &text(&self.tipo_casilla),
                &text(&self.id_casilla),
                &text(&self.ext_contigua),
                &text(&self.tipo_acta),
            ))
        } else {
            None
        };
        let mut ident = match (composed, &self.clave_acta) {
            (Some(c), Some(clave)) if c.clave_acta != clave.trim() => {
                return Err(ApiError::invalid(
                    "acta.clave_acta",
                    format!(
                        "clave_acta {clave} does not match the acta's fields, which compose {}",
                        c.clave_acta
                    ),
                ));
            }
            (Some(c), _) => c,
            (None, clave) => ActaIdent {
                clave_acta: clave.as_deref().unwrap_or_default().trim().to_owned(),
                id_entidad: self.id_entidad.clone(),
                ..ActaIdent::default()
            },
        };
        ident.id_area = self.id_area.map(|a| a.trim().to_owned());
        ident.occurrence = self.occurrence;
        if ident.occurrence == Some(0) {
            return Err(ApiError::invalid(
                "acta.occurrence",
                "occurrence counts from 1 (the first catalogue entry with this CLAVE_ACTA and area)",
            ));
        }
        Ok(ident)
    }
}

impl DetailsIn {
    /// Validates the details.
    pub fn into_details(self) -> Result<ActaDetails, ApiError> {
        if self.counts.len() > COUNT_NAMES.len() {
            return Err(ApiError::invalid("details.counts", "too many counts"));
        }
        let mut counts = BTreeMap::new();
        for (name, cell) in &self.counts {
            let field = format!("details.counts.{name}");
            if !COUNT_NAMES.contains(&name.as_str()) {
                return Err(ApiError::invalid(
                    field,
                    format!(
                        "'{name}' is not a count an acta carries; use one of {}",
                        COUNT_NAMES.join(", ")
                    ),
                ));
            }
            counts.insert(name.clone(), parse_cell(&field, cell)?);
        }
        let total_votos_asentado = match &self.total_votos_asentado {
            Some(cell) => parse_cell("details.total_votos_asentado", cell)?,
            None => Value::Dash,
        };
        let codigo_integridad = match self.codigo_integridad {
            Some(c) => {
                let c = c.trim().to_ascii_lowercase();
                if c.len() != 64 || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(ApiError::invalid(
                        "details.codigo_integridad",
                        "CODIGO_INTEGRIDAD must be the SHA-256 of the acta's image: 64 hexadecimal digits",
                    ));
                }
                Some(c)
            }
            None => None,
        };
        Ok(ActaDetails {
            total_votos_asentado,
            counts,
            sin_acta: self.sin_acta.map(SinActaReason::from),
            codigo_integridad,
            fecha_hora_acopio: timestamp("fecha_hora_acopio", self.fecha_hora_acopio)?,
            fecha_hora_captura: timestamp("fecha_hora_captura", self.fecha_hora_captura)?,
            fecha_hora_verificacion: timestamp(
                "fecha_hora_verificacion",
                self.fecha_hora_verificacion,
            )?,
            mecanismos_traslado: text("mecanismos_traslado", self.mecanismos_traslado)?,
            origen: text("origen", self.origen)?,
            digitalizacion: text("digitalizacion", self.digitalizacion)?,
            tipo_documento: text("tipo_documento", self.tipo_documento)?,
            // A capture centre never asserts a classification: the store derives it.
            published: None,
        })
    }
}

/// One vote or count cell: a whole number up to [`MAX_COUNT`] (as a JSON number or its
/// digits), or one of the legends.
pub fn parse_cell(field: &str, cell: &serde_json::Value) -> Result<Value, ApiError> {
    let bad = |what: String| {
        ApiError::invalid(
            field,
            format!(
                "{field}: {what} is not a cell value; use a whole number from 0 to {MAX_COUNT}, or \"ILEGIBLE\", \"SIN DATO\", \"SIN ACTA\", \"-\" (not on this ballot) or \"N/A\""
            ),
        )
    };
    let value = match cell {
        serde_json::Value::Number(n) => match n.as_u64() {
            Some(v) => Value::Number(v),
            None => return Err(bad(n.to_string())),
        },
        serde_json::Value::String(s) => match Value::parse(s) {
            Value::Empty | Value::Text(_) => return Err(bad(format!("\"{s}\""))),
            v => v,
        },
        other => return Err(bad(other.to_string())),
    };
    if value.number().is_some_and(|n| n > MAX_COUNT) {
        return Err(bad(value.to_string()));
    }
    Ok(value)
}

/// Checks an identification part: 1–32 ASCII letters, digits, `-` or `/` (`N/A`).
fn check_ident_part(field: &str, value: &str) -> Result<(), ApiError> {
    let v = value.trim();
    let ok = !v.is_empty()
        && v.len() <= MAX_IDENT
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'/');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!(
                "{field} '{value}' is not an identification: use 1 to {MAX_IDENT} ASCII letters or digits"
            ),
        ))
    }
}

/// A `DD/MM/YYYY HH:MM:SS` time stamp as the database prints it.
fn timestamp(name: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(v) = value else { return Ok(None) };
    let b = v.as_bytes();
    let shape = b"00/00/0000 00:00:00";
    let ok = b.len() == shape.len()
        && b.iter().zip(shape).all(|(c, s)| {
            if *s == b'0' {
                c.is_ascii_digit()
            } else {
                c == s
            }
        });
    if ok {
        Ok(Some(v))
    } else {
        Err(ApiError::invalid(
            format!("details.{name}"),
            format!(
                "details.{name} '{v}' is not a time stamp as the database prints it: DD/MM/YYYY HH:MM:SS"
            ),
        ))
    }
}

/// A short free-text detail: at most [`MAX_TEXT`] printable characters.
fn text(name: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(v) = value else { return Ok(None) };
    if v.chars().count() > MAX_TEXT || v.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            format!("details.{name}"),
            format!("details.{name} must be at most {MAX_TEXT} printable characters"),
        ));
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_accept_numbers_and_legends_only() {
        assert_eq!(parse_cell("v", &json!(12)).expect("n"), Value::Number(12));
        assert_eq!(parse_cell("v", &json!("12")).expect("s"), Value::Number(12));
        assert_eq!(
            parse_cell("v", &json!("ILEGIBLE")).expect("i"),
            Value::Ilegible
        );
        assert_eq!(
            parse_cell("v", &json!("SIN DATO")).expect("d"),
            Value::SinDato
        );
        assert_eq!(parse_cell("v", &json!("-")).expect("-"), Value::Dash);
        for bad in [
            json!(-3),
            json!(1.5),
            json!("012"),
            json!("x"),
            json!(""),
            json!(null),
        ] {
            let e = parse_cell("votes.PAN", &bad).expect_err("bad");
            assert_eq!(e.field.as_deref(), Some("votes.PAN"));
            assert!(e.message.starts_with("votes.PAN: "), "{}", e.message);
        }
        assert!(parse_cell("v", &json!(MAX_COUNT + 1)).is_err());
    }

    #[test]
    fn acta_by_fields_or_by_clave() {
        let by_fields = ActaRef {
            id_entidad: Some("21".into()),
            seccion: Some("0423".into()),
            tipo_casilla: Some("C".into()),
            id_casilla: Some("01".into()),
            ext_contigua: Some("00".into()),
            tipo_acta: Some("2".into()),
            ..ActaRef::default()
        };
        assert_eq!(
            by_fields.clone().into_ident().expect("fields").clave_acta,
            "210423C01002"
        );
        let mut both = by_fields.clone();
        both.clave_acta = Some("210423C01003".into());
        let e = both.into_ident().expect_err("mismatch");
        assert_eq!(e.field.as_deref(), Some("acta.clave_acta"));
        let mut partial = by_fields;
        partial.seccion = None;
        let e = partial.into_ident().expect_err("missing");
        assert_eq!(e.field.as_deref(), Some("acta.seccion"));
        let by_clave = ActaRef {
            clave_acta: Some("210423C01002".into()),
            id_entidad: Some("21".into()),
            ..ActaRef::default()
        };
        assert_eq!(
            by_clave.into_ident().expect("clave").clave_acta,
            "210423C01002"
        );
        let e = ActaRef {
            clave_acta: Some("21 04".into()),
            ..ActaRef::default()
        }
        .into_ident()
        .expect_err("space");
        assert_eq!(e.field.as_deref(), Some("acta.clave_acta"));
    }

    #[test]
    fn details_are_checked() {
        let d = DetailsIn {
            counts: [("TOTAL_VOTOS".to_owned(), json!(3))].into(),
            ..DetailsIn::default()
        };
        let e = d.into_details().expect_err("unknown count");
        assert_eq!(e.field.as_deref(), Some("details.counts.TOTAL_VOTOS"));
        let d = DetailsIn {
            fecha_hora_captura: Some("2024-06-02 21:00".into()),
            ..DetailsIn::default()
        };
        let e = d.into_details().expect_err("time");
        assert_eq!(e.field.as_deref(), Some("details.fecha_hora_captura"));
        let d = DetailsIn {
            codigo_integridad: Some("abc".into()),
            ..DetailsIn::default()
        };
        assert!(d.into_details().is_err());
    }

    #[test]
    fn a_capture_centre_cannot_assert_a_classification() {
        // Only a bulk load of a published database carries the institute's CONTABILIZADA and
        // OBSERVACIONES; a capture that names them is refused, not obeyed.
        let body = json!({
            "counts": {},
            "published": {"contabilizada": "0", "observaciones": "EXCEDE LISTA NOMINAL"}
        });
        assert!(serde_json::from_value::<DetailsIn>(body).is_err());
        let details = DetailsIn::default().into_details().expect("details");
        assert_eq!(details.published, None);
    }
}
