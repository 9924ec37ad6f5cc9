//! The configurable parts of the counting rules.

use prep_model::{CasillaType, Observation};
use serde::{Deserialize, Serialize};

/// Which votes the participation percentage is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipationBase {
    /// TOTAL_VOTOS_S_CS: without casillas especiales (Anexo 13, every corte but the last).
    SinEspeciales,
    /// TOTAL_VOTOS_C_CS: with casillas especiales (the last corte).
    ConEspeciales,
}

/// Whether a corte is the last one published before the PREP closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorteStage {
    /// Any corte before the last.
    Preliminary,
    /// The last corte before the PREP closes.
    Final,
}

/// The counting rules of one institute and process: one engine, configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// The observations whose actas count in PORCENTAJE_ACTAS_INCONSISTENCIAS. Anexo 13
    /// leaves out sin acta and fuera de catálogo.
    pub inconsistencies: Vec<Observation>,
    /// Participation base for every corte but the last.
    pub participation_preliminary: ParticipationBase,
    /// Participation base for the last corte.
    pub participation_final: ParticipationBase,
    /// Casilla types whose actas are never held to the lista-nominal limit (*excede lista
    /// nominal*). IEE Puebla 2024 counts voto-anticipado actas with more votes than their
    /// LISTA_NOMINAL, so the limit does not apply to them.
    pub no_vote_limit: Vec<CasillaType>,
}

impl Rules {
    /// Anexo 13 as the INE 2018/2021 and IEE Puebla 2024 LEEME files spell it out:
    /// inconsistencies are excede lista nominal and illegible or empty fields; participation
    /// leaves out casillas especiales until the last corte.
    pub fn anexo13() -> Rules {
        Rules {
            inconsistencies: vec![
                Observation::ExcedeListaNominal,
                Observation::AlgunCampoIlegibleOSinDato,
                Observation::AlgunCampoIlegible,
                Observation::AlgunCampoSinDato,
                Observation::TodosIlegiblesOSinDato,
                Observation::TodosIlegibles,
                Observation::TodosVacios,
            ],
            participation_preliminary: ParticipationBase::SinEspeciales,
            participation_final: ParticipationBase::ConEspeciales,
            no_vote_limit: vec![CasillaType::VotoAnticipado],
        }
    }

    /// True when actas of this casilla type are held to a vote limit.
    pub fn has_vote_limit(&self, casilla_type: CasillaType) -> bool {
        !self.no_vote_limit.contains(&casilla_type)
    }

    /// The participation base that applies at a stage.
    pub fn participation_base(&self, stage: CorteStage) -> ParticipationBase {
        match stage {
            CorteStage::Preliminary => self.participation_preliminary,
            CorteStage::Final => self.participation_final,
        }
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules::anexo13()
    }
}
