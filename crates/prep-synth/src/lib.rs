//! Deterministic synthetic elections in the published PREP database format, any size up to
//! national (170,648 casillas; presidencia, senadurías and diputaciones federales).
//!
//! Principal types:
//!
//! - [`SynthConfig`]: seed, number of casillas, elections ([`ElectionId`]), fraction of actas
//!   captured, corte stage and line. The same configuration always gives byte-identical
//!   files; another seed gives another election.
//! - [`Synth`]: the catalogue generated from a configuration ([`Catalogue`]: 32 entidades,
//!   300 federal districts, secciones, casillas B/C/E/S with their lista nominal, plus actas
//!   of voto anticipado, prisión preventiva and Mexicans abroad). It writes each election's
//!   database ([`Synth::write_database`]) and candidacy file
//!   ([`Synth::write_candidaturas`]) to any [`std::io::Write`]; the crate never touches the
//!   file system.
//! - [`Written`]: what a database holds — the [`prep_count::Summary`] printed in its
//!   preamble (the Anexo 13 summary of exactly the rows written, so a recount of the file
//!   reproduces it) and the [`CaseCounts`] of its rows.
//!
//! Every case the counting rules know appears in realistic shares (close to the IEE Puebla
//! 2024 final corte): counted actas, illegible or empty fields, all fields illegible, excede
//! lista nominal, sin acta for each reason, actas fuera de catálogo, actas not yet captured,
//! casillas especiales, voto anticipado, prisión preventiva and abroad actas, coalition
//! combinations (partial coalitions in some senate and district ballots) and independent
//! candidacies. Each captured acta's CONTABILIZADA, OBSERVACIONES and TOTAL_VOTOS_CALCULADO
//! come from [`prep_count::classify`].
//!
//! Candidate names are fictitious; vote shares are 2024-like but synthetic.

mod acta;
mod ballot;
mod cases;
mod clock;
mod config;
mod dice;
mod geography;
mod row;
mod synth;

pub use cases::CaseCounts;
pub use clock::corte_for;
pub use config::{ElectionId, MAX_CASILLAS, NATIONAL_CASILLAS, SynthConfig, SynthError};
pub use geography::{Casilla, Catalogue, District, ENTIDADES, Entidad, Traslado};
pub use synth::{Synth, Written};
