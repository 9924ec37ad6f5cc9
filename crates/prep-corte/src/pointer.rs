//! `json/main.json`: the only mutable file of a package.

use serde::{Deserialize, Serialize};

/// The pointer a client reads first: which corte is current and where its files are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Path of the corte's manifest.
    pub manifest: String,
    /// SHA-256 of the manifest.
    pub manifest_sha256: String,
    /// The zipped CSV database of each election (id → path), when the index does not name
    /// them: institutes name the zip by its corte time, so naming it in the index would
    /// change the index at every corte.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub databases: std::collections::BTreeMap<String, String>,
    /// Path of the public list of official difusores ([`crate::difusores`]), when the
    /// institute publishes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difusores: Option<String>,
}

impl Pointer {
    /// The file's bytes (pretty JSON, final newline).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}
