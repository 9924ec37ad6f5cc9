//! `deliveries.jsonl` in the election directory: one JSON line per delivery attempt
//! (difusor, channel, sequence, attempt, start, end, duration, bytes, files, outcome, error),
//! appended as each ends. What a difusor was last delivered successfully is read back from it.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file's name in the election directory.
pub const DELIVERIES_FILE: &str = "deliveries.jsonl";

/// How a delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The package is in the difusor's inbox (or bucket).
    Delivered,
    /// Pull channel: the corte is available at the origin for the difusor to fetch.
    Available,
    /// The attempt failed; `error` says why.
    Failed,
    /// The attempt took longer than the difusor's `timeout_seconds`.
    TimedOut,
    /// Not attempted: the difusor is disabled or suspended.
    Skipped,
}

impl Outcome {
    /// Whether the difusor now holds (or can fetch) the corte.
    pub fn succeeded(self) -> bool {
        matches!(self, Outcome::Delivered | Outcome::Available)
    }
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    /// The difusor's id.
    pub difusor: String,
    /// The channel's kind.
    pub channel: String,
    /// The corte's sequence.
    pub sequence: u64,
    /// 1 for the first attempt, 2 for the first retry…
    pub attempt: u32,
    /// When it started, RFC 3339 UTC.
    pub start: String,
    /// When it ended, RFC 3339 UTC.
    pub end: String,
    /// How long it took, milliseconds.
    pub duration_ms: u64,
    /// Bytes sent (for rsync, its `--stats` figure: compressed, with protocol overhead).
    pub bytes: u64,
    /// Files sent.
    pub files: u64,
    /// Listed files not sent because the difusor holds them.
    pub skipped: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it failed.
    pub error: Option<String>,
    /// For the delivery of a suspension notice: the notice's sequence (`sequence` is then 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<u64>,
}

/// The append-only record file.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl Journal {
    /// Opens (creating) `<election_dir>/deliveries.jsonl` for appending.
    pub fn open(election_dir: &Path) -> anyhow::Result<Journal> {
        let path = election_dir.join(DELIVERIES_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        Ok(Journal {
            path,
            file: Mutex::new(file),
        })
    }

    /// Appends one record as one line, flushed to disk.
    pub fn append(&self, record: &DeliveryRecord) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(record)?;
        line.push(b'\n');
        let mut file = match self.file.lock() {
            Ok(f) => f,
            Err(p) => p.into_inner(),
        };
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .with_context(|| format!("cannot append to {}", self.path.display()))
    }
}

/// Every record in `<election_dir>/deliveries.jsonl` (none when the file does not exist). A
/// line that does not parse (a write cut short) is skipped.
pub fn read(election_dir: &Path) -> anyhow::Result<Vec<DeliveryRecord>> {
    let path = election_dir.join(DELIVERIES_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// What a difusor was last delivered successfully.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastDelivered {
    /// The highest corte sequence.
    pub sequence: u64,
    /// Whether a suspension notice was delivered after it (the journal's order): the
    /// difusor's pages are then the notice page, not that corte's.
    pub notice_after: bool,
}

/// What each difusor was last delivered successfully ([`LastDelivered`]), from the journal's
/// records in the order they were written.
pub fn last_delivered(records: &[DeliveryRecord]) -> HashMap<String, LastDelivered> {
    let mut out: HashMap<String, LastDelivered> = HashMap::new();
    for r in records.iter().filter(|r| r.outcome.succeeded()) {
        let e = out.entry(r.difusor.clone()).or_default();
        if r.notice.is_some() {
            e.notice_after = true;
        } else {
            // A corte delivered after the notice rewrote the pages.
            e.sequence = e.sequence.max(r.sequence);
            e.notice_after = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        difusor: &str,
        sequence: u64,
        outcome: Outcome,
        notice: Option<u64>,
    ) -> DeliveryRecord {
        DeliveryRecord {
            difusor: difusor.into(),
            channel: "dir-folder".into(),
            sequence,
            attempt: 1,
            start: String::new(),
            end: String::new(),
            duration_ms: 0,
            bytes: 0,
            files: 0,
            skipped: 0,
            outcome,
            error: None,
            notice,
        }
    }

    #[test]
    fn a_notice_after_the_last_corte_is_known_until_a_corte_follows_it() {
        let mut journal = vec![
            record("a", 1, Outcome::Delivered, None),
            record("a", 2, Outcome::Failed, None),
            record("b", 1, Outcome::Delivered, None),
            record("a", 0, Outcome::Delivered, Some(1)),
            record("b", 0, Outcome::Failed, Some(1)),
        ];
        let last = last_delivered(&journal);
        let want = |sequence, notice_after| LastDelivered {
            sequence,
            notice_after,
        };
        assert_eq!(last["a"], want(1, true));
        assert_eq!(last["b"], want(1, false), "a failed notice changes nothing");
        journal.push(record("a", 2, Outcome::Delivered, None));
        assert_eq!(last_delivered(&journal)["a"], want(2, false));
    }
}
