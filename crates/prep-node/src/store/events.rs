//! The event log: one JSON object per line in `data/events.jsonl` — every receive, accept,
//! reject (with its reason), activation, and server start and stop, each a
//! [`prep_inbox::events::NodeEvent`] — appended and fsynced, so the memoria técnica can read it
//! as the incident record with the same type.

use anyhow::Context;
use prep_inbox::events::{EventRecord, NodeEvent};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The append-only event log.
#[derive(Debug)]
pub struct EventLog {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl EventLog {
    /// Opens (creating) the log at `path` for appending.
    pub fn open(path: &Path) -> anyhow::Result<EventLog> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open the event log {}", path.display()))?;
        Ok(EventLog {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Appends `{"time": now, "event": kind, ...fields}` (keys sorted) and fsyncs. A failure
    /// to log is reported, never hidden, but does not stop the node.
    pub fn record(&self, event: NodeEvent) {
        let mut line = match EventRecord::now(event).to_line() {
            Ok(line) => line,
            Err(e) => {
                log::warn!(
                    "cannot write an event to the event log {}: {e}",
                    self.path.display()
                );
                return;
            }
        };
        line.push('\n');
        let mut file = match self.file.lock() {
            Ok(f) => f,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(e) = file
            .write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
        {
            log::warn!(
                "cannot append to the event log {}: {e}",
                self.path.display()
            );
        }
    }
}
