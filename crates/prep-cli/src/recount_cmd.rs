//! `prep recount`: the auditor's tool.

use std::process::ExitCode;

/// Arguments of `prep recount`.
#[derive(clap::Args)]
pub struct RecountArgs {}

/// Runs `prep recount`.
pub fn run(_args: RecountArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("prep recount is not implemented yet")
}
