//! What is captured from one acta, and its stable serialization.
//!
//! Cells ([`Value`]) are serialized as the text the published database prints (`12`,
//! `ILEGIBLE`, `SIN DATO`, `-`, …), so the stored JSON reads like the CSV and does not
//! depend on how `Value` is laid out in Rust. Maps are sorted by key, so the same content
//! always gives the same bytes and the same SHA-256.

use prep_model::{SinActaReason, Value};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The content of one capture, verification or correction of an acta.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActaContent {
    /// The vote cells by column name (parties, coalitions, independents, NO_REGISTRADAS,
    /// NULOS). A column left out is not on this acta's ballot.
    #[serde(with = "cell_map")]
    pub votes: BTreeMap<String, Value>,
    /// Everything else captured.
    pub details: ActaDetails,
}

/// Everything captured from an acta besides its vote cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActaDetails {
    /// TOTAL_VOTOS_ASENTADO: the total written on the acta.
    #[serde(with = "cell")]
    pub total_votos_asentado: Value,
    /// Other counts by their published column name: TOTAL_BOLETAS_SOBRANTES,
    /// TOTAL_PERSONAS_VOTARON, TOTAL_REP_PARTIDO_CI_VOTARON, TOTAL_VOTOS_SACADOS, …
    #[serde(with = "cell_map")]
    pub counts: BTreeMap<String, Value>,
    /// Why the acta is SIN ACTA, when it did not arrive.
    pub sin_acta: Option<SinActaReason>,
    /// CODIGO_INTEGRIDAD: SHA-256 of the acta's image, lowercase hex.
    pub codigo_integridad: Option<String>,
    /// FECHA_HORA_ACOPIO as captured.
    pub fecha_hora_acopio: Option<String>,
    /// FECHA_HORA_CAPTURA as captured.
    pub fecha_hora_captura: Option<String>,
    /// FECHA_HORA_VERIFICACION as captured.
    pub fecha_hora_verificacion: Option<String>,
    /// MECANISMOS_TRASLADO (`F`, `D`, `I`, …).
    pub mecanismos_traslado: Option<String>,
    /// ORIGEN (`CATD`, `CASILLA`).
    pub origen: Option<String>,
    /// DIGITALIZACION (`ESCANER`, `MOVIL`).
    pub digitalizacion: Option<String>,
    /// TIPO_DOCUMENTO (`ACTA PREP`, `RPP`, `CC`, …).
    pub tipo_documento: Option<String>,
    /// The institute's own classification, when the content comes from its published
    /// database (a bulk load or a replay); never from a capture centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<PublishedClassification>,
}

/// CONTABILIZADA and OBSERVACIONES as an institute's published database prints them for one
/// acta. The store reads the acta's status and legends from them with the election's
/// counting profile, as `prep recount` reads the file, rather than deriving them from the
/// cells: an institute's legends are not always a function of its published cells (IEE
/// Sonora 2021 prints `ALGÚN CAMPO ILEGIBLE O SIN DATO` on actas whose every cell is a
/// number, INE 2019 `SIN DATO,ILEGIBLE` on counted and on uncounted actas), and a corte of
/// that database prints them back as they were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedClassification {
    /// CONTABILIZADA as printed (`1`, `0`, `2`, `-`, …).
    pub contabilizada: String,
    /// OBSERVACIONES exactly as printed, spaces kept (` - `, `-`, empty, a legend).
    pub observaciones: String,
    /// For an acta fuera de catálogo, the identification cells its row printed (SECCION,
    /// ID_CASILLA, TIPO_CASILLA, … as far as they were read), by column name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identification: BTreeMap<String, String>,
}

impl Default for ActaDetails {
    fn default() -> Self {
        ActaDetails {
            total_votos_asentado: Value::Dash,
            counts: BTreeMap::new(),
            sin_acta: None,
            codigo_integridad: None,
            fecha_hora_acopio: None,
            fecha_hora_captura: None,
            fecha_hora_verificacion: None,
            mecanismos_traslado: None,
            origen: None,
            digitalizacion: None,
            tipo_documento: None,
            published: None,
        }
    }
}

impl ActaContent {
    /// The content as it will read back from the store: every cell re-parsed from its text
    /// (a `Value::Text("12")` becomes `Value::Number(12)`, as the published file would).
    pub fn normalised(&self) -> ActaContent {
        let norm = |v: &Value| Value::parse(&v.to_string());
        let mut c = self.clone();
        for v in c.votes.values_mut() {
            *v = norm(v);
        }
        for v in c.details.counts.values_mut() {
            *v = norm(v);
        }
        c.details.total_votos_asentado = norm(&c.details.total_votos_asentado);
        c
    }

    /// The stable JSON of this content (keys sorted, cells as their text).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// SHA-256 of [`ActaContent::to_json`], lowercase hex.
    pub fn sha256(&self) -> Result<String, serde_json::Error> {
        Ok(sha256_hex(self.to_json()?.as_bytes()))
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A [`Value`] as its cell text.
pub(crate) mod cell {
    use prep_model::Value;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::borrow::Cow;

    /// Writes the cell text.
    pub fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    /// Reads the cell text.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        let text: Cow<'de, str> = Deserialize::deserialize(d)?;
        Ok(Value::parse(&text))
    }
}

/// A map of column name → [`Value`] as column name → cell text.
pub(crate) mod cell_map {
    use prep_model::Value;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    /// Writes the cells as text.
    pub fn serialize<S: Serializer>(m: &BTreeMap<String, Value>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(m.iter().map(|(k, v)| (k, v.to_string())))
    }

    /// Reads the cells from text.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Value>, D::Error> {
        let m: BTreeMap<String, String> = Deserialize::deserialize(d)?;
        Ok(m.into_iter().map(|(k, v)| (k, Value::parse(&v))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_stable_and_reads_like_the_csv() {
        let mut c = ActaContent::default();
        c.votes.insert("PRI".into(), Value::Number(3));
        c.votes.insert("PAN".into(), Value::Ilegible);
        c.details.codigo_integridad = Some("ab".into());
        let json = c.to_json().expect("json");
        assert!(json.starts_with(
            r#"{"votes":{"PAN":"ILEGIBLE","PRI":"3"},"details":{"total_votos_asentado":"-""#
        ));
        let back: ActaContent = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, c);
        assert_eq!(back.sha256().expect("sha"), c.sha256().expect("sha"));
        assert_eq!(c.sha256().expect("sha").len(), 64);
    }

    #[test]
    fn normalising_makes_numbers_of_numeric_text() {
        let mut c = ActaContent::default();
        c.votes.insert("PAN".into(), Value::Text("12".into()));
        c.votes.insert("PRI".into(), Value::Text("012".into()));
        let n = c.normalised();
        assert_eq!(n.votes["PAN"], Value::Number(12));
        assert_eq!(n.votes["PRI"], Value::Text("012".into()));
        assert_eq!(
            n.sha256().expect("sha"),
            c.sha256().expect("sha"),
            "same text, same hash"
        );
    }

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
