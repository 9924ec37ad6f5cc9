//! Keeping the inbox and `data/rejected/` from growing without end: a delivery abandoned half
//! written (`inbox/.tmp-*`, untouched for `inbox_stale_after_s`) is removed, and only the
//! newest `rejected_keep` refused packages (with their `.reason` files) are kept. Each removal
//! is an event (`remove_stale`, `prune_rejected`). The node runs [`tidy`] about once a minute
//! from its inbox thread.

use crate::node::Node;
use anyhow::Context;
use prep_inbox::events::NodeEvent;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How often the node tidies.
pub const TIDY_INTERVAL: Duration = Duration::from_secs(60);
/// How deep a stale delivery is looked into for a file still being written.
const MAX_DEPTH: usize = 32;

/// What one [`tidy`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tidied {
    /// Stale deliveries removed from the inbox (their names).
    pub stale: Vec<String>,
    /// Refused packages removed from `data/rejected/` (their names).
    pub rejected: Vec<String>,
}

/// Removes stale deliveries from the inbox and the oldest refused packages beyond
/// `rejected_keep`, as of `now`; logs an event for each kind removed.
pub fn tidy(node: &Node, now: SystemTime) -> anyhow::Result<Tidied> {
    let config = node.config();
    let mut tidied = Tidied::default();
    if config.inbox_stale_after_s > 0 {
        let max_age = Duration::from_secs(config.inbox_stale_after_s);
        for entry in std::fs::read_dir(&config.inbox)
            .with_context(|| format!("cannot list the inbox {}", config.inbox.display()))?
        {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with(".tmp-") {
                continue;
            }
            let newest = newest_change(&entry.path(), 0);
            let age = newest.and_then(|t| now.duration_since(t).ok());
            if age.is_some_and(|a| a >= max_age) {
                remove(&entry.path())?;
                node.events().record(NodeEvent::RemoveStale {
                    entry: name.clone(),
                    age_s: age.map_or(0, |a| a.as_secs()),
                });
                tidied.stale.push(name);
            }
        }
    }
    if config.rejected_keep > 0 {
        let dir = node.store().rejected();
        let mut packages: Vec<String> = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot list {}", dir.display()))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".reason") && !n.starts_with('.'))
            .collect();
        // Named `<time>-<name>` (time first, UTC): by name is by time refused.
        packages.sort();
        let excess = packages.len().saturating_sub(config.rejected_keep);
        for name in packages.into_iter().take(excess) {
            remove(&dir.join(&name))?;
            let reason = dir.join(format!("{name}.reason"));
            prep_fs::remove_if_present(&reason)?;
            tidied.rejected.push(name);
        }
        if !tidied.rejected.is_empty() {
            node.events().record(NodeEvent::PruneRejected {
                removed: tidied.rejected.clone(),
                kept: config.rejected_keep as u64,
            });
        }
    }
    Ok(tidied)
}

/// The latest modification time of `path` and everything under it (a transfer still
/// writing deep inside a delivery keeps it fresh). Links are not followed.
fn newest_change(path: &Path, depth: usize) -> Option<SystemTime> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let mut newest = meta.modified().ok()?;
    if meta.is_dir() && depth < MAX_DEPTH {
        for entry in std::fs::read_dir(path).ok()?.flatten() {
            if let Some(t) = newest_change(&entry.path(), depth + 1) {
                newest = newest.max(t);
            }
        }
    }
    Some(newest)
}

/// Removes a file or a directory tree (links themselves, never what they point to).
fn remove(path: &Path) -> anyhow::Result<()> {
    let meta = std::fs::symlink_metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
    .with_context(|| format!("cannot remove {}", path.display()))
}
