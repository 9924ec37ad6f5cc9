//! The report's outputs: [`html::render`] (self-contained, Spanish, inline SVG charts, through
//! the crate's minijinja templates),
//! [`tables::write_tables`] (CSV and JSON of every table), [`pdf::print_pdf`] (headless
//! Chromium's `--print-to-pdf`), and [`write_report`] that writes them all to a directory.

pub mod html;
pub mod pdf;
pub mod svg;
pub mod tables;

use crate::error::MemoriaError;
use crate::figures::Figures;
use std::path::{Path, PathBuf};

/// An integer with es-MX thousands separators (`1,234,567`).
pub fn num(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Writes `path`, naming it on failure.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), MemoriaError> {
    std::fs::write(path, bytes).map_err(|source| MemoriaError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `memoria.html`, the tables, and (when `chromium` is given) `memoria.pdf` to `dir`;
/// returns the paths written.
pub fn write_report(
    dir: &Path,
    figures: &Figures,
    meta: &html::Meta,
    chromium: Option<&Path>,
) -> Result<Vec<PathBuf>, MemoriaError> {
    std::fs::create_dir_all(dir).map_err(|source| MemoriaError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = tables::write_tables(dir, figures)?;
    let html_path = dir.join("memoria.html");
    write_file(&html_path, html::render(figures, meta)?.as_bytes())?;
    written.push(html_path.clone());
    if let Some(chromium) = chromium {
        let pdf_path = dir.join("memoria.pdf");
        pdf::print_pdf(chromium, &html_path, &pdf_path)?;
        written.push(pdf_path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(0), "0");
        assert_eq!(num(1234), "1,234");
        assert_eq!(num(1_234_567), "1,234,567");
    }
}
