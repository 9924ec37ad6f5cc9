//! The records of a node's event log (`data/events.jsonl`): one JSON object per line,
//! `{"event": "<kind>", "time": "<RFC 3339>", ...fields}`, keys in sorted order. The node
//! writes every line from a [`NodeEvent`] ([`EventRecord::to_line`]); the memoria técnica reads
//! them back with the same type ([`EventRecord::from_value`]), and keeps reading lines of other
//! tools or other versions its own way.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One line of the event log: when, and what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// When it happened, RFC 3339 in UTC.
    pub time: String,
    /// What happened.
    #[serde(flatten)]
    pub event: NodeEvent,
}

impl EventRecord {
    /// The record of `event` now.
    pub fn now(event: NodeEvent) -> EventRecord {
        EventRecord {
            time: crate::now_rfc3339(),
            event,
        }
    }

    /// The record's line, without its line feed: its keys sorted, as every node has written
    /// them. Fails only for a path that is not UTF-8.
    pub fn to_line(&self) -> Result<String, serde_json::Error> {
        // Through a `Value`, whose object keeps its keys sorted.
        Ok(serde_json::to_value(self)?.to_string())
    }

    /// Reads a record from a parsed line; an error for a line the node did not write (another
    /// tool's, an unknown kind, a field missing or of another type).
    pub fn from_value(value: serde_json::Value) -> Result<EventRecord, serde_json::Error> {
        serde_json::from_value(value)
    }
}

/// What a node did, under the `event` key of its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum NodeEvent {
    /// The node started (after recovery and the checks of the active corte).
    Start {
        /// The node's version.
        version: String,
        /// The corte served, if any.
        active: Option<u64>,
        /// The last corte accepted, if any.
        last_accepted: Option<u64>,
        /// Temporary files of the store a crash left, removed.
        removed_temporary_files: u64,
        /// Packages accepted before a crash and left in `incoming/`, removed.
        removed_accepted_leftovers: u64,
    },
    /// The server stopped.
    Stop {},
    /// A delivery taken from the inbox.
    Receive {
        /// Its name in the inbox.
        package: String,
        /// What it is when not a package: a notice or a key delegation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<Received>,
    },
    /// A package that passed every check and was stored.
    Accept {
        /// Its name in the inbox.
        package: String,
        /// The corte's sequence.
        sequence: u64,
        /// The corte's time (RFC 3339).
        corte: String,
        /// Files listed.
        files: u64,
        /// Their bytes.
        bytes: u64,
        /// Whether it started the node's chain.
        resync: bool,
        /// Milliseconds of verification.
        verify_ms: u64,
        /// Milliseconds of storing.
        store_ms: u64,
        /// Milliseconds of building the corte in memory.
        build_ms: u64,
    },
    /// A corte made the one served.
    Activate {
        /// Its sequence.
        sequence: u64,
        /// Its corte time (RFC 3339).
        corte: String,
        /// The corte served before, if any.
        previous: Option<u64>,
        /// Made active again at a start, after the active one could not be served.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        recovered: bool,
    },
    /// A delivery refused, moved to `rejected/`.
    Reject {
        /// Its name in the inbox.
        package: String,
        /// The reason's short code (`signature`, `replay`, ...).
        code: String,
        /// The reason.
        reason: String,
    },
    /// A stored corte or notice that does not verify any more, not served.
    VerifyFailed {
        /// The corte's sequence, for a corte.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sequence: Option<u64>,
        /// The notice's sequence, for a notice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice: Option<u64>,
        /// Why.
        reason: String,
    },
    /// A delivery that could not be handled (neither accepted nor refused).
    InboxError {
        /// Its name in the inbox.
        package: String,
        /// Why.
        reason: String,
    },
    /// The active corte exported to the web root.
    Export {
        /// Its sequence.
        sequence: u64,
        /// The notice in force over it, if any.
        notice: Option<u64>,
        /// The directory written.
        dir: PathBuf,
    },
    /// The export of an activated corte failed (retried at every poll).
    ExportFailed {
        /// The corte's sequence.
        sequence: u64,
        /// Why.
        reason: String,
    },
    /// A suspension notice put in force.
    Suspend {
        /// The notice's sequence.
        notice: u64,
        /// The corte it suspends.
        sequence: u64,
        /// Its title.
        title: String,
    },
    /// The notice in force lifted by a newer corte.
    Resume {
        /// The notice's sequence, as written in `notice-active`.
        notice: Option<String>,
        /// The corte that lifted it.
        sequence: u64,
    },
    /// A key delegation accepted.
    Keys {
        /// Its version.
        version: u64,
        /// The keys it names.
        keys: Vec<String>,
    },
    /// A corte's compressed variants made in the background.
    Compressed {
        /// The corte's sequence.
        sequence: u64,
        /// Files compressed.
        files: u64,
        /// Milliseconds it took.
        ms: u64,
        /// Whether they were served (the corte was still the active one).
        installed: bool,
    },
    /// A corte fetched from the origin into the inbox.
    Pull {
        /// Its sequence.
        sequence: u64,
        /// Files fetched.
        files: u64,
        /// Their bytes.
        bytes: u64,
        /// Listed files left out because the node holds them.
        skipped: u64,
        /// Whether it came as patches against a corte the node holds.
        patched: bool,
    },
    /// An abandoned delivery (`.tmp-*` in the inbox) removed.
    RemoveStale {
        /// Its name in the inbox.
        entry: String,
        /// Seconds since it last changed.
        age_s: u64,
    },
    /// The oldest refused packages removed.
    PruneRejected {
        /// Their names in `rejected/`.
        removed: Vec<String>,
        /// How many are kept.
        kept: u64,
    },
    /// A fault of the receiving loop (the inbox or the origin), reported once while it lasts.
    Error {
        /// Why.
        reason: String,
    },
}

/// What a [`NodeEvent::Receive`] took when not a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Received {
    /// A suspension notice.
    Notice,
    /// A key delegation.
    Keys,
}

impl NodeEvent {
    /// The kind, as under the line's `event` key.
    pub fn kind(&self) -> &'static str {
        match self {
            NodeEvent::Start { .. } => "start",
            NodeEvent::Stop {} => "stop",
            NodeEvent::Receive { .. } => "receive",
            NodeEvent::Accept { .. } => "accept",
            NodeEvent::Activate { .. } => "activate",
            NodeEvent::Reject { .. } => "reject",
            NodeEvent::VerifyFailed { .. } => "verify_failed",
            NodeEvent::InboxError { .. } => "inbox_error",
            NodeEvent::Export { .. } => "export",
            NodeEvent::ExportFailed { .. } => "export_failed",
            NodeEvent::Suspend { .. } => "suspend",
            NodeEvent::Resume { .. } => "resume",
            NodeEvent::Keys { .. } => "keys",
            NodeEvent::Compressed { .. } => "compressed",
            NodeEvent::Pull { .. } => "pull",
            NodeEvent::RemoveStale { .. } => "remove_stale",
            NodeEvent::PruneRejected { .. } => "prune_rejected",
            NodeEvent::Error { .. } => "error",
        }
    }

    /// The line's `sequence`, when it has one.
    pub fn sequence(&self) -> Option<u64> {
        match self {
            NodeEvent::Accept { sequence, .. }
            | NodeEvent::Activate { sequence, .. }
            | NodeEvent::Export { sequence, .. }
            | NodeEvent::ExportFailed { sequence, .. }
            | NodeEvent::Suspend { sequence, .. }
            | NodeEvent::Resume { sequence, .. }
            | NodeEvent::Compressed { sequence, .. }
            | NodeEvent::Pull { sequence, .. } => Some(*sequence),
            NodeEvent::VerifyFailed { sequence, .. } => *sequence,
            _ => None,
        }
    }

    /// The line's `reason`, when it has one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            NodeEvent::Reject { reason, .. }
            | NodeEvent::VerifyFailed { reason, .. }
            | NodeEvent::InboxError { reason, .. }
            | NodeEvent::ExportFailed { reason, .. }
            | NodeEvent::Error { reason } => Some(reason),
            _ => None,
        }
    }

    /// The line's `corte` (the corte time, RFC 3339), when it has one.
    pub fn corte(&self) -> Option<&str> {
        match self {
            NodeEvent::Accept { corte, .. } | NodeEvent::Activate { corte, .. } => Some(corte),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as nodes have written them (`serde_json::json!` objects, keys sorted) read back
    /// and written again byte for byte.
    #[test]
    fn lines_of_every_kind_round_trip_byte_for_byte() {
        let lines = [
            r#"{"active":3,"event":"start","last_accepted":3,"removed_accepted_leftovers":0,"removed_temporary_files":1,"time":"2024-06-03T02:00:00Z","version":"0.1.0"}"#,
            r#"{"active":null,"event":"start","last_accepted":null,"removed_accepted_leftovers":0,"removed_temporary_files":0,"time":"2024-06-03T02:00:00Z","version":"0.1.0"}"#,
            r#"{"event":"stop","time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"receive","package":"corte-000001","time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"receive","kind":"notice","package":"aviso-1","time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"receive","kind":"keys","package":"keys-2","time":"2024-06-03T02:00:00Z"}"#,
            r#"{"build_ms":3,"bytes":1234,"corte":"2024-06-02T20:00:00-06:00","event":"accept","files":12,"package":"corte-000001","resync":true,"sequence":1,"store_ms":2,"time":"2024-06-03T02:00:00Z","verify_ms":1}"#,
            r#"{"corte":"2024-06-02T20:00:00-06:00","event":"activate","previous":null,"sequence":1,"time":"2024-06-03T02:00:00Z"}"#,
            r#"{"corte":"2024-06-02T20:00:00-06:00","event":"activate","previous":2,"recovered":true,"sequence":1,"time":"2024-06-03T02:00:00Z"}"#,
            r#"{"code":"signature","event":"reject","package":"corte-000002","reason":"bad","time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"verify_failed","reason":"gone","sequence":4,"time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"verify_failed","notice":2,"reason":"expired","time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"inbox_error","package":"corte-000003","reason":"disk full","time":"2024-06-03T02:00:00Z"}"#,
            r#"{"dir":"/srv/www/cortes/000001","event":"export","notice":null,"sequence":1,"time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"export_failed","reason":"read-only","sequence":1,"time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"suspend","notice":1,"sequence":7,"time":"2024-06-03T02:00:00Z","title":"Suspensión"}"#,
            r#"{"event":"resume","notice":"1","sequence":8,"time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"resume","notice":null,"sequence":8,"time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"keys","keys":["RWQ"],"time":"2024-06-03T02:00:00Z","version":2}"#,
            r#"{"event":"compressed","files":40,"installed":true,"ms":120,"sequence":1,"time":"2024-06-03T02:00:00Z"}"#,
            r#"{"bytes":10,"event":"pull","files":2,"patched":false,"sequence":2,"skipped":5,"time":"2024-06-03T02:00:00Z"}"#,
            r#"{"age_s":7200,"entry":".tmp-corte-000004","event":"remove_stale","time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"prune_rejected","kept":100,"removed":["a","b"],"time":"2024-06-03T02:00:00Z"}"#,
            r#"{"event":"error","reason":"origin down","time":"2024-06-03T02:00:00Z"}"#,
        ];
        for line in lines {
            let value: serde_json::Value = serde_json::from_str(line).expect("json");
            let record = EventRecord::from_value(value).expect(line);
            assert_eq!(record.to_line().expect("line"), line);
            let kind = serde_json::from_str::<serde_json::Value>(line).expect("json")["event"]
                .as_str()
                .map(str::to_owned);
            assert_eq!(Some(record.event.kind().to_owned()), kind, "{line}");
        }
    }

    #[test]
    fn lines_of_other_tools_are_not_the_node_s() {
        for line in [
            r#"{"time":"2024-06-02T20:00:00-06:00","kind":"start"}"#,
            r#"{"time":"2024-06-02T20:00:00-06:00","event":"reboot"}"#,
            r#"{"time":"2024-06-02T20:00:00-06:00","event":"activate","seq":1}"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(line).expect("json");
            assert!(EventRecord::from_value(value).is_err(), "{line}");
        }
    }
}
