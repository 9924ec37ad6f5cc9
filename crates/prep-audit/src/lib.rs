//! The auditor's engine: recount a published PREP database from its acta rows and compare
//! the result with the summary the institute printed.
//!
//! Principal types:
//!
//! - [`recount_read`] (and [`recount`] for bytes in memory) reads a database (any dialect
//!   `prep-csv` knows) in one streaming pass, in bounded memory, and
//!   returns a [`Recount`]: the recomputed [`prep_count::Summary`], totals per vote column and
//!   per area, and — when a candidacy map is given — per candidacy.
//! - [`Difference`]: one summary field whose published value differs from the recount.
//! - [`RowFinding`]: an acta row whose own cells disagree with the rules (its
//!   TOTAL_VOTOS_CALCULADO is not the sum of its vote cells, or its CONTABILIZADA is not what
//!   Anexo 13 gives).
//! - [`StageChoice`]: which participation base applies. A published file does not say whether
//!   it is the last corte; by default the stage is inferred from the printed participation
//!   (the only field that depends on it) and reported as inferred.
//!
//! - [`choose_profile`]: recounts under each counting profile ([`prep_count::profiles`])
//!   until one reproduces the published summary (`prep recount --rules auto`), reporting each
//!   profile tried ([`ProfileOutcome`]); [`choose_profile_read`] does the same in one pass
//!   over the file, every profile recounting each row as it is read
//!   ([`recount_profiles_read`]).
//! - [`aggregate`]: tallies of an in-memory [`prep_csv::Database`] per area of any level
//!   (entidad, distrito, municipio, sección, casilla); every level sums to the total.
//!
//! Malformed rows never stop a recount: each is reported with its line and reason
//! ([`Recount::malformed`]) and left out of the counts.

mod engine;
mod explain;
mod levels;
mod pipeline;
mod profiles;
mod report;

pub use engine::{RecountOptions, StageChoice};
pub use levels::{aggregate, area_key};
pub use pipeline::{recount, recount_profiles_read, recount_read};
pub use profiles::{choose_profile, choose_profile_read};
pub use report::{
    AreaTotals, CandidacyTotal, ColumnTotal, Difference, ProfileOutcome, Recount, RowFinding,
    RowFindingKind, StageSource,
};
