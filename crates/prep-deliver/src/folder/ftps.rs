//! A publication folder on the difusor's FTP server, over explicit TLS (`AUTH TLS`, then
//! `PBSZ 0` and `PROT P`: the control and the data connections encrypted), with suppaftp's
//! tokio client on rustls (ring) through tokio-rustls. The server's certificate is checked against the system's
//! roots, or against the one certificate authority the difusor's entry names. Plain FTP is
//! used only when the entry says so explicitly (`insecure_plain`).
//!
//! Each file is stored under a temporary dot-name in its folder (`STOR`) and renamed over its
//! place (`RNFR`/`RNTO`); where a server refuses to rename over an existing file, the old one
//! is deleted first (`DELE`) and the rename made again, and [`FtpsFolder::overwrite_deletes`]
//! says so. Listing reads `LIST -a` folder by folder (vsftpd, like many servers, has no
//! `MLSD`).
//!
//! The TLS stream is the `tls` module's, which sends a written command before waiting for its reply
//! (suppaftp does not flush; on rustls a command could stay in the client's buffer while the
//! server waited for it). Every command waits at most the entry's timeout for its reply, and
//! a file whose commands fail or stall (a server or a network that stops answering) is tried
//! again on a new connection, up to [`ATTEMPTS`] times: the one temporary name makes a
//! repeated upload harmless.

mod tls;

use super::{Folder, FolderFuture, Listing, lists_into};
use crate::channel::Sent;
pub use crate::difusores::FtpsSettings;
use anyhow::{Context, bail};
use prep_package::folder::Upload;
use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use suppaftp::tokio::ImplAsyncFtpStream;
use suppaftp::tokio_rustls::TlsConnector;
use suppaftp::tokio_rustls::rustls;
use suppaftp::types::FileType;
use tls::{FlushingTlsConnector, FlushingTlsStream};

/// The control connection, over [`tls`]'s rustls stream.
type FtpsStream = ImplAsyncFtpStream<FlushingTlsStream>;

/// A folder over FTPS (or, when asked, plain FTP).
pub struct FtpsFolder {
    settings: FtpsSettings,
    stream: Option<FtpsStream>,
    created: HashSet<String>,
    overwrite_deletes: Arc<AtomicU64>,
}

static TEMPORARIES: AtomicU64 = AtomicU64::new(0);

/// The context of an error met while opening a connection (resolving, connecting, TLS,
/// login): a new connection would meet it again, so the operation is not tried again.
#[derive(Debug)]
struct NotConnected;

impl std::fmt::Display for NotConnected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cannot open the FTP connection")
    }
}

/// Whether `e` arose opening a connection (see [`NotConnected`]).
fn is_refusal(e: &anyhow::Error) -> bool {
    e.downcast_ref::<NotConnected>().is_some()
}

/// How many connections one file (or one listing) is tried on before the delivery fails.
pub const ATTEMPTS: u32 = 3;

/// The answer to `operation`, or an error naming `what` when none comes within `limit`.
async fn bounded<T, E>(
    limit: std::time::Duration,
    what: impl FnOnce() -> String,
    operation: impl std::future::Future<Output = Result<T, E>>,
) -> anyhow::Result<Result<T, E>> {
    tokio::time::timeout(limit, operation)
        .await
        .map_err(|_| anyhow::anyhow!("{}: no answer within {} s", what(), limit.as_secs_f64()))
}

/// `operation` bounded by `limit`, its failure given the context `what`.
async fn within<T, E>(
    limit: std::time::Duration,
    what: impl Fn() -> String,
    operation: impl std::future::Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    bounded(limit, &what, operation).await?.with_context(what)
}

impl FtpsFolder {
    /// A folder reached with `settings`; connects at the first use.
    pub fn new(settings: FtpsSettings) -> FtpsFolder {
        FtpsFolder {
            settings,
            stream: None,
            created: HashSet::new(),
            overwrite_deletes: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many renames the server refused to make over an existing file, so that the old
    /// file was deleted first (a moment in which that path was missing).
    pub fn overwrite_deletes(&self) -> u64 {
        self.overwrite_deletes.load(Ordering::Relaxed)
    }

    /// The logged-in control connection, opened on first use.
    async fn stream(&mut self) -> anyhow::Result<&mut FtpsStream> {
        if self.stream.is_none() {
            let opened = connect(&self.settings).await.context(NotConnected)?;
            self.stream = Some(opened);
        }
        self.stream
            .as_mut()
            .context("the FTP connection is not open")
    }

    /// `folder/path`, the path as the account sees it.
    fn remote(&self, path: &str) -> String {
        let folder = self.settings.folder.trim_end_matches('/');
        if path.is_empty() {
            folder.to_owned()
        } else {
            format!("{folder}/{path}")
        }
    }

    /// Creates every folder above `path` (relative) the server may lack.
    async fn make_parents(&mut self, path: &str) -> anyhow::Result<()> {
        let mut parent = String::new();
        let parts: Vec<&str> = path.split('/').collect();
        for part in &parts[..parts.len().saturating_sub(1)] {
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(part);
            if self.created.contains(&parent) {
                continue;
            }
            let remote = self.remote(&parent);
            let limit = self.settings.timeout;
            let stream = self.stream().await?;
            // An existing folder answers 550; whether it is one shows when a file goes in. A
            // stalled answer is not: the connection cannot be trusted with the next command.
            let _ = bounded(
                limit,
                || format!("creating {remote}"),
                stream.mkdir(&remote),
            )
            .await?;
            self.created.insert(parent.clone());
        }
        Ok(())
    }

    /// Stores `source` as `path`, on a new connection again when one attempt fails, up to
    /// [`ATTEMPTS`] times; returns the bytes sent.
    async fn put_one(&mut self, source: &Path, path: &str) -> anyhow::Result<u64> {
        prep_package::validate_path(path).with_context(|| format!("refused to write {path:?}"))?;
        // One temporary name for every attempt: a later attempt overwrites what an abandoned
        // one left there, and renames it.
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let n = TEMPORARIES.fetch_add(1, Ordering::Relaxed);
        let tmp_rel = if dir.is_empty() {
            format!(".tmp-prep-{}-{n}-{name}", std::process::id())
        } else {
            format!("{dir}/.tmp-prep-{}-{n}-{name}", std::process::id())
        };
        let mut attempt = 1;
        loop {
            match self.put_once(source, path, &tmp_rel).await {
                Ok(sent) => return Ok(sent),
                Err(e) if self.again(&e, &mut attempt, path) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Whether to try `what` again after `e` (attempt `attempt` of [`ATTEMPTS`], an error
    /// not met opening the connection); if so, says so, forgets the connection and counts
    /// the attempt.
    fn again(&mut self, e: &anyhow::Error, attempt: &mut u32, what: &str) -> bool {
        if *attempt >= ATTEMPTS || is_refusal(e) {
            return false;
        }
        *attempt += 1;
        log::warn!(
            "{}:{}: {e:#}; {what} again on a new connection ({attempt}/{ATTEMPTS})",
            self.settings.host,
            self.settings.port,
        );
        self.reconnect();
        true
    }

    /// Forgets the control connection (and what it learnt of the folders): the next command
    /// opens a new one.
    fn reconnect(&mut self) {
        self.stream = None;
        self.created.clear();
    }

    /// One attempt at storing `source` as `path`, as `tmp_rel` first.
    async fn put_once(&mut self, source: &Path, path: &str, tmp_rel: &str) -> anyhow::Result<u64> {
        self.make_parents(path).await?;
        let (tmp, target) = (self.remote(tmp_rel), self.remote(path));
        let mut file = tokio::fs::File::open(source)
            .await
            .with_context(|| format!("cannot read {}", source.display()))?;
        let timeout = self.settings.timeout;
        let stream = self.stream().await?;
        let sent = within(
            timeout * 10,
            || format!("cannot store {tmp}"),
            stream.put_file(&tmp, &mut file),
        )
        .await?;
        let renaming = || format!("renaming {tmp} to {target}");
        let Err(first) = bounded(timeout, renaming, stream.rename(&tmp, &target)).await? else {
            return Ok(sent);
        };
        // Some servers refuse to rename over an existing file: delete it, rename again.
        let replaced = async {
            stream.rm(&target).await?;
            stream.rename(&tmp, &target).await
        };
        if bounded(timeout * 2, || format!("replacing {target}"), replaced)
            .await?
            .is_ok()
        {
            self.overwrite_deletes.fetch_add(1, Ordering::Relaxed);
            return Ok(sent);
        }
        let _ = tokio::time::timeout(timeout, stream.rm(&tmp)).await;
        bail!("cannot rename {tmp} to {target}: {first}")
    }

    /// Every file under the folder, on a new connection again when one attempt fails, up to
    /// [`ATTEMPTS`] times.
    async fn list_all(&mut self) -> anyhow::Result<Listing> {
        let mut attempt = 1;
        loop {
            match self.list_once().await {
                Ok(listed) => return Ok(listed),
                Err(e) if self.again(&e, &mut attempt, "the listing") => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Every file under the folder, walking it `LIST -a` by `LIST -a`.
    async fn list_once(&mut self) -> anyhow::Result<Listing> {
        let mut out = Listing::default();
        let mut pending = vec![String::new()];
        while let Some(dir) = pending.pop() {
            let remote = self.remote(&dir);
            let limit = self.settings.timeout;
            let stream = self.stream().await?;
            let argument = format!("-a {remote}");
            let listed = stream.list(Some(&argument));
            let lines = match bounded(limit, || format!("listing {remote}"), listed).await? {
                Ok(lines) => lines,
                // The folder itself may not exist before the first corte.
                Err(_) if dir.is_empty() => return Ok(out),
                Err(e) => return Err(e).with_context(|| format!("cannot list {remote}")),
            };
            for line in lines {
                let Ok(entry) = suppaftp::list::File::from_str(&line) else {
                    continue;
                };
                let name = entry.name();
                if entry.is_directory() && lists_into(name) {
                    let rel = if dir.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{dir}/{name}")
                    };
                    self.created.insert(rel.clone());
                    pending.push(rel);
                } else if entry.is_file() {
                    out.take(&dir, name, entry.size() as u64)
                        .with_context(|| format!("listing {remote}"))?;
                }
            }
        }
        Ok(out)
    }

    /// Deletes each of `paths` (`DELE`), each command within the entry's timeout; one the
    /// server no longer has is not an error.
    async fn remove_all(&mut self, paths: &[String]) -> anyhow::Result<()> {
        for p in paths {
            let remote = self.remote(p);
            let limit = self.settings.timeout;
            let stream = self.stream().await?;
            // 550: already gone.
            let _ = bounded(limit, || format!("deleting {remote}"), stream.rm(&remote)).await?;
        }
        Ok(())
    }
}

impl Folder for FtpsFolder {
    fn list(&mut self) -> FolderFuture<'_, Listing> {
        Box::pin(self.list_all())
    }

    fn remove<'a>(&'a mut self, paths: &'a [String]) -> FolderFuture<'a, ()> {
        Box::pin(self.remove_all(paths))
    }

    fn put<'a>(&'a mut self, package: &'a Path, uploads: &'a [Upload]) -> FolderFuture<'a, Sent> {
        Box::pin(async move {
            let mut sent = Sent::default();
            for u in uploads {
                sent.bytes += self.put_one(&package.join(&u.source), &u.path).await?;
                sent.files += 1;
            }
            Ok(sent)
        })
    }
}

/// Connects, secures the control connection (unless plain FTP was asked for), logs in and
/// selects binary transfers.
async fn connect(settings: &FtpsSettings) -> anyhow::Result<FtpsStream> {
    let address = format!("{}:{}", settings.host, settings.port);
    let password = std::fs::read_to_string(&settings.password_file)
        .with_context(|| format!("cannot read {}", settings.password_file.display()))?;
    let password = password.lines().next().unwrap_or("").to_owned();
    let resolved = tokio::net::lookup_host(&address)
        .await
        .with_context(|| format!("cannot resolve {address}"))?
        .next()
        .with_context(|| format!("{address} resolves to no address"))?;
    let plain = FtpsStream::connect_timeout(resolved, settings.timeout)
        .await
        .with_context(|| format!("cannot connect to {address}"))?;
    let limit = settings.timeout;
    let mut stream = if settings.insecure_plain {
        log::warn!(
            "{address}: plain FTP, as the difusor's entry asks (plain_ftp = true): the password and every file cross the network in clear"
        );
        plain
    } else {
        within(
            limit,
            || format!("{address} refused TLS (AUTH TLS)"),
            plain.into_secure(tls_connector(settings)?, &settings.host),
        )
        .await?
    };
    within(
        limit,
        || format!("{address} refused the login of {}", settings.user),
        stream.login(settings.user.as_str(), password.as_str()),
    )
    .await?;
    within(
        limit,
        || format!("{address} refused binary transfers"),
        stream.transfer_type(FileType::Binary),
    )
    .await?;
    Ok(stream)
}

/// The TLS client: the system's roots, or only the certificate authority of `ca_file`.
fn tls_connector(settings: &FtpsSettings) -> anyhow::Result<FlushingTlsConnector> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match &settings.ca_file {
        Some(path) => {
            for cert in CertificateDer::pem_file_iter(path)
                .with_context(|| format!("cannot read {}", path.display()))?
            {
                let cert = cert.with_context(|| format!("{} is not PEM", path.display()))?;
                roots
                    .add(cert)
                    .with_context(|| format!("{} holds an unusable certificate", path.display()))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    anyhow::ensure!(
        !roots.is_empty(),
        "no certificate authority to check the FTP server against"
    );
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("rustls has no protocol version")?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(FlushingTlsConnector(TlsConnector::from(Arc::new(config))))
}
