//! Vote columns, who is on the ballot in each area, how voters lean, and the candidacies.

use crate::ElectionId;
use crate::dice::{Dice, Domain};
use crate::geography::{Casilla, Catalogue, ENTIDADES};

/// The two 2024 coalitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coalition {
    /// PAN-PRI-PRD.
    Fcm,
    /// PVEM-PT-MORENA.
    Shh,
}

/// What a vote column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A party, with the coalition it belongs to.
    Party(Option<Coalition>),
    /// An independent candidacy (1-based).
    Independent(u8),
    /// A combination of parties of a coalition.
    Combination(Coalition),
    /// NO_REGISTRADAS.
    NoRegistradas,
    /// NULOS.
    Nulos,
}

/// One vote column: header name, role and base share (percent of votes) per election.
struct Spec {
    name: &'static str,
    role: Role,
    /// Presidencia, senadurías, diputaciones.
    base: [f64; 3],
}

const fn spec(name: &'static str, role: Role, base: [f64; 3]) -> Spec {
    Spec { name, role, base }
}

use Coalition::{Fcm, Shh};

/// Every vote column in published order (parties, independents, combinations, no
/// registradas, nulos), with 2024-like base shares.
const SPECS: [Spec; 19] = [
    spec("PAN", Role::Party(Some(Fcm)), [16.5, 17.6, 17.5]),
    spec("PRI", Role::Party(Some(Fcm)), [9.2, 11.2, 11.1]),
    spec("PRD", Role::Party(Some(Fcm)), [1.8, 2.4, 2.5]),
    spec("PVEM", Role::Party(Some(Shh)), [8.3, 8.9, 8.4]),
    spec("PT", Role::Party(Some(Shh)), [5.6, 5.7, 5.5]),
    spec("MC", Role::Party(None), [10.3, 11.3, 11.0]),
    spec("MORENA", Role::Party(Some(Shh)), [42.5, 38.5, 37.6]),
    spec("CAND_IND_1", Role::Independent(1), [0.0, 0.0, 3.0]),
    spec("CAND_IND_2", Role::Independent(2), [0.0, 0.0, 2.0]),
    spec("C_PAN_PRI_PRD", Role::Combination(Fcm), [0.9, 0.8, 0.8]),
    spec("C_PAN_PRI", Role::Combination(Fcm), [0.55, 0.5, 0.5]),
    spec("C_PAN_PRD", Role::Combination(Fcm), [0.15, 0.15, 0.15]),
    spec("C_PRI_PRD", Role::Combination(Fcm), [0.08, 0.08, 0.08]),
    spec("C_PVEM_PT_MORENA", Role::Combination(Shh), [1.0, 0.9, 0.9]),
    spec("C_PVEM_PT", Role::Combination(Shh), [0.12, 0.12, 0.12]),
    spec("C_PVEM_MORENA", Role::Combination(Shh), [0.6, 0.55, 0.55]),
    spec("C_PT_MORENA", Role::Combination(Shh), [0.5, 0.45, 0.45]),
    spec("NO_REGISTRADAS", Role::NoRegistradas, [0.04, 0.05, 0.06]),
    spec("NULOS", Role::Nulos, [2.4, 3.0, 3.3]),
];

/// The vote columns of one election.
pub(crate) struct Columns {
    /// Header names.
    pub names: Vec<&'static str>,
    /// What each counts.
    pub roles: Vec<Role>,
    /// Base share of each (percent).
    pub base: Vec<f64>,
}

impl Columns {
    /// The columns of `election`: independents only for diputaciones.
    pub(crate) fn of(election: ElectionId) -> Columns {
        let e = usize::from(election.index());
        let specs: Vec<&Spec> = SPECS
            .iter()
            .filter(|s| {
                !matches!(s.role, Role::Independent(_))
                    || election == ElectionId::DiputacionesFederales
            })
            .collect();
        Columns {
            names: specs.iter().map(|s| s.name).collect(),
            roles: specs.iter().map(|s| s.role).collect(),
            base: specs.iter().map(|s| s.base[e]).collect(),
        }
    }

    /// Number of vote columns.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

/// Who is on the ballot of one area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ballot {
    /// PAN-PRI-PRD run as a coalition (combination columns on the ballot).
    pub fcm: bool,
    /// PVEM-PT-MORENA run as a coalition.
    pub shh: bool,
    /// Independent candidacies on the ballot (0 to 2).
    pub independents: u8,
}

impl Ballot {
    /// True when a column of this role is on the ballot (otherwise its cells are `-`).
    pub(crate) fn has(&self, role: Role) -> bool {
        match role {
            Role::Combination(Fcm) => self.fcm,
            Role::Combination(Shh) => self.shh,
            Role::Independent(k) => k <= self.independents,
            _ => true,
        }
    }

    /// Accredited representatives per casilla: two per party and independent.
    pub(crate) fn representantes(&self) -> u64 {
        2 * (7 + u64::from(self.independents))
    }

    /// True when some coalition does not run here.
    pub(crate) fn partial(&self) -> bool {
        !(self.fcm && self.shh)
    }
}

/// Number of ballot areas: one national, one per entidad, one per district.
pub(crate) fn area_count(election: ElectionId, catalogue: &Catalogue) -> usize {
    match election {
        ElectionId::Presidencia => 1,
        ElectionId::Senadurias => ENTIDADES.len(),
        ElectionId::DiputacionesFederales => catalogue.districts.len(),
    }
}

/// The ballot area of an acta source.
pub(crate) fn area_of(election: ElectionId, c: &Casilla) -> usize {
    match election {
        ElectionId::Presidencia => 0,
        ElectionId::Senadurias => usize::from(c.entidad),
        ElectionId::DiputacionesFederales => c.district.map_or(0, usize::from),
    }
}

/// The ballots of every area of an election.
pub(crate) fn ballots(seed: u64, election: ElectionId, catalogue: &Catalogue) -> Vec<Ballot> {
    (0..area_count(election, catalogue))
        .map(|a| {
            let mut d = Dice::new(seed, Domain::Ballot(election.index()), a as u64);
            match election {
                ElectionId::Presidencia => Ballot {
                    fcm: true,
                    shh: true,
                    independents: 0,
                },
                ElectionId::Senadurias => Ballot {
                    fcm: d.chance(0.94),
                    shh: d.chance(0.97),
                    independents: 0,
                },
                ElectionId::DiputacionesFederales => Ballot {
                    fcm: d.chance(0.85),
                    shh: d.chance(0.85),
                    independents: if d.chance(0.03) {
                        1 + u8::from(d.chance(0.3))
                    } else {
                        0
                    },
                },
            }
        })
        .collect()
}

/// The regional lean of a district: multipliers of each bloc's base share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Lean {
    fcm: f64,
    shh: f64,
    mc: f64,
    independent: f64,
}

impl Lean {
    /// No lean (actas from abroad).
    pub(crate) const NEUTRAL: Lean = Lean {
        fcm: 1.0,
        shh: 1.0,
        mc: 1.0,
        independent: 1.0,
    };

    /// The leans of every district.
    pub(crate) fn of_districts(seed: u64, n: usize) -> Vec<Lean> {
        (0..n)
            .map(|i| {
                let mut d = Dice::new(seed, Domain::Lean, i as u64);
                Lean {
                    fcm: d.between(0.65, 1.35),
                    shh: d.between(0.7, 1.3),
                    mc: d.between(0.6, 1.4),
                    independent: d.between(0.3, 2.5),
                }
            })
            .collect()
    }

    /// The multiplier of a column's base share.
    pub(crate) fn factor(&self, role: Role) -> f64 {
        match role {
            Role::Party(Some(Fcm)) | Role::Combination(Fcm) => self.fcm,
            Role::Party(Some(Shh)) | Role::Combination(Shh) => self.shh,
            Role::Party(None) => self.mc,
            Role::Independent(_) => self.independent,
            Role::NoRegistradas | Role::Nulos => 1.0,
        }
    }
}

const GIVEN: [&str; 40] = [
    "MARIA",
    "JOSE",
    "GUADALUPE",
    "JUAN",
    "ANA",
    "LUIS",
    "ROSA",
    "CARLOS",
    "LAURA",
    "JORGE",
    "PATRICIA",
    "MIGUEL",
    "ELENA",
    "FRANCISCO",
    "SOFIA",
    "ALEJANDRO",
    "VERONICA",
    "RICARDO",
    "ADRIANA",
    "FERNANDO",
    "CLAUDIA",
    "ROBERTO",
    "GABRIELA",
    "EDUARDO",
    "MONICA",
    "ARTURO",
    "LETICIA",
    "SERGIO",
    "BEATRIZ",
    "RAUL",
    "TERESA",
    "JAVIER",
    "LORENA",
    "ENRIQUE",
    "SILVIA",
    "MANUEL",
    "ISABEL",
    "ALBERTO",
    "NORMA",
    "OSCAR",
];

const SURNAMES: [&str; 40] = [
    "HERNANDEZ",
    "GARCIA",
    "MARTINEZ",
    "LOPEZ",
    "GONZALEZ",
    "RODRIGUEZ",
    "PEREZ",
    "SANCHEZ",
    "RAMIREZ",
    "CRUZ",
    "FLORES",
    "GOMEZ",
    "MORALES",
    "VAZQUEZ",
    "REYES",
    "JIMENEZ",
    "TORRES",
    "DIAZ",
    "GUTIERREZ",
    "RUIZ",
    "MENDOZA",
    "AGUILAR",
    "ORTIZ",
    "MORENO",
    "CASTILLO",
    "ROMERO",
    "ALVAREZ",
    "MENDEZ",
    "CHAVEZ",
    "RIVERA",
    "JUAREZ",
    "RAMOS",
    "DOMINGUEZ",
    "HERRERA",
    "MEDINA",
    "CASTRO",
    "VARGAS",
    "GUZMAN",
    "VELAZQUEZ",
    "ROJAS",
];

/// A fictitious full name.
fn name(d: &mut Dice) -> String {
    format!(
        "{} {} {}",
        d.pick(&GIVEN),
        d.pick(&SURNAMES),
        d.pick(&SURNAMES)
    )
}

/// The candidacies of one area: `(column, propietaria, suplente)` for every candidacy column
/// on its ballot. Coalition parties and their combinations share one candidacy.
pub(crate) fn candidacies(
    seed: u64,
    election: ElectionId,
    area: usize,
    ballot: &Ballot,
    columns: &Columns,
) -> Vec<(&'static str, String, String)> {
    let mut d = Dice::new(seed, Domain::Names(election.index()), area as u64);
    let fcm = (name(&mut d), name(&mut d));
    let shh = (name(&mut d), name(&mut d));
    let mut out = Vec::new();
    for (col, role) in columns.names.iter().zip(&columns.roles) {
        if !ballot.has(*role) {
            continue;
        }
        let (p, s) = match role {
            Role::Party(Some(Fcm)) | Role::Combination(Fcm) if ballot.fcm => fcm.clone(),
            Role::Party(Some(Shh)) | Role::Combination(Shh) if ballot.shh => shh.clone(),
            Role::Party(_) | Role::Independent(_) | Role::Combination(_) => {
                (name(&mut d), name(&mut d))
            }
            Role::NoRegistradas | Role::Nulos => continue,
        };
        out.push((*col, p, s));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use prep_model::{ColumnKind, classify_vote_columns};

    #[test]
    fn columns_classify_as_the_model_expects() {
        let dip = Columns::of(ElectionId::DiputacionesFederales);
        let kinds: Vec<ColumnKind> = classify_vote_columns(&dip.names)
            .into_iter()
            .map(|c| c.kind)
            .collect();
        assert_eq!(kinds.len(), 19);
        assert_eq!(kinds[7], ColumnKind::Independent);
        assert_eq!(
            kinds[9],
            ColumnKind::Coalition(vec!["PAN".into(), "PRI".into(), "PRD".into()])
        );
        assert_eq!(kinds[17], ColumnKind::NoRegistradas);
        assert_eq!(kinds[18], ColumnKind::Nulos);
        assert_eq!(Columns::of(ElectionId::Presidencia).len(), 17);
    }

    #[test]
    fn coalition_shares_a_candidate() {
        let cols = Columns::of(ElectionId::Presidencia);
        let b = Ballot {
            fcm: true,
            shh: false,
            independents: 0,
        };
        let c = candidacies(1, ElectionId::Presidencia, 0, &b, &cols);
        let who = |col: &str| c.iter().find(|r| r.0 == col).map(|r| r.1.clone());
        assert_eq!(who("PAN"), who("C_PAN_PRI"));
        assert!(who("C_PT_MORENA").is_none());
        assert!(who("NULOS").is_none());
        assert_eq!(c.len(), 7 + 4);
    }
}
