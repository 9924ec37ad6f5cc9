//! The institute's pull origin (`prep origin`): serves every published corte of an election
//! directory to pull nodes, and tells them within a second when a new corte is out.
//!
//! Principal types:
//!
//! - [`layout`]: the paths a pull node reads (`latest.json`, `cortes/<N>/manifest.json`,
//!   its signature and pointer, `objects/<sha256>`, `events`). The `s3` channel writes the
//!   same layout into a bucket, so a node pulls from either.
//! - [`OriginDir`]: the election directory as published by `prep-publish`
//!   (`cortes/NNNNNN/`, the `origin` link), and [`ObjectIndex`]: each listed file's SHA-256
//!   to a corte that holds it. A node asks for a file by its hash, so a file unchanged since
//!   the corte it already holds is never fetched again.
//! - [`Origin`] and [`serve`]: the HTTP server. A watcher looks at the `origin` link every
//!   poll interval; a new corte is indexed, then announced to every subscriber of `events`
//!   (server-sent events, `event: corte`, `data: {"sequence": N}`), then `latest.json` names it.
//!
//! - [`deltas`]: `deltas/<N>/from/<M>/manifest` and `.../files`, corte N as zstd patches
//!   against corte M for a node that holds M: an incremental corte costs about what changed.
//!
//! Every other path serves the newest corte's own files (listed in its manifest): the
//! institute's site, which drills and small institutes can use as is.
//!
//! The origin checks nothing a node relies on: the node verifies the signature and every
//! file's hash itself. The origin only never serves a path outside the cortes it indexed.
//!
//! Crates used: `axum` (on `tokio`) for HTTP and its server-sent events, `futures` for
//! the event stream, `bytes` for the deltas kept in memory, `prep-package` to read manifests,
//! `log` for the faults it reports (the `prep` binary prints them as `prep origin: …`).

pub mod deltas;
pub mod index;
pub mod layout;
pub mod server;

pub use index::{ObjectIndex, OriginDir};
pub use layout::Latest;
pub use server::{Origin, router, serve};
