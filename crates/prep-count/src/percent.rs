//! Percentages with four decimals, truncated.

use serde::{Deserialize, Serialize};

/// A percentage with four decimals, stored as an integer number of ten-thousandths of a
/// percent (`99.1000` is `991000`). Built by truncation: the fourth decimal is cut, never
/// rounded, as every LEEME requires.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Percent4(pub u64);

impl Percent4 {
    /// `numerator / denominator × 100`, truncated to four decimals; 0 when the denominator is 0.
    pub fn truncated(numerator: u64, denominator: u64) -> Percent4 {
        if denominator == 0 {
            return Percent4(0);
        }
        let scaled = u128::from(numerator) * 1_000_000 / u128::from(denominator);
        Percent4(u64::try_from(scaled).unwrap_or(u64::MAX))
    }

    /// Parses a published percentage: `99.1000`, `39.226`, `64.4492%`, `12`. Returns `None`
    /// for anything that is not a plain decimal, or that has non-zero digits past the fourth
    /// decimal (such a value cannot be a truncated four-decimal percentage).
    pub fn parse(text: &str) -> Option<Percent4> {
        let t = text.trim();
        let t = t.strip_suffix('%').unwrap_or(t).trim_end();
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, f),
            None => (t, ""),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || int.len() > 12 {
            return None;
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (kept, extra) = frac.split_at(frac.len().min(4));
        if extra.bytes().any(|b| b != b'0') {
            return None;
        }
        let mut value: u64 = int.parse().ok()?;
        for i in 0..4 {
            let d = kept.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
            value = value * 10 + d;
        }
        Some(Percent4(value))
    }

    /// The whole-percent part.
    pub fn whole(self) -> u64 {
        self.0 / 10_000
    }

    /// The four decimals, as an integer 0..=9999.
    pub fn decimals(self) -> u64 {
        self.0 % 10_000
    }
}

impl std::fmt::Display for Percent4 {
    /// Always four decimals: `99.1000`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:04}", self.whole(), self.decimals())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn puebla_values() {
        assert_eq!(Percent4::truncated(8259, 8334).to_string(), "99.1000");
        assert_eq!(Percent4::truncated(6848, 8334).to_string(), "82.1694");
        assert_eq!(Percent4::truncated(1520, 8334).to_string(), "18.2385");
        assert_eq!(Percent4::truncated(2658993, 4125717).to_string(), "64.4492");
        assert_eq!(Percent4::truncated(1, 0), Percent4(0));
    }

    #[test]
    fn parse_styles() {
        assert_eq!(Percent4::parse("99.1000"), Some(Percent4(991000)));
        assert_eq!(Percent4::parse("39.226"), Some(Percent4(392260)));
        assert_eq!(Percent4::parse("64.4492%"), Some(Percent4(644492)));
        assert_eq!(Percent4::parse("100"), Some(Percent4(1_000_000)));
        assert_eq!(Percent4::parse("1.00000"), Some(Percent4(10000)));
        assert_eq!(Percent4::parse("1.00001"), None);
        assert_eq!(Percent4::parse("abc"), None);
        assert_eq!(Percent4::parse(""), None);
    }

    proptest! {
        /// Truncation never rounds up: the exact ratio is at least the truncated value and
        /// less than one ten-thousandth of a percent above it.
        #[test]
        fn truncation_never_rounds_up(num in 0u64..10_000_000_000, den in 1u64..10_000_000_000) {
            let p = Percent4::truncated(num, den).0 as u128;
            let exact_scaled = num as u128 * 1_000_000; // compare p/1e6 <= num/den < (p+1)/1e6
            prop_assert!(p * den as u128 <= exact_scaled);
            prop_assert!((p + 1) * den as u128 > exact_scaled);
        }

        #[test]
        fn display_parse_round_trip(v in 0u64..1_000_000_000) {
            prop_assert_eq!(Percent4::parse(&Percent4(v).to_string()), Some(Percent4(v)));
        }
    }
}
