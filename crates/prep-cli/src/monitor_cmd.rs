//! `prep monitor`: watch the difusores (`run`) and write the compliance report (`report`).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `prep monitor`.
#[derive(clap::Args)]
#[command(after_help = "\
The monitor keeps its records in ELECTION_DIR/monitor/: events.jsonl (every look, suspension and
reinstatement), standing.json (each difusor's standing under the 3-period rule) and
difusores.json (the public list the next corte carries). The compliance report reads them with
ELECTION_DIR/deliveries.jsonl.")]
pub struct MonitorArgs {
    #[command(subcommand)]
    command: MonitorCommand,
}

#[derive(clap::Subcommand)]
enum MonitorCommand {
    /// Watch every enabled difusor of DIR/difusores.toml until SIGINT or SIGTERM: look at its
    /// public json/main.json every --poll-ms, spot-check files, judge each update period
    /// (3 failed periods in a row suspend: deliveries stop, the signed notice is delivered by
    /// `prep deliver`, the public list disables its link; serving the current corte again
    /// reinstates). Serves the status page, /status.json, /metrics and /difusores.json.
    Run(RunArgs),
    /// The compliance report: per difusor and corte, when it was published, delivered and
    /// first served at the difusor's public URL, against the allowed delay. Writes
    /// cumplimiento.html (Spanish) and cumplimiento.csv.
    Report {
        /// The election directory.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Where to write the report (default: ELECTION_DIR/monitor).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The allowed delay between the institute's publication and the difusor's, seconds
        /// (Durango's call: 60).
        #[arg(long, default_value_t = 60)]
        allowed_delay: u32,
        /// The report's title (the simulacro or the election night).
        #[arg(long, default_value = "Reporte de cumplimiento")]
        title: String,
    },
}

/// Arguments of `prep monitor run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The election directory.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Address of the status page (port 0 picks a free one; the first line printed names it).
    #[arg(long, default_value = "127.0.0.1:8091")]
    pub listen: std::net::SocketAddr,
    /// How often every difusor is looked at, in milliseconds.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(100..=3_600_000))]
    pub poll_ms: u64,
    /// The update period in milliseconds (default: the schedule's period_minutes).
    #[arg(long, value_parser = clap::value_parser!(u64).range(100..=86_400_000))]
    pub period_ms: Option<u64>,
    /// The allowed delay between the institute's publication and a difusor's, seconds.
    #[arg(long, default_value_t = 60)]
    pub allowed_delay: u32,
    /// Files spot-checked against the manifest at each look.
    #[arg(long, default_value_t = 3)]
    pub spot_checks: usize,
    /// A PEM root certificate to trust besides the public roots (a drill's private CA).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// Opens the monitor of an election directory: its enabled difusores, the suspension
/// actions (notices signed with the directory's key).
pub fn open_monitor(args: &RunArgs) -> anyhow::Result<prep_monitor::Monitor> {
    let dir = prep_publish::ElectionDir::open(&args.dir)?;
    let difusores: Vec<prep_monitor::Watched> = prep_deliver::difusores::load(&args.dir)?
        .into_iter()
        .filter(|d| d.enabled)
        .map(|d| prep_monitor::Watched {
            id: d.id,
            name: d.name,
            url: d.url,
        })
        .collect();
    let period = args.period_ms.map_or_else(
        || std::time::Duration::from_secs(u64::from(dir.config.schedule.period_minutes) * 60),
        std::time::Duration::from_millis,
    );
    let config = prep_monitor::MonitorConfig {
        poll: std::time::Duration::from_millis(args.poll_ms),
        period,
        allowed_delay: std::time::Duration::from_secs(u64::from(args.allowed_delay)),
        spot_checks: args.spot_checks,
        rule: prep_monitor::Rule::default(),
    };
    let observer = prep_monitor::Observer::new(
        &args.dir,
        args.spot_checks,
        args.ca_file.as_deref(),
        std::time::Duration::from_secs(10),
    )?;
    let actions = prep_deliver::suspension::SuspensionActions::new(
        &args.dir,
        dir.signing_key()?,
        &dir.config.institute.name,
    );
    let monitor =
        prep_monitor::Monitor::open(&args.dir, &difusores, config, observer, Box::new(actions))?;
    monitor.write_public_list()?;
    Ok(monitor)
}

/// Looks every poll and judges every period until `stop` is set.
pub fn watch(monitor: &prep_monitor::Monitor, stop: &std::sync::atomic::AtomicBool) {
    let config = monitor.config().clone();
    let mut next_period = std::time::Instant::now() + config.period;
    let mut last_error = None;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let now = prep_inbox::unix_now();
        let mut result = monitor.poll(now);
        if std::time::Instant::now() >= next_period {
            next_period += config.period;
            result = result.and(monitor.end_period(now));
        }
        let error = result.err().map(|e| format!("{e:#}"));
        if error.is_some() && error != last_error {
            eprintln!("prep monitor: {}", error.as_deref().unwrap_or_default());
        }
        last_error = error;
        let wake = std::time::Instant::now() + config.poll;
        while std::time::Instant::now() < wake && !stop.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(50).min(config.poll));
        }
    }
}

/// Serves the status page of `monitor` on `listener` in a thread of its own.
pub fn serve_status(
    monitor: std::sync::Arc<prep_monitor::Monitor>,
    listener: std::net::TcpListener,
) -> anyhow::Result<()> {
    listener.set_nonblocking(true)?;
    std::thread::Builder::new()
        .name("monitor-status".into())
        .spawn(move || {
            let served = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|rt| {
                    rt.block_on(async move {
                        let listener = tokio::net::TcpListener::from_std(listener)?;
                        prep_monitor::status::serve(monitor, listener).await
                    })
                });
            if let Err(e) = served {
                eprintln!("prep monitor: the status page stopped: {e:#}");
            }
        })?;
    Ok(())
}

/// Runs `prep monitor`.
pub fn run(args: MonitorArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        MonitorCommand::Run(run) => {
            let monitor = std::sync::Arc::new(open_monitor(&run)?);
            let listener = std::net::TcpListener::bind(run.listen)
                .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", run.listen))?;
            outln!("listening on {}", listener.local_addr()?);
            serve_status(std::sync::Arc::clone(&monitor), listener)?;
            let stop = crate::publish_cmd::stop_flag()?;
            watch(&monitor, &stop);
            Ok(ExitCode::SUCCESS)
        }
        MonitorCommand::Report {
            dir,
            out,
            allowed_delay,
            title,
        } => {
            let report = write_report(&dir, out, i64::from(allowed_delay), &title)?;
            outln!("{}", report.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes the compliance report of `dir` (HTML and CSV); returns the HTML file's path.
pub fn write_report(
    dir: &std::path::Path,
    out: Option<PathBuf>,
    allowed_delay: i64,
    title: &str,
) -> anyhow::Result<PathBuf> {
    let rows = prep_monitor::report::compliance_of(dir, allowed_delay)?;
    let out = out.unwrap_or_else(|| dir.join(prep_monitor::monitor::MONITOR_DIR));
    std::fs::create_dir_all(&out)?;
    let html =
        prep_monitor::report::to_html(&rows, title, allowed_delay, &prep_inbox::now_rfc3339())?;
    let html_path = out.join("cumplimiento.html");
    std::fs::write(&html_path, html)?;
    std::fs::write(
        out.join("cumplimiento.csv"),
        prep_monitor::report::to_csv(&rows)?,
    )?;
    Ok(html_path)
}
