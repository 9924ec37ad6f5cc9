//! Delivery into a difusor's publication folder: the folder its web server publishes,
//! reached over a protocol its server already speaks, with nothing of ours installed there.
//!
//! The layout and the order of the writes are [`prep_package::folder`]'s: content-named
//! files the folder lacks, each corte's own manifest and signature, the pages, the folder's
//! manifest, and last `json/main.json`. A [`Folder`] is one way of reaching such a folder
//! (one module per protocol: [`local`] for a directory on this machine, [`ftps`] for an FTP
//! server over explicit TLS, [`rsync`] for an rsync daemon, [`sftp`] for OpenSSH's SFTP);
//! [`deliver`] lists
//! what the folder holds and writes one stage after another through it, so that the stage
//! that switches the corte starts only when everything it names is in place. Every file
//! goes to a temporary dot-name beside its place and is renamed over it: a reader never
//! sees a half-written file, and a delivery killed at any moment leaves the folder serving
//! the previous corte whole; the next round lists the folder again and completes it. A
//! suspension notice is written the same way ([`notice`]).

pub mod ftps;
pub mod local;
pub mod notice;
pub mod rsync;
pub mod sftp;

use crate::channel::{Channel, Delivery, Job, NoticeJob, Sent};
use prep_package::folder::{Remote, RemoteFile, Stage, Upload, plan};
use prep_package::{FileEntry, Manifest};
use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;

/// The most files a folder's listing may hold: a national election's cortes list about
/// 40,000 files each, most shared between cortes; a listing beyond this is refused rather
/// than read into memory.
pub const MAX_LISTED_FILES: usize = 5_000_000;

/// The name prefix of every temporary a delivery writes beside a file's place
/// (`.tmp-prep-<pid>-<n>-<name>`): never served (the web servers' rules refuse dot-names).
pub const TEMPORARY_PREFIX: &str = ".tmp-prep-";

/// What a folder holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Every regular file, by `/`-separated path relative to the folder, with its size;
    /// dot-names (temporaries, the server's own) and whatever is under a dot-folder left out.
    pub files: Vec<(String, u64)>,
    /// The temporaries ([`TEMPORARY_PREFIX`]) a delivery cut off left behind, by path.
    pub leftovers: Vec<String>,
}

impl Listing {
    /// Takes the regular file `name` found in the folder's directory `dir` (`""` for the
    /// folder itself): a file, a leftover temporary, or nothing (another dot-name, or a name
    /// with a `/`); more than [`MAX_LISTED_FILES`] files are an error.
    pub fn take(&mut self, dir: &str, name: &str, size: u64) -> anyhow::Result<()> {
        if name.is_empty() || name.contains('/') {
            return Ok(());
        }
        let path = if dir.is_empty() {
            name.to_owned()
        } else {
            format!("{dir}/{name}")
        };
        if name.starts_with(TEMPORARY_PREFIX) {
            self.leftovers.push(path);
        } else if !name.starts_with('.') {
            self.files.push((path, size));
            anyhow::ensure!(
                self.files.len() <= MAX_LISTED_FILES,
                "the folder holds more than {MAX_LISTED_FILES} files: not a publication folder"
            );
        }
        Ok(())
    }
}

/// Whether a folder's listing goes into the sub-folder `name` (not into a dot-folder).
pub fn lists_into(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains('/')
}

/// A future a [`Folder`] returns, boxed so folders can be trait objects.
pub type FolderFuture<'a, T> = Pin<Box<dyn Future<Output = anyhow::Result<T>> + Send + 'a>>;

/// One way of reaching a publication folder.
pub trait Folder: Send {
    /// Every regular file under the folder and every leftover temporary ([`Listing`]),
    /// links not followed; at most [`MAX_LISTED_FILES`] files.
    fn list(&mut self) -> FolderFuture<'_, Listing>;

    /// Removes the files at `paths` (leftover temporaries a listing found); one already gone
    /// is not an error.
    fn remove<'a>(&'a mut self, paths: &'a [String]) -> FolderFuture<'a, ()>;

    /// Writes every upload of one stage from the package in `package`: each file to a
    /// temporary name beside its place, then renamed over it; returns once all are in
    /// place, with what was sent.
    fn put<'a>(&'a mut self, package: &'a Path, uploads: &'a [Upload]) -> FolderFuture<'a, Sent>;
}

/// What the folder holds: the listing's sizes, and the SHA-256 the institute wrote at each
/// path the `delivered` manifest lists (the corte delivered there last), where the listed
/// size still agrees. The bytes are not read back.
pub fn remote_of(listing: Vec<(String, u64)>, delivered: Option<&Manifest>) -> Remote {
    let known: HashMap<&str, &FileEntry> = delivered
        .map(|m| m.files.iter().map(|f| (f.path.as_str(), f)).collect())
        .unwrap_or_default();
    Remote {
        files: listing
            .into_iter()
            .map(|(path, size)| {
                let sha256 = known
                    .get(path.as_str())
                    .filter(|f| f.size == size)
                    .map(|f| f.sha256.clone());
                (path, RemoteFile { size, sha256 })
            })
            .collect(),
    }
}

/// Delivers the job's corte into the folder: lists it (knowing the bytes of the corte it
/// was given last, `job.base`), removes the temporaries an interrupted delivery left, then
/// writes the plan's stages in order, each whole before the next
/// ([`prep_package::folder::plan`]).
pub async fn deliver(folder: &mut dyn Folder, job: &Job) -> anyhow::Result<Sent> {
    let delivered = job.base.and_then(|base| {
        let dir = job
            .corte_dir
            .parent()?
            .join(prep_package::layout::corte_name(base));
        crate::channel::read_manifest(&dir).ok()
    });
    let listing = folder.list().await?;
    if !listing.leftovers.is_empty() {
        // Never served, so a failure here only leaves them for the next round.
        match folder.remove(&listing.leftovers).await {
            Ok(()) => log::info!(
                "removed {} temporaries an interrupted delivery left in the folder",
                listing.leftovers.len()
            ),
            Err(e) => log::warn!(
                "cannot remove the {} temporaries an interrupted delivery left: {e:#}",
                listing.leftovers.len()
            ),
        }
    }
    let remote = remote_of(listing.files, delivered.as_ref());
    let uploads = plan(&job.manifest, &remote);
    let listed_sent = uploads.iter().filter(|u| u.size.is_some()).count() as u64;
    let written = put_in_stages(folder, &job.corte_dir, &uploads).await?;
    Ok(Sent {
        skipped: job.manifest.files.len() as u64 - listed_sent,
        ..written
    })
}

/// Writes `uploads` (files of the package in `package`) through `folder` one stage after
/// another, in [`Stage`]'s order, each whole before the next; returns what was sent.
pub async fn put_in_stages(
    folder: &mut dyn Folder,
    package: &Path,
    uploads: &[Upload],
) -> anyhow::Result<Sent> {
    let mut sent = Sent::default();
    for stage in [
        Stage::Content,
        Stage::CorteManifest,
        Stage::Stable,
        Stage::Manifest,
        Stage::Pointer,
    ] {
        let of_stage: Vec<Upload> = uploads
            .iter()
            .filter(|u| u.stage == stage)
            .cloned()
            .collect();
        if of_stage.is_empty() {
            continue;
        }
        let s = folder.put(package, &of_stage).await?;
        sent.files += s.files;
        sent.bytes += s.bytes;
    }
    Ok(sent)
}

/// The channel of a publication folder: a fresh [`Folder`] (a new connection) for each
/// delivery, through which [`deliver`] writes the corte.
pub struct FolderChannel {
    kind: &'static str,
    open: Box<dyn Fn() -> Box<dyn Folder> + Send + Sync>,
}

impl FolderChannel {
    /// The channel of `kind` (as in `difusores.toml`) whose folders `open` makes.
    pub fn new(
        kind: &'static str,
        open: impl Fn() -> Box<dyn Folder> + Send + Sync + 'static,
    ) -> FolderChannel {
        FolderChannel {
            kind,
            open: Box::new(open),
        }
    }
}

impl Channel for FolderChannel {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn deliver<'a>(&'a self, job: &'a Job) -> Delivery<'a> {
        Box::pin(async move {
            let mut folder = (self.open)();
            deliver(folder.as_mut(), job).await
        })
    }

    fn deliver_notice<'a>(&'a self, job: &'a NoticeJob) -> Delivery<'a> {
        Box::pin(async move {
            let mut folder = (self.open)();
            notice::deliver_notice(folder.as_mut(), job).await
        })
    }
}
