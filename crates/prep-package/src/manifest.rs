//! The manifest: what a corte package holds.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The format identifier written in every manifest.
pub const FORMAT: &str = "prep-package/1";

/// One file of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Path relative to the package root, `/`-separated (`json/gub/entidad.json`).
    pub path: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// The manifest of one corte package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The institute's id (`IEEPUE`).
    pub institute: String,
    /// The election process id (`PEL2024`).
    pub process: String,
    /// The corte's sequence number: strictly increasing over the night.
    pub sequence: u64,
    /// The corte time, RFC 3339 with the entidad's offset (`2024-06-03T20:00:00-06:00`).
    pub corte: String,
    /// When the package was built, RFC 3339.
    pub created: String,
    /// After this time a receiver must not newly publish the package (it would be a
    /// frozen corte), RFC 3339.
    pub expires: String,
    /// Whether this is the last corte of the PREP.
    #[serde(rename = "final")]
    pub is_final: bool,
    /// SHA-256 of the previous corte's manifest bytes; `None` for the first corte.
    pub previous: Option<String>,
    /// Every file, sorted by path.
    pub files: Vec<FileEntry>,
}

/// Why manifest bytes are not a valid manifest.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    /// Not JSON of the manifest's shape.
    #[error("not a manifest: {0}")]
    Json(String),
    /// Another format version.
    #[error("format is {0:?}; this program reads {FORMAT:?}")]
    Format(String),
    /// A path that could leave the package root or is not canonical.
    #[error("file path {path:?} is not allowed: {why}")]
    Path {
        /// The path.
        path: String,
        /// Why.
        why: &'static str,
    },
    /// A hash that is not 64 lowercase hex digits.
    #[error("{what} is not a SHA-256 in lowercase hex: {value:?}")]
    Hash {
        /// Which hash.
        what: String,
        /// The value.
        value: String,
    },
    /// Files not sorted by path, or listed twice.
    #[error("files must be sorted by path and unique; {0:?} is out of order or repeated")]
    Order(String),
    /// The manifest's bytes are not its canonical serialization.
    #[error("the manifest is not in canonical form (it was not written by a conforming signer)")]
    NotCanonical,
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks that a package path is relative, `/`-separated, and stays inside the root: no empty,
/// `.` or `..` segment, no leading `/`, no backslash, no control character, at most 512 bytes.
pub fn validate_path(path: &str) -> Result<(), ManifestError> {
    let bad = |why| {
        Err(ManifestError::Path {
            path: path.to_owned(),
            why,
        })
    };
    if path.is_empty() || path.len() > 512 {
        return bad("empty or longer than 512 bytes");
    }
    if path.starts_with('/') {
        return bad("absolute");
    }
    if path.contains('\\') || path.chars().any(char::is_control) {
        return bad("backslash or control character");
    }
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return bad("empty, `.` or `..` segment");
    }
    Ok(())
}

fn validate_hash(what: &str, value: &str) -> Result<(), ManifestError> {
    if value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(ManifestError::Hash {
            what: what.to_owned(),
            value: value.to_owned(),
        })
    }
}

impl Manifest {
    /// The canonical bytes: pretty JSON, fields in declaration order, a final newline. The
    /// signature and the next corte's `previous` are over exactly these bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// Reads and validates manifest bytes: JSON shape (unknown fields refused), format,
    /// every path and hash, sorted unique files, and canonical form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Json(e.to_string()))?;
        if m.format != FORMAT {
            return Err(ManifestError::Format(m.format));
        }
        if let Some(p) = &m.previous {
            validate_hash("previous", p)?;
        }
        for (i, f) in m.files.iter().enumerate() {
            validate_path(&f.path)?;
            validate_hash(&f.path, &f.sha256)?;
            if i > 0 && m.files[i - 1].path >= f.path {
                return Err(ManifestError::Order(f.path.clone()));
            }
        }
        if m.to_bytes() != bytes {
            return Err(ManifestError::NotCanonical);
        }
        Ok(m)
    }

    /// The SHA-256 of the canonical bytes: what the next corte's `previous` must be.
    pub fn hash(&self) -> String {
        sha256_hex(&self.to_bytes())
    }

    /// Sorts the files by path (the canonical order).
    pub fn sort_files(&mut self) {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// The total size of the listed files.
    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Manifest {
        let mut m = Manifest {
            format: FORMAT.into(),
            institute: "IEEPUE".into(),
            process: "PEL2024".into(),
            sequence: 7,
            corte: "2024-06-03T20:00:00-06:00".into(),
            created: "2024-06-03T20:00:04-06:00".into(),
            expires: "2024-06-03T21:00:00-06:00".into(),
            is_final: false,
            previous: Some(sha256_hex(b"previous")),
            files: vec![
                FileEntry {
                    path: "json/main.json".into(),
                    sha256: sha256_hex(b"a"),
                    size: 1,
                },
                FileEntry {
                    path: "index.html".into(),
                    sha256: sha256_hex(b"b"),
                    size: 1,
                },
            ],
        };
        m.sort_files();
        m
    }

    #[test]
    fn canonical_round_trip() {
        let m = sample();
        let bytes = m.to_bytes();
        assert_eq!(Manifest::from_bytes(&bytes), Ok(m.clone()));
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.contains("\"final\": false"));
        let spaced = text.replace("\"sequence\": 7", "\"sequence\":  7");
        assert_eq!(
            Manifest::from_bytes(spaced.as_bytes()),
            Err(ManifestError::NotCanonical)
        );
    }

    #[test]
    fn hostile_paths_are_refused() {
        for bad in [
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "./a",
            "a\\b",
            "",
            "a/\u{0}",
        ] {
            assert!(validate_path(bad).is_err(), "{bad:?}");
        }
        for good in ["index.html", "json/gub/entidad.json", "a.b/c-d_e"] {
            assert!(validate_path(good).is_ok(), "{good:?}");
        }
        let mut m = sample();
        m.files[0].path = "../escape".into();
        assert!(matches!(
            Manifest::from_bytes(&m.to_bytes()),
            Err(ManifestError::Path { .. })
        ));
    }

    #[test]
    fn unsorted_or_bad_hash_is_refused() {
        let mut m = sample();
        m.files.reverse();
        assert!(matches!(
            Manifest::from_bytes(&m.to_bytes()),
            Err(ManifestError::Order(_))
        ));
        let mut m = sample();
        m.files[0].sha256 = "ABC".into();
        assert!(matches!(
            Manifest::from_bytes(&m.to_bytes()),
            Err(ManifestError::Hash { .. })
        ));
    }
}
