//! The channel trait and what every channel is given: one corte to deliver to one difusor,
//! with what that difusor is known to hold.

pub mod dir;
pub mod pull;
pub mod rsync;
pub mod s3;
pub mod sftp;

use bytes::Bytes;
use prep_corte::{MANIFEST_PATH, POINTER_PATH};
use prep_inbox::{DELTA_MARKER, SIGNATURE_PATH};
use prep_origin::OriginDir;
use prep_origin::deltas::{DeltaCache, Part};
use prep_package::Manifest;
use std::collections::HashSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, LazyLock};

pub use prep_inbox::Sent;

/// One delivery: corte `sequence`, a complete package in `corte_dir`.
#[derive(Debug)]
pub struct Job {
    /// The corte's complete package (`<election>/cortes/NNNNNN`).
    pub corte_dir: PathBuf,
    /// Its sequence.
    pub sequence: u64,
    /// Its manifest (read from the package; the node verifies it), shared by every
    /// difusor's job for this corte.
    pub manifest: Arc<Manifest>,
    /// The SHA-256 of every file the difusor is known to hold (the files of the last corte
    /// delivered to it successfully); `None` when unknown: the full package is sent.
    pub have: Option<Arc<HashSet<String>>>,
    /// That last corte delivered, when known: a channel may send this one as patches
    /// against it ([`patches`]).
    pub base: Option<u64>,
}

impl Job {
    /// A job for the package in `corte_dir`, whose manifest ([`read_manifest`]) is given.
    pub fn new(
        corte_dir: &Path,
        sequence: u64,
        manifest: Arc<Manifest>,
        have: Option<Arc<HashSet<String>>>,
    ) -> anyhow::Result<Job> {
        if manifest.sequence != sequence {
            anyhow::bail!(
                "{} holds corte {}, not {sequence}",
                corte_dir.display(),
                manifest.sequence
            );
        }
        Ok(Job {
            corte_dir: corte_dir.to_path_buf(),
            sequence,
            manifest,
            have,
            base: None,
        })
    }

    /// The same job, knowing the difusor holds corte `base` (the one delivered before).
    pub fn with_base(mut self, base: Option<u64>) -> Job {
        self.base = base.filter(|&b| b < self.sequence);
        self
    }

    /// The package's name in an inbox: `corte-NNNNNN`.
    pub fn package_name(&self) -> String {
        prep_inbox::package_name(self.sequence)
    }

    /// Whether the difusor holds a file with this SHA-256.
    pub fn holds(&self, sha256: &str) -> bool {
        self.have.as_ref().is_some_and(|h| h.contains(sha256))
    }

    /// The listed files to send (those the difusor does not hold), by path.
    pub fn content_to_send(&self) -> Vec<&str> {
        self.manifest
            .files
            .iter()
            .filter(|f| !self.holds(&f.sha256))
            .map(|f| f.path.as_str())
            .collect()
    }

    /// How many listed files are left out.
    pub fn skipped(&self) -> u64 {
        self.manifest
            .files
            .iter()
            .filter(|f| self.holds(&f.sha256))
            .count() as u64
    }
}

/// The files an inbox channel writes after the content, in order: the pointer and manifest,
/// then the delta marker, then the signature (the node takes a package only when the
/// signature and the completion marker are both there).
pub const AFTER_CONTENT: [&str; 2] = [POINTER_PATH, MANIFEST_PATH];
/// Written last of all, before the completion marker.
pub const LAST: [&str; 2] = [DELTA_MARKER, SIGNATURE_PATH];

/// The patches every difusor's delivery of a corte shares, made once per corte and base.
static DELTAS: LazyLock<DeltaCache> = LazyLock::new(DeltaCache::default);

/// The job's corte as patches against the corte the difusor holds (`job.base`): the
/// manifest's and the changed files' ([`prep_package::delta`], the same the origin serves
/// pull nodes), made once for every difusor at the same corte. `None` without a base, or
/// when they cannot be made (the package is then sent as files).
pub async fn patches(job: &Job) -> Option<(Bytes, Bytes)> {
    let base = job.base?;
    let election = job.corte_dir.parent()?.parent()?;
    let dir = OriginDir::new(election);
    if dir.corte_dir(job.sequence) != job.corte_dir {
        return None;
    }
    let manifest = DELTAS.get(&dir, job.sequence, base, Part::Manifest).await;
    let files = DELTAS.get(&dir, job.sequence, base, Part::Files).await;
    Some((manifest.ok()?, files.ok()?))
}

/// Reads `manifest.json` of a package directory.
pub fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST_PATH);
    let bytes =
        std::fs::read(&path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Manifest::from_bytes(&bytes)
        .map_err(|e| anyhow::anyhow!("{} is not a manifest: {e}", path.display()))
}

/// What delivering a notice directory sends: its two files.
pub fn notice_size(notice_dir: &Path) -> anyhow::Result<Sent> {
    let mut sent = Sent::default();
    for f in [
        prep_inbox::notice::NOTICE_PATH,
        prep_inbox::notice::NOTICE_SIGNATURE_PATH,
    ] {
        let path = notice_dir.join(f);
        sent.bytes += std::fs::metadata(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?
            .len();
        sent.files += 1;
    }
    Ok(sent)
}

/// One suspension notice to deliver to one difusor.
#[derive(Debug, Clone)]
pub struct NoticeJob {
    /// The notice's directory: `notice.json` and its signature (`prep_inbox::notice`).
    pub dir: PathBuf,
    /// The name it is delivered under in an inbox (`aviso-<difusor>-<n>`).
    pub name: String,
    /// The package of the corte the difusor serves (the last delivered to it, else the
    /// newest): a publication folder's suspended `json/main.json` is that corte's pointer,
    /// and its pages are replaced by the notice page.
    pub corte_dir: PathBuf,
}

/// A boxed future, so channels can be used as trait objects.
pub type Delivery<'a> = Pin<Box<dyn Future<Output = anyhow::Result<Sent>> + Send + 'a>>;

/// A way of getting a corte to a difusor. Implementations are atomic on the receiving side
/// (temporary name then rename, or markers last) and send only what the difusor lacks.
pub trait Channel: Send + Sync {
    /// The channel's kind, as in `difusores.toml`.
    fn kind(&self) -> &'static str;
    /// Delivers the job's corte; returns what was sent.
    fn deliver<'a>(&'a self, job: &'a Job) -> Delivery<'a>;

    /// Delivers a suspension notice ([`NoticeJob`]) as atomically as a package. Channels
    /// with neither an inbox nor a publication folder (s3, pull) cannot: the call says so.
    fn deliver_notice<'a>(&'a self, notice: &'a NoticeJob) -> Delivery<'a> {
        let kind = self.kind();
        let _ = notice;
        Box::pin(async move {
            anyhow::bail!(
                "the {kind} channel cannot deliver a suspension notice; the difusor must be told \
                 another way (the calls' telephone procedure)"
            )
        })
    }
}
