//! Elections, geography and the catalogue of expected actas.

use crate::{CandidacyMap, CasillaType, VoteColumn};
use serde::{Deserialize, Serialize};

/// The office being elected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ElectionKind {
    /// Presidencia de la República (federal).
    Presidencia,
    /// Senadurías (federal).
    Senadurias,
    /// Diputaciones federales.
    DiputacionesFederales,
    /// Gubernatura or Jefatura de Gobierno (local).
    Gubernatura,
    /// Diputaciones locales.
    DiputacionesLocales,
    /// Ayuntamientos or alcaldías (local).
    Ayuntamientos,
    /// Any other office, by name.
    Other(String),
}

impl ElectionKind {
    /// The title line of the published database (`GUBERNATURA`, `PRESIDENCIA`, …).
    pub fn title(&self) -> &str {
        match self {
            ElectionKind::Presidencia => "PRESIDENCIA",
            ElectionKind::Senadurias => "SENADURIAS",
            ElectionKind::DiputacionesFederales => "DIPUTACIONES FEDERALES",
            ElectionKind::Gubernatura => "GUBERNATURA",
            ElectionKind::DiputacionesLocales => "DIPUTACIONES LOCALES",
            ElectionKind::Ayuntamientos => "AYUNTAMIENTOS",
            ElectionKind::Other(s) => s,
        }
    }

    /// The area below the entidad through which results are drilled down.
    pub fn district_level(&self) -> LevelKind {
        match self {
            ElectionKind::Presidencia
            | ElectionKind::Senadurias
            | ElectionKind::DiputacionesFederales => LevelKind::DistritoFederal,
            ElectionKind::Ayuntamientos => LevelKind::Municipio,
            _ => LevelKind::DistritoLocal,
        }
    }
}

/// A level of aggregation of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LevelKind {
    /// The whole election (national, or the state for a local election).
    Total,
    /// The entidad federativa.
    Entidad,
    /// A federal electoral district.
    DistritoFederal,
    /// A local electoral district.
    DistritoLocal,
    /// A municipio (or alcaldía).
    Municipio,
    /// A sección electoral.
    Seccion,
    /// One casilla.
    Casilla,
}

/// Where a casilla is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Geography {
    /// Entidad id, two digits (`21`).
    pub id_entidad: String,
    /// Entidad name (`PUEBLA`).
    pub entidad: String,
    /// District (federal or local, by the election) or municipio id, three digits, or `N/A`.
    pub id_area: String,
    /// The name of that district or municipio.
    pub area: String,
    /// Sección, four digits, or `N/A` for voto anticipado and prisión preventiva.
    pub seccion: String,
}

/// One expected acta of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueEntry {
    /// CLAVE_CASILLA (entidad, sección, type, number, extension: `210423C0100`).
    pub clave_casilla: String,
    /// CLAVE_ACTA (the casilla key plus the acta type: `210423C01002`).
    pub clave_acta: String,
    /// The casilla type.
    pub casilla_type: CasillaType,
    /// ID_CASILLA, two digits.
    pub id_casilla: String,
    /// EXT_CONTIGUA, two digits.
    pub ext_contigua: String,
    /// Where it is.
    pub geography: Geography,
    /// UBICACION_CASILLA: 1 urbana, 2 no urbana.
    pub ubicacion: u8,
    /// TIPO_ACTA as printed on the acta (`2`, `2E`, `3EMR`).
    pub tipo_acta: String,
    /// Citizens on the lista nominal (0 for casillas especiales).
    pub lista_nominal: u64,
    /// Accredited party and independent representatives.
    pub representantes: u64,
    /// For a casilla especial, the approved maximum number of ballots.
    pub boletas_especial: Option<u64>,
}

impl CatalogueEntry {
    /// The most votes this acta may hold and still be counted: lista nominal (or approved
    /// ballots for a casilla especial) plus representatives. `None` for a casilla especial
    /// whose approved ballots are unknown (a catalogue read from a published file, which does
    /// not carry them): the limit cannot be applied.
    pub fn vote_limit(&self) -> Option<u64> {
        let base = if self.casilla_type.is_especial() {
            self.boletas_especial?
        } else {
            self.lista_nominal
        };
        Some(base + self.representantes)
    }
}

/// One election of a process, with its columns and candidacies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Election {
    /// Short id used in file names (`GUB`, `AYUN`, `PRES`).
    pub id: String,
    /// The office.
    pub kind: ElectionKind,
    /// The vote columns, in published order.
    pub columns: Vec<VoteColumn>,
    /// Column → candidacy.
    pub candidacies: CandidacyMap,
}

/// An election process: an institute's elections of one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionProcess {
    /// The institute (`IEE Puebla`, `INE`).
    pub institute: String,
    /// The process (`Proceso Electoral Local 2024`).
    pub name: String,
    /// The elections.
    pub elections: Vec<Election>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(casilla_type: CasillaType, boletas_especial: Option<u64>) -> CatalogueEntry {
        CatalogueEntry {
            clave_casilla: "050017S0100".into(),
            clave_acta: "050017S01002".into(),
            casilla_type,
            id_casilla: "01".into(),
            ext_contigua: "00".into(),
            geography: Geography::default(),
            ubicacion: 1,
            tipo_acta: "2".into(),
            lista_nominal: 500,
            representantes: 16,
            boletas_especial,
        }
    }

    #[test]
    fn vote_limits() {
        assert_eq!(entry(CasillaType::Basica, None).vote_limit(), Some(516));
        assert_eq!(
            entry(CasillaType::Especial, Some(750)).vote_limit(),
            Some(766)
        );
        // A published file does not carry a casilla especial's approved ballots.
        assert_eq!(entry(CasillaType::Especial, None).vote_limit(), None);
    }
}
