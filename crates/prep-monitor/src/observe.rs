//! One look at a difusor's public site: its `json/main.json` (what citizens get), and a
//! spot-check of a few of the served corte's files against the institute's signed manifest.
//! A file that differs because the node switched to a newer corte during the look is not
//! reported: the look checks the newer corte instead.

use anyhow::Context;
use prep_origin::OriginDir;
use prep_package::Manifest;
use rand::seq::IndexedRandom;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The largest `json/main.json` read.
const MAX_POINTER_BYTES: u64 = 64 * 1024;
/// Manifests kept parsed (one per recent corte).
const MANIFESTS_KEPT: usize = 8;
/// Longest text of a site's own kept from one look: an error quoting what it served, a
/// pointer's `manifest_sha256` (every look is a line of the monitor's log).
pub const MAX_SITE_TEXT: usize = 256;
/// Newer cortes followed in one look when the served corte keeps changing under it (a node
/// catching up activates several in a row).
pub const MAX_SWITCHES_PER_LOOK: usize = 4;

/// How many cortes past the one a pointer names are asked whether a differing file is
/// theirs ([`Observer::observe`]).
pub const MAX_CORTES_AHEAD: u64 = 8;

/// A served file that is not what the institute signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The file's path in the corte.
    pub path: String,
    /// The SHA-256 the manifest lists.
    pub expected: String,
    /// What was served: its SHA-256, or the HTTP status when it was not served.
    pub got: String,
}

/// What one look found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The corte `json/main.json` names; `None` when it could not be read.
    pub sequence: Option<u64>,
    /// Whether the institute's suspension notice is in force there.
    pub notice: bool,
    /// Why the site could not be read, if it could not.
    pub error: Option<String>,
    /// Files checked against the manifest (the pointer included).
    pub checked: usize,
    /// Files that differ.
    pub violations: Vec<Violation>,
    /// While the pointer says suspended: the notice it names (checked against the notices
    /// issued, [`Observer::observe_difusor`]).
    #[serde(skip)]
    pub(crate) claimed_notice: Option<Option<NoticeClaim>>,
}

/// Where the institute keeps the notices it issued to each difusor, in the election
/// directory: `monitor/notices/<difusor>/<n>/notice.json`.
pub const NOTICES_DIR: &str = "monitor/notices";

/// What a suspended pointer says of its notice.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct NoticeClaim {
    sequence: u64,
    title: String,
    issued: String,
}

/// The pointer fields the monitor reads, and the bytes served.
#[derive(Debug, Deserialize)]
struct Pointer {
    sequence: u64,
    manifest_sha256: Option<String>,
    #[serde(default)]
    suspended: bool,
    #[serde(default)]
    notice: Option<NoticeClaim>,
    #[serde(skip)]
    bytes: Vec<u8>,
}

/// Whether `served` is the pointer of `manifest` (whose bytes hash to `hash`): exactly its
/// canonical bytes, or, while a notice is in force, the same fields with the node's
/// `suspended` and `notice` added (nothing else may differ: the corte time, index, databases
/// and list a citizen reads are the signed ones).
fn is_pointer_of(served: &Pointer, manifest: &Manifest, hash: &str) -> bool {
    if prep_package::check_pointer_hashed(&served.bytes, manifest, hash).is_ok() {
        return true;
    }
    if !served.suspended {
        return false;
    }
    let canonical = prep_package::Pointer::of(manifest, hash);
    let (Ok(serde_json::Value::Object(mut got)), Ok(want)) = (
        serde_json::from_slice::<serde_json::Value>(&served.bytes),
        serde_json::to_value(&canonical),
    ) else {
        return false;
    };
    got.remove("suspended");
    got.remove("notice");
    serde_json::Value::Object(got) == want
}

/// Looks at difusores: an HTTP agent (certificates checked on https) and the institute's
/// published cortes, whose manifests it keeps parsed.
pub struct Observer {
    agent: ureq::Agent,
    election_dir: std::path::PathBuf,
    cortes: OriginDir,
    spot_checks: usize,
    /// The time one look may take, all its requests together.
    look_time: Duration,
    manifests: Mutex<BTreeMap<u64, Arc<(Manifest, String)>>>,
}

impl Observer {
    /// An observer of the cortes published in the election directory `election_dir`,
    /// checking `spot_checks` files per look; `ca_file` adds a PEM root certificate (a private
    /// CA in a drill) to the public roots; `timeout` bounds each look, all its requests
    /// together (a slow site cannot hold the monitor's poll longer).
    pub fn new(
        election_dir: &Path,
        spot_checks: usize,
        ca_file: Option<&Path>,
        timeout: Duration,
    ) -> anyhow::Result<Observer> {
        let mut config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent("prep-monitor");
        if let Some(ca) = ca_file {
            let pem = std::fs::read(ca)
                .with_context(|| format!("cannot read the CA certificate {}", ca.display()))?;
            let cert = ureq::tls::Certificate::from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate", ca.display()))?;
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
                    .build(),
            );
        }
        Ok(Observer {
            agent: config.build().into(),
            election_dir: election_dir.to_owned(),
            cortes: OriginDir::new(election_dir),
            spot_checks,
            look_time: timeout,
            manifests: Mutex::new(BTreeMap::new()),
        })
    }

    /// The institute's published cortes.
    pub fn cortes(&self) -> &OriginDir {
        &self.cortes
    }

    /// Looks at the site at `url` (its base: `https://medio.mx/prep`).
    ///
    /// When a checked file differs, `json/main.json` is read again before anything is
    /// reported: a node that activated a newer corte meanwhile serves that corte's files,
    /// which is a switch in progress, not tampering, and the newer corte is checked instead
    /// (at most [`MAX_SWITCHES_PER_LOOK`] times; the last check's violations stand). A file
    /// whose bytes are the ones a newer published corte lists at its path is not a violation
    /// either: a publication folder writes its pages before the pointer that switches to them.
    /// What the site wrote is kept at most [`MAX_SITE_TEXT`] bytes long (in an error, in
    /// what a violation says was served).
    pub fn observe(&self, url: &str) -> Observation {
        self.observe_difusor(None, url)
    }

    /// [`Observer::observe`] of difusor `id`'s site: a pointer that says the site is
    /// suspended must name a notice the institute issued to that very difusor (with its
    /// title and time), else it is a violation (a site cannot claim a suspension to show
    /// pages of its own).
    pub fn observe_difusor(&self, id: Option<&str>, url: &str) -> Observation {
        let mut seen = self.look(url);
        if let (Some(id), Some(why)) = (id, seen.claimed_notice.take())
            && !self.notice_issued(id, why.as_ref())
        {
            seen.violations.push(Violation {
                path: "json/main.json".into(),
                expected: format!("a notice the institute issued to {id}"),
                got: why.map_or_else(
                    || "suspended, naming no notice".to_owned(),
                    |c| format!("suspended by notice {} ({:?})", c.sequence, c.title),
                ),
            });
        }
        seen.error = seen.error.map(clipped);
        for v in &mut seen.violations {
            v.got = clipped(std::mem::take(&mut v.got));
        }
        seen
    }

    /// One look, as [`Observer::observe`] describes it.
    fn look(&self, url: &str) -> Observation {
        let base = url.trim_end_matches('/');
        let deadline = Instant::now() + self.look_time;
        let mut pointer = match self.pointer(base, deadline) {
            Ok(p) => p,
            Err(error) => return failed(error.to_string()),
        };
        let mut seen = self.check(base, &pointer, deadline);
        for _ in 0..MAX_SWITCHES_PER_LOOK {
            if seen.violations.is_empty() {
                break;
            }
            // Only a corte the institute published, newer than the one checked, is a switch:
            // a made-up pointer is the site's own (and the files' violations stand).
            match self.pointer(base, deadline) {
                Ok(newer)
                    if newer.sequence > pointer.sequence
                        && self.manifest(newer.sequence).is_some() =>
                {
                    pointer = newer;
                    seen = self.check(base, &pointer, deadline);
                }
                _ => break,
            }
        }
        seen
    }

    /// Whether the institute issued notice `claim` to difusor `id`: its `notice.json` under
    /// [`NOTICES_DIR`] has the same sequence, title and issue time.
    fn notice_issued(&self, id: &str, claim: Option<&NoticeClaim>) -> bool {
        let Some(claim) = claim else { return false };
        let safe = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !safe {
            return false;
        }
        let path = self
            .election_dir
            .join(NOTICES_DIR)
            .join(id)
            .join(claim.sequence.to_string())
            .join("notice.json");
        let Ok(bytes) = std::fs::read(&path) else {
            return false;
        };
        serde_json::from_slice::<NoticeClaim>(&bytes).is_ok_and(|issued| issued == *claim)
    }

    /// Reads the site's `json/main.json`, or says why it cannot.
    fn pointer(&self, base: &str, deadline: Instant) -> Result<Pointer, PointerError> {
        let url = format!("{base}/json/main.json");
        let mut body = Vec::new();
        match self.get(&url, MAX_POINTER_BYTES, deadline, &mut body) {
            Ok(Fetched::Read) => serde_json::from_slice::<Pointer>(&body)
                .map(|p| Pointer { bytes: body, ..p })
                .map_err(|e| PointerError::NotAPointer(e.to_string())),
            Ok(Fetched::Status(status)) => Err(PointerError::Status(status)),
            Ok(Fetched::Longer(max)) => Err(PointerError::TooLong(max)),
            Err(e) => Err(PointerError::Fetch(format!("{e:#}"))),
        }
    }

    /// Checks the corte `pointer` names: the pointer against the institute's manifest, and a
    /// few of its files as the site serves them.
    fn check(&self, base: &str, pointer: &Pointer, deadline: Instant) -> Observation {
        let mut seen = Observation {
            sequence: Some(pointer.sequence),
            notice: pointer.suspended,
            claimed_notice: pointer.suspended.then(|| {
                pointer.notice.as_ref().map(|n| NoticeClaim {
                    sequence: n.sequence,
                    title: n.title.clone(),
                    issued: n.issued.clone(),
                })
            }),
            ..Observation::default()
        };
        let Some(signed) = self.manifest(pointer.sequence) else {
            seen.violations.push(Violation {
                path: "json/main.json".into(),
                expected: "a corte the institute published".into(),
                got: format!("sequence {}", pointer.sequence),
            });
            return seen;
        };
        let (manifest, hash) = &*signed;
        seen.checked += 1;
        if pointer.manifest_sha256.as_deref() != Some(hash.as_str()) {
            seen.violations.push(Violation {
                path: "json/main.json".into(),
                expected: hash.clone(),
                got: pointer
                    .manifest_sha256
                    .clone()
                    .unwrap_or_else(|| "none".into()),
            });
        } else if !is_pointer_of(pointer, manifest, hash) {
            seen.violations.push(Violation {
                path: "json/main.json".into(),
                expected: "the pointer of the signed manifest".into(),
                got: "a pointer with fields the manifest does not sign".into(),
            });
        }
        // While the notice is in force every page is the notice page: pages are not checked.
        let candidates: Vec<_> = manifest
            .files
            .iter()
            .filter(|f| !(pointer.suspended && f.path.ends_with(".html")))
            .collect();
        let picked: Vec<_> = candidates
            .choose_multiple(&mut rand::rng(), self.spot_checks)
            .collect();
        for f in picked {
            seen.checked += 1;
            // One byte more than signed is enough to know the file is not the signed one.
            // Hashed as it arrives: a large file (a zipped database) is never held whole.
            let mut hash = Sha256::new();
            let url = format!("{base}/{}", f.path);
            let got = match self.get(&url, f.size + 1, deadline, &mut hash) {
                Ok(Fetched::Read) => format!("{:x}", hash.finalize()),
                Ok(Fetched::Status(status)) => format!("HTTP {status}"),
                Ok(Fetched::Longer(_)) => format!("more than {} bytes", f.size),
                Err(e) => {
                    seen.error = Some(format!("{}: {e:#}", f.path));
                    continue;
                }
            };
            if got != f.sha256 && !self.newer_corte_lists(pointer.sequence, &f.path, &got) {
                seen.violations.push(Violation {
                    path: f.path.clone(),
                    expected: f.sha256.clone(),
                    got,
                });
            }
        }
        seen
    }

    /// Whether a corte the institute published after `sequence` (at most
    /// [`MAX_CORTES_AHEAD`] later) lists `path` with SHA-256 `sha256`. A publication folder
    /// writes a file at a stable name (a page) before the pointer that switches to its corte:
    /// a reader may get the next corte's page with this corte's pointer. Those bytes are the
    /// institute's, signed in the next corte: a switch in progress, not an altered file.
    fn newer_corte_lists(&self, sequence: u64, path: &str, sha256: &str) -> bool {
        (sequence.saturating_add(1)..=sequence.saturating_add(MAX_CORTES_AHEAD))
            .map_while(|s| self.manifest(s))
            .any(|signed| {
                signed
                    .0
                    .files
                    .iter()
                    .any(|f| f.path == path && f.sha256 == sha256)
            })
    }

    /// Corte `sequence`'s manifest and its hash, parsed once.
    pub(crate) fn manifest(&self, sequence: u64) -> Option<Arc<(Manifest, String)>> {
        let mut kept = self.manifests.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = kept.get(&sequence) {
            return Some(Arc::clone(m));
        }
        let manifest = self.cortes.manifest(sequence).ok()?;
        let hash = manifest.hash();
        let entry = Arc::new((manifest, hash));
        kept.insert(sequence, Arc::clone(&entry));
        while kept.len() > MANIFESTS_KEPT {
            kept.pop_first();
        }
        Some(entry)
    }

    /// GETs `url`, writing at most `max` bytes of its body (decompressed) to `sink`, all of
    /// it before `deadline`.
    fn get(
        &self,
        url: &str,
        max: u64,
        deadline: Instant,
        sink: &mut impl std::io::Write,
    ) -> anyhow::Result<Fetched> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            anyhow::bail!(
                "not fetched {url}: the look's {} s ran out",
                self.look_time.as_secs_f32()
            );
        }
        let mut response = self
            .agent
            .get(url)
            .config()
            .timeout_global(Some(left))
            .build()
            .call()
            .with_context(|| format!("cannot fetch {url}"))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Ok(Fetched::Status(status));
        }
        let mut body = response.body_mut().with_config().limit(max).reader();
        match std::io::copy(&mut body, sink).map_err(ureq::Error::from) {
            Ok(_) => Ok(Fetched::Read),
            Err(ureq::Error::BodyExceedsLimit(_)) => Ok(Fetched::Longer(max)),
            Err(e) => Err(e).with_context(|| format!("cannot read {url}")),
        }
    }
}

/// What a GET of a served file gave.
enum Fetched {
    /// 200: the body was written to the sink.
    Read,
    /// Another HTTP status.
    Status(u16),
    /// A body longer than the limit given, which was not read further.
    Longer(u64),
}

/// Cuts `text` to at most [`MAX_SITE_TEXT`] bytes (on a character boundary, marked `…`).
fn clipped(mut text: String) -> String {
    if text.len() > MAX_SITE_TEXT {
        let mut end = MAX_SITE_TEXT - '…'.len_utf8();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Why a site's `json/main.json` gave no corte pointer (what the look's error says).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum PointerError {
    /// Not JSON, or not a pointer's keys.
    #[error("json/main.json is not a corte pointer: {0}")]
    NotAPointer(String),
    /// Answered with another status than 200.
    #[error("json/main.json answered HTTP {0}")]
    Status(u16),
    /// Longer than any pointer.
    #[error("json/main.json is longer than {0} bytes: not a corte pointer")]
    TooLong(u64),
    /// The request failed (the client's reason, with its causes).
    #[error("{0}")]
    Fetch(String),
}

fn failed(error: String) -> Observation {
    Observation {
        error: Some(error),
        ..Observation::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipped_text_keeps_its_start_on_a_character_boundary() {
        assert_eq!(clipped("corto".into()), "corto");
        let long = "é".repeat(MAX_SITE_TEXT);
        let cut = clipped(long.clone());
        assert!(cut.len() <= MAX_SITE_TEXT && cut.ends_with('…'), "{cut}");
        assert!(long.starts_with(cut.trim_end_matches('…')));
        let exact = "x".repeat(MAX_SITE_TEXT);
        assert_eq!(clipped(exact.clone()), exact);
    }
}
