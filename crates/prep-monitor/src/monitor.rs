//! The monitor: looks at every difusor on each poll, judges each update period with the
//! [`Rule`], acts on suspensions and reinstatements through [`Actions`], and keeps its record
//! (`monitor/events.jsonl`) and the difusores' standing (`monitor/standing.json`) in the
//! election directory so a restart loses neither.

use crate::observe::{Observation, Observer};
use crate::rule::{Rule, Seen, Standing, Transition};
use anyhow::Context;
use prep_corte::difusores::PublicDifusor;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The monitor's folder inside the election directory.
pub const MONITOR_DIR: &str = "monitor";

/// How the monitor watches.
#[derive(Debug, Clone)]
pub struct MonitorConfig {
    /// How often every difusor is looked at.
    pub poll: Duration,
    /// The update period: the corte period of the calls (10–15 minutes on election night).
    pub period: Duration,
    /// The delay a difusor is allowed between the institute's publication and its own (60 s
    /// in Durango's call).
    pub allowed_delay: Duration,
    /// Files spot-checked per look.
    pub spot_checks: usize,
    /// The rule (3 periods).
    pub rule: Rule,
}

impl Default for MonitorConfig {
    fn default() -> MonitorConfig {
        MonitorConfig {
            poll: Duration::from_secs(5),
            period: Duration::from_secs(600),
            allowed_delay: Duration::from_secs(60),
            spot_checks: 3,
            rule: Rule::default(),
        }
    }
}

/// A difusor as the monitor knows it (from the difusores file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    /// Its id.
    pub id: String,
    /// Its name as the public list shows it.
    pub name: String,
    /// Its public site's URL.
    pub url: String,
}

/// What the monitor must make happen when a difusor's standing changes: stop delivery and
/// deliver the notice; resume delivery. The public list is the monitor's own.
pub trait Actions: Send + Sync {
    /// Suspends `difusor`: its deliveries stop and the signed notice is delivered.
    fn suspend(&self, difusor: &str, at_sequence: u64) -> anyhow::Result<()>;
    /// Reinstates `difusor`: its deliveries resume.
    fn reinstate(&self, difusor: &str) -> anyhow::Result<()>;
}

/// One difusor's row on the status page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DifusorStatus {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its public URL.
    pub url: String,
    /// Where it stands.
    pub standing: Standing,
    /// The corte it served at the last look.
    pub sequence: Option<u64>,
    /// Whether the notice was in force at the last look.
    pub notice: bool,
    /// Cortes behind the newest.
    pub lag_cortes: u64,
    /// Seconds since the first corte it lacks was published (0 when current).
    pub lag_seconds: u64,
    /// When it was last looked at (RFC 3339).
    pub last_seen: Option<String>,
    /// The last error reading its site.
    pub last_error: Option<String>,
    /// Files found altered, over the night.
    pub violations: u64,
    /// Looks at it, over the night.
    pub looks: u64,
    /// Whether the last look read its `json/main.json`.
    pub reachable: bool,
    /// Whether a look in the current period found an altered file.
    #[serde(skip)]
    pub altered_in_period: bool,
}

/// A line of `monitor/events.jsonl`.
#[derive(Debug, Serialize)]
struct Record<'a> {
    time: String,
    event: &'a str,
    difusor: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest: Option<u64>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    observation: Option<&'a Observation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lag_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

/// The running monitor.
pub struct Monitor {
    dir: PathBuf,
    config: MonitorConfig,
    observer: Observer,
    actions: Box<dyn Actions>,
    status: Mutex<BTreeMap<String, DifusorStatus>>,
    log: Mutex<std::fs::File>,
    /// Corte → its publication time (seconds since the epoch), from its manifest.
    published: Mutex<BTreeMap<u64, i64>>,
}

impl Monitor {
    /// Opens the monitor of the election directory `dir` for `difusores`, reading the
    /// standing a previous run left.
    pub fn open(
        dir: &Path,
        difusores: &[Watched],
        config: MonitorConfig,
        observer: Observer,
        actions: Box<dyn Actions>,
    ) -> anyhow::Result<Monitor> {
        let folder = dir.join(MONITOR_DIR);
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        let standing = read_standing(dir)?;
        let status = difusores
            .iter()
            .map(|d| {
                let row = DifusorStatus {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    url: d.url.clone(),
                    standing: standing.get(&d.id).copied().unwrap_or_default(),
                    ..DifusorStatus::default()
                };
                (d.id.clone(), row)
            })
            .collect();
        let log_path = folder.join("events.jsonl");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .with_context(|| format!("cannot open {}", log_path.display()))?;
        Ok(Monitor {
            dir: dir.to_owned(),
            config,
            observer,
            actions,
            status: Mutex::new(status),
            log: Mutex::new(log),
            published: Mutex::new(BTreeMap::new()),
        })
    }

    /// The institute's published cortes.
    pub fn cortes(&self) -> &prep_origin::OriginDir {
        self.observer.cortes()
    }

    /// The configuration.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    /// Every difusor's row, by id.
    pub fn status(&self) -> Vec<DifusorStatus> {
        self.lock_status().values().cloned().collect()
    }

    /// Looks at every difusor at once (one thread each), records what it saw, and
    /// reinstates a suspended difusor that serves the newest corte again.
    pub fn poll(&self, now: i64) -> anyhow::Result<()> {
        let latest = self.observer.cortes().current()?;
        let targets: Vec<(String, String)> = self
            .lock_status()
            .values()
            .map(|d| (d.id.clone(), d.url.clone()))
            .collect();
        let seen: Vec<(String, Observation)> = std::thread::scope(|scope| {
            let handles: Vec<_> = targets
                .iter()
                .map(|(id, url)| {
                    (
                        id,
                        scope.spawn(|| self.observer.observe_difusor(Some(id), url)),
                    )
                })
                .collect();
            handles
                .into_iter()
                .map(|(id, h)| {
                    let o = h.join().unwrap_or_else(|_| Observation {
                        error: Some("the look panicked".into()),
                        ..Observation::default()
                    });
                    (id.clone(), o)
                })
                .collect()
        });
        for (id, observation) in seen {
            let lag_seconds = self.lag_seconds(latest, observation.sequence, now);
            self.record(&Record {
                time: prep_package::rfc3339_utc(now),
                event: "look",
                difusor: &id,
                latest,
                observation: Some(&observation),
                lag_seconds: Some(lag_seconds),
                detail: None,
            });
            let transition = {
                let mut status = self.lock_status();
                let Some(row) = status.get_mut(&id) else {
                    continue;
                };
                row.looks += 1;
                row.last_seen = Some(prep_package::rfc3339_utc(now));
                row.last_error = observation.error.clone();
                row.violations += observation.violations.len() as u64;
                row.altered_in_period |= !observation.violations.is_empty();
                row.reachable = observation.sequence.is_some();
                if observation.sequence.is_some() {
                    row.sequence = observation.sequence;
                    row.notice = observation.notice;
                }
                row.lag_cortes = match (latest, row.sequence) {
                    (Some(l), Some(s)) => l.saturating_sub(s),
                    (Some(l), None) => l,
                    _ => 0,
                };
                row.lag_seconds = lag_seconds;
                let seen = Seen {
                    sequence: observation.sequence,
                    violation: !observation.violations.is_empty(),
                    notice: observation.notice,
                };
                self.config.rule.observe(&mut row.standing, latest, seen)
            };
            if let Some(t) = transition {
                self.act(&id, t, latest.unwrap_or(0), now)?;
            }
        }
        Ok(())
    }

    /// Ends an update period at `now`: each difusor had to serve the newest corte published
    /// at least the allowed delay before; three failed periods in a row suspend.
    pub fn end_period(&self, now: i64) -> anyhow::Result<()> {
        let due = self.due(now)?;
        let mut changes = Vec::new();
        for row in self.lock_status().values_mut() {
            // The last look of the period decides what it served; any altered file in the
            // period fails it.
            let seen = Seen {
                sequence: row.sequence.filter(|_| row.reachable),
                violation: row.altered_in_period,
                notice: row.notice,
            };
            row.altered_in_period = false;
            if let Some(t) = self.config.rule.end_period(&mut row.standing, due, seen) {
                changes.push((row.id.clone(), t));
            }
        }
        self.record(&Record {
            time: prep_package::rfc3339_utc(now),
            event: "period",
            difusor: "",
            latest: due,
            observation: None,
            lag_seconds: None,
            detail: None,
        });
        for (id, t) in changes {
            self.act(&id, t, due.unwrap_or(0), now)?;
        }
        self.save_standing()
    }

    /// The public list of difusores: every one, its link enabled unless suspended.
    pub fn public_list(&self) -> Vec<PublicDifusor> {
        self.lock_status()
            .values()
            .map(|d| PublicDifusor {
                id: d.id.clone(),
                nombre: d.name.clone(),
                url: d.url.clone(),
                habilitado: !matches!(d.standing, Standing::Suspended { .. }),
            })
            .collect()
    }

    fn act(&self, id: &str, t: Transition, sequence: u64, now: i64) -> anyhow::Result<()> {
        let (event, result) = match t {
            Transition::Suspend => ("suspend", self.actions.suspend(id, sequence)),
            Transition::Reinstate => ("reinstate", self.actions.reinstate(id)),
        };
        self.record(&Record {
            time: prep_package::rfc3339_utc(now),
            event,
            difusor: id,
            latest: Some(sequence),
            observation: None,
            lag_seconds: None,
            detail: result.as_ref().err().map(|e| format!("{e:#}")),
        });
        self.save_standing()?;
        self.write_public_list()
    }

    /// The newest corte published at least the allowed delay before `now`.
    fn due(&self, now: i64) -> anyhow::Result<Option<u64>> {
        let Some(latest) = self.observer.cortes().current()? else {
            return Ok(None);
        };
        let limit = now - i64::try_from(self.config.allowed_delay.as_secs()).unwrap_or(i64::MAX);
        let mut sequence = latest;
        while sequence > 0 {
            if self.published_at(sequence).is_some_and(|t| t <= limit) {
                return Ok(Some(sequence));
            }
            sequence -= 1;
        }
        Ok(None)
    }

    /// Seconds since the first corte after `served` was published.
    fn lag_seconds(&self, latest: Option<u64>, served: Option<u64>, now: i64) -> u64 {
        let Some(latest) = latest else { return 0 };
        let first_lacking = served.map_or(1, |s| s + 1);
        if first_lacking > latest {
            return 0;
        }
        self.published_at(first_lacking)
            .map_or(0, |t| u64::try_from(now - t).unwrap_or(0))
    }

    fn published_at(&self, sequence: u64) -> Option<i64> {
        let mut published = self.published.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = published.get(&sequence) {
            return Some(*t);
        }
        // The observer's parsed manifests serve both its spot checks and these times.
        let m = self.observer.manifest(sequence)?;
        let t = prep_package::rfc3339_seconds(&m.0.created)?;
        published.insert(sequence, t);
        Some(t)
    }

    fn lock_status(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, DifusorStatus>> {
        self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, record: &Record<'_>) {
        let mut line = serde_json::to_vec(record).expect(
            "an event record (strings, integers, booleans, a flattened struct) always serializes",
        );
        line.push(b'\n');
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = log.write_all(&line) {
            log::warn!("cannot write its event log: {e}");
        }
    }

    fn save_standing(&self) -> anyhow::Result<()> {
        let standing: BTreeMap<String, Standing> = self
            .lock_status()
            .values()
            .map(|d| (d.id.clone(), d.standing))
            .collect();
        prep_fs::write_durably(
            self.dir.join(MONITOR_DIR).join("standing.json"),
            serde_json::to_vec_pretty(&standing)?,
        )?;
        Ok(())
    }

    /// Writes `monitor/difusores.json`, the public list the publisher puts in each corte
    /// (`prep_publish::PUBLIC_LIST`).
    pub fn write_public_list(&self) -> anyhow::Result<()> {
        prep_fs::write_durably(
            self.dir.join(MONITOR_DIR).join("difusores.json"),
            serde_json::to_vec_pretty(&self.public_list())?,
        )?;
        Ok(())
    }
}

/// Each difusor's standing as the monitor left it in `<election_dir>/monitor/standing.json`
/// (none when the monitor never ran). The delivery side reads it too.
pub fn read_standing(election_dir: &Path) -> anyhow::Result<BTreeMap<String, Standing>> {
    let path = election_dir.join(MONITOR_DIR).join("standing.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not the monitor's standing file", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}
