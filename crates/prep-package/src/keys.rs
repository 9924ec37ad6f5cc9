//! Minisign keys and signatures over manifests.

use crate::Manifest;
use minisign::{KeyPair, PublicKey, PublicKeyBox, SecretKey, SecretKeyBox, SignatureBox};
use std::io::Cursor;

/// Why a key or signature could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

impl KeyError {
    fn from(what: &str, e: impl std::fmt::Display) -> KeyError {
        KeyError(format!("{what}: {e}"))
    }
}

/// The institute's secret signing key, decrypted in memory.
pub struct SigningKey {
    sk: SecretKey,
    pk: PublicKey,
}

impl std::fmt::Debug for SigningKey {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(public {})", self.pk.to_base64())
    }
}

/// A public key that verifies signatures.
#[derive(Debug, Clone)]
pub struct VerifyingKey {
    pk: PublicKey,
}

/// Generates a key pair. Returns the contents of the public key file (`prep.pub`, as minisign
/// writes it) and of the secret key file, encrypted with `password` (scrypt, as minisign
/// does) or, with `None`, unencrypted.
pub fn generate_keys(password: Option<&str>) -> Result<(String, String), KeyError> {
    let pair = match password {
        Some(p) => KeyPair::generate_encrypted_keypair(Some(p.to_owned())),
        None => KeyPair::generate_unencrypted_keypair(),
    }
    .map_err(|e| KeyError::from("cannot generate a key pair", e))?;
    let pk = pair
        .pk
        .to_box()
        .map_err(|e| KeyError::from("cannot write the public key", e))?
        .to_string();
    let sk = pair
        .sk
        .to_box(Some("prep secret key"))
        .map_err(|e| KeyError::from("cannot write the secret key", e))?
        .to_string();
    Ok((pk, sk))
}

impl SigningKey {
    /// Reads a secret key file; `password` decrypts an encrypted one.
    pub fn from_secret_key_file(
        text: &str,
        password: Option<&str>,
    ) -> Result<SigningKey, KeyError> {
        let sk_box = SecretKeyBox::from_string(text)
            .map_err(|e| KeyError::from("not a minisign secret key", e))?;
        let sk = match password {
            Some(p) => sk_box.into_secret_key(Some(p.to_owned())),
            None => sk_box.into_unencrypted_secret_key(),
        }
        .map_err(|e| KeyError::from("cannot open the secret key (wrong password?)", e))?;
        let pk = PublicKey::from_secret_key(&sk)
            .map_err(|e| KeyError::from("cannot derive the public key", e))?;
        Ok(SigningKey { sk, pk })
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            pk: self.pk.clone(),
        }
    }
}

impl VerifyingKey {
    /// Reads a public key: a minisign `.pub` file or the bare base64 key (`RWQ…`).
    pub fn from_text(text: &str) -> Result<VerifyingKey, KeyError> {
        let text = text.trim();
        let pk = if text.lines().count() > 1 {
            PublicKeyBox::from_string(text).and_then(PublicKeyBox::into_public_key)
        } else {
            PublicKey::from_base64(text)
        }
        .map_err(|e| KeyError::from("not a minisign public key", e))?;
        Ok(VerifyingKey { pk })
    }

    /// The base64 form, as `minisign -P` takes it.
    pub fn to_base64(&self) -> String {
        self.pk.to_base64()
    }
}

/// Signs a manifest's canonical bytes. Returns the `manifest.json.minisig` file; its trusted
/// comment is `prep sequence:<n> corte:<time> institute:<id>`.
pub fn sign_manifest(key: &SigningKey, manifest: &Manifest) -> Result<String, KeyError> {
    let trusted = format!(
        "prep sequence:{} corte:{} institute:{}",
        manifest.sequence, manifest.corte, manifest.institute
    );
    let untrusted = format!(
        "signature of PREP corte {} by {}",
        manifest.sequence, manifest.institute
    );
    let sig = minisign::sign(
        Some(&key.pk),
        &key.sk,
        Cursor::new(manifest.to_bytes()),
        Some(&trusted),
        Some(&untrusted),
    )
    .map_err(|e| KeyError::from("cannot sign", e))?;
    Ok(sig.to_string())
}

/// Signs any bytes with a given trusted comment (a suspension notice: `prep notice
/// sequence:<n>`). Returns the `.minisig` file.
pub fn sign_detached(
    key: &SigningKey,
    bytes: &[u8],
    trusted_comment: &str,
) -> Result<String, KeyError> {
    let sig = minisign::sign(
        Some(&key.pk),
        &key.sk,
        Cursor::new(bytes),
        Some(trusted_comment),
        Some("signature of a PREP notice"),
    )
    .map_err(|e| KeyError::from("cannot sign", e))?;
    Ok(sig.to_string())
}

/// Whether `line` is the base64 of exactly 64 bytes (88 characters, the last two `=`), as
/// the global signature over the signature and its trusted comment must be. The `minisign`
/// crate (0.9.1) slices that signature without checking its length, so a shorter one would
/// panic there: found by the `package_check` fuzz target, checked here first.
fn is_global_signature(line: &str) -> bool {
    let line = line.trim();
    line.len() == 88
        && line.ends_with("==")
        && line[..86]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Verifies a detached signature over `bytes`; returns its trusted comment.
pub fn verify_signature(
    key: &VerifyingKey,
    bytes: &[u8],
    minisig: &str,
) -> Result<String, KeyError> {
    let sig = SignatureBox::from_string(minisig)
        .map_err(|e| KeyError::from("not a minisign signature", e))?;
    if !is_global_signature(minisig.lines().nth(3).unwrap_or_default()) {
        return Err(KeyError::from(
            "not a minisign signature",
            "its fourth line is not a 64-byte global signature",
        ));
    }
    minisign::verify(&key.pk, &sig, Cursor::new(bytes), true, false, false)
        .map_err(|e| KeyError::from("signature does not verify", e))?;
    sig.trusted_comment()
        .map_err(|e| KeyError::from("unreadable trusted comment", e))
}
