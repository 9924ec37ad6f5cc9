//! The one rule for a package's file paths, used by the publisher (before signing), the node
//! (on every listed and signed path) and `prep verify`.
//!
//! Policy: ASCII only. A path is 1 to [`MAX_PATH_BYTES`] bytes of `/`-separated components,
//! at most [`MAX_DEPTH`] deep; each component is 1 to [`MAX_COMPONENT_BYTES`] bytes of
//! `A-Z a-z 0-9 . _ - ~`, not starting with `.` (so `.` and `..` are impossible, and no name
//! can collide with a receiver's own dot-named markers). Every file a corte carries is named
//! by the publisher (content-named data, fixed page names), so nothing is lost by the rule,
//! and with it there is no Unicode normalisation, bidirectional override, zero-width character,
//! backslash or control character to reason about. Over a set of paths, no path may be the
//! directory of another (`json/x` and `json/x/y` cannot both exist on disk) and no two may
//! differ only in ASCII case (they would be one file on a case-insensitive web server's disk).

use std::collections::HashSet;

/// The longest path, in bytes.
pub const MAX_PATH_BYTES: usize = 512;
/// The longest component, in bytes (file systems allow 255; a receiver adds suffixes).
pub const MAX_COMPONENT_BYTES: usize = 128;
/// The most components of one path.
pub const MAX_DEPTH: usize = 16;

/// Why a path, or a set of paths, is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("file path {path:?} is not allowed: {why}")]
pub struct PathError {
    /// The path (lossy text of what was seen).
    pub path: String,
    /// Why.
    pub why: &'static str,
}

/// Checks one path against the rule of this module.
pub fn validate_path(path: &str) -> Result<(), PathError> {
    let bad = |why| {
        Err(PathError {
            path: path.to_owned(),
            why,
        })
    };
    if path.is_empty() || path.len() > MAX_PATH_BYTES {
        return bad("empty or longer than 512 bytes");
    }
    if path.starts_with('/') {
        return bad("absolute");
    }
    if !path.is_ascii() {
        return bad("not ASCII (a package path is A-Z a-z 0-9 . _ - ~ and /)");
    }
    if path.contains('\\') || path.bytes().any(|b| b.is_ascii_control()) {
        return bad("backslash or control character");
    }
    let mut depth = 0;
    for component in path.split('/') {
        depth += 1;
        if component.is_empty() || component == "." || component == ".." {
            return bad("empty, `.` or `..` segment");
        }
        if component.starts_with('.') {
            return bad("a component starts with `.`");
        }
        if component.len() > MAX_COMPONENT_BYTES {
            return bad("a component longer than 128 bytes");
        }
        if !component
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~'))
        {
            return bad("a character outside A-Z a-z 0-9 . _ - ~");
        }
    }
    if depth > MAX_DEPTH {
        return bad("more than 16 components deep");
    }
    Ok(())
}

/// Checks a set of paths, each valid by [`validate_path`], for the conflicts a disk cannot
/// hold: a path that is a directory of another, and two paths equal but for ASCII case.
pub fn validate_path_set<'a>(paths: impl IntoIterator<Item = &'a str>) -> Result<(), PathError> {
    let paths: Vec<&str> = paths.into_iter().collect();
    let mut folded = HashSet::with_capacity(paths.len());
    for p in &paths {
        if !folded.insert(p.to_ascii_lowercase()) {
            return Err(PathError {
                path: (*p).to_owned(),
                why: "another path differs from it only in letter case",
            });
        }
    }
    let files: HashSet<&str> = paths.iter().copied().collect();
    for p in &paths {
        for (i, b) in p.bytes().enumerate() {
            if b == b'/' && files.contains(&p[..i]) {
                return Err(PathError {
                    path: (*p).to_owned(),
                    why: "one of its directories is also a file of the package",
                });
            }
        }
    }
    Ok(())
}

/// Whether `c` is invisible or reorders text: zero-width characters, bidirectional controls,
/// the soft hyphen and the byte-order mark. Texts a citizen reads (the printed corte time) may
/// not hold them.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_paths_are_refused() {
        let long_component = "a".repeat(129);
        let deep = vec!["d"; 17].join("/");
        for bad in [
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "./a",
            "a\\b",
            "json\\index.0123456789abcdef.json",
            "",
            "a/\u{0}",
            "a/b\n",
            ".prep-complete",
            "json/.hidden",
            "json/i\u{301}ndex.json",
            "json/\u{ed}ndex.json",
            "json/index\u{202e}nosj.json",
            "json/in\u{200b}dex.json",
            "json/a b.json",
            "json/a:b.json",
            long_component.as_str(),
            deep.as_str(),
        ] {
            assert!(validate_path(bad).is_err(), "{bad:?}");
        }
        for good in [
            "index.html",
            "json/gub/entidad.json",
            "a.b/c-d_e~f",
            "datos/20240603_2000_PREP_PUE.zip",
            "json/pres/actas/21-1-1234.0123456789abcdef.json",
        ] {
            assert!(validate_path(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn paths_that_cannot_coexist_are_refused() {
        assert!(validate_path_set(["json/x", "json/x-a", "json/x/y"]).is_err());
        assert!(validate_path_set(["a/b/c", "a/b"]).is_err());
        assert!(validate_path_set(["Index.html", "index.html"]).is_err());
        assert!(validate_path_set(["json/x", "json/xy", "json/y/x"]).is_ok());
    }

    #[test]
    fn invisible_characters() {
        assert!(is_invisible('\u{202e}') && is_invisible('\u{200b}') && is_invisible('\u{feff}'));
        assert!(!is_invisible('á') && !is_invisible(' '));
    }
}
