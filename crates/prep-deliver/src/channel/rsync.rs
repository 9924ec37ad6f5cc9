//! `rsync`: the rsync binary over ssh, with host-key checking (`StrictHostKeyChecking=yes`
//! against the configured known_hosts file). Two passes into `<inbox>/<name>/`: first the
//! files the difusor lacks (`--files-from`) with the pointer and manifest, then the delta
//! marker, the signature and the completion marker; the node takes the directory only when
//! the signature and the marker are both there, and rsync writes each file under a temporary
//! name and renames it. `-z` compresses; bytes are rsync's own `--stats` figure.

use super::{AFTER_CONTENT, Channel, Delivery, Job, Sent};
use crate::difusores::Ssh;
use anyhow::{Context, bail};
use prep_inbox::{COMPLETE_MARKER, DELTA_MARKER, SIGNATURE_PATH};
use std::path::Path;

/// Delivers with rsync over ssh.
#[derive(Debug, Clone)]
pub struct RsyncChannel {
    /// Where and as whom.
    pub ssh: Ssh,
}

impl Channel for RsyncChannel {
    fn kind(&self) -> &'static str {
        "rsync"
    }

    fn deliver<'a>(&'a self, job: &'a Job) -> Delivery<'a> {
        Box::pin(self.send(job))
    }
}

/// What rsync's `--stats` reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// `Total bytes sent`.
    pub bytes_sent: u64,
    /// `Number of regular files transferred`.
    pub files: u64,
}

/// Reads the two figures from rsync's `--stats` output.
pub fn parse_stats(out: &str) -> Option<Stats> {
    let figure = |label: &str| -> Option<u64> {
        let line = out.lines().find_map(|l| l.trim().strip_prefix(label))?;
        let digits: String = line
            .trim_start_matches(':')
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
            .filter(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    Some(Stats {
        bytes_sent: figure("Total bytes sent")?,
        files: figure("Number of regular files transferred")?,
    })
}

/// The `-e` command for rsync to reach `ssh`'s server: ssh with the key and strict host-key
/// checking against the file. rsync splits it on spaces, honouring quotes: the paths are
/// single-quoted.
pub(crate) fn ssh_command(s: &Ssh) -> anyhow::Result<String> {
    let quoted = |p: &Path| -> anyhow::Result<String> {
        let text = p
            .to_str()
            .context("a key or known_hosts path that is not UTF-8")?;
        if text.contains('\'') {
            bail!("{text}: a path with a single quote cannot be passed to ssh through rsync");
        }
        Ok(format!("'{text}'"))
    };
    Ok(format!(
        "ssh -p {} -i {} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile={} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o ConnectTimeout=10",
        s.port,
        quoted(&s.key_file)?,
        quoted(&s.known_hosts)?
    ))
}

/// The options every copy with rsync takes: recursive, modification times kept (rsync's
/// quick check), directory times and permissions not (the receiver's umask decides),
/// compressed, and `--stats` for the figures.
pub(crate) const COPY_OPTIONS: [&str; 5] = [
    "-rtz",
    "--omit-dir-times",
    "--no-perms",
    "--chmod=ugo=rwX",
    "--stats",
];

/// Runs the rsync binary with `args` and waits for it (killed if the future is dropped);
/// a missing binary is said so.
pub(crate) async fn run_rsync<I, A>(args: I) -> anyhow::Result<std::process::Output>
where
    I: IntoIterator<Item = A>,
    A: AsRef<std::ffi::OsStr>,
{
    tokio::process::Command::new("rsync")
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow::anyhow!("rsync is not installed (apt-get install rsync)")
            } else {
                anyhow::anyhow!("cannot run rsync: {e}")
            }
        })
}

impl RsyncChannel {
    /// Runs rsync once from `src` (a directory) with `extra` arguments; returns its stats.
    async fn rsync(&self, src: &Path, extra: &[&str], target: &str) -> anyhow::Result<Stats> {
        let mut src_arg = src.as_os_str().to_owned();
        src_arg.push("/");
        let mut args: Vec<std::ffi::OsString> = COPY_OPTIONS.iter().map(Into::into).collect();
        args.push("-e".into());
        args.push(ssh_command(&self.ssh)?.into());
        args.extend(extra.iter().map(Into::into));
        args.push(src_arg);
        args.push(target.into());
        let out = run_rsync(args).await?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            bail!(
                "rsync to {}@{}:{} failed ({}): {}",
                self.ssh.user,
                self.ssh.host,
                self.ssh.port,
                out.status,
                stderr.trim()
            );
        }
        parse_stats(&stdout).with_context(|| format!("rsync printed no --stats: {stdout}"))
    }

    async fn send(&self, job: &Job) -> anyhow::Result<Sent> {
        for (what, path) in [
            ("key_file", &self.ssh.key_file),
            ("known_hosts", &self.ssh.known_hosts),
        ] {
            if !path.is_file() {
                bail!("{what} {} is missing", path.display());
            }
        }
        let name = job.package_name();
        let target = format!(
            "{}@{}:{}/{name}/",
            self.ssh.user,
            self.ssh.host,
            self.ssh.inbox.trim_end_matches('/')
        );
        let scratch = tempfile::tempdir().context("cannot make a scratch directory")?;
        // Pass 1: content the difusor lacks, then (same pass) pointer and manifest.
        let mut list: Vec<&str> = job.content_to_send();
        list.extend(AFTER_CONTENT);
        let list_file = scratch.path().join("files-from");
        std::fs::write(&list_file, list.join("\n") + "\n")
            .with_context(|| format!("cannot write {}", list_file.display()))?;
        let files_from = format!("--files-from={}", list_file.display());
        let first = self
            .rsync(&job.corte_dir, &[files_from.as_str()], &target)
            .await?;
        // Pass 2: the markers and the signature, which make the package complete.
        let last = scratch.path().join("last");
        std::fs::create_dir(&last)?;
        std::fs::write(last.join(DELTA_MARKER), b"")?;
        std::fs::copy(
            job.corte_dir.join(SIGNATURE_PATH),
            last.join(SIGNATURE_PATH),
        )
        .with_context(|| format!("cannot read the signature of corte {}", job.sequence))?;
        std::fs::write(last.join(COMPLETE_MARKER), b"")?;
        let second = self.rsync(&last, &[], &target).await?;
        Ok(Sent {
            files: first.files + second.files,
            bytes: first.bytes_sent + second.bytes_sent,
            skipped: job.skipped(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_are_read_from_rsyncs_output() {
        let out = "\nNumber of files: 12 (reg: 9, dir: 3)\nNumber of created files: 12\nNumber of regular files transferred: 9\nTotal file size: 1,234 bytes\nTotal bytes sent: 2,345\nTotal bytes received: 210\n";
        assert_eq!(
            parse_stats(out),
            Some(Stats {
                bytes_sent: 2345,
                files: 9
            })
        );
        assert_eq!(parse_stats("nothing"), None);
    }

    #[test]
    fn key_paths_with_spaces_are_quoted_for_rsyncs_split_and_quotes_refused() {
        let mut channel = RsyncChannel {
            ssh: Ssh {
                host: "h".into(),
                port: 2222,
                user: "u".into(),
                key_file: "/mis elecciones/pue/keys/k".into(),
                known_hosts: "/mis elecciones/pue/keys/known_hosts".into(),
                inbox: "inbox".into(),
            },
        };
        let cmd = ssh_command(&channel.ssh).expect("command");
        assert!(
            cmd.contains("-p 2222 -i '/mis elecciones/pue/keys/k' "),
            "{cmd}"
        );
        assert!(
            cmd.contains("UserKnownHostsFile='/mis elecciones/pue/keys/known_hosts' "),
            "{cmd}"
        );
        assert!(cmd.contains("StrictHostKeyChecking=yes"), "{cmd}");
        channel.ssh.key_file = "/o'brien/k".into();
        assert!(ssh_command(&channel.ssh).is_err());
    }
}
