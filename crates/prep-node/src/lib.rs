//! The difusor node: receives corte packages, verifies everything before publishing,
//! keeps every accepted corte, switches to a new one atomically and serves it.
//!
//! The crate is in layers, each importing only from the layers before it in this list
//! (`scripts/module-cycles.sh`, run by CI, fails on any cycle between them):
//!
//! 1. `config`: the TOML configuration, [`NodeConfig`] (`docs/node.md`): the institute's
//!    public key, inbox, data directory, listen address, size [`prep_inbox::Limits`],
//!    `frame-ancestors`, `[pull]` ([`PullConfig`]), the access log's [`Rotation`].
//! 2. `store`: the [`Store`], content-addressed objects (each corte's new files in one
//!    [`pack`]), one [`CorteRecord`] per accepted corte, and the `active` file, the single
//!    switch point (every write is temporary file, fsync, rename); the [`EventLog`]
//!    (`events.jsonl`, typed [`prep_inbox::events::NodeEvent`]s).
//! 3. `verify`: a package directory as it arrives, checked by [`verify_package`] — the
//!    bounded listing ([`prep_inbox::list_package`]), then [`prep_package::check_package`]
//!    for signature, chain, expiry and files, then the pointer — or refused with its
//!    [`Refusal`]; a delta package (only the files the node lacks, marked
//!    [`prep_inbox::DELTA_MARKER`], or zstd patches against a corte the node holds) is filled
//!    by [`verify_package_with`] from the store; the key delegation after a rotation
//!    ([`load_delegation`]).
//! 4. `served`: the [`Corte`] in memory, each file with its headers' values and its
//!    precompressed variants ([`compress`]; a corte with many new bytes is served at once
//!    and its variants made after, by the node's one background compressor thread); the
//!    web-root [`export`] for nginx or Apache; the stored history read and verified offline
//!    ([`history()`], [`check_history`]).
//! 5. `node`: the [`Node`]. [`Node::poll_inbox`] takes complete packages from the inbox,
//!    verifies each and either stores and activates it or moves it to `rejected/`;
//!    [`Node::open`] recovers after a crash and verifies the active corte again before it
//!    is served; [`Node::current`] hands out an `Arc` so a request finishes on the corte it
//!    started on. Also the institute's signed suspension notice ([`prep_inbox::Notice`]:
//!    while in force the site is the notice page and `json/main.json` says `suspended`),
//!    [`hygiene`] (abandoned deliveries and old refused packages removed), the pull
//!    channel's [`Puller`] (each new corte fetched from the institute's origin, only the
//!    files the store lacks, woken by the origin's event stream), the [`Metrics`], and the
//!    receiving loop that polls the inbox and pulls.
//! 6. `http`: [`serve`], the HTTP server (HTTP/1.1 and HTTP/2, TLS, timeouts, the
//!    connection limit, the per-IP rate limit, the combined-format [`AccessLog`], every
//!    accepted corte read-only under `/historial/<sequence>/` with at most
//!    [`AUDIT_PERMITS`] served at once).
//! 7. `run`: [`run()`], the node and the server put together until SIGINT or SIGTERM.
//!
//! Crates used: `prep-inbox` for the inbox protocol, `prep-package` for every check of a
//! package, `http-body-util` for bodies, `hyper`/`hyper-util` (on `tokio`) for HTTP/1.1 and
//! HTTP/2 connections, `tokio-rustls` (rustls with `ring`) for TLS, `flate2` and `brotli`
//! for precompression with `rayon` to do it in parallel, `ureq` for the pull channel's
//! requests, `toml` for the configuration, `serde_json` for records and events, `bytes` to
//! share file bytes between the corte and responses without copies, `log` for its warnings
//! and notes (target `prep_node`; the binary chooses the logger).

mod config;
mod http;
mod node;
mod run;
mod served;
mod store;
mod verify;

pub use config::{NodeConfig, PullConfig, Rotation, ServerConfig};
pub use http::access_log::AccessLog;
pub use http::audit::PERMITS as AUDIT_PERMITS;
pub use http::server::serve;
pub use node::metrics::Metrics;
pub use node::pull::{Pulled, Puller};
pub use node::{Node, Outcome, hygiene};
pub use run::{run, shutdown_signal};
pub use served::corte::{COMPRESS_AFTER_BYTES, Corte, ServedFile};
pub use served::history::{
    CheckReport, History, HistoryEntry, check_history, check_history_with, history,
};
pub use served::{compress, export};
pub use store::events::EventLog;
pub use store::{CorteRecord, Store, pack};
pub use verify::trust::load_delegation;
pub use verify::{Held, Refusal, VerifiedPackage, verify_package, verify_package_with};
