//! [`Synth`]: a generated catalogue, and the databases and candidacy files of its elections.

use crate::acta::{ActaWriter, RowBuf};
use crate::ballot::{Lean, area_count, candidacies};
use crate::cases::{RowCase, RowKind};
use crate::geography::{Catalogue, ENTIDADES};
use crate::{CaseCounts, ElectionId, SynthConfig, SynthError, corte_for};
use prep_count::{ActaFacts, Rules, Summary, Tally};
use prep_csv::{Dialect, Layout, Preamble, PublishedSummary, TableWriter, write_preamble};
use prep_model::{CasillaType, Contabilizada, Observations, Value};
use std::io::{self, Write};

/// Actas fuera de catálogo per expected acta (IEE Puebla 2024: 12 in 8,334).
const FUERA_RATE: f64 = 0.0015;
/// Rows between two progress reports.
const PROGRESS_EVERY: u64 = 4096;

/// What [`Synth::write_database`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The summary printed in the preamble: [`Tally::summary`] under [`Rules::anexo13`] of
    /// exactly the rows written.
    pub summary: Summary,
    /// The counters and per-column votes of those rows.
    pub tally: Tally,
    /// How many rows fell in each case.
    pub cases: CaseCounts,
    /// Rows written (expected actas plus captured actas fuera de catálogo).
    pub rows: u64,
}

/// A synthetic election process: the catalogue generated from a [`SynthConfig`], ready to
/// write each election's database and candidacy file to any [`Write`].
#[derive(Debug, Clone)]
pub struct Synth {
    config: SynthConfig,
    catalogue: Catalogue,
    leans: Vec<Lean>,
    corte: String,
}

impl Synth {
    /// Generates the catalogue of a configuration.
    pub fn new(config: SynthConfig) -> Result<Synth, SynthError> {
        config.validate()?;
        let catalogue = Catalogue::generate(config.seed, config.casillas);
        let leans = Lean::of_districts(config.seed, catalogue.districts.len());
        let corte = config
            .corte
            .clone()
            .unwrap_or_else(|| corte_for(config.captured));
        Ok(Synth {
            config,
            catalogue,
            leans,
            corte,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SynthConfig {
        &self.config
    }

    /// The catalogue: districts and acta sources.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The corte line written in every database.
    pub fn corte(&self) -> &str {
        &self.corte
    }

    /// Expected actas of an election (M actas only count for presidencia and senadurías).
    pub fn expected_actas(&self, election: ElectionId) -> u64 {
        self.entries(election).count() as u64
    }

    /// Rows the database of an election has: expected actas plus the actas fuera de
    /// catálogo captured at this corte.
    pub fn rows(&self, election: ElectionId) -> u64 {
        let w = self.writer(election);
        let present = self.present_entidades();
        let mut buf = w.buffer();
        let fuera = (0..self.fuera_slots(election))
            .filter(|&j| w.fuera(j, &present, &mut buf))
            .count();
        self.expected_actas(election) + fuera as u64
    }

    /// Writes the database of `election` (preamble with the summary, header, one row per
    /// acta) in the IEE Puebla / OPL 2024 dialect. `progress(done, total)` is called now
    /// and then; the rows are generated twice (summary first, then rows), so `total` is
    /// twice the row count.
    pub fn write_database<W: Write>(
        &self,
        election: ElectionId,
        mut out: W,
        progress: &mut dyn FnMut(u64, u64),
    ) -> io::Result<Written> {
        let w = self.writer(election);
        let header = crate::row::header(&w.columns);
        let layout = Layout::from_header(&header, 7).map_err(io::Error::other)?;
        let rules = Rules::anexo13();
        let total = 2 * self.rows(election);
        let mut done = 0u64;
        let mut tally = Tally::new(w.columns.len());
        let mut cases = CaseCounts::default();
        self.each_row(&w, |cells, case, c| {
            tally.add(&facts(&layout, cells), &rules);
            cases.add(case, c);
            tick(&mut done, total, progress);
            Ok(())
        })?;
        let summary = tally.summary(&rules, self.config.stage);
        let dialect = Dialect::opl_2024();
        let preamble = Preamble::opl_2024(
            election.title(),
            &self.corte,
            PublishedSummary::render(&summary, &dialect),
        );
        out.write_all(b"\xEF\xBB\xBF")?;
        write_preamble(&mut out, &preamble, &dialect)?;
        let mut table = TableWriter::new(&mut out, &dialect, &layout);
        table.write_header(&header)?;
        let mut rows = 0;
        self.each_row(&w, |cells, _, _| {
            rows += 1;
            tick(&mut done, total, progress);
            table.write_row(cells)
        })?;
        table.flush()?;
        drop(table);
        out.flush()?;
        progress(total, total);
        Ok(Written {
            summary,
            tally,
            cases,
            rows,
        })
    }

    /// Writes the candidacy file of `election` (UTF-8 with BOM): `ID_ENTIDAD,PARTIDO_CI,
    /// CANDIDATURA` for presidencia; per entidad with propietaria and suplente for
    /// senadurías; per entidad and district for diputaciones.
    pub fn write_candidaturas<W: Write>(&self, election: ElectionId, mut out: W) -> io::Result<()> {
        let w = self.writer(election);
        out.write_all(b"\xEF\xBB\xBF")?;
        let seed = self.config.seed;
        match election {
            ElectionId::Presidencia => {
                writeln!(out, "ID_ENTIDAD,PARTIDO_CI,CANDIDATURA")?;
                for (col, p, _) in candidacies(seed, election, 0, &w.ballots[0], &w.columns) {
                    writeln!(out, "NACIONAL,{col},{p}")?;
                }
            }
            ElectionId::Senadurias => {
                writeln!(
                    out,
                    "ID_ENTIDAD,PARTIDO_CI,CANDIDATURA_PROPIETARIA,CANDIDATURA_SUPLENTE"
                )?;
                for (a, ent) in ENTIDADES.iter().enumerate() {
                    for (col, p, s) in candidacies(seed, election, a, &w.ballots[a], &w.columns) {
                        writeln!(out, "{},{col},{p},{s}", ent.id)?;
                    }
                }
            }
            ElectionId::DiputacionesFederales => {
                writeln!(
                    out,
                    "ID_ENTIDAD,ID_DISTRITO_FEDERAL,PARTIDO_CI,CANDIDATURA_PROPIETARIA,CANDIDATURA_SUPLENTE"
                )?;
                for a in 0..area_count(election, &self.catalogue) {
                    let d = &self.catalogue.districts[a];
                    let ent = ENTIDADES[usize::from(d.entidad)].id;
                    for (col, p, s) in candidacies(seed, election, a, &w.ballots[a], &w.columns) {
                        writeln!(out, "{ent},{:03},{col},{p},{s}", d.number)?;
                    }
                }
            }
        }
        out.flush()
    }

    fn writer(&self, election: ElectionId) -> ActaWriter<'_> {
        ActaWriter::new(
            self.config.seed,
            election,
            &self.catalogue,
            &self.leans,
            self.config.captured,
        )
    }

    /// Catalogue indexes of the expected actas of an election.
    fn entries(&self, election: ElectionId) -> impl Iterator<Item = usize> + '_ {
        let abroad = election.has_extranjero();
        self.catalogue
            .casillas
            .iter()
            .enumerate()
            .filter(move |(_, c)| abroad || c.casilla_type != CasillaType::MesaExtranjero)
            .map(|(i, _)| i)
    }

    /// Possible actas fuera de catálogo (each is captured or not at a corte).
    fn fuera_slots(&self, election: ElectionId) -> usize {
        (self.expected_actas(election) as f64 * FUERA_RATE).ceil() as usize
    }

    /// Indexes of the entidades that have casillas.
    fn present_entidades(&self) -> Vec<u8> {
        let mut present: Vec<u8> = self.catalogue.casillas.iter().map(|c| c.entidad).collect();
        present.dedup();
        present
    }

    /// Calls `f` on every row, in file order, with its case and acta source (`None` for
    /// actas fuera de catálogo).
    fn each_row(
        &self,
        w: &ActaWriter<'_>,
        mut f: impl FnMut(&[Value], RowCase, Option<RowKind>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut buf: RowBuf = w.buffer();
        for i in self.entries(w.election()) {
            let case = w.acta(i, &mut buf);
            let c = &self.catalogue.casillas[i];
            let ballot = w.ballot(c);
            let kind = RowKind {
                casilla_type: c.casilla_type,
                independents: ballot.independents > 0,
                partial_coalition: ballot.partial(),
            };
            f(&buf.cells, RowCase::Acta(case), Some(kind))?;
        }
        let present = self.present_entidades();
        for j in 0..self.fuera_slots(w.election()) {
            if w.fuera(j, &present, &mut buf) {
                f(&buf.cells, RowCase::Fuera, None)?;
            }
        }
        Ok(())
    }
}

fn tick(done: &mut u64, total: u64, progress: &mut dyn FnMut(u64, u64)) {
    *done += 1;
    if done.is_multiple_of(PROGRESS_EVERY) {
        progress(*done, total);
    }
}

/// What the counting rules see of a written row, read from its cells as a recount would.
fn facts<'a>(layout: &Layout, cells: &'a [Value]) -> ActaFacts<'a> {
    let text = |i: usize| cells[i].to_string();
    ActaFacts {
        status: Contabilizada::parse(&text(layout.contabilizada))
            .unwrap_or(Contabilizada::NoCapturada),
        casilla_type: CasillaType::parse(&text(layout.tipo_casilla)),
        observations: Observations::parse(&text(layout.observaciones)),
        votes: &cells[layout.votes.clone()],
        lista_nominal: cells[layout.lista_nominal].number().unwrap_or(0),
    }
}
