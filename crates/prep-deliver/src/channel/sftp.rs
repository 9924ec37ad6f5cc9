//! `sftp`: upload to the difusor's OpenSSH server (russh + russh-sftp: a pure-Rust SSH client
//! on tokio, so no C library to build and timeouts are plain futures). Key authentication;
//! the server's host key must be in the configured known_hosts file (an unknown or changed
//! key is refused). The package is written under `<inbox>/.tmp-<name>/` — content, then
//! pointer and manifest, then `.prep-delta` and the signature, then `.prep-complete` — and
//! renamed to `<inbox>/<name>/`. Only the files the difusor lacks are sent, zlib-compressed
//! on the wire when the server allows it; when the difusor holds the corte before, the
//! manifest and those files go as two zstd patches against it instead (a patched delta
//! package, [`prep_inbox::MANIFEST_PATCH`] and [`prep_inbox::FILES_PATCH`], sent without wire compression: zstd output does not
//! shrink again); the bytes reported are those written to the TCP
//! connection (handshake, compression and encryption included), comparable with rsync's.

use super::{AFTER_CONTENT, Channel, Delivery, Job, LAST, NoticeJob, Sent};
use crate::difusores::Ssh;
use anyhow::{Context, bail};
use prep_corte::POINTER_PATH;
use prep_inbox::{COMPLETE_MARKER, DELTA_MARKER, SIGNATURE_PATH};
use prep_inbox::{FILES_PATCH, MANIFEST_PATCH};
use russh::client;
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh_sftp::client::SftpSession;
use std::collections::HashSet;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

/// Delivers over SFTP.
#[derive(Debug, Clone)]
pub struct SftpChannel {
    /// Where and as whom.
    pub ssh: Ssh,
}

/// Checks the server's host key against the known_hosts file; remembers why it refused.
pub(crate) struct HostKeyCheck {
    ssh: Ssh,
    refused: Arc<Mutex<Option<String>>>,
}

impl client::Handler for HostKeyCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            self.refuse("the server offered a certificate; only plain host keys are checked");
            return Ok(false);
        };
        let path = &self.ssh.known_hosts;
        match russh::keys::check_known_hosts_path(&self.ssh.host, self.ssh.port, key, path) {
            Ok(true) => Ok(true),
            Ok(false) => {
                self.refuse(&format!(
                    "the host key of {}:{} is not in {} (add the server's key with ssh-keyscan after checking it)",
                    self.ssh.host,
                    self.ssh.port,
                    path.display()
                ));
                Ok(false)
            }
            Err(e) => {
                self.refuse(&format!(
                    "the host key of {}:{} does not match {}: {e} (refused: it changed)",
                    self.ssh.host,
                    self.ssh.port,
                    path.display()
                ));
                Ok(false)
            }
        }
    }
}

impl HostKeyCheck {
    fn refuse(&self, why: &str) {
        if let Ok(mut r) = self.refused.lock() {
            *r = Some(why.to_owned());
        }
    }
}

impl Channel for SftpChannel {
    fn kind(&self) -> &'static str {
        "sftp"
    }

    fn deliver<'a>(&'a self, job: &'a Job) -> Delivery<'a> {
        Box::pin(self.upload(job))
    }

    fn deliver_notice<'a>(&'a self, notice: &'a NoticeJob) -> Delivery<'a> {
        Box::pin(self.upload_notice(&notice.dir, &notice.name))
    }
}

/// An authenticated SSH connection with its SFTP session open; more channels (another SFTP
/// session) may be opened on `handle`.
pub(crate) struct Connection {
    /// The SSH connection.
    pub(crate) handle: client::Handle<HostKeyCheck>,
    /// The SFTP session on its first channel.
    pub(crate) sftp: SftpSession,
}

/// Connects to the server `ssh` names, authenticates and opens the SFTP subsystem, asking
/// for the `wire` compression; every byte written to the connection is counted in `written`.
pub(crate) async fn connect(
    ssh: &Ssh,
    written: Arc<AtomicU64>,
    wire: Wire,
) -> anyhow::Result<Connection> {
    if !ssh.known_hosts.is_file() {
        bail!(
            "the known_hosts file {} is missing; host keys are always checked",
            ssh.known_hosts.display()
        );
    }
    let key = russh::keys::load_secret_key(&ssh.key_file, None)
        .with_context(|| format!("cannot load the key {}", ssh.key_file.display()))?;
    let refused = Arc::new(Mutex::new(None));
    let handler = HostKeyCheck {
        ssh: ssh.clone(),
        refused: Arc::clone(&refused),
    };
    let mut config = client::Config::default();
    config.preferred.compression = std::borrow::Cow::Borrowed(match wire {
        Wire::Zlib => &[
            russh::compression::ZLIB_LEGACY,
            russh::compression::ZLIB,
            russh::compression::NONE,
        ],
        Wire::Plain => &[russh::compression::NONE],
    });
    let config = Arc::new(config);
    let socket = tokio::net::TcpStream::connect((ssh.host.as_str(), ssh.port))
        .await
        .with_context(|| format!("cannot connect to {}:{}", ssh.host, ssh.port))?;
    socket.set_nodelay(true)?;
    let counted = Counting {
        inner: socket,
        written,
    };
    let connected = client::connect_stream(config, counted, handler).await;
    let mut handle = match connected {
        Ok(h) => h,
        Err(e) => {
            let why = refused.lock().ok().and_then(|r| r.clone());
            return Err(match why {
                Some(why) => anyhow::anyhow!("{why}"),
                None => anyhow::anyhow!("cannot connect to {}:{}: {e}", ssh.host, ssh.port),
            });
        }
    };
    let hash = handle.best_supported_rsa_hash().await?.flatten();
    let auth = handle
        .authenticate_publickey(
            ssh.user.clone(),
            PrivateKeyWithHashAlg::new(Arc::new(key), hash),
        )
        .await?;
    if !auth.success() {
        bail!(
            "{}@{}:{} refused the key {}",
            ssh.user,
            ssh.host,
            ssh.port,
            ssh.key_file.display()
        );
    }
    let channel = handle.channel_open_session().await?;
    channel.request_subsystem(true, "sftp").await?;
    let sftp = SftpSession::new(channel.into_stream())
        .await
        .context("the server did not start its SFTP subsystem")?;
    Ok(Connection { handle, sftp })
}

impl SftpChannel {
    /// Uploads a notice directory under `.tmp-<name>`, the marker last, then renames it.
    async fn upload_notice(&self, notice_dir: &Path, name: &str) -> anyhow::Result<Sent> {
        let written = Arc::new(AtomicU64::new(0));
        let Connection { handle, sftp } =
            connect(&self.ssh, Arc::clone(&written), Wire::Zlib).await?;
        let inbox = self.ssh.inbox.trim_end_matches('/');
        let tmp = stage(&sftp, inbox, name).await?;
        for f in [
            prep_inbox::notice::NOTICE_PATH,
            prep_inbox::notice::NOTICE_SIGNATURE_PATH,
        ] {
            let bytes = tokio::fs::read(notice_dir.join(f))
                .await
                .with_context(|| format!("cannot read {}", notice_dir.join(f).display()))?;
            put(&sftp, &format!("{tmp}/{f}"), &bytes).await?;
        }
        complete(&handle, &sftp, &tmp, inbox, name).await?;
        let mut sent = super::notice_size(notice_dir)?;
        sent.bytes = written.load(Ordering::Relaxed);
        Ok(sent)
    }

    async fn upload(&self, job: &Job) -> anyhow::Result<Sent> {
        let written = Arc::new(AtomicU64::new(0));
        // With their base (`patches` has none without one).
        let patches = job.base.zip(super::patches(job).await);
        // zstd patches do not shrink again: zlib on the wire would only spend the institute's
        // CPU (once per difusor) on them.
        let wire = if patches.is_some() {
            Wire::Plain
        } else {
            Wire::Zlib
        };
        let Connection { handle, sftp } = connect(&self.ssh, Arc::clone(&written), wire).await?;
        let inbox = self.ssh.inbox.trim_end_matches('/');
        let name = job.package_name();
        let tmp = stage(&sftp, inbox, &name).await?;
        let mut dirs = HashSet::new();
        // `bytes` ends as the bytes written to the connection; files are counted here.
        let mut sent = Sent {
            skipped: job.skipped(),
            ..Sent::default()
        };
        if let Some((base, (manifest_patch, files_patch))) = patches {
            // A patched delta package: the two patches, the pointer, the marker naming the
            // base, the signature.
            let pointer = tokio::fs::read(job.corte_dir.join(POINTER_PATH))
                .await
                .with_context(|| format!("cannot read {POINTER_PATH} of corte {}", job.sequence))?;
            let signature = tokio::fs::read(job.corte_dir.join(SIGNATURE_PATH))
                .await
                .with_context(|| {
                    format!("cannot read {SIGNATURE_PATH} of corte {}", job.sequence)
                })?;
            make_parents(&sftp, &tmp, POINTER_PATH, &mut dirs).await?;
            let marker = format!("{base}\n").into_bytes();
            for (path, bytes) in [
                (MANIFEST_PATCH, &manifest_patch[..]),
                (FILES_PATCH, &files_patch[..]),
                (POINTER_PATH, &pointer[..]),
                (DELTA_MARKER, &marker[..]),
                (SIGNATURE_PATH, &signature[..]),
            ] {
                put(&sftp, &format!("{tmp}/{path}"), bytes).await?;
                sent.files += 1;
            }
            complete(&handle, &sftp, &tmp, inbox, &name).await?;
            sent.bytes = written.load(Ordering::Relaxed);
            return Ok(sent);
        }
        let content = job.content_to_send();
        let files = content.iter().chain(AFTER_CONTENT.iter()).copied();
        for path in files {
            let bytes = tokio::fs::read(job.corte_dir.join(path))
                .await
                .with_context(|| format!("cannot read {path} of corte {}", job.sequence))?;
            make_parents(&sftp, &tmp, path, &mut dirs).await?;
            put(&sftp, &format!("{tmp}/{path}"), &bytes).await?;
            sent.files += 1;
        }
        for path in LAST {
            let bytes = if path == DELTA_MARKER {
                Vec::new()
            } else {
                tokio::fs::read(job.corte_dir.join(path))
                    .await
                    .with_context(|| format!("cannot read {path} of corte {}", job.sequence))?
            };
            put(&sftp, &format!("{tmp}/{path}"), &bytes).await?;
            sent.files += 1;
        }
        complete(&handle, &sftp, &tmp, inbox, &name).await?;
        sent.bytes = written.load(Ordering::Relaxed);
        Ok(sent)
    }
}

/// Whether a connection asks for zlib compression on the wire.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wire {
    /// zlib when the server allows it (OpenSSH's default does): the CSV and JSON of a whole
    /// corte shrink several times.
    Zlib,
    /// No compression: for content already compressed.
    Plain,
}

/// A connection that counts the bytes written to it.
struct Counting<S> {
    inner: S,
    written: Arc<AtomicU64>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Counting<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counting<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &polled {
            self.written.fetch_add(*n as u64, Ordering::Relaxed);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Empties (when a failed attempt left it) and creates `<inbox>/.tmp-<name>` on the server,
/// where a delivery is written before it is renamed; returns its path.
async fn stage(sftp: &SftpSession, inbox: &str, name: &str) -> anyhow::Result<String> {
    let tmp = format!("{inbox}/.tmp-{name}");
    if sftp.try_exists(&tmp).await? {
        remove_tree(sftp, &tmp).await?;
    }
    sftp.create_dir(&tmp)
        .await
        .with_context(|| format!("cannot create {tmp} on the server"))?;
    Ok(tmp)
}

/// Writes the completion marker in the staged `tmp`, renames it to `<inbox>/<name>` (the node
/// sees it whole or not at all) and closes the session.
async fn complete(
    handle: &client::Handle<HostKeyCheck>,
    sftp: &SftpSession,
    tmp: &str,
    inbox: &str,
    name: &str,
) -> anyhow::Result<()> {
    put(sftp, &format!("{tmp}/{COMPLETE_MARKER}"), b"").await?;
    let target = format!("{inbox}/{name}");
    sftp.rename(tmp, &target)
        .await
        .with_context(|| format!("cannot rename {tmp} to {target} on the server"))?;
    let _ = sftp.close().await;
    let _ = handle
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
    Ok(())
}

/// Writes a whole file (created or truncated) and closes it.
pub(crate) async fn put(sftp: &SftpSession, path: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = sftp
        .create(path)
        .await
        .with_context(|| format!("cannot create {path} on the server"))?;
    file.write_all(bytes)
        .await
        .with_context(|| format!("cannot write {path} on the server"))?;
    file.shutdown()
        .await
        .with_context(|| format!("cannot close {path} on the server"))?;
    Ok(())
}

/// Creates the directories above `path` inside `root`, once each.
async fn make_parents(
    sftp: &SftpSession,
    root: &str,
    path: &str,
    made: &mut HashSet<String>,
) -> anyhow::Result<()> {
    let mut dir = String::new();
    let parts: Vec<&str> = path.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        if !dir.is_empty() {
            dir.push('/');
        }
        dir.push_str(part);
        if made.insert(dir.clone()) {
            let full = format!("{root}/{dir}");
            sftp.create_dir(&full)
                .await
                .with_context(|| format!("cannot create {full} on the server"))?;
        }
    }
    Ok(())
}

/// Removes a directory tree left by an earlier attempt.
async fn remove_tree(sftp: &SftpSession, dir: &str) -> anyhow::Result<()> {
    let mut stack = vec![(dir.to_owned(), false)];
    while let Some((d, visited)) = stack.pop() {
        if visited {
            sftp.remove_dir(&d)
                .await
                .with_context(|| format!("cannot remove {d} on the server"))?;
            continue;
        }
        stack.push((d.clone(), true));
        for entry in sftp.read_dir(&d).await? {
            let name = entry.file_name();
            if name == "." || name == ".." {
                continue;
            }
            let full = format!("{d}/{name}");
            if entry.file_type().is_dir() {
                stack.push((full, false));
            } else {
                sftp.remove_file(&full)
                    .await
                    .with_context(|| format!("cannot remove {full} on the server"))?;
            }
        }
    }
    Ok(())
}
