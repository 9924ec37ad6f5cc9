//! A whole package: data, the zipped database, the manifest and the pointer.

use crate::{CorteData, PackageFile, Pointer};
use prep_package::{FORMAT, FileEntry, Manifest, Site, sha256_hex};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;

/// What the manifest says about a corte besides its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorteInfo {
    /// Institute id.
    pub institute: String,
    /// Process id.
    pub process: String,
    /// Sequence number.
    pub sequence: u64,
    /// Corte time as printed (`03/06/2024 20:00 (UTC-6)`).
    pub corte: String,
    /// Corte time, RFC 3339.
    pub corte_rfc3339: String,
    /// Build time, RFC 3339.
    pub created: String,
    /// Expiry, RFC 3339.
    pub expires: String,
    /// Last corte.
    pub is_final: bool,
    /// Hash of the previous manifest.
    pub previous: Option<String>,
    /// The zipped database of each election (id → path among the files), when the index does
    /// not name them; signed in the manifest's `site`, read by the site through the pointer.
    pub databases: BTreeMap<String, String>,
    /// Path of the public list of difusores among the files, when there is one.
    pub difusores: Option<String>,
}

/// A package ready to sign and write: its files (the manifest lists them all), the manifest,
/// and `json/main.json` (outside the manifest, which it names by hash; [`Pointer::of`] the
/// manifest, so it carries nothing unsigned).
#[derive(Debug, Clone)]
pub struct Package {
    /// The listed files.
    pub files: Vec<PackageFile>,
    /// The manifest (sign its [`Manifest::to_bytes`]).
    pub manifest: Manifest,
    /// `json/main.json`.
    pub pointer: Pointer,
}

/// Puts the data files and any others (the zipped databases, site assets) under one manifest.
pub fn assemble(data: CorteData, extra: Vec<PackageFile>, info: &CorteInfo) -> Package {
    let known = data.sha256;
    let mut files = data.files;
    files.extend(extra);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        institute: info.institute.clone(),
        process: info.process.clone(),
        sequence: info.sequence,
        corte: info.corte_rfc3339.clone(),
        created: info.created.clone(),
        expires: info.expires.clone(),
        is_final: info.is_final,
        previous: info.previous.clone(),
        site: Site {
            corte_text: info.corte.clone(),
            index: data.index,
            databases: info.databases.clone(),
            difusores: info.difusores.clone(),
        },
        // Data files come hashed from build_data; the others are hashed on every core.
        files: files
            .par_iter()
            .map(|f| FileEntry {
                path: f.path.clone(),
                sha256: match known.get(&f.path) {
                    Some((size, sha)) if *size == f.bytes.len() => sha.clone(),
                    _ => sha256_hex(&f.bytes),
                },
                size: f.bytes.len() as u64,
            })
            .collect(),
    };
    let pointer = Pointer::of(&manifest, &manifest.hash());
    Package {
        files,
        manifest,
        pointer,
    }
}

/// The deflate level of [`zip()`]. With zlib-rs, a synthetic national CSV (≈ 57 MB) deflates
/// to ≈ 23 MB at level 1 (≈ 0.15 s of CPU), ≈ 16 MB at level 2 (≈ 0.3 s) and ≈ 15 MB at
/// level 6 (≈ 2 s). The zip changes every corte, so its bytes are paid on every delivery.
pub const ZIP_LEVEL: i64 = 2;

/// A zip of `entries` (name, bytes), deterministic: fixed modification time, fixed order.
pub fn zip(entries: &[(&str, &[u8])]) -> std::io::Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(ZIP_LEVEL))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in entries {
        w.start_file(*name, options)
            .map_err(std::io::Error::other)?;
        w.write_all(bytes)?;
    }
    Ok(w.finish().map_err(std::io::Error::other)?.into_inner())
}

/// The zip's name as institutes name it: `YYYYMMDD_HHMM_PREP_<ENT>.zip` from the corte line
/// `dd/mm/yyyy hh:mm …`; `None` when the line is not in that form.
pub fn database_zip_name(corte: &str, entidad: &str) -> Option<String> {
    let b = corte.trim().as_bytes();
    if b.len() < 16 || b[2] != b'/' || b[5] != b'/' || b[13] != b':' {
        return None;
    }
    let t = corte.trim();
    Some(format!(
        "{}{}{}_{}{}_PREP_{}.zip",
        &t[6..10],
        &t[3..5],
        &t[0..2],
        &t[11..13],
        &t[14..16],
        entidad
    ))
}

/// The corte line `dd/mm/yyyy hh:mm (UTC-6)` as RFC 3339 (`yyyy-mm-ddThh:mm:00-06:00`).
pub fn corte_rfc3339(corte: &str) -> Option<String> {
    let t = corte.trim();
    let b = t.as_bytes();
    if b.len() < 16 || b[2] != b'/' || b[5] != b'/' || b[10] != b' ' || b[13] != b':' {
        return None;
    }
    let offset = match t[16..]
        .trim()
        .strip_prefix("(UTC")
        .and_then(|r| r.strip_suffix(')'))
    {
        Some("") => "+00:00".to_owned(),
        Some(o) => {
            let (sign, hours) = o.split_at(1);
            let h: u32 = hours.parse().ok()?;
            if !matches!(sign, "+" | "-") || h > 14 {
                return None;
            }
            format!("{sign}{h:02}:00")
        }
        None => return None,
    };
    Some(format!(
        "{}-{}-{}T{}:{}:00{offset}",
        &t[6..10],
        &t[3..5],
        &t[0..2],
        &t[11..13],
        &t[14..16]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corte_names() {
        assert_eq!(
            database_zip_name("03/06/2024 20:00 (UTC-6)", "PUE").as_deref(),
            Some("20240603_2000_PREP_PUE.zip")
        );
        assert_eq!(
            corte_rfc3339("03/06/2024 20:00 (UTC-6)").as_deref(),
            Some("2024-06-03T20:00:00-06:00")
        );
        assert_eq!(
            corte_rfc3339("06/06/2021 18:00 (UTC-5)").as_deref(),
            Some("2021-06-06T18:00:00-05:00")
        );
        assert_eq!(corte_rfc3339("garbage"), None);
    }

    #[test]
    fn zip_is_deterministic() {
        let a = zip(&[("A.csv", b"x,y\n"), ("B.txt", b"hola")]).expect("zip");
        let b = zip(&[("A.csv", b"x,y\n"), ("B.txt", b"hola")]).expect("zip");
        assert_eq!(a, b);
        assert!(a.starts_with(b"PK\x03\x04"));
    }
}
