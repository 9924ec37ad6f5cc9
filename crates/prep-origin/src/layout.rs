//! The origin layout: the paths a pull node reads, the same on the origin server and in an
//! S3 bucket written by the `s3` channel, so a node can pull from either.
//!
//! ```text
//! latest.json                        {"sequence": N}: the newest corte; written last
//! cortes/<N>/manifest.json           corte N's manifest, exact bytes
//! cortes/<N>/manifest.json.minisig   its signature
//! cortes/<N>/json/main.json          its pointer
//! objects/<sha256>                   every listed file's bytes, named by its SHA-256
//! events                             (server only) server-sent events, `corte` on each new one
//! ```

use serde::{Deserialize, Serialize};

/// The path of the newest corte's number.
pub const LATEST_PATH: &str = "latest.json";
/// The path of the change notification stream (server-sent events).
pub const EVENTS_PATH: &str = "events";
/// The files of a corte served under `cortes/<N>/`: they are not listed in the manifest.
pub const CORTE_FILES: [&str; 3] = prep_package::UNLISTED_FILES;

/// The body of `latest.json`, and the data of each `corte` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latest {
    /// The newest corte's sequence.
    pub sequence: u64,
}

/// `cortes/<N>/<file>`, for one of [`CORTE_FILES`].
pub fn corte_path(sequence: u64, file: &str) -> String {
    format!("cortes/{sequence}/{file}")
}

/// `objects/<sha256>`.
pub fn object_path(sha256: &str) -> String {
    format!("objects/{sha256}")
}

/// Whether `text` is a SHA-256 as manifests write it: 64 lowercase hex digits.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_hashes() {
        assert_eq!(corte_path(7, "manifest.json"), "cortes/7/manifest.json");
        assert_eq!(object_path("ab"), "objects/ab");
        assert!(is_sha256(&"0f".repeat(32)));
        assert!(!is_sha256(&"0F".repeat(32)));
        assert!(!is_sha256(&"0f".repeat(31)));
        assert!(!is_sha256(&format!("{}/x", "0".repeat(62))));
        let latest: Latest = serde_json::from_str(r#"{"sequence": 3}"#).expect("json");
        assert_eq!(latest, Latest { sequence: 3 });
        assert!(serde_json::from_str::<Latest>(r#"{"sequence": 3, "x": 1}"#).is_err());
    }
}
