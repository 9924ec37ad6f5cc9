//! Key rotation: an offline root key signs which online keys may sign cortes, and from which
//! sequence to which.
//!
//! The institute keeps a root key off the publishing machine; receivers pin it. A delegation
//! (`keys.json`, format [`DELEGATION_FORMAT`]) lists the online keys, each with the range of
//! corte sequences it may sign, and carries a version that only grows. It is signed by the root
//! key with the trusted comment `prep keys version:<v> institute:<id>`. To rotate, the institute
//! signs a new version that ends the old key's range (its later signatures are then refused)
//! and starts the new key's, and delivers it like a package; a receiver that accepts it uses
//! it for the next corte, without a restart or a new configuration.

use crate::keys::{KeyError, SigningKey, VerifyingKey, sign_detached, verify_signature};
use serde::{Deserialize, Serialize};

/// The `format` of a delegation.
pub const DELEGATION_FORMAT: &str = "prep-keys/1";
/// The delegation's file name, in an inbox delivery or beside a receiver's data.
pub const DELEGATION_PATH: &str = "keys.json";
/// Its signature by the root key.
pub const DELEGATION_SIGNATURE_PATH: &str = "keys.json.minisig";
/// The largest delegation read.
pub const MAX_DELEGATION_BYTES: u64 = 64 * 1024;
/// The most keys one delegation lists.
pub const MAX_DELEGATED_KEYS: usize = 64;

/// One online key and the corte sequences it may sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegatedKey {
    /// The public key, base64 as in a minisign public key file's second line (`RWQ…`).
    pub key: String,
    /// The first sequence it may sign.
    pub from_sequence: u64,
    /// The last sequence it may sign; `None` while it is the current key.
    pub until_sequence: Option<u64>,
}

/// The root-signed list of online keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    /// Always [`DELEGATION_FORMAT`].
    pub format: String,
    /// The institute's id, as in its manifests.
    pub institute: String,
    /// Grows with every new delegation; a receiver refuses one not newer than its own.
    pub version: u64,
    /// The online keys.
    pub keys: Vec<DelegatedKey>,
}

/// Why a delegation is refused.
#[derive(Debug, thiserror::Error)]
pub enum DelegationError {
    /// Not signed by the root key, or not over these bytes.
    #[error("keys.json.minisig: {0}")]
    Signature(#[from] KeyError),
    /// Malformed.
    #[error("keys.json: {0}")]
    Invalid(String),
    /// The signed comment does not name this version and institute.
    #[error("the signed comment {0:?} does not name this delegation's version and institute")]
    TrustedComment(String),
    /// Not newer than the one in force.
    #[error("keys version {got} is not newer than the version {current} in force (rollback)")]
    Version {
        /// This one's.
        got: u64,
        /// The one in force.
        current: u64,
    },
}

/// The trusted comment a delegation's signature carries.
pub fn delegation_comment(version: u64, institute: &str) -> String {
    format!("prep keys version:{version} institute:{institute}")
}

impl Delegation {
    /// The canonical bytes (pretty JSON, final newline).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self)
            .expect("a delegation (strings and integers) always serializes");
        out.push(b'\n');
        out
    }

    /// The keys that may sign corte `sequence`.
    pub fn keys_for(&self, sequence: u64) -> Vec<VerifyingKey> {
        self.keys
            .iter()
            .filter(|k| {
                k.from_sequence <= sequence && k.until_sequence.is_none_or(|u| sequence <= u)
            })
            .filter_map(|k| VerifyingKey::from_text(&k.key).ok())
            .collect()
    }

    fn validate(&self) -> Result<(), DelegationError> {
        let bad = |why: String| Err(DelegationError::Invalid(why));
        if self.format != DELEGATION_FORMAT {
            return bad(format!(
                "format {:?}, expected {DELEGATION_FORMAT:?}",
                self.format
            ));
        }
        if self.keys.is_empty() || self.keys.len() > MAX_DELEGATED_KEYS {
            return bad(format!("it must list 1 to {MAX_DELEGATED_KEYS} keys"));
        }
        for k in &self.keys {
            if VerifyingKey::from_text(&k.key).is_err() {
                return bad(format!("{:?} is not a minisign public key", k.key));
            }
            if k.from_sequence == 0 || k.until_sequence.is_some_and(|u| u < k.from_sequence) {
                return bad(format!(
                    "the range of key {} is empty or starts at 0",
                    k.key
                ));
            }
        }
        Ok(())
    }
}

/// Checks a delegation: the root key's signature over its exact bytes, the trusted comment,
/// the fields, and (given the version in force) that it is newer.
pub fn verify_delegation(
    root: &VerifyingKey,
    bytes: &[u8],
    minisig: &str,
    current: Option<u64>,
) -> Result<Delegation, DelegationError> {
    if bytes.len() as u64 > MAX_DELEGATION_BYTES {
        return Err(DelegationError::Invalid(format!(
            "{} bytes, more than {MAX_DELEGATION_BYTES}",
            bytes.len()
        )));
    }
    let comment = verify_signature(root, bytes, minisig)?;
    let d: Delegation =
        serde_json::from_slice(bytes).map_err(|e| DelegationError::Invalid(e.to_string()))?;
    d.validate()?;
    if comment != delegation_comment(d.version, &d.institute) {
        return Err(DelegationError::TrustedComment(comment));
    }
    if let Some(current) = current
        && d.version <= current
    {
        return Err(DelegationError::Version {
            got: d.version,
            current,
        });
    }
    Ok(d)
}

/// Signs `delegation` with the root key: the bytes and the detached signature, checked as a
/// receiver will check them.
pub fn sign_delegation(
    root: &SigningKey,
    delegation: &Delegation,
) -> Result<(Vec<u8>, String), DelegationError> {
    let bytes = delegation.to_bytes();
    let minisig = sign_detached(
        root,
        &bytes,
        &delegation_comment(delegation.version, &delegation.institute),
    )?;
    verify_delegation(&root.verifying_key(), &bytes, &minisig, None)?;
    Ok((bytes, minisig))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate_keys;

    fn key() -> SigningKey {
        let (_, sk) = generate_keys(None).expect("keys");
        SigningKey::from_secret_key_file(&sk, None).expect("key")
    }

    #[test]
    fn a_root_signed_delegation_names_the_keys_of_each_sequence() {
        let (root, old, new) = (key(), key(), key());
        let d = Delegation {
            format: DELEGATION_FORMAT.into(),
            institute: "IEEPUE".into(),
            version: 2,
            keys: vec![
                DelegatedKey {
                    key: old.verifying_key().to_base64(),
                    from_sequence: 1,
                    until_sequence: Some(40),
                },
                DelegatedKey {
                    key: new.verifying_key().to_base64(),
                    from_sequence: 41,
                    until_sequence: None,
                },
            ],
        };
        let (bytes, sig) = sign_delegation(&root, &d).expect("sign");
        let root_pk = root.verifying_key();
        assert_eq!(
            verify_delegation(&root_pk, &bytes, &sig, Some(1)).expect("valid"),
            d
        );
        let b64 =
            |ks: Vec<VerifyingKey>| ks.iter().map(VerifyingKey::to_base64).collect::<Vec<_>>();
        assert_eq!(b64(d.keys_for(40)), [old.verifying_key().to_base64()]);
        assert_eq!(b64(d.keys_for(41)), [new.verifying_key().to_base64()]);
        // Not newer than the one in force; signed by the online key instead of the root.
        assert!(matches!(
            verify_delegation(&root_pk, &bytes, &sig, Some(2)),
            Err(DelegationError::Version { .. })
        ));
        let (forged, forged_sig) = sign_delegation(&old, &d).expect("sign");
        assert!(matches!(
            verify_delegation(&root_pk, &forged, &forged_sig, None),
            Err(DelegationError::Signature(_))
        ));
    }
}
