//! `prep publish`: cut cortes on schedule.

use anyhow::Context;
use prep_publish::{
    CorteReport, ElectionDir, NightEvent, Publisher, SimClock, Speed, run_schedule,
};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The simulated clock's options, shared by `prep publish` and `prep replay`.
#[derive(clap::Args, Clone)]
pub struct ClockArgs {
    /// Start the clock at this time (RFC 3339); default with --speed: the opening time.
    #[arg(long, value_name = "TIME")]
    clock: Option<String>,
    /// Simulated seconds per real second (600: ten minutes a second), or `max` (no
    /// waiting at all).
    #[arg(long, value_name = "N|max")]
    speed: Option<Speed>,
}

impl ClockArgs {
    /// The clock: simulated time = start + real elapsed × speed; without either option, the
    /// wall clock.
    pub fn clock(&self, dir: &ElectionDir) -> anyhow::Result<SimClock> {
        if self.clock.is_none() && self.speed.is_none() {
            return Ok(SimClock::real_time());
        }
        let start = match &self.clock {
            Some(t) => {
                prep_publish::parse_rfc3339(t).map_err(|e| anyhow::anyhow!("--clock: {e}"))?
            }
            None => dir.config.opening()?,
        };
        Ok(SimClock::new(
            start,
            self.speed.unwrap_or(Speed::Factor(1.0)),
        ))
    }
}

/// Arguments of `prep publish`.
#[derive(clap::Args)]
#[command(after_help = "\
Cuts a corte at the opening time, then every period, until the closing time (the last one
final), as `prep corte --dir` does. Each corte is logged: sequence, corte time, files,
bytes, build time. Ctrl-C or SIGTERM stops it between two cortes, never in the middle of one.
A drill: `prep publish --dir DIR --speed 600` runs a 24-hour night in 2.4 minutes; run
`prep replay FILE --dir DIR --speed 600` beside it (same --speed, same start) to feed it.")]
pub struct PublishArgs {
    /// The election directory.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    #[command(flatten)]
    clock: ClockArgs,
}

/// A flag raised by Ctrl-C and SIGTERM.
pub fn stop_flag() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("cannot install the signal handler")?;
    }
    Ok(stop)
}

/// Prints what the night does (cortes and skips; feeding goes to `fed`).
pub fn log_event(event: NightEvent<'_>, fed: &mut dyn FnMut(usize, usize)) {
    match event {
        NightEvent::Corte(r) => log_corte(r),
        NightEvent::Skipped { corte } => eprintln!(
            "prep: corte {corte} skipped: the clock passed the next corte time before it could be cut"
        ),
        NightEvent::Fed { done, total } => fed(done, total),
    }
}

/// A corte's line. The night goes on when standard output is closed: only the line is lost
/// (and `prep` ends with status 0 when the schedule is over).
fn log_corte(r: &CorteReport) {
    use std::io::Write as _;
    let _ = writeln!(crate::output::stdout(), "{r}");
}

/// Runs `prep publish`.
pub fn run(args: PublishArgs) -> anyhow::Result<ExitCode> {
    let dir = ElectionDir::open(&args.dir)?;
    let mut clock = args.clock.clock(&dir)?;
    let times = dir.config.corte_times()?;
    let store = dir.open_store()?;
    let key = dir.signing_key()?;
    let mut publisher = Publisher::open(dir, key)?;
    let stop = stop_flag()?;
    let reports = run_schedule(
        &mut publisher,
        &store,
        &times,
        &mut clock,
        None,
        &stop,
        &mut |e| log_event(e, &mut |_, _| {}),
    )?;
    let last = reports
        .last()
        .map_or(String::new(), |r| format!(", last {}", r.corte));
    outln!("{} cortes cut{last}", reports.len());
    Ok(ExitCode::SUCCESS)
}
