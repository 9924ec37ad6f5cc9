//! The per-row work of a recount: one pass over a part of the rows, and how passes merge.

use crate::report::{
    AreaTotals, CandidacyTotal, ColumnTotal, Difference, Recount, RowFinding, RowFindingKind,
    StageSource,
};
use prep_count::{
    ActaFacts, CorteStage, Rules, SummaryField, SummaryValue, Tally, candidacy_totals, classify,
};
use prep_csv::{Head, PublishedSummary, RawRow, ReadError, Table, decode_auto};
use prep_model::{
    CandidacyMap, CandidacyScope, CasillaType, Observation, Observations, Value, area_key,
};
use rustc_hash::FxHashMap as HashMap;

/// Which corte stage (and so which participation base) to recount with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StageChoice {
    /// Infer it from the printed participation; fall back to the final-corte base.
    #[default]
    Auto,
    /// A corte before the last: participation without casillas especiales.
    Preliminary,
    /// The last corte: participation with casillas especiales.
    Final,
}

/// How to recount.
#[derive(Debug, Clone, Default)]
pub struct RecountOptions {
    /// The counting rules.
    pub rules: Rules,
    /// The corte stage.
    pub stage: StageChoice,
    /// Column → candidacy map, for totals per candidacy.
    pub candidacies: Option<CandidacyMap>,
    /// Malformed rows kept in the report (all are counted in the error); the rest are dropped.
    pub max_reported_errors: usize,
    /// Threads that recount chunks of rows (0: one per core).
    pub threads: usize,
    /// Bytes of rows per chunk (0: 4 MiB). Memory stays within a few chunks per thread,
    /// whatever the file's size.
    pub chunk_bytes: usize,
}

/// Per-row state kept across the pass.
pub(crate) struct Pass<'o> {
    options: &'o RecountOptions,
    tally: Tally,
    /// Tallies per area, in first-seen order, beside their raw keys.
    areas: Vec<Tally>,
    area_order: Vec<Box<[u8]>>,
    /// Raw key → position in `areas`, for merging parts.
    area_pos: HashMap<Box<[u8]>, usize>,
    /// While reading a part: [`RowCells::area`] → 1 + position in `areas` (0: not yet seen).
    area_slots: Vec<usize>,
    /// While reading a part: [`RowCells::observations`] → the cell's legends under these rules.
    observations: Vec<Option<Observations>>,
    findings: Vec<RowFinding>,
    malformed: Vec<ReadError>,
    rows: u64,
}

/// The cells of a row that do not depend on the counting rules: parsed at most once per
/// row, however many profiles the pass recounts with, and only when one of them counts the
/// row.
pub(crate) struct RowCells {
    /// Whether the fields below hold the current row.
    parsed: bool,
    votes: Vec<Value>,
    casilla_type: CasillaType,
    lista_nominal: u64,
    /// The raw area key: entidad, a NUL, the area id (normalised once at the end).
    key: Vec<u8>,
    /// The index of `key` among the part's distinct area keys.
    area: usize,
    area_index: HashMap<Box<[u8]>, usize>,
    /// The index of the row's OBSERVACIONES cell among the part's distinct ones (set for
    /// every row, since every profile reads it).
    observations: usize,
    observations_index: HashMap<Box<[u8]>, usize>,
}

impl RowCells {
    fn new(columns: usize) -> RowCells {
        RowCells {
            parsed: false,
            votes: Vec::with_capacity(columns),
            casilla_type: CasillaType::Basica,
            lista_nominal: 0,
            key: Vec::new(),
            area: 0,
            area_index: HashMap::default(),
            observations: 0,
            observations_index: HashMap::default(),
        }
    }

    /// Starts on `row`: the index of its OBSERVACIONES cell.
    fn start(&mut self, row: &RawRow, head: &Head) {
        self.parsed = false;
        let cell = row.raw(head.layout.observaciones);
        self.observations = match self.observations_index.get(cell) {
            Some(i) => *i,
            None => {
                let i = self.observations_index.len();
                self.observations_index.insert(cell.into(), i);
                i
            }
        };
    }

    /// Parses `row` unless it already is.
    fn parse(&mut self, row: &RawRow, head: &Head) {
        if self.parsed {
            return;
        }
        self.parsed = true;
        let layout = &head.layout;
        self.votes.clear();
        self.votes
            .extend(layout.votes.clone().map(|i| row.value(i)));
        self.casilla_type =
            CasillaType::parse(&String::from_utf8_lossy(row.raw(layout.tipo_casilla)));
        self.lista_nominal = row.number(layout.lista_nominal).unwrap_or(0);
        self.key.clear();
        if let Some((area_col, _)) = layout.area {
            if let Some(e) = layout.id_entidad {
                self.key.extend_from_slice(row.key(e));
            }
            self.key.push(0);
            self.key.extend_from_slice(row.key(area_col));
            self.area = match self.area_index.get(self.key.as_slice()) {
                Some(i) => *i,
                None => {
                    let i = self.area_index.len();
                    self.area_index.insert(self.key.as_slice().into(), i);
                    i
                }
            };
        }
    }
}

/// Reads one part of the table once, recounting it under each of `options` (one
/// [`Pass`] per entry, in order): each row is tokenised once, its rule-independent cells
/// parsed once, and then classified and tallied by every profile.
pub(crate) fn read_part<'o>(
    head: &Head,
    table: Table<'_>,
    options: &'o [RecountOptions],
) -> Vec<Pass<'o>> {
    let columns = head.layout.vote_columns.len();
    let mut passes: Vec<Pass<'o>> = options.iter().map(|o| Pass::new(o, columns)).collect();
    let mut cells = RowCells::new(columns);
    let mut reader = table.reader();
    let mut row = RawRow::default();
    loop {
        match reader.next_into(&mut row) {
            Ok(true) => {
                cells.start(&row, head);
                for pass in &mut passes {
                    pass.add(&row, head, &mut cells);
                }
            }
            Ok(false) => break,
            Err(e) => {
                if let Some((last, rest)) = passes.split_last_mut() {
                    for pass in rest {
                        pass.malformed(copy_error(&e));
                    }
                    last.malformed(e);
                }
            }
        }
    }
    passes
}

/// The same error again, for another profile's report (an I/O error keeps its kind and
/// message).
fn copy_error(e: &ReadError) -> ReadError {
    use prep_csv::ReadErrorKind as K;
    let kind = match &e.kind {
        K::Io(io) => K::Io(std::io::Error::new(io.kind(), io.to_string())),
        K::NoHeader => K::NoHeader,
        K::NoSummary => K::NoSummary,
        K::SummaryShape { names, values } => K::SummaryShape {
            names: *names,
            values: *values,
        },
        K::MissingColumn(c) => K::MissingColumn(c),
        K::FieldCount { expected, found } => K::FieldCount {
            expected: *expected,
            found: *found,
        },
        K::BadContabilizada(s) => K::BadContabilizada(s.clone()),
        K::Csv(s) => K::Csv(s.clone()),
    };
    ReadError::at(e.line, kind)
}

impl<'o> Pass<'o> {
    pub(crate) fn new(options: &'o RecountOptions, columns: usize) -> Pass<'o> {
        Pass {
            options,
            tally: Tally::new(columns),
            areas: Vec::new(),
            area_order: Vec::new(),
            area_pos: HashMap::default(),
            area_slots: Vec::new(),
            observations: Vec::new(),
            findings: Vec::new(),
            malformed: Vec::new(),
            rows: 0,
        }
    }

    /// Adds the pass over the next part of the file.
    pub(crate) fn merge(&mut self, other: Pass<'o>) {
        self.tally.merge(&other.tally);
        for (key, t) in other.area_order.into_iter().zip(other.areas) {
            match self.area_pos.get(&key) {
                Some(&i) => self.areas[i].merge(&t),
                None => {
                    self.area_pos.insert(key.clone(), self.areas.len());
                    self.areas.push(t);
                    self.area_order.push(key);
                }
            }
        }
        self.findings.extend(other.findings);
        self.malformed.extend(other.malformed);
        self.malformed
            .truncate(self.options.max_reported_errors.max(1));
        self.rows += other.rows;
    }
}

impl Pass<'_> {
    pub(crate) fn malformed(&mut self, e: ReadError) {
        if self.malformed.len() < self.options.max_reported_errors.max(1) {
            self.malformed.push(e);
        }
    }

    fn add(&mut self, row: &RawRow, head: &Head, cells: &mut RowCells) {
        let layout = &head.layout;
        let rules = &self.options.rules;
        if self.observations.len() <= cells.observations {
            self.observations.resize(cells.observations + 1, None);
        }
        let observations = match self.observations[cells.observations] {
            Some(o) => o,
            None => {
                let o = rules.observations(&decode_auto(row.raw(layout.observaciones)));
                self.observations[cells.observations] = Some(o);
                o
            }
        };
        let status_cell = row.raw(layout.contabilizada);
        let Some(status) = rules.status(status_cell, &observations) else {
            let found = String::from_utf8_lossy(status_cell).into_owned();
            self.malformed(ReadError::at(
                row.line(),
                prep_csv::ReadErrorKind::BadContabilizada(found),
            ));
            return;
        };
        self.rows += 1;
        cells.parse(row, head);
        let facts = ActaFacts {
            status,
            casilla_type: cells.casilla_type,
            observations,
            votes: &cells.votes,
            lista_nominal: cells.lista_nominal,
        };
        self.tally.add(&facts, &self.options.rules);
        if layout.area.is_some() {
            if self.area_slots.len() <= cells.area {
                self.area_slots.resize(cells.area + 1, 0);
            }
            let slot = match self.area_slots[cells.area] {
                0 => {
                    self.areas.push(Tally::new(cells.votes.len()));
                    self.area_order.push(cells.key.as_slice().into());
                    self.area_slots[cells.area] = self.areas.len();
                    self.areas.len() - 1
                }
                n => n - 1,
            };
            self.areas[slot].add(&facts, &self.options.rules);
        }
        audit_row(&mut self.findings, row, head, &facts, &self.options.rules);
    }
}

/// Checks a row's own cells against the rules.
fn audit_row(
    findings: &mut Vec<RowFinding>,
    row: &RawRow,
    head: &Head,
    facts: &ActaFacts<'_>,
    rules: &Rules,
) {
    let layout = &head.layout;
    if !facts.status.is_captured() {
        return;
    }
    let clave = || {
        layout
            .clave_acta
            .map(|i| String::from_utf8_lossy(row.key(i)).into_owned())
            .unwrap_or_default()
    };
    let sum: u64 = facts.votes.iter().map(Value::votes).sum();
    if let Some(published) = layout.total_votos_calculado.and_then(|i| row.number(i))
        && published != sum
    {
        findings.push(RowFinding {
            line: row.line(),
            clave_acta: clave(),
            kind: RowFindingKind::TotalMismatch {
                published,
                recomputed: sum,
            },
        });
    }
    let especial = facts.casilla_type.is_especial();
    let representantes = layout
        .representantes
        .and_then(|i| row.number(i))
        .unwrap_or(0);
    let limit = (!especial && rules.has_vote_limit(facts.casilla_type))
        .then_some(facts.lista_nominal + representantes);
    let expected = classify(facts.votes, facts.observations.sin_acta_reason(), limit);
    let excede_unknowable =
        especial && facts.observations.contains(Observation::ExcedeListaNominal);
    if expected.status != facts.status && !excede_unknowable {
        findings.push(RowFinding {
            line: row.line(),
            clave_acta: clave(),
            kind: RowFindingKind::StatusMismatch {
                published: facts.status.code().to_owned(),
                expected: expected.status.code().to_owned(),
            },
        });
    }
}

impl Pass<'_> {
    pub(crate) fn finish(self, head: Head) -> Recount {
        let rules = &self.options.rules;
        let published = head.preamble.summary.clone();
        let (stage, stage_source) =
            choose_stage(self.options.stage, &self.tally, rules, published.as_ref());
        let summary = self.tally.summary(rules, stage);
        let names: Vec<String> = match &published {
            Some(p) => p.names.clone(),
            None => SummaryField::ALL
                .iter()
                .map(|f| f.name().to_owned())
                .collect(),
        };
        let printed = PublishedSummary::render_named(&summary, &head.dialect, names);
        let differences = published
            .as_ref()
            .map(|p| differences(p, &printed, &summary, &self.tally, rules))
            .unwrap_or_default();
        let unpublished = published
            .as_ref()
            .map(|p| p.unpublished().into_iter().map(str::to_owned).collect())
            .unwrap_or_default();
        let columns = head.layout.vote_columns.clone();
        let columns_totals = columns
            .iter()
            .zip(&self.tally.votes)
            .map(|(c, v)| ColumnTotal {
                column: c.name.clone(),
                votes: *v,
            })
            .collect();
        let in_order = self.area_order.iter().zip(self.areas).map(|(raw, tally)| {
            let text = String::from_utf8_lossy(raw);
            let (ent, area) = text.split_once('\0').unwrap_or(("", &text));
            AreaTotals {
                area: area_key(ent, Some(area)),
                tally,
            }
        });
        let areas = regroup(in_order, |key| key.to_owned());
        let candidacies = match &self.options.candidacies {
            None => Vec::new(),
            Some(map) if map.is_per_area() => {
                let per_scope = match map.scope {
                    CandidacyScope::Entidad => regroup(areas.iter().cloned(), |key| {
                        key.split('-').next().unwrap_or_default().to_owned()
                    }),
                    _ => areas.clone(),
                };
                per_scope
                    .iter()
                    .flat_map(|a| {
                        candidacy_totals(&columns, &a.tally.votes, map, Some(&a.area))
                            .into_iter()
                            .map(|(candidate, votes)| CandidacyTotal {
                                area: Some(a.area.clone()),
                                candidate,
                                votes,
                            })
                    })
                    .collect()
            }
            Some(map) => candidacy_totals(&columns, &self.tally.votes, map, None)
                .into_iter()
                .map(|(candidate, votes)| CandidacyTotal {
                    area: None,
                    candidate,
                    votes,
                })
                .collect(),
        };
        Recount {
            title: head.preamble.title.clone(),
            corte: head.preamble.corte.clone(),
            dialect: head.dialect,
            published,
            columns,
            rows: self.rows,
            stage,
            stage_source,
            summary,
            printed,
            differences,
            unpublished,
            profile: rules.name.clone(),
            profiles_tried: Vec::new(),
            tally: self.tally,
            columns_totals,
            candidacies,
            area_level: head.layout.area_level,
            areas,
            row_findings: self.findings,
            malformed: self.malformed,
        }
    }
}

/// Renames areas with `name` and merges those that get the same name, in first-seen order.
fn regroup(
    areas: impl Iterator<Item = AreaTotals>,
    name: impl Fn(&str) -> String,
) -> Vec<AreaTotals> {
    let mut out: Vec<AreaTotals> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::default();
    for a in areas {
        let area = name(&a.area);
        match index.get(&area) {
            Some(&i) => out[i].tally.merge(&a.tally),
            None => {
                index.insert(area.clone(), out.len());
                out.push(AreaTotals {
                    area,
                    tally: a.tally,
                });
            }
        }
    }
    out
}

/// Picks the corte stage: given, or inferred from the printed participation.
fn choose_stage(
    choice: StageChoice,
    tally: &Tally,
    rules: &Rules,
    published: Option<&PublishedSummary>,
) -> (CorteStage, StageSource) {
    match choice {
        StageChoice::Preliminary => return (CorteStage::Preliminary, StageSource::Given),
        StageChoice::Final => return (CorteStage::Final, StageSource::Given),
        StageChoice::Auto => {}
    }
    let field = SummaryField::PorcentajeParticipacionCiudadana;
    if let Some(printed) = published.and_then(|p| p.value(field)) {
        for stage in [CorteStage::Final, CorteStage::Preliminary] {
            if tally.summary(rules, stage).get(field) == printed {
                return (stage, StageSource::InferredFromPublished);
            }
        }
    }
    (CorteStage::Final, StageSource::Default)
}

/// Compares every summary field the file prints a value for, under the file's own names.
fn differences(
    published: &PublishedSummary,
    printed: &PublishedSummary,
    summary: &prep_count::Summary,
    tally: &Tally,
    rules: &Rules,
) -> Vec<Difference> {
    SummaryField::ALL
        .iter()
        .filter_map(|&field| {
            let recomputed = summary.get(field);
            let raw = published.raw(field);
            if raw.is_none_or(|r| r.trim().is_empty()) {
                return None;
            }
            let parsed: Option<SummaryValue> =
                raw.and_then(|r| SummaryValue::parse_published(field, r));
            if parsed == Some(recomputed) {
                return None;
            }
            let name = published
                .names
                .iter()
                .find(|n| SummaryField::from_name(n) == Some(field))
                .cloned()
                .unwrap_or_else(|| field.name().to_owned());
            Some(Difference {
                field,
                recomputed: printed
                    .raw(field)
                    .map_or_else(|| recomputed.to_string(), str::to_owned),
                name,
                published: raw.map(str::to_owned),
                reason: crate::explain::reason(field, parsed, tally, rules),
            })
        })
        .collect()
}
