//! One acta: its votes, what went wrong with it, and its row.
//!
//! The status, the observation and TOTAL_VOTOS_CALCULADO of every captured acta come from
//! [`prep_count::classify`]: the generator only decides what is *written on* the acta
//! (illegible fields, a digit too many, no acta at all) and the rules decide the rest.

use crate::ElectionId;
use crate::ballot::{Ballot, Columns, Lean, Role, area_of, ballots};
use crate::clock::{POLLS_CLOSE, datetime, verification};
use crate::dice::{Dice, Domain};
use crate::geography::{Casilla, Catalogue};
use crate::row::{self, PERSONAS, REP_VOTARON, SACADOS, SOBRANTES, VOTES, tail};
use prep_count::{Rules, classify};
use prep_model::{CasillaType, Contabilizada, SinActaReason, Value};

/// What happened to one acta, as its row shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Counted, every field legible.
    Counted,
    /// Counted, some field illegible or empty.
    CountedIllegible,
    /// Not counted: no legible vote field.
    AllIllegible,
    /// Not counted: more votes than lista nominal (or ballots) plus representatives.
    Excede,
    /// Not counted: the acta did not arrive.
    SinActa(SinActaReason),
    /// Not captured at this corte.
    NotCaptured,
}

/// What the generator writes on an acta before the rules look at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Clean,
    SomeIllegible,
    AllIllegible,
    Excede,
    SinActa(SinActaReason),
}

/// Draws the plan: shares close to the IEE Puebla 2024 final corte.
fn plan(d: &mut Dice, c: &Casilla, limited: bool) -> Plan {
    let r = d.unit();
    if c.no_instalada {
        return Plan::SinActa(SinActaReason::CasillaNoInstalada);
    }
    match r {
        r if r < 0.084 => Plan::SinActa(SinActaReason::PaqueteNoEntregado),
        r if r < 0.113 => Plan::SinActa(SinActaReason::PaqueteSinBolsa),
        r if r < 0.165 => Plan::AllIllegible,
        r if r < 0.1695 && limited => Plan::Excede,
        r if (0.1695..0.2965).contains(&r) => Plan::SomeIllegible,
        _ => Plan::Clean,
    }
}

/// Reusable buffers for one row.
pub(crate) struct RowBuf {
    /// The row's cells.
    pub cells: Vec<Value>,
    counts: Vec<u64>,
    weights: Vec<f64>,
}

/// Everything needed to write the actas of one election.
pub(crate) struct ActaWriter<'a> {
    seed: u64,
    election: ElectionId,
    /// The election's vote columns.
    pub columns: Columns,
    /// The ballot of each area.
    pub ballots: Vec<Ballot>,
    leans: &'a [Lean],
    catalogue: &'a Catalogue,
    captured: f64,
    /// Election-wide turnout factor.
    turnout: f64,
    /// The rules: which casilla types are held to a vote limit.
    rules: Rules,
}

impl<'a> ActaWriter<'a> {
    /// The writer of `election`'s actas.
    pub(crate) fn new(
        seed: u64,
        election: ElectionId,
        catalogue: &'a Catalogue,
        leans: &'a [Lean],
        captured: f64,
    ) -> ActaWriter<'a> {
        ActaWriter {
            seed,
            election,
            columns: Columns::of(election),
            ballots: ballots(seed, election, catalogue),
            leans,
            catalogue,
            captured,
            turnout: match election {
                ElectionId::Presidencia => 1.0,
                ElectionId::Senadurias => 0.995,
                ElectionId::DiputacionesFederales => 0.99,
            },
            rules: Rules::anexo13(),
        }
    }

    /// The election whose actas this writes.
    pub(crate) fn election(&self) -> ElectionId {
        self.election
    }

    /// An empty row buffer.
    pub(crate) fn buffer(&self) -> RowBuf {
        RowBuf {
            cells: vec![Value::Empty; row::width(&self.columns)],
            counts: vec![0; self.columns.len()],
            weights: vec![0.0; self.columns.len()],
        }
    }

    /// The ballot an acta source votes on.
    pub(crate) fn ballot(&self, c: &Casilla) -> &Ballot {
        &self.ballots[area_of(self.election, c)]
    }

    /// Writes the row of catalogue entry `index` into `buf`.
    pub(crate) fn acta(&self, index: usize, buf: &mut RowBuf) -> Case {
        let c = &self.catalogue.casillas[index];
        let mut d = Dice::new(self.seed, Domain::Acta(self.election.index()), index as u64);
        let arrival = d.unit();
        let t = c.casilla_type;
        let ballot = *self.ballot(c);
        let ln = u64::from(c.lista_nominal);
        let reps = ballot.representantes();
        // Representatives are N/A on voto anticipado, prisión preventiva and abroad actas.
        let limit = match t {
            t if !self.rules.has_vote_limit(t) => None,
            CasillaType::Especial => Some(u64::from(c.boletas) + reps),
            t if row::is_modalidad(t) => Some(ln),
            _ => Some(ln + reps),
        };
        let plan = plan(&mut d, c, limit.is_some());
        let k = self.columns.len();
        buf.cells.fill(Value::Empty);
        row::fill_keys(
            &mut buf.cells,
            self.election,
            self.catalogue.entidad(c),
            self.catalogue.district(c),
            c,
        );
        let urn = self.draw_votes(&mut d, c, &ballot, limit, buf);
        let (head, rest) = buf.cells.split_at_mut(VOTES + k);
        let votes = &mut head[VOTES..];
        let sin_acta = apply_plan(&mut d, plan, votes, &buf.counts, &self.columns, limit);
        let class = classify(votes, sin_acta, limit);
        fill_totals(&mut d, head, plan, t, urn, ballot_count(c, ln + reps));
        let tl = rest;
        tl[tail::ASENTADO] = match plan {
            Plan::SinActa(_) => Value::SinActa,
            Plan::AllIllegible => Value::SinDato,
            _ => asentado(&mut d, urn),
        };
        tl[tail::CALCULADO] = Value::Number(class.total_votos.unwrap_or(0));
        tl[tail::LISTA_NOMINAL] = Value::Number(ln);
        tl[tail::REPRESENTANTES] = if row::is_modalidad(t) {
            Value::NotApplicable
        } else {
            Value::Number(reps)
        };
        tl[tail::OBSERVACIONES] = Value::parse(class.observations.puebla_legend());
        tl[tail::CONTABILIZADA] = Value::Number(match class.status {
            Contabilizada::Si => 1,
            _ => 0,
        });
        if sin_acta.is_some() {
            tl[tail::MECANISMOS..=tail::VERIFICACION].fill(Value::NotApplicable);
            tl[tail::ORIGEN] = Value::parse("CATD");
            tl[tail::DIGITALIZACION] = Value::parse("ESCANER");
            tl[tail::TIPO_DOCUMENTO] = Value::NotApplicable;
        } else {
            tl[tail::MECANISMOS] = Value::parse(c.traslado.code());
            tl[tail::CODIGO] = Value::parse(&d.sha256_hex());
            let verif = verification(arrival);
            let captura = verif - d.range(20, 900) as i64;
            let acopio = (captura - d.range(60, 5400) as i64).max(POLLS_CLOSE + 1800);
            tl[tail::ACOPIO] = Value::parse(&datetime(acopio));
            tl[tail::CAPTURA] = Value::parse(&datetime(captura));
            tl[tail::VERIFICACION] = Value::parse(&datetime(verif));
            row::fill_origin(tl, &mut d, t);
        }
        if arrival >= self.captured {
            not_captured(&mut buf.cells, k);
            return Case::NotCaptured;
        }
        match (class.status, sin_acta) {
            (_, Some(reason)) => Case::SinActa(reason),
            (Contabilizada::Si, _) if class.observations.is_empty() => Case::Counted,
            (Contabilizada::Si, _) => Case::CountedIllegible,
            _ if plan == Plan::AllIllegible => Case::AllIllegible,
            _ => Case::Excede,
        }
    }

    /// Draws the votes of each column into `buf.counts` and the vote cells, and returns
    /// their sum, which rounding never takes above `limit`.
    fn draw_votes(
        &self,
        d: &mut Dice,
        c: &Casilla,
        ballot: &Ballot,
        limit: Option<u64>,
        buf: &mut RowBuf,
    ) -> u64 {
        let ln = f64::from(c.lista_nominal);
        let voters = match c.casilla_type {
            CasillaType::Especial => d.range(120, 700) as f64,
            CasillaType::VotoAnticipado => ln * d.between(0.6, 1.0),
            CasillaType::PrisionPreventiva => ln * d.between(0.5, 0.95),
            CasillaType::MesaExtranjero => ln * d.between(0.45, 0.75),
            _ => {
                ln * f64::from(c.turnout_per_mille) / 1000.0 * self.turnout * d.between(0.95, 1.05)
            }
        };
        let lean = c
            .district
            .and_then(|i| self.leans.get(usize::from(i)))
            .unwrap_or(&Lean::NEUTRAL);
        let mut sum = 0.0;
        for (j, role) in self.columns.roles.iter().enumerate() {
            let w = if ballot.has(*role) {
                let noise = match role {
                    Role::Combination(_) => d.between(0.0, 2.0),
                    _ => d.between(0.75, 1.25),
                };
                self.columns.base[j] * lean.factor(*role) * noise
            } else {
                0.0
            };
            buf.weights[j] = w;
            sum += w;
        }
        let mut urn = 0;
        for (j, role) in self.columns.roles.iter().enumerate() {
            let n = if ballot.has(*role) {
                (voters * buf.weights[j] / sum + d.unit()) as u64
            } else {
                0
            };
            buf.counts[j] = n;
            urn += n;
        }
        while let Some(over) = limit.filter(|&l| urn > l).map(|l| urn - l) {
            let (j, n) = buf
                .counts
                .iter()
                .copied()
                .enumerate()
                .max_by_key(|&(j, n)| (n, usize::MAX - j))
                .unwrap_or_default();
            let cut = over.min(n);
            buf.counts[j] -= cut;
            urn -= cut;
        }
        for (j, role) in self.columns.roles.iter().enumerate() {
            buf.cells[VOTES + j] = if ballot.has(*role) {
                Value::Number(buf.counts[j])
            } else {
                Value::Dash
            };
        }
        urn
    }

    /// Writes the row of the `j`-th possible acta fuera de catálogo into `buf`; `false`
    /// when it is not captured at this corte (then it is not in the database at all).
    pub(crate) fn fuera(&self, j: usize, present: &[u8], buf: &mut RowBuf) -> bool {
        let mut d = Dice::new(self.seed, Domain::Fuera(self.election.index()), j as u64);
        let arrival = d.unit();
        if arrival >= self.captured || present.is_empty() {
            return false;
        }
        let ent = &crate::geography::ENTIDADES[usize::from(*d.pick(present))];
        buf.cells.fill(Value::Empty);
        buf.cells[2] = Value::parse(ent.id);
        buf.cells[3] = Value::parse(ent.name);
        buf.cells[10] = Value::Number(3);
        let tl = &mut buf.cells[VOTES + self.columns.len()..];
        tl[tail::OBSERVACIONES] = Value::parse("FUERA DE CATALOGO");
        tl[tail::CONTABILIZADA] = Value::Number(2);
        tl[tail::MECANISMOS] = Value::Dash;
        tl[tail::CODIGO] = Value::parse(&d.sha256_hex());
        let acopio = verification(arrival) - d.range(0, 600) as i64;
        tl[tail::ACOPIO] = Value::parse(&datetime(acopio));
        let casilla = d.chance(0.75);
        tl[tail::ORIGEN] = Value::parse(if casilla { "CASILLA" } else { "CATD" });
        tl[tail::DIGITALIZACION] = Value::parse(if casilla { "MOVIL" } else { "ESCANER" });
        tl[tail::TIPO_DOCUMENTO] = Value::parse("ACTA PREP");
        true
    }
}

/// Ballots handed to a casilla: the approved number for an especial, otherwise lista
/// nominal plus representatives.
fn ballot_count(c: &Casilla, ln_plus_reps: u64) -> u64 {
    if c.casilla_type == CasillaType::Especial {
        u64::from(c.boletas)
    } else {
        ln_plus_reps
    }
}

/// Turns the drawn votes into what is written on the acta. Returns the sin acta reason.
fn apply_plan(
    d: &mut Dice,
    plan: Plan,
    votes: &mut [Value],
    counts: &[u64],
    columns: &Columns,
    limit: Option<u64>,
) -> Option<SinActaReason> {
    let on: Vec<usize> = (0..votes.len())
        .filter(|&j| votes[j] != Value::Dash)
        .collect();
    match plan {
        Plan::Clean => {}
        Plan::SinActa(reason) => {
            for &j in &on {
                votes[j] = Value::SinActa;
            }
            return Some(reason);
        }
        Plan::AllIllegible => {
            let v = if d.chance(0.7) {
                Value::Ilegible
            } else {
                Value::SinDato
            };
            for &j in &on {
                votes[j] = v.clone();
            }
        }
        Plan::SomeIllegible => {
            let mut altered = 0;
            for &j in &on {
                let combination = matches!(columns.roles[j], Role::Combination(_));
                let p = if combination { 0.45 } else { 0.05 };
                if d.chance(p) {
                    let sin_dato = d.chance(if combination { 0.9 } else { 0.4 });
                    votes[j] = if sin_dato {
                        Value::SinDato
                    } else {
                        Value::Ilegible
                    };
                    altered += 1;
                }
            }
            if altered == 0 {
                votes[*d.pick(&on)] = Value::SinDato;
            } else if altered == on.len() {
                votes[on[0]] = Value::Number(counts[on[0]]);
            }
        }
        Plan::Excede => {
            let j = on
                .iter()
                .copied()
                .max_by_key(|&j| (counts[j], usize::MAX - j))
                .unwrap_or(0);
            let mut n = counts[j] * 10 + d.range(0, 9);
            let others: u64 = on.iter().filter(|&&i| i != j).map(|&i| counts[i]).sum();
            let limit = limit.unwrap_or(0);
            if others + n <= limit {
                n = limit - others + 1 + d.range(0, 60);
            }
            votes[j] = Value::Number(n);
        }
    }
    None
}

/// Fills TOTAL_BOLETAS_SOBRANTES … TOTAL_VOTOS_SACADOS.
fn fill_totals(
    d: &mut Dice,
    cells: &mut [Value],
    plan: Plan,
    t: CasillaType,
    urn: u64,
    ballots: u64,
) {
    let rep_votaron = d.range(0, 12).min(urn);
    let sacados = if d.chance(0.9) {
        urn
    } else {
        (urn + d.range(0, 10)).saturating_sub(5)
    };
    let values = [
        (SOBRANTES, ballots.saturating_sub(sacados)),
        (PERSONAS, urn - rep_votaron),
        (REP_VOTARON, rep_votaron),
        (SACADOS, sacados),
    ];
    for (i, n) in values {
        let blank = if row::is_modalidad(t) { 0.3 } else { 0.03 };
        cells[i] = if row::total_not_applicable(t, i) {
            Value::NotApplicable
        } else {
            match plan {
                Plan::SinActa(_) => Value::SinActa,
                Plan::AllIllegible => Value::SinDato,
                _ if d.chance(blank) => Value::SinDato,
                _ => Value::Number(n),
            }
        };
    }
}

/// TOTAL_VOTOS_ASENTADO: usually the urn total, sometimes a few votes off or blank.
fn asentado(d: &mut Dice, urn: u64) -> Value {
    match d.weighted(&[55, 40, 5]) {
        0 => Value::Number(urn),
        1 => Value::Number((urn + d.range(1, 10)).saturating_sub(5)),
        _ => Value::SinDato,
    }
}

/// Turns a captured row into a not yet captured one: every captured cell becomes `-`.
fn not_captured(cells: &mut [Value], k: usize) {
    for v in &mut cells[SOBRANTES..VOTES + k] {
        if *v != Value::NotApplicable {
            *v = Value::Dash;
        }
    }
    let tl = &mut cells[VOTES + k..];
    tl[tail::ASENTADO] = Value::Dash;
    tl[tail::CALCULADO] = Value::Number(0);
    for v in &mut tl[tail::OBSERVACIONES..] {
        *v = Value::Dash;
    }
}
