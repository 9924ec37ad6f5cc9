//! [`Tokens`]: the bearer tokens of the capture centres, kept as the SHA-256 of each token
//! in a TOML file (never the token itself).
//!
//! ```toml
//! [centres.catd-07]
//! kind = "catd"
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//!
//! [centres.supervision]
//! kind = "catd"
//! role = "supervisor"
//! sha256 = "…"
//! ```
//!
//! An entry without `role` is an ordinary capture centre ([`Role::Capture`]).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use subtle::ConstantTimeEq;

/// The prefix of every token this crate makes (it lets secret scanners recognise one).
pub const TOKEN_PREFIX: &str = "prep_";
/// Longest centre id accepted.
const MAX_CENTRE_ID: usize = 64;
/// Largest tokens file read.
const MAX_TOKENS_FILE: u64 = 4 << 20;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A capture centre (CATD): submits events for any acta and loads CSV files; its
    /// events are recorded with origin `catd:ID`.
    Catd,
    /// The PREP Casilla app: submits events, recorded with origin `prep-casilla:ID`; no
    /// bulk loads.
    Casilla,
}

/// Whose actas a token may verify or correct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Only the actas its centre captured (the default).
    #[default]
    Capture,
    /// Any acta: the institute's supervision of the capture.
    Supervisor,
}

impl Role {
    /// True for [`Role::Capture`] (left out of the tokens file).
    pub fn is_capture(&self) -> bool {
        *self == Role::Capture
    }
}

/// One capture centre's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentreToken {
    /// What the token may do.
    pub kind: TokenKind,
    /// Whose actas it may verify or correct; absent: [`Role::Capture`].
    #[serde(default, skip_serializing_if = "Role::is_capture")]
    pub role: Role,
    /// SHA-256 of the token, lowercase hex.
    pub sha256: String,
}

/// The tokens file: capture centre id → its token's hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tokens {
    /// The centres, by id.
    #[serde(default)]
    pub centres: BTreeMap<String, CentreToken>,
}

/// Who presented a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The capture centre's id.
    pub centre: String,
    /// What its token may do.
    pub kind: TokenKind,
    /// Whose actas it may verify or correct.
    pub role: Role,
}

/// Why a tokens file or a centre id is unusable.
#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a tokens file.
    #[error("{path} is not a valid tokens file: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, with its line when known.
        reason: InvalidTokens,
    },
    /// A centre id that is not 1–64 letters, digits, `.`, `_` or `-`.
    #[error("centre id '{0}' is not usable: use 1 to 64 ASCII letters, digits, '.', '_' or '-'")]
    BadCentreId(String),
    /// The centre already has a token.
    #[error("centre '{0}' already has a token; pass --rotate to replace it")]
    CentreExists(String),
    /// The system's random source failed.
    #[error("cannot draw random bytes for a token: {0}")]
    Random(String),
}

/// What makes a text not a tokens file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTokens {
    /// Larger than any tokens file (it is probably another file).
    #[error("larger than {MAX_TOKENS_FILE} bytes")]
    TooLarge,
    /// Not TOML, or not the file's keys (toml's message, with the line).
    #[error("{0}")]
    Toml(String),
    /// A centre id that is not 1–64 letters, digits, `.`, `_` or `-`.
    #[error("centre id '{0}' is not usable: use 1 to 64 ASCII letters, digits, '.', '_' or '-'")]
    BadCentreId(String),
    /// A centre's hash that is not SHA-256 in lowercase hex.
    #[error("centre '{0}': sha256 must be 64 lowercase hex digits")]
    BadHash(String),
}

impl Tokens {
    /// Reads a tokens file; a missing file is an empty set only when `missing_ok`.
    pub fn load(path: &Path, missing_ok: bool) -> Result<Tokens, TokensError> {
        let shown = path.display().to_string();
        let io = |source| TokensError::Io {
            path: shown.clone(),
            source,
        };
        let meta = match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && missing_ok => {
                return Ok(Tokens::default());
            }
            r => r.map_err(io)?,
        };
        if meta.len() > MAX_TOKENS_FILE {
            return Err(TokensError::Invalid {
                path: shown,
                reason: InvalidTokens::TooLarge,
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Tokens::parse(&text).map_err(|reason| TokensError::Invalid {
            path: shown,
            reason,
        })
    }

    /// Parses a tokens file's text, checking every id and hash.
    pub fn parse(text: &str) -> Result<Tokens, InvalidTokens> {
        let tokens: Tokens =
            toml::from_str(text).map_err(|e| InvalidTokens::Toml(e.to_string()))?;
        for (id, entry) in &tokens.centres {
            if check_centre_id(id).is_err() {
                return Err(InvalidTokens::BadCentreId(id.clone()));
            }
            let hash_ok = entry.sha256.len() == 64
                && entry
                    .sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !hash_ok {
                return Err(InvalidTokens::BadHash(id.clone()));
            }
        }
        Ok(tokens)
    }

    /// Writes the file durably ([`prep_fs::write_durably`]: a temporary file beside it, fsynced
    /// and renamed over it, so a crash leaves the old or the new file, never half of one).
    pub fn save(&self, path: &Path) -> Result<(), TokensError> {
        let io = |source| TokensError::Io {
            path: path.display().to_string(),
            source,
        };
        let text = toml::to_string(self).map_err(|e| TokensError::Invalid {
            path: path.display().to_string(),
            reason: InvalidTokens::Toml(e.to_string()),
        })?;
        let text = format!(
            "# prep ingest tokens: capture centre id -> SHA-256 of its bearer token.\n\
             # Made by `prep ingest token`; the tokens themselves are never stored.\n\n{text}"
        );
        prep_fs::write_durably(path, text).map_err(io)
    }

    /// Makes a new random token for `centre` with the capture role, stores its hash and
    /// returns the token. Refuses a centre that already has one unless `rotate`.
    pub fn issue(
        &mut self,
        centre: &str,
        kind: TokenKind,
        rotate: bool,
    ) -> Result<String, TokensError> {
        self.issue_as(centre, kind, Role::Capture, rotate)
    }

    /// [`Tokens::issue`] with the token's [`Role`].
    pub fn issue_as(
        &mut self,
        centre: &str,
        kind: TokenKind,
        role: Role,
        rotate: bool,
    ) -> Result<String, TokensError> {
        check_centre_id(centre)?;
        if self.centres.contains_key(centre) && !rotate {
            return Err(TokensError::CentreExists(centre.to_owned()));
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| TokensError::Random(e.to_string()))?;
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
        self.centres.insert(
            centre.to_owned(),
            CentreToken {
                kind,
                role,
                sha256: token_hash(&token),
            },
        );
        Ok(token)
    }

    /// The centre whose token this is, if any. Every stored hash is compared, in constant
    /// time, so the answer's timing tells nothing about the tokens.
    pub fn authenticate(&self, token: &str) -> Option<Caller> {
        let presented = token_hash(token);
        let mut found = None;
        for (id, entry) in &self.centres {
            let same: bool = presented.as_bytes().ct_eq(entry.sha256.as_bytes()).into();
            if same && found.is_none() {
                found = Some(Caller {
                    centre: id.clone(),
                    kind: entry.kind,
                    role: entry.role,
                });
            }
        }
        found
    }
}

/// SHA-256 of a token, lowercase hex: what the tokens file keeps.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks a centre id: 1–64 ASCII letters, digits, `.`, `_`, `-`.
pub fn check_centre_id(id: &str) -> Result<(), TokensError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_CENTRE_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(TokensError::BadCentreId(id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_token_authenticates_and_only_its_hash_is_kept() {
        let mut t = Tokens::default();
        let a = t.issue("catd-07", TokenKind::Catd, false).expect("issue");
        let b = t.issue("app", TokenKind::Casilla, false).expect("issue");
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        assert_ne!(a, b);
        assert_eq!(
            t.authenticate(&a),
            Some(Caller {
                centre: "catd-07".into(),
                kind: TokenKind::Catd,
                role: Role::Capture,
            })
        );
        assert_eq!(t.authenticate(&b).map(|c| c.kind), Some(TokenKind::Casilla));
        assert_eq!(t.authenticate("prep_nope"), None);
        let text = toml::to_string(&t).expect("toml");
        assert!(!text.contains(&a[TOKEN_PREFIX.len()..]), "{text}");
        assert_eq!(Tokens::parse(&text).expect("parse"), t);
    }

    #[test]
    fn a_file_without_roles_still_loads_and_roles_round_trip() {
        let hash = "ab".repeat(32);
        let old = format!("[centres.c1]\nkind = \"catd\"\nsha256 = \"{hash}\"\n");
        let t = Tokens::parse(&old).expect("a file of before roles");
        assert_eq!(t.centres["c1"].role, Role::Capture);
        let mut t = Tokens::default();
        let sup = t
            .issue_as("sup", TokenKind::Catd, Role::Supervisor, false)
            .expect("issue");
        t.issue("c1", TokenKind::Catd, false).expect("issue");
        let text = toml::to_string(&t).expect("toml");
        assert!(text.contains("role = \"supervisor\""), "{text}");
        assert_eq!(text.matches("role").count(), 1, "{text}");
        let back = Tokens::parse(&text).expect("parse");
        assert_eq!(back, t);
        assert_eq!(
            back.authenticate(&sup).map(|c| c.role),
            Some(Role::Supervisor)
        );
        let err = Tokens::parse(&format!("{old}role = \"admin\"\n"))
            .expect_err("bad role")
            .to_string();
        assert!(err.contains("admin"), "{err}");
    }

    #[test]
    fn existing_centre_needs_rotate_and_rotation_revokes_the_old_token() {
        let mut t = Tokens::default();
        let old = t.issue("c1", TokenKind::Catd, false).expect("issue");
        assert!(matches!(
            t.issue("c1", TokenKind::Catd, false),
            Err(TokensError::CentreExists(_))
        ));
        let new = t.issue("c1", TokenKind::Catd, true).expect("rotate");
        assert_eq!(t.authenticate(&old), None);
        assert!(t.authenticate(&new).is_some());
    }

    #[test]
    fn bad_ids_and_hashes_are_refused() {
        let mut t = Tokens::default();
        for id in ["", "a b", "../x", &"x".repeat(65)] {
            assert!(t.issue(id, TokenKind::Catd, false).is_err(), "{id:?}");
        }
        let err = Tokens::parse("[centres.c1]\nkind = \"catd\"\nsha256 = \"ABC\"\n")
            .expect_err("bad hash")
            .to_string();
        assert!(err.contains("c1") && err.contains("sha256"), "{err}");
        let err = Tokens::parse("[centres.c1]\nkind = \"admin\"\nsha256 = \"\"\n")
            .expect_err("bad kind")
            .to_string();
        assert!(err.contains("admin"), "{err}");
    }
}
