//! The JSON files of a corte, as the public site reads them.

use prep_count::Summary;
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
    /// A sección.
    Seccion,
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
    /// The areas one level down (entidades, districts or municipios, or secciones).
    pub children: Vec<Child>,
    /// For an election area: the path of the file of its casilla rows.
    pub actas: Option<String>,
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
    /// Its area file, when it has one (secciones are listed here with their counters only).
    pub path: Option<String>,
    /// Its summary.
    pub summary: Summary,
    /// Its votes per column.
    pub votes: Vec<u64>,
}

/// The casilla rows of one election area, by columns: the field names once, then one array
/// of cells per acta, as published (`"12"`, `"ILEGIBLE"`, `"-"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActasFile {
    /// The area's key.
    pub id: String,
    /// The names of each row's cells: [`ACTA_FIELDS`], then the vote columns of the index.
    pub fields: Vec<String>,
    /// One row per acta, in published order.
    pub rows: Vec<Vec<String>>,
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
