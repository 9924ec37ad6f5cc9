//! The signed manifest of a PREP corte package, and its verification.
//!
//! A corte package is a set of files (the public site, JSON, the zipped CSV database) plus a
//! manifest that lists every file with its SHA-256 and size, a strictly increasing sequence
//! number, the corte time, creation and expiry times, a final-corte flag and the SHA-256 of
//! the previous manifest (a hash chain over the night). The manifest is signed with Ed25519
//! in minisign format, so `minisign -Vm manifest.json -P <key>` verifies it as well as
//! [`verify_signature`] does. The format is documented in `docs/package-format.md`.
//!
//! Principal types:
//!
//! - [`Manifest`] and [`FileEntry`]: the manifest, written canonically by
//!   [`Manifest::to_bytes`] (one serialization, so its hash is stable) and read with every
//!   field and path validated by [`Manifest::from_bytes`].
//! - [`SigningKey`] and [`VerifyingKey`]: minisign key pair; [`generate_keys`] makes one with
//!   the secret key encrypted at rest (scrypt, as minisign does).
//! - [`sign_manifest`] / [`verify_signature`]: the detached `manifest.json.minisig`; its
//!   trusted comment carries the sequence and the corte time. [`sign_detached`] signs other
//!   bytes with a trusted comment of the caller's (the node's suspension notice).
//! - [`Site`] and [`Pointer`]: what the site reads from `json/main.json` is signed in the
//!   manifest; the pointer is [`Pointer::of`] the manifest, and [`check_pointer`] requires its
//!   bytes to be exactly that (`docs/package-format.md`, "Trust model").
//! - [`paths`]: the one rule for file paths ([`validate_path`], [`validate_path_set`]) that the
//!   publisher, the node and `prep verify` apply.
//! - [`check_package`]: everything a receiver checks before trusting a package — signature,
//!   chain, expiry, every listed file's size and hash, and no file the manifest does not list —
//!   each refusal a [`PackageError`] with its reason.
//!
//! - [`Delegation`] ([`delegation`]): key rotation; an offline root key signs which online
//!   keys may sign which corte sequences ([`verify_delegation`], [`sign_delegation`]).
//! - [`layout`]: where an election directory keeps its cortes ([`ElectionLayout`],
//!   [`layout::corte_sequence`]), for the publisher, the origin and the deliverer alike.
//! - [`patch`] and [`delta`]: an incremental corte as zstd patches against one the receiver
//!   holds (the pull channel and sftp delivery send only what changed).
//!
//! Crates used: `minisign` (the minisign author's Rust implementation) for keys and
//! signatures, `sha2` for SHA-256, `serde_json` for the manifest, `zstd` for patches. No file system access: the
//! caller hands bytes in.
//!
//! A package of one file, signed, checked as a receiver checks it, then tampered with:
//!
//! ```rust
//! use prep_package::{
//!     Expectations, FORMAT, FileEntry, Manifest, PackageError, Pointer, SigningKey, Site,
//!     check_package, check_pointer, generate_keys, sha256_hex, sign_manifest,
//! };
//!
//! let index = b"<!doctype html><title>PREP</title>".to_vec();
//! let manifest = Manifest {
//!     format: FORMAT.into(),
//!     institute: "IEEPUE".into(),
//!     process: "PEL2024".into(),
//!     sequence: 1,
//!     corte: "2024-06-02T20:00:00-06:00".into(),
//!     created: "2024-06-02T20:00:05-06:00".into(),
//!     expires: "2024-06-03T20:00:00-06:00".into(),
//!     is_final: false,
//!     previous: None,
//!     site: Site {
//!         corte_text: "02/06/2024 20:00 (UTC-6)".into(),
//!         index: "index.html".into(),
//!         ..Site::default()
//!     },
//!     files: vec![FileEntry {
//!         path: "index.html".into(),
//!         sha256: sha256_hex(&index),
//!         size: index.len() as u64,
//!     }],
//! };
//! let manifest_bytes = manifest.to_bytes();
//! let (_public, secret) = generate_keys(None)?;
//! let key = SigningKey::from_secret_key_file(&secret, None)?;
//! let signature = sign_manifest(&key, &manifest)?;
//!
//! let expect = Expectations {
//!     last: None,
//!     now_utc: Some("2024-06-03T03:00:00Z"),
//!     max_ahead_secs: None,
//! };
//! let present = vec!["index.html".to_owned()];
//! let verifier = key.verifying_key();
//! let checked = check_package(
//!     &verifier,
//!     &manifest_bytes,
//!     &signature,
//!     &expect,
//!     |path| (path == "index.html").then(|| index.clone()),
//!     &present,
//! )?;
//! assert_eq!(checked, manifest);
//!
//! // The site's pointer (`json/main.json`) must be exactly the manifest's.
//! let pointer = Pointer::bytes_for(&manifest, &manifest_bytes);
//! assert!(check_pointer(&pointer, &manifest, &manifest_bytes).is_ok());
//!
//! // One changed byte of a listed file, and the package is refused.
//! let mut tampered = index.clone();
//! tampered[0] = b'X';
//! let refused = check_package(
//!     &verifier,
//!     &manifest_bytes,
//!     &signature,
//!     &expect,
//!     |_| Some(tampered.clone()),
//!     &present,
//! );
//! assert!(matches!(refused, Err(PackageError::Hash { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod check;
pub mod delegation;
pub mod delta;
pub mod folder;
mod keys;
pub mod layout;
mod manifest;
pub mod patch;
pub mod paths;
mod pointer;
mod time;

pub use check::{
    Accepted, DEFAULT_MAX_AHEAD_SECS, Expectations, MAX_SEQUENCE_STEP, PackageError, check_package,
    check_package_with, follows,
};
pub use delegation::{
    DELEGATION_PATH, DELEGATION_SIGNATURE_PATH, DelegatedKey, Delegation, DelegationError,
    sign_delegation, verify_delegation,
};
pub use keys::{
    KeyError, SigningKey, VerifyingKey, generate_keys, sign_detached, sign_manifest,
    verify_signature,
};
pub use layout::ElectionLayout;
pub use manifest::{
    FORMAT, FileEntry, MAX_CORTE_TEXT_CHARS, MAX_SEQUENCE, Manifest, ManifestError, Site,
    sha256_hex,
};
pub use paths::{PathError, validate_path, validate_path_set};
pub use pointer::{
    MANIFEST_PATH, MAX_POINTER_BYTES, POINTER_PATH, Pointer, PointerError, SIGNATURE_PATH,
    UNLISTED_FILES, check_pointer, check_pointer_hashed,
};
pub use time::{rfc3339_seconds, rfc3339_utc};
