//! Counters over sets of actas, and their aggregation.

use crate::{CorteStage, ParticipationBase, Percent4, Rules, Summary};
use prep_model::{CandidacyMap, CasillaType, Contabilizada, Observations, Value, VoteColumn};
use serde::{Deserialize, Serialize};

/// What the counting rules need to know of one acta row.
#[derive(Debug, Clone, Copy)]
pub struct ActaFacts<'a> {
    /// CONTABILIZADA.
    pub status: Contabilizada,
    /// TIPO_CASILLA.
    pub casilla_type: CasillaType,
    /// OBSERVACIONES.
    pub observations: Observations,
    /// The vote cells, in the election's column order.
    pub votes: &'a [Value],
    /// LISTA_NOMINAL (0 when not a number).
    pub lista_nominal: u64,
}

/// The acta counters behind the summary fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counters {
    /// Actas of the catalogue (captured or not).
    pub esperadas: u64,
    /// Captured actas of the catalogue.
    pub capturadas: u64,
    /// Counted actas.
    pub contabilizadas: u64,
    /// Captured, not counted actas of the catalogue.
    pub no_contabilizadas: u64,
    /// Actas fuera de catálogo.
    pub fuera_catalogo: u64,
    /// Actas of the catalogue with an observation that counts as an inconsistency.
    pub inconsistencias: u64,
    /// Lista nominal of counted actas.
    pub lista_nominal: u64,
    /// Votes of counted actas.
    pub votos_c_cs: u64,
    /// Votes of counted actas other than casillas especiales.
    pub votos_s_cs: u64,
}

impl Counters {
    /// Adds another set of counters.
    pub fn merge(&mut self, o: &Counters) {
        self.esperadas += o.esperadas;
        self.capturadas += o.capturadas;
        self.contabilizadas += o.contabilizadas;
        self.no_contabilizadas += o.no_contabilizadas;
        self.fuera_catalogo += o.fuera_catalogo;
        self.inconsistencias += o.inconsistencias;
        self.lista_nominal += o.lista_nominal;
        self.votos_c_cs += o.votos_c_cs;
        self.votos_s_cs += o.votos_s_cs;
    }
}

/// The counters and per-column votes of a set of actas: an area at any level.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    /// The acta counters.
    pub counters: Counters,
    /// Votes of counted actas per vote column, in the election's column order.
    pub votes: Vec<u64>,
}

impl Tally {
    /// An empty tally for an election with `columns` vote columns.
    pub fn new(columns: usize) -> Tally {
        Tally {
            counters: Counters::default(),
            votes: vec![0; columns],
        }
    }

    /// Adds one acta under `rules`.
    pub fn add(&mut self, acta: &ActaFacts<'_>, rules: &Rules) {
        let c = &mut self.counters;
        match acta.status {
            Contabilizada::FueraDeCatalogo => {
                c.fuera_catalogo += 1;
                return;
            }
            Contabilizada::NoCapturada => {
                c.esperadas += 1;
                return;
            }
            Contabilizada::No => {
                c.esperadas += 1;
                c.capturadas += 1;
                c.no_contabilizadas += 1;
            }
            Contabilizada::Si => {
                c.esperadas += 1;
                c.capturadas += 1;
                c.contabilizadas += 1;
                c.lista_nominal += acta.lista_nominal;
                if self.votes.len() < acta.votes.len() {
                    self.votes.resize(acta.votes.len(), 0);
                }
                let mut total = 0;
                for (slot, v) in self.votes.iter_mut().zip(acta.votes) {
                    let n = v.votes();
                    *slot += n;
                    total += n;
                }
                c.votos_c_cs += total;
                if !acta.casilla_type.is_especial() {
                    c.votos_s_cs += total;
                }
            }
        }
        if acta.observations.intersects(&rules.inconsistencies) {
            c.inconsistencias += 1;
        }
    }

    /// Adds another tally (of a disjoint set of actas).
    pub fn merge(&mut self, other: &Tally) {
        self.counters.merge(&other.counters);
        if self.votes.len() < other.votes.len() {
            self.votes.resize(other.votes.len(), 0);
        }
        for (a, b) in self.votes.iter_mut().zip(&other.votes) {
            *a += b;
        }
    }

    /// The 13 summary fields of this set of actas at a corte stage.
    pub fn summary(&self, rules: &Rules, stage: CorteStage) -> Summary {
        self.summary_with_base(rules.participation_base(stage))
    }

    /// The 13 summary fields with an explicit participation base.
    pub fn summary_with_base(&self, base: ParticipationBase) -> Summary {
        let c = &self.counters;
        let votos = match base {
            ParticipationBase::SinEspeciales => c.votos_s_cs,
            ParticipationBase::ConEspeciales => c.votos_c_cs,
        };
        Summary {
            actas_esperadas: c.esperadas,
            actas_registradas: c.capturadas + c.fuera_catalogo,
            actas_fuera_catalogo: c.fuera_catalogo,
            actas_capturadas: c.capturadas,
            porcentaje_actas_capturadas: Percent4::truncated(c.capturadas, c.esperadas),
            actas_contabilizadas: c.contabilizadas,
            porcentaje_actas_contabilizadas: Percent4::truncated(c.contabilizadas, c.esperadas),
            porcentaje_actas_inconsistencias: Percent4::truncated(c.inconsistencias, c.esperadas),
            actas_no_contabilizadas: c.no_contabilizadas,
            lista_nominal_actas_contabilizadas: c.lista_nominal,
            total_votos_c_cs: c.votos_c_cs,
            total_votos_s_cs: c.votos_s_cs,
            porcentaje_participacion_ciudadana: Percent4::truncated(votos, c.lista_nominal),
        }
    }
}

/// Votes per candidacy in one area: each column's votes go to the candidate the map names
/// for that area; columns without a candidate (NULOS, NO_REGISTRADAS, unmapped) are left out.
/// Candidates are returned in first-seen column order.
pub fn candidacy_totals(
    columns: &[VoteColumn],
    votes: &[u64],
    map: &CandidacyMap,
    area: Option<&str>,
) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for (col, n) in columns.iter().zip(votes) {
        let Some(candidate) = map.candidate_for(area, &col.name) else {
            continue;
        };
        match out.iter_mut().find(|(c, _)| c == candidate) {
            Some((_, total)) => *total += n,
            None => out.push((candidate.to_owned(), *n)),
        }
    }
    out
}
