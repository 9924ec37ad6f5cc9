//! Where an election directory keeps its cortes, for everything that reads or writes them:
//! the publisher that cuts them, the HTTPS-pull origin that serves them and the deliverer
//! that sends them. Paths only: this module touches no file.
//!
//! ```text
//! DIR/cortes/NNNNNN/     each corte's complete package (sequence, six digits at least)
//! DIR/origin             a link to cortes/NNNNNN: the current corte
//! DIR/delegation/        the key delegation in force (keys.json and its signature)
//! ```

use std::path::{Path, PathBuf};

/// Folder of the cortes, under the election directory.
pub const CORTES_DIR: &str = "cortes";
/// The link to the current corte, under the election directory.
pub const ORIGIN_LINK: &str = "origin";
/// Folder of the key delegation in force, under the election directory.
pub const DELEGATION_DIR: &str = "delegation";

/// The folder name of corte `sequence`: its number with at least six digits (`000042`).
pub fn corte_name(sequence: u64) -> String {
    format!("{sequence:06}")
}

/// The sequence a corte folder's name says, when it is one [`corte_name`] gives (`000042`,
/// `1000000`); `None` for any other name (`42`, `+00042`, `.000042.tmp-1`, `0000042`), so
/// that every reader of the directory sees the same cortes.
pub fn corte_sequence(name: &str) -> Option<u64> {
    if name.len() < 6 || name.len() > 20 || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = name.parse().ok()?;
    (corte_name(n) == name).then_some(n)
}

/// The paths of one election directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectionLayout {
    root: PathBuf,
}

impl ElectionLayout {
    /// The layout of the election directory at `root`.
    pub fn new(root: impl Into<PathBuf>) -> ElectionLayout {
        ElectionLayout { root: root.into() }
    }

    /// The election directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of the cortes.
    pub fn cortes(&self) -> PathBuf {
        self.root.join(CORTES_DIR)
    }

    /// The package folder of corte `sequence`.
    pub fn corte_dir(&self, sequence: u64) -> PathBuf {
        self.cortes().join(corte_name(sequence))
    }

    /// Where the origin link points for corte `sequence`, relative to the directory
    /// (`cortes/000042`).
    pub fn origin_target(sequence: u64) -> PathBuf {
        Path::new(CORTES_DIR).join(corte_name(sequence))
    }

    /// The link to the current corte.
    pub fn origin(&self) -> PathBuf {
        self.root.join(ORIGIN_LINK)
    }

    /// The folder of the key delegation in force.
    pub fn delegation(&self) -> PathBuf {
        self.root.join(DELEGATION_DIR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_per_sequence_and_only_that_name_reads_back() {
        for n in [0, 1, 42, 999_999, 1_000_000, u64::MAX] {
            assert_eq!(corte_sequence(&corte_name(n)), Some(n));
        }
        for name in [
            "42",
            "+00042",
            "0000042",
            ".000042.tmp-1",
            "00004a",
            "",
            "000042 ",
        ] {
            assert_eq!(corte_sequence(name), None, "{name:?}");
        }
        let l = ElectionLayout::new("/e");
        assert_eq!(l.corte_dir(7), Path::new("/e/cortes/000007"));
        assert_eq!(ElectionLayout::origin_target(7), Path::new("cortes/000007"));
        assert_eq!(l.origin(), Path::new("/e/origin"));
        assert_eq!(l.delegation(), Path::new("/e/delegation"));
    }
}
