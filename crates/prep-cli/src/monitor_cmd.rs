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

/// Runs `prep monitor`.
pub fn run(args: MonitorArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        MonitorCommand::Report {
            dir,
            out,
            allowed_delay,
            title,
        } => {
            let report = write_report(&dir, out, i64::from(allowed_delay), &title)?;
            println!("{}", report.display());
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
        prep_monitor::report::to_html(&rows, title, allowed_delay, &prep_node::now_rfc3339())?;
    let html_path = out.join("cumplimiento.html");
    std::fs::write(&html_path, html)?;
    std::fs::write(
        out.join("cumplimiento.csv"),
        prep_monitor::report::to_csv(&rows)?,
    )?;
    Ok(html_path)
}
