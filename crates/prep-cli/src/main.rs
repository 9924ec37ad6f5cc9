//! `prep`: the PREP platform's one command. Each job is a subcommand with its own module;
//! argument parsing is `clap`'s. Everything a subcommand prints goes through [`output`]: when
//! the reader of standard output goes away (`prep … | head`), `prep` ends quietly with status
//! 0, as ripgrep does. The libraries' diagnostics (the `log` facade) are printed by
//! [`logger`] on standard error, `prep <component>: <message>`, at the level `PREP_LOG` sets.

// First: the `outln!` macro is in scope for the modules declared after it.
#[macro_use]
mod output;

mod corte_cmd;
mod deliver_cmd;
mod ingest_cmd;
mod init_cmd;
mod keys_cmd;
mod logger;
mod memoria_cmd;
mod monitor_cmd;
mod node_cmd;
mod notice_cmd;
mod origin_cmd;
mod package_source;
mod publish_cmd;
mod recount_cmd;
mod replay_cmd;
mod simulacro_cmd;
mod site_cmd;
mod synth_cmd;
mod verify_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Election-night preliminary results (PREP): count, audit and publish.
#[derive(Parser)]
#[command(
    name = "prep",
    version,
    about = "Open, verifiable software for Mexico's election-night preliminary results (PREP)",
    after_help = "Start with `prep recount FILE --check` on a published PREP database, or `prep synth` \
                  for a synthetic election. `prep help COMMAND` explains each command.\n\n\
                  Diagnostics go to standard error as `prep <component>: <message>`; PREP_LOG=error, \
                  warn, info (the default), debug, trace or off sets how many."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Recount a published PREP database from its rows and compare with its summary.
    Recount(recount_cmd::RecountArgs),
    /// Write a deterministic synthetic election in the published database format.
    Synth(synth_cmd::SynthArgs),
    /// Create an election directory: configuration, acta store with the catalogue, keys.
    Init(init_cmd::InitArgs),
    /// Cut a corte: build and sign its package (from a directory's store or a database).
    Corte(corte_cmd::CorteArgs),
    /// Cut cortes on schedule, from the opening to the closing (the last one final).
    Publish(publish_cmd::PublishArgs),
    /// Feed a published database's actas into the store at their FECHA_HORA_* times.
    Replay(replay_cmd::ReplayArgs),
    /// Make the institute's signing key pair.
    Keys(keys_cmd::KeysArgs),
    /// Verify a corte package: signature, chain, and every file.
    Verify(verify_cmd::VerifyArgs),
    /// Serve the ingest API of the capture centres; issue their tokens.
    Ingest(ingest_cmd::IngestArgs),
    /// The public site's templates: export the defaults, check an institute's.
    Site(site_cmd::SiteArgs),
    /// The difusor's memoria técnica from access logs and the node's event log.
    Memoria(memoria_cmd::MemoriaArgs),
    /// The difusor node: receive and verify packages, keep every corte, serve the active one.
    Node(node_cmd::NodeArgs),
    /// The institute's pull origin: serve every corte to pull nodes, announce each new one.
    Origin(origin_cmd::OriginArgs),
    /// Watch what every difusor serves (3-period rule); the compliance report.
    Monitor(monitor_cmd::MonitorArgs),
    /// A whole election night on this machine: institute, origin, nodes, monitor, report.
    Simulacro(simulacro_cmd::SimulacroArgs),
    /// Deliver a corte to every difusor (dir, sftp, rsync, s3, pull), recording each attempt.
    Deliver(deliver_cmd::DeliverArgs),
    /// Sign a suspension notice for the difusor nodes (delivered like a package).
    Notice(notice_cmd::NoticeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logger::init();
    let result = match cli.command {
        Command::Recount(args) => recount_cmd::run(args),
        Command::Synth(args) => synth_cmd::run(args),
        Command::Keys(args) => keys_cmd::run(args),
        Command::Init(args) => init_cmd::run(args),
        Command::Corte(args) => corte_cmd::run(args),
        Command::Publish(args) => publish_cmd::run(args),
        Command::Replay(args) => replay_cmd::run(args),
        Command::Verify(args) => verify_cmd::run(args),
        Command::Ingest(args) => ingest_cmd::run(args),
        Command::Site(args) => site_cmd::run(args),
        Command::Memoria(args) => memoria_cmd::run(args),
        Command::Node(args) => node_cmd::run(args),
        Command::Origin(args) => origin_cmd::run(args),
        Command::Monitor(args) => monitor_cmd::run(args),
        Command::Simulacro(args) => simulacro_cmd::run(args),
        Command::Deliver(args) => deliver_cmd::run(args),
        Command::Notice(args) => notice_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        // The reader of standard output went away: nothing more to say, to anyone.
        Err(_) if output::closed() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("prep: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
