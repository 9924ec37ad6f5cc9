//! The counting rules of the PREP (INE *Reglamento de Elecciones*, Anexo 13, as the LEEME
//! files spell them out), with integer arithmetic only.
//!
//! Principal types:
//!
//! - [`Rules`]: one rules engine whose institute-specific details are configuration — which
//!   observations count as inconsistencies, which participation base applies before the last
//!   corte ([`ParticipationBase`]), how legends are spelled, how not-captured and fuera de
//!   catálogo rows are marked. Presets: [`Rules::anexo13`] and the TOML profiles of
//!   [`profiles`] (one per institute-year family).
//! - [`classify`]: decides an acta's CONTABILIZADA status, its observation and
//!   TOTAL_VOTOS_CALCULADO from its captured cells and its vote limit ([`Classification`]).
//! - [`ActaFacts`] → [`Tally`]: the counters of a set of actas (expected, captured, counted,
//!   …, votes per column); tallies merge, so every level of aggregation (entidad, distrito,
//!   municipio, sección, casilla) is a map of area → [`Tally`].
//! - [`Summary`] and [`SummaryField`]: the 13 summary fields of a corte, computed from a tally
//!   ([`Tally::summary`]) or parsed from a published file ([`SummaryValue::parse_published`]).
//! - [`Percent4`]: a percentage with four decimals, truncated, never rounded.

mod classify;
mod percent;
pub mod profiles;
mod rules;
mod summary;
mod tally;

pub use classify::{Classification, classify};
pub use percent::Percent4;
pub use rules::{CorteStage, Legend, ParticipationBase, Rules};
pub use summary::{Summary, SummaryField, SummaryValue, has_thousands_separators};
pub use tally::{ActaFacts, Counters, Tally, candidacy_totals};
