//! Where `prep verify` reads a package from: a directory on disk, a difusor's publication
//! folder on disk, or a web server (the institute's origin, a difusor's node or folder) over
//! http(s), as a citizen's browser would.
//!
//! HTTP is `ureq` (rustls for TLS, with the Mozilla roots of `webpki-roots`). Every response is
//! size-bounded: the pointer and the signature by small fixed limits, the manifest by
//! [`MAX_MANIFEST_BYTES`], and each listed file by the size its manifest entry declares.

use anyhow::{Context, bail};
use prep_inbox::{Limits, ListingError, POINTER_PATH, UNLISTED_FILES, list_package};
use prep_package::folder::CORTES_FOLDER;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The largest manifest read over HTTP (a national package lists a few hundred thousand files).
pub const MAX_MANIFEST_BYTES: u64 = 256 * 1024 * 1024;
/// The largest pointer or signature read over HTTP.
const MAX_SMALL_BYTES: u64 = 64 * 1024;

/// A package to verify.
pub enum PackageSource {
    /// A package directory.
    Dir(PathBuf),
    /// A publication folder ([`prep_package::folder`]): every corte's files side by side,
    /// recognised by its `cortes/` folder. Read as a directory; not listed, since the
    /// files of other cortes are there by design.
    Folder(PathBuf),
    /// A site's base URL, ending in `/` (`https://prep.example.mx/`).
    Http {
        /// The base URL every package path is joined to.
        base: String,
        /// The HTTP client (keep-alive, timeouts).
        agent: ureq::Agent,
    },
}

impl PackageSource {
    /// A directory, or an `http://` / `https://` URL (its base, or its `json/main.json`).
    pub fn parse(target: &str) -> anyhow::Result<PackageSource> {
        let lower = target.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            let dir = PathBuf::from(target);
            let folder =
                std::fs::symlink_metadata(dir.join(CORTES_FOLDER)).is_ok_and(|m| m.is_dir());
            return Ok(if folder {
                PackageSource::Folder(dir)
            } else {
                PackageSource::Dir(dir)
            });
        }
        let mut base = target.split(['?', '#']).next().unwrap_or(target).to_owned();
        if let Some(stripped) = base.strip_suffix(POINTER_PATH) {
            base = stripped.to_owned();
        }
        if !base.ends_with('/') {
            base.push('/');
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .timeout_connect(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .user_agent(concat!("prep-verify/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(PackageSource::Http { base, agent })
    }

    /// Where the package is, for messages.
    pub fn describe(&self) -> String {
        match self {
            PackageSource::Dir(dir) | PackageSource::Folder(dir) => dir.display().to_string(),
            PackageSource::Http { base, .. } => base.clone(),
        }
    }

    /// Whether what is there can be listed (a package directory can; a web server cannot,
    /// and a publication folder holds other cortes' files, so files beyond the manifest's list
    /// are not checked there).
    pub fn can_list(&self) -> bool {
        matches!(self, PackageSource::Dir(_))
    }

    /// The bytes of the package file at `path` (relative, `/`-separated, already validated),
    /// `None` when it is absent (no such file; HTTP 404 or 410). Over HTTP at most `limit`
    /// bytes and one more are read: a longer body then fails its size check.
    pub fn read(&self, path: &str, limit: u64) -> anyhow::Result<Option<Vec<u8>>> {
        match self {
            PackageSource::Dir(dir) | PackageSource::Folder(dir) => {
                let full = dir.join(path);
                match std::fs::symlink_metadata(&full) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(e).with_context(|| format!("cannot read {path}")),
                    Ok(meta) if !meta.is_file() => bail!("{path} is not a regular file"),
                    Ok(_) => {}
                }
                std::fs::read(&full)
                    .map(Some)
                    .with_context(|| format!("cannot read {}", full.display()))
            }
            PackageSource::Http { base, agent } => {
                let url = format!("{base}{path}");
                let mut response = agent
                    .get(&url)
                    .header("Cache-Control", "no-cache")
                    .call()
                    .with_context(|| format!("cannot fetch {url}"))?;
                let status = response.status().as_u16();
                if status == 404 || status == 410 {
                    return Ok(None);
                }
                if status != 200 {
                    bail!("{url} answered HTTP {status}");
                }
                // One byte more than the limit is read, so that a longer file fails its size
                // check instead of being read on.
                let mut bytes = Vec::new();
                response
                    .body_mut()
                    .as_reader()
                    .take(limit.saturating_add(1))
                    .read_to_end(&mut bytes)
                    .with_context(|| format!("cannot read the body of {url}"))?;
                Ok(Some(bytes))
            }
        }
    }

    /// A small file (pointer, signature) that must be there.
    pub fn read_small(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let bytes = self
            .read(path, MAX_SMALL_BYTES)?
            .with_context(|| format!("{} has no {path}", self.describe()))?;
        if bytes.len() as u64 > MAX_SMALL_BYTES {
            bail!("{path} is larger than {MAX_SMALL_BYTES} bytes");
        }
        Ok(bytes)
    }

    /// Every regular file of a package directory, as [`list_dir`] gives it; `None` over HTTP
    /// and in a publication folder.
    pub fn list(&self) -> Option<Result<Vec<String>, ListingError>> {
        match self {
            PackageSource::Dir(dir) => Some(list_dir(dir)),
            PackageSource::Folder(_) | PackageSource::Http { .. } => None,
        }
    }
}

/// Every regular file under `dir` (relative, `/`-separated), except the manifest, its
/// signature and the pointer `json/main.json` (which names the manifest by hash). The
/// directory is listed as a difusor node lists a package it receives
/// ([`prep_inbox::list_package`], within the node's default [`Limits`]): a link, a special
/// file, a name that is not UTF-8 or not a package path, or files beyond the limits are an
/// error, before any file is read.
pub fn list_dir(dir: &Path) -> Result<Vec<String>, ListingError> {
    Ok(list_package(dir, &Limits::default())?
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| !UNLISTED_FILES.contains(&path.as_str()))
        .collect())
}
