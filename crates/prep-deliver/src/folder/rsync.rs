//! A publication folder written by the rsync binary, either over ssh (the key, and the host
//! key checked against known_hosts, as the `rsync` channel does) or into the difusor's rsync
//! daemon (`rsync://user@host:873/module/folder/`, the password in a file only the institute
//! can read). rsync writes each file under a temporary dot-name beside its place and renames it;
//! one run per stage, so the pointer's run starts only when everything before it is in
//! place. The listing is rsync's own (`--list-only`); bytes are rsync's `--stats` figure.

use super::{Folder, FolderFuture, Listing, TEMPORARY_PREFIX};
use crate::channel::Sent;
use crate::channel::rsync::{COPY_OPTIONS, Stats, parse_stats, run_rsync, ssh_command};
pub use crate::difusores::RsyncDaemon;
use crate::difusores::Ssh;
use anyhow::{Context, bail};
use prep_package::folder::Upload;
use std::ffi::OsString;
use std::path::Path;

impl RsyncDaemon {
    /// `rsync://user@host:port/module/folder/`, after checking that no part can change
    /// what rsync reads from it.
    fn url(&self) -> anyhow::Result<String> {
        let plain = |what: &str, value: &str| -> anyhow::Result<()> {
            let ok = !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            if !ok {
                bail!("the rsync {what} {value:?} may hold only letters, digits, '-', '_' and '.'");
            }
            Ok(())
        };
        plain("host", &self.host)?;
        plain("module", &self.module)?;
        plain("user", &self.user)?;
        let folder = self.folder.trim_matches('/');
        if !folder.is_empty() {
            prep_package::validate_path(folder)
                .with_context(|| format!("the rsync folder {:?}", self.folder))?;
        }
        let mut url = format!(
            "rsync://{}@{}:{}/{}/",
            self.user, self.host, self.port, self.module
        );
        if !folder.is_empty() {
            url.push_str(folder);
            url.push('/');
        }
        Ok(url)
    }
}

/// How rsync reaches the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RsyncTarget {
    /// Over ssh: `user@host:folder/`, `folder` as the account sees it (relative to its home
    /// or to the directory its forced `rrsync` command allows).
    Ssh {
        /// Where and as whom (its `inbox` is not used).
        ssh: Ssh,
        /// The publication folder.
        folder: String,
    },
    /// An rsync daemon's module.
    Daemon(RsyncDaemon),
}

impl RsyncTarget {
    /// The destination argument, ending in `/`.
    fn destination(&self) -> anyhow::Result<String> {
        match self {
            RsyncTarget::Daemon(d) => d.url(),
            RsyncTarget::Ssh { ssh, folder } => {
                let folder = folder.trim_end_matches('/');
                if folder.is_empty()
                    || folder.contains(':')
                    || folder.starts_with('-')
                    || folder.split('/').any(|part| part == "..")
                {
                    bail!("the rsync folder {folder:?} must be a plain path on the server");
                }
                Ok(format!("{}@{}:{folder}/", ssh.user, ssh.host))
            }
        }
    }

    /// The options that say how to connect.
    fn connection(&self) -> anyhow::Result<Vec<OsString>> {
        Ok(match self {
            RsyncTarget::Daemon(d) => vec![
                format!("--password-file={}", d.password_file.display()).into(),
                "--contimeout=10".into(),
            ],
            RsyncTarget::Ssh { ssh, .. } => vec!["-e".into(), ssh_command(ssh)?.into()],
        })
    }
}

/// A folder written with rsync.
#[derive(Debug, Clone)]
pub struct RsyncFolder {
    /// Where.
    pub target: RsyncTarget,
}

impl RsyncFolder {
    /// Runs rsync with the connection options and `args`; returns its status and what it
    /// printed.
    async fn run(
        &self,
        args: Vec<OsString>,
    ) -> anyhow::Result<(std::process::ExitStatus, String, String)> {
        let mut all = self.target.connection()?;
        all.extend(args);
        let out = run_rsync(all).await?;
        Ok((
            out.status,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// Copies `list` (paths under `src`) into the folder, one rsync run.
    async fn copy(&self, src: &Path, list: &[&str]) -> anyhow::Result<Stats> {
        let scratch = tempfile::tempdir().context("cannot make a scratch directory")?;
        let list_file = scratch.path().join("files-from");
        std::fs::write(&list_file, list.join("\n") + "\n")
            .with_context(|| format!("cannot write {}", list_file.display()))?;
        let mut src_arg = src.as_os_str().to_owned();
        src_arg.push("/");
        let url = self.target.destination()?;
        let mut args: Vec<OsString> = COPY_OPTIONS.iter().map(Into::into).collect();
        args.push(format!("--files-from={}", list_file.display()).into());
        args.push(src_arg);
        args.push(url.clone().into());
        let (status, stdout, stderr) = self.run(args).await?;
        if !status.success() {
            bail!("rsync to {url} failed ({status}): {}", stderr.trim());
        }
        parse_stats(&stdout).with_context(|| format!("rsync printed no --stats: {stdout}"))
    }
}

impl Folder for RsyncFolder {
    fn list(&mut self) -> FolderFuture<'_, Listing> {
        Box::pin(async move {
            let url = self.target.destination()?;
            let args: Vec<OsString> = vec![
                "--list-only".into(),
                "-r".into(),
                "--no-human-readable".into(),
                url.clone().into(),
            ];
            let (status, stdout, stderr) = self.run(args).await?;
            if !status.success() {
                // Before the first corte the folder inside the module may not exist yet.
                if status.code() == Some(23) && stderr.contains("No such file or directory") {
                    return Ok(Listing::default());
                }
                bail!("rsync cannot list {url} ({status}): {}", stderr.trim());
            }
            parse_listing(&stdout)
        })
    }

    /// rsync cannot delete one named file; it deletes, with `--delete`, what the receiving
    /// side holds and the sender does not, among the files its filter rules take. So a tree
    /// of empty folders (those on the way to `paths`) is sent with rules that take those
    /// folders and exactly `paths`, nothing else: every other file is outside the transfer
    /// and kept, and no folder is missing on the sending side.
    fn remove<'a>(&'a mut self, paths: &'a [String]) -> FolderFuture<'a, ()> {
        Box::pin(async move {
            if paths.is_empty() {
                return Ok(());
            }
            let scratch = tempfile::tempdir().context("cannot make a scratch directory")?;
            let empty = scratch.path().join("empty");
            let mut folders = std::collections::BTreeSet::new();
            let mut files = String::new();
            for p in paths {
                let name = p.rsplit('/').next().unwrap_or(p);
                anyhow::ensure!(
                    name.starts_with(TEMPORARY_PREFIX)
                        && !p.starts_with('/')
                        && p.split('/').all(|part| !part.is_empty() && part != "..")
                        && !p.contains(['*', '?', '[', '\\', '\n']),
                    "refused to remove {p:?}: not a temporary of a delivery"
                );
                files.push_str(&format!("+ /{p}\n"));
                let mut parent = p.as_str();
                while let Some((up, _)) = parent.rsplit_once('/') {
                    folders.insert(up.to_owned());
                    parent = up;
                }
            }
            let mut rules = String::new();
            for f in &folders {
                rules.push_str(&format!("+ /{f}/\n"));
                let dir = empty.join(f);
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::create_dir_all(&empty)
                .with_context(|| format!("cannot create {}", empty.display()))?;
            rules.push_str(&files);
            rules.push_str("- *\n");
            let rules_file = scratch.path().join("rules");
            std::fs::write(&rules_file, rules)
                .with_context(|| format!("cannot write {}", rules_file.display()))?;
            let mut src = empty.into_os_string();
            src.push("/");
            let url = self.target.destination()?;
            let args: Vec<OsString> = vec![
                "-r".into(),
                "--delete".into(),
                format!("--filter=merge {}", rules_file.display()).into(),
                src,
                url.clone().into(),
            ];
            let (status, _, stderr) = self.run(args).await?;
            if !status.success() {
                bail!(
                    "rsync cannot remove temporaries in {url} ({status}): {}",
                    stderr.trim()
                );
            }
            Ok(())
        })
    }

    fn put<'a>(&'a mut self, package: &'a Path, uploads: &'a [Upload]) -> FolderFuture<'a, Sent> {
        Box::pin(async move {
            let (same, moved): (Vec<&Upload>, Vec<&Upload>) =
                uploads.iter().partition(|u| u.path == u.source);
            let mut sent = Sent::default();
            if !same.is_empty() {
                let list: Vec<&str> = same.iter().map(|u| u.path.as_str()).collect();
                let stats = self.copy(package, &list).await?;
                sent.files += stats.files;
                sent.bytes += stats.bytes_sent;
            }
            if !moved.is_empty() {
                // Files that go elsewhere than in the package (each corte's own manifest):
                // laid out in a scratch folder as they go, then copied as they are.
                let scratch = tempfile::tempdir().context("cannot make a scratch directory")?;
                for u in &moved {
                    prep_package::validate_path(&u.path)
                        .with_context(|| format!("refused to write {:?}", u.path))?;
                    let to = scratch.path().join(&u.path);
                    if let Some(parent) = to.parent() {
                        std::fs::create_dir_all(parent)
                            .with_context(|| format!("cannot create {}", parent.display()))?;
                    }
                    let from = package.join(&u.source);
                    std::fs::copy(&from, &to)
                        .with_context(|| format!("cannot read {}", from.display()))?;
                }
                let list: Vec<&str> = moved.iter().map(|u| u.path.as_str()).collect();
                let stats = self.copy(scratch.path(), &list).await?;
                sent.files += stats.files;
                sent.bytes += stats.bytes_sent;
            }
            Ok(sent)
        })
    }
}

/// What `rsync --list-only -r --no-human-readable` printed ([`Listing`]): mode, size,
/// date, time, then the path (which may hold spaces); a temporary of ours is a leftover,
/// other dot-names (rsync's own temporaries among them) and anything under a dot-folder
/// are left out.
pub fn parse_listing(out: &str) -> anyhow::Result<Listing> {
    let mut listing = Listing::default();
    for line in out.lines() {
        let mut rest = line.trim_start();
        let mut fields = Vec::with_capacity(4);
        for _ in 0..4 {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            fields.push(&rest[..end]);
            rest = rest[end..].trim_start();
        }
        let (mode, size, path) = (fields[0], fields[1], rest);
        if !mode.starts_with('-') || path.is_empty() {
            continue;
        }
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        if dir.split('/').any(|part| part.starts_with('.')) {
            continue;
        }
        let size: u64 = size
            .replace(',', "")
            .parse()
            .with_context(|| format!("rsync listed a size that is not a number: {line:?}"))?;
        listing.take(dir, name, size)?;
    }
    Ok(listing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_keeps_regular_files_with_their_sizes_and_spaces() {
        let out = "drwxr-xr-x        4096 2026/12/02 07:49:46 .\n\
                   -rw-r--r--           2 2026/12/02 07:49:46 .hidden\n\
                   drwxr-xr-x        4096 2026/12/02 07:49:46 json\n\
                   -rw-r--r--           5 2026/12/02 07:49:46 json/sub/a b.json\n\
                   -rw-------          12 2026/12/02 07:49:46 json/.total.json.Ab12Cd\n\
                   -rw-------          12 2026/12/02 07:49:46 json/.tmp-prep-7-0-total.json\n\
                   -rw-------          12 2026/12/02 07:49:46 .git/x/.tmp-prep-7-0-y\n\
                   lrwxrwxrwx           4 2026/12/02 07:49:46 enlace -> otro\n\
                   -rw-r--r--   1,234,567 2026/12/02 07:49:46 datos/PUE.zip\n";
        let listing = parse_listing(out).expect("listing");
        assert_eq!(
            listing.files,
            vec![
                ("json/sub/a b.json".to_owned(), 5),
                ("datos/PUE.zip".to_owned(), 1_234_567)
            ]
        );
        assert_eq!(
            listing.leftovers,
            vec!["json/.tmp-prep-7-0-total.json".to_owned()]
        );
        assert!(parse_listing("-rw-r--r-- muchos 2026/12/02 07:49:46 x").is_err());
    }

    #[test]
    fn a_daemon_url_is_built_from_plain_parts_only() {
        let mut d = RsyncDaemon {
            host: "rsync.medio.mx".into(),
            port: 873,
            module: "prep".into(),
            folder: "/www/prep/".into(),
            user: "ieepue".into(),
            password_file: "/etc/prep/rsync.pass".into(),
        };
        assert_eq!(
            d.url().expect("url"),
            "rsync://ieepue@rsync.medio.mx:873/prep/www/prep/"
        );
        d.folder = String::new();
        assert_eq!(
            d.url().expect("url"),
            "rsync://ieepue@rsync.medio.mx:873/prep/"
        );
        for (field, bad) in [("module", "prep/../etc"), ("user", "a@b"), ("host", "h:1")] {
            let mut e = d.clone();
            match field {
                "module" => e.module = bad.into(),
                "user" => e.user = bad.into(),
                _ => e.host = bad.into(),
            }
            assert!(e.url().is_err(), "{field} {bad}");
        }
        d.folder = "../fuera".into();
        assert!(d.url().is_err());
    }

    #[test]
    fn an_ssh_folder_is_a_plain_path_on_the_server() {
        let ssh = Ssh {
            host: "sftp.medio.mx".into(),
            port: 22,
            user: "ieepue".into(),
            key_file: "/k".into(),
            known_hosts: "/kh".into(),
            inbox: String::new(),
        };
        let target = |folder: &str| RsyncTarget::Ssh {
            ssh: ssh.clone(),
            folder: folder.into(),
        };
        assert_eq!(
            target("www/prep/").destination().expect("plain"),
            "ieepue@sftp.medio.mx:www/prep/"
        );
        for bad in ["", "host:www", "-e sh", "www/../etc"] {
            assert!(target(bad).destination().is_err(), "{bad:?}");
        }
    }
}
