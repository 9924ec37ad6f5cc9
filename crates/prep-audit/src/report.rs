//! What a recount found.

use prep_count::{CorteStage, Summary, SummaryField, Tally};
use prep_csv::{Dialect, PublishedSummary, ReadError};
use prep_model::{LevelKind, VoteColumn};
use serde::Serialize;

/// One summary field whose published value is not the recomputed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The field.
    pub field: SummaryField,
    /// The name printed in the file.
    pub name: String,
    /// The value printed in the file (`None` when the file lacks the field).
    pub published: Option<String>,
    /// The recomputed value, in the file's number style.
    pub recomputed: String,
    /// What in the rows or the rules makes the difference.
    pub reason: String,
}

/// How one counting profile fared on a file ([`crate::choose_profile`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileOutcome {
    /// The profile's name.
    pub profile: String,
    /// Summary fields that differ under it.
    pub differences: usize,
    /// Rows it cannot read (a CONTABILIZADA it does not know, a cut row).
    pub malformed: usize,
}

impl ProfileOutcome {
    /// True when the profile reads every row and reproduces every published field.
    pub fn reproduces(&self) -> bool {
        self.differences == 0 && self.malformed == 0
    }
}

/// What is wrong with one acta row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowFindingKind {
    /// TOTAL_VOTOS_CALCULADO is not the sum of the row's vote cells.
    TotalMismatch {
        /// As printed.
        published: u64,
        /// Sum of the vote cells.
        recomputed: u64,
    },
    /// CONTABILIZADA is not what the rules give for the row's cells.
    StatusMismatch {
        /// As printed.
        published: String,
        /// As the rules give it.
        expected: String,
    },
}

/// An acta row whose cells disagree with the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowFinding {
    /// 1-based line number in the file.
    pub line: u64,
    /// CLAVE_ACTA, when present.
    pub clave_acta: String,
    /// What is wrong.
    pub kind: RowFindingKind,
}

/// Where the corte stage (and so the participation base) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageSource {
    /// Given by the caller.
    Given,
    /// Inferred: the printed participation equals the one computed with this stage's base.
    InferredFromPublished,
    /// Not inferable (no published participation, or it matches neither base): the rules'
    /// final-corte base was used.
    Default,
}

/// Votes of one vote column over the counted actas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnTotal {
    /// Column name.
    pub column: String,
    /// Votes.
    pub votes: u64,
}

/// Votes of one candidacy, in an area when candidacies are per area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidacyTotal {
    /// The area (municipio or distrito id) for per-area candidacies.
    pub area: Option<String>,
    /// The candidate.
    pub candidate: String,
    /// Votes of every column mapped to the candidate.
    pub votes: u64,
}

/// Counters of one area (district or municipio).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaTotals {
    /// Area id as printed, without the `'` prefix.
    pub area: String,
    /// The area's tally.
    pub tally: Tally,
}

/// The result of recounting a database.
#[derive(Debug, Serialize)]
pub struct Recount {
    /// The title line.
    pub title: Option<String>,
    /// The corte line.
    pub corte: Option<String>,
    /// The file's dialect.
    #[serde(skip)]
    pub dialect: Dialect,
    /// The summary as printed, if the file has one.
    #[serde(skip)]
    pub published: Option<PublishedSummary>,
    /// The vote columns.
    #[serde(skip)]
    pub columns: Vec<VoteColumn>,
    /// Acta rows read (malformed ones excluded).
    pub rows: u64,
    /// The stage whose participation base was used.
    pub stage: CorteStage,
    /// How the stage was chosen.
    pub stage_source: StageSource,
    /// The recomputed summary.
    pub summary: Summary,
    /// The summary as printed in the file's style (names and number formats).
    #[serde(skip)]
    pub printed: PublishedSummary,
    /// Fields whose printed value differs from the recount.
    pub differences: Vec<Difference>,
    /// Summary names the file prints without a value (an empty cell, or a values line
    /// shorter than the names): nothing to compare them with.
    pub unpublished: Vec<String>,
    /// The counting profile the rows were recounted with ([`prep_count::Rules::name`]).
    pub profile: String,
    /// With `--rules auto`: every profile tried, in order, and how it fared.
    pub profiles_tried: Vec<ProfileOutcome>,
    /// Totals of the whole file.
    #[serde(skip)]
    pub tally: Tally,
    /// Votes per column.
    pub columns_totals: Vec<ColumnTotal>,
    /// Votes per candidacy (with a candidacy map).
    pub candidacies: Vec<CandidacyTotal>,
    /// The level of [`Recount::areas`].
    pub area_level: Option<LevelKind>,
    /// Counters per district or municipio.
    #[serde(skip)]
    pub areas: Vec<AreaTotals>,
    /// Rows whose cells disagree with the rules.
    pub row_findings: Vec<RowFinding>,
    /// Malformed rows (line and reason), left out of the counts.
    #[serde(serialize_with = "serialize_errors")]
    pub malformed: Vec<ReadError>,
}

fn serialize_errors<S: serde::Serializer>(errors: &[ReadError], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(errors.iter().map(serde_json_error))
}

#[derive(Serialize)]
struct ErrorJson {
    line: u64,
    reason: String,
}

fn serde_json_error(e: &ReadError) -> ErrorJson {
    ErrorJson {
        line: e.line,
        reason: e.kind.to_string(),
    }
}

impl Recount {
    /// True when the file has a summary and every field agrees with the recount.
    pub fn agrees(&self) -> bool {
        self.published.is_some() && self.differences.is_empty()
    }
}
