//! The node's configuration file (TOML), validated when read.

use anyhow::{Context, bail};
use prep_package::VerifyingKey;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use prep_inbox::Limits;

/// The server's limits against slow and greedy clients, and its TLS (`[server]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// A client must send a request's whole header within this time (ms), else the
    /// connection is closed (slowloris).
    #[serde(default = "ServerConfig::default_header_timeout")]
    pub header_read_timeout_ms: u64,
    /// A connection with nothing read or written for this long (ms) is closed.
    #[serde(default = "ServerConfig::default_idle_timeout")]
    pub idle_timeout_ms: u64,
    /// The most connections open at once; further clients wait in the listen queue.
    #[serde(default = "ServerConfig::default_max_connections")]
    pub max_connections: usize,
    /// Requests per second one client IP may sustain (token bucket); 0 turns the limit off.
    #[serde(default)]
    pub rate_per_second: u32,
    /// Requests one client IP may send in a burst above the sustained rate.
    #[serde(default = "ServerConfig::default_burst")]
    pub rate_burst: u32,
    /// PEM certificate chain for TLS; with `tls_key`, the server speaks HTTPS (HTTP/2 and
    /// HTTP/1.1 by ALPN) and sends HSTS.
    pub tls_certificate: Option<PathBuf>,
    /// PEM private key for TLS.
    pub tls_key: Option<PathBuf>,
}

impl ServerConfig {
    fn default_header_timeout() -> u64 {
        10_000
    }
    fn default_idle_timeout() -> u64 {
        60_000
    }
    fn default_max_connections() -> usize {
        10_000
    }
    fn default_burst() -> u32 {
        200
    }

    /// The certificate and key paths, when TLS is configured.
    pub fn tls(&self) -> Option<(&Path, &Path)> {
        Some((self.tls_certificate.as_deref()?, self.tls_key.as_deref()?))
    }
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            header_read_timeout_ms: ServerConfig::default_header_timeout(),
            idle_timeout_ms: ServerConfig::default_idle_timeout(),
            max_connections: ServerConfig::default_max_connections(),
            rate_per_second: 0,
            rate_burst: ServerConfig::default_burst(),
            tls_certificate: None,
            tls_key: None,
        }
    }
}

/// `path` with `.` and `..` resolved: the longest prefix that exists is canonicalised (links
/// followed), the rest is resolved lexically (the directories may not exist yet).
fn normalized(path: &Path) -> PathBuf {
    let mut lexical = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                lexical.pop();
            }
            std::path::Component::CurDir => {}
            other => lexical.push(other.as_os_str()),
        }
    }
    let mut existing = lexical.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return lexical,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    out.extend(rest.iter().rev());
    out
}

/// The configuration file as written (paths still relative to the file).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    public_key: Option<String>,
    public_key_file: Option<PathBuf>,
    root_key: Option<String>,
    root_key_file: Option<PathBuf>,
    inbox: PathBuf,
    data: PathBuf,
    #[serde(default = "default_listen")]
    listen: String,
    #[serde(default)]
    accept_first: bool,
    #[serde(default)]
    frame_ancestors: Vec<String>,
    #[serde(default)]
    limits: Limits,
    access_log: Option<PathBuf>,
    #[serde(default)]
    access_log_max_bytes: u64,
    #[serde(default = "default_rotation")]
    access_log_rotate: Rotation,
    #[serde(default = "default_log_keep")]
    access_log_keep: u32,
    #[serde(default)]
    server: ServerConfig,
    #[serde(default = "default_poll_ms")]
    poll_interval_ms: u64,
    export_root: Option<PathBuf>,
    pull: Option<PullConfig>,
    #[serde(default = "default_stale_after")]
    inbox_stale_after_s: u64,
    #[serde(default = "default_rejected_keep")]
    rejected_keep: usize,
    #[serde(default = "default_max_clock_ahead")]
    max_clock_ahead_s: i64,
}

fn default_max_clock_ahead() -> i64 {
    prep_package::DEFAULT_MAX_AHEAD_SECS
}

fn default_stale_after() -> u64 {
    24 * 3600
}

fn default_rejected_keep() -> usize {
    1000
}

fn default_rotation() -> Rotation {
    Rotation::Size
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}

fn default_log_keep() -> u32 {
    7
}

fn default_poll_ms() -> u64 {
    200
}

/// A validated node configuration. Relative paths in the file are resolved against the
/// file's directory.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The institute's public key: only packages it signed are published. With a root key,
    /// the online key trusted until the first delegation arrives.
    pub key: VerifyingKey,
    /// The institute's offline root key, when pinned: delegations it signs
    /// ([`prep_package::Delegation`]) say which online keys sign which cortes, and replace
    /// `key` from the first one on.
    pub root_key: Option<VerifyingKey>,
    /// Where push channels deliver packages (`inbox/<name>/`).
    pub inbox: PathBuf,
    /// The node's own data: objects, cortes, the active switch, the event log.
    pub data: PathBuf,
    /// Address the server listens on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Whether the first package ever seen may start the chain (a logged resynchronisation)
    /// without `--resync`.
    pub accept_first: bool,
    /// Origins allowed to embed the site (CSP `frame-ancestors`); empty means `'none'`.
    pub frame_ancestors: Vec<String>,
    /// Package size limits.
    pub limits: Limits,
    /// The access log (combined format); default `<data>/access.log`.
    pub access_log: PathBuf,
    /// The access log is rotated (renamed to `.1`, `.1` to `.2`, …) before it would pass
    /// this size; 0 never rotates.
    pub access_log_max_bytes: u64,
    /// `size` (default): rotated by `access_log_max_bytes`; `daily`: at the first line of
    /// each new day (UTC), whatever its size.
    pub access_log_rotate: Rotation,
    /// How many rotated access logs are kept (`.1` … `.N`).
    pub access_log_keep: u32,
    /// The server's timeouts, limits and TLS.
    pub server: ServerConfig,
    /// How often the inbox is looked at, in milliseconds.
    pub poll_interval_ms: u64,
    /// Where each activated corte is also exported as a web root for nginx or Apache
    /// (`<export_root>/current`), if anywhere.
    pub export_root: Option<PathBuf>,
    /// Where cortes are pulled from (`[pull]`), if anywhere.
    pub pull: Option<PullConfig>,
    /// A delivery left half written in the inbox (`.tmp-*`) untouched this many seconds is
    /// removed; 0 never removes one.
    pub inbox_stale_after_s: u64,
    /// At most this many refused packages are kept in `data/rejected/` (the oldest are
    /// removed); 0 keeps them all.
    pub rejected_keep: usize,
    /// How far (seconds) a corte's time or creation time may be ahead of this machine's clock
    /// (the institute's and the node's clocks differ a little); a corte further ahead is
    /// refused (`clock_ahead`). Default 300.
    pub max_clock_ahead_s: i64,
}

impl NodeConfig {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> anyhow::Result<NodeConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the node configuration {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        NodeConfig::parse(&text, base)
            .with_context(|| format!("in the node configuration {}", path.display()))
    }

    /// Parses configuration text; relative paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> anyhow::Result<NodeConfig> {
        let raw: RawConfig = toml::from_str(text)?;
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let key_text = match (&raw.public_key, &raw.public_key_file) {
            (Some(k), None) => k.clone(),
            (None, Some(f)) => {
                let f = resolve(f);
                std::fs::read_to_string(&f)
                    .with_context(|| format!("cannot read public_key_file {}", f.display()))?
            }
            _ => bail!(
                "give exactly one of public_key (the key itself, `RWQ…`) or public_key_file (a prep.pub file)"
            ),
        };
        let key = VerifyingKey::from_text(&key_text).context("public_key")?;
        let root_key = match (&raw.root_key, &raw.root_key_file) {
            (None, None) => None,
            (Some(k), None) => Some(VerifyingKey::from_text(k).context("root_key")?),
            (None, Some(f)) => {
                let f = resolve(f);
                let text = std::fs::read_to_string(&f)
                    .with_context(|| format!("cannot read root_key_file {}", f.display()))?;
                Some(VerifyingKey::from_text(&text).context("root_key_file")?)
            }
            _ => bail!("give at most one of root_key or root_key_file"),
        };
        let listen: SocketAddr = raw.listen.parse().with_context(|| {
            format!(
                "listen = {:?} is not an address with a port (`127.0.0.1:8080`, `[::]:443`)",
                raw.listen
            )
        })?;
        for origin in &raw.frame_ancestors {
            validate_frame_ancestor(origin)?;
        }
        let l = raw.limits;
        if l.max_total_bytes == 0 || l.max_files == 0 || l.max_file_bytes == 0 {
            bail!("limits must be greater than zero");
        }
        if !(10..=60_000).contains(&raw.poll_interval_ms) {
            bail!(
                "poll_interval_ms = {} must be between 10 and 60000",
                raw.poll_interval_ms
            );
        }
        let mut server = raw.server;
        validate_server(&server)?;
        server.tls_certificate = server.tls_certificate.as_deref().map(resolve);
        server.tls_key = server.tls_key.as_deref().map(resolve);
        if !(1..=1000).contains(&raw.access_log_keep) {
            bail!(
                "access_log_keep = {} must be between 1 and 1000",
                raw.access_log_keep
            );
        }
        if !(0..=366 * 86_400).contains(&raw.max_clock_ahead_s) {
            bail!(
                "max_clock_ahead_s = {} must be between 0 and 31622400 (a year)",
                raw.max_clock_ahead_s
            );
        }
        // Compared once normalised: `data/../inbox` is `inbox`, and a link is followed.
        let resolve = |p: &Path| normalized(&resolve(p));
        let inbox = resolve(&raw.inbox);
        let data = resolve(&raw.data);
        if inbox.starts_with(&data) || data.starts_with(&inbox) {
            bail!("inbox and data must be separate directories (neither inside the other)");
        }
        let export_root = raw.export_root.as_deref().map(resolve);
        if let Some(e) = &export_root
            && (e.starts_with(&data)
                || e.starts_with(&inbox)
                || data.starts_with(e)
                || inbox.starts_with(e))
        {
            bail!(
                "export_root must be a directory of its own (not inside data or inbox, nor holding them)"
            );
        }
        let access_log = raw
            .access_log
            .as_deref()
            .map_or_else(|| data.join("access.log"), resolve);
        Ok(NodeConfig {
            key,
            root_key,
            inbox,
            data,
            listen,
            accept_first: raw.accept_first,
            frame_ancestors: raw.frame_ancestors,
            limits: l,
            access_log,
            access_log_max_bytes: raw.access_log_max_bytes,
            access_log_rotate: raw.access_log_rotate,
            access_log_keep: raw.access_log_keep,
            server,
            poll_interval_ms: raw.poll_interval_ms,
            export_root,
            pull: raw.pull.map(PullConfig::validate).transpose()?,
            inbox_stale_after_s: raw.inbox_stale_after_s,
            rejected_keep: raw.rejected_keep,
            max_clock_ahead_s: raw.max_clock_ahead_s,
        })
    }

    /// The `Content-Security-Policy` header value the server sends.
    pub fn content_security_policy(&self) -> String {
        let ancestors = if self.frame_ancestors.is_empty() {
            "'none'".to_owned()
        } else {
            self.frame_ancestors.join(" ")
        };
        format!(
            "default-src 'self'; style-src 'self' {}; img-src 'self' data: https:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}",
            prep_site::notice_style_source()
        )
    }
}

fn validate_server(s: &ServerConfig) -> anyhow::Result<()> {
    for (name, ms) in [
        ("header_read_timeout_ms", s.header_read_timeout_ms),
        ("idle_timeout_ms", s.idle_timeout_ms),
    ] {
        if !(100..=3_600_000).contains(&ms) {
            bail!("[server] {name} = {ms} must be between 100 and 3600000 (milliseconds)");
        }
    }
    if s.max_connections == 0 || s.max_connections > 1_000_000 {
        bail!(
            "[server] max_connections = {} must be between 1 and 1000000",
            s.max_connections
        );
    }
    if s.rate_per_second > 0 && s.rate_burst == 0 {
        bail!("[server] rate_burst must be at least 1 when rate_per_second is set");
    }
    if s.tls_certificate.is_some() != s.tls_key.is_some() {
        bail!("[server] give both tls_certificate and tls_key (PEM files), or neither");
    }
    Ok(())
}

/// A CSP source allowed in `frame-ancestors`: `'self'`, `'none'`, or `https://host[:port]`
/// (`*.` allowed as the first label); nothing that could end the directive.
fn validate_frame_ancestor(origin: &str) -> anyhow::Result<()> {
    if origin == "'self'" || origin == "'none'" {
        return Ok(());
    }
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let ok = rest.is_some_and(|host| {
        let host = host.strip_prefix("*.").unwrap_or(host);
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
    });
    if !ok {
        bail!(
            "frame_ancestors entry {origin:?} is not 'self', 'none' or an origin like https://www.medio.mx or https://*.medio.mx"
        );
    }
    Ok(())
}

/// `[pull]` in the node's configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullConfig {
    /// The origin's base URL (`https://prep.ieepuebla.org.mx/origen/`), http or https.
    pub origin: String,
    /// How often `latest.json` is read when no event arrives, in milliseconds.
    #[serde(default = "PullConfig::default_interval")]
    pub interval_ms: u64,
    /// Whether to listen to the origin's `events` stream to fetch a corte at once (an S3
    /// bucket has none: set false).
    #[serde(default = "PullConfig::default_events")]
    pub events: bool,
    /// Each request's time limit, in milliseconds.
    #[serde(default = "PullConfig::default_timeout")]
    pub timeout_ms: u64,
}

impl PullConfig {
    fn default_interval() -> u64 {
        5_000
    }
    fn default_events() -> bool {
        true
    }
    fn default_timeout() -> u64 {
        30_000
    }

    /// Checks the values; the origin URL loses its trailing `/`.
    pub fn validate(mut self) -> anyhow::Result<PullConfig> {
        let o = self.origin.trim_end_matches('/');
        let rest = o
            .strip_prefix("https://")
            .or_else(|| o.strip_prefix("http://"));
        match rest {
            Some(r) if !r.is_empty() && !r.contains(['?', '#', ' ']) => {}
            _ => bail!(
                "[pull] origin = {:?} must be an http:// or https:// URL without query (`https://prep.example.mx/origen`)",
                self.origin
            ),
        }
        self.origin = o.to_owned();
        if !(100..=3_600_000).contains(&self.interval_ms) {
            bail!(
                "[pull] interval_ms = {} must be between 100 and 3600000",
                self.interval_ms
            );
        }
        if !(100..=600_000).contains(&self.timeout_ms) {
            bail!(
                "[pull] timeout_ms = {} must be between 100 and 600000",
                self.timeout_ms
            );
        }
        Ok(self)
    }
}

/// When the access log is rotated (`access_log_rotate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rotation {
    /// Before a line would take the log past `access_log_max_bytes` (0: never).
    Size,
    /// At the first line of each new day (UTC, as the log's times are).
    Daily,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> String {
        let (pk, _) = prep_package::generate_keys(None).expect("keys");
        VerifyingKey::from_text(&pk).expect("key").to_base64()
    }

    fn parse(extra: &str) -> anyhow::Result<NodeConfig> {
        let key = key();
        NodeConfig::parse(
            &format!("public_key = \"{key}\"\ninbox = \"in\"\ndata = \"/srv/prep\"\n{extra}"),
            Path::new("/etc/prep"),
        )
    }

    #[test]
    fn defaults_and_paths() {
        let c = parse("").expect("config");
        assert_eq!(c.inbox, Path::new("/etc/prep/in"));
        assert_eq!(c.data, Path::new("/srv/prep"));
        assert_eq!(c.access_log, Path::new("/srv/prep/access.log"));
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(!c.accept_first);
        assert_eq!(c.limits, Limits::default());
        assert_eq!(c.server, ServerConfig::default());
        assert_eq!((c.access_log_max_bytes, c.access_log_keep), (0, 7));
        assert!(
            c.content_security_policy()
                .ends_with("frame-ancestors 'none'")
        );
        let c = parse(
            "frame_ancestors = [\"'self'\", \"https://*.medio.mx\"]\n[limits]\nmax_files = 7",
        )
        .expect("config");
        assert_eq!(c.limits.max_files, 7);
        assert!(
            c.content_security_policy()
                .ends_with("frame-ancestors 'self' https://*.medio.mx")
        );
    }

    #[test]
    fn dot_dot_does_not_get_past_the_separation_of_directories() {
        let key = key();
        let with = |inbox: &str, export: &str| {
            NodeConfig::parse(
                &format!(
                    "public_key = \"{key}\"\ninbox = \"{inbox}\"\ndata = \"/srv/prep\"\nexport_root = \"{export}\"\n"
                ),
                Path::new("/etc/prep"),
            )
        };
        let inbox_inside = with("/srv/x/../prep/inbox", "/var/www/prep");
        assert!(
            format!("{:#}", inbox_inside.expect_err("inside")).contains("separate directories")
        );
        let export_inside = with("/srv/inbox", "/var/www/../../srv/prep/www");
        assert!(
            format!("{:#}", export_inside.expect_err("inside"))
                .contains("export_root must be a directory of its own")
        );
        let fine = with("/srv/x/../inbox", "/var/www/./prep").expect("separate");
        assert_eq!(fine.inbox, Path::new("/srv/inbox"));
        assert_eq!(
            fine.export_root.as_deref(),
            Some(Path::new("/var/www/prep"))
        );
    }

    #[test]
    fn precise_errors() {
        let err = |extra: &str| format!("{:#}", parse(extra).expect_err(extra));
        assert!(err("colour = 1").contains("unknown field `colour`"));
        assert!(err("listen = \"localhost\"").contains("not an address with a port"));
        assert!(
            err("frame_ancestors = [\"https://a.mx; script-src *\"]").contains("frame_ancestors")
        );
        assert!(err("[limits]\nmax_files = 0").contains("greater than zero"));
        assert!(err("[server]\nidle_timeout_ms = 5").contains("idle_timeout_ms = 5 must be"));
        assert!(err("[server]\nmax_connections = 0").contains("max_connections"));
        assert!(err("[server]\ntls_key = \"k.pem\"").contains("both tls_certificate and tls_key"));
        assert!(err("access_log_keep = 0").contains("access_log_keep"));
        let c = parse(
            "[server]\ntls_certificate = \"c.pem\"\ntls_key = \"/k.pem\"\nrate_per_second = 5",
        )
        .expect("tls");
        assert_eq!(
            c.server.tls(),
            Some((Path::new("/etc/prep/c.pem"), Path::new("/k.pem")))
        );
        assert_eq!((c.server.rate_per_second, c.server.rate_burst), (5, 200));
        assert!(err("[limits]\nmax_filez = 1").contains("unknown field `max_filez`"));
        let both =
            NodeConfig::parse("inbox = \"a\"\ndata = \"b\"", Path::new("/")).expect_err("no key");
        assert!(format!("{both:#}").contains("exactly one of public_key"));
        let nested = NodeConfig::parse(
            &format!("public_key = \"{}\"\ninbox = \"d/in\"\ndata = \"d\"", key()),
            Path::new("/"),
        )
        .expect_err("nested");
        assert!(format!("{nested:#}").contains("separate directories"));
        assert!(err("export_root = \"/srv/prep/www\"").contains("export_root"));
        let c = parse("export_root = \"www\"").expect("config");
        assert_eq!(c.export_root.as_deref(), Some(Path::new("/etc/prep/www")));
    }
}
