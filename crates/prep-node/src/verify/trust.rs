//! Which keys the node trusts for which corte: the configured key, or, once the institute's
//! root key has delegated ([`prep_package::Delegation`]), the online keys of each sequence.
//!
//! A delegation arrives in the inbox like a package: a directory holding exactly `keys.json`
//! and `keys.json.minisig` (signed by the root key the node pins, `root_key` in `node.toml`),
//! `.prep-complete` last. It is kept as `data/keys.json` with its signature, verified again at
//! every start, and takes effect for the next package checked: no restart, no new
//! configuration. Without a pinned root key every delegation is refused. The node's side
//! (receiving a delegation, the keys of a sequence) is `impl Node` in `node_trust`.

use crate::verify::read_bounded;
use prep_inbox::{COMPLETE_MARKER, holds_files};
use prep_package::{
    DELEGATION_PATH, DELEGATION_SIGNATURE_PATH, Delegation, VerifyingKey, delegation,
    verify_delegation,
};
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
