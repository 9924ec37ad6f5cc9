//! Which candidacy each vote column counts for.

use serde::{Deserialize, Serialize};

/// One row of a `*_Candidaturas_*.csv` file: a vote column of an area mapped to a candidacy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidacy {
    /// The area the row applies to (a municipio or distrito id such as `050`), or `None`
    /// when it applies to the whole election (the entidad).
    pub area: Option<String>,
    /// The vote column (`PAN`, `C_PAN_PRI`, `CAND_IND_1`).
    pub column: String,
    /// The candidate (propietario/a).
    pub candidate: String,
    /// The substitute (suplente), when published.
    pub substitute: Option<String>,
}

/// The column → candidacy map of an election.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidacyMap {
    /// Every row, in file order.
    pub entries: Vec<Candidacy>,
}

impl CandidacyMap {
    /// The candidate a column counts for in an area. Rows without an area apply everywhere.
    pub fn candidate_for(&self, area: Option<&str>, column: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|c| c.column == column && (c.area.is_none() || c.area.as_deref() == area))
            .map(|c| c.candidate.as_str())
    }

    /// True when candidacies differ per area (ayuntamientos, diputaciones).
    pub fn is_per_area(&self) -> bool {
        self.entries.iter().any(|c| c.area.is_some())
    }

    /// The distinct areas named, in first-seen order.
    pub fn areas(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for a in self.entries.iter().filter_map(|c| c.area.as_deref()) {
            if !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }
}
