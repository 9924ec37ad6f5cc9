//! The JSON files of a corte, as the public site reads them.

use prep_count::{Summary, SummaryField, SummaryValue};
use serde::{Deserialize, Serialize};

/// The format identifier of the index.
pub const FORMAT: &str = "prep-corte/1";

/// `json/index.<hash>.json`: the elections of the corte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Always [`FORMAT`].
    pub format: String,
    /// The elections.
    pub elections: Vec<ElectionEntry>,
}

/// One election in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionEntry {
    /// Short id (`gub`, `pres`).
    pub id: String,
    /// Title (`GUBERNATURA`).
    pub title: String,
    /// The vote columns, in published order.
    pub columns: Vec<String>,
    /// The names of the cells of every casilla row in the actas files: [`ACTA_FIELDS`], then
    /// the vote columns.
    pub fields: Vec<String>,
    /// Path of the total's area file.
    pub total: String,
    /// Path of the zipped CSV database, when the package has one.
    pub database: Option<String>,
}

/// A level of the drill-down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The whole election.
    Total,
    /// An entidad federativa.
    Entidad,
    /// A district (federal or local) or municipio: the election's area.
    Area,
}

/// Counters and votes of one area at any level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaFile {
    /// The level.
    pub level: Level,
    /// The area's key (`21`, `21-1`), empty for the total.
    pub id: String,
    /// Its name as published (`XICOTEPEC DE JUAREZ`).
    pub name: String,
    /// The 13 summary fields of the area.
    pub summary: Summary,
    /// Votes per vote column (counted actas), in the index's column order.
    pub votes: Vec<u64>,
    /// Votes per candidacy, when the candidacies of this area are known.
    pub candidacies: Vec<CandidacyVotes>,
    /// The areas one level down (entidades, or districts or municipios); empty for an
    /// election area, whose secciones are in [`AreaFile::secciones`].
    pub children: Vec<Child>,
    /// For an election area: its secciones, in order, by the file holding their counters and
    /// casilla rows (a few consecutive secciones share one file). Empty above.
    pub secciones: Vec<SeccionGroup>,
}

/// Consecutive secciones of an election area whose counters and casilla rows are in one
/// [`ActasFile`], with the acta counts of each (by columns: the `i`-th number of each list
/// is the `i`-th sección's), enough for the area's list of secciones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeccionGroup {
    /// Path of the [`ActasFile`].
    pub actas: String,
    /// The secciones in it, in order.
    pub secciones: Vec<String>,
    /// ACTAS_ESPERADAS of each sección.
    pub actas_esperadas: Vec<u64>,
    /// ACTAS_CAPTURADAS of each sección.
    pub actas_capturadas: Vec<u64>,
    /// ACTAS_CONTABILIZADAS of each sección.
    pub actas_contabilizadas: Vec<u64>,
}

/// Votes of one candidacy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidacyVotes {
    /// The candidate.
    pub candidate: String,
    /// Votes of every column mapped to the candidate.
    pub votes: u64,
}

/// An area one level down, with its counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    /// Its level.
    pub level: Level,
    /// Its key.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its area file.
    pub path: Option<String>,
    /// Its summary.
    pub summary: Summary,
    /// Its votes per column.
    pub votes: Vec<u64>,
}

/// The counters and casilla rows of a few consecutive secciones of one election area
/// (`json/<e>/actas/<ent>-<area>-<first sección>.<h>.json`). Each row is an array of cells,
/// as published (`"12"`, `"ILEGIBLE"`, `"-"`), named by the index's
/// [`ElectionEntry::fields`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActasFile {
    /// The area's key and the first sección (`21-1-1234`).
    pub id: String,
    /// One row per acta, in published order, sección by sección.
    pub rows: Vec<Vec<String>>,
    /// Each sección's counters, in the order of [`SeccionGroup::secciones`].
    pub secciones: Vec<SeccionCounters>,
}

/// The counters of one sección.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeccionCounters {
    /// The sección (`1234`).
    pub id: String,
    /// The 13 summary fields, as an array in the published order ([`SummaryField::ALL`]:
    /// ACTAS_ESPERADAS … PORCENTAJE_PARTICIPACION_CIUDADANA).
    #[serde(with = "summary_array")]
    pub summary: Summary,
    /// Votes per vote column (counted actas), in the index's column order.
    pub votes: Vec<u64>,
}

/// [`Summary`] as an array of its 13 values in [`SummaryField::ALL`] order (percentages as
/// integers of ten-thousandths, as in the object form).
mod summary_array {
    use prep_count::{Percent4, Summary, SummaryField};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(summary: &Summary, s: S) -> Result<S::Ok, S::Error> {
        super::summary_values(summary).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Summary, D::Error> {
        let v = <[u64; 13]>::deserialize(d)?;
        let mut out = Summary::default();
        for (field, n) in SummaryField::ALL.into_iter().zip(v) {
            let count = n;
            let pct = Percent4(n);
            match field {
                SummaryField::ActasEsperadas => out.actas_esperadas = count,
                SummaryField::ActasRegistradas => out.actas_registradas = count,
                SummaryField::ActasFueraCatalogo => out.actas_fuera_catalogo = count,
                SummaryField::ActasCapturadas => out.actas_capturadas = count,
                SummaryField::PorcentajeActasCapturadas => out.porcentaje_actas_capturadas = pct,
                SummaryField::ActasContabilizadas => out.actas_contabilizadas = count,
                SummaryField::PorcentajeActasContabilizadas => {
                    out.porcentaje_actas_contabilizadas = pct
                }
                SummaryField::PorcentajeActasInconsistencias => {
                    out.porcentaje_actas_inconsistencias = pct
                }
                SummaryField::ActasNoContabilizadas => out.actas_no_contabilizadas = count,
                SummaryField::ListaNominalActasContabilizadas => {
                    out.lista_nominal_actas_contabilizadas = count
                }
                SummaryField::TotalVotosCCs => out.total_votos_c_cs = count,
                SummaryField::TotalVotosSCs => out.total_votos_s_cs = count,
                SummaryField::PorcentajeParticipacionCiudadana => {
                    out.porcentaje_participacion_ciudadana = pct
                }
            }
        }
        Ok(out)
    }
}

/// The 13 values of a summary in [`SummaryField::ALL`] order (percentages as integers of
/// ten-thousandths).
pub fn summary_values(summary: &Summary) -> [u64; 13] {
    SummaryField::ALL.map(|f| match summary.get(f) {
        SummaryValue::Count(n) => n,
        SummaryValue::Percent(p) => p.0,
    })
}

/// The cells of an acta row before its votes: CLAVE_CASILLA, CLAVE_ACTA, SECCION,
/// TIPO_CASILLA, CONTABILIZADA, OBSERVACIONES, TOTAL_VOTOS_CALCULADO, LISTA_NOMINAL and
/// CODIGO_INTEGRIDAD (the SHA-256 of the acta image on the institute's image host).
pub const ACTA_FIELDS: [&str; 9] = [
    "CLAVE_CASILLA",
    "CLAVE_ACTA",
    "SECCION",
    "TIPO_CASILLA",
    "CONTABILIZADA",
    "OBSERVACIONES",
    "TOTAL_VOTOS_CALCULADO",
    "LISTA_NOMINAL",
    "CODIGO_INTEGRIDAD",
];
