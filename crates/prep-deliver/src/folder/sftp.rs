//! A publication folder on the difusor's OpenSSH server over SFTP (russh + russh-sftp, the
//! same connection as the `sftp` channel's: key authentication, the host key checked against
//! known_hosts, zlib on the wire). Each file is written under a temporary dot-name beside its
//! place and renamed over it with OpenSSH's `posix-rename@openssh.com` (plain SFTP rename
//! refuses an existing target), on a second SFTP channel of the same connection; up to
//! [`IN_FLIGHT`] files go at once, so the link's latency is paid once per batch, not once per
//! file. The listing reads the folder directory by directory.

use super::{Folder, FolderFuture, Listing, lists_into};
use crate::channel::Sent;
use crate::channel::sftp::{Connection, Wire, connect, put};
use crate::difusores::Ssh;
use anyhow::{Context, bail};
use futures::stream::{self, TryStreamExt};
use prep_package::folder::Upload;
use russh_sftp::client::RawSftpSession;
use russh_sftp::protocol::{Packet, StatusCode};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

/// Files written at once on one connection.
pub const IN_FLIGHT: usize = 64;

/// A folder over SFTP: `ssh` says where and as whom, `folder` is the publication folder as
/// the account sees it (`/www`).
pub struct SftpFolder {
    ssh: Ssh,
    folder: String,
    open: Option<Open>,
    written: Arc<AtomicU64>,
}

/// An open connection: the SFTP session for files and folders, and a raw one for renames.
struct Open {
    connection: Connection,
    renames: RawSftpSession,
    made: Mutex<HashSet<String>>,
}

static TEMPORARIES: AtomicU64 = AtomicU64::new(0);

impl SftpFolder {
    /// A folder at `folder` on the server `ssh` names; connects at the first use.
    pub fn new(ssh: Ssh, folder: String) -> SftpFolder {
        SftpFolder {
            ssh,
            folder,
            open: None,
            written: Arc::new(AtomicU64::new(0)),
        }
    }

    async fn open(&mut self) -> anyhow::Result<&Open> {
        if self.open.is_none() {
            let connection = connect(&self.ssh, Arc::clone(&self.written), Wire::Zlib).await?;
            let channel = connection.handle.channel_open_session().await?;
            channel.request_subsystem(true, "sftp").await?;
            let renames = RawSftpSession::new(channel.into_stream());
            renames
                .init()
                .await
                .context("the server did not start a second SFTP subsystem")?;
            self.open = Some(Open {
                connection,
                renames,
                made: Mutex::new(HashSet::new()),
            });
        }
        self.open
            .as_ref()
            .context("the SFTP connection is not open")
    }

    /// `folder/path`, the path as the account sees it.
    fn remote(&self, path: &str) -> String {
        let folder = self.folder.trim_end_matches('/');
        if path.is_empty() {
            folder.to_owned()
        } else {
            format!("{folder}/{path}")
        }
    }
}

impl Open {
    /// Creates the folders above `path` (a full remote path under `root`) the server may lack.
    async fn make_parents(&self, root: &str, rel: &str) -> anyhow::Result<()> {
        let parts: Vec<&str> = rel.split('/').collect();
        let mut dir = String::new();
        for part in &parts[..parts.len().saturating_sub(1)] {
            if !dir.is_empty() {
                dir.push('/');
            }
            dir.push_str(part);
            if self.made.lock().await.contains(&dir) {
                continue;
            }
            let full = format!("{root}/{dir}");
            let sftp = &self.connection.sftp;
            if !sftp.try_exists(&full).await.unwrap_or(false) {
                // Another upload of the same batch may have made it meanwhile.
                if let Err(e) = sftp.create_dir(&full).await
                    && !sftp.try_exists(&full).await.unwrap_or(false)
                {
                    return Err(e).with_context(|| format!("cannot create {full} on the server"));
                }
            }
            self.made.lock().await.insert(dir.clone());
        }
        Ok(())
    }

    /// Renames `from` over `to` with `posix-rename@openssh.com`.
    async fn rename_over(&self, from: &str, to: &str) -> anyhow::Result<()> {
        let mut data = Vec::with_capacity(8 + from.len() + to.len());
        for s in [from, to] {
            let len = u32::try_from(s.len()).context("a path too long for SFTP")?;
            data.extend_from_slice(&len.to_be_bytes());
            data.extend_from_slice(s.as_bytes());
        }
        match self
            .renames
            .extended("posix-rename@openssh.com", data)
            .await
            .with_context(|| format!("cannot rename {from} to {to} on the server"))?
        {
            Packet::Status(status) if status.status_code == StatusCode::Ok => Ok(()),
            Packet::Status(status) => bail!(
                "the server refused to rename {from} to {to}: {} ({:?})",
                status.error_message,
                status.status_code
            ),
            other => bail!("the server answered a rename with {other:?}"),
        }
    }

    /// Writes `bytes` to `tmp`, then renames it over `target`.
    async fn put(&self, tmp: &str, target: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let sftp = &self.connection.sftp;
        put(sftp, tmp, bytes).await?;
        if let Err(e) = self.rename_over(tmp, target).await {
            let _ = sftp.remove_file(tmp).await;
            return Err(e);
        }
        Ok(())
    }
}

impl Folder for SftpFolder {
    fn list(&mut self) -> FolderFuture<'_, Listing> {
        Box::pin(async move {
            let root = self.remote("");
            let open = self.open().await?;
            let sftp = &open.connection.sftp;
            let mut out = Listing::default();
            if !sftp.try_exists(&root).await.unwrap_or(false) {
                return Ok(out);
            }
            let mut pending = vec![String::new()];
            while let Some(dir) = pending.pop() {
                let full = if dir.is_empty() {
                    root.clone()
                } else {
                    format!("{root}/{dir}")
                };
                let entries = sftp
                    .read_dir(&full)
                    .await
                    .with_context(|| format!("cannot list {full} on the server"))?;
                for entry in entries {
                    let name = entry.file_name();
                    let kind = entry.file_type();
                    if kind.is_dir() && lists_into(&name) {
                        let rel = if dir.is_empty() {
                            name.clone()
                        } else {
                            format!("{dir}/{name}")
                        };
                        open.made.lock().await.insert(rel.clone());
                        pending.push(rel);
                    } else if kind.is_file() {
                        out.take(&dir, &name, entry.metadata().size.unwrap_or(0))
                            .with_context(|| format!("listing {root}"))?;
                    }
                }
            }
            Ok(out)
        })
    }

    fn remove<'a>(&'a mut self, paths: &'a [String]) -> FolderFuture<'a, ()> {
        Box::pin(async move {
            let root = self.remote("");
            let open = self.open().await?;
            let sftp = &open.connection.sftp;
            for p in paths {
                let full = format!("{root}/{p}");
                if sftp.try_exists(&full).await.unwrap_or(false) {
                    sftp.remove_file(&full)
                        .await
                        .with_context(|| format!("cannot remove {full} on the server"))?;
                }
            }
            Ok(())
        })
    }

    fn put<'a>(&'a mut self, package: &'a Path, uploads: &'a [Upload]) -> FolderFuture<'a, Sent> {
        Box::pin(async move {
            let root = self.remote("");
            let written = Arc::clone(&self.written);
            let before = written.load(Ordering::Relaxed);
            let open = self.open().await?;
            let pid = std::process::id();
            stream::iter(uploads.iter().map(Ok::<_, anyhow::Error>))
                .try_for_each_concurrent(IN_FLIGHT, |u| {
                    let root = &root;
                    async move {
                        prep_package::validate_path(&u.path)
                            .with_context(|| format!("refused to write {:?}", u.path))?;
                        open.make_parents(root, &u.path).await?;
                        let source = package.join(&u.source);
                        let bytes = tokio::fs::read(&source)
                            .await
                            .with_context(|| format!("cannot read {}", source.display()))?;
                        let (dir, name) = u.path.rsplit_once('/').unwrap_or(("", &u.path));
                        let n = TEMPORARIES.fetch_add(1, Ordering::Relaxed);
                        let tmp_name = format!(".tmp-prep-{pid}-{n}-{name}");
                        let tmp = if dir.is_empty() {
                            format!("{root}/{tmp_name}")
                        } else {
                            format!("{root}/{dir}/{tmp_name}")
                        };
                        open.put(&tmp, &format!("{root}/{}", u.path), &bytes).await
                    }
                })
                .await?;
            Ok(Sent {
                files: uploads.len() as u64,
                bytes: written.load(Ordering::Relaxed) - before,
                skipped: 0,
            })
        })
    }
}
