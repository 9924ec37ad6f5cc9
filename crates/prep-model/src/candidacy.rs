//! Which candidacy each vote column counts for.

use serde::{Deserialize, Serialize};

/// Where the candidacies of an election differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidacyScope {
    /// The same candidacies everywhere (presidencia, gubernatura).
    #[default]
    Election,
    /// One set per entidad (senadurías).
    Entidad,
    /// One set per district or municipio of an entidad (diputaciones, ayuntamientos).
    Area,
}

/// The key of an area for candidacies and tallies: the entidad id, then `-` and the district
/// or municipio id. Numeric ids lose their leading zeros and `'` prefix, so `'21`/`'050` and
/// `21`/`50` name the same area.
pub fn area_key(entidad: &str, area: Option<&str>) -> String {
    let norm = |s: &str| {
        let s = s.trim().trim_matches('\'');
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            let t = s.trim_start_matches('0');
            if t.is_empty() {
                "0".to_owned()
            } else {
                t.to_owned()
            }
        } else {
            s.to_owned()
        }
    };
    match area {
        Some(a) => format!("{}-{}", norm(entidad), norm(a)),
        None => norm(entidad),
    }
}

/// One row of a `*_Candidaturas_*.csv` file: a vote column of an area mapped to a candidacy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidacy {
    /// The [`area_key`] the row applies to (`21-50`, or `21` for a per-entidad map), or `None`
    /// when it applies to the whole election.
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
    /// Where candidacies differ; [`Candidacy::area`] keys are of this scope.
    pub scope: CandidacyScope,
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

    /// True when candidacies differ per entidad or area.
    pub fn is_per_area(&self) -> bool {
        self.scope != CandidacyScope::Election
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_keys_normalise_ids() {
        assert_eq!(area_key("'21", Some("'050")), "21-50");
        assert_eq!(area_key("21", Some("50")), "21-50");
        assert_eq!(area_key("09", None), "9");
        assert_eq!(area_key("21", Some("N/A")), "21-N/A");
        assert_eq!(area_key("00", Some("000")), "0-0");
    }
}
