//! Vote columns of an election and their kinds.

use serde::{Deserialize, Serialize};

/// What a vote column counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ColumnKind {
    /// Votes for one party alone.
    Party,
    /// Votes marked for several parties of a coalition at once (`C_PAN_PRI`, or `PAN_PRI` in
    /// INE 2021 files); holds the parties.
    Coalition(Vec<String>),
    /// Votes for an independent candidacy (`CAND_IND_1`, `CAND_IND_01`, …).
    Independent,
    /// Votes for candidacies not registered (`NO_REGISTRADAS`, `NO_REGISTRADOS`).
    NoRegistradas,
    /// Null votes (`NULOS`).
    Nulos,
}

/// One vote column of an election: its header name and what it counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VoteColumn {
    /// The header name as published (`PAN`, `C_PAN_PRI_PRD`, `NULOS`).
    pub name: String,
    /// What the column counts.
    pub kind: ColumnKind,
}

impl VoteColumn {
    /// True for columns that count towards a candidacy (parties, coalitions, independents).
    pub fn is_candidacy_column(&self) -> bool {
        matches!(
            self.kind,
            ColumnKind::Party | ColumnKind::Coalition(_) | ColumnKind::Independent
        )
    }
}

/// Classifies the vote columns of a header block (from the first party to `NULOS`).
///
/// Coalitions are recognised by the `C_` prefix, or — as in INE 2021 files, which omit it —
/// by a name made of other columns' names joined with `_`. Party names that contain `_`
/// (`NUEVA_ALIANZA`) stay parties because their parts are not columns.
pub fn classify_vote_columns<S: AsRef<str>>(names: &[S]) -> Vec<VoteColumn> {
    let all: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    let is_special = |n: &str| special_kind(n).is_some();
    let simple: Vec<&str> = all
        .iter()
        .copied()
        .filter(|n| !is_special(n) && !n.starts_with("C_"))
        .collect();
    all.iter()
        .map(|&name| {
            let kind = special_kind(name).unwrap_or_else(|| {
                if let Some(rest) = name.strip_prefix("C_") {
                    ColumnKind::Coalition(rest.split('_').map(str::to_owned).collect())
                } else {
                    let parts: Vec<&str> = name.split('_').collect();
                    let all_parties = parts.len() >= 2
                        && parts
                            .iter()
                            .all(|p| simple.iter().any(|s| s == p && *s != name));
                    if all_parties {
                        ColumnKind::Coalition(parts.iter().map(|p| (*p).to_owned()).collect())
                    } else {
                        ColumnKind::Party
                    }
                }
            });
            VoteColumn {
                name: name.to_owned(),
                kind,
            }
        })
        .collect()
}

fn special_kind(name: &str) -> Option<ColumnKind> {
    match name {
        "NULOS" | "VOTOS_NULOS" => Some(ColumnKind::Nulos),
        "NO_REGISTRADAS" | "NO_REGISTRADOS" | "CNR" | "CAND_NO_REGISTRADOS" => {
            Some(ColumnKind::NoRegistradas)
        }
        n if n.starts_with("CAND_IND") || n.starts_with("CAN_IND") || n.starts_with("CI_") => {
            Some(ColumnKind::Independent)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(names: &[&str]) -> Vec<ColumnKind> {
        classify_vote_columns(names)
            .into_iter()
            .map(|c| c.kind)
            .collect()
    }

    #[test]
    fn puebla_header() {
        let k = kinds(&[
            "PAN",
            "PRI",
            "C_PAN_PRI",
            "CAND_IND_1",
            "NO_REGISTRADAS",
            "NULOS",
        ]);
        assert_eq!(
            k,
            vec![
                ColumnKind::Party,
                ColumnKind::Party,
                ColumnKind::Coalition(vec!["PAN".into(), "PRI".into()]),
                ColumnKind::Independent,
                ColumnKind::NoRegistradas,
                ColumnKind::Nulos
            ]
        );
    }

    #[test]
    fn ine_2021_coalitions_without_prefix() {
        let k = kinds(&[
            "PAN",
            "PRI",
            "PRD",
            "NUEVA_ALIANZA",
            "PAN_PRI_PRD",
            "NO_REGISTRADOS",
            "NULOS",
        ]);
        assert_eq!(k[3], ColumnKind::Party);
        assert_eq!(
            k[4],
            ColumnKind::Coalition(vec!["PAN".into(), "PRI".into(), "PRD".into()])
        );
        assert_eq!(k[5], ColumnKind::NoRegistradas);
    }
}
