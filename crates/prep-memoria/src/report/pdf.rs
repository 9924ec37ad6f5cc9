//! The PDF: headless Chromium prints the HTML report (`--print-to-pdf`).

use crate::error::MemoriaError;
use std::path::Path;
use std::process::Command;

/// Prints `html` to `pdf` with the Chromium at `chromium`.
pub fn print_pdf(chromium: &Path, html: &Path, pdf: &Path) -> Result<(), MemoriaError> {
    let html = std::path::absolute(html).map_err(|e| MemoriaError::Pdf(e.to_string()))?;
    let profile = tempfile::tempdir()
        .map_err(|e| MemoriaError::Pdf(format!("no temporary profile directory: {e}")))?;
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .map_err(|e| {
            MemoriaError::Pdf(format!(
                "cannot run {}: {e} (install chromium or pass --no-pdf)",
                chromium.display()
            ))
        })?;
    let ok = std::fs::metadata(pdf).is_ok_and(|m| m.len() > 0);
    if !output.status.success() || !ok {
        return Err(MemoriaError::Pdf(format!(
            "{} exited with {}: {}",
            chromium.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        )));
    }
    Ok(())
}
