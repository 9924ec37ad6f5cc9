//! Everything a receiver checks before trusting a package.

use crate::keys::{KeyError, VerifyingKey, verify_signature};
use crate::{Manifest, ManifestError, sha256_hex};

/// Why a package is refused.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The signature is missing, malformed, by another key, or over other bytes.
    #[error("signature: {0}")]
    Signature(#[from] KeyError),
    /// The manifest is malformed.
    #[error("manifest: {0}")]
    Manifest(#[from] ManifestError),
    /// The trusted comment does not name this manifest's sequence and corte.
    #[error("the signed comment {0:?} does not match the manifest's sequence and corte")]
    TrustedComment(String),
    /// The sequence is not greater than the last accepted one (rollback or replay).
    #[error("sequence {got} is not greater than the last accepted {last} (rollback or replay)")]
    Sequence {
        /// This manifest's.
        got: u64,
        /// The last accepted.
        last: u64,
    },
    /// `previous` is not the hash of the last accepted manifest.
    #[error("broken chain: previous is {got:?}, the last accepted manifest's hash is {expected}")]
    Chain {
        /// This manifest's `previous`.
        got: Option<String>,
        /// The hash expected.
        expected: String,
    },
    /// The manifest's expiry is past.
    #[error("expired at {expires} (now {now})")]
    Expired {
        /// Expiry.
        expires: String,
        /// The checking time.
        now: String,
    },
    /// A listed file is absent.
    #[error("missing file {0}")]
    MissingFile(String),
    /// A listed file has another size.
    #[error("file {path}: size {got}, the manifest says {expected}")]
    Size {
        /// Path.
        path: String,
        /// Actual size.
        got: u64,
        /// Listed size.
        expected: u64,
    },
    /// A listed file has another hash.
    #[error("file {path}: SHA-256 {got}, the manifest says {expected}")]
    Hash {
        /// Path.
        path: String,
        /// Actual hash.
        got: String,
        /// Listed hash.
        expected: String,
    },
    /// A file is present that the manifest does not list.
    #[error("file {0} is not in the manifest")]
    Unlisted(String),
    /// The corte time is not after the last accepted corte's (time must move forward).
    #[error(
        "corte time {corte} is not after the last accepted corte's {last}: corte times must move forward"
    )]
    CorteNotAfter {
        /// This manifest's corte.
        corte: String,
        /// The last accepted corte's.
        last: String,
    },
    /// The last accepted corte was final: nothing follows it.
    #[error("corte {last} was the final corte of the process: nothing follows a final corte")]
    AfterFinal {
        /// The final corte's sequence.
        last: u64,
    },
    /// A time of the manifest lies further ahead of the receiver's clock than allowed.
    #[error(
        "{field} {value} is more than {max_secs} s ahead of this receiver's clock ({now}): a corte cannot come from the future"
    )]
    Ahead {
        /// `corte` or `created`.
        field: &'static str,
        /// Its value.
        value: String,
        /// The receiver's time.
        now: String,
        /// The allowed skew, seconds.
        max_secs: i64,
    },
    /// The sequence jumps further past the last accepted one than any real night does.
    #[error(
        "sequence {got} jumps more than {MAX_SEQUENCE_STEP} past the last accepted {last} (fast-forward)"
    )]
    SequenceJump {
        /// This manifest's.
        got: u64,
        /// The last accepted.
        last: u64,
    },
}

/// The furthest a sequence may move past the last accepted one: more cortes than a whole
/// process cuts (a node offline for the night still catches up), so that a signed manifest
/// with a huge sequence cannot make a receiver skip the rest of the process.
pub const MAX_SEQUENCE_STEP: u64 = 10_000;

/// The default for how far ahead of a receiver's clock a corte or creation time may be.
pub const DEFAULT_MAX_AHEAD_SECS: i64 = 300;

/// What a receiver keeps of the last package it accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted<'a> {
    /// Its sequence.
    pub sequence: u64,
    /// The SHA-256 of its manifest bytes.
    pub hash: &'a str,
    /// Its corte time, RFC 3339.
    pub corte: &'a str,
    /// Whether it was the final corte.
    pub is_final: bool,
}

impl<'a> Accepted<'a> {
    /// What a receiver keeps of `manifest`, whose bytes hash to `hash`.
    pub fn of(manifest: &'a Manifest, hash: &'a str) -> Accepted<'a> {
        Accepted {
            sequence: manifest.sequence,
            hash,
            corte: &manifest.corte,
            is_final: manifest.is_final,
        }
    }
}

/// What the receiver knows before looking at a package.
#[derive(Debug, Clone, Default)]
pub struct Expectations<'a> {
    /// The last accepted package, if any: the new one must follow it (sequence, chain, time,
    /// nothing after a final corte).
    pub last: Option<Accepted<'a>>,
    /// The current time, RFC 3339, to refuse expired packages and ones from the future;
    /// `None` skips both.
    pub now_utc: Option<&'a str>,
    /// How far ahead of `now_utc` the corte and creation times may be (clock skew between
    /// the institute and the receiver); `None` does not check.
    pub max_ahead_secs: Option<i64>,
}

/// Checks a package: the signature over the manifest bytes by `key` and its trusted comment;
/// the manifest; sequence and chain against the last accepted package; expiry; then every
/// listed file (`read(path)` gives its bytes or `None` when absent) and the listing of what is
/// actually there (`present`), which must hold nothing unlisted. Returns the manifest.
/// `read` may hand out any byte container (`Vec<u8>`, a shared buffer), so a caller that keeps
/// the bytes needs no copy.
pub fn check_package<B: AsRef<[u8]>>(
    key: &VerifyingKey,
    manifest_bytes: &[u8],
    minisig: &str,
    expect: &Expectations<'_>,
    read: impl FnMut(&str) -> Option<B>,
    present: &[String],
) -> Result<Manifest, PackageError> {
    check_package_with(
        key,
        manifest_bytes,
        minisig,
        expect,
        read,
        present,
        |_, _| false,
    )
}

/// [`check_package`], except that a file for which `hashed(entry, bytes)` is true is taken as
/// already hashed: a receiver that keeps in memory the bytes of a corte it verified, and
/// hands out those very buffers again, need not hash them again (sizes are still compared).
/// `hashed` must answer true only for bytes it knows hash to `entry.sha256`.
pub fn check_package_with<B: AsRef<[u8]>>(
    key: &VerifyingKey,
    manifest_bytes: &[u8],
    minisig: &str,
    expect: &Expectations<'_>,
    mut read: impl FnMut(&str) -> Option<B>,
    present: &[String],
    hashed: impl Fn(&crate::FileEntry, &[u8]) -> bool,
) -> Result<Manifest, PackageError> {
    let trusted = verify_signature(key, manifest_bytes, minisig)?;
    let m = Manifest::from_bytes(manifest_bytes)?;
    let want = format!("prep sequence:{} corte:{} ", m.sequence, m.corte);
    if !trusted.starts_with(&want) {
        return Err(PackageError::TrustedComment(trusted));
    }
    if let Some(last) = &expect.last {
        check_follows(&m, last)?;
    }
    if let Some(now) = expect.now_utc {
        check_clock(&m, now, expect.max_ahead_secs)?;
    }
    for f in &m.files {
        let read_bytes = read(&f.path).ok_or_else(|| PackageError::MissingFile(f.path.clone()))?;
        let bytes = read_bytes.as_ref();
        if bytes.len() as u64 != f.size {
            return Err(PackageError::Size {
                path: f.path.clone(),
                got: bytes.len() as u64,
                expected: f.size,
            });
        }
        if hashed(f, bytes) {
            continue;
        }
        let got = sha256_hex(bytes);
        if got != f.sha256 {
            return Err(PackageError::Hash {
                path: f.path.clone(),
                got,
                expected: f.sha256.clone(),
            });
        }
    }
    if let Some(extra) = present.iter().find(|p| m.file(p).is_none()) {
        return Err(PackageError::Unlisted(extra.clone()));
    }
    Ok(m)
}

/// The rules between the last accepted package and the manifest `m`.
fn check_follows(m: &Manifest, last: &Accepted<'_>) -> Result<(), PackageError> {
    follows(last, m.sequence, m.previous.as_deref(), &m.corte)
}

/// Whether a corte of `sequence`, chained to `previous`, cut at `corte` (RFC 3339), may
/// follow `last`: a greater sequence (not absurdly greater), nothing after a final corte, the
/// chain, and a later corte time. Receivers apply it to what they get
/// ([`check_package`]); the publisher to what it is about to sign.
pub fn follows(
    last: &Accepted<'_>,
    sequence: u64,
    previous: Option<&str>,
    corte: &str,
) -> Result<(), PackageError> {
    if sequence <= last.sequence {
        return Err(PackageError::Sequence {
            got: sequence,
            last: last.sequence,
        });
    }
    if last.is_final {
        return Err(PackageError::AfterFinal {
            last: last.sequence,
        });
    }
    if sequence - last.sequence > MAX_SEQUENCE_STEP {
        return Err(PackageError::SequenceJump {
            got: sequence,
            last: last.sequence,
        });
    }
    if previous != Some(last.hash) {
        return Err(PackageError::Chain {
            got: previous.map(str::to_owned),
            expected: last.hash.to_owned(),
        });
    }
    if utc_key(corte) <= utc_key(last.corte) {
        return Err(PackageError::CorteNotAfter {
            corte: corte.to_owned(),
            last: last.corte.to_owned(),
        });
    }
    Ok(())
}

/// The rules against the receiver's clock: not expired, and (with `max_ahead`) neither the
/// corte nor the creation time too far in the future.
fn check_clock(m: &Manifest, now: &str, max_ahead: Option<i64>) -> Result<(), PackageError> {
    if utc_key(&m.expires) <= utc_key(now) {
        return Err(PackageError::Expired {
            expires: m.expires.clone(),
            now: now.to_owned(),
        });
    }
    if let Some(max_secs) = max_ahead {
        for (field, value) in [("corte", &m.corte), ("created", &m.created)] {
            if utc_key(value) > utc_key(now).saturating_add(max_secs) {
                return Err(PackageError::Ahead {
                    field,
                    value: value.clone(),
                    now: now.to_owned(),
                    max_secs,
                });
            }
        }
    }
    Ok(())
}

/// 1970-01-01, day 0 of the epoch.
const EPOCH: jiff::civil::Date = jiff::civil::Date::constant(1970, 1, 1);

/// Formats seconds since the epoch as RFC 3339 in UTC (`2024-06-04T02:00:00Z`); the date by
/// `jiff` (a day beyond the years −9999–9999 is written as the first or last day of them).
pub fn rfc3339_utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let date = EPOCH
        .checked_add(jiff::SignedDuration::from_secs(days.saturating_mul(86_400)))
        .unwrap_or(if days < 0 {
            jiff::civil::Date::MIN
        } else {
            jiff::civil::Date::MAX
        });
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        date.year(),
        date.month(),
        date.day(),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// An RFC 3339 time as `(seconds since the epoch)` for comparison; unparseable times sort
/// first, so they count as expired.
fn utc_key(t: &str) -> i64 {
    rfc3339_seconds(t).unwrap_or(i64::MIN)
}

/// Seconds since 1970-01-01T00:00:00Z of `YYYY-MM-DDTHH:MM:SS(Z|±HH:MM)`; `None` when the
/// text is not in that form or its month is not 1–12.
pub fn rfc3339_seconds(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let offset = match &t[19..] {
        "Z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (num(20..22)? * 3600 + num(23..25)? * 60)
        }
        _ => return None,
    };
    // Days since the epoch of the month's first day (by `jiff`), then the day of the month
    // counted on from it.
    let first = jiff::civil::Date::new(i16::try_from(y).ok()?, i8::try_from(mo).ok()?, 1).ok()?;
    let days = first.duration_since(EPOCH).as_secs() / 86_400 + d - 1;
    Some(days * 86_400 + h * 3600 + mi * 60 + s - offset)
}

#[cfg(test)]
mod tests {
    use super::{rfc3339_seconds, rfc3339_utc};

    #[test]
    fn rfc3339() {
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_seconds("2024-06-03T20:00:00-06:00"),
            rfc3339_seconds("2024-06-04T02:00:00Z")
        );
        assert_eq!(rfc3339_seconds("2024-06-04T02:00:00Z"), Some(1_717_466_400));
        assert_eq!(rfc3339_seconds("garbage"), None);
        for t in [0, 1_717_466_400, 951_782_400, 4_102_444_799] {
            assert_eq!(rfc3339_seconds(&rfc3339_utc(t)), Some(t));
        }
        assert_eq!(rfc3339_utc(1_717_466_400), "2024-06-04T02:00:00Z");
    }
}
