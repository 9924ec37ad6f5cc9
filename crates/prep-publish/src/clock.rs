//! Times: the institute's fixed UTC offset, the time formats of the published files, and the
//! accelerated clock that `prep publish` and `prep replay` share.
//!
//! Date arithmetic is `jiff`'s; times are carried as [`jiff::Timestamp`]s.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::Offset;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A time setting that cannot be read: which text, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// A whole-hour offset outside -12:00..+14:00.
    #[error("{0:?}: an offset goes from -12:00 to +14:00")]
    OffsetRange(String),
    /// Not an offset like `-06:00`.
    #[error("{0:?} is not a whole-hour UTC offset like \"-06:00\"")]
    NotAnOffset(String),
    /// An offset `jiff` refuses (its reason).
    #[error("{0}")]
    Offset(String),
    /// Not an RFC 3339 time with offset.
    #[error("{text:?} is not an RFC 3339 time with offset: {reason}")]
    NotRfc3339 {
        /// The text given.
        text: String,
        /// `jiff`'s reason.
        reason: String,
    },
    /// Not a speed.
    #[error("{0:?} is not a speed: give a positive number (60 = a minute a second) or \"max\"")]
    NotASpeed(String),
}

/// The institute's time zone: a fixed offset from UTC (PREP files print `(UTC-6)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone {
    offset: Offset,
    hours: i8,
}

impl TimeZone {
    /// Parses `-06:00` (whole hours from -12 to +14; the files print whole hours).
    pub fn parse(text: &str) -> Result<TimeZone, ClockError> {
        let b = text.as_bytes();
        let form = b.len() == 6 && matches!(b[0], b'+' | b'-') && &text[3..] == ":00";
        let hours: Option<i8> = form.then(|| text[1..3].parse().ok()).flatten();
        match hours {
            Some(h) if h <= 14 => {
                let hours = if b[0] == b'-' { -h } else { h };
                if hours < -12 {
                    return Err(ClockError::OffsetRange(text.to_owned()));
                }
                let offset =
                    Offset::from_hours(hours).map_err(|e| ClockError::Offset(e.to_string()))?;
                Ok(TimeZone { offset, hours })
            }
            _ => Err(ClockError::NotAnOffset(text.to_owned())),
        }
    }

    /// The label the files print: `(UTC-6)`, `(UTC)` for zero.
    pub fn label(&self) -> String {
        match self.hours {
            0 => "(UTC)".into(),
            h => format!("(UTC{h:+})"),
        }
    }

    /// The offset as RFC 3339 writes it: `-06:00`.
    pub fn rfc3339_offset(&self) -> String {
        let sign = if self.hours < 0 { '-' } else { '+' };
        format!("{sign}{:02}:00", self.hours.unsigned_abs())
    }

    /// The corte line of a time: `03/06/2024 20:00 (UTC-6)`.
    pub fn corte_line(&self, t: Timestamp) -> String {
        let d = self.offset.to_datetime(t);
        format!(
            "{:02}/{:02}/{:04} {:02}:{:02} {}",
            d.day(),
            d.month(),
            d.year(),
            d.hour(),
            d.minute(),
            self.label()
        )
    }

    /// RFC 3339 in this offset: `2024-06-03T20:00:00-06:00`.
    pub fn rfc3339(&self, t: Timestamp) -> String {
        let d = self.offset.to_datetime(t);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            d.year(),
            d.month(),
            d.day(),
            d.hour(),
            d.minute(),
            d.second(),
            self.rfc3339_offset()
        )
    }

    /// A published time `dd/mm/yyyy hh:mm:ss` (FECHA_HORA_* columns) in this offset;
    /// `None` for anything else (`N/A`, `-`, empty).
    pub fn parse_published(&self, text: &str) -> Option<Timestamp> {
        let t = text.trim();
        let b = t.as_bytes();
        if b.len() != 19 || b[2] != b'/' || b[5] != b'/' || b[10] != b' ' {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let n = |r: std::ops::Range<usize>| t.get(r)?.parse::<i16>().ok();
        let (year, month, day) = (n(6..10)?, n(3..5)?, n(0..2)?);
        let (hour, minute, second) = (n(11..13)?, n(14..16)?, n(17..19)?);
        let dt = DateTime::new(
            year,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
            i8::try_from(hour).ok()?,
            i8::try_from(minute).ok()?,
            i8::try_from(second).ok()?,
            0,
        )
        .ok()?;
        self.offset.to_timestamp(dt).ok()
    }

    /// A corte line `dd/mm/yyyy hh:mm (UTC±H)` as a time (the offset printed must be this
    /// zone's).
    pub fn parse_corte_line(&self, text: &str) -> Option<Timestamp> {
        let t = text.trim();
        let (when, label) = t.split_at_checked(16)?;
        if label.trim() != self.label() {
            return None;
        }
        self.parse_published(&format!("{when}:00"))
    }
}

/// Parses RFC 3339 with an offset (`2024-06-02T20:00:00-06:00`).
pub fn parse_rfc3339(text: &str) -> Result<Timestamp, ClockError> {
    text.parse::<Timestamp>()
        .map_err(|e| ClockError::NotRfc3339 {
            text: text.to_owned(),
            reason: e.to_string(),
        })
}

/// How fast simulated time runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// Simulated seconds per real second (1 = real time).
    Factor(f64),
    /// No waiting at all: the clock jumps to whatever is due next.
    AsFastAsPossible,
}

impl std::str::FromStr for Speed {
    type Err = ClockError;

    /// `max` or a positive number.
    fn from_str(s: &str) -> Result<Speed, ClockError> {
        if s.eq_ignore_ascii_case("max") {
            return Ok(Speed::AsFastAsPossible);
        }
        match s.parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 && x <= 1e9 => Ok(Speed::Factor(x)),
            _ => Err(ClockError::NotASpeed(s.to_owned())),
        }
    }
}

/// The accelerated clock: simulated time = start + real elapsed × speed.
#[derive(Debug)]
pub struct SimClock {
    start: Timestamp,
    real_start: Instant,
    speed: Speed,
    /// With [`Speed::AsFastAsPossible`]: the time reached so far.
    virtual_now: Timestamp,
}

impl SimClock {
    /// A clock that reads `start` now and runs at `speed`.
    pub fn new(start: Timestamp, speed: Speed) -> SimClock {
        SimClock {
            start,
            real_start: Instant::now(),
            speed,
            virtual_now: start,
        }
    }

    /// The wall clock, in real time.
    pub fn real_time() -> SimClock {
        SimClock::new(Timestamp::now(), Speed::Factor(1.0))
    }

    /// True when the clock never waits ([`Speed::AsFastAsPossible`]).
    pub fn is_as_fast_as_possible(&self) -> bool {
        self.speed == Speed::AsFastAsPossible
    }

    /// The simulated time now.
    pub fn now(&self) -> Timestamp {
        match self.speed {
            Speed::AsFastAsPossible => self.virtual_now,
            Speed::Factor(f) => {
                let ms = self.real_start.elapsed().as_secs_f64() * 1000.0 * f;
                let ms = self.start.as_millisecond().saturating_add(ms as i64);
                Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX)
            }
        }
    }

    /// Waits until the simulated time reaches `t`; returns false when `stop` was raised
    /// first.
    pub fn wait_until(&mut self, t: Timestamp, stop: &AtomicBool) -> bool {
        match self.speed {
            Speed::AsFastAsPossible => {
                self.virtual_now = self.virtual_now.max(t);
                !stop.load(Ordering::SeqCst)
            }
            Speed::Factor(f) => loop {
                if stop.load(Ordering::SeqCst) {
                    return false;
                }
                let now = self.now();
                if now >= t {
                    return true;
                }
                let sim_ms = (t.as_millisecond() - now.as_millisecond()) as f64;
                let real = Duration::from_secs_f64((sim_ms / f / 1000.0).max(0.001));
                std::thread::sleep(real.min(Duration::from_millis(100)));
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_published_times() {
        let tz = TimeZone::parse("-06:00").expect("tz");
        let t = tz.parse_published("03/06/2024 19:49:34").expect("time");
        assert_eq!(tz.rfc3339(t), "2024-06-03T19:49:34-06:00");
        assert_eq!(t.to_string(), "2024-06-04T01:49:34Z");
        assert_eq!(tz.corte_line(t), "03/06/2024 19:49 (UTC-6)");
        let c = tz
            .parse_corte_line("03/06/2024 20:00 (UTC-6)")
            .expect("corte");
        assert_eq!(tz.rfc3339(c), "2024-06-03T20:00:00-06:00");
        assert_eq!(tz.parse_corte_line("03/06/2024 20:00 (UTC-5)"), None);
        for bad in ["N/A", "-", "", "3/06/2024 19:49:34", "31/02/2024 10:00:00"] {
            assert_eq!(tz.parse_published(bad), None, "{bad}");
        }
        assert_eq!(TimeZone::parse("+00:00").expect("utc").label(), "(UTC)");
        assert_eq!(TimeZone::parse("+05:00").expect("tz").label(), "(UTC+5)");
        for bad in ["-6", "-06:30", "+15:00", "-13:00", "06:00"] {
            assert!(TimeZone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn accelerated_clock() {
        let start = parse_rfc3339("2024-06-02T20:00:00-06:00").expect("t");
        let stop = AtomicBool::new(false);
        let mut fast = SimClock::new(start, Speed::Factor(36_000.0));
        let target = parse_rfc3339("2024-06-02T20:10:00-06:00").expect("t");
        let real = Instant::now();
        assert!(fast.wait_until(target, &stop));
        assert!(fast.now() >= target);
        // 600 simulated seconds at 36,000× is 1/60 s.
        assert!(real.elapsed() < Duration::from_secs(2));
        let mut max = SimClock::new(start, Speed::AsFastAsPossible);
        assert!(max.wait_until(target, &stop));
        assert_eq!(max.now(), target);
        stop.store(true, Ordering::SeqCst);
        assert!(!fast.wait_until(Timestamp::MAX, &stop));
        assert_eq!("max".parse::<Speed>(), Ok(Speed::AsFastAsPossible));
        assert!("0".parse::<Speed>().is_err());
    }
}
