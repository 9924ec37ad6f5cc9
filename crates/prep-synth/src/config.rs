//! What to generate: [`SynthConfig`] and the elections it can hold ([`ElectionId`]).

use prep_count::CorteStage;
use prep_model::ElectionKind;
use serde::{Deserialize, Serialize};

/// Casillas of a national federal election (B, C, E and S), the default size.
pub const NATIONAL_CASILLAS: usize = 170_648;

/// The largest size accepted: national. Sección numbers have four digits, and beyond this
/// the most populous entidad would run out of them.
pub const MAX_CASILLAS: usize = NATIONAL_CASILLAS;

/// One of the federal elections the generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ElectionId {
    /// Presidencia de la República: one national ballot, actas from abroad (M).
    Presidencia,
    /// Senadurías: a ballot per entidad, actas from abroad (M).
    Senadurias,
    /// Diputaciones federales: a ballot per district (partial coalitions, independents).
    DiputacionesFederales,
}

impl ElectionId {
    /// The three federal elections, in the order INE publishes them.
    pub const ALL: [ElectionId; 3] = [
        ElectionId::Presidencia,
        ElectionId::Senadurias,
        ElectionId::DiputacionesFederales,
    ];

    /// The short id used in file names: `PRES`, `SEN`, `DIP_FED`.
    pub fn code(self) -> &'static str {
        match self {
            ElectionId::Presidencia => "PRES",
            ElectionId::Senadurias => "SEN",
            ElectionId::DiputacionesFederales => "DIP_FED",
        }
    }

    /// The office, as the election model names it.
    pub fn kind(self) -> ElectionKind {
        match self {
            ElectionId::Presidencia => ElectionKind::Presidencia,
            ElectionId::Senadurias => ElectionKind::Senadurias,
            ElectionId::DiputacionesFederales => ElectionKind::DiputacionesFederales,
        }
    }

    /// The title line of the database (`PRESIDENCIA`, …).
    pub fn title(self) -> &'static str {
        match self {
            ElectionId::Presidencia => "PRESIDENCIA",
            ElectionId::Senadurias => "SENADURIAS",
            ElectionId::DiputacionesFederales => "DIPUTACIONES FEDERALES",
        }
    }

    /// The database file name, as institutes name it: `PRES_2024.csv`.
    pub fn database_file_name(self) -> String {
        format!("{}_2024.csv", self.code())
    }

    /// The candidacy file name: `PRES_Candidaturas_2024.csv`.
    pub fn candidaturas_file_name(self) -> String {
        format!("{}_Candidaturas_2024.csv", self.code())
    }

    /// A small number distinguishing the election in random streams.
    pub(crate) fn index(self) -> u8 {
        self as u8
    }

    /// True when actas of Mexicans abroad (casilla type M) are part of the election.
    pub(crate) fn has_extranjero(self) -> bool {
        self != ElectionId::DiputacionesFederales
    }
}

impl std::fmt::Display for ElectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ElectionId::Presidencia => "pres",
            ElectionId::Senadurias => "sen",
            ElectionId::DiputacionesFederales => "dip",
        })
    }
}

impl std::str::FromStr for ElectionId {
    type Err = SynthError;

    /// Accepts `pres`, `sen`, `dip` (and `presidencia`, `senadurias`, `dip_fed`,
    /// `diputaciones`), in any case.
    fn from_str(s: &str) -> Result<ElectionId, SynthError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pres" | "presidencia" => Ok(ElectionId::Presidencia),
            "sen" | "senadurias" | "senado" => Ok(ElectionId::Senadurias),
            "dip" | "dip_fed" | "dipfed" | "diputaciones" => Ok(ElectionId::DiputacionesFederales),
            _ => Err(SynthError::UnknownElection(s.to_owned())),
        }
    }
}

/// Everything that determines a synthetic election. The same configuration always produces
/// byte-identical files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthConfig {
    /// The seed of every random draw.
    pub seed: u64,
    /// Casillas (types B, C, E and S) in the catalogue, 1 to [`MAX_CASILLAS`]. The actas of
    /// voto anticipado (A), prisión preventiva (P) and from abroad (M) come on top, a few per
    /// thousand casillas.
    pub casillas: usize,
    /// The elections to write.
    pub elections: Vec<ElectionId>,
    /// Fraction of expected actas captured at this corte, in `[0, 1]`. Each acta has its own
    /// arrival time, so the actas captured at a lower fraction are a subset of those at a
    /// higher one (a sequence of cortes from one seed is consistent).
    pub captured: f64,
    /// Whether this is the last corte (participation then includes casillas especiales).
    pub stage: CorteStage,
    /// The corte line (`03/06/2024 20:00 (UTC-6)`); `None` derives it from
    /// [`SynthConfig::captured`] (see [`crate::corte_for`]).
    pub corte: Option<String>,
}

impl Default for SynthConfig {
    /// National size, seed 2024, the three federal elections, the final corte with every acta
    /// captured.
    fn default() -> Self {
        SynthConfig {
            seed: 2024,
            casillas: NATIONAL_CASILLAS,
            elections: ElectionId::ALL.to_vec(),
            captured: 1.0,
            stage: CorteStage::Final,
            corte: None,
        }
    }
}

impl SynthConfig {
    /// A final-corte configuration of `casillas` casillas, every acta captured.
    pub fn new(seed: u64, casillas: usize) -> SynthConfig {
        SynthConfig {
            seed,
            casillas,
            ..SynthConfig::default()
        }
    }

    /// Checks the configuration.
    pub fn validate(&self) -> Result<(), SynthError> {
        if self.casillas == 0 {
            return Err(SynthError::NoCasillas);
        }
        if self.casillas > MAX_CASILLAS {
            return Err(SynthError::TooManyCasillas(self.casillas));
        }
        if !(0.0..=1.0).contains(&self.captured) {
            return Err(SynthError::CapturedOutOfRange(self.captured));
        }
        if let Some(c) = &self.corte
            && (c.contains(['\n', '\r', ',']) || c.trim().is_empty())
        {
            return Err(SynthError::BadCorte(c.clone()));
        }
        Ok(())
    }
}

/// Why a configuration cannot be generated.
#[derive(Debug, Clone, PartialEq)]
pub enum SynthError {
    /// Zero casillas requested.
    NoCasillas,
    /// More than [`MAX_CASILLAS`] requested.
    TooManyCasillas(usize),
    /// The captured fraction is not in `[0, 1]`.
    CapturedOutOfRange(f64),
    /// The corte line is empty or holds a line break or comma.
    BadCorte(String),
    /// An election name that is none of `pres`, `sen`, `dip`.
    UnknownElection(String),
}

impl std::fmt::Display for SynthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SynthError::NoCasillas => f.write_str("at least one casilla is needed"),
            SynthError::TooManyCasillas(n) => write!(
                f,
                "{n} casillas requested; the largest synthetic election is national size, {MAX_CASILLAS}"
            ),
            SynthError::CapturedOutOfRange(x) => {
                write!(f, "the captured fraction must be between 0 and 1 (got {x})")
            }
            SynthError::BadCorte(c) => write!(
                f,
                "the corte line {c:?} must be one non-empty line without commas, like \"03/06/2024 20:00 (UTC-6)\""
            ),
            SynthError::UnknownElection(s) => {
                write!(f, "unknown election {s:?}: expected pres, sen or dip")
            }
        }
    }
}

impl std::error::Error for SynthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        for e in ElectionId::ALL {
            assert_eq!(e.to_string().parse::<ElectionId>(), Ok(e));
        }
        assert_eq!(
            "DIP_FED".parse::<ElectionId>(),
            Ok(ElectionId::DiputacionesFederales)
        );
        assert!("gub".parse::<ElectionId>().is_err());
        assert_eq!(
            ElectionId::Presidencia.database_file_name(),
            "PRES_2024.csv"
        );
        assert_eq!(
            ElectionId::DiputacionesFederales.candidaturas_file_name(),
            "DIP_FED_Candidaturas_2024.csv"
        );
    }

    #[test]
    fn validation() {
        assert!(SynthConfig::default().validate().is_ok());
        assert_eq!(
            SynthConfig::new(1, 0).validate(),
            Err(SynthError::NoCasillas)
        );
        assert!(SynthConfig::new(1, MAX_CASILLAS + 1).validate().is_err());
        let mut c = SynthConfig::new(1, 10);
        c.captured = 1.5;
        assert!(c.validate().is_err());
        c.captured = f64::NAN;
        assert!(c.validate().is_err());
        c.captured = 0.5;
        c.corte = Some("a,b".into());
        assert!(c.validate().is_err());
    }
}
