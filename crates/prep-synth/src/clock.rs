//! Election-night times: when each acta arrives, and the corte line.
//!
//! The PREP opens on 02/06/2024 at 20:00 (UTC-6) and closes 24 hours later. An acta whose
//! arrival draw is `u` (uniform in `[0, 1)`) is verified `5 min + (24 h − 5 min) × u²` after
//! the opening: most actas arrive in the first hours of the night, the last ones the next
//! day. An acta is captured at a corte with captured fraction `f` when `u < f`.

/// Seconds from 01/06/2024 00:00 to the opening of the PREP (02/06/2024 20:00).
pub(crate) const OPENING: i64 = 86_400 + 20 * 3600;
/// Seconds from the opening to the first verification.
const FIRST: f64 = 300.0;
/// Length of the PREP, seconds.
const SPAN: f64 = 86_400.0;
/// The earliest acopio: polls close at 18:00.
pub(crate) const POLLS_CLOSE: i64 = 86_400 + 18 * 3600;

/// Verification time (seconds from 01/06/2024 00:00) of an acta whose arrival draw is `u`.
pub(crate) fn verification(u: f64) -> i64 {
    OPENING + (FIRST + (SPAN - FIRST) * u * u) as i64
}

/// The corte line of a corte at which a fraction `captured` of the actas is captured:
/// `03/06/2024 20:00 (UTC-6)` for the whole catalogue; otherwise the first ten-minute mark
/// after the last verification it includes.
pub fn corte_for(captured: f64) -> String {
    let secs = if captured >= 1.0 {
        OPENING + SPAN as i64
    } else {
        let last = OPENING as f64 + FIRST + (SPAN - FIRST) * captured.max(0.0) * captured.max(0.0);
        (last as i64 / 600 + 1) * 600
    };
    let full = datetime(secs);
    format!("{} (UTC-6)", &full[..16])
}

/// 01/06/2024 00:00, the origin of the seconds above.
const ORIGIN: jiff::civil::DateTime = jiff::civil::DateTime::constant(2024, 6, 1, 0, 0, 0, 0);

/// `dd/mm/yyyy hh:mm:ss` for a number of seconds from 01/06/2024 00:00 (negative ones count as
/// 0; the calendar by `jiff`).
pub(crate) fn datetime(secs: i64) -> String {
    let d = ORIGIN
        .checked_add(jiff::SignedDuration::from_secs(secs.max(0)))
        .unwrap_or(jiff::civil::DateTime::MAX);
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}:{:02}",
        d.day(),
        d.month(),
        d.year(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(datetime(OPENING), "02/06/2024 20:00:00");
        assert_eq!(datetime(OPENING + 4 * 3600 + 61), "03/06/2024 00:01:01");
        assert_eq!(corte_for(1.0), "03/06/2024 20:00 (UTC-6)");
        assert_eq!(corte_for(0.0), "02/06/2024 20:10 (UTC-6)");
    }

    #[test]
    fn corte_follows_every_captured_acta() {
        for f in [0.01, 0.3, 0.5, 0.77, 0.999] {
            let corte = corte_for(f);
            let last = datetime(verification(f - 1e-12));
            // Same day-month-year prefix ordering works within June.
            let key = |s: &str| format!("{}{}{}", &s[3..5], &s[..2], &s[11..16]);
            assert!(key(&last) < key(&corte), "{last} vs {corte}");
        }
    }
}
