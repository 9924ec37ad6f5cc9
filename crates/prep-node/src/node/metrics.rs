//! Counters exposed at `/metrics` in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The node's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    accepted: AtomicU64,
    inbox_polls: AtomicU64,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    requests: Mutex<BTreeMap<u16, u64>>,
    active: Mutex<Option<u64>>,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    let mut map = match map.lock() {
        Ok(m) => m,
        Err(p) => p.into_inner(),
    };
    *map.entry(key).or_default() += 1;
}

impl Metrics {
    /// One package accepted.
    pub fn accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// One look at the inbox (and the origin, when pulling) by the receiving loop.
    pub fn inbox_polled(&self) {
        self.inbox_polls.fetch_add(1, Ordering::Relaxed);
    }

    /// One package refused, by reason code.
    pub fn rejected(&self, code: &'static str) {
        bump(&self.rejected, code);
    }

    /// One HTTP response, by status.
    pub fn request(&self, status: u16) {
        bump(&self.requests, status);
    }

    /// The corte now served.
    pub fn set_active(&self, sequence: u64) {
        if let Ok(mut a) = self.active.lock() {
            *a = Some(sequence);
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP prep_node_packages_accepted_total Packages verified and stored.\n# TYPE prep_node_packages_accepted_total counter\nprep_node_packages_accepted_total {}",
            self.accepted.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP prep_node_inbox_polls_total Looks at the inbox by the receiving loop (one per poll_interval_ms when idle).\n# TYPE prep_node_inbox_polls_total counter\nprep_node_inbox_polls_total {}",
            self.inbox_polls.load(Ordering::Relaxed)
        );
        out.push_str("# HELP prep_node_packages_rejected_total Packages refused, by reason.\n# TYPE prep_node_packages_rejected_total counter\n");
        if let Ok(map) = self.rejected.lock() {
            for (reason, n) in map.iter() {
                let _ = writeln!(
                    out,
                    "prep_node_packages_rejected_total{{reason=\"{reason}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP prep_node_active_sequence The sequence of the corte served (-1 when none).\n# TYPE prep_node_active_sequence gauge\n");
        let active = self.active.lock().ok().and_then(|a| *a);
        let _ = writeln!(
            out,
            "prep_node_active_sequence {}",
            active.map_or_else(|| "-1".to_owned(), |s| s.to_string())
        );
        out.push_str("# HELP prep_node_http_requests_total HTTP responses, by status code.\n# TYPE prep_node_http_requests_total counter\n");
        if let Ok(map) = self.requests.lock() {
            for (code, n) in map.iter() {
                let _ = writeln!(out, "prep_node_http_requests_total{{code=\"{code}\"}} {n}");
            }
        }
        out
    }
}
