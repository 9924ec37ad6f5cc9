//! RFC 3339 times as the manifest writes them, to and from seconds since the epoch: the
//! manifest's own validation and every receiver's time checks use these two.

/// 1970-01-01, day 0 of the epoch.
const EPOCH: jiff::civil::Date = jiff::civil::Date::constant(1970, 1, 1);

/// Formats seconds since the epoch as RFC 3339 in UTC (`2024-06-04T02:00:00Z`); the date by
/// `jiff` (a day beyond the years −9999–9999 is written as the first or last day of them).
pub fn rfc3339_utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let date = EPOCH
        .checked_add(jiff::SignedDuration::from_secs(days.saturating_mul(86_400)))
        .unwrap_or(if days < 0 {
            jiff::civil::Date::MIN
        } else {
            jiff::civil::Date::MAX
        });
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        date.year(),
        date.month(),
        date.day(),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Seconds since 1970-01-01T00:00:00Z of `YYYY-MM-DDTHH:MM:SS(Z|±HH:MM)`; `None` when the
/// text is not in that form or its month is not 1–12.
pub fn rfc3339_seconds(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let offset = match &t[19..] {
        "Z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (num(20..22)? * 3600 + num(23..25)? * 60)
        }
        _ => return None,
    };
    // Days since the epoch of the month's first day (by `jiff`), then the day of the month
    // counted on from it.
    let first = jiff::civil::Date::new(i16::try_from(y).ok()?, i8::try_from(mo).ok()?, 1).ok()?;
    let days = first.duration_since(EPOCH).as_secs() / 86_400 + d - 1;
    Some(days * 86_400 + h * 3600 + mi * 60 + s - offset)
}

#[cfg(test)]
mod tests {
    use super::{rfc3339_seconds, rfc3339_utc};

    #[test]
    fn rfc3339() {
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_seconds("2024-06-03T20:00:00-06:00"),
            rfc3339_seconds("2024-06-04T02:00:00Z")
        );
        assert_eq!(rfc3339_seconds("2024-06-04T02:00:00Z"), Some(1_717_466_400));
        assert_eq!(rfc3339_seconds("garbage"), None);
        for t in [0, 1_717_466_400, 951_782_400, 4_102_444_799] {
            assert_eq!(rfc3339_seconds(&rfc3339_utc(t)), Some(t));
        }
        assert_eq!(rfc3339_utc(1_717_466_400), "2024-06-04T02:00:00Z");
    }
}
