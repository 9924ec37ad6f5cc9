//! `prep synth`: write a synthetic election.

use std::process::ExitCode;

/// Arguments of `prep synth`.
#[derive(clap::Args)]
pub struct SynthArgs {}

/// Runs `prep synth`.
pub fn run(_args: SynthArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("prep synth is not implemented yet")
}
