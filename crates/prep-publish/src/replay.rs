//! `prep replay`: which election a published database belongs to, and its events.

use crate::directory::ElectionDir;
use crate::source::{ReplayPlan, replay_events};
use anyhow::{Context, bail};
use prep_csv::Database;
use prep_store::Store;
use std::path::Path;

/// The replay plan of the database `file` in the directory's election `election` (by
/// default, the election whose catalogue source has the same file name, or the only one).
pub fn plan_from_file(
    dir: &ElectionDir,
    store: &Store,
    file: &Path,
    election: Option<&str>,
) -> anyhow::Result<(String, ReplayPlan)> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let elections = &dir.config.elections;
    let chosen = match election {
        Some(id) => dir
            .config
            .election(id)
            .with_context(|| format!("--election {id}: no such election in prep.toml"))?,
        None => match elections
            .iter()
            .find(|e| e.catalogue.file_name().is_some_and(|n| *n == *name))
        {
            Some(e) => e,
            None if elections.len() == 1 => &elections[0],
            None => bail!(
                "cannot tell which election {name} is (no catalogue source of that name): give --election ID"
            ),
        },
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let db = Database::from_bytes(&bytes).with_context(|| format!("{}", file.display()))?;
    let keys: Vec<String> = store
        .catalogue(&chosen.id)?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let tz = dir.config.time_zone()?;
    let rules = dir.config.rules()?;
    let plan = replay_events(&db, &chosen.id, &keys, &tz, &name, &rules)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    Ok((chosen.id.clone(), plan))
}
