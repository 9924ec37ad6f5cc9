//! The access log in the standard combined format (as Apache and nginx write it, and as
//! GoAccess and AWStats read it), one line per request:
//!
//! ```text
//! 203.0.113.7 - - [04/Jun/2024:02:00:00 +0000] "GET /json/main.json HTTP/1.1" 200 211 "-" "Mozilla/5.0"
//! ```

use anyhow::Context;
use hyper::http::{Request, header};
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

pub use crate::config::Rotation;

/// The clock the log takes its times from: seconds since the epoch (tests inject their own).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// How long a line may wait in memory before it is written.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// Lines buffered past this many bytes are written at once, by the request that adds them.
const FLUSH_BYTES: usize = 64 * 1024;

/// The access log file, appended whole lines only, rotated by size or by day: the rotated
/// files are renamed `access.log.N-1` to `.N`, …, `access.log` to `.1` and a new file is
/// opened, all under the writer's lock, so no line is lost or split. Lines are gathered in
/// memory and written together, at the latest `FLUSH_INTERVAL` (100 ms) later (by a thread of the
/// log's own), when `FLUSH_BYTES` (64 KiB) have gathered, before a rotation, and on
/// [`AccessLog::flush`] and drop (the server flushes when it stops) — one write for many
/// requests instead of one each. A SIGKILL loses at most the last `FLUSH_INTERVAL`.
pub struct AccessLog {
    path: PathBuf,
    rotation: Rotation,
    max_bytes: u64,
    keep: u32,
    clock: Clock,
    state: Mutex<Open>,
}

impl std::fmt::Debug for AccessLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessLog")
            .field("path", &self.path)
            .field("rotation", &self.rotation)
            .field("max_bytes", &self.max_bytes)
            .field("keep", &self.keep)
            .finish_non_exhaustive()
    }
}

struct Open {
    file: std::fs::File,
    /// Bytes in the file plus the lines gathered for it.
    size: u64,
    /// The day (since the epoch, UTC) the file's lines belong to.
    day: i64,
    /// Lines not yet written.
    pending: Vec<u8>,
    /// The last second a line was logged in, and its time formatted ([`clf_time`]).
    clf: (i64, String),
}

fn day_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(86_400)
}

impl AccessLog {
    /// Opens (creating) the log for appending, rotated by size: `max_bytes` 0 never rotates,
    /// `keep` rotated files are kept.
    pub fn open(path: &Path, max_bytes: u64, keep: u32) -> anyhow::Result<Arc<AccessLog>> {
        AccessLog::open_with(path, Rotation::Size, max_bytes, keep, system_clock())
    }

    /// Opens (creating) the log for appending with a rotation policy and a clock, and starts
    /// the thread that writes gathered lines every `FLUSH_INTERVAL` (it ends with the log).
    /// With [`Rotation::Daily`] an existing log last written on an earlier day is rotated at
    /// the first new line.
    pub fn open_with(
        path: &Path,
        rotation: Rotation,
        max_bytes: u64,
        keep: u32,
        clock: Clock,
    ) -> anyhow::Result<Arc<AccessLog>> {
        let now = clock();
        let open = append(path, day_of(now))?;
        let log = Arc::new(AccessLog {
            path: path.to_path_buf(),
            rotation,
            max_bytes,
            keep: keep.max(1),
            clock,
            state: Mutex::new(open),
        });
        let weak: Weak<AccessLog> = Arc::downgrade(&log);
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(FLUSH_INTERVAL);
                    match weak.upgrade() {
                        Some(log) => log.flush(),
                        None => break,
                    }
                }
            })
            .context("cannot start the access log's writer thread")?;
        Ok(log)
    }

    /// Appends the line for one request.
    pub fn log<B>(&self, client: IpAddr, req: &Request<B>, status: u16, bytes: u64) {
        // The clock is read under the lock, so the lines are in time order and a rotation
        // by day never sees a line from the day before after it.
        let mut open = self.lock();
        let now = (self.clock)();
        if open.clf.0 != now {
            open.clf = (now, clf_time(now));
        }
        let line = combined_line_at(client, req, status, bytes, &open.clf.1);
        self.add_line(&mut open, &line, now);
    }

    /// Appends one whole line (with its newline), rotating first when it would not fit or
    /// when the day changed.
    pub fn write_line(&self, line: &str) {
        let mut open = self.lock();
        let now = (self.clock)();
        self.add_line(&mut open, line, now);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        match self.state.lock() {
            Ok(f) => f,
            Err(p) => p.into_inner(),
        }
    }

    fn add_line(&self, open: &mut Open, line: &str, now: i64) {
        let len = line.len() as u64;
        let rotate = match self.rotation {
            Rotation::Size => {
                self.max_bytes > 0 && open.size > 0 && open.size + len > self.max_bytes
            }
            Rotation::Daily => day_of(now) != open.day && open.size > 0,
        };
        if rotate {
            write_pending(open);
            match self.rotate(day_of(now)) {
                Ok(fresh) => *open = fresh,
                Err(e) => log::warn!("cannot rotate the access log: {e:#}"),
            }
        }
        open.day = day_of(now);
        open.pending.extend_from_slice(line.as_bytes());
        open.size += len;
        if open.pending.len() >= FLUSH_BYTES {
            write_pending(open);
        }
    }

    /// Writes every gathered line now.
    pub fn flush(&self) {
        write_pending(&mut self.lock());
    }

    /// Shifts the rotated files up by one (the oldest is dropped), renames the log to `.1`
    /// and opens a new one. Called with the lock held, nothing pending.
    fn rotate(&self, day: i64) -> anyhow::Result<Open> {
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
        append(&self.path, day)
    }
}

impl Drop for AccessLog {
    fn drop(&mut self) {
        self.flush();
    }
}

fn write_pending(open: &mut Open) {
    if open.pending.is_empty() {
        return;
    }
    let Open { file, pending, .. } = open;
    if let Err(e) = file.write_all(pending) {
        log::warn!("cannot write the access log: {e}");
    }
    pending.clear();
}

/// The system clock, seconds since the epoch.
pub fn system_clock() -> Clock {
    Arc::new(prep_inbox::unix_now)
}

/// Opens `path` for appending; `today` is the day of a new or empty file, else the day the
/// file was last written (its modification time).
fn append(path: &Path, today: i64) -> anyhow::Result<Open> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the access log {}", path.display()))?;
    let meta = file.metadata()?;
    let size = meta.len();
    let day = if size == 0 {
        today
    } else {
        meta.modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(today, |d| day_of(i64::try_from(d.as_secs()).unwrap_or(0)))
    };
    Ok(Open {
        file,
        size,
        day,
        pending: Vec::with_capacity(FLUSH_BYTES + 4096),
        clf: (i64::MIN, String::new()),
    })
}

/// One combined-format line (with its newline) for a request answered at `unix_secs`.
#[cfg(test)]
fn combined_line<B>(
    client: IpAddr,
    req: &Request<B>,
    status: u16,
    bytes: u64,
    unix_secs: i64,
) -> String {
    combined_line_at(client, req, status, bytes, &clf_time(unix_secs))
}

/// One combined-format line (with its newline), the time already formatted ([`clf_time`]).
fn combined_line_at<B>(
    client: IpAddr,
    req: &Request<B>,
    status: u16,
    bytes: u64,
    clf: &str,
) -> String {
    use std::fmt::Write as _;
    let mut line = String::with_capacity(256);
    let _ = write!(line, "{client} - - [{clf}] \"");
    escape_into(&mut line, req.method().as_str().as_bytes());
    line.push(' ');
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    escape_into(&mut line, target.as_bytes());
    let _ = write!(line, " {:?}\" {status} ", req.version());
    if bytes == 0 {
        line.push('-');
    } else {
        let _ = write!(line, "{bytes}");
    }
    for name in [header::REFERER, header::USER_AGENT] {
        line.push_str(" \"");
        match req.headers().get(name) {
            Some(v) => escape_into(&mut line, v.as_bytes()),
            None => line.push('-'),
        }
        line.push('"');
    }
    line.push('\n');
    line
}

/// Quotes, backslashes and bytes outside printable ASCII as `\"`, `\\` and `\xHH` (as nginx
/// does), so a line always parses.
fn escape_into(out: &mut String, bytes: &[u8]) {
    use std::fmt::Write as _;
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02X}");
            }
        }
    }
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
        let log = AccessLog::open(&path, 1000, 3).expect("open");
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
        log.flush();
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
        log.flush();
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
    fn daily_rotation_at_the_first_line_of_a_new_day_loses_no_line() {
        use std::sync::atomic::{AtomicI64, Ordering};
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("access.log");
        // 2024-06-02T23:59:00Z, a minute before midnight.
        let now = Arc::new(AtomicI64::new(1_717_372_740));
        let clock: Clock = {
            let now = Arc::clone(&now);
            Arc::new(move || now.load(Ordering::SeqCst))
        };
        let log = AccessLog::open_with(&path, Rotation::Daily, 0, 7, clock).expect("open");
        let req = Request::builder()
            .uri("/json/main.json")
            .body(())
            .expect("request");
        let ip: IpAddr = "203.0.113.7".parse().expect("ip");
        // Four threads log while the clock crosses midnight, then a second midnight; one line
        // before and after the threads so that each day has lines.
        log.log(ip, &req, 200, 211);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (log, req, stop) = (Arc::clone(&log), req.clone(), Arc::clone(&stop));
                std::thread::spawn(move || {
                    let mut n = 0usize;
                    while !stop.load(Ordering::SeqCst) || n < 10 {
                        log.log(ip, &req, 200, 211);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(5));
        now.store(1_717_372_800, Ordering::SeqCst); // 2024-06-03T00:00:00Z
        std::thread::sleep(Duration::from_millis(5));
        stop.store(true, Ordering::SeqCst);
        let logged: usize = threads.into_iter().map(|t| t.join().expect("thread")).sum();
        log.log(ip, &req, 200, 211);
        now.store(1_717_372_800 + 86_400 + 30, Ordering::SeqCst); // 2024-06-04T00:00:30Z
        log.log(ip, &req, 304, 0);
        log.flush();
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        let files = [
            read(dir.path().join("access.log.2")),
            read(dir.path().join("access.log.1")),
            read(path.clone()),
        ];
        assert!(!dir.path().join("access.log.3").exists());
        // Every file holds one day's lines, whole, and no line is lost.
        let days = ["[02/Jun/2024:", "[03/Jun/2024:", "[04/Jun/2024:"];
        let mut total = 0;
        for (text, day) in files.iter().zip(days) {
            for line in text.lines() {
                assert!(line.starts_with("203.0.113.7 - - "), "{line}");
                assert!(line.contains(day), "{day}: {line}");
                assert!(line.ends_with("\"-\" \"-\""), "a split line: {line}");
            }
            total += text.lines().count();
        }
        assert_eq!(total, logged + 3);
        assert!(!files[0].is_empty() && !files[1].is_empty());
        assert_eq!(files[2].lines().count(), 1);
        assert!(files[2].contains(" 304 - "));

        // A log last written on an earlier day is rotated at the first line of today.
        drop(log);
        let clock: Clock = Arc::new(|| 1_717_372_800 + 5 * 86_400);
        let log = AccessLog::open_with(&path, Rotation::Daily, 0, 7, clock).expect("open");
        log.write_line("today\n");
        log.flush();
        assert_eq!(read(path.clone()), "today\n");
        assert_eq!(read(dir.path().join("access.log.1")), files[2]);
    }

    #[test]
    fn combined_format() {
        let req = Request::builder()
            .uri("/json/main.json?x=1")
            .header("user-agent", "Mozilla/5.0 \"quoted\"")
            .body(())
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
