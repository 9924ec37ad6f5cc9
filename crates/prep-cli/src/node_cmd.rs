//! `prep node`: the difusor node — run it, list its history, check its history.

use prep_node::{NodeConfig, Store, history};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `prep node`.
#[derive(clap::Args)]
#[command(after_help = "\
The configuration is described in docs/node.md. A sender delivers a package by writing it to
INBOX/.tmp-<name>/, writing the empty marker .prep-complete last, and renaming the directory to
INBOX/<name>/. The node verifies it (signature, sequence, chain, expiry, every file, no links,
limits) before anything is published; a refused package goes to DATA/rejected/ with its reason.")]
pub struct NodeArgs {
    #[command(subcommand)]
    command: NodeCommand,
}

#[derive(clap::Subcommand)]
enum NodeCommand {
    /// Receive packages from the inbox and serve the active corte over HTTP (until SIGTERM).
    /// The first line printed is `listening on ADDRESS`.
    Run {
        /// The node's configuration file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Accept the first package ever as the start of the chain (logged as a
        /// resynchronisation), as `accept_first = true` does.
        #[arg(long)]
        resync: bool,
    },
    /// List the accepted cortes: sequence, corte time, accepted time, files, bytes.
    History {
        /// The node's configuration file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Verify the stored history again: every corte's signature and objects, the chain, the
    /// active corte. Exit code 1 when anything is wrong.
    Check {
        /// The node's configuration file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

/// Runs `prep node`.
pub fn run(args: NodeArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        NodeCommand::Run { config, resync } => {
            let config = NodeConfig::load(&config)?;
            prep_node::run(config, resync, |addr, active| {
                let mut out = crate::output::stdout();
                let _ = writeln!(out, "listening on {addr}");
                let _ = match active {
                    Some(s) => writeln!(out, "serving corte {s}"),
                    None => writeln!(out, "no corte accepted yet"),
                };
                let _ = out.flush();
            })?;
            Ok(ExitCode::SUCCESS)
        }
        NodeCommand::History { config } => {
            let config = NodeConfig::load(&config)?;
            let h = history(&Store::open(&config.data)?)?;
            outln!("sequence  corte                      accepted              files        bytes");
            for c in &h.cortes {
                outln!(
                    "{:>8}  {:<25}  {:<20}  {:>5}  {:>11}{}{}",
                    c.sequence,
                    c.corte,
                    c.accepted,
                    c.files,
                    c.bytes,
                    if Some(c.sequence) == h.active {
                        "  active"
                    } else {
                        ""
                    },
                    if c.resync {
                        "  (resynchronisation)"
                    } else {
                        ""
                    },
                );
            }
            let listed: u64 = h.cortes.iter().map(|c| c.bytes).sum();
            outln!(
                "{} cortes, {listed} bytes as packages, {} bytes in the object store",
                h.cortes.len(),
                h.objects_bytes
            );
            Ok(ExitCode::SUCCESS)
        }
        NodeCommand::Check { config } => {
            let config = NodeConfig::load(&config)?;
            let delegation = match &config.root_key {
                Some(root) => prep_node::load_delegation(&config.data, root)?,
                None => None,
            };
            let keys_for = |sequence: u64| match &delegation {
                Some(d) => d.keys_for(sequence),
                None => vec![config.key.clone()],
            };
            let report = prep_node::check_history_with(&Store::open(&config.data)?, &keys_for)?;
            for note in &report.notes {
                outln!("note: {note}");
            }
            for problem in &report.problems {
                outln!("PROBLEM: {problem}");
            }
            if report.problems.is_empty() {
                outln!(
                    "OK: {} cortes verified, active {}",
                    report.cortes,
                    report
                        .active
                        .map_or_else(|| "none".to_owned(), |a| a.to_string())
                );
                Ok(ExitCode::SUCCESS)
            } else {
                Ok(ExitCode::from(1))
            }
        }
    }
}
