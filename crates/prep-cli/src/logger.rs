//! Where the libraries' diagnostics go: the `log` facade's records, printed on standard error
//! as `prep <component>: <message>`, one line each. The component is the first path segment
//! of the record's target without its `prep_` (`prep_node::node` → `node`, `prep_ingest::…` →
//! `ingest`), so the line reads as the libraries printed it themselves before they logged.
//!
//! A small `log::Log` of our own rather than `env_logger`: the line is fixed (no time, no
//! level, no colour: what scripts and tests read), only the prep crates speak by default (the
//! dependencies' own `log` records, russh's and rustls', would change what stderr shows), and
//! one variable with one level is all there is to configure.
//!
//! [`LEVEL_VAR`] (`PREP_LOG`) sets the level: `error`, `warn`, `info` (the default), `debug`,
//! `trace` or `off`.

use std::io::Write;

/// The environment variable that sets the level.
pub const LEVEL_VAR: &str = "PREP_LOG";

/// Prints the prep crates' records at `level` and above.
struct Logger;

/// Whether a record's target is one of the prep crates'.
fn ours(target: &str) -> bool {
    target.starts_with("prep_")
}

/// The component a target names: its first path segment, without `prep_`.
fn component(target: &str) -> &str {
    let first = target.split("::").next().unwrap_or(target);
    first.strip_prefix("prep_").unwrap_or(first)
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        ours(metadata.target()) && metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = format!("prep {}: {}\n", component(record.target()), record.args());
        // One write per line, so that lines from threads do not interleave; stderr gone is
        // nothing to report to.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// The level `PREP_LOG` names (unset or empty: `info`); `None` when it names none.
fn level(value: Option<&str>) -> Option<log::LevelFilter> {
    match value.map(str::trim) {
        None | Some("") => Some(log::LevelFilter::Info),
        Some(v) => v.parse().ok(),
    }
}

/// Installs the logger at the level of `PREP_LOG`; a value that is no level is said once and
/// `info` used.
pub fn init() {
    let value = std::env::var(LEVEL_VAR).ok();
    let level = level(value.as_deref()).unwrap_or_else(|| {
        eprintln!(
            "prep: {LEVEL_VAR}={:?} is not a level; write error, warn, info, debug, trace or off (using info)",
            value.as_deref().unwrap_or_default()
        );
        log::LevelFilter::Info
    });
    if log::set_logger(&Logger).is_ok() {
        log::set_max_level(level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_the_crates_without_prep() {
        assert_eq!(component("prep_node::node"), "node");
        assert_eq!(component("prep_ingest::access_log"), "ingest");
        assert_eq!(component("prep_origin"), "origin");
        assert_eq!(component("prep_monitor::monitor"), "monitor");
        assert!(ours("prep_origin::server") && !ours("russh::client") && !ours("prepx"));
    }

    #[test]
    fn the_level_is_info_unless_set() {
        assert_eq!(level(None), Some(log::LevelFilter::Info));
        assert_eq!(level(Some("")), Some(log::LevelFilter::Info));
        assert_eq!(level(Some("warn")), Some(log::LevelFilter::Warn));
        assert_eq!(level(Some("OFF")), Some(log::LevelFilter::Off));
        assert_eq!(level(Some("loud")), None);
    }
}
