//! Incidents from the difusor node's event log (`data/events.jsonl`, see `docs/node.md`):
//! JSON lines, one event per line, `{"time": "<RFC 3339>", "event": "<kind>", ...}`.
//!
//! A line the node wrote is read with the node's own type,
//! [`prep_inbox::events::NodeEvent`]. Kinds read: `receive`, `accept` (with `sequence`),
//! `reject` (with `reason`), `activate` (with `sequence` and `corte`, the corte time, RFC 3339),
//! `start`, `stop`. Other kinds are kept out of the incident list. A line of another tool (with
//! `kind`, `seq` and `corte_time`) or of a kind or form this version does not know is kept as
//! [`Logged::Other`], read field by field. What becomes an incident:
//! - a **rejected package**; it affected publication when no corte was activated within the
//!   limit (60 s, the seeds' maximum delay) after it;
//! - a **late activation**: activated more than the limit after its corte time (or, without
//!   one, after the `receive` of the same sequence);
//! - a **restart**: `stop` then `start`; the downtime is the time between them;
//! - a **crash**: `start` with no `stop` before it; the downtime runs from the previous event;
//! - a **stop** never followed by a start.

use crate::error::MemoriaError;
use prep_inbox::events::{EventRecord, NodeEvent};
use std::collections::HashMap;
use std::path::Path;

/// The default limit for "late", in seconds (Durango's call: at most one minute).
pub const LATE_AFTER_SECS: i64 = 60;

/// One event of the node's log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unix seconds.
    pub time: i64,
    /// What happened.
    pub what: Logged,
}

/// What a line of the log says.
#[derive(Debug, Clone, PartialEq)]
pub enum Logged {
    /// A line the node wrote, read with its own type.
    Node(NodeEvent),
    /// A line of another tool, or of a kind or form this version does not know.
    Other(OtherEvent),
}

/// A line that is not the node's, read field by field: `event` or `kind`, `sequence` or `seq`,
/// `reason`, `corte` or `corte_time`.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherEvent {
    /// `receive`, `accept`, `reject`, `activate`, `start`, `stop`, ...
    pub kind: String,
    /// The package's sequence number, when the event has one.
    pub seq: Option<u64>,
    /// Why a package was rejected.
    pub reason: Option<String>,
    /// The corte time of an activated package (Unix seconds).
    pub corte_time: Option<i64>,
}

impl Event {
    /// The event's kind: `receive`, `accept`, `reject`, `activate`, `start`, `stop`, ...
    pub fn kind(&self) -> &str {
        match &self.what {
            Logged::Node(e) => e.kind(),
            Logged::Other(o) => &o.kind,
        }
    }

    /// The package's sequence number, when the event has one.
    pub fn seq(&self) -> Option<u64> {
        match &self.what {
            Logged::Node(e) => e.sequence(),
            Logged::Other(o) => o.seq,
        }
    }

    /// Why a package was rejected (or whatever else failed), when said.
    pub fn reason(&self) -> Option<&str> {
        match &self.what {
            Logged::Node(e) => e.reason(),
            Logged::Other(o) => o.reason.as_deref(),
        }
    }

    /// The corte time of an accepted or activated package (Unix seconds).
    pub fn corte_time(&self) -> Option<i64> {
        match &self.what {
            Logged::Node(e) => e.corte().and_then(seconds),
            Logged::Other(o) => o.corte_time,
        }
    }

    /// What the incidents are made of.
    fn step(&self) -> Step {
        match &self.what {
            Logged::Node(e) => match e {
                NodeEvent::Receive { .. } => Step::Receive,
                NodeEvent::Reject { .. } => Step::Reject,
                NodeEvent::Activate { .. } => Step::Activate,
                NodeEvent::Stop {} => Step::Stop,
                NodeEvent::Start { .. } => Step::Start,
                _ => Step::Other,
            },
            Logged::Other(o) => match o.kind.as_str() {
                "receive" => Step::Receive,
                "reject" => Step::Reject,
                "activate" => Step::Activate,
                "stop" => Step::Stop,
                "start" => Step::Start,
                _ => Step::Other,
            },
        }
    }
}

/// The events incidents are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Receive,
    Reject,
    Activate,
    Stop,
    Start,
    Other,
}

/// An incident for the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Incident {
    /// When it began (Unix seconds).
    pub time: i64,
    /// What happened (Spanish).
    pub kind: String,
    /// Details (Spanish).
    pub detail: String,
    /// How long it lasted, in seconds, when known.
    pub duration_secs: Option<i64>,
    /// Whether it affected publication.
    pub affected_publication: bool,
}

fn timestamp(v: &serde_json::Value) -> Option<i64> {
    seconds(v.as_str()?)
}

fn seconds(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// Reads an event log from text.
pub fn parse_events(text: &str, path: &Path) -> Result<Vec<Event>, MemoriaError> {
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| MemoriaError::Event {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
        let time = v
            .get("time")
            .and_then(timestamp)
            .ok_or_else(|| err("no RFC 3339 \"time\"".into()))?;
        // The node writes `event`, `sequence` and `corte`; other tools `kind`, `seq`, `corte_time`.
        let field = |names: [&str; 2]| names.iter().find_map(|n| v.get(*n));
        let kind = field(["event", "kind"])
            .and_then(|k| k.as_str())
            .ok_or_else(|| err("no \"event\" (or \"kind\")".into()))?;
        let other = OtherEvent {
            kind: kind.to_string(),
            seq: field(["sequence", "seq"]).and_then(|s| s.as_u64()),
            reason: v.get("reason").and_then(|r| r.as_str()).map(str::to_string),
            corte_time: field(["corte", "corte_time"]).and_then(timestamp),
        };
        let what = match EventRecord::from_value(v) {
            Ok(record) => Logged::Node(record.event),
            Err(_) => Logged::Other(other),
        };
        events.push(Event { time, what });
    }
    events.sort_by_key(|e| e.time);
    Ok(events)
}

/// Reads an event log file.
pub fn read_events(path: &Path) -> Result<Vec<Event>, MemoriaError> {
    let text = std::fs::read_to_string(path).map_err(|source| MemoriaError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    parse_events(&text, path)
}

/// The incidents among time-ordered events.
pub fn incidents(events: &[Event], late_after: i64) -> Vec<Incident> {
    let mut out = Vec::new();
    let mut received: HashMap<u64, i64> = HashMap::new();
    let mut stopped_at: Option<i64> = None;
    for (i, e) in events.iter().enumerate() {
        let seq = e
            .seq()
            .map_or_else(String::new, |s| format!(" (secuencia {s})"));
        match e.step() {
            Step::Receive => {
                if let Some(s) = e.seq() {
                    received.entry(s).or_insert(e.time);
                }
            }
            Step::Reject => {
                let next_activation = events[i + 1..]
                    .iter()
                    .find(|n| n.step() == Step::Activate)
                    .map(|n| n.time - e.time);
                out.push(Incident {
                    time: e.time,
                    kind: "Paquete rechazado".into(),
                    detail: format!("{}{seq}", e.reason().unwrap_or("sin motivo registrado")),
                    duration_secs: next_activation,
                    affected_publication: next_activation.is_none_or(|d| d > late_after),
                });
            }
            Step::Activate => {
                let corte_time = e.corte_time();
                let since = corte_time.or_else(|| e.seq().and_then(|s| received.get(&s).copied()));
                if let Some(t) = since {
                    let delay = e.time - t;
                    if delay > late_after {
                        let from = if corte_time.is_some() {
                            "la hora del corte"
                        } else {
                            "su recepción"
                        };
                        out.push(Incident {
                            time: e.time,
                            kind: "Activación tardía".into(),
                            detail: format!("activado {delay} s después de {from}{seq}"),
                            duration_secs: Some(delay),
                            affected_publication: true,
                        });
                    }
                }
            }
            Step::Stop => stopped_at = Some(e.time),
            Step::Start => {
                if let Some(t) = stopped_at.take() {
                    out.push(Incident {
                        time: t,
                        kind: "Reinicio".into(),
                        detail: "servicio detenido y reiniciado".into(),
                        duration_secs: Some(e.time - t),
                        affected_publication: true,
                    });
                } else if i > 0 {
                    let last = events[i - 1].time;
                    out.push(Incident {
                        time: last,
                        kind: "Caída".into(),
                        detail: "el servicio volvió a iniciar sin un paro registrado".into(),
                        duration_secs: Some(e.time - last),
                        affected_publication: true,
                    });
                }
            }
            Step::Other => {}
        }
    }
    if let Some(t) = stopped_at {
        out.push(Incident {
            time: t,
            kind: "Paro".into(),
            detail: "el servicio se detuvo y no hay registro de reinicio".into(),
            duration_secs: None,
            affected_publication: true,
        });
    }
    out.sort_by_key(|i| i.time);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = r#"{"time":"2024-06-02T20:00:00-06:00","kind":"start"}
{"time":"2024-06-02T20:10:05-06:00","kind":"receive","seq":1}
{"time":"2024-06-02T20:10:06-06:00","kind":"accept","seq":1}
{"time":"2024-06-02T20:10:07-06:00","kind":"activate","seq":1,"corte_time":"2024-06-02T20:10:00-06:00"}
{"time":"2024-06-02T20:20:05-06:00","kind":"reject","seq":2,"reason":"bad signature"}
{"time":"2024-06-02T20:30:05-06:00","kind":"receive","seq":3}
{"time":"2024-06-02T20:33:05-06:00","kind":"activate","seq":3}
{"time":"2024-06-02T21:00:00-06:00","kind":"stop"}
{"time":"2024-06-02T21:02:00-06:00","kind":"start"}
{"time":"2024-06-02T22:00:00-06:00","kind":"start"}
"#;

    #[test]
    fn incidents_are_found_with_durations() {
        let events = parse_events(LOG, Path::new("events.jsonl")).expect("parses");
        let found = incidents(&events, LATE_AFTER_SECS);
        let kinds: Vec<&str> = found.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "Paquete rechazado",
                "Activación tardía",
                "Reinicio",
                "Caída"
            ]
        );
        assert_eq!(found[0].duration_secs, Some(780));
        assert!(found[0].affected_publication);
        assert!(found[0].detail.contains("bad signature"));
        assert_eq!(found[1].duration_secs, Some(180));
        assert_eq!(found[2].duration_secs, Some(120));
        assert_eq!(found[3].duration_secs, Some(58 * 60));
    }

    /// Lines as the node writes them are read with its type; an unknown kind and a line of
    /// another form (an `activate` whose `sequence` is a string) are kept as other events, and
    /// that activation still counts.
    #[test]
    fn node_lines_are_read_with_the_node_s_type_and_others_still_count() {
        let log = r#"{"active":null,"event":"start","last_accepted":null,"removed_accepted_leftovers":0,"removed_temporary_files":0,"time":"2024-06-03T02:00:00Z","version":"0.1.0"}
{"event":"receive","package":"corte-000001","time":"2024-06-03T02:10:05Z"}
{"corte":"2024-06-03T02:10:00Z","event":"activate","previous":null,"sequence":1,"time":"2024-06-03T02:12:07Z"}
{"code":"signature","event":"reject","package":"corte-000002","reason":"bad signature","time":"2024-06-03T02:20:05Z"}
{"event":"reboot","time":"2024-06-03T02:21:00Z"}
{"corte":"2024-06-03T02:20:00Z","event":"activate","sequence":"3","time":"2024-06-03T02:22:05Z"}
{"event":"stop","time":"2024-06-03T03:00:00Z"}
"#;
        let events = parse_events(log, Path::new("events.jsonl")).expect("parses");
        let typed = |i: usize| matches!(events[i].what, Logged::Node(_));
        assert!(typed(0) && typed(1) && typed(2) && typed(3) && typed(6));
        assert!(!typed(4) && !typed(5));
        assert_eq!(events[4].kind(), "reboot");
        assert_eq!((events[5].kind(), events[5].seq()), ("activate", None));
        let found = incidents(&events, LATE_AFTER_SECS);
        let kinds: Vec<&str> = found.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "Activación tardía",
                "Paquete rechazado",
                "Activación tardía",
                "Paro"
            ]
        );
        assert_eq!(found[0].duration_secs, Some(127));
        assert!(found[0].detail.contains("la hora del corte (secuencia 1)"));
        assert!(found[1].detail.contains("bad signature"));
        assert_eq!(found[1].duration_secs, Some(120));
        assert_eq!(found[2].duration_secs, Some(125));
    }

    #[test]
    fn a_bad_event_line_names_the_file_and_line() {
        let err =
            parse_events("{\"kind\":\"start\"}\n", Path::new("ev.jsonl")).expect_err("no time");
        assert!(err.to_string().contains("ev.jsonl:1"), "{err}");
    }
}
