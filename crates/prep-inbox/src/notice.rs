//! The suspension notice: a message from the institute, signed with its key, that replaces
//! the site until a newer corte arrives.
//!
//! Delivered into the inbox like a package (the same protocol, `.prep-complete` last): a
//! directory holding exactly `notice.json` and `notice.json.minisig`, whose trusted comment is
//! `prep notice sequence:<n>`. Notice sequences are their own series, each strictly greater
//! than the last accepted notice's. While a notice is in force every HTML page of the corte is
//! the notice page (Spanish) and `json/main.json` carries `"suspended": true`; the next corte
//! activated lifts it.

use crate::names::COMPLETE_MARKER;
use anyhow::{Context, bail};
use prep_package::{SigningKey, VerifyingKey, sign_detached, verify_signature};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The notice's file in a notice directory.
pub const NOTICE_PATH: &str = "notice.json";
/// Its signature.
pub const NOTICE_SIGNATURE_PATH: &str = "notice.json.minisig";
/// The `format` of a notice.
pub const NOTICE_FORMAT: &str = "prep-notice/2";
/// The longest a notice may be in force: a notice is for the night it was issued in.
pub const MAX_NOTICE_HOURS: i64 = 7 * 24;
/// The largest `notice.json` read.
pub const MAX_NOTICE_BYTES: u64 = 64 * 1024;

/// A suspension notice as the institute signs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Always [`NOTICE_FORMAT`].
    pub format: String,
    /// The institute's name as shown on the page (`Instituto Electoral del Estado de Puebla`).
    pub institute: String,
    /// The election process it belongs to: the `process` of the cortes it suspends
    /// (`PEL2024`); a node serving another process's cortes refuses it.
    pub process: String,
    /// The newest corte the institute had published when it issued the notice: a node
    /// serving a newer corte refuses it (the notice is older than what it would hide).
    pub corte_sequence: u64,
    /// The notice's sequence: greater than every notice accepted before.
    pub sequence: u64,
    /// When it was issued, RFC 3339.
    pub issued: String,
    /// After this time the notice is refused, and no longer put back in force at a start
    /// (RFC 3339; at most [`MAX_NOTICE_HOURS`] after `issued`).
    pub expires: String,
    /// The page's heading.
    pub title: String,
    /// The message; paragraphs separated by blank lines.
    pub message: String,
}

/// Why a notice is refused: by its signature or fields ([`verify_notice`]), or by what the
/// receiving node serves and the time ([`check_notice_binding`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    /// `notice.json` is larger than [`MAX_NOTICE_BYTES`].
    #[error("{NOTICE_PATH} has {size} bytes, more than {MAX_NOTICE_BYTES}")]
    TooLarge {
        /// Its size.
        size: u64,
    },
    /// The signature does not verify with the key.
    #[error("{NOTICE_SIGNATURE_PATH}: {0}")]
    Signature(String),
    /// The signed bytes are not a notice.
    #[error("{NOTICE_PATH} is not a notice: {0}")]
    NotANotice(String),
    /// A `format` other than [`NOTICE_FORMAT`].
    #[error("{NOTICE_PATH}: format {0:?}, expected {NOTICE_FORMAT:?}")]
    Format(String),
    /// The signature's trusted comment does not name the notice's sequence.
    #[error("the signature's trusted comment {got:?} is not {expected:?}")]
    TrustedComment {
        /// The comment signed.
        got: String,
        /// The comment the notice's sequence requires ([`trusted_comment`]).
        expected: String,
    },
    /// A text field empty or too long.
    #[error("{NOTICE_PATH}: {field} must hold between 1 and {max} characters")]
    FieldLength {
        /// The field.
        field: &'static str,
        /// Its most characters.
        max: usize,
    },
    /// A control character (other than a line feed) in a text field.
    #[error("{NOTICE_PATH}: {0} holds a control character")]
    ControlCharacter(&'static str),
    /// `issued` or `expires` is not an RFC 3339 time.
    #[error("{NOTICE_PATH}: {field} {value:?} is not an RFC 3339 time")]
    Time {
        /// The field.
        field: &'static str,
        /// Its text.
        value: String,
    },
    /// `expires` is not after `issued`, or too long after.
    #[error(
        "{NOTICE_PATH}: expires {expires} must be after issued {issued} and at most {MAX_NOTICE_HOURS} hours later"
    )]
    Validity {
        /// When the notice was issued.
        issued: String,
        /// When it expires.
        expires: String,
    },
    /// The notice has expired.
    #[error("notice {sequence} expired at {expires}")]
    Expired {
        /// The notice's sequence.
        sequence: u64,
        /// When it expired.
        expires: String,
    },
    /// The notice is for another election process than the node serves.
    #[error("notice {sequence} is for process {process:?}, this node serves process {serving:?}")]
    Process {
        /// The notice's sequence.
        sequence: u64,
        /// Its process.
        process: String,
        /// The process of the corte the node serves.
        serving: String,
    },
    /// The notice was issued before the corte the node serves.
    #[error(
        "notice {sequence} was issued at corte {corte_sequence}, older than corte {serving} this node serves"
    )]
    Older {
        /// The notice's sequence.
        sequence: u64,
        /// The newest corte when it was issued.
        corte_sequence: u64,
        /// The corte the node serves.
        serving: u64,
    },
}

/// The trusted comment a notice's signature must carry.
pub fn trusted_comment(sequence: u64) -> String {
    format!("prep notice sequence:{sequence}")
}

/// What a notice must agree with on the receiving node: the process and the corte it serves,
/// and the time.
#[derive(Debug, Clone, Copy)]
pub struct NoticeContext<'a> {
    /// The process and sequence of the corte the node serves, if any.
    pub serving: Option<(&'a str, u64)>,
    /// Now, seconds since the epoch.
    pub now: i64,
}

/// Checks a verified notice against what the node serves and the time: same process, not
/// older than the corte served, not expired. The reason on failure names the rule.
pub fn check_notice_binding(
    notice: &Notice,
    context: &NoticeContext<'_>,
) -> Result<(), NoticeError> {
    let seconds = |field: &'static str, t: &str| {
        prep_package::rfc3339_seconds(t).ok_or_else(|| NoticeError::Time {
            field,
            value: t.to_owned(),
        })
    };
    let issued = seconds("issued", &notice.issued)?;
    let expires = seconds("expires", &notice.expires)?;
    if expires <= issued || expires - issued > MAX_NOTICE_HOURS * 3600 {
        return Err(NoticeError::Validity {
            issued: notice.issued.clone(),
            expires: notice.expires.clone(),
        });
    }
    if expires <= context.now {
        return Err(NoticeError::Expired {
            sequence: notice.sequence,
            expires: notice.expires.clone(),
        });
    }
    if let Some((process, sequence)) = context.serving {
        if notice.process != process {
            return Err(NoticeError::Process {
                sequence: notice.sequence,
                process: notice.process.clone(),
                serving: process.to_owned(),
            });
        }
        if sequence > notice.corte_sequence {
            return Err(NoticeError::Older {
                sequence: notice.sequence,
                corte_sequence: notice.corte_sequence,
                serving: sequence,
            });
        }
    }
    Ok(())
}

/// Whether `dir` is a complete notice delivery (its signature and the marker are there).
pub fn is_complete_notice(dir: &Path) -> bool {
    crate::listing::holds_files(dir, &[NOTICE_SIGNATURE_PATH, COMPLETE_MARKER])
}

/// Checks a notice: the signature by `key` over its exact bytes, the trusted comment naming
/// its sequence, its fields and their sizes. The reason on failure says what is wrong.
pub fn verify_notice(
    key: &VerifyingKey,
    bytes: &[u8],
    minisig: &str,
) -> Result<Notice, NoticeError> {
    if bytes.len() as u64 > MAX_NOTICE_BYTES {
        return Err(NoticeError::TooLarge {
            size: bytes.len() as u64,
        });
    }
    let comment =
        verify_signature(key, bytes, minisig).map_err(|e| NoticeError::Signature(e.to_string()))?;
    let notice: Notice =
        serde_json::from_slice(bytes).map_err(|e| NoticeError::NotANotice(e.to_string()))?;
    if notice.format != NOTICE_FORMAT {
        return Err(NoticeError::Format(notice.format));
    }
    if comment != trusted_comment(notice.sequence) {
        return Err(NoticeError::TrustedComment {
            got: comment,
            expected: trusted_comment(notice.sequence),
        });
    }
    for (field, text, max) in [
        ("institute", &notice.institute, 200),
        ("process", &notice.process, 64),
        ("issued", &notice.issued, 64),
        ("expires", &notice.expires, 64),
        ("title", &notice.title, 200),
        ("message", &notice.message, 8000),
    ] {
        if text.trim().is_empty() || text.chars().count() > max {
            return Err(NoticeError::FieldLength { field, max });
        }
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(NoticeError::ControlCharacter(field));
        }
    }
    Ok(notice)
}

/// Signs `notice` with the institute's `key` and writes the notice directory `out` (which
/// must not exist): `notice.json` and `notice.json.minisig`, written under a temporary name
/// and renamed into place. The notice is checked first as a node will check it
/// ([`verify_notice`]), so what is written is accepted by a node that trusts `key` (if its
/// sequence is greater than every notice it accepted before). Deliver `out` into a node's
/// inbox with [`crate::deliver()`] or a channel that follows the inbox protocol.
pub fn write_notice(key: &SigningKey, notice: &Notice, out: &Path) -> anyhow::Result<()> {
    if std::fs::symlink_metadata(out).is_ok() {
        bail!(
            "{} already exists; a notice is never written over another",
            out.display()
        );
    }
    let bytes = serde_json::to_vec_pretty(notice)?;
    let minisig = sign_detached(key, &bytes, &trusted_comment(notice.sequence))
        .context("cannot sign the notice")?;
    verify_notice(&key.verifying_key(), &bytes, &minisig)
        .map_err(|reason| anyhow::anyhow!("the notice would be refused: {reason}"))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = out
        .file_name()
        .with_context(|| format!("{} does not name a directory", out.display()))?;
    let tmp = parent.join(format!(".tmp-{}", name.to_string_lossy()));
    prep_fs::remove_if_present(&tmp)?;
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    prep_fs::write_durably_with(
        tmp.join(NOTICE_PATH),
        &bytes,
        prep_fs::WriteOptions::new().sync_dir(false),
    )?;
    prep_fs::write_durably_with(
        tmp.join(NOTICE_SIGNATURE_PATH),
        minisig.as_bytes(),
        prep_fs::WriteOptions::new().sync_dir(false),
    )?;
    std::fs::rename(&tmp, out)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), out.display()))?;
    prep_fs::sync_dir(&parent)?;
    Ok(())
}

/// The notice page (es-MX, the site's embedded template), every text of the notice escaped.
pub fn page(notice: &Notice) -> String {
    prep_site::notice_page(&prep_site::NoticePage {
        institute: &notice.institute,
        title: &notice.title,
        message: &notice.message,
        sequence: notice.sequence,
        issued: &notice.issued,
    })
}

/// `json/main.json` while a notice is in force: the corte's pointer (if any) with
/// `"suspended": true` and the notice's sequence and title added.
pub fn suspended_pointer(pointer: Option<&[u8]>, notice: &Notice) -> anyhow::Result<Vec<u8>> {
    let mut value = match pointer {
        Some(bytes) => serde_json::from_slice::<serde_json::Value>(bytes)
            .context("the active corte's json/main.json")?,
        None => serde_json::json!({}),
    };
    let object = value
        .as_object_mut()
        .context("the active corte's json/main.json is not an object")?;
    object.insert("suspended".into(), serde_json::Value::Bool(true));
    object.insert(
        "notice".into(),
        serde_json::json!({"sequence": notice.sequence, "title": notice.title, "issued": notice.issued}),
    );
    Ok(serde_json::to_vec(&value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(sequence: u64) -> Notice {
        Notice {
            format: NOTICE_FORMAT.into(),
            institute: "Instituto Electoral del Estado de Puebla".into(),
            process: "PEL2024".into(),
            corte_sequence: 7,
            sequence,
            issued: "2024-06-02T23:00:00-06:00".into(),
            expires: "2024-06-03T23:00:00-06:00".into(),
            title: "Suspensión <temporal>".into(),
            message: "Por causas de fuerza mayor.\n\nGracias & disculpe.".into(),
        }
    }

    #[test]
    fn verifies_signature_comment_and_fields() {
        let (pk, sk) = prep_package::generate_keys(None).expect("keys");
        let key = prep_package::SigningKey::from_secret_key_file(&sk, None).expect("key");
        let pk = VerifyingKey::from_text(&pk).expect("pk");
        let n = notice(3);
        let bytes = serde_json::to_vec(&n).expect("json");
        let sig = prep_package::sign_detached(&key, &bytes, &trusted_comment(3)).expect("sign");
        assert_eq!(verify_notice(&pk, &bytes, &sig), Ok(n.clone()));
        // Another sequence in the trusted comment than in the notice.
        let wrong = prep_package::sign_detached(&key, &bytes, &trusted_comment(4)).expect("sign");
        assert!(
            verify_notice(&pk, &bytes, &wrong)
                .is_err_and(|e| e.to_string().contains("trusted comment"))
        );
        // Edited after signing.
        let mut edited = bytes.clone();
        edited[10] ^= 1;
        assert!(
            verify_notice(&pk, &edited, &sig).is_err_and(|e| e.to_string().contains("minisig"))
        );
        // Signed, but a control character in the message.
        let mut bad = n.clone();
        bad.message = "a\u{7}".into();
        let bytes = serde_json::to_vec(&bad).expect("json");
        let sig = prep_package::sign_detached(&key, &bytes, &trusted_comment(3)).expect("sign");
        assert!(verify_notice(&pk, &bytes, &sig).is_err_and(|e| e.to_string().contains("control")));
    }

    #[test]
    fn a_notice_is_bound_to_its_process_its_corte_and_its_time() {
        let n = notice(1);
        let at = |t: &str| prep_package::rfc3339_seconds(t).expect("time");
        let serving = |process, sequence| NoticeContext {
            serving: Some((process, sequence)),
            now: at("2024-06-03T00:00:00-06:00"),
        };
        assert_eq!(check_notice_binding(&n, &serving("PEL2024", 7)), Ok(()));
        assert_eq!(check_notice_binding(&n, &serving("PEL2024", 3)), Ok(()));
        let e = check_notice_binding(&n, &serving("PEL2027", 7))
            .expect_err("process")
            .to_string();
        assert!(e.contains("process \"PEL2027\""), "{e}");
        // Issued in 2024 at corte 7: refused by a node serving corte 8 (or a 2026 corte).
        let e = check_notice_binding(&n, &serving("PEL2024", 8))
            .expect_err("older")
            .to_string();
        assert!(e.contains("older than corte 8"), "{e}");
        let later = NoticeContext {
            serving: Some(("PEL2024", 7)),
            now: at("2026-06-07T20:00:00-06:00"),
        };
        let e = check_notice_binding(&n, &later)
            .expect_err("expired")
            .to_string();
        assert!(e.contains("expired at"), "{e}");
        let mut long = n.clone();
        long.expires = "2025-06-03T23:00:00-06:00".into();
        let e = check_notice_binding(&long, &serving("PEL2024", 7))
            .expect_err("too long")
            .to_string();
        assert!(e.contains("at most 168 hours"), "{e}");
    }

    #[test]
    fn page_escapes_and_pointer_says_suspended() {
        let n = notice(1);
        let html = page(&n);
        // Its only style, which every Content-Security-Policy allows by its hash.
        assert!(html.contains(&format!("<style>{}</style>", prep_site::NOTICE_CSS)));
        assert!(html.contains("<h1>Suspensión &lt;temporal&gt;</h1>"));
        assert!(html.contains("<p>Gracias &amp; disculpe.</p>"));
        assert!(html.contains("lang=\"es-MX\""));
        let p = suspended_pointer(Some(br#"{"sequence":7}"#), &n).expect("pointer");
        let v: serde_json::Value = serde_json::from_slice(&p).expect("json");
        assert_eq!(v["suspended"], true);
        assert_eq!(v["sequence"], 7);
        assert_eq!(v["notice"]["sequence"], 1);
    }
}
