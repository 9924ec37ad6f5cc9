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
use std::path::Path;
use std::sync::Mutex;

/// The access log file, appended one whole line per write.
#[derive(Debug)]
pub struct AccessLog {
    file: Mutex<std::fs::File>,
}

impl AccessLog {
    /// Opens (creating) the log for appending.
    pub fn open(path: &Path) -> anyhow::Result<AccessLog> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open the access log {}", path.display()))?;
        Ok(AccessLog {
            file: Mutex::new(file),
        })
    }

    /// Appends the line for one request.
    pub fn log(&self, client: IpAddr, req: &Request, status: u16, bytes: u64) {
        let line = combined_line(client, req, status, bytes, crate::unix_now());
        let mut file = match self.file.lock() {
            Ok(f) => f,
            Err(p) => p.into_inner(),
        };
        if let Err(e) = file.write_all(line.as_bytes()) {
            eprintln!("prep node: cannot write the access log: {e}");
        }
    }
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
