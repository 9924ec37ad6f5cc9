//! Which keys the node trusts for which corte: the configured key, or, once the institute's
//! root key has delegated ([`prep_package::Delegation`]), the online keys of each sequence.
//!
//! A delegation arrives in the inbox like a package: a directory holding exactly `keys.json`
//! and `keys.json.minisig` (signed by the root key the node pins, `root_key` in `node.toml`),
//! `.prep-complete` last. It is kept as `data/keys.json` with its signature, verified again at
//! every start, and takes effect for the next package checked: no restart, no new
//! configuration. Without a pinned root key every delegation is refused.

use crate::node::{Node, Outcome};
use crate::package_dir::{
    COMPLETE_MARKER, Refusal, holds_files, read_bounded, read_signed_document,
};
use prep_package::{
    DELEGATION_PATH, DELEGATION_SIGNATURE_PATH, Delegation, VerifyingKey, delegation,
    verify_delegation,
};
use serde_json::json;
use std::path::Path;

/// Whether `dir` is a complete delegation delivery (its signature and the marker are there).
pub fn is_complete_delegation(dir: &Path) -> bool {
    holds_files(dir, &[DELEGATION_SIGNATURE_PATH, COMPLETE_MARKER])
}

/// The delegation in force in a data directory, verified with `root`; `None` when there is
/// none. A stored one that does not verify is an error (the data directory was tampered with).
pub fn load_delegation(data: &Path, root: &VerifyingKey) -> anyhow::Result<Option<Delegation>> {
    let Some(bytes) = read_bounded(
        &data.join(DELEGATION_PATH),
        delegation::MAX_DELEGATION_BYTES,
    )
    .map_err(anyhow::Error::msg)?
    else {
        return Ok(None);
    };
    let minisig = read_bounded(&data.join(DELEGATION_SIGNATURE_PATH), 4096)
        .map_err(anyhow::Error::msg)?
        .ok_or_else(|| anyhow::anyhow!("{DELEGATION_PATH} is kept without its signature"))?;
    let minisig = String::from_utf8(minisig)?;
    let d = verify_delegation(root, &bytes, &minisig, None)
        .map_err(|e| anyhow::anyhow!("the kept {DELEGATION_PATH} does not verify: {e}"))?;
    Ok(Some(d))
}

impl Node {
    /// The keys that may sign corte `sequence`: the delegation's, or the configured key.
    pub fn keys_for(&self, sequence: u64) -> Vec<VerifyingKey> {
        match &*self.delegation() {
            Some(d) => d.keys_for(sequence),
            None => vec![self.config().key.clone()],
        }
    }

    /// Receives a delegation delivery: refused with its reason, or kept and in force from
    /// the next package on.
    pub(crate) fn receive_delegation(&self, dir: &Path, name: &str) -> anyhow::Result<Outcome> {
        self.events()
            .record("receive", json!({"package": name, "kind": "keys"}));
        let checked = self.check_delegation(dir);
        let (d, bytes, minisig) = match checked {
            Ok(found) => found,
            Err(reason) => return self.reject(dir, name, &Refusal::Keys(reason)),
        };
        let data = self.config().data.clone();
        prep_fs::write_durably_with(
            data.join(DELEGATION_SIGNATURE_PATH),
            minisig.as_bytes(),
            prep_fs::WriteOptions::new().sync_dir(false),
        )?;
        prep_fs::write_durably(data.join(DELEGATION_PATH), &bytes)?;
        let version = d.version;
        let keys: Vec<String> = d.keys.iter().map(|k| k.key.clone()).collect();
        *self.delegation_mut() = Some(d);
        self.events()
            .record("keys", json!({"version": version, "keys": keys}));
        self.discard(dir)?;
        Ok(Outcome::Keys {
            package: name.to_owned(),
            version,
        })
    }

    /// A delegation delivery: exactly the two files and the marker, signed by the pinned
    /// root key, newer than the one in force.
    fn check_delegation(&self, dir: &Path) -> Result<(Delegation, Vec<u8>, String), String> {
        let Some(root) = &self.config().root_key else {
            return Err(
                "this node pins no root key (root_key in node.toml): key delegations are refused"
                    .into(),
            );
        };
        let (bytes, minisig) = read_signed_document(
            dir,
            "a key delegation",
            DELEGATION_PATH,
            DELEGATION_SIGNATURE_PATH,
            delegation::MAX_DELEGATION_BYTES,
        )?;
        let current = self.delegation().as_ref().map(|d| d.version);
        let d = verify_delegation(root, &bytes, &minisig, current).map_err(|e| e.to_string())?;
        Ok((d, bytes, minisig))
    }
}
