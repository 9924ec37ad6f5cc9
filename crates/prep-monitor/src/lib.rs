//! The institute's monitor of difusores (`prep monitor`): what each difusor's public site
//! actually serves, the 3-period rule, the operator's status page, the compliance report.
//!
//! Principal types, in the order a look meets them:
//!
//! - [`Observer`]: one look at a difusor's public site: its `json/main.json` (the corte it
//!   serves, whether the suspension notice is in force), the pointer's manifest hash against
//!   the institute's, and a few random files spot-checked against the signed manifest (an
//!   altered file is a [`Violation`], unless the pointer read again shows the node switched to
//!   a newer published corte meanwhile: that one is checked instead). A look is bounded in
//!   size and in time whatever the site sends. https URLs are checked against the public roots
//!   (plus an optional private CA for drills).
//! - [`Rule`] and [`Standing`] (pure): three consecutive failed update periods suspend; serving
//!   the current corte again, with the notice taken down, reinstates.
//! - [`Monitor`]: looks at every difusor on each poll, judges each period, and acts on a
//!   [`Transition`] through [`Actions`] (stop delivery and deliver the notice; resume). It
//!   keeps `monitor/events.jsonl`, `monitor/standing.json` and the public list
//!   `monitor/difusores.json` in the election directory.
//! - [`status`]: the status page (Spanish), `/status.json`, `/metrics` (Prometheus text),
//!   `/difusores.json`.
//! - [`report`]: the compliance report per difusor and corte, HTML (Spanish) and CSV.
//!
//! Crates used: `ureq` (rustls) for the looks, `axum` for the status server, `minijinja`
//! (auto-escaping) for the pages, `csv` for the report, `rand` to pick the spot-checked files,
//! `sha2` to hash them as they arrive, `prep-origin` to read the published cortes, `thiserror`
//! for its errors, `log` for what it cannot record (printed by the `prep` binary as
//! `prep monitor: …`).

pub mod monitor;
pub mod observe;
pub mod report;
pub mod rule;
pub mod status;

pub use monitor::{Actions, DifusorStatus, Monitor, MonitorConfig, Watched};
pub use observe::{Observation, Observer, Violation};
pub use rule::{Rule, Seen, Standing, Transition};
