//! Suspension, the delivery side of the monitor's 3-period rule (`prep-monitor`). The monitor
//! keeps each difusor's standing in `monitor/standing.json`. When it suspends one,
//! [`SuspensionActions`] (its `suspend`) signs a suspension notice for it
//! (`monitor/notices/<id>/<n>/`). From then on, at each delivery round ([`apply`]):
//!
//! 1. corte deliveries to it stop, and the notice is delivered instead over its channel
//!    ([`deliver_notices`], one attempt per round until one succeeds); the node then shows the
//!    notice on its portal;
//! 2. from the first corte cut after the notice was delivered, cortes are delivered again (on
//!    probation): the node shows the notice until that corte arrives, and the monitor
//!    reinstates the difusor (its public link enabled again) once its public URL serves the
//!    current corte.
//!
//! Into a publication folder the institute writes the notice itself ([`crate::folder::notice`]).
//! A channel with neither an inbox nor a folder (s3, pull) cannot carry the notice: the
//! failure is recorded, and the calls' telephone procedure applies.

use crate::channel::NoticeJob;
use crate::difusores::Difusor;
use crate::record::{DeliveryRecord, Journal, Outcome};
use anyhow::Context;
use prep_inbox::notice::{NOTICE_FORMAT, Notice};
use prep_monitor::Standing;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where the notices are kept in the election directory (the monitor checks a suspended
/// site's notice against them).
pub use prep_monitor::observe::NOTICES_DIR;
/// Written in a notice's folder once it was delivered: the latest corte at that moment.
const DELIVERED_MARKER: &str = ".delivered";

/// A notice that must still be delivered.
#[derive(Debug, Clone)]
pub struct PendingNotice {
    /// The difusor.
    pub difusor: String,
    /// The notice's folder.
    pub dir: PathBuf,
    /// Its sequence (each difusor's notices are numbered 1, 2, …).
    pub sequence: u64,
}

/// The newest notice of `difusor`: its folder and sequence.
fn newest_notice(election_dir: &Path, difusor: &str) -> anyhow::Result<Option<(PathBuf, u64)>> {
    let dir = election_dir.join(NOTICES_DIR).join(difusor);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    let mut newest = None;
    for entry in entries {
        let entry = entry?;
        if let Some(n) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u64>().ok())
            && newest.as_ref().is_none_or(|(_, m)| n > *m)
        {
            newest = Some((entry.path(), n));
        }
    }
    Ok(newest)
}

/// Applies the standing to a delivery round of corte `latest`: a suspended difusor whose notice
/// is not delivered yet receives no corte (its notice is returned, to be delivered); one whose
/// notice was delivered at corte `s` receives cortes after `s`.
pub fn apply(
    election_dir: &Path,
    difusores: &mut [Difusor],
    latest: u64,
) -> anyhow::Result<Vec<PendingNotice>> {
    let standing = prep_monitor::monitor::read_standing(election_dir)?;
    let mut pending = Vec::new();
    for d in difusores.iter_mut() {
        if !matches!(standing.get(&d.id), Some(Standing::Suspended { .. })) {
            continue;
        }
        match newest_notice(election_dir, &d.id)? {
            None => d.suspended = true,
            Some((dir, sequence)) => match std::fs::read_to_string(dir.join(DELIVERED_MARKER)) {
                Ok(at) => {
                    let at: u64 = at.trim().parse().unwrap_or(u64::MAX);
                    d.suspended |= latest <= at;
                }
                Err(_) => {
                    d.suspended = true;
                    pending.push(PendingNotice {
                        difusor: d.id.clone(),
                        dir,
                        sequence,
                    });
                }
            },
        }
    }
    Ok(pending)
}

/// Delivers each pending notice once over its difusor's channel (limited to its
/// `timeout_seconds`); each attempt is recorded. `latest` is the corte current now.
pub async fn deliver_notices(
    election_dir: &Path,
    difusores: &[Difusor],
    pending: &[PendingNotice],
    latest: u64,
) -> anyhow::Result<Vec<DeliveryRecord>> {
    let journal = Journal::open(election_dir)?;
    let delivered = crate::record::last_delivered(&crate::record::read(election_dir)?);
    let mut records = Vec::new();
    for p in pending {
        let Some(d) = difusores.iter().find(|d| d.id == p.difusor) else {
            continue;
        };
        let channel = crate::kinds::channel_for(&d.channel);
        let serves = delivered.get(&d.id).map_or(latest, |l| l.sequence);
        let job = NoticeJob {
            dir: p.dir.clone(),
            name: format!("aviso-{}-{}", d.id, p.sequence),
            corte_dir: prep_package::ElectionLayout::new(election_dir).corte_dir(serves),
        };
        let start = prep_inbox::now_rfc3339();
        let t0 = Instant::now();
        let result = tokio::time::timeout(
            Duration::from_secs(d.timeout_seconds),
            channel.deliver_notice(&job),
        )
        .await;
        let (outcome, sent, error) = match result {
            Ok(Ok(sent)) => (Outcome::Delivered, sent, None),
            Ok(Err(e)) => (Outcome::Failed, Default::default(), Some(format!("{e:#}"))),
            Err(_) => (
                Outcome::TimedOut,
                Default::default(),
                Some(format!(
                    "no answer within timeout_seconds = {}",
                    d.timeout_seconds
                )),
            ),
        };
        if outcome == Outcome::Delivered {
            std::fs::write(p.dir.join(DELIVERED_MARKER), latest.to_string())
                .with_context(|| format!("cannot mark {} delivered", p.dir.display()))?;
        }
        let r = DeliveryRecord {
            difusor: d.id.clone(),
            channel: channel.kind().into(),
            sequence: 0,
            attempt: 1,
            start,
            end: prep_inbox::now_rfc3339(),
            duration_ms: u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX),
            bytes: sent.bytes,
            files: sent.files,
            skipped: 0,
            outcome,
            error,
            notice: Some(p.sequence),
        };
        journal.append(&r)?;
        records.push(r);
    }
    Ok(records)
}

/// The monitor's actions for delivery: a suspension signs the difusor's notice (delivered at
/// the next round); a reinstatement needs nothing here (the standing file says it).
pub struct SuspensionActions {
    election_dir: PathBuf,
    key: prep_package::SigningKey,
    institute_name: String,
}

impl SuspensionActions {
    /// Actions for the election directory, signing notices with `key` in the name of
    /// `institute_name`.
    pub fn new(
        election_dir: &Path,
        key: prep_package::SigningKey,
        institute_name: &str,
    ) -> SuspensionActions {
        SuspensionActions {
            election_dir: election_dir.to_owned(),
            key,
            institute_name: institute_name.to_owned(),
        }
    }
}

impl prep_monitor::Actions for SuspensionActions {
    fn suspend(&self, difusor: &str, at_sequence: u64) -> anyhow::Result<()> {
        let next = newest_notice(&self.election_dir, difusor)?.map_or(1, |(_, n)| n + 1);
        let out = self
            .election_dir
            .join(NOTICES_DIR)
            .join(difusor)
            .join(next.to_string());
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        // Bound to this process and to the newest corte published: a node serving a newer
        // corte, or another process's, refuses it.
        let cortes = prep_origin::OriginDir::new(&self.election_dir);
        let newest = cortes
            .sequences()?
            .last()
            .copied()
            .context("no corte is published yet: there is nothing to suspend")?;
        let process = cortes.manifest(newest)?.process;
        let issued = prep_inbox::now_rfc3339();
        let expires = prep_package::rfc3339_seconds(&issued)
            .map(|t| prep_package::rfc3339_utc(t + 24 * 3600))
            .context("the clock's time")?;
        let notice = Notice {
            format: NOTICE_FORMAT.into(),
            institute: self.institute_name.clone(),
            process,
            corte_sequence: newest.max(at_sequence),
            sequence: next,
            issued,
            expires,
            title: "Transmisión de resultados preliminares suspendida".into(),
            message: format!(
                "Este sitio no publicó el corte vigente de los resultados preliminares durante \
                 tres periodos de actualización consecutivos (corte {at_sequence}). Conforme a los \
                 lineamientos para difusores oficiales, {} interrumpió la transmisión de los \
                 resultados a este sitio.\n\nConsulte los resultados preliminares en el sitio del \
                 Instituto o en el de otro difusor oficial.",
                self.institute_name
            ),
        };
        prep_inbox::notice::write_notice(&self.key, &notice, &out)
    }

    fn reinstate(&self, _difusor: &str) -> anyhow::Result<()> {
        Ok(())
    }
}
