//! Log timestamps: nginx's `$time_local` (`02/Jun/2024:20:00:01 -0600`) and `$time_iso8601`,
//! read by hand because they are on every line and fixed-width.

/// A log timestamp: the wall-clock time as written plus its UTC offset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogTime {
    /// Seconds since 1970-01-01 00:00 of the wall-clock time as written (the offset not applied).
    pub local_secs: i64,
    /// The written offset from UTC, in seconds.
    pub offset_secs: i32,
}

impl LogTime {
    /// The instant, in seconds since the Unix epoch (UTC).
    pub fn unix(self) -> i64 {
        self.local_secs - i64::from(self.offset_secs)
    }

    /// The calendar day as written, in days since 1970-01-01 (how GoAccess groups visitors).
    pub fn local_day(self) -> i32 {
        i32::try_from(self.local_secs.div_euclid(86_400)).unwrap_or(i32::MAX)
    }

    /// The hour as written, in hours since 1970-01-01 00:00.
    pub fn local_hour(self) -> i64 {
        self.local_secs.div_euclid(3_600)
    }
}

fn num(v: &[u8]) -> Option<i64> {
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(v.iter().fold(0i64, |a, d| a * 10 + i64::from(d - b'0')))
}

fn month(v: &[u8]) -> Option<i64> {
    const NAMES: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    NAMES
        .iter()
        .position(|m| m.as_slice() == v)
        .map(|i| i as i64 + 1)
}

/// 1970-01-01, day 0 of the day numbers below.
const EPOCH: jiff::civil::Date = jiff::civil::Date::constant(1970, 1, 1);

/// Days since 1970-01-01 of a proleptic Gregorian date (by `jiff`); `None` for a month outside
/// 1–12 or a year outside −9999–9999. A day past the month's end counts on into the next month
/// (`31/Feb` is 3 March, or 2 March in a leap year), as logs were always read.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> Option<i64> {
    let first = jiff::civil::Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, 1).ok()?;
    Some(first.duration_since(EPOCH).as_secs() / 86_400 + d - 1)
}

/// The (year, month, day) of a day number (inverse of [`days_from_civil`], by `jiff`); a day
/// beyond the years −9999–9999 gives the first or last day of that range.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let date = EPOCH
        .checked_add(jiff::SignedDuration::from_secs(z.saturating_mul(86_400)))
        .unwrap_or(if z < 0 {
            jiff::civil::Date::MIN
        } else {
            jiff::civil::Date::MAX
        });
    // Month and day are 1–12 and 1–31.
    (
        i64::from(date.year()),
        date.month().unsigned_abs().into(),
        date.day().unsigned_abs().into(),
    )
}

fn checked(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, off: i64) -> Option<LogTime> {
    if !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || h > 23
        || mi > 59
        || s > 60
        || off.abs() > 18 * 3600
    {
        return None;
    }
    let local_secs = days_from_civil(y, mo, d)? * 86_400 + h * 3600 + mi * 60 + s;
    Some(LogTime {
        local_secs,
        offset_secs: i32::try_from(off).ok()?,
    })
}

/// `02/Jun/2024:20:00:01 -0600`.
pub fn parse_time_local(v: &[u8]) -> Option<LogTime> {
    if v.len() != 26
        || v[2] != b'/'
        || v[6] != b'/'
        || v[11] != b':'
        || v[14] != b':'
        || v[17] != b':'
        || v[20] != b' '
    {
        return None;
    }
    let sign = match v[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let off = sign * (num(&v[22..24])? * 3600 + num(&v[24..26])? * 60);
    checked(
        num(&v[7..11])?,
        month(&v[3..6])?,
        num(&v[0..2])?,
        num(&v[12..14])?,
        num(&v[15..17])?,
        num(&v[18..20])?,
        off,
    )
}

/// `2024-06-02T20:00:01-06:00` (or `Z`, or `+05:30`).
pub fn parse_iso8601(v: &[u8]) -> Option<LogTime> {
    if v.len() < 20
        || v[4] != b'-'
        || v[7] != b'-'
        || v[10] != b'T'
        || v[13] != b':'
        || v[16] != b':'
    {
        return None;
    }
    let off = match &v[19..] {
        b"Z" => 0,
        [s @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let sign = if *s == b'+' { 1 } else { -1 };
            sign * (num(&[*h1, *h2])? * 3600 + num(&[*m1, *m2])? * 60)
        }
        _ => return None,
    };
    checked(
        num(&v[0..4])?,
        num(&v[5..7])?,
        num(&v[8..10])?,
        num(&v[11..13])?,
        num(&v[14..16])?,
        num(&v[17..19])?,
        off,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_name_the_same_instant() {
        let a = parse_time_local(b"02/Jun/2024:20:00:01 -0600").expect("local");
        let b = parse_iso8601(b"2024-06-03T02:00:01Z").expect("iso");
        assert_eq!(a.unix(), b.unix());
        assert_eq!(a.unix(), 1_717_380_001);
        assert_eq!(civil_from_days(i64::from(a.local_day())), (2024, 6, 2));
        assert_eq!(civil_from_days(i64::from(b.local_day())), (2024, 6, 3));
        assert!(parse_time_local(b"02/Jux/2024:20:00:01 -0600").is_none());
        assert!(parse_time_local(b"02/Jun/2024:25:00:01 -0600").is_none());
    }

    #[test]
    fn civil_days_round_trip() {
        for z in [-1000, 0, 19_876, 60_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), Some(z));
        }
    }
}
