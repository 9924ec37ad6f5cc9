//! Every file name of the inbox protocol. The package's own files (manifest, signature,
//! pointer) are the package format's, defined in [`prep_package`] and re-exported here; the
//! markers a delivery adds at a package's top start with a dot, which no package path may.

use prep_package::layout::corte_name;

pub use prep_package::{MANIFEST_PATH, POINTER_PATH, SIGNATURE_PATH, UNLISTED_FILES};

/// The marker a sender writes last, inside the package directory, once every file is there.
pub const COMPLETE_MARKER: &str = ".prep-complete";
/// The marker of a delta package: listed files the node's object store already holds (same
/// SHA-256 and size) may be left out; the node fills them from the store before checking.
/// A patched delta package's marker holds the sequence of the corte its patches apply to.
pub const DELTA_MARKER: &str = ".prep-delta";
/// A patched delta package's zstd patch of the manifest against its base corte's.
pub const MANIFEST_PATCH: &str = ".prep-manifest.patch";
/// A patched delta package's zstd patches of the changed files against the base corte's.
pub const FILES_PATCH: &str = ".prep-files.patch";
/// The files at a package's top that are the delivery's, not the corte's.
pub const PACKAGE_MARKERS: [&str; 4] = [COMPLETE_MARKER, DELTA_MARKER, MANIFEST_PATCH, FILES_PATCH];

/// The name of corte `sequence`'s package in an inbox: `corte-000042`.
pub fn package_name(sequence: u64) -> String {
    format!("corte-{}", corte_name(sequence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_have_six_digits_at_least() {
        assert_eq!(package_name(42), "corte-000042");
        assert_eq!(package_name(1_000_000), "corte-1000000");
    }

    #[test]
    fn no_marker_is_a_package_path() {
        for marker in PACKAGE_MARKERS {
            assert!(prep_package::validate_path(marker).is_err(), "{marker}");
        }
    }
}
