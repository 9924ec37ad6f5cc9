//! The node's side of key delegation ([`crate::verify::trust`]): receiving a delegation from the
//! inbox, and the keys that may sign each corte.

use crate::node::{Node, Outcome};
use crate::verify::{Refusal, read_signed_document};
use prep_inbox::events::{NodeEvent, Received};
use prep_package::{
    DELEGATION_PATH, DELEGATION_SIGNATURE_PATH, Delegation, VerifyingKey, delegation,
    verify_delegation,
};
use std::path::Path;

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
        self.events().record(NodeEvent::Receive {
            package: name.to_owned(),
            kind: Some(Received::Keys),
        });
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
        self.events().record(NodeEvent::Keys { version, keys });
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
