//! Access-log line formats: nginx `log_format` strings compiled to a matcher, and the
//! parsed fields of one line ([`Entry`]).

use crate::logtime::{LogTime, parse_iso8601, parse_time_local};

/// The nginx `log_format` of the *combined* format (Apache's `%h %l %u %t "%r" %>s %b
/// "%{Referer}i" "%{User-agent}i"`).
pub const COMBINED: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#;
/// The nginx `log_format` of the *common* format (combined without referrer and user agent).
pub const COMMON: &str =
    r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent"#;

/// A variable of a log format that the figures use; every other variable is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Addr,
    TimeLocal,
    TimeIso,
    Request,
    Status,
    Bytes,
    Referer,
    UserAgent,
    Skip,
}

#[derive(Debug, Clone)]
enum Token {
    Literal(Vec<u8>),
    Var(Field),
}

/// A compiled log format: literals and variables, in order.
#[derive(Debug, Clone)]
pub struct LogFormat {
    tokens: Vec<Token>,
    /// Index of the last variable that is followed by a literal ending the format: its value
    /// runs to the *last* occurrence of that literal (a user agent may contain quotes).
    greedy_var: Option<usize>,
}

/// Why a log format string was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    /// Two variables with no literal text between them cannot be split apart.
    #[error("log format: variables ${0} and ${1} have no separator between them")]
    Adjacent(String, String),
    /// A variable the figures need is missing.
    #[error("log format: it has no ${0}; the report needs it ({1})")]
    Missing(&'static str, &'static str),
    /// `${` without its closing brace, or a `$` with no name.
    #[error("log format: bad variable at byte {0}")]
    BadVariable(usize),
}

/// Why one log line was not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum LineError {
    /// The line ended before the format did (a truncated line).
    Truncated,
    /// Literal text of the format was not where expected (garbage or another format).
    Mismatch,
    /// The date and time could not be read.
    BadTime,
    /// The status is not a number from 100 to 599.
    BadStatus,
    /// The client address is not an IPv4 or IPv6 address.
    BadAddress,
    /// The byte count is not a number.
    BadBytes,
}

impl LineError {
    /// The Spanish label the report prints.
    pub fn label_es(self) -> &'static str {
        match self {
            LineError::Truncated => "línea truncada",
            LineError::Mismatch => "no corresponde al formato",
            LineError::BadTime => "fecha u hora ilegible",
            LineError::BadStatus => "código de estado inválido",
            LineError::BadAddress => "dirección IP inválida",
            LineError::BadBytes => "bytes inválidos",
        }
    }
}

/// The fields of one parsed line, borrowed from it.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Client address as written.
    pub addr: &'a [u8],
    /// When the request was logged.
    pub time: LogTime,
    /// The request line (`GET /path HTTP/1.1`).
    pub request: &'a [u8],
    /// HTTP status code.
    pub status: u16,
    /// Response bytes (0 for `-`).
    pub bytes: u64,
    /// Referrer (`-` or empty when none).
    pub referer: &'a [u8],
    /// User agent (empty when the format has none).
    pub user_agent: &'a [u8],
}

impl Entry<'_> {
    /// The path of the request, without its query string (the whole request when it has no
    /// spaces, e.g. a bare `-`).
    pub fn path(&self) -> &[u8] {
        let mut parts = self.request.splitn(3, |&b| b == b' ');
        let first = parts.next().unwrap_or_default();
        let target = parts.next().unwrap_or(first);
        match memchr::memchr(b'?', target) {
            Some(q) => &target[..q],
            None => target,
        }
    }
}

fn field_of(name: &str) -> Field {
    match name {
        "remote_addr" => Field::Addr,
        "time_local" => Field::TimeLocal,
        "time_iso8601" => Field::TimeIso,
        "request" => Field::Request,
        "status" => Field::Status,
        "body_bytes_sent" | "bytes_sent" => Field::Bytes,
        "http_referer" => Field::Referer,
        "http_user_agent" => Field::UserAgent,
        _ => Field::Skip,
    }
}

impl LogFormat {
    /// The combined format (the default of nginx, Apache and the difusor node).
    pub fn combined() -> Self {
        Self::nginx(COMBINED).expect("the combined format compiles")
    }

    /// The common format.
    pub fn common() -> Self {
        Self::nginx(COMMON).expect("the common format compiles")
    }

    /// `combined`, `common`, or an nginx `log_format` string.
    pub fn named_or_nginx(spec: &str) -> Result<Self, FormatError> {
        match spec {
            "combined" => Self::nginx(COMBINED),
            "common" => Self::nginx(COMMON),
            other => Self::nginx(other),
        }
    }

    /// Compiles an nginx `log_format` string (`$var` and `${var}`; other text is literal).
    pub fn nginx(spec: &str) -> Result<Self, FormatError> {
        let bytes = spec.as_bytes();
        let mut tokens: Vec<Token> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut literal = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'$' {
                literal.push(bytes[i]);
                i += 1;
                continue;
            }
            let (name, next) = if bytes.get(i + 1) == Some(&b'{') {
                let close =
                    memchr::memchr(b'}', &bytes[i + 2..]).ok_or(FormatError::BadVariable(i))?;
                (&spec[i + 2..i + 2 + close], i + 3 + close)
            } else {
                let len = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                (&spec[i + 1..i + 1 + len], i + 1 + len)
            };
            if name.is_empty() {
                return Err(FormatError::BadVariable(i));
            }
            if literal.is_empty() {
                if let Some(Token::Var(_)) = tokens.last() {
                    let prev = names.last().cloned().unwrap_or_default();
                    return Err(FormatError::Adjacent(prev, name.to_string()));
                }
            } else {
                tokens.push(Token::Literal(std::mem::take(&mut literal)));
            }
            tokens.push(Token::Var(field_of(name)));
            names.push(name.to_string());
            i = next;
        }
        if !literal.is_empty() {
            tokens.push(Token::Literal(literal));
        }
        let has = |f: Field| tokens.iter().any(|t| matches!(t, Token::Var(v) if *v == f));
        if !has(Field::Addr) {
            return Err(FormatError::Missing(
                "remote_addr",
                "visitors are counted by address",
            ));
        }
        if !has(Field::TimeLocal) && !has(Field::TimeIso) {
            return Err(FormatError::Missing(
                "time_local",
                "every figure is per hour and day",
            ));
        }
        if !has(Field::Request) {
            return Err(FormatError::Missing(
                "request",
                "pages are told from assets by path",
            ));
        }
        if !has(Field::Status) {
            return Err(FormatError::Missing(
                "status",
                "status classes and 404s are counted",
            ));
        }
        let n = tokens.len();
        let greedy_var = match (tokens.get(n.wrapping_sub(2)), tokens.last()) {
            (Some(Token::Var(_)), Some(Token::Literal(_))) if n >= 2 => Some(n - 2),
            _ => None,
        };
        Ok(LogFormat { tokens, greedy_var })
    }

    /// Parses one line (without its newline).
    pub fn parse<'a>(&self, line: &'a [u8]) -> Result<Entry<'a>, LineError> {
        let mut entry = Entry {
            addr: b"",
            time: LogTime::default(),
            request: b"",
            status: 0,
            bytes: 0,
            referer: b"",
            user_agent: b"",
        };
        let mut have_time = false;
        let mut pos = 0;
        let mut i = 0;
        while i < self.tokens.len() {
            match &self.tokens[i] {
                Token::Literal(lit) => {
                    let rest = &line[pos..];
                    if !rest.starts_with(lit) {
                        return Err(if lit.starts_with(rest) {
                            LineError::Truncated
                        } else {
                            LineError::Mismatch
                        });
                    }
                    pos += lit.len();
                    i += 1;
                }
                Token::Var(field) => {
                    let rest = &line[pos..];
                    // A separator missing after the time was read: the line was cut short.
                    let cut = if have_time {
                        LineError::Truncated
                    } else {
                        LineError::Mismatch
                    };
                    let len = match self.tokens.get(i + 1) {
                        None => rest.len(),
                        Some(Token::Literal(lit)) if self.greedy_var == Some(i) => {
                            rfind(rest, lit).ok_or(cut)?
                        }
                        Some(Token::Literal(lit)) => find(rest, lit).ok_or(cut)?,
                        Some(Token::Var(_)) => unreachable!("compiled formats separate variables"),
                    };
                    let value = &rest[..len];
                    match field {
                        Field::Addr => entry.addr = value,
                        Field::TimeLocal => {
                            entry.time = parse_time_local(value).ok_or(LineError::BadTime)?;
                            have_time = true;
                        }
                        Field::TimeIso => {
                            entry.time = parse_iso8601(value).ok_or(LineError::BadTime)?;
                            have_time = true;
                        }
                        Field::Request => entry.request = value,
                        Field::Status => entry.status = parse_status(value)?,
                        Field::Bytes => entry.bytes = parse_bytes(value)?,
                        Field::Referer => entry.referer = value,
                        Field::UserAgent => entry.user_agent = value,
                        Field::Skip => {}
                    }
                    pos += len;
                    i += 1;
                }
            }
        }
        if pos != line.len() {
            return Err(LineError::Mismatch);
        }
        if !have_time {
            return Err(LineError::BadTime);
        }
        if !valid_address(entry.addr) {
            return Err(LineError::BadAddress);
        }
        Ok(entry)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(at) = memchr::memchr(first, &hay[from..]) {
        let at = from + at;
        if hay[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let last = *needle.last()?;
    let mut end = hay.len();
    while let Some(at) = memchr::memrchr(last, &hay[..end]) {
        if at + 1 >= needle.len() && hay[..=at].ends_with(needle) {
            return Some(at + 1 - needle.len());
        }
        end = at;
    }
    None
}

fn parse_status(v: &[u8]) -> Result<u16, LineError> {
    if v.len() != 3 || !v.iter().all(u8::is_ascii_digit) {
        return Err(LineError::BadStatus);
    }
    let n = v.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    if (100..=599).contains(&n) {
        Ok(n)
    } else {
        Err(LineError::BadStatus)
    }
}

fn parse_bytes(v: &[u8]) -> Result<u64, LineError> {
    if v == b"-" {
        return Ok(0);
    }
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return Err(LineError::BadBytes);
    }
    Ok(v.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0')))
}

fn valid_address(v: &[u8]) -> bool {
    if v.is_empty() || v.len() > 45 {
        return false;
    }
    std::str::from_utf8(v).is_ok_and(|s| s.parse::<std::net::IpAddr>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &[u8] = br#"203.0.113.9 - - [02/Jun/2024:20:00:01 -0600] "GET /json/main.json?t=1 HTTP/1.1" 200 512 "https://www.google.com/" "Mozilla/5.0 (X11; "quoted") Firefox/126.0""#;

    #[test]
    fn combined_line_parses_with_quotes_in_the_user_agent() {
        let e = LogFormat::combined().parse(LINE).expect("parses");
        assert_eq!(e.addr, b"203.0.113.9");
        assert_eq!(e.status, 200);
        assert_eq!(e.bytes, 512);
        assert_eq!(e.path(), b"/json/main.json");
        assert_eq!(e.referer, b"https://www.google.com/");
        assert_eq!(
            e.user_agent,
            br#"Mozilla/5.0 (X11; "quoted") Firefox/126.0"#
        );
        assert_eq!(e.time.offset_secs, -6 * 3600);
    }

    #[test]
    fn truncated_garbage_and_other_formats_are_told_apart() {
        let f = LogFormat::combined();
        assert_eq!(f.parse(&LINE[..60]).err(), Some(LineError::Truncated));
        assert_eq!(f.parse(b"hello world").err(), Some(LineError::Mismatch));
        let common = br#"203.0.113.9 - - [02/Jun/2024:20:00:01 -0600] "GET / HTTP/1.1" 200 512"#;
        assert!(f.parse(common).is_err());
        assert!(LogFormat::common().parse(common).is_ok());
        let bad =
            br#"203.0.113.9 - - [02/Jun/2024:20:00:01 -0600] "GET / HTTP/1.1" 2x0 512 "-" "-""#;
        assert_eq!(f.parse(bad).err(), Some(LineError::BadStatus));
        let host = br#"nohost - - [02/Jun/2024:20:00:01 -0600] "GET / HTTP/1.1" 200 512 "-" "-""#;
        assert_eq!(f.parse(host).err(), Some(LineError::BadAddress));
    }

    #[test]
    fn custom_nginx_formats_compile_and_parse() {
        let f = LogFormat::nginx(r#"$remote_addr [$time_iso8601] "$request" $status ${body_bytes_sent} rt=$request_time "$http_user_agent""#)
            .expect("compiles");
        let e = f
            .parse(br#"::1 [2024-06-02T20:00:01-06:00] "GET /a HTTP/2.0" 304 - rt=0.001 "curl/8""#)
            .expect("parses");
        assert_eq!(e.status, 304);
        assert_eq!(e.bytes, 0);
        assert_eq!(e.user_agent, b"curl/8");
        assert!(matches!(
            LogFormat::nginx("$remote_addr$status"),
            Err(FormatError::Adjacent(..))
        ));
        assert!(matches!(
            LogFormat::nginx("$remote_addr $status"),
            Err(FormatError::Missing(..))
        ));
    }
}
