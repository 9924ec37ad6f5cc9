//! The node: takes complete packages from the inbox, verifies them, stores and activates
//! them, and hands the active corte to the server.
//!
//! The inbox protocol (see `docs/node.md`): a sender writes a package into
//! `inbox/.tmp-<name>/` (any name starting with `.` is never read), writes the marker
//! `.prep-complete` last, and renames the directory to `inbox/<name>/`. The node takes a
//! directory only when its name does not start with `.` and both `manifest.json.minisig` and
//! the marker are there; it first moves it into `data/incoming/` (so the sender can no longer
//! change it), checks it, and then either stores it or moves it to `data/rejected/` beside a
//! `.reason` file.
//!
//! The node layer, above the served corte and below HTTP: the `impl Node` is spread over
//! this file (opening, the inbox, activation), [`notice`] (the signed suspension notice) and
//! [`trust`] (the key delegation); beside it [`receive`], the receiving loop; [`pull`], the
//! pull channel; [`hygiene`], the inbox tidied; [`metrics`], the node's counters.

pub mod hygiene;
pub mod metrics;
mod notice;
pub mod pull;
pub mod receive;
mod trust;

use crate::config::NodeConfig;
use crate::node::metrics::Metrics;
use crate::served::compressor::Compressor;
use crate::served::corte::Corte;
use crate::store::events::EventLog;
use crate::store::{CorteRecord, Store};
use crate::verify::{
    Held, Refusal, VerifiedPackage, claimed_sequence, read_bounded, verify_package_with,
};
use anyhow::{Context, bail};
use prep_corte::MANIFEST_PATH;
use prep_inbox::events::NodeEvent;
use prep_inbox::{ListingError, is_complete, now_rfc3339};
use prep_package::{Expectations, PackageError, sha256_hex};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// What happened to one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Verified, stored and activated.
    Accepted {
        /// The inbox name.
        package: String,
        /// Its sequence.
        sequence: u64,
    },
    /// A suspension notice verified and put in force.
    Suspended {
        /// The inbox name.
        package: String,
        /// The notice's sequence.
        notice: u64,
    },
    /// A key delegation signed by the root key, in force from the next package on.
    Keys {
        /// The inbox name.
        package: String,
        /// The delegation's version.
        version: u64,
    },
    /// Refused and moved to `data/rejected/`.
    Rejected {
        /// The inbox name.
        package: String,
        /// The reason's code ([`Refusal::code`]).
        code: &'static str,
        /// The reason.
        reason: String,
    },
}

/// The last accepted corte: what the next one must chain onto.
#[derive(Debug, Clone)]
struct Last {
    sequence: u64,
    hash: String,
    corte: String,
    is_final: bool,
}

impl Last {
    /// What the node keeps of an accepted manifest (whose exact bytes are `bytes`).
    fn of(manifest: &prep_package::Manifest, bytes: &[u8]) -> Last {
        Last {
            sequence: manifest.sequence,
            hash: sha256_hex(bytes),
            corte: manifest.corte.clone(),
            is_final: manifest.is_final,
        }
    }

    /// As the checks take it.
    fn accepted(&self) -> prep_package::Accepted<'_> {
        prep_package::Accepted {
            sequence: self.sequence,
            hash: &self.hash,
            corte: &self.corte,
            is_final: self.is_final,
        }
    }
}

/// A running node's state.
#[derive(Debug)]
pub struct Node {
    config: NodeConfig,
    store: Store,
    events: Arc<EventLog>,
    metrics: Metrics,
    active: Arc<RwLock<Option<Arc<Corte>>>>,
    last: Mutex<Option<Last>>,
    /// The root key's delegation in force, when the node pins a root key and has one.
    delegation: RwLock<Option<prep_package::Delegation>>,
    /// Inbox entries already reported as impossible to handle (logged once each).
    failing: Mutex<std::collections::HashSet<String>>,
    resync: bool,
    compressor: Compressor,
    _lock: std::fs::File,
}

impl Node {
    /// Opens the node's data directory (one node per directory: it is locked), recovers from
    /// whatever a crash left (temporary files, an activation not yet switched, packages being
    /// checked), and loads the active corte, verified again, for serving. `resync` lets the
    /// first package ever start the chain.
    pub fn open(config: NodeConfig, resync: bool) -> anyhow::Result<Node> {
        std::fs::create_dir_all(&config.inbox)
            .with_context(|| format!("cannot create the inbox {}", config.inbox.display()))?;
        let store = Store::open(&config.data)?;
        let lock_path = config.data.join("lock");
        let lock = std::fs::File::create(&lock_path)
            .with_context(|| format!("cannot open {}", lock_path.display()))?;
        if lock.try_lock().is_err() {
            bail!(
                "another prep node is running on {} (it holds {})",
                config.data.display(),
                lock_path.display()
            );
        }
        let events = Arc::new(EventLog::open(&config.data.join("events.jsonl"))?);
        let active = Arc::new(RwLock::new(None));
        let compressor = Compressor::start(Arc::clone(&active), store.clone(), Arc::clone(&events))
            .context("cannot start the compressor thread")?;
        let delegation = match &config.root_key {
            Some(root) => crate::verify::trust::load_delegation(&config.data, root)?,
            None => None,
        };
        let node = Node {
            delegation: RwLock::new(delegation),
            store,
            events,
            metrics: Metrics::default(),
            active,
            compressor,
            last: Mutex::new(None),
            failing: Mutex::new(std::collections::HashSet::new()),
            resync,
            _lock: lock,
            config,
        };
        node.recover()?;
        Ok(node)
    }

    fn recover(&self) -> anyhow::Result<()> {
        let removed = self.store.remove_leftovers()?;
        let sequences = self.store.sequences()?;
        if let Some(&latest) = sequences.last() {
            let record = self.store.read_record(latest)?;
            let manifest = prep_package::Manifest::from_bytes(record.manifest.as_bytes())
                .with_context(|| format!("the stored manifest of corte {latest}"))?;
            *self.lock_last() = Some(Last::of(&manifest, record.manifest.as_bytes()));
        }
        let active = self.store.active()?;
        // Newest first: the latest accepted corte (its activation may have been cut short),
        // then the active one, then older ones should those not verify.
        let mut candidates: Vec<u64> = sequences.iter().rev().copied().collect();
        if let Some(a) = active {
            candidates.retain(|&s| s <= a || Some(&s) == sequences.last());
        }
        for sequence in candidates {
            let loaded = self
                .keys_for(sequence)
                .iter()
                .map(|key| Corte::load(&self.store, key, sequence, None))
                .find(Result::is_ok)
                .unwrap_or_else(|| {
                    Err(anyhow::anyhow!(
                        "no key trusted for corte {sequence} verifies its signature"
                    ))
                });
            match loaded {
                Ok(corte) => {
                    if Some(sequence) != active {
                        self.store.set_active(sequence)?;
                        self.events.record(NodeEvent::Activate {
                            sequence,
                            corte: corte.corte_time.clone(),
                            previous: active,
                            recovered: true,
                        });
                    }
                    self.install(corte);
                    self.cache_variants();
                    break;
                }
                Err(e) => {
                    log::warn!("corte {sequence} cannot be served: {e:#}");
                    self.events.record(NodeEvent::VerifyFailed {
                        sequence: Some(sequence),
                        notice: None,
                        reason: format!("{e:#}"),
                    });
                }
            }
        }
        self.remove_discarded()?;
        self.restore_notice()?;
        self.sync_export()?;
        let leftovers = self.clear_incoming_accepted()?;
        let current = self.current().map(|c| c.sequence);
        let last_accepted = self.lock_last().as_ref().map(|l| l.sequence);
        self.events.record(NodeEvent::Start {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            active: current,
            last_accepted,
            removed_temporary_files: removed as u64,
            removed_accepted_leftovers: leftovers as u64,
        });
        Ok(())
    }

    /// Removes packages in `data/incoming/` that were accepted before a crash cut their
    /// clean-up short (their manifest is a stored corte's).
    fn clear_incoming_accepted(&self) -> anyhow::Result<usize> {
        let mut removed = 0;
        for (dir, _) in self.incoming()? {
            let Some(seq) = claimed_sequence(&dir) else {
                continue;
            };
            let Ok(record) = self.store.read_record(seq) else {
                continue;
            };
            let bytes = read_bounded(&dir.join(MANIFEST_PATH), 256 * 1024 * 1024)
                .ok()
                .flatten();
            if bytes.is_some_and(|b| b == record.manifest.as_bytes()) {
                self.discard(&dir)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Removes an accepted package from `data/incoming/`: renamed first to a dot-name that is
    /// never read (so a crash halfway through the removal leaves nothing to check again), then
    /// removed in the background.
    pub(crate) fn discard(&self, dir: &Path) -> anyhow::Result<()> {
        let name = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let trash = unique_path(&self.store.incoming(), &format!(".done-{name}"));
        std::fs::rename(dir, &trash)
            .with_context(|| format!("cannot move {} aside", dir.display()))?;
        // Removing a national package's thousands of files takes seconds: on a thread of its
        // own, so the next package is not kept waiting (a start removes what is left).
        std::thread::Builder::new()
            .name("discard".into())
            .spawn(move || {
                if let Err(e) = std::fs::remove_dir_all(&trash) {
                    log::warn!("cannot remove {}: {e}", trash.display());
                }
            })
            .context("cannot start a thread")?;
        Ok(())
    }

    /// Removes what a crash left half removed in `data/incoming/`.
    fn remove_discarded(&self) -> anyhow::Result<()> {
        let dir = self.store.incoming();
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with(".done-") {
                prep_fs::remove_if_present(entry.path())?;
            }
        }
        Ok(())
    }

    fn lock_last(&self) -> std::sync::MutexGuard<'_, Option<Last>> {
        match self.last.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The sequence of the last corte accepted (what the next must chain onto), if any.
    pub fn last_accepted(&self) -> Option<u64> {
        self.lock_last().as_ref().map(|l| l.sequence)
    }

    /// Whether the object store holds the file with this SHA-256 (a delta package may leave
    /// it out).
    pub fn holds_object(&self, sha256: &str) -> bool {
        self.store.object_size(sha256).is_some()
    }

    /// The configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// The data directory's store (the history).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The event log.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// The corte served now. A request holds this `Arc` to its end, so it finishes on the
    /// corte it started on whatever is activated meanwhile.
    pub fn current(&self) -> Option<Arc<Corte>> {
        match self.active.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub(crate) fn install(&self, corte: Corte) {
        self.metrics.set_active(corte.sequence);
        let corte = Arc::new(corte);
        match self.active.write() {
            Ok(mut g) => *g = Some(corte),
            Err(p) => *p.into_inner() = Some(corte),
        }
    }

    /// The delegation in force, read.
    pub(crate) fn delegation(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, Option<prep_package::Delegation>> {
        self.delegation
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The delegation in force, to replace.
    pub(crate) fn delegation_mut(
        &self,
    ) -> std::sync::RwLockWriteGuard<'_, Option<prep_package::Delegation>> {
        self.delegation
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes every complete package from the inbox and checks them, oldest sequence first.
    /// Returns what happened to each. An entry that cannot be handled (the node's own
    /// error, a disk that cannot be read) is set aside in `data/rejected/` with code
    /// `unreadable` and never stops the others; an error is only the inbox's listing.
    pub fn poll_inbox(&self) -> anyhow::Result<Vec<Outcome>> {
        let mut outcomes = self.claim()?;
        let mut pending = self.incoming()?;
        // Each manifest's head is read once for its (unverified) sequence, only to order the
        // work.
        pending.sort_by_cached_key(|(dir, name)| (claimed_sequence(dir), name.clone()));
        for (dir, name) in pending {
            let received = if is_complete(&dir) {
                self.receive(&dir, &name)
            } else if crate::verify::trust::is_complete_delegation(&dir) {
                self.receive_delegation(&dir, &name)
            } else {
                self.receive_notice(&dir, &name)
            };
            // One entry that cannot be handled never stops the others: it is set aside.
            match received {
                Ok(outcome) => outcomes.push(outcome),
                Err(e) => {
                    let refusal = Refusal::Unreadable(format!("{e:#}"));
                    match self.reject(&dir, &name, &refusal) {
                        Ok(outcome) => outcomes.push(outcome),
                        Err(again) => self.inbox_error(&name, &again),
                    }
                }
            }
        }
        self.sync_export()?;
        Ok(outcomes)
    }

    /// Logs, once per entry name, an inbox entry that could not even be set aside (each poll
    /// tries again, silently).
    fn inbox_error(&self, name: &str, error: &anyhow::Error) {
        let first = self
            .failing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.to_owned());
        if first {
            self.events.record(NodeEvent::InboxError {
                package: name.to_owned(),
                reason: format!("{error:#}"),
            });
            log::warn!("cannot handle inbox entry {name}: {error:#}");
        }
    }

    /// When `export_root` is configured and its `current` is not what the node serves:
    /// exports the active corte (with the notice in force, if any) there and switches
    /// `current` ([`crate::served::export`]).
    pub fn sync_export(&self) -> anyhow::Result<()> {
        let (Some(root), Some(corte)) = (&self.config.export_root, self.current()) else {
            return Ok(());
        };
        if corte.sequence == 0 {
            // A notice before any corte: nothing to export it over.
            return Ok(());
        }
        let notice = self.notice_in_force();
        let wanted = notice.map_or_else(
            || corte.sequence.to_string(),
            |n| crate::served::export::suspended_name(corte.sequence, n),
        );
        if crate::served::export::current_name(root).as_deref() == Some(wanted.as_str()) {
            return Ok(());
        }
        let record = self.store.read_record(corte.sequence)?;
        match notice {
            Some(n) => {
                crate::served::export::export_suspended(&self.store, &record, &corte, n, root)?
            }
            None => crate::served::export::export(&self.store, &record, root)?,
        }
        self.events.record(NodeEvent::Export {
            sequence: corte.sequence,
            notice,
            dir: root.join("cortes").join(&wanted),
        });
        Ok(())
    }

    /// Moves complete packages from the inbox into `data/incoming/`; refuses what is not a
    /// directory.
    fn claim(&self) -> anyhow::Result<Vec<Outcome>> {
        let mut outcomes = Vec::new();
        let inbox = &self.config.inbox;
        for entry in std::fs::read_dir(inbox)
            .with_context(|| format!("cannot list the inbox {}", inbox.display()))?
        {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let refusal = match entry.file_type() {
                Ok(kind) if !kind.is_dir() => Some(Refusal::NotADirectory(name.clone())),
                Ok(_) => {
                    inbox_name_problem(&name).map(|r| Refusal::Listing(ListingError::BadName(r)))
                }
                Err(e) => Some(Refusal::Unreadable(format!("{name}: {e}"))),
            };
            if let Some(refusal) = refusal {
                self.events.record(NodeEvent::Receive {
                    package: name.to_string(),
                    kind: None,
                });
                match self.reject(&path, &name, &refusal) {
                    Ok(outcome) => outcomes.push(outcome),
                    Err(e) => self.inbox_error(&name, &e),
                }
                continue;
            }
            if !is_complete(&path)
                && !prep_inbox::notice::is_complete_notice(&path)
                && !crate::verify::trust::is_complete_delegation(&path)
            {
                continue;
            }
            let target = unique_path(&self.store.incoming(), &name);
            if let Err(e) = std::fs::rename(&path, &target).with_context(|| {
                format!(
                    "cannot move {} to {} (the inbox and the data directory must be on one file system)",
                    path.display(),
                    target.display()
                )
            }) {
                self.inbox_error(&name, &e);
            }
        }
        Ok(outcomes)
    }

    /// The package directories in `data/incoming/`, with their names.
    fn incoming(&self) -> anyhow::Result<Vec<(PathBuf, String)>> {
        let dir = self.store.incoming();
        let mut out = Vec::new();
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
        {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Dot-names are packages being discarded after acceptance.
            if !name.starts_with('.') {
                out.push((entry.path(), name));
            }
        }
        Ok(out)
    }

    fn receive(&self, dir: &Path, name: &str) -> anyhow::Result<Outcome> {
        self.events.record(NodeEvent::Receive {
            package: name.to_string(),
            kind: None,
        });
        let last = self.lock_last().clone();
        let now = now_rfc3339();
        let expect = Expectations {
            last: last.as_ref().map(Last::accepted),
            now_utc: Some(&now),
            max_ahead_secs: Some(self.config.max_clock_ahead_s),
        };
        let started = std::time::Instant::now();
        let active = self.current();
        let held = Held {
            store: &self.store,
            memory: active
                .as_deref()
                .map(Corte::files_by_sha256)
                .unwrap_or_default(),
        };
        // The keys that may sign the sequence the package claims (unverified: only to choose;
        // the signature and every rule are checked next, with each candidate key).
        let claimed = claimed_sequence(dir);
        let keys = self.keys_for(claimed.unwrap_or(0));
        let mut verified = Err(Refusal::Keys(format!(
            "no key may sign corte {} (keys in force: {})",
            claimed.map_or_else(|| "?".to_owned(), |s| s.to_string()),
            self.delegation().as_ref().map_or_else(
                || "the configured key".to_owned(),
                |d| format!("delegation version {}", d.version)
            )
        )));
        for key in &keys {
            verified = verify_package_with(dir, key, &self.config.limits, &expect, Some(&held));
            if !matches!(&verified, Err(Refusal::Package(PackageError::Signature(_)))) {
                break;
            }
        }
        let verified = verified.and_then(|p| {
            if last.is_none() && !(self.resync || self.config.accept_first) {
                Err(Refusal::ResyncRequired(p.manifest.sequence))
            } else {
                Ok(p)
            }
        });
        let package = match verified {
            Ok(p) => p,
            Err(refusal) => return self.reject(dir, name, &refusal),
        };
        let sequence = package.manifest.sequence;
        let verify_ms = started.elapsed().as_millis() as u64;
        let previous_corte = active;
        // The served corte is built (its files precompressed, on other cores) while the
        // package is stored (mostly waiting for the disk); it is installed only once stored.
        let ((stored, store_ms), (corte, build_ms)) = std::thread::scope(|scope| {
            let building = scope.spawn(|| {
                let t = std::time::Instant::now();
                let corte = Corte::from_package(&package, previous_corte.as_deref());
                (corte, t.elapsed().as_millis() as u64)
            });
            let t = std::time::Instant::now();
            let stored = self.accept(&package, last.is_none(), &now);
            let store_ms = t.elapsed().as_millis() as u64;
            let built = building.join();
            (
                (stored, store_ms),
                match built {
                    Ok((c, ms)) => (Ok(c), ms),
                    Err(e) => (Err(e), 0),
                },
            )
        });
        stored?;
        let corte = corte.map_err(|_| anyhow::anyhow!("building corte {sequence} panicked"))?;
        self.events.record(NodeEvent::Accept {
            package: name.to_owned(),
            sequence,
            corte: package.manifest.corte.clone(),
            files: package.manifest.files.len() as u64,
            bytes: package.manifest.total_size(),
            resync: last.is_none(),
            verify_ms,
            store_ms,
            build_ms,
        });
        if last.is_none() {
            log::info!("resynchronised: corte {sequence} starts this node's chain");
        }
        let previous = previous_corte.as_ref().map(|c| c.sequence);
        self.store.set_active(sequence)?;
        self.install(corte);
        self.events.record(NodeEvent::Activate {
            sequence,
            corte: package.manifest.corte.clone(),
            previous,
            recovered: false,
        });
        self.lift_notice(sequence)?;
        if let Err(e) = self.sync_export() {
            // Retried at the end of this poll and of every poll until it succeeds.
            self.events.record(NodeEvent::ExportFailed {
                sequence,
                reason: format!("{e:#}"),
            });
        }
        self.cache_variants();
        self.discard(dir)?;
        Ok(Outcome::Accepted {
            package: name.to_owned(),
            sequence,
        })
    }

    /// Stores a verified package: its files as objects (each durable before the record that
    /// names it), then its record. After this the corte is accepted.
    fn accept(&self, p: &VerifiedPackage, resync: bool, now: &str) -> anyhow::Result<()> {
        let mut objects = Vec::with_capacity(p.manifest.files.len());
        for f in &p.manifest.files {
            let bytes = p
                .files
                .get(&f.path)
                .with_context(|| format!("{} was verified but not kept", f.path))?;
            objects.push((f.sha256.as_str(), bytes.as_ref()));
        }
        self.store.put_objects(objects)?;
        let manifest =
            String::from_utf8(p.manifest_bytes.clone()).context("the manifest is not UTF-8")?;
        let pointer =
            String::from_utf8(p.pointer.clone()).context("json/main.json is not UTF-8")?;
        self.store.write_record(&CorteRecord {
            sequence: p.manifest.sequence,
            accepted: now.to_owned(),
            resync,
            manifest,
            minisig: p.minisig.clone(),
            pointer,
        })?;
        *self.lock_last() = Some(Last::of(&p.manifest, &p.manifest_bytes));
        self.metrics.accepted();
        Ok(())
    }

    /// Moves a refused package to `data/rejected/<time>-<name>` with its reason beside it in
    /// `<time>-<name>.reason`, logs and counts it.
    pub(crate) fn reject(
        &self,
        path: &Path,
        name: &str,
        refusal: &Refusal,
    ) -> anyhow::Result<Outcome> {
        let reason = refusal.to_string();
        let stamp: String = now_rfc3339()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let target = unique_path(
            &self.store.rejected(),
            &format!("{stamp}-{}", quarantine_name(name)),
        );
        // The reason first, then the package beside it in one rename: a crash between the two
        // leaves a reason without a package, which is refused again on the next start.
        let mut reason_file = target.clone().into_os_string();
        reason_file.push(".reason");
        prep_fs::write_durably_with(
            Path::new(&reason_file),
            format!("{}: {reason}\n", refusal.code()).as_bytes(),
            prep_fs::WriteOptions::new().sync_dir(false),
        )?;
        std::fs::rename(path, &target)
            .with_context(|| format!("cannot move {} to {}", path.display(), target.display()))?;
        prep_fs::sync_dir(self.store.rejected())?;
        self.metrics.rejected(refusal.code());
        self.events.record(NodeEvent::Reject {
            package: name.to_owned(),
            code: refusal.code().to_owned(),
            reason: reason.clone(),
        });
        log::warn!("refused {name}: {reason}");
        Ok(Outcome::Rejected {
            package: name.to_owned(),
            code: refusal.code(),
            reason,
        })
    }

    /// Hands the active corte to the background compressor ([`crate::served::compressor`]), which
    /// compresses what it still waits for and caches its variants in the store.
    fn cache_variants(&self) {
        if let Some(corte) = self.current() {
            self.compressor.submit(corte);
        }
    }

    /// Records the server's stop in the event log.
    pub fn stopped(&self) {
        self.events.record(NodeEvent::Stop {});
    }
}

/// The longest name of a package in the inbox.
pub const MAX_INBOX_NAME_BYTES: usize = 128;

/// Why `name` cannot be a package's name in the inbox, if it cannot: at most
/// [`MAX_INBOX_NAME_BYTES`] of `A-Z a-z 0-9 . _ - ~` (names are the sender's, and end up in
/// file names and the event log).
fn inbox_name_problem(name: &str) -> Option<String> {
    let safe = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~');
    if name.len() > MAX_INBOX_NAME_BYTES {
        Some(format!(
            "a package name of {} bytes, more than {MAX_INBOX_NAME_BYTES}",
            name.len()
        ))
    } else if !name.bytes().all(safe) {
        Some(format!(
            "the package name {name:?} holds a character outside A-Z a-z 0-9 . _ - ~"
        ))
    } else {
        None
    }
}

/// `name` as it may be written in `rejected/`: its safe characters, at most 64 bytes, and
/// when anything was dropped the first 8 hex digits of the name's SHA-256 (so two long names
/// stay apart).
fn quarantine_name(name: &str) -> String {
    if inbox_name_problem(name).is_none() && name.len() <= 64 {
        return name.to_owned();
    }
    let kept: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(48)
        .collect();
    let kept = kept.trim_start_matches('.');
    format!("{kept}~{}", &sha256_hex(name.as_bytes())[..8])
}

/// `dir/name`, or `dir/name-2`, `-3`… when taken.
fn unique_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if std::fs::symlink_metadata(&first).is_err() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{name}-{n}")))
        .find(|p| std::fs::symlink_metadata(p).is_err())
        .unwrap_or(first)
}
