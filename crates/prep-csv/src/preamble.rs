//! The lines above the table: title, corte and summary.

use crate::Dialect;
use prep_count::{Summary, SummaryField, SummaryValue};
use serde::{Deserialize, Serialize};

/// One element of the preamble, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreambleItem {
    /// The election title line (`GUBERNATURA`).
    Title,
    /// The corte date and time line (`03/06/2024 20:00 (UTC-6)`).
    Corte,
    /// The two summary lines: names, then values.
    Summary,
    /// An empty line.
    Blank,
    /// Any other line, kept verbatim.
    Text(String),
}

/// The summary as printed in a file: names and values exactly as written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PublishedSummary {
    /// The field names as printed (spellings vary by institute and year).
    pub names: Vec<String>,
    /// The values as printed (`8334`, `99.1000`, `2658993.0`, `64.4492%`).
    pub values: Vec<String>,
}

impl PublishedSummary {
    /// The printed value of a field, found under any of its names.
    pub fn raw(&self, field: SummaryField) -> Option<&str> {
        let i = self
            .names
            .iter()
            .position(|n| SummaryField::from_name(n) == Some(field))?;
        self.values.get(i).map(String::as_str)
    }

    /// The fields the summary names but prints no value for (an empty cell, or a values
    /// line shorter than the names line: Campeche 2021's corte cero, Coahuila 2017).
    pub fn unpublished(&self) -> Vec<&str> {
        self.names
            .iter()
            .enumerate()
            .filter(|(i, n)| {
                !n.trim().is_empty() && self.values.get(*i).is_none_or(|v| v.trim().is_empty())
            })
            .map(|(_, n)| n.as_str())
            .collect()
    }

    /// The parsed value of a field; `None` when absent or unparseable.
    pub fn value(&self, field: SummaryField) -> Option<SummaryValue> {
        SummaryValue::parse_published(field, self.raw(field)?)
    }

    /// Prints a computed summary with the 2024 names in a dialect.
    pub fn render(summary: &Summary, dialect: &Dialect) -> PublishedSummary {
        let names: Vec<String> = SummaryField::ALL
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        PublishedSummary::render_named(summary, dialect, names)
    }

    /// Prints a computed summary under the given names (those of the file being reproduced);
    /// names that are no summary field get an empty value.
    pub fn render_named(
        summary: &Summary,
        dialect: &Dialect,
        names: Vec<String>,
    ) -> PublishedSummary {
        let values = names
            .iter()
            .map(|n| match SummaryField::from_name(n) {
                Some(f) => format_value(f, summary.get(f), dialect),
                None => String::new(),
            })
            .collect();
        PublishedSummary { names, values }
    }
}

/// Formats one summary value in a dialect's number style.
pub fn format_value(field: SummaryField, value: SummaryValue, dialect: &Dialect) -> String {
    match value {
        SummaryValue::Percent(p) => {
            let apostrophe = if dialect.percent_apostrophe { "'" } else { "" };
            let sign = if dialect.percent_sign { "%" } else { "" };
            format!("{apostrophe}{p}{sign}")
        }
        SummaryValue::Count(n) => {
            let digits = if dialect.thousands_separators {
                group_thousands(n)
            } else {
                n.to_string()
            };
            if field.is_vote_total() && dialect.vote_totals_decimal {
                format!("{digits}.0")
            } else {
                digits
            }
        }
    }
}

/// `1527071` → `1,527,071`: a count as the INE's 2019 summary line (and a person) writes it.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The preamble of a database file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Preamble {
    /// The election title (`GUBERNATURA`).
    pub title: Option<String>,
    /// The corte date and time as printed (`03/06/2024 20:00 (UTC-6)`).
    pub corte: Option<String>,
    /// The summary, when the file has one.
    pub summary: Option<PublishedSummary>,
    /// The order of lines.
    pub items: Vec<PreambleItem>,
}

impl Preamble {
    /// The OPL 2024 layout: title, corte, blank, summary, blank.
    pub fn opl_2024(title: &str, corte: &str, summary: PublishedSummary) -> Preamble {
        Preamble {
            title: Some(title.to_owned()),
            corte: Some(corte.to_owned()),
            summary: Some(summary),
            items: vec![
                PreambleItem::Title,
                PreambleItem::Corte,
                PreambleItem::Blank,
                PreambleItem::Summary,
                PreambleItem::Blank,
            ],
        }
    }

    /// Parses the lines above the header. `split` splits one line into cells.
    pub(crate) fn parse(lines: &[&str], split: impl Fn(&str) -> Vec<String>) -> Preamble {
        let mut p = Preamble::default();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let first = split(line).into_iter().next().unwrap_or_default();
            // Blank is written back as an empty line: only ASCII spaces may be dropped. A
            // no-break space (Latin-1 0xA0) is kept as text, or writing the line back could
            // drop the one byte that made the file Latin-1 and change its encoding.
            if line.bytes().all(|b| b.is_ascii_whitespace()) {
                p.items.push(PreambleItem::Blank);
            } else if p.summary.is_none() && SummaryField::from_name(&first).is_some() {
                let names = split(line);
                let values = lines.get(i + 1).map(|l| split(l)).unwrap_or_default();
                p.summary = Some(PublishedSummary { names, values });
                p.items.push(PreambleItem::Summary);
                i += 1;
            } else if line.starts_with("sep=") {
                // Excel's delimiter hint (INE 2019): kept verbatim, never the title.
                p.items.push(PreambleItem::Text(line.to_owned()));
            } else if p.title.is_none() && p.corte.is_none() && !looks_like_corte(line) {
                p.title = Some(line.to_owned());
                p.items.push(PreambleItem::Title);
            } else if p.corte.is_none() && looks_like_corte(line) {
                p.corte = Some(unquoted(line).to_owned());
                p.items.push(PreambleItem::Corte);
            } else {
                p.items.push(PreambleItem::Text(line.to_owned()));
            }
            i += 1;
        }
        p
    }
}

/// A line without the quotes around it (`"07/06/2021 13:19 (UTC-7)"`, Sonora 2021).
pub(crate) fn unquoted(line: &str) -> &str {
    let t = line.trim();
    t.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(t)
}

/// `d/m/yyyy h:mm…` with one or two digits for day, month and hour, quoted or not: the
/// corte line (`03/06/2024 20:00 (UTC-6)`, `3/6/2019 09:15 (UTC-5)`).
pub(crate) fn looks_like_corte(line: &str) -> bool {
    let mut rest = unquoted(line).as_bytes();
    for (max, sep) in [(2, b'/'), (2, b'/'), (4, b' '), (2, b':')] {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let min = if max == 4 { 4 } else { 1 };
        if digits < min || digits > max || rest.get(digits) != Some(&sep) {
            return false;
        }
        rest = &rest[digits + 1..];
    }
    rest.len() >= 2 && rest[..2].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_counts() {
        assert_eq!(group_thousands(7), "7");
        assert_eq!(group_thousands(7672), "7,672");
        assert_eq!(group_thousands(1527071), "1,527,071");
        assert_eq!(group_thousands(100000), "100,000");
    }

    #[test]
    fn corte_line() {
        assert!(looks_like_corte("03/06/2024 20:00 (UTC-6)"));
        assert!(!looks_like_corte("GUBERNATURA"));
        assert!(looks_like_corte("3/6/2019 09:15 (UTC-5)"));
        assert!(looks_like_corte("\"07/06/2021 13:19 (UTC-7)\""));
        assert!(!looks_like_corte("3/6/19 09:15"));
        assert!(!looks_like_corte("ACTAS_ESPERADAS,ACTAS_REGISTRADAS"));
    }
}
