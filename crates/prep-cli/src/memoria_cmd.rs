//! `prep memoria`: the difusor's memoria técnica from access logs and the node's event log;
//! `prep memoria generate-log`: a deterministic realistic log for tests and benchmarks.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use prep_memoria::classify::{Classifier, DEFAULT_PAGE_EXTENSIONS};
use prep_memoria::format::LogFormat;
use prep_memoria::period::Period;
use prep_memoria::report::html::Meta;
use prep_memoria::scan::{ScanOptions, scan};
use prep_memoria::{Figures, Spec};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `prep memoria`.
#[derive(Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Example:\n  prep memoria --logs access.log access.log.1 access.log.2.gz \\\n    \
                  --election 2024-06-02T18:00:00-06:00..2024-06-03T18:00:00-06:00 \\\n    \
                  --baseline 2024-05-20T00:00:00-06:00..2024-05-27T00:00:00-06:00 \\\n    \
                  --incidents data/events.jsonl --comments comentarios.txt --out memoria/\n\n\
                  Writes memoria.html, memoria.pdf, memoria.json and one CSV per table to --out. \
                  Malformed lines are counted and shown in the report, never fatal. \
                  The definitions of the figures are in docs/memoria-tecnica.md and in the report."
)]
pub struct MemoriaArgs {
    #[command(subcommand)]
    command: Option<MemoriaCommand>,
    /// Access logs: plain or gzip, a rotated set in any order.
    #[arg(long, num_args = 1..)]
    logs: Vec<PathBuf>,
    /// `combined` (default), `common`, or an nginx log_format string ('$remote_addr ... "$http_user_agent"').
    #[arg(long, default_value = "combined")]
    format: String,
    /// The election period, FROM..TO with UTC offsets (2024-06-02T18:00:00-06:00..2024-06-03T18:00:00-06:00).
    #[arg(long)]
    election: Option<String>,
    /// The baseline period (the portal's normal traffic), FROM..TO.
    #[arg(long)]
    baseline: Option<String>,
    /// The node's event log (JSON lines: {"time": RFC 3339, "kind": ...}).
    #[arg(long)]
    incidents: Option<PathBuf>,
    /// A text file with the outlet's comments and suggestions (blank lines separate paragraphs).
    #[arg(long)]
    comments: Option<PathBuf>,
    /// The outlet's name, for the report's heading.
    #[arg(long)]
    difusor: Option<String>,
    /// Extensions counted as pages (besides paths ending in / or without extension).
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_PAGE_EXTENSIONS.iter().map(|s| s.to_string()))]
    page_extensions: Vec<String>,
    /// Output directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the PDF (it needs Chromium).
    #[arg(long)]
    no_pdf: bool,
    /// The Chromium that prints the PDF.
    #[arg(long, default_value = "chromium")]
    chromium: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Subcommand)]
enum MemoriaCommand {
    /// Write a deterministic realistic access log (combined format) with an election-night peak.
    GenerateLog(GenerateArgs),
}

/// Arguments of `prep memoria generate-log`.
#[derive(Args)]
struct GenerateArgs {
    /// How many lines.
    #[arg(long)]
    lines: u64,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// The log file to write.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `prep memoria`.
pub fn run(args: MemoriaArgs) -> Result<ExitCode> {
    if let Some(MemoriaCommand::GenerateLog(g)) = args.command {
        let mut file = std::fs::File::create(&g.out)
            .with_context(|| format!("cannot create {}", g.out.display()))?;
        prep_memoria::generate::generate(g.lines, g.seed, &mut file)
            .with_context(|| format!("cannot write {}", g.out.display()))?;
        eprintln!(
            "wrote {} lines to {} (election {}, baseline {})",
            g.lines,
            g.out.display(),
            prep_memoria::generate::ELECTION,
            prep_memoria::generate::BASELINE
        );
        return Ok(ExitCode::SUCCESS);
    }
    if args.logs.is_empty() {
        bail!("--logs is required: the access logs to read");
    }
    let (Some(election), Some(baseline), Some(out)) = (&args.election, &args.baseline, &args.out)
    else {
        bail!("--election, --baseline and --out are required (see prep memoria --help)");
    };
    let format = LogFormat::named_or_nginx(&args.format).context("--format")?;
    let spec = Spec {
        format,
        classifier: Classifier::new(args.page_extensions.clone()),
        election: Period::parse(election).context("--election")?,
        baseline: Period::parse(baseline).context("--baseline")?,
    };
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let events = match &args.incidents {
        Some(p) => prep_memoria::incidents::read_events(p)?,
        None => Vec::new(),
    };
    let comments = match &args.comments {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the comments file {}", p.display()))?,
        ),
        None => None,
    };
    let mut opts = ScanOptions {
        progress: std::io::stderr().is_terminal(),
        ..ScanOptions::default()
    };
    if let Some(t) = args.threads {
        opts.threads = t;
    }
    let tally = scan(&args.logs, &spec, &opts)?;
    let incidents =
        prep_memoria::incidents::incidents(&events, prep_memoria::incidents::LATE_AFTER_SECS);
    let figures = Figures::compute(&tally, &spec, &args.logs, &incidents);
    let meta = Meta {
        difusor: args.difusor.clone(),
        files: args.logs.iter().map(|p| p.display().to_string()).collect(),
        format: args.format.clone(),
        comments,
    };
    let chromium = (!args.no_pdf).then_some(args.chromium.as_path());
    let written = prep_memoria::report::write_report(out, &figures, &meta, chromium)?;
    let t = &figures.totals;
    outln!(
        "hits {} | pages {} | visits {} | unique visitors {} | not found {} | malformed lines {} | bytes {}",
        t.hits,
        t.pages,
        t.visits,
        t.unique_visitors,
        t.not_found,
        t.malformed,
        t.bytes
    );
    for d in &figures.days {
        outln!(
            "day {} hits {} unique visitors {} not found {}",
            d.date,
            d.hits,
            d.unique_visitors,
            d.not_found
        );
    }
    outln!("wrote {} files to {}", written.len(), out.display());
    Ok(ExitCode::SUCCESS)
}
