//! The election model of a Mexican PREP (*Programa de Resultados Electorales Preliminares*).
//!
//! This crate is pure data: no I/O, no counting rules. Its principal types:
//!
//! - [`Value`]: one cell of an acta as the published database writes it — a number of votes,
//!   `ILEGIBLE`, `SIN DATO`, `SIN ACTA`, `-` (not captured yet, or not on this ballot), `N/A`,
//!   empty, or other text.
//! - [`CasillaType`]: the kind of polling station (B, C, E, S, A, P, M, V).
//! - [`Observations`]: the OBSERVACIONES legends of an acta, parsed from any of their spellings
//!   into a set of [`Observation`]s.
//! - [`Contabilizada`]: whether an acta is counted (`1`), not counted (`0`), out of catalogue
//!   (`2`) or not captured yet (`-`).
//! - [`VoteColumn`] and [`ColumnKind`]: the vote columns of an election — parties, coalition
//!   combinations, independents, NO_REGISTRADAS and NULOS — recognised from their header names
//!   by [`classify_vote_columns`].
//! - [`CandidacyMap`]: which candidacy each vote column counts for, possibly per area (the
//!   `*_Candidaturas_*.csv` files).
//! - [`Election`], [`ElectionProcess`], [`CatalogueEntry`] and [`Geography`]: what is being
//!   elected and which actas are expected.
//!
//! The counting rules over these types live in `prep-count`; reading and writing the
//! published CSV format lives in `prep-csv`.

mod candidacy;
mod casilla;
mod column;
mod election;
mod observation;
mod status;
mod value;

pub use candidacy::{Candidacy, CandidacyMap, CandidacyScope, area_key};
pub use casilla::CasillaType;
pub use column::{ColumnKind, VoteColumn, classify_vote_columns};
pub use election::{CatalogueEntry, Election, ElectionKind, ElectionProcess, Geography, LevelKind};
pub use observation::{Observation, Observations, SinActaReason};
pub use status::Contabilizada;
pub use value::Value;
