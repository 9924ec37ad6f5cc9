//! `prep replay`: feed a published database's actas into the store at their times.

use crate::publish_cmd::{ClockArgs, log_event, stop_flag};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use prep_publish::{ElectionDir, Feeder, NightEvent, Publisher, plan_from_file, run_schedule};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `prep replay`.
#[derive(clap::Args)]
#[command(after_help = "\
Each captured acta of FILE is recorded as a capture at its FECHA_HORA_CAPTURA (FECHA_HORA_ACOPIO
when it has none, as actas fuera de catálogo) and a verification at its
FECHA_HORA_VERIFICACION; sin acta rows carry no time (N/A) and are recorded at the file's last
time; rows not captured (`-`) are not recorded. The directory must have been made from FILE
(`prep init DIR --from-database FILE ...`). A replay run again records nothing new.
Examples:
  prep replay PUE_GUB_2024.csv --dir pue --speed max                 as fast as possible
  prep replay PUE_GUB_2024.csv --dir pue --speed 600 --publish       a night in 2.4 minutes, with cortes")]
pub struct ReplayArgs {
    /// The published database(s) to replay.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The election directory.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The election each file belongs to (default: by file name).
    #[arg(long, value_name = "ID")]
    election: Option<String>,
    #[command(flatten)]
    clock: ClockArgs,
    /// Also cut the cortes on schedule, in this process.
    #[arg(long)]
    publish: bool,
}

/// Runs `prep replay`.
pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let dir = ElectionDir::open(&args.dir)?;
    let store = dir.open_store()?;
    let mut plans = Vec::new();
    for f in &args.files {
        let (id, plan) = plan_from_file(&dir, &store, f, args.election.as_deref())?;
        outln!(
            "{}: election {id}, {} events ({} rows not captured, {} sin acta rows without time)",
            f.display(),
            plan.events.len(),
            plan.not_captured,
            plan.untimed
        );
        plans.push(plan);
    }
    let mut feeder = Feeder::new(plans);
    let mut clock = args.clock.clock(&dir)?;
    let stop = stop_flag()?;
    let bar = ProgressBar::new(feeder.total() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} events {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut fed = |done: usize, _| bar.set_position(done as u64);
    let mut cortes = 0;
    if args.publish {
        let times = dir.config.corte_times()?;
        let key = dir.signing_key()?;
        let mut publisher = Publisher::open(dir, key)?;
        let reports = run_schedule(
            &mut publisher,
            &store,
            &times,
            &mut clock,
            Some(&mut feeder),
            &stop,
            // Progress moves the bar; a corte's line is printed above it (never from
            // inside `suspend`, which holds the bar's lock).
            &mut |e| match e {
                NightEvent::Fed { done, total } => fed(done, total),
                other => bar.suspend(|| log_event(other, &mut |_, _| {})),
            },
        )?;
        cortes = reports.len();
    } else {
        feeder.feed_until(&store, Timestamp::MAX, &mut clock, &stop, &mut fed)?;
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let s = feeder.stats();
    outln!(
        "{} of {} events fed in {secs:.1} s ({:.0} events/s): {} recorded, {} already in the store, {} refused, {} transactions{}",
        feeder.done(),
        feeder.total(),
        feeder.done() as f64 / secs.max(1e-9),
        s.appended,
        s.repeated,
        s.refused,
        s.batches,
        if args.publish {
            format!("; {cortes} cortes cut")
        } else {
            String::new()
        }
    );
    for r in &feeder.refusals {
        eprintln!("prep: refused: {r}");
    }
    Ok(ExitCode::SUCCESS)
}
