//! The ingest HTTP API: how the capture centres (CATD) and the PREP Casilla app put actas
//! into the institute's acta store.
//!
//! A client sends one capture, verification or correction of an acta as JSON
//! ([`Submission`]) with its centre's bearer token; the server validates it (every refusal
//! is a 4xx [`ApiError`] naming the field and the reason), stamps it with the server's
//! clock, records it in the [`prep_store::Store`] and answers once the event is on disk
//! ([`Receipt`]). The same submission again gets the same answer (`repeat: true`); a capture
//! that contradicts a stored one is 409; an acta matching no catalogue entry is stored
//! fuera de catálogo. A whole CSV file in the published database format can be loaded in
//! one transaction ([`published`], the bulk route). The OpenAPI 3.1 document is
//! `docs/ingest-openapi.json`, served at `GET /openapi.json`.
//!
//! Principal types:
//!
//! - [`AppState`] (store, [`Tokens`], [`Limits`], clock, [`Writer`]) shared by the handlers (module
//!   `handlers`, one file per route); [`router`] builds the axum router from the route
//!   table [`routes`]; [`serve`] runs it until [`shutdown_signal`] (SIGTERM, Ctrl-C).
//! - [`Tokens`]: capture centre id → SHA-256 of its token, its [`TokenKind`] and its
//!   [`Role`] (a supervisor may verify or correct any acta, a capture centre only those it
//!   captured), a TOML file; [`Caller`] is the axum extractor that authenticates a request (constant-time
//!   comparison; the token itself is never stored nor logged).
//! - [`Submission`] → [`prep_store::NewEvent`]; [`Receipt`], [`StateView`], [`EventView`]:
//!   what is answered.
//! - [`published::read_published`]: rows of a published database as catalogue entries,
//!   identifications and contents.
//!
//! Around the handlers: `timeout` (a JSON 408 past [`Limits::request_timeout`]),
//! `access_log` (one `log` line per request, which the `prep` binary prints on standard error;
//! never headers nor bodies), body
//! limits per route, and one bulk load at a time.
//!
//! - [`Writer`]: the one thread that records submissions; those that arrive together are
//!   committed in one transaction (one fsync), each answered after that commit.
//!
//! HTTP is `axum` on `tokio` (reads of the store run on tokio's blocking pool: SQLite calls
//! block); JSON errors with the failing field's path come
//! from `serde_path_to_error`; tokens are drawn with `getrandom`, hashed with `sha2` and
//! compared with `subtle`; the tokens file is read with `toml`. The CSV format is
//! `prep-csv`'s. Diagnostics go through the `log` facade.

mod access_log;
mod auth;
mod body;
mod error;
mod handlers;
pub mod published;
mod router;
mod serve;
mod state;
mod submission;
mod timeout;
mod tokens;
mod view;
mod writer;

pub use error::ApiError;
pub use handlers::openapi::OPENAPI_JSON;
pub use router::{Route, router, routes};
pub use serve::{serve, shutdown_signal};
pub use state::{AppState, Clock, Limits, MAX_BATCH, system_clock};
pub use submission::{ActaRef, COUNT_NAMES, DetailsIn, MAX_COUNT, SinActaIn, Submission};
pub use tokens::{
    Caller, CentreToken, Role, TOKEN_PREFIX, TokenKind, Tokens, TokensError, check_centre_id,
    token_hash,
};
pub use view::{EventView, Receipt, StateView};
pub use writer::Writer;
