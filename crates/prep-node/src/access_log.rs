//! The access log in the standard combined format (as Apache and nginx write it, and as
//! GoAccess and AWStats read it), one line per request:
//!
//! ```text
//! 203.0.113.7 - - [04/Jun/2024:02:00:00 +0000] "GET /json/main.json HTTP/1.1" 200 211 "-" "Mozilla/5.0"
//! ```

use anyhow::Context;
use axum::extract::Request;
use axum::http::header;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The access log file, appended one whole line per write, rotated by size: before a line
/// would take it past `max_bytes`, `access.log.N-1` becomes `.N`, …, `access.log` becomes
/// `.1` and a new file is opened, all under the writer's lock, so no line is lost or split.
#[derive(Debug)]
pub struct AccessLog {
    path: PathBuf,
    max_bytes: u64,
    keep: u32,
    file: Mutex<Open>,
}

#[derive(Debug)]
struct Open {
    file: std::fs::File,
    size: u64,
}

impl AccessLog {
    /// Opens (creating) the log for appending; `max_bytes` 0 never rotates, `keep` rotated
    /// files are kept.
    pub fn open(path: &Path, max_bytes: u64, keep: u32) -> anyhow::Result<AccessLog> {
        let file = append(path)?;
        Ok(AccessLog {
            path: path.to_path_buf(),
            max_bytes,
            keep: keep.max(1),
            file: Mutex::new(file),
        })
    }

    /// Appends the line for one request.
    pub fn log(&self, client: IpAddr, req: &Request, status: u16, bytes: u64) {
        let line = combined_line(client, req, status, bytes, crate::unix_now());
        self.write_line(&line);
    }

    /// Appends one whole line (with its newline), rotating first when it would not fit.
    pub fn write_line(&self, line: &str) {
        let mut open = match self.file.lock() {
            Ok(f) => f,
            Err(p) => p.into_inner(),
        };
        let len = line.len() as u64;
        if self.max_bytes > 0 && open.size > 0 && open.size + len > self.max_bytes {
            match self.rotate() {
                Ok(fresh) => *open = fresh,
                Err(e) => eprintln!("prep node: cannot rotate the access log: {e:#}"),
            }
        }
        match open.file.write_all(line.as_bytes()) {
            Ok(()) => open.size += len,
            Err(e) => eprintln!("prep node: cannot write the access log: {e}"),
        }
    }

    /// Shifts the rotated files up by one (the oldest is dropped), renames the log to `.1`
    /// and opens a new one. Called with the lock held.
    fn rotate(&self) -> anyhow::Result<Open> {
        let numbered = |n: u32| {
            let mut name = self.path.as_os_str().to_owned();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        for n in (1..self.keep).rev() {
            let from = numbered(n);
            if from.exists() {
                std::fs::rename(&from, numbered(n + 1))
                    .with_context(|| format!("renaming {}", from.display()))?;
            }
        }
        std::fs::rename(&self.path, numbered(1))
            .with_context(|| format!("renaming {}", self.path.display()))?;
        append(&self.path)
    }
}

fn append(path: &Path) -> anyhow::Result<Open> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the access log {}", path.display()))?;
    let size = file.metadata()?.len();
    Ok(Open { file, size })
}

/// One combined-format line (with its newline) for a request answered at `unix_secs`.
pub fn combined_line(
    client: IpAddr,
    req: &Request,
    status: u16,
    bytes: u64,
    unix_secs: i64,
) -> String {
    let header = |name| {
        req.headers()
            .get(name)
            .map_or_else(|| "-".to_owned(), |v| escape(v.as_bytes()))
    };
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let request = format!("{} {} {:?}", req.method(), target, req.version());
    let size = if bytes == 0 {
        "-".to_owned()
    } else {
        bytes.to_string()
    };
    format!(
        "{client} - - [{}] \"{}\" {status} {size} \"{}\" \"{}\"\n",
        clf_time(unix_secs),
        escape(request.as_bytes()),
        header(header::REFERER),
        header(header::USER_AGENT),
    )
}

/// Quotes, backslashes and bytes outside printable ASCII as `\"`, `\\` and `\xHH` (as nginx
/// does), so a line always parses.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02X}")),
        }
    }
    out
}

/// `04/Jun/2024:02:00:00 +0000`: the common log format's time, in UTC.
pub fn clf_time(unix_secs: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // `YYYY-MM-DDTHH:MM:SSZ`
    let t = prep_package::rfc3339_utc(unix_secs);
    let month = t
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .unwrap_or(&"Jan");
    format!(
        "{}/{month}/{}:{} +0000",
        t.get(8..10).unwrap_or("01"),
        t.get(0..4).unwrap_or("1970"),
        t.get(11..19).unwrap_or("00:00:00")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_by_size_loses_no_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("access.log");
        let log = std::sync::Arc::new(AccessLog::open(&path, 1000, 3).expect("open"));
        // Four threads, 100 lines each of 50 bytes: 20 000 bytes through a 1000-byte log.
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let log = std::sync::Arc::clone(&log);
                std::thread::spawn(move || {
                    for i in 0..100 {
                        log.write_line(&format!("{t} {i:03} {}\n", "x".repeat(43)));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        let current = read(path.clone());
        assert!(
            !current.is_empty() && current.len() <= 1000,
            "{}",
            current.len()
        );
        let mut lines: Vec<String> = Vec::new();
        for n in 1..=3 {
            let text = read(dir.path().join(format!("access.log.{n}")));
            assert!(
                text.len() <= 1000 && text.len() > 900,
                ".{n}: {}",
                text.len()
            );
            lines.extend(text.lines().map(str::to_owned));
        }
        assert!(!dir.path().join("access.log.4").exists());
        lines.extend(current.lines().map(str::to_owned));
        // Every line whole; the newest ones (the last files kept) all present, each once.
        assert!(lines.iter().all(|l| l.len() == 49), "a split line");
        let unique: std::collections::HashSet<&String> = lines.iter().collect();
        assert_eq!(unique.len(), lines.len());
        // Nothing lost between the kept files: with keep = 1000 every line survives.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("access.log");
        let log = AccessLog::open(&path, 500, 1000).expect("open");
        for i in 0..400 {
            log.write_line(&format!("line {i:04}\n"));
        }
        let mut all = Vec::new();
        for n in (1..=1000).rev() {
            all.extend(
                read(dir.path().join(format!("access.log.{n}")))
                    .lines()
                    .map(str::to_owned),
            );
        }
        all.extend(read(path).lines().map(str::to_owned));
        let expected: Vec<String> = (0..400).map(|i| format!("line {i:04}")).collect();
        assert_eq!(all, expected);
    }

    #[test]
    fn combined_format() {
        let req = Request::builder()
            .uri("/json/main.json?x=1")
            .header("user-agent", "Mozilla/5.0 \"quoted\"")
            .body(axum::body::Body::empty())
            .expect("request");
        let line = combined_line(
            "203.0.113.7".parse().expect("ip"),
            &req,
            200,
            211,
            1_717_466_400,
        );
        assert_eq!(
            line,
            "203.0.113.7 - - [04/Jun/2024:02:00:00 +0000] \"GET /json/main.json?x=1 HTTP/1.1\" 200 211 \"-\" \"Mozilla/5.0 \\\"quoted\\\"\"\n"
        );
        let line = combined_line("::1".parse().expect("ip"), &req, 304, 0, 0);
        assert!(
            line.starts_with("::1 - - [01/Jan/1970:00:00:00 +0000] "),
            "{line}"
        );
        assert!(line.contains(" 304 - "), "{line}");
    }
}
