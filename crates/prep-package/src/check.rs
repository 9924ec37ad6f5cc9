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
}

/// What the receiver knows before looking at a package.
#[derive(Debug, Clone, Default)]
pub struct Expectations<'a> {
    /// The sequence and manifest hash of the last accepted package, if any.
    pub last: Option<(u64, &'a str)>,
    /// The current time, RFC 3339 in the same offset as the manifests (compared as text
    /// after normalisation to UTC by the caller), to refuse expired packages; `None` skips it.
    pub now_utc: Option<&'a str>,
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
    if let Some((last_seq, last_hash)) = expect.last {
        if m.sequence <= last_seq {
            return Err(PackageError::Sequence {
                got: m.sequence,
                last: last_seq,
            });
        }
        if m.previous.as_deref() != Some(last_hash) {
            return Err(PackageError::Chain {
                got: m.previous.clone(),
                expected: last_hash.to_owned(),
            });
        }
    }
    if let Some(now) = expect.now_utc
        && utc_key(&m.expires) <= utc_key(now)
    {
        return Err(PackageError::Expired {
            expires: m.expires.clone(),
            now: now.to_owned(),
        });
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
    if let Some(extra) = present.iter().find(|p| {
        m.files
            .binary_search_by(|f| f.path.as_str().cmp(p))
            .is_err()
    }) {
        return Err(PackageError::Unlisted(extra.clone()));
    }
    Ok(m)
}

/// Formats seconds since the epoch as RFC 3339 in UTC (`2024-06-04T02:00:00Z`).
pub fn rfc3339_utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
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
/// text is not in that form.
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
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
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
