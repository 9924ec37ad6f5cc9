//! The manifest: what a corte package holds.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The format identifier written in every manifest.
pub const FORMAT: &str = "prep-package/2";

/// The highest sequence a manifest may carry: a corte every minute for nearly two years. Far
/// below 2^64, so that no signed manifest can leave a receiver unable to accept any later one.
pub const MAX_SEQUENCE: u64 = 1_000_000;

/// The longest printed corte time (`site.corte_text`), in characters.
pub const MAX_CORTE_TEXT_CHARS: usize = 64;

/// What the site reads from the pointer, signed inside the manifest (`site`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// The corte time as the institute prints it (`03/06/2024 20:00 (UTC-6)`): what every
    /// page shows at all times.
    pub corte_text: String,
    /// Path of the corte's index (a listed file).
    pub index: String,
    /// The zipped CSV database of each election (id → listed path), when the index does not
    /// name them (institutes name the zip by its corte time).
    pub databases: BTreeMap<String, String>,
    /// Path of the public list of official difusores (a listed file), when the institute
    /// publishes one.
    pub difusores: Option<String>,
}

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
    /// What the pointer `json/main.json` tells the site besides the fields above: the printed
    /// corte time and the paths of the index, databases and list of difusores (all listed).
    pub site: Site,
    /// Every file, sorted by path.
    pub files: Vec<FileEntry>,
}

impl From<crate::paths::PathError> for ManifestError {
    fn from(e: crate::paths::PathError) -> Self {
        ManifestError::Path {
            path: e.path,
            why: e.why,
        }
    }
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
    /// A sequence of 0 or above [`MAX_SEQUENCE`].
    #[error("sequence {0} is outside 1..={MAX_SEQUENCE}")]
    SequenceRange(u64),
    /// A time field that is not RFC 3339 (`2024-06-03T20:00:00-06:00`).
    #[error("{field} {value:?} is not an RFC 3339 time like 2024-06-03T20:00:00-06:00")]
    Time {
        /// The field.
        field: &'static str,
        /// Its value.
        value: String,
    },
    /// The expiry is not after the corte and creation times.
    #[error("expires {expires} is not after the corte {corte} and its creation {created}")]
    ExpiresBeforeCorte {
        /// `expires`.
        expires: String,
        /// `corte`.
        corte: String,
        /// `created`.
        created: String,
    },
    /// A `site` field that is not well formed, or names a file the manifest does not list.
    #[error("site.{field}: {why}")]
    Site {
        /// The field (`index`, `databases.gub`, `difusores`, `corte_text`).
        field: String,
        /// Why.
        why: String,
    },
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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
        let mut out = serde_json::to_vec_pretty(self).expect(
            "a manifest (strings, integers, booleans, a map with string keys) always serializes",
        );
        out.push(b'\n');
        out
    }

    /// Reads and validates manifest bytes: JSON shape (unknown fields refused), format,
    /// every path and hash, sorted unique files, and canonical form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Json(e.to_string()))?;
        m.validate()?;
        if m.to_bytes() != bytes {
            return Err(ManifestError::NotCanonical);
        }
        Ok(m)
    }

    /// Every rule but the canonical form: format, sequence range, times, every path and hash
    /// (by [`crate::paths`]), sorted unique files, and the `site` fields. The publisher runs it
    /// before signing; [`Manifest::from_bytes`] runs it on what it reads.
    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.format != FORMAT {
            return Err(ManifestError::Format(self.format.clone()));
        }
        if self.sequence == 0 || self.sequence > MAX_SEQUENCE {
            return Err(ManifestError::SequenceRange(self.sequence));
        }
        self.validate_times()?;
        if let Some(p) = &self.previous {
            validate_hash("previous", p)?;
        }
        for (i, f) in self.files.iter().enumerate() {
            crate::paths::validate_path(&f.path)?;
            validate_hash(&f.path, &f.sha256)?;
            if i > 0 && self.files[i - 1].path >= f.path {
                return Err(ManifestError::Order(f.path.clone()));
            }
        }
        crate::paths::validate_path_set(self.files.iter().map(|f| f.path.as_str()))?;
        self.validate_site()
    }

    /// `corte`, `created` and `expires` are RFC 3339, and the expiry follows both others.
    fn validate_times(&self) -> Result<(), ManifestError> {
        let parse = |field, value: &str| {
            crate::time::rfc3339_seconds(value).ok_or_else(|| ManifestError::Time {
                field,
                value: value.to_owned(),
            })
        };
        let corte = parse("corte", &self.corte)?;
        let created = parse("created", &self.created)?;
        let expires = parse("expires", &self.expires)?;
        if expires <= corte || expires <= created {
            return Err(ManifestError::ExpiresBeforeCorte {
                expires: self.expires.clone(),
                corte: self.corte.clone(),
                created: self.created.clone(),
            });
        }
        Ok(())
    }

    /// The `site` fields: a printable corte text, and paths of listed files.
    fn validate_site(&self) -> Result<(), ManifestError> {
        let bad = |field: &str, why: String| ManifestError::Site {
            field: field.to_owned(),
            why,
        };
        let text = &self.site.corte_text;
        if text.trim().is_empty()
            || text.chars().count() > MAX_CORTE_TEXT_CHARS
            || text
                .chars()
                .any(|c| c.is_control() || crate::paths::is_invisible(c))
        {
            return Err(bad(
                "corte_text",
                format!("{text:?} must be 1 to {MAX_CORTE_TEXT_CHARS} printable characters"),
            ));
        }
        let listed = |field: &str, path: &str| {
            if self.file(path).is_some() {
                Ok(())
            } else {
                Err(bad(field, format!("{path:?} is not a listed file")))
            }
        };
        listed("index", &self.site.index)?;
        for (id, path) in &self.site.databases {
            let id_ok = !id.is_empty()
                && id.len() <= 32
                && id
                    .bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'));
            if !id_ok {
                return Err(bad(
                    "databases",
                    format!("election id {id:?} is not 1 to 32 of [a-z0-9_-]"),
                ));
            }
            listed(&format!("databases.{id}"), path)?;
        }
        if let Some(path) = &self.site.difusores {
            listed("difusores", path)?;
        }
        Ok(())
    }

    /// The entry of `path`, when the manifest lists it (files are sorted).
    pub fn file(&self, path: &str) -> Option<&FileEntry> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
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
            site: Site {
                corte_text: "03/06/2024 20:00 (UTC-6)".into(),
                index: "index.html".into(),
                ..Site::default()
            },
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
        let mut m = sample();
        m.files[0].path = "../escape".into();
        assert!(matches!(
            Manifest::from_bytes(&m.to_bytes()),
            Err(ManifestError::Path { .. })
        ));
    }

    #[test]
    fn site_must_name_listed_files_and_printable_text() {
        let m = sample();
        assert!(Manifest::from_bytes(&m.to_bytes()).is_ok());
        let refused = |edit: &dyn Fn(&mut Manifest)| {
            let mut m = sample();
            edit(&mut m);
            match Manifest::from_bytes(&m.to_bytes()) {
                Err(ManifestError::Site { field, .. }) => field,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            refused(&|m| m.site.index = "json/other.json".into()),
            "index"
        );
        assert_eq!(
            refused(&|m| {
                m.site
                    .databases
                    .insert("gub".into(), "historial/1/old.zip".into());
            }),
            "databases.gub"
        );
        assert_eq!(
            refused(&|m| m.site.difusores = Some("../difusores.json".into())),
            "difusores"
        );
        assert_eq!(
            refused(&|m| m.site.corte_text = "03/06/2024 \u{202e}00:02".into()),
            "corte_text"
        );
        assert_eq!(refused(&|m| m.site.corte_text = " ".into()), "corte_text");
    }

    #[test]
    fn sequence_and_times_are_bounded() {
        let mut m = sample();
        m.sequence = u64::MAX;
        assert_eq!(
            Manifest::from_bytes(&m.to_bytes()),
            Err(ManifestError::SequenceRange(u64::MAX))
        );
        m.sequence = 0;
        assert!(Manifest::from_bytes(&m.to_bytes()).is_err());
        let mut m = sample();
        m.expires = m.corte.clone();
        assert!(matches!(
            Manifest::from_bytes(&m.to_bytes()),
            Err(ManifestError::ExpiresBeforeCorte { .. })
        ));
        let mut m = sample();
        m.created = "yesterday".into();
        assert!(matches!(
            Manifest::from_bytes(&m.to_bytes()),
            Err(ManifestError::Time {
                field: "created",
                ..
            })
        ));
    }

    #[test]
    fn paths_that_cannot_coexist_are_refused() {
        let mut m = sample();
        for p in ["json/x", "json/x/y"] {
            m.files.push(FileEntry {
                path: p.into(),
                sha256: sha256_hex(p.as_bytes()),
                size: 1,
            });
        }
        m.sort_files();
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
