//! The difusor's *memoria técnica*: figures from web access logs and the node's event log, as
//! a Spanish HTML report with inline SVG charts, a PDF of it, and CSV/JSON of every table.
//!
//! How the parts fit:
//! - [`format::LogFormat`] compiles nginx `log_format` strings (combined, common or custom)
//!   and parses a line into an [`format::Entry`]; [`logtime`] reads its timestamp.
//! - [`classify::Classifier`] tells pages from assets and people from crawlers.
//! - [`tally::Tally`] counts lines (hits, pages, bytes, status, per hour/day/second, unique
//!   visitors as GoAccess counts them, election and baseline [`period::Period`]s) and merges
//!   with other tallies, so [`scan::scan`] reads files (plain or gzip, via `flate2`) and chunks in
//!   parallel threads with a bounded channel, with an `indicatif` progress bar.
//! - [`incidents`] reads the node's JSON-lines event log (`serde_json`, times by `jiff`).
//! - [`figures::Figures`] turns a tally and the incidents into the report's numbers (visits
//!   with a 30-minute gap, peaks, daily averages and ratios).
//! - [`report`] writes the HTML (`minijinja` renders the crate's embedded `templates/`, HTML
//!   auto-escaping every value), the CSV (`csv` crate) and JSON tables, and the PDF (headless
//!   Chromium).
//! - [`generate`] writes deterministic realistic logs (`rand_chacha`) for tests and benchmarks.
//!
//! A malformed line is never fatal: it is counted by reason and sampled. An unreadable file is
//! a [`error::MemoriaError`] naming it.

pub mod classify;
pub mod error;
pub mod figures;
pub mod format;
pub mod generate;
pub mod incidents;
pub mod logtime;
pub mod period;
pub mod report;
pub mod scan;
pub mod tally;

pub use error::MemoriaError;
pub use figures::Figures;
pub use tally::{Spec, Tally};
