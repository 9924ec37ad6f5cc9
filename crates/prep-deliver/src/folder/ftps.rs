//! A publication folder on the difusor's FTP server, over explicit TLS (`AUTH TLS`, then
//! `PBSZ 0` and `PROT P`: the control and the data connections encrypted), with suppaftp's
//! tokio client on rustls (ring). The server's certificate is checked against the system's
//! roots, or against the one certificate authority the difusor's entry names. Plain FTP is
//! used only when the entry says so explicitly (`insecure_plain`).
//!
//! Each file is stored under a temporary dot-name in its folder (`STOR`) and renamed over its
//! place (`RNFR`/`RNTO`); where a server refuses to rename over an existing file, the old one
//! is deleted first (`DELE`) and the rename made again, and [`FtpsFolder::overwrite_deletes`]
//! says so. Listing reads `LIST -a` folder by folder (vsftpd, like many servers, has no
//! `MLSD`).

use super::{Folder, FolderFuture, MAX_LISTED_FILES};
use crate::channel::Sent;
pub use crate::difusores::FtpsSettings;
use anyhow::{Context, bail};
use prep_package::folder::Upload;
use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use suppaftp::tokio::{AsyncRustlsConnector, AsyncRustlsFtpStream};
use suppaftp::tokio_rustls::TlsConnector;
use suppaftp::tokio_rustls::rustls;
use suppaftp::types::FileType;

/// A folder over FTPS (or, when asked, plain FTP).
pub struct FtpsFolder {
    settings: FtpsSettings,
    stream: Option<AsyncRustlsFtpStream>,
    created: HashSet<String>,
    overwrite_deletes: Arc<AtomicU64>,
}

static TEMPORARIES: AtomicU64 = AtomicU64::new(0);

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
    async fn stream(&mut self) -> anyhow::Result<&mut AsyncRustlsFtpStream> {
        if self.stream.is_none() {
            self.stream = Some(connect(&self.settings).await?);
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
            let stream = self.stream().await?;
            // An existing folder answers 550; whether it is one shows when a file goes in.
            let _ = stream.mkdir(&remote).await;
            self.created.insert(parent.clone());
        }
        Ok(())
    }

    /// Stores `source` as `path`, under a temporary name first; returns the bytes sent.
    async fn put_one(&mut self, source: &Path, path: &str) -> anyhow::Result<u64> {
        prep_package::validate_path(path).with_context(|| format!("refused to write {path:?}"))?;
        self.make_parents(path).await?;
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let n = TEMPORARIES.fetch_add(1, Ordering::Relaxed);
        let tmp_rel = if dir.is_empty() {
            format!(".tmp-prep-{}-{n}-{name}", std::process::id())
        } else {
            format!("{dir}/.tmp-prep-{}-{n}-{name}", std::process::id())
        };
        let (tmp, target) = (self.remote(&tmp_rel), self.remote(path));
        let mut file = tokio::fs::File::open(source)
            .await
            .with_context(|| format!("cannot read {}", source.display()))?;
        let timeout = self.settings.timeout;
        let stream = self.stream().await?;
        let sent = tokio::time::timeout(timeout * 10, stream.put_file(&tmp, &mut file))
            .await
            .with_context(|| format!("storing {tmp} timed out"))?
            .with_context(|| format!("cannot store {tmp}"))?;
        if let Err(first) = stream.rename(&tmp, &target).await {
            // Some servers refuse to rename over an existing file: delete it, rename again.
            if stream.rm(&target).await.is_ok() && stream.rename(&tmp, &target).await.is_ok() {
                self.overwrite_deletes.fetch_add(1, Ordering::Relaxed);
            } else {
                let _ = stream.rm(&tmp).await;
                bail!("cannot rename {tmp} to {target}: {first}");
            }
        }
        Ok(sent)
    }

    /// Every file under the folder, walking it `LIST -a` by `LIST -a`.
    async fn list_all(&mut self) -> anyhow::Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        let mut pending = vec![String::new()];
        while let Some(dir) = pending.pop() {
            let remote = self.remote(&dir);
            let stream = self.stream().await?;
            let lines = match stream.list(Some(&format!("-a {remote}"))).await {
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
                if name.starts_with('.') || name.contains('/') {
                    continue;
                }
                let rel = if dir.is_empty() {
                    name.to_owned()
                } else {
                    format!("{dir}/{name}")
                };
                if entry.is_directory() {
                    self.created.insert(rel.clone());
                    pending.push(rel);
                } else if entry.is_file() {
                    out.push((rel, entry.size() as u64));
                    if out.len() > MAX_LISTED_FILES {
                        bail!(
                            "{remote} holds more than {MAX_LISTED_FILES} files: not a publication folder"
                        );
                    }
                }
            }
        }
        Ok(out)
    }
}

impl Folder for FtpsFolder {
    fn list(&mut self) -> FolderFuture<'_, Vec<(String, u64)>> {
        Box::pin(self.list_all())
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
async fn connect(settings: &FtpsSettings) -> anyhow::Result<AsyncRustlsFtpStream> {
    let address = format!("{}:{}", settings.host, settings.port);
    let password = std::fs::read_to_string(&settings.password_file)
        .with_context(|| format!("cannot read {}", settings.password_file.display()))?;
    let password = password.lines().next().unwrap_or("").to_owned();
    let resolved = tokio::net::lookup_host(&address)
        .await
        .with_context(|| format!("cannot resolve {address}"))?
        .next()
        .with_context(|| format!("{address} resolves to no address"))?;
    let plain = AsyncRustlsFtpStream::connect_timeout(resolved, settings.timeout)
        .await
        .with_context(|| format!("cannot connect to {address}"))?;
    let mut stream = if settings.insecure_plain {
        log::warn!(
            "{address}: plain FTP, as the difusor's entry asks (plain_ftp = true): the password and every file cross the network in clear"
        );
        plain
    } else {
        plain
            .into_secure(tls_connector(settings)?, &settings.host)
            .await
            .with_context(|| format!("{address} refused TLS (AUTH TLS)"))?
    };
    stream
        .login(settings.user.as_str(), password.as_str())
        .await
        .with_context(|| format!("{address} refused the login of {}", settings.user))?;
    stream
        .transfer_type(FileType::Binary)
        .await
        .with_context(|| format!("{address} refused binary transfers"))?;
    Ok(stream)
}

/// The TLS client: the system's roots, or only the certificate authority of `ca_file`.
fn tls_connector(settings: &FtpsSettings) -> anyhow::Result<AsyncRustlsConnector> {
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
    Ok(AsyncRustlsConnector::from(TlsConnector::from(Arc::new(
        config,
    ))))
}
