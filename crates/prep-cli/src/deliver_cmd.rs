//! `prep deliver`: deliver a corte to every difusor in the election directory's
//! `difusores.toml` (crate prep-deliver), concurrently, and print one line per attempt.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `prep deliver`.
#[derive(clap::Args)]
#[command(after_help = "\
Reads DIR/difusores.toml (docs/election-directory.md) and delivers corte N (DIR/cortes/NNNNNN,
by default the latest complete one) to every enabled, unsuspended difusor at once (or only to
those --only names), over its channel: into a node's inbox (dir, sftp, rsync), to storage the
node pulls from (s3, pull), or straight into the folder its web server publishes (dir-folder,
sftp-folder, rsync-folder, rsyncd-folder, ftps-folder; docs/publication-folder.md). A difusor that missed cortes gets each of them, in order;
after the first, only the files it lacks are sent. Each attempt is limited to the difusor's
timeout_seconds and retried up to `retries` times with exponential back-off; every attempt is
appended to DIR/deliveries.jsonl and printed.

Exit codes: 0 every enabled difusor has the corte; 1 a delivery failed; 2 usage error or an
unreadable difusores file.")]
pub struct DeliverArgs {
    /// The election directory.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The corte to deliver (default: the latest complete one).
    #[arg(long, value_name = "N", conflicts_with = "follow")]
    sequence: Option<u64>,
    /// Keep running: deliver each new corte as soon as it is complete, and pending
    /// suspension notices, until SIGINT or SIGTERM.
    #[arg(long)]
    follow: bool,
    /// Deliver only to this difusor (its `id`); may be given more than once.
    #[arg(long, value_name = "ID")]
    only: Vec<String>,
    /// With --follow: how often DIR/cortes is looked at, in milliseconds.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    poll_ms: u64,
}

/// Runs `prep deliver`.
pub fn run(args: DeliverArgs) -> anyhow::Result<ExitCode> {
    let difusores = only(prep_deliver::difusores::load(&args.dir)?, &args.only)?;
    if args.follow {
        return follow(&args, &difusores);
    }
    let sequence = match args.sequence {
        Some(n) => n,
        None => prep_deliver::latest_sequence(&args.dir)?.ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no complete corte to deliver (cut one with `prep corte --dir`)",
                args.dir.join(prep_deliver::runner::CORTES_DIR).display()
            )
        })?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let records = runtime.block_on(prep_deliver::deliver_round(
        &args.dir,
        sequence,
        &difusores,
        prep_deliver::Backoff::default(),
    ))?;
    let mut failed = Vec::new();
    for d in difusores.iter().filter(|d| d.receives()) {
        let mine: Vec<_> = records.iter().filter(|r| r.difusor == d.id).collect();
        let reached = mine
            .iter()
            .any(|r| r.sequence == sequence && r.outcome.succeeded());
        if !reached && !mine.is_empty() {
            failed.push(d.id.as_str());
        }
    }
    print_records(&records)?;
    if failed.is_empty() {
        outln!("corte {sequence}: every enabled difusor has it");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "prep deliver: corte {sequence} did not reach: {} (see {})",
            failed.join(", "),
            args.dir.join(prep_deliver::DELIVERIES_FILE).display()
        );
        Ok(ExitCode::from(1))
    }
}

/// The difusores `ids` names (all of them when it names none); an id the file does not
/// have is an error that lists the ones it has.
fn only(
    difusores: Vec<prep_deliver::Difusor>,
    ids: &[String],
) -> anyhow::Result<Vec<prep_deliver::Difusor>> {
    if ids.is_empty() {
        return Ok(difusores);
    }
    if let Some(unknown) = ids
        .iter()
        .find(|id| !difusores.iter().any(|d| d.id == **id))
    {
        let known: Vec<&str> = difusores.iter().map(|d| d.id.as_str()).collect();
        anyhow::bail!(
            "--only {unknown}: {} has no such difusor (its ids: {})",
            prep_deliver::DIFUSORES_FILE,
            known.join(", ")
        );
    }
    Ok(difusores
        .into_iter()
        .filter(|d| ids.contains(&d.id))
        .collect())
}

/// One line per attempt.
fn print_records(records: &[prep_deliver::DeliveryRecord]) -> anyhow::Result<()> {
    for r in records {
        let what = match &r.error {
            Some(e) => format!("{:?}: {e}", r.outcome),
            None => format!("{:?}", r.outcome),
        };
        let item = match r.notice {
            Some(n) => format!("notice {n:>3}"),
            None => format!("corte {:>4}", r.sequence),
        };
        outln!(
            "{:<20} {:<5} {item} attempt {} {:>7} ms {:>10} bytes {:>6} files ({} held)  {what}",
            r.difusor,
            r.channel,
            r.attempt,
            r.duration_ms,
            r.bytes,
            r.files,
            r.skipped
        );
    }
    Ok(())
}

/// `--follow`: each new complete corte is delivered at once; pending notices are retried at
/// every look.
fn follow(args: &DeliverArgs, difusores: &[prep_deliver::Difusor]) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let stop = crate::publish_cmd::stop_flag()?;
    let mut delivered = None;
    outln!(
        "following {}",
        args.dir.join(prep_deliver::runner::CORTES_DIR).display()
    );
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        if let Some(latest) = prep_deliver::latest_sequence(&args.dir)? {
            let records = if delivered != Some(latest) {
                delivered = Some(latest);
                runtime.block_on(prep_deliver::deliver_round(
                    &args.dir,
                    latest,
                    difusores,
                    prep_deliver::Backoff::default(),
                ))?
            } else {
                let mut effective = difusores.to_vec();
                let pending = prep_deliver::suspension::apply(&args.dir, &mut effective, latest)?;
                runtime.block_on(prep_deliver::suspension::deliver_notices(
                    &args.dir, &effective, &pending, latest,
                ))?
            };
            print_records(&records)?;
        }
        std::thread::sleep(std::time::Duration::from_millis(args.poll_ms));
    }
    Ok(ExitCode::SUCCESS)
}
