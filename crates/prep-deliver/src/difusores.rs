//! `difusores.toml`: the difusores an election delivers to, each with its channel. Parsed and
//! validated here (pure: no file is opened but the one given); every error names the difusor,
//! the key and what to write instead.
//!
//! ```toml
//! [[difusor]]
//! id = "medio-a"                    # [a-z0-9-], 1-63 characters, unique
//! name = "Medio A"
//! url = "https://prep.medio-a.mx/"  # its public site (http or https)
//! enabled = true
//! suspended = false                 # optional; the monitor sets it
//! timeout_seconds = 60              # optional: one attempt's limit (1-3600)
//! retries = 3                       # optional: attempts after the first (0-10)
//!
//! [difusor.channel]
//! kind = "sftp"                     # dir | sftp | rsync | s3 | pull, or a publication folder:
//!                                   # dir-folder | sftp-folder | rsync-folder | rsyncd-folder | ftps-folder
//! host = "sftp.medio-a.mx"
//! port = 22
//! user = "prep"
//! key_file = "keys/medio-a"         # relative to the election directory
//! known_hosts = "keys/known_hosts"
//! inbox = "inbox"                   # the node's inbox as the server sees it
//! ```
//!
//! A difusor without a node gets its cortes straight into the folder its web server
//! publishes (`docs/publication-folder.md`): `sftp-folder` and `rsync-folder` take the keys of
//! `sftp` and `rsync` with `folder` (the publication folder as the server shows it) in place
//! of `inbox`; `dir-folder` takes only `folder` (a web root on this machine, or a share
//! mounted here, relative to the election directory);
//!
//! ```toml
//! [difusor.channel]
//! kind = "rsyncd-folder"            # the difusor's rsync daemon
//! host = "rsync.medio-b.mx"
//! port = 873
//! module = "prep"
//! folder = ""                       # inside the module; "" is its root
//! user = "ieepue"
//! password_file = "keys/medio-b.rsync"   # mode 600
//!
//! [difusor.channel]
//! kind = "ftps-folder"              # FTP over explicit TLS (AUTH TLS), TLS required
//! host = "ftp.medio-c.mx"
//! port = 21
//! user = "ieepue"
//! password_file = "keys/medio-c.ftp"
//! folder = "/www"
//! ca_file = "keys/medio-c-ca.pem"   # optional: trust this authority, not the system's
//! plain_ftp = false                 # true: plain FTP, password in clear (warned)
//! ```

use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The file's name in the election directory.
pub const DIFUSORES_FILE: &str = "difusores.toml";
/// One attempt's limit when the file gives none.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 60;
/// Attempts after the first when the file gives none.
pub const DEFAULT_RETRIES: u32 = 3;

/// A difusor: who they are, where their public site is, how packages reach them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difusor {
    /// Short identifier, `[a-z0-9-]`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The public site's URL.
    pub url: String,
    /// Whether deliveries are made to it at all.
    pub enabled: bool,
    /// Suspended by the monitor: no delivery until reinstated.
    pub suspended: bool,
    /// One attempt's limit, seconds.
    pub timeout_seconds: u64,
    /// Attempts after the first.
    pub retries: u32,
    /// How packages reach it.
    pub channel: Channel,
}

impl Difusor {
    /// Whether it receives deliveries (enabled and not suspended).
    pub fn receives(&self) -> bool {
        self.enabled && !self.suspended
    }
}

/// A channel's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// A local directory: the node's inbox on this machine.
    Dir {
        /// The inbox (resolved against the election directory).
        inbox: PathBuf,
    },
    /// SFTP to the difusor's OpenSSH server.
    Sftp(Ssh),
    /// rsync over SSH.
    Rsync(Ssh),
    /// Upload to S3-compatible storage in the origin layout.
    S3(S3),
    /// Nothing is pushed: the difusor's node pulls from the origin.
    Pull,
    /// A publication folder on this machine (a web root, or a share mounted here).
    DirFolder {
        /// The folder (resolved against the election directory).
        folder: PathBuf,
    },
    /// A publication folder over SFTP (`ssh.inbox` is empty: the folder is `folder`).
    SftpFolder {
        /// Where and as whom.
        ssh: Ssh,
        /// The publication folder as the server shows it.
        folder: String,
    },
    /// A publication folder written with rsync over SSH.
    RsyncFolder {
        /// Where and as whom.
        ssh: Ssh,
        /// The publication folder as the server shows it.
        folder: String,
    },
    /// A publication folder in a module of the difusor's rsync daemon.
    RsyncdFolder(RsyncDaemon),
    /// A publication folder on an FTP server over explicit TLS.
    FtpsFolder(FtpsSettings),
}

impl Channel {
    /// The `kind` as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Channel::Dir { .. } => "dir",
            Channel::Sftp(_) => "sftp",
            Channel::Rsync(_) => "rsync",
            Channel::S3(_) => "s3",
            Channel::Pull => "pull",
            Channel::DirFolder { .. } => "dir-folder",
            Channel::SftpFolder { .. } => "sftp-folder",
            Channel::RsyncFolder { .. } => "rsync-folder",
            Channel::RsyncdFolder(_) => "rsyncd-folder",
            Channel::FtpsFolder(_) => "ftps-folder",
        }
    }
}

/// An SSH destination (sftp and rsync).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ssh {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    #[serde(default = "default_ssh_port")]
    pub port: u16,
    /// The account on the server.
    pub user: String,
    /// The private key (OpenSSH format, unencrypted), resolved against the election directory.
    pub key_file: PathBuf,
    /// The known_hosts file holding the server's host key, resolved likewise.
    pub known_hosts: PathBuf,
    /// The node's inbox as the server sees it (relative to the login or chroot directory).
    pub inbox: String,
}

/// Where and as whom, on an rsync daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsyncDaemon {
    /// The server's host name or address.
    pub host: String,
    /// Its port (873 usually).
    pub port: u16,
    /// The daemon's module (`[prep]` in its rsyncd.conf).
    pub module: String,
    /// The folder inside the module (empty: the module's root).
    pub folder: String,
    /// The user the module's `auth users` names.
    pub user: String,
    /// A file holding the user's password (mode 600: rsync refuses one others can read).
    pub password_file: PathBuf,
}

/// An FTP server over explicit TLS, where and as whom (`ftps-folder`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpsSettings {
    /// The server's host name (checked against its certificate) or address.
    pub host: String,
    /// Its port (21 usually).
    pub port: u16,
    /// The account.
    pub user: String,
    /// A file holding the account's password (its first line), readable by the institute
    /// only.
    pub password_file: PathBuf,
    /// The publication folder as the account sees it (`/www`).
    pub folder: String,
    /// A PEM file of the certificate authority to trust instead of the system's roots (a
    /// difusor with its own authority, or a test).
    pub ca_file: Option<PathBuf>,
    /// Plain FTP: the password and every file in clear. Only when the difusor's entry asks
    /// for it explicitly.
    pub insecure_plain: bool,
    /// How long connecting and each command may take.
    pub timeout: std::time::Duration,
}

fn default_ssh_port() -> u16 {
    22
}

/// An S3-compatible bucket.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3 {
    /// The service's URL (`http://127.0.0.1:9000`); AWS's when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The bucket.
    pub bucket: String,
    /// The region.
    #[serde(default = "default_region")]
    pub region: String,
    /// A key prefix under which the layout is written (no leading or trailing `/`).
    #[serde(default)]
    pub prefix: Option<String>,
    /// A TOML file with `access_key_id` and `secret_access_key` (resolved against the election
    /// directory; keep it out of `difusores.toml`); without it, the environment's
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    #[serde(default)]
    pub credentials_file: Option<PathBuf>,
}

fn default_region() -> String {
    "us-east-1".into()
}

/// An error in the file: where and what.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct DifusoresError {
    /// The file.
    pub file: String,
    /// What is wrong, naming the difusor and the key.
    pub problem: ParseError,
}

/// What is wrong with the file's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The file cannot be read.
    #[error("cannot read it: {0} (write one as docs/election-directory.md shows)")]
    Unreadable(String),
    /// Not TOML, or not the file's tables and keys (toml's message, with the line).
    #[error("{0}")]
    Toml(String),
    /// One difusor's entry is wrong; `at` names it (`difusor "id"`, or `difusor #n` without id).
    #[error("{at}: {problem}")]
    Difusor {
        /// The difusor.
        at: String,
        /// What is wrong, naming the key.
        problem: DifusorProblem,
    },
    /// Two difusores share an id.
    #[error("{at}: id is used twice; give each difusor its own id")]
    DuplicateId {
        /// The second difusor with it.
        at: String,
    },
}

/// What is wrong with one key of a difusor, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DifusorProblem {
    /// `id` is not a short identifier.
    #[error("id: {0:?} is not valid; write 1-63 characters of a-z, 0-9 and '-' (not first)")]
    Id(String),
    /// `name` is empty, too long or spans lines.
    #[error("name: write the difusor's name (1-200 characters, one line)")]
    Name,
    /// A URL key is not an http(s) URL.
    #[error("{key}: {url:?} is not an http(s) URL; write one like \"https://prep.medio.mx/\"")]
    Url {
        /// The key (`url`, `channel.endpoint`).
        key: &'static str,
        /// What it holds.
        url: String,
    },
    /// `timeout_seconds` out of range.
    #[error("timeout_seconds: {0} is out of range; write 1 to 3600")]
    Timeout(u64),
    /// `retries` too many.
    #[error("retries: {0} is too many; write 0 to 10")]
    Retries(u32),
    /// `channel.kind` is not a string.
    #[error(
        "channel.kind: write a string: \"dir\", \"sftp\", \"rsync\", \"s3\", \"pull\", \"dir-folder\", \"sftp-folder\", \"rsync-folder\", \"rsyncd-folder\" or \"ftps-folder\""
    )]
    KindNotString,
    /// `channel.kind` is missing.
    #[error(
        "channel.kind is missing: write kind = \"dir\", \"sftp\", \"rsync\", \"s3\", \"pull\", \"sftp-folder\", \"rsync-folder\", \"rsyncd-folder\" or \"ftps-folder\""
    )]
    KindMissing,
    /// `channel.kind` names no channel.
    #[error(
        "channel.kind: {0:?} is not a channel; write \"dir\", \"sftp\", \"rsync\", \"s3\", \"pull\", \"sftp-folder\", \"rsync-folder\", \"rsyncd-folder\" or \"ftps-folder\""
    )]
    KindUnknown(String),
    /// The channel's keys are not its kind's (toml's message).
    #[error("channel ({kind}): {message}")]
    Settings {
        /// The channel's kind.
        kind: String,
        /// What toml found.
        message: String,
    },
    /// A dir channel without its inbox.
    #[error("channel.inbox: write the node's inbox directory")]
    DirInbox,
    /// A dir-folder channel without its folder.
    #[error("channel.folder: write the publication folder's directory")]
    DirFolder,
    /// A value that reaches a command line looks like an option or carries quotes or spaces.
    #[error(
        "channel.{key}: {value:?} is not valid; write {what} (no spaces, quotes or leading '-')"
    )]
    NotPlain {
        /// The key.
        key: &'static str,
        /// What it holds.
        value: String,
        /// What to write.
        what: &'static str,
    },
    /// `channel.host` carries a port, user or path.
    #[error("channel.host: {0:?} must be a bare host name or IPv4 address")]
    Host(String),
    /// `channel.port` is 0.
    #[error("channel.port: write a port from 1 to 65535")]
    Port,
    /// `channel.user` is not an account name.
    #[error("channel.user: {0:?} is not an account name; write letters, digits, '.', '_', '-'")]
    User(String),
    /// A path key is not UTF-8.
    #[error("channel.{0}: not UTF-8")]
    NotUtf8(&'static str),
    /// `channel.inbox` climbs out with `..`.
    #[error("channel.inbox: {0:?} must not contain '..'")]
    InboxClimbs(String),
    /// `channel.bucket` is not a bucket name.
    #[error(
        "channel.bucket: {0:?} is not a bucket name; write 3-63 characters of a-z, 0-9, '-', '.'"
    )]
    Bucket(String),
    /// `channel.region` is empty or has spaces.
    #[error("channel.region: write a region such as \"us-east-1\"")]
    Region,
    /// `channel.folder` climbs out with `..` or is not a plain path.
    #[error("channel.folder: {0:?} must be a plain path on the server, without '..'")]
    Folder(String),
    /// `channel.module` is not an rsync module name.
    #[error("channel.module: {0:?} is not a module name; write letters, digits, '.', '_', '-'")]
    Module(String),
    /// `channel.prefix` is not a key prefix.
    #[error(
        "channel.prefix: {0:?} is not valid; write path segments like \"prep/2024\" (no leading or trailing '/', no '..')"
    )]
    Prefix(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    difusor: Vec<RawDifusor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDifusor {
    id: String,
    name: String,
    url: String,
    enabled: bool,
    #[serde(default)]
    suspended: bool,
    #[serde(default)]
    timeout_seconds: Option<u64>,
    #[serde(default)]
    retries: Option<u32>,
    channel: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDir {
    inbox: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirFolder {
    folder: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPull {}

/// `sftp-folder` and `rsync-folder`: an SSH login and the folder.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSshFolder {
    host: String,
    #[serde(default = "default_ssh_port")]
    port: u16,
    user: String,
    key_file: PathBuf,
    known_hosts: PathBuf,
    folder: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRsyncd {
    host: String,
    #[serde(default = "default_rsyncd_port")]
    port: u16,
    module: String,
    #[serde(default)]
    folder: String,
    user: String,
    password_file: PathBuf,
}

fn default_rsyncd_port() -> u16 {
    873
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFtps {
    host: String,
    #[serde(default = "default_ftp_port")]
    port: u16,
    user: String,
    password_file: PathBuf,
    folder: String,
    #[serde(default)]
    ca_file: Option<PathBuf>,
    #[serde(default)]
    plain_ftp: bool,
}

fn default_ftp_port() -> u16 {
    21
}

/// Reads and validates `<election_dir>/difusores.toml`; relative paths are resolved against
/// the election directory.
pub fn load(election_dir: &Path) -> Result<Vec<Difusor>, DifusoresError> {
    let path = election_dir.join(DIFUSORES_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| DifusoresError {
        file: path.display().to_string(),
        problem: ParseError::Unreadable(e.to_string()),
    })?;
    parse(&text, election_dir).map_err(|problem| DifusoresError {
        file: path.display().to_string(),
        problem,
    })
}

/// Parses and validates the file's text; relative paths are resolved against `base`.
pub fn parse(text: &str, base: &Path) -> Result<Vec<Difusor>, ParseError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| ParseError::Toml(e.to_string()))?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.difusor.len());
    for (n, d) in raw.difusor.into_iter().enumerate() {
        let at = if d.id.is_empty() {
            format!("difusor #{}", n + 1)
        } else {
            format!("difusor {:?}", d.id)
        };
        let difusor = match validate(d, base) {
            Ok(d) => d,
            Err(problem) => return Err(ParseError::Difusor { at, problem }),
        };
        if !seen.insert(difusor.id.clone()) {
            return Err(ParseError::DuplicateId { at });
        }
        out.push(difusor);
    }
    Ok(out)
}

fn validate(d: RawDifusor, base: &Path) -> Result<Difusor, DifusorProblem> {
    check_id(&d.id)?;
    if d.name.trim().is_empty() || d.name.len() > 200 || d.name.chars().any(char::is_control) {
        return Err(DifusorProblem::Name);
    }
    check_url("url", &d.url)?;
    let timeout_seconds = d.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    if !(1..=3600).contains(&timeout_seconds) {
        return Err(DifusorProblem::Timeout(timeout_seconds));
    }
    let retries = d.retries.unwrap_or(DEFAULT_RETRIES);
    if retries > 10 {
        return Err(DifusorProblem::Retries(retries));
    }
    let channel = channel(d.channel, base)?;
    Ok(Difusor {
        id: d.id,
        name: d.name,
        url: d.url,
        enabled: d.enabled,
        suspended: d.suspended,
        timeout_seconds,
        retries,
        channel,
    })
}

fn channel(mut table: toml::Table, base: &Path) -> Result<Channel, DifusorProblem> {
    let kind = match table.remove("kind") {
        Some(toml::Value::String(k)) => k,
        Some(_) => return Err(DifusorProblem::KindNotString),
        None => return Err(DifusorProblem::KindMissing),
    };
    let settings = toml::Value::Table(table);
    let typed = |e: toml::de::Error| DifusorProblem::Settings {
        kind: kind.clone(),
        message: e.message().to_owned(),
    };
    match kind.as_str() {
        "dir" => {
            let d: RawDir = settings.try_into().map_err(typed)?;
            if d.inbox.as_os_str().is_empty() {
                return Err(DifusorProblem::DirInbox);
            }
            Ok(Channel::Dir {
                inbox: base.join(d.inbox),
            })
        }
        "dir-folder" => {
            let d: RawDirFolder = settings.try_into().map_err(typed)?;
            if d.folder.as_os_str().is_empty() {
                return Err(DifusorProblem::DirFolder);
            }
            Ok(Channel::DirFolder {
                folder: base.join(d.folder),
            })
        }
        "sftp" | "rsync" => {
            let mut s: Ssh = settings.try_into().map_err(typed)?;
            check_ssh(&s)?;
            s.key_file = base.join(&s.key_file);
            s.known_hosts = base.join(&s.known_hosts);
            Ok(if kind == "sftp" {
                Channel::Sftp(s)
            } else {
                Channel::Rsync(s)
            })
        }
        "s3" => {
            let mut s: S3 = settings.try_into().map_err(typed)?;
            check_s3(&s)?;
            s.credentials_file = s.credentials_file.map(|f| base.join(f));
            Ok(Channel::S3(s))
        }
        "pull" => {
            let _: RawPull = settings.try_into().map_err(typed)?;
            Ok(Channel::Pull)
        }
        "sftp-folder" | "rsync-folder" => {
            let r: RawSshFolder = settings.try_into().map_err(typed)?;
            let ssh = Ssh {
                host: r.host,
                port: r.port,
                user: r.user,
                key_file: r.key_file,
                known_hosts: r.known_hosts,
                inbox: String::new(),
            };
            check_login(&ssh)?;
            check_folder(&r.folder, false)?;
            let ssh = Ssh {
                key_file: base.join(&ssh.key_file),
                known_hosts: base.join(&ssh.known_hosts),
                ..ssh
            };
            Ok(if kind == "sftp-folder" {
                Channel::SftpFolder {
                    ssh,
                    folder: r.folder,
                }
            } else {
                Channel::RsyncFolder {
                    ssh,
                    folder: r.folder,
                }
            })
        }
        "rsyncd-folder" => {
            let r: RawRsyncd = settings.try_into().map_err(typed)?;
            check_host_port(&r.host, r.port)?;
            check_user(&r.user)?;
            let module_ok = !r.module.is_empty()
                && r.module
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !module_ok {
                return Err(DifusorProblem::Module(r.module));
            }
            check_folder(&r.folder, true)?;
            check_path("password_file", &r.password_file)?;
            Ok(Channel::RsyncdFolder(RsyncDaemon {
                host: r.host,
                port: r.port,
                module: r.module,
                folder: r.folder,
                user: r.user,
                password_file: base.join(r.password_file),
            }))
        }
        "ftps-folder" => {
            let r: RawFtps = settings.try_into().map_err(typed)?;
            check_host_port(&r.host, r.port)?;
            check_user(&r.user)?;
            check_folder(&r.folder, false)?;
            check_path("password_file", &r.password_file)?;
            if let Some(ca) = &r.ca_file {
                check_path("ca_file", ca)?;
            }
            Ok(Channel::FtpsFolder(FtpsSettings {
                host: r.host,
                port: r.port,
                user: r.user,
                password_file: base.join(r.password_file),
                folder: r.folder,
                ca_file: r.ca_file.map(|f| base.join(f)),
                insecure_plain: r.plain_ftp,
                timeout: std::time::Duration::from_secs(30),
            }))
        }
        _ => Err(DifusorProblem::KindUnknown(kind.clone())),
    }
}

fn check_id(id: &str) -> Result<(), DifusorProblem> {
    let ok = (1..=63).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(DifusorProblem::Id(id.to_owned()))
    }
}

fn check_url(key: &'static str, url: &str) -> Result<(), DifusorProblem> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    match host {
        Some(h)
            if !h.is_empty()
                && !h.contains('@')
                && !url.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(())
        }
        _ => Err(DifusorProblem::Url {
            key,
            url: url.to_owned(),
        }),
    }
}

/// A value that reaches a command line (ssh, rsync) must not look like an option nor carry
/// whitespace, quotes or control characters.
fn plain(key: &'static str, value: &str, what: &'static str) -> Result<(), DifusorProblem> {
    if value.is_empty()
        || value.starts_with('-')
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "'\"\\`$;".contains(c))
    {
        return Err(DifusorProblem::NotPlain {
            key,
            value: value.to_owned(),
            what,
        });
    }
    Ok(())
}

fn check_ssh(s: &Ssh) -> Result<(), DifusorProblem> {
    check_login(s)?;
    plain("inbox", &s.inbox, "the inbox path on the server")?;
    if s.inbox.split('/').any(|c| c == "..") {
        return Err(DifusorProblem::InboxClimbs(s.inbox.clone()));
    }
    Ok(())
}

/// The host, port, user and key files of an SSH login.
fn check_login(s: &Ssh) -> Result<(), DifusorProblem> {
    check_host_port(&s.host, s.port)?;
    check_user(&s.user)?;
    for (key, path) in [("key_file", &s.key_file), ("known_hosts", &s.known_hosts)] {
        check_path(key, path)?;
    }
    Ok(())
}

fn check_host_port(host: &str, port: u16) -> Result<(), DifusorProblem> {
    plain("host", host, "a host name or address")?;
    if host.contains([':', '@', '/']) {
        return Err(DifusorProblem::Host(host.to_owned()));
    }
    if port == 0 {
        return Err(DifusorProblem::Port);
    }
    Ok(())
}

fn check_user(user: &str) -> Result<(), DifusorProblem> {
    let user_ok = user
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !user_ok || user.is_empty() || user.starts_with('-') {
        return Err(DifusorProblem::User(user.to_owned()));
    }
    Ok(())
}

fn check_path(key: &'static str, path: &Path) -> Result<(), DifusorProblem> {
    let text = path.to_str().ok_or(DifusorProblem::NotUtf8(key))?;
    plain(key, text, "a file path")
}

/// A publication folder on the server: plain, no `..`, nothing rsync or FTP reads as a
/// host or an option; empty only where `may_be_empty` (an rsync module's root).
fn check_folder(folder: &str, may_be_empty: bool) -> Result<(), DifusorProblem> {
    if folder.is_empty() && may_be_empty {
        return Ok(());
    }
    plain("folder", folder, "the publication folder on the server")?;
    if folder.contains(':') || folder.split('/').any(|c| c == "..") {
        return Err(DifusorProblem::Folder(folder.to_owned()));
    }
    Ok(())
}

fn check_s3(s: &S3) -> Result<(), DifusorProblem> {
    if let Some(e) = &s.endpoint {
        check_url("channel.endpoint", e)?;
    }
    let bucket_ok = (3..=63).contains(&s.bucket.len())
        && s.bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b));
    if !bucket_ok {
        return Err(DifusorProblem::Bucket(s.bucket.clone()));
    }
    if s.region.is_empty() || s.region.chars().any(|c| c.is_whitespace()) {
        return Err(DifusorProblem::Region);
    }
    if let Some(p) = &s.prefix {
        let bad = p.is_empty()
            || p.starts_with('/')
            || p.ends_with('/')
            || p.split('/').any(|c| c.is_empty() || c == "." || c == "..")
            || p.chars().any(|c| c.is_control() || c.is_whitespace());
        if bad {
            return Err(DifusorProblem::Prefix(p.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[difusor]]
id = "medio-a"
name = "Medio A"
url = "https://prep.medio-a.mx/"
enabled = true
[difusor.channel]
kind = "sftp"
host = "127.0.0.1"
port = 2222
user = "prep"
key_file = "keys/a"
known_hosts = "keys/known_hosts"
inbox = "inbox"

[[difusor]]
id = "uni-b"
name = "Universidad B"
url = "http://prep.uni-b.mx"
enabled = false
retries = 0
[difusor.channel]
kind = "dir"
inbox = "/srv/b/inbox"

[[difusor]]
id = "cdn"
name = "CDN"
url = "https://cdn.example.mx/"
enabled = true
suspended = true
[difusor.channel]
kind = "s3"
endpoint = "http://127.0.0.1:9000"
bucket = "prep-2024"

[[difusor]]
id = "pull-c"
name = "C"
url = "https://c.mx/"
enabled = true
[difusor.channel]
kind = "pull"
"#;

    fn err(text: &str) -> String {
        parse(text, Path::new("/e"))
            .expect_err("refused")
            .to_string()
    }

    fn one(channel: &str, extra: &str) -> String {
        format!(
            "[[difusor]]\nid = \"x\"\nname = \"X\"\nurl = \"https://x.mx/\"\nenabled = true\n{extra}\n[difusor.channel]\n{channel}\n"
        )
    }

    #[test]
    fn a_good_file_parses_with_paths_resolved_and_defaults() {
        let d = parse(GOOD, Path::new("/e")).expect("parses");
        assert_eq!(d.len(), 4);
        assert_eq!(d[0].timeout_seconds, DEFAULT_TIMEOUT_SECONDS);
        assert_eq!(d[0].retries, DEFAULT_RETRIES);
        let Channel::Sftp(s) = &d[0].channel else {
            panic!("sftp")
        };
        assert_eq!(s.port, 2222);
        assert_eq!(s.key_file, Path::new("/e/keys/a"));
        assert!(d[0].receives());
        assert!(!d[1].receives(), "disabled");
        assert_eq!(d[1].retries, 0);
        assert!(!d[2].receives(), "suspended");
        let Channel::S3(s3) = &d[2].channel else {
            panic!("s3")
        };
        assert_eq!(s3.region, "us-east-1");
        assert_eq!(d[3].channel, Channel::Pull);
    }

    #[test]
    fn errors_name_the_difusor_the_key_and_what_to_write() {
        let e = err(&one("kind = \"ftp\"", ""));
        assert!(
            e.contains("difusor \"x\"") && e.contains("channel.kind") && e.contains("\"sftp\""),
            "{e}"
        );
        let e = err(&one("inbox = \"i\"", ""));
        assert!(e.contains("channel.kind is missing"), "{e}");
        let e = err(&one("kind = \"dir\"\ninbox = \"i\"\nport = 1", ""));
        assert!(e.contains("channel (dir)") && e.contains("port"), "{e}");
        let e = err(&one(
            "kind = \"rsync\"\nhost = \"-oProxyCommand=x\"\nuser = \"u\"\nkey_file = \"k\"\nknown_hosts = \"h\"\ninbox = \"i\"",
            "",
        ));
        assert!(
            e.contains("channel.host") && e.contains("leading '-'"),
            "{e}"
        );
        let e = err(&one(
            "kind = \"sftp\"\nhost = \"h\"\nuser = \"u\"\nkey_file = \"k\"\nknown_hosts = \"h\"\ninbox = \"../etc\"",
            "",
        ));
        assert!(e.contains("channel.inbox") && e.contains(".."), "{e}");
        let e = err(&one("kind = \"s3\"\nbucket = \"B\"", ""));
        assert!(e.contains("channel.bucket"), "{e}");
        let e = err(&one("kind = \"pull\"", "timeout_seconds = 0"));
        assert!(
            e.contains("timeout_seconds") && e.contains("1 to 3600"),
            "{e}"
        );
        let e = err(&one("kind = \"pull\"", "colour = 1"));
        assert!(e.contains("colour"), "{e}");
        let e = err(&one("kind = \"pull\"", "").replace("https://x.mx/", "ftp://x"));
        assert!(e.contains("url") && e.contains("https://"), "{e}");
        let e = err(&one("kind = \"pull\"", "").replace("id = \"x\"", "id = \"Medio A\""));
        assert!(e.contains("id:") && e.contains("a-z"), "{e}");
        let twice = format!(
            "{}{}",
            one("kind = \"pull\"", ""),
            one("kind = \"pull\"", "")
        );
        let e = err(&twice);
        assert!(e.contains("used twice"), "{e}");
    }

    #[test]
    fn publication_folders_parse_with_paths_resolved_and_hostile_values_refused() {
        let sftp = one(
            "kind = \"sftp-folder\"\nhost = \"sftp.medio.mx\"\nuser = \"prep\"\nkey_file = \"keys/k\"\nknown_hosts = \"keys/kh\"\nfolder = \"/www\"",
            "",
        );
        let d = parse(&sftp, Path::new("/e")).expect("parses");
        let Channel::SftpFolder { ssh, folder } = &d[0].channel else {
            panic!("sftp-folder: {:?}", d[0].channel)
        };
        assert_eq!((ssh.port, folder.as_str()), (22, "/www"));
        assert_eq!(ssh.key_file, Path::new("/e/keys/k"));
        assert_eq!(d[0].channel.kind(), "sftp-folder");

        let rsyncd = one(
            "kind = \"rsyncd-folder\"\nhost = \"rsync.medio.mx\"\nmodule = \"prep\"\nuser = \"ieepue\"\npassword_file = \"keys/p\"",
            "",
        );
        let d = parse(&rsyncd, Path::new("/e")).expect("parses");
        let Channel::RsyncdFolder(r) = &d[0].channel else {
            panic!("rsyncd-folder")
        };
        assert_eq!((r.port, r.folder.as_str()), (873, ""));
        assert_eq!(r.password_file, Path::new("/e/keys/p"));

        let ftps = one(
            "kind = \"ftps-folder\"\nhost = \"ftp.medio.mx\"\nuser = \"ieepue\"\npassword_file = \"keys/f\"\nfolder = \"/www\"\nca_file = \"keys/ca.pem\"",
            "",
        );
        let d = parse(&ftps, Path::new("/e")).expect("parses");
        let Channel::FtpsFolder(f) = &d[0].channel else {
            panic!("ftps-folder")
        };
        assert_eq!(
            (f.port, f.insecure_plain),
            (21, false),
            "TLS unless asked otherwise"
        );
        assert_eq!(f.ca_file.as_deref(), Some(Path::new("/e/keys/ca.pem")));

        for (text, says) in [
            (
                sftp.replace("\"/www\"", "\"/www/../etc\""),
                "channel.folder",
            ),
            (sftp.replace("\"/www\"", "\"h:/www\""), "channel.folder"),
            (
                sftp.replace("folder = \"/www\"", "inbox = \"/www\""),
                "channel (sftp-folder)",
            ),
            (
                rsyncd.replace("\"prep\"", "\"prep/../x\""),
                "channel.module",
            ),
            (ftps.replace("\"/www\"", "\"-www\""), "channel.folder"),
            (
                ftps.replace("\"ftp.medio.mx\"", "\"u@ftp.medio.mx\""),
                "channel.host",
            ),
        ] {
            let e = err(&text);
            assert!(e.contains(says), "{says}: {e}");
        }
    }
}
