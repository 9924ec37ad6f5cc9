//! `prep`: the PREP platform's one command. Each job is a subcommand with its own module;
//! argument parsing is `clap`'s.

mod corte_cmd;
mod keys_cmd;
mod node_cmd;
mod package_source;
mod recount_cmd;
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
                  for a synthetic election. `prep help COMMAND` explains each command."
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
    /// Cut a corte: build and sign its package (for now from a published database).
    Corte(corte_cmd::CorteArgs),
    /// Make the institute's signing key pair.
    Keys(keys_cmd::KeysArgs),
    /// Verify a corte package: signature, chain, and every file.
    Verify(verify_cmd::VerifyArgs),
    /// The difusor node: receive and verify packages, keep every corte, serve the active one.
    Node(node_cmd::NodeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Recount(args) => recount_cmd::run(args),
        Command::Synth(args) => synth_cmd::run(args),
        Command::Keys(args) => keys_cmd::run(args),
        Command::Corte(args) => corte_cmd::run(args),
        Command::Verify(args) => verify_cmd::run(args),
        Command::Node(args) => node_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("prep: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
