//! [`Period`]: a half-open range of instants, written `FROM..TO` with RFC 3339 date-times
//! (`2024-06-02T18:00:00-06:00..2024-06-03T18:00:00-06:00`), parsed by `jiff`.

use jiff::fmt::temporal::{Pieces, PiecesOffset};

/// A half-open range of instants `[from, to)`, with the UTC offset `from` was written in (the
/// report shows times in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start, Unix seconds (included).
    pub from: i64,
    /// End, Unix seconds (excluded).
    pub to: i64,
    /// The UTC offset of `from` as written, in seconds.
    pub offset_secs: i32,
}

/// Why a period was refused.
#[derive(Debug, thiserror::Error)]
pub enum PeriodError {
    /// No `..` between the two ends.
    #[error(
        "period {0:?}: write it FROM..TO, e.g. 2024-06-02T18:00:00-06:00..2024-06-03T18:00:00-06:00"
    )]
    Shape(String),
    /// An end is not an RFC 3339 date-time with an offset.
    #[error(
        "period end {0:?} is not a date-time with its UTC offset (e.g. 2024-06-02T18:00:00-06:00): {1}"
    )]
    Time(String, String),
    /// The end is not after the start.
    #[error("period {0:?}: the end must be after the start")]
    Empty(String),
}

fn instant(s: &str) -> Result<(i64, i32), PeriodError> {
    let bad = |e: &dyn std::fmt::Display| PeriodError::Time(s.to_string(), e.to_string());
    let ts: jiff::Timestamp = s.parse().map_err(|e| bad(&e))?;
    let pieces = Pieces::parse(s).map_err(|e| bad(&e))?;
    let offset = match pieces.offset() {
        Some(PiecesOffset::Numeric(n)) => n.offset().seconds(),
        _ => 0,
    };
    Ok((ts.as_second(), offset))
}

impl Period {
    /// Parses `FROM..TO`.
    pub fn parse(s: &str) -> Result<Self, PeriodError> {
        let (a, b) = s
            .split_once("..")
            .ok_or_else(|| PeriodError::Shape(s.to_string()))?;
        let (from, offset_secs) = instant(a.trim())?;
        let (to, _) = instant(b.trim())?;
        if to <= from {
            return Err(PeriodError::Empty(s.to_string()));
        }
        Ok(Period {
            from,
            to,
            offset_secs,
        })
    }

    /// Whether the instant (Unix seconds) is in the period.
    pub fn contains(&self, unix: i64) -> bool {
        unix >= self.from && unix < self.to
    }

    /// Length in days (fractional).
    pub fn days(&self) -> f64 {
        (self.to - self.from) as f64 / 86_400.0
    }

    /// An instant written in this period's offset: `2024-06-02 20:00:01 -06:00`.
    pub fn show(&self, unix: i64) -> String {
        show_in_offset(unix, self.offset_secs)
    }
}

/// An instant written at a UTC offset: `2024-06-02 20:00:01 -06:00`.
pub fn show_in_offset(unix: i64, offset_secs: i32) -> String {
    let local = unix + i64::from(offset_secs);
    let (y, m, d) = crate::logtime::civil_from_days(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    let sign = if offset_secs < 0 { '-' } else { '+' };
    let off = offset_secs.unsigned_abs();
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} {sign}{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        off / 3600,
        off % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_with_offsets() {
        let p = Period::parse("2024-06-02T18:00:00-06:00..2024-06-03T18:00-06:00").expect("parses");
        assert_eq!(p.to - p.from, 86_400);
        assert_eq!(p.offset_secs, -21_600);
        assert!(p.contains(p.from) && !p.contains(p.to));
        assert_eq!(p.show(p.from), "2024-06-02 18:00:00 -06:00");
        assert!(Period::parse("2024-06-02").is_err());
        assert!(Period::parse("2024-06-03T00:00:00Z..2024-06-02T00:00:00Z").is_err());
        assert!(Period::parse("2024-06-02T00:00:00..2024-06-03T00:00:00Z").is_err());
    }
}
