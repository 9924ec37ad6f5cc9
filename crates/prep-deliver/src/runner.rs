//! The delivery runner: corte N to every difusor at once. Per difusor: nothing when disabled
//! or suspended; otherwise every corte after the last one delivered to it successfully (from
//! the first when none was), up to N, in order (a node accepts only the next link of the chain), each as a delta against the
//! one before; each attempt limited to the difusor's `timeout_seconds`, retried up to
//! `retries` times with exponential back-off, and recorded in `deliveries.jsonl`.

use crate::channel::{self, Job};
use crate::difusores::Difusor;
use crate::record::{self, DeliveryRecord, Journal, LastDelivered, Outcome};
use prep_package::Manifest;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

pub use prep_package::layout::CORTES_DIR;

/// The package folder of corte `sequence`: `<election_dir>/cortes/NNNNNN`.
pub fn corte_dir(election_dir: &Path, sequence: u64) -> PathBuf {
    prep_package::ElectionLayout::new(election_dir).corte_dir(sequence)
}

/// The highest sequence with a complete package (its signature written) in the directory.
pub fn latest_sequence(election_dir: &Path) -> anyhow::Result<Option<u64>> {
    let dir = prep_package::ElectionLayout::new(election_dir).cortes();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => anyhow::bail!("cannot list {}: {e}", dir.display()),
    };
    let mut best = None;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(seq) = name.to_str().and_then(prep_package::layout::corte_sequence) else {
            continue;
        };
        if entry.path().join(prep_inbox::SIGNATURE_PATH).is_file() {
            best = best.max(Some(seq));
        }
    }
    Ok(best)
}

/// Back-off between attempts.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Wait before the first retry; doubled before each next one.
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }
    }
}

impl Backoff {
    /// The wait after attempt `attempt` (1-based) failed.
    pub fn after(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.first.saturating_mul(factor).min(self.max)
    }
}

/// Delivers corte `sequence` of `election_dir` to every difusor concurrently; returns every
/// record written (also appended to `deliveries.jsonl`).
pub async fn deliver_all(
    election_dir: &Path,
    sequence: u64,
    difusores: &[Difusor],
    backoff: Backoff,
) -> anyhow::Result<Vec<DeliveryRecord>> {
    let dir = corte_dir(election_dir, sequence);
    if !dir.join(prep_inbox::SIGNATURE_PATH).is_file() {
        anyhow::bail!(
            "corte {sequence} is not a complete package: {} has no signature",
            dir.display()
        );
    }
    let journal = Journal::open(election_dir)?;
    let last = record::last_delivered(&record::read(election_dir)?);
    let manifests = Manifests::new(election_dir);
    let runs = difusores.iter().map(|d| {
        let known = last.get(&d.id).copied();
        deliver_one(
            election_dir,
            sequence,
            d,
            known,
            &journal,
            &manifests,
            backoff,
        )
    });
    let results = futures::future::join_all(runs).await;
    let mut records = Vec::new();
    for r in results {
        records.extend(r?);
    }
    Ok(records)
}

/// One delivery round of corte `sequence`, obeying the monitor ([`crate::suspension`]): a
/// suspended difusor gets its pending notice instead of cortes, then cortes again after the
/// notice was delivered; every other enabled difusor gets the corte (and any it missed).
pub async fn deliver_round(
    election_dir: &Path,
    sequence: u64,
    difusores: &[Difusor],
    backoff: Backoff,
) -> anyhow::Result<Vec<DeliveryRecord>> {
    let mut effective = difusores.to_vec();
    let pending = crate::suspension::apply(election_dir, &mut effective, sequence)?;
    let mut records =
        crate::suspension::deliver_notices(election_dir, &effective, &pending, sequence).await?;
    records.extend(deliver_all(election_dir, sequence, &effective, backoff).await?);
    Ok(records)
}

/// A corte's manifest and the SHA-256 of its files.
#[derive(Clone)]
struct Listed {
    manifest: Arc<Manifest>,
    hashes: Arc<HashSet<String>>,
}

/// The manifests of the cortes one round delivers, each read and parsed once however many
/// difusores need it (a state's manifest is a megabyte of JSON; 50 difusores parsed it 100
/// times a corte). A failed read is not kept: the next difusor tries again.
struct Manifests<'a> {
    election_dir: &'a Path,
    read: Mutex<HashMap<u64, Listed>>,
}

impl<'a> Manifests<'a> {
    fn new(election_dir: &'a Path) -> Self {
        Manifests {
            election_dir,
            read: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, sequence: u64) -> anyhow::Result<Listed> {
        let mut read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(l) = read.get(&sequence) {
            return Ok(l.clone());
        }
        let manifest = channel::read_manifest(&corte_dir(self.election_dir, sequence))?;
        let hashes = manifest.files.iter().map(|f| f.sha256.clone()).collect();
        let listed = Listed {
            manifest: Arc::new(manifest),
            hashes: Arc::new(hashes),
        };
        read.insert(sequence, listed.clone());
        Ok(listed)
    }
}

/// Delivers to one difusor every corte up to `sequence` it does not hold yet, in order, each
/// tried up to its retries; stops at the first corte that could not be delivered (the next
/// would not chain onto what the difusor holds). Every attempt is journaled.
async fn deliver_one(
    election_dir: &Path,
    sequence: u64,
    d: &Difusor,
    known: Option<LastDelivered>,
    journal: &Journal,
    manifests: &Manifests<'_>,
    backoff: Backoff,
) -> anyhow::Result<Vec<DeliveryRecord>> {
    let kind = d.channel.kind();
    let mut records = Vec::new();
    if !d.receives() {
        let r = skipped(d, kind, sequence);
        journal.append(&r)?;
        records.push(r);
        return Ok(records);
    }
    let channel = crate::kinds::channel_for(&d.channel);
    // After a notice, the difusor still holds the corte's files, but not its pages: no
    // channel may take them as known (a publication folder sends them again).
    let mut base = known.filter(|k| !k.notice_after).map(|k| k.sequence);
    let known = known.map(|k| k.sequence);
    let mut have = known.and_then(|k| manifests.get(k).ok()).map(|l| l.hashes);
    for seq in pending_cortes(election_dir, known, sequence) {
        let holds = have.is_some();
        let dir = corte_dir(election_dir, seq);
        let listed = manifests.get(seq).and_then(|l| {
            let job = Job::new(&dir, seq, Arc::clone(&l.manifest), have.take())?;
            Ok((job, l.hashes))
        });
        let (job, hashes) = match listed {
            Ok((j, hashes)) => (j.with_base(base.filter(|_| holds)), hashes),
            Err(e) => {
                let r = failure(
                    d,
                    kind,
                    seq,
                    1,
                    &prep_inbox::now_rfc3339(),
                    Instant::now(),
                    Outcome::Failed,
                    format!("{e:#}"),
                );
                journal.append(&r)?;
                records.push(r);
                return Ok(records);
            }
        };
        let attempt = Attempts {
            d,
            kind,
            sequence: seq,
            journal,
            backoff,
        };
        if !attempt
            .until_delivered(&*channel, &job, &mut records)
            .await?
        {
            // The next corte would not chain onto what the difusor holds.
            break;
        }
        base = Some(seq);
        have = Some(hashes);
    }
    Ok(records)
}

/// The record of a corte not sent to a difusor that is suspended or disabled.
fn skipped(d: &Difusor, kind: &str, sequence: u64) -> DeliveryRecord {
    let now = prep_inbox::now_rfc3339();
    let why = if d.enabled { "suspended" } else { "disabled" };
    DeliveryRecord {
        difusor: d.id.clone(),
        channel: kind.into(),
        sequence,
        attempt: 0,
        start: now.clone(),
        end: now,
        duration_ms: 0,
        bytes: 0,
        files: 0,
        skipped: 0,
        outcome: Outcome::Skipped,
        error: Some(format!("the difusor is {why}")),
        notice: None,
    }
}

/// The cortes up to `sequence` that a difusor known to hold `known` still needs, in order:
/// every one from the first when nothing is known to have reached it (a new difusor, or every
/// attempt failed or timed out, when a copy may still have landed; a node refuses the ones it
/// holds, harmless, and takes the rest as the chain).
fn pending_cortes(election_dir: &Path, known: Option<u64>, sequence: u64) -> Vec<u64> {
    let first = match known {
        Some(k) if k >= sequence => return Vec::new(),
        Some(k) => k + 1,
        None => 1,
    };
    (first..=sequence)
        .filter(|s| corte_dir(election_dir, *s).is_dir())
        .collect()
}

/// The attempts at delivering one corte to one difusor.
struct Attempts<'a> {
    d: &'a Difusor,
    kind: &'a str,
    sequence: u64,
    journal: &'a Journal,
    backoff: Backoff,
}

impl Attempts<'_> {
    /// Tries `job` up to the difusor's retries + 1 times, each bounded by its timeout, with
    /// back-off between; journals and pushes each attempt's record. True once delivered.
    async fn until_delivered(
        &self,
        channel: &dyn channel::Channel,
        job: &Job,
        records: &mut Vec<DeliveryRecord>,
    ) -> anyhow::Result<bool> {
        let (d, kind, seq) = (self.d, self.kind, self.sequence);
        let limit = Duration::from_secs(d.timeout_seconds);
        for attempt in 1..=d.retries + 1 {
            let start = prep_inbox::now_rfc3339();
            let t0 = Instant::now();
            let r = match tokio::time::timeout(limit, channel.deliver(job)).await {
                Ok(Ok(sent)) => DeliveryRecord {
                    difusor: d.id.clone(),
                    channel: kind.into(),
                    sequence: seq,
                    attempt,
                    start,
                    end: prep_inbox::now_rfc3339(),
                    duration_ms: millis(t0),
                    bytes: sent.bytes,
                    files: sent.files,
                    skipped: sent.skipped,
                    outcome: if kind == "pull" {
                        Outcome::Available
                    } else {
                        Outcome::Delivered
                    },
                    error: None,
                    notice: None,
                },
                Ok(Err(e)) => failure(
                    d,
                    kind,
                    seq,
                    attempt,
                    &start,
                    t0,
                    Outcome::Failed,
                    format!("{e:#}"),
                ),
                Err(_) => failure(
                    d,
                    kind,
                    seq,
                    attempt,
                    &start,
                    t0,
                    Outcome::TimedOut,
                    format!("no answer within timeout_seconds = {}", d.timeout_seconds),
                ),
            };
            self.journal.append(&r)?;
            let delivered = r.outcome.succeeded();
            records.push(r);
            if delivered {
                return Ok(true);
            }
            if attempt <= d.retries {
                tokio::time::sleep(self.backoff.after(attempt)).await;
            }
        }
        Ok(false)
    }
}

fn millis(t0: Instant) -> u64 {
    u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[allow(clippy::too_many_arguments)]
fn failure(
    d: &Difusor,
    kind: &str,
    sequence: u64,
    attempt: u32,
    start: &str,
    t0: Instant,
    outcome: Outcome,
    error: String,
) -> DeliveryRecord {
    DeliveryRecord {
        difusor: d.id.clone(),
        channel: kind.into(),
        sequence,
        attempt,
        start: start.to_owned(),
        end: prep_inbox::now_rfc3339(),
        duration_ms: millis(t0),
        bytes: 0,
        files: 0,
        skipped: 0,
        outcome,
        error: Some(error),
        notice: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_maximum() {
        let b = Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_millis(700),
        };
        assert_eq!(b.after(1), Duration::from_millis(100));
        assert_eq!(b.after(2), Duration::from_millis(200));
        assert_eq!(b.after(3), Duration::from_millis(400));
        assert_eq!(b.after(4), Duration::from_millis(700));
        assert_eq!(b.after(40), Duration::from_millis(700));
    }
}
