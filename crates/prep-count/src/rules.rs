//! The configurable parts of the counting rules.

use prep_model::{CasillaType, Contabilizada, Observation, Observations};
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

/// An institute's own spelling of a legend: OBSERVACIONES text that means `observation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Legend {
    /// The text looked for, upper case without accents (`EXCEDE LA LISTA NOMINAL`).
    pub text: String,
    /// The legend it stands for.
    pub observation: Observation,
}

/// The counting rules of one institute and process: one engine, configured. A named set of
/// these values is a *profile* ([`crate::profiles`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// The profile's name (`anexo13`, `iec-coahuila-2017`, …); empty for unnamed rules.
    #[serde(default)]
    pub name: String,
    /// One line on where the profile comes from.
    #[serde(default)]
    pub description: String,
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
    /// CONTABILIZADA cells (trimmed) that mark an expected acta not captured yet: `-` in
    /// Anexo 13 files, an empty cell in others. A row cut short before its CONTABILIZADA
    /// cell (pre-2018 files) has an empty one.
    #[serde(default = "dash")]
    pub not_captured: Vec<String>,
    /// An acta whose OBSERVACIONES holds [`Observation::FueraDeCatalogo`] is fuera de
    /// catálogo whatever its CONTABILIZADA (`-` in Sonora 2021 and INE 2019, `0` in Campeche
    /// 2021); otherwise only CONTABILIZADA `2` is.
    #[serde(default)]
    pub fuera_catalogo_by_observation: bool,
    /// The institute's own legend spellings, looked for in OBSERVACIONES besides the
    /// spellings every profile knows.
    #[serde(default)]
    pub legends: Vec<Legend>,
}

fn dash() -> Vec<String> {
    vec!["-".to_owned()]
}

impl Rules {
    /// Anexo 13 as the INE 2018/2021 and IEE Puebla 2024 LEEME files spell it out:
    /// inconsistencies are excede lista nominal and illegible or empty fields; participation
    /// leaves out casillas especiales until the last corte.
    pub fn anexo13() -> Rules {
        Rules {
            name: "anexo13".to_owned(),
            description: "Anexo 13 (INE 2018/2021, IEE Puebla 2024, IEC Coahuila 2023)".to_owned(),
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
            not_captured: dash(),
            fuera_catalogo_by_observation: false,
            legends: Vec::new(),
        }
    }

    /// Rules from a profile's TOML text.
    pub fn from_toml(text: &str) -> Result<Rules, toml::de::Error> {
        toml::from_str(text)
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

    /// The legends of an OBSERVACIONES cell: every spelling [`Observations::parse`] knows,
    /// plus the profile's own ([`Rules::legends`]).
    pub fn observations(&self, cell: &str) -> Observations {
        let mut obs = Observations::parse(cell);
        if !self.legends.is_empty() {
            let folded = crate::summary::fold_accents(cell);
            for l in &self.legends {
                if folded.contains(l.text.as_str()) {
                    obs.insert(l.observation);
                }
            }
        }
        obs
    }

    /// The status of an acta row under this profile, from its CONTABILIZADA cell and its
    /// legends; `None` when the cell is no status this profile knows.
    pub fn status(&self, cell: &[u8], observations: &Observations) -> Option<Contabilizada> {
        if self.fuera_catalogo_by_observation && observations.contains(Observation::FueraDeCatalogo)
        {
            return Some(Contabilizada::FueraDeCatalogo);
        }
        let trimmed = cell.trim_ascii();
        if self.not_captured.iter().any(|m| m.as_bytes() == trimmed) {
            return Some(Contabilizada::NoCapturada);
        }
        match Contabilizada::parse_bytes(trimmed)? {
            Contabilizada::NoCapturada => None,
            s => Some(s),
        }
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules::anexo13()
    }
}
