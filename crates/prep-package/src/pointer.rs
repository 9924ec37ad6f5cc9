//! `json/main.json`, the pointer: the only file of a package outside the manifest, and a pure
//! function of it.
//!
//! Everything a browser, the site or the monitor reads from the pointer (the corte time as
//! printed, the index, the zipped databases, the list of difusores, the final flag) is signed:
//! it is the manifest's [`Site`](crate::Site) and header fields. The pointer adds only the
//! manifest's hash, which cannot be inside the manifest. A receiver therefore never interprets
//! a pointer it was handed: it requires the bytes to be exactly [`Pointer::of`] the manifest
//! they name ([`check_pointer`]), or rebuilds them from the manifest.

use crate::{Manifest, sha256_hex};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Path of the pointer in a package.
pub const POINTER_PATH: &str = "json/main.json";
/// Path of the manifest in a package.
pub const MANIFEST_PATH: &str = "manifest.json";
/// Path of the manifest's detached signature in a package.
pub const SIGNATURE_PATH: &str = "manifest.json.minisig";
/// The files of a package its manifest does not list: the manifest, its signature and the
/// pointer (which names the manifest by hash).
pub const UNLISTED_FILES: [&str; 3] = [MANIFEST_PATH, SIGNATURE_PATH, POINTER_PATH];
/// The largest pointer a receiver reads: a canonical pointer of a manifest is far smaller
/// (a few hundred bytes plus one line per election).
pub const MAX_POINTER_BYTES: u64 = 64 * 1024;

/// The pointer a client reads first: which corte is current and where its files are. Every
/// field is the manifest's but `manifest_sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pointer {
    /// The corte's sequence number.
    pub sequence: u64,
    /// The corte time as the institute prints it (`03/06/2024 20:00 (UTC-6)`).
    pub corte: String,
    /// The corte time, RFC 3339.
    pub corte_rfc3339: String,
    /// Whether this is the last corte.
    #[serde(rename = "final")]
    pub is_final: bool,
    /// Path of the corte's index.
    pub index: String,
    /// Path of the corte's manifest ([`MANIFEST_PATH`]).
    pub manifest: String,
    /// SHA-256 of the manifest's bytes.
    pub manifest_sha256: String,
    /// The zipped CSV database of each election (id → path).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub databases: BTreeMap<String, String>,
    /// Path of the public list of official difusores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difusores: Option<String>,
}

/// Why pointer bytes are not the pointer of a manifest.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PointerError {
    /// Larger than [`MAX_POINTER_BYTES`].
    #[error("{size} bytes, more than the {MAX_POINTER_BYTES} a pointer may have")]
    TooLarge {
        /// Its size.
        size: u64,
    },
    /// Not the bytes [`Pointer::of`] the manifest gives; `field` names the first field that
    /// differs (or `bytes` when only the serialization does).
    #[error(
        "{claim}is not the pointer of manifest sequence {sequence} ({field} differs): the pointer carries nothing the signed manifest does not",
        claim = claims.map_or_else(String::new, |c| format!("points at sequence {c}, which "))
    )]
    NotOfManifest {
        /// The manifest's sequence.
        sequence: u64,
        /// The sequence the pointer claims, when it claims another.
        claims: Option<u64>,
        /// The first field that differs.
        field: String,
    },
}

impl Pointer {
    /// The pointer of `manifest`, whose canonical bytes hash to `manifest_sha256`.
    pub fn of(manifest: &Manifest, manifest_sha256: &str) -> Pointer {
        Pointer {
            sequence: manifest.sequence,
            corte: manifest.site.corte_text.clone(),
            corte_rfc3339: manifest.corte.clone(),
            is_final: manifest.is_final,
            index: manifest.site.index.clone(),
            manifest: MANIFEST_PATH.to_owned(),
            manifest_sha256: manifest_sha256.to_owned(),
            databases: manifest.site.databases.clone(),
            difusores: manifest.site.difusores.clone(),
        }
    }

    /// The pointer's canonical bytes (pretty JSON, fields in declaration order, final newline).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self)
            .expect("a pointer (strings, integers, a map with string keys) always serializes");
        out.push(b'\n');
        out
    }

    /// The bytes of `json/main.json` for the manifest whose exact bytes are `manifest_bytes`.
    pub fn bytes_for(manifest: &Manifest, manifest_bytes: &[u8]) -> Vec<u8> {
        Pointer::of(manifest, &sha256_hex(manifest_bytes)).to_bytes()
    }
}

/// Checks that `bytes` are exactly the canonical pointer of `manifest` (whose exact bytes are
/// `manifest_bytes`): nothing added, nothing changed, nothing re-serialized.
pub fn check_pointer(
    bytes: &[u8],
    manifest: &Manifest,
    manifest_bytes: &[u8],
) -> Result<(), PointerError> {
    check_pointer_hashed(bytes, manifest, &sha256_hex(manifest_bytes))
}

/// [`check_pointer`] for a receiver that already holds the manifest's hash.
pub fn check_pointer_hashed(
    bytes: &[u8],
    manifest: &Manifest,
    manifest_sha256: &str,
) -> Result<(), PointerError> {
    if bytes.len() as u64 > MAX_POINTER_BYTES {
        return Err(PointerError::TooLarge {
            size: bytes.len() as u64,
        });
    }
    let want = Pointer::of(manifest, manifest_sha256);
    if bytes == want.to_bytes() {
        return Ok(());
    }
    #[derive(Deserialize)]
    struct Claim {
        sequence: u64,
    }
    let claims = serde_json::from_slice::<Claim>(bytes)
        .ok()
        .map(|c| c.sequence)
        .filter(|&c| c != manifest.sequence);
    Err(PointerError::NotOfManifest {
        sequence: manifest.sequence,
        claims,
        field: first_difference(bytes, &want),
    })
}

/// The first field of `bytes` (parsed loosely) that differs from `want`, for the refusal's
/// reason.
fn first_difference(bytes: &[u8], want: &Pointer) -> String {
    let Ok(got) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return "bytes (not JSON)".to_owned();
    };
    let Ok(serde_json::Value::Object(want)) = serde_json::to_value(want) else {
        return "bytes".to_owned();
    };
    let Some(got) = got.as_object() else {
        return "bytes (not a JSON object)".to_owned();
    };
    for (name, value) in &want {
        if got.get(name) != Some(value) {
            return name.clone();
        }
    }
    if let Some(extra) = got.keys().find(|k| !want.contains_key(*k)) {
        // `databases` and `difusores` are left out when the manifest has none.
        const OPTIONAL: [&str; 2] = ["databases", "difusores"];
        return if OPTIONAL.contains(&extra.as_str()) {
            extra.clone()
        } else {
            format!("{extra} (not a pointer field)")
        };
    }
    "bytes (not the canonical serialization)".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FORMAT, FileEntry, Site};

    fn manifest() -> Manifest {
        let file = |path: &str| FileEntry {
            path: path.into(),
            sha256: sha256_hex(path.as_bytes()),
            size: 1,
        };
        Manifest {
            format: FORMAT.into(),
            institute: "IEEPUE".into(),
            process: "PEL2024".into(),
            sequence: 7,
            corte: "2024-06-03T20:00:00-06:00".into(),
            created: "2024-06-03T20:00:04-06:00".into(),
            expires: "2024-06-04T20:00:00-06:00".into(),
            is_final: false,
            previous: None,
            site: Site {
                corte_text: "03/06/2024 20:00 (UTC-6)".into(),
                index: "json/index.0123456789abcdef.json".into(),
                databases: [(
                    "gub".to_owned(),
                    "datos/20240603_2000_PREP_PUE.zip".to_owned(),
                )]
                .into(),
                difusores: Some("json/difusores.0123456789abcdef.json".into()),
            },
            files: vec![
                file("datos/20240601_2000_PREP_PUE.zip"),
                file("datos/20240603_2000_PREP_PUE.zip"),
                file("json/difusores.0123456789abcdef.json"),
                file("json/index.0123456789abcdef.json"),
                file("json/index.fedcba9876543210.json"),
            ],
        }
    }

    #[test]
    fn only_the_canonical_pointer_of_the_manifest_passes() {
        let m = manifest();
        let bytes = m.to_bytes();
        let good = Pointer::bytes_for(&m, &bytes);
        assert_eq!(check_pointer(&good, &m, &bytes), Ok(()));
        let text = String::from_utf8(good.clone()).expect("utf-8");
        // Each field a browser or the monitor reads, changed, and extra fields added.
        for (edit, field) in [
            (
                text.replace("03/06/2024 20:00", "03/06/2024 23:59"),
                "corte",
            ),
            (text.replace("\"final\": false", "\"final\": true"), "final"),
            (
                text.replace("index.0123456789abcdef", "index.fedcba9876543210"),
                "index",
            ),
            (
                text.replace("20240603_2000_PREP_PUE", "20240601_2000_PREP_PUE"),
                "databases",
            ),
            (
                text.replace("json/difusores.0123456789abcdef.json", "json/otra.json"),
                "difusores",
            ),
            (
                text.replacen('{', "{\n  \"suspended\": true,", 1),
                "suspended (not a pointer field)",
            ),
            (
                text.replace("  ", "   "),
                "bytes (not the canonical serialization)",
            ),
        ] {
            assert_ne!(edit, text);
            match check_pointer(edit.as_bytes(), &m, &bytes) {
                Err(PointerError::NotOfManifest { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        // Another manifest's pointer names its sequence in the reason.
        let mut other = m.clone();
        other.sequence = 6;
        let theirs = Pointer::bytes_for(&other, &other.to_bytes());
        let e = check_pointer(&theirs, &m, &bytes).expect_err("refused");
        assert!(
            e.to_string()
                .starts_with("points at sequence 6, which is not"),
            "{e}"
        );
        let huge = vec![b' '; MAX_POINTER_BYTES as usize + 1];
        assert!(matches!(
            check_pointer(&huge, &m, &bytes),
            Err(PointerError::TooLarge { .. })
        ));
    }
}
