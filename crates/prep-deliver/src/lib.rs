//! Delivery of corte packages to the difusores (`prep deliver`).
//!
//! Principal types, in the order a delivery meets them:
//!
//! - [`difusores`]: `difusores.toml` in the election directory, parsed and validated into
//!   [`Difusor`]s, each with its [`difusores::Channel`] settings.
//! - [`channel::Channel`]: the trait every channel implements — deliver one [`channel::Job`]
//!   (corte N's complete package, plus the SHA-256 of the files the difusor is known to
//!   hold) and return what was [`channel::Sent`]. One module per kind: [`channel::dir`]
//!   (prep-node's `deliver_delta` into a local inbox), [`channel::sftp`] (russh +
//!   russh-sftp), [`channel::rsync`] (the rsync binary over ssh), [`channel::s3`]
//!   (object_store's S3 client, origin layout) and [`channel::pull`] (nothing pushed).
//!   Inbox channels send delta packages (`.prep-delta`, `docs/node.md`): only the files the
//!   node lacks; the node fills the rest from its store and verifies everything.
//! - [`kinds::channel_for`]: the channel for a difusor's settings, of either family.
//! - [`runner::deliver_all`]: every difusor at once, each with its timeout, retries and
//!   back-off, catching up on cortes it missed in order; every attempt is a
//!   [`record::DeliveryRecord`] appended to `deliveries.jsonl` ([`record::Journal`]).
//!
//! - [`folder`]: delivery into a difusor's publication folder (the folder its web server
//!   publishes) with nothing of ours installed there: [`prep_package::folder`]'s plan, stage
//!   by stage, through a [`folder::Folder`] ([`folder::local`], [`folder::ftps`]).
//! - [`suspension`]: the monitor's 3-period rule on the delivery side: a suspended difusor
//!   gets the institute's signed notice instead of cortes, then cortes again on probation.
//!
//! Crates used: `prep-node` for the inbox protocol and delta packages, `prep-package` for
//! manifests, `russh`/`russh-sftp` for SFTP, `object_store` for S3, `suppaftp` (with
//! `rustls-native-certs` for the system's roots) for FTPS, `tokio` for concurrency, timeouts
//! and the rsync process, `futures` to join them, `toml`/`serde` for the file, `thiserror`
//! for its errors.

pub mod channel;
pub mod difusores;
pub mod folder;
pub mod kinds;
pub mod record;
pub mod runner;
pub mod suspension;

pub use channel::{Channel, Job, Sent};
pub use difusores::{DIFUSORES_FILE, Difusor};
pub use record::{DELIVERIES_FILE, DeliveryRecord, Journal, Outcome};
pub use runner::{Backoff, corte_dir, deliver_all, deliver_round, latest_sequence};
