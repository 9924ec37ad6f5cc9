//! A package directory as it arrives, listed before any file is read: regular files and
//! directories only, UTF-8 names that are package paths (the delivery's markers apart), and
//! within [`Limits`]. The node lists every package it receives this way, and `prep verify`
//! every package directory it checks, so both refuse the same directories.

use crate::names::{COMPLETE_MARKER, PACKAGE_MARKERS, SIGNATURE_PATH};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Size limits a package must stay within, checked on the directory before anything is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// The largest total of all the package's files, in bytes.
    #[serde(default = "Limits::default_total")]
    pub max_total_bytes: u64,
    /// The most files a package may hold.
    #[serde(default = "Limits::default_files")]
    pub max_files: u64,
    /// The largest single file, in bytes.
    #[serde(default = "Limits::default_file")]
    pub max_file_bytes: u64,
}

impl Limits {
    fn default_total() -> u64 {
        4 * 1024 * 1024 * 1024
    }
    fn default_files() -> u64 {
        1_000_000
    }
    fn default_file() -> u64 {
        1024 * 1024 * 1024
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_total_bytes: Limits::default_total(),
            max_files: Limits::default_files(),
            max_file_bytes: Limits::default_file(),
        }
    }
}

/// Directory nesting beyond this is refused.
pub const MAX_DEPTH: usize = 32;

/// Why a package directory's listing is refused.
#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    /// The directory or an entry of it could not be read.
    #[error("{0}")]
    Unreadable(String),
    /// A name that is not UTF-8 or not a package path, or nesting too deep.
    #[error("{0}")]
    BadName(String),
    /// A symbolic link inside the package.
    #[error("{0} is a symbolic link; a package holds regular files only")]
    Link(String),
    /// A device, socket or pipe inside the package.
    #[error("{0} is not a regular file; a package holds regular files only")]
    SpecialFile(String),
    /// More files than the limit.
    #[error("more than {max} files (limit max_files)")]
    TooManyFiles {
        /// The limit.
        max: u64,
    },
    /// A file larger than the limit.
    #[error("file {path} has {size} bytes, more than the limit max_file_bytes = {max}")]
    FileTooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The files add up to more than the limit.
    #[error("the files add up to more than {max} bytes (limit max_total_bytes)")]
    TotalTooLarge {
        /// The limit.
        max: u64,
    },
}

impl ListingError {
    /// A short code naming the reason, for metrics labels and the event log.
    pub fn code(&self) -> &'static str {
        match self {
            ListingError::Unreadable(_) => "unreadable",
            ListingError::BadName(_) => "bad_name",
            ListingError::Link(_) => "link",
            ListingError::SpecialFile(_) => "special_file",
            ListingError::TooManyFiles { .. } => "too_many_files",
            ListingError::FileTooLarge { .. } => "file_too_large",
            ListingError::TotalTooLarge { .. } => "total_too_large",
        }
    }
}

/// Every regular file under `dir` with its size, relative and `/`-separated, sorted, refusing
/// links, special files, names that are not UTF-8 or not package paths ([`PACKAGE_MARKERS`]
/// apart, at the top) and anything beyond `limits`, before a byte is read. No path leaves
/// `dir`: links are refused, never followed.
pub fn list_package(dir: &Path, limits: &Limits) -> Result<Vec<(String, u64)>, ListingError> {
    let io = |what: &Path, e: std::io::Error| {
        ListingError::Unreadable(format!("{}: {e}", what.display()))
    };
    let mut out = Vec::new();
    let mut total: u64 = 0;
    let mut stack = vec![(PathBuf::new(), 0usize)];
    while let Some((rel, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(ListingError::BadName(format!(
                "{} is nested more than {MAX_DEPTH} directories deep",
                rel.display()
            )));
        }
        let full = dir.join(&rel);
        for entry in std::fs::read_dir(&full).map_err(|e| io(&full, e))? {
            let entry = entry.map_err(|e| io(&full, e))?;
            let path = rel.join(entry.file_name());
            let Some(name) = path.to_str().map(str::to_owned) else {
                return Err(ListingError::BadName(format!(
                    "{} is not a UTF-8 name",
                    path.display()
                )));
            };
            // Every name by the one path rule (a backslash is a character of a name on this
            // disk, never a separator), the receiver's own dot-named markers apart.
            if !(depth == 0 && PACKAGE_MARKERS.contains(&name.as_str())) {
                prep_package::validate_path(&name)
                    .map_err(|e| ListingError::BadName(e.to_string()))?;
            }
            let kind = entry.file_type().map_err(|e| io(&path, e))?;
            if kind.is_symlink() {
                return Err(ListingError::Link(name));
            } else if kind.is_dir() {
                stack.push((path, depth + 1));
            } else if kind.is_file() {
                let size = entry.metadata().map_err(|e| io(&path, e))?.len();
                if size > limits.max_file_bytes {
                    return Err(ListingError::FileTooLarge {
                        path: name,
                        size,
                        max: limits.max_file_bytes,
                    });
                }
                total = total.saturating_add(size);
                if total > limits.max_total_bytes {
                    return Err(ListingError::TotalTooLarge {
                        max: limits.max_total_bytes,
                    });
                }
                out.push((name, size));
                if out.len() as u64 > limits.max_files {
                    return Err(ListingError::TooManyFiles {
                        max: limits.max_files,
                    });
                }
            } else {
                return Err(ListingError::SpecialFile(name));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Whether a directory in the inbox is a complete package: its signature and
/// [`COMPLETE_MARKER`] are there.
pub fn is_complete(dir: &Path) -> bool {
    holds_files(dir, &[SIGNATURE_PATH, COMPLETE_MARKER])
}

/// Whether `dir` holds each of `files` as a regular file (not following links): how every
/// kind of delivery says it is complete (its signature and [`COMPLETE_MARKER`]).
pub fn holds_files(dir: &Path, files: &[&str]) -> bool {
    files
        .iter()
        .all(|f| std::fs::symlink_metadata(dir.join(f)).is_ok_and(|m| m.is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_sorted_files_with_sizes_and_markers_at_the_top_only() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("json")).expect("mkdir");
        std::fs::write(dir.path().join("json/a.json"), b"{}").expect("write");
        std::fs::write(dir.path().join(COMPLETE_MARKER), b"").expect("write");
        let listed = list_package(dir.path(), &Limits::default()).expect("listed");
        assert_eq!(
            listed,
            vec![
                (COMPLETE_MARKER.to_owned(), 0),
                ("json/a.json".to_owned(), 2)
            ]
        );
        std::fs::write(dir.path().join("json").join(COMPLETE_MARKER), b"").expect("write");
        let e = list_package(dir.path(), &Limits::default()).expect_err("nested marker");
        assert!(matches!(e, ListingError::BadName(_)), "{e}");
    }

    #[test]
    fn refuses_beyond_the_limits() {
        let dir = tempfile::tempdir().expect("tmp");
        for name in ["a", "b", "c"] {
            std::fs::write(dir.path().join(name), b"1234").expect("write");
        }
        let limits = |max_files, max_file_bytes, max_total_bytes| Limits {
            max_total_bytes,
            max_files,
            max_file_bytes,
        };
        let list = |l: Limits| list_package(dir.path(), &l);
        assert!(list(limits(3, 4, 12)).is_ok());
        assert!(matches!(
            list(limits(2, 4, 12)),
            Err(ListingError::TooManyFiles { max: 2 })
        ));
        assert!(matches!(
            list(limits(3, 3, 12)),
            Err(ListingError::FileTooLarge {
                size: 4,
                max: 3,
                ..
            })
        ));
        assert!(matches!(
            list(limits(3, 4, 11)),
            Err(ListingError::TotalTooLarge { max: 11 })
        ));
    }
}
