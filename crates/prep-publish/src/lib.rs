//! The institute's election directory: configuration, the acta store, cortes cut from it on
//! schedule, and replays of published databases — the I/O around the pure crates.
//!
//! Principal types:
//!
//! - [`Config`] (`prep.toml`, read with `toml` + `serde`, every key validated with an
//!   error naming it) and [`ElectionDir`]: the directory's layout (`directory` module docs).
//! - [`init()`]: makes a directory from published databases ([`ElectionSource`]) or
//!   synthetic ones ([`synth_sources`]): configuration, the `prep-store` file with every
//!   election defined and its catalogue loaded, the candidacy files, each election's
//!   [`ElectionFormat`] (so cortes print the CSV as the source did), and optionally keys.
//! - [`Publisher::cut`]: one corte from ONE store read view for all elections; each
//!   election's rows rendered as its published database (the snapshot's summary in the
//!   preamble) and zipped with its candidacy file, the JSON built by `prep-corte`, the
//!   extra files from [`site_files`], the manifest chained to the last corte's and signed,
//!   written crash-safe ([`write_package`]) under `DIR/cortes/<sequence>/`, then
//!   `DIR/origin` switched to it.
//! - [`source`]: a published database as catalogue ([`source::catalogue`]) and as timed
//!   store events ([`replay_events`] → [`ReplayPlan`]).
//! - [`SimClock`] ([`Speed`]): the accelerated clock; [`Feeder`] records a replay's events
//!   as the clock reaches them; [`run_schedule`] cuts cortes from the opening, every period,
//!   to the closing (the last one final), feeding first when a replay runs in the same
//!   process.
//!
//! Dates are `jiff`'s; the store is `prep-store` (SQLite); packages are `prep-corte` +
//! `prep-package` (minisign); errors are `thiserror` types ([`ClockError`], [`ReplayError`],
//! [`ConfigError`]).

mod clock;
mod config;
mod corte;
mod directory;
mod init;
mod night;
mod replay;
pub mod source;
mod write;

pub use clock::{ClockError, SimClock, Speed, TimeZone, parse_rfc3339};
pub use config::{
    CONFIG_FILE, Config, ConfigError, ElectionConfig, Named, PackageConfig, RulesConfig, Schedule,
    Signing,
};
pub use corte::{CorteReport, LastCorte, Publisher, follows, last_corte, site_files};
pub use directory::{ElectionDir, key_password};
pub use init::{ElectionSource, InitReport, InitSettings, KeySetup, init, names_of, synth_sources};
pub use night::{FeedStats, Feeder, NightEvent, run_schedule};
pub use replay::plan_from_file;
pub use source::{ElectionFormat, ReplayError, ReplayPlan, TimedEvent, replay_events};
pub use write::{WriteStats, write_package};
