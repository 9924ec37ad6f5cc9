//! The institute's acta store: embedded, durable, and auditable.
//!
//! Every capture, verification and correction of an acta is an [`Event`] with its time and
//! origin, appended to an audit trail that is never updated nor deleted; the current state
//! of each acta ([`ActaState`]) is derived from its events, and can be re-derived from them
//! at any time ([`Store::check_derived_state`]). A corte reads a [`Snapshot`]: every
//! expected acta with its state, as of one read transaction.
//!
//! Principal types:
//!
//! - [`Store`]: one SQLite database ([`Store::open`], [`Store::open_in_memory`]) in WAL
//!   mode with `synchronous=FULL`, so the commit behind every acknowledged event is on
//!   disk: a crash loses no acknowledged capture. Migrations are the SQL files of
//!   `migrations/`, applied in order on open and recorded in `schema_version`.
//! - [`ElectionSpec`]: an election's id, title, vote columns and counting rules;
//!   [`Store::load_catalogue`] loads its [`prep_model::CatalogueEntry`]s in one transaction.
//! - [`NewEvent`] → [`Store::record`] → [`Ack`]: an event for an acta identified as captured
//!   ([`ActaIdent`]), of an [`EventKind`], from an [`Origin`], at the caller's time, with
//!   an [`ActaContent`] (vote cells as [`prep_model::Value`]s by column, and
//!   [`ActaDetails`]: TOTAL_VOTOS_ASENTADO, other counts, sin acta reason,
//!   CODIGO_INTEGRIDAD, FECHA_HORA_*, ORIGEN, …) stored as stable JSON with its SHA-256.
//!   Submissions are idempotent (same acta, same content → same `Ack`); an acta that
//!   matches no catalogue entry is stored fuera de catálogo.
//!   [`Store::record_batch`] records many events in one transaction (bulk loads).
//! - [`ActaState`] and [`CaptureStatus`]: the derived state of an acta, with its Anexo 13
//!   [`prep_count::Classification`] (CONTABILIZADA, OBSERVACIONES, TOTAL_VOTOS_CALCULADO)
//!   under the catalogue's vote limit; [`decide`] and [`next`] are the fold.
//! - [`ReadView`] → [`Snapshot`] → [`SnapshotActa`]: a consistent read for a corte, as of
//!   [`Snapshot::through_event`]; events recorded meanwhile belong to the next corte. Take
//!   the snapshots of all the elections of a corte from one view. [`ReadView::refresh`]
//!   brings the previous corte's snapshot up to date reading only what changed; the
//!   catalogue is read once per store and kept. A snapshot tallies ([`Snapshot::tally`],
//!   through [`prep_count::ActaFacts`]) and renders as rows of the published database in
//!   any header layout ([`RowLayout`], [`Snapshot::rows`]).
//! - [`published`]: rows of a published database ([`published::Cells`]) as catalogue
//!   entries, identifications and contents ([`published::PublishedColumns`]), for the bulk
//!   load and for directories and replays made from a published file.
//! - [`Store::events_since`] and [`Store::acta_history`]: the audit trail;
//!   [`Store::check_derived_state`] replays it and compares ([`StateCheck`]).
//!
//! Acta keys: an acta of the catalogue is known by its CLAVE_ACTA, or `CLAVE@AREA` (and
//! `CLAVE@AREA#N`) when the catalogue repeats the clave (voto anticipado actas of several
//! districts share one; published databases repeat a few). An acta fuera de catálogo is
//! known as `FC:` and its identification as captured, or `FC:IMG:` and its
//! CODIGO_INTEGRIDAD when nothing else identifies it.
//!
//! Modules: `store` (opening, recording), `election` and `catalogue` (definitions, bulk
//! load, lookup of an identification), `event` and `content` (what is recorded), `log`
//! (the event table), `derive` and `state` (the fold and the state table), `snapshot`,
//! `cache` and `render` (reads for cortes), `audit` (replay), `migrate` (schema), `published`
//! (rows of a published file).
//!
//! SQLite is `rusqlite` (bundled, so no system library is needed); JSON is `serde_json`;
//! SHA-256 is `sha2` (hex by `hex`); published files are read by `prep-csv`; errors ([`StoreError`]) are `thiserror` types. The counting rules are
//! `prep-count`'s, never reimplemented here.

mod audit;
mod cache;
mod catalogue;
mod content;
mod derive;
mod election;
mod error;
mod event;
mod log;
mod migrate;
pub mod published;
pub mod render;
mod snapshot;
mod state;
mod store;

pub use audit::StateCheck;
pub use content::{ActaContent, ActaDetails, PublishedClassification, sha256_hex};
pub use derive::{
    ActaState, CaptureStatus, classification, decide, fuera_de_catalogo, next, ordered_votes,
};
pub use election::ElectionSpec;
pub use error::StoreError;
pub use event::{Ack, ActaIdent, Authority, Event, EventId, EventKind, NewEvent, Origin, Recorded};
pub use migrate::{MIGRATIONS, Migration};
pub use render::RowLayout;
pub use snapshot::{CapturedActa, ReadView, Snapshot, SnapshotActa};
pub use store::Store;
