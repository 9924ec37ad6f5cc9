//! Deltas between two versions of a file, so an incremental corte travels as what changed:
//! a zstd frame compressed with the version the receiver already holds as its prefix (what
//! `zstd --patch-from` does). The receiver rebuilds the new version from its own copy and
//! then checks it against the signed manifest like any other file: a patch is only a way of
//! carrying bytes, never trusted by itself.
//!
//! [`make_patch`] / [`apply_patch`] with a base; [`compress`] / [`decompress`] without one.
//! Every output is bounded by the caller's `max` before anything is allocated beyond it.

use zstd::zstd_safe::{self, CCtx, CParameter, DCtx, DParameter};

/// The compression level of patches: 3 of zstd's 22. On the changed files of a 20,000-casilla
/// corte (2.9 MB, a 1.2 MB zip among them) level 12 is 1 % smaller and five times slower,
/// level 19 2 % smaller and fifty times slower; a patch is made on the way to every difusor.
pub const PATCH_LEVEL: i32 = 3;
/// The largest window a patch may ask of its receiver (2^27 bytes: base and new version
/// together at most 128 MiB); larger files travel whole.
pub const MAX_WINDOW_LOG: u32 = 27;

/// Why a patch could not be made or applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PatchError {
    /// Base and new version together are beyond [`MAX_WINDOW_LOG`].
    #[error("base and file together exceed {} bytes; send the file whole", 1u64 << MAX_WINDOW_LOG)]
    TooLarge,
    /// The result would be larger than the caller allows.
    #[error("the patched file would exceed {max} bytes")]
    Exceeds {
        /// The caller's bound.
        max: u64,
    },
    /// zstd refused the data (not a zstd frame, wrong base, truncated...).
    #[error("zstd: {0}")]
    Zstd(&'static str),
}

fn zstd_error(code: usize) -> PatchError {
    PatchError::Zstd(zstd_safe::get_error_name(code))
}

/// The window log covering `len` bytes (at least 2^10).
fn window_log(len: usize) -> Result<u32, PatchError> {
    let bits = usize::BITS - len.saturating_sub(1).leading_zeros();
    let log = bits.max(10);
    if log > MAX_WINDOW_LOG {
        return Err(PatchError::TooLarge);
    }
    Ok(log)
}

/// `target` as a zstd frame referring to `base` (which the receiver must hold, byte for
/// byte). With an empty base it is plain zstd compression.
pub fn make_patch(base: &[u8], target: &[u8]) -> Result<Vec<u8>, PatchError> {
    let mut cctx = CCtx::create();
    let log = window_log(base.len() + target.len())?;
    cctx.set_parameter(CParameter::CompressionLevel(PATCH_LEVEL))
        .map_err(zstd_error)?;
    cctx.set_parameter(CParameter::WindowLog(log))
        .map_err(zstd_error)?;
    cctx.set_parameter(CParameter::ContentSizeFlag(true))
        .map_err(zstd_error)?;
    if !base.is_empty() {
        cctx.ref_prefix(base).map_err(zstd_error)?;
    }
    let mut out = Vec::with_capacity(zstd_safe::compress_bound(target.len()));
    cctx.compress2(&mut out, target).map_err(zstd_error)?;
    Ok(out)
}

/// Rebuilds the file `patch` was made from, given the same `base`; at most `max` bytes.
pub fn apply_patch(base: &[u8], patch: &[u8], max: u64) -> Result<Vec<u8>, PatchError> {
    // The frame declares its size (make_patch always writes it): refused before allocating.
    let declared = match zstd_safe::get_frame_content_size(patch) {
        Ok(Some(n)) => n,
        Ok(None) | Err(_) => return Err(PatchError::Zstd("no frame with a declared size")),
    };
    if declared > max {
        return Err(PatchError::Exceeds { max });
    }
    let size = usize::try_from(declared).map_err(|_| PatchError::Exceeds { max })?;
    let mut dctx = DCtx::create();
    dctx.set_parameter(DParameter::WindowLogMax(MAX_WINDOW_LOG))
        .map_err(zstd_error)?;
    if !base.is_empty() {
        dctx.ref_prefix(base).map_err(zstd_error)?;
    }
    // The output buffer holds exactly the declared size: zstd stops rather than write more.
    let mut out = Vec::with_capacity(size);
    let written = dctx.decompress(&mut out, patch).map_err(zstd_error)?;
    if written != size {
        return Err(PatchError::Zstd(
            "the frame's size does not match its content",
        ));
    }
    Ok(out)
}

/// `data` compressed as one zstd frame (a patch from nothing).
pub fn compress(data: &[u8]) -> Result<Vec<u8>, PatchError> {
    make_patch(&[], data)
}

/// The bytes of one zstd frame made by [`compress`]; at most `max` bytes.
pub fn decompress(frame: &[u8], max: u64) -> Result<Vec<u8>, PatchError> {
    apply_patch(&[], frame, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest_like(n: usize, seed: u64) -> Vec<u8> {
        let mut out = String::from("{\n  \"files\": [\n");
        for i in 0..n {
            // A "hash" that changes for one file in ten when the seed changes.
            let h = if i % 10 == 0 {
                seed * 7919 + i as u64
            } else {
                i as u64
            };
            out.push_str(&format!(
                "    {{\"path\": \"json/pres/distrito-{i:04}.json\", \"sha256\": \"{:064x}\", \"size\": {}}},\n",
                h.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                1000 + i
            ));
        }
        out.push_str("  ]\n}\n");
        out.into_bytes()
    }

    #[test]
    fn a_patch_rebuilds_the_new_version_and_is_much_smaller_than_it() {
        let (old, new) = (manifest_like(5000, 1), manifest_like(5000, 2));
        let patch = make_patch(&old, &new).expect("patch");
        let whole = compress(&new).expect("compress");
        assert_eq!(
            apply_patch(&old, &patch, new.len() as u64).expect("apply"),
            new
        );
        // One line in ten changed: the patch carries little more than those lines.
        assert!(
            patch.len() * 5 < whole.len(),
            "patch {} bytes, compressed whole {} bytes",
            patch.len(),
            whole.len()
        );
        assert_eq!(
            decompress(&whole, new.len() as u64).expect("decompress"),
            new
        );
    }

    #[test]
    fn a_wrong_base_an_overlong_result_or_garbage_is_refused() {
        let (old, new) = (manifest_like(300, 1), manifest_like(300, 2));
        let patch = make_patch(&old, &new).expect("patch");
        // Another base decodes to other bytes or fails (where it holds the same bytes as the
        // real one it may well rebuild the file: a receiver trusts hashes, not patches).
        let other = vec![b'x'; old.len()];
        assert!(apply_patch(&other, &patch, 1 << 20).ok().as_ref() != Some(&new));
        assert_eq!(
            apply_patch(&old, &patch, new.len() as u64 - 1),
            Err(PatchError::Exceeds {
                max: new.len() as u64 - 1
            })
        );
        assert!(apply_patch(&old, b"not zstd at all", 1 << 20).is_err());
        assert!(apply_patch(&old, &patch[..patch.len() / 2], 1 << 20).is_err());
    }

    #[test]
    fn the_window_covers_base_and_file_up_to_the_limit() {
        assert_eq!(window_log(0), Ok(10));
        assert_eq!(window_log(1 << 20), Ok(20));
        assert_eq!(window_log((1 << 20) + 1), Ok(21));
        assert_eq!(window_log(1 << 27), Ok(27));
        assert_eq!(window_log((1 << 27) + 1), Err(PatchError::TooLarge));
    }
}
