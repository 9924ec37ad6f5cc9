//! Why a site could not be loaded or rendered.

use std::path::PathBuf;

/// An error loading, checking or rendering the site. Each names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// The override directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The override directory holds a name the site does not use.
    #[error(
        "{path}: not a site file; the files an institute may replace are: {known} \
         (run `prep site export-templates DIR` to get them)"
    )]
    UnknownFile {
        /// The entry.
        path: PathBuf,
        /// The known names, comma-separated.
        known: String,
    },
    /// An entry of the override directory is not a regular file (directory, link, device).
    #[error("{path}: not a regular file; put only the site's files themselves in the directory")]
    NotAFile {
        /// The entry.
        path: PathBuf,
    },
    /// A file is larger than [`crate::MAX_SOURCE_BYTES`].
    #[error("{path}: {size} bytes, more than the {max} a site file may have")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// A file is not UTF-8 text.
    #[error("{path}: not UTF-8 text; save it as UTF-8")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// A template does not parse or does not render.
    #[error("template {name}: {detail}")]
    Template {
        /// The template's name.
        name: String,
        /// minijinja's description, with the line.
        detail: String,
    },
    /// A rendered page lacks something the site needs to work or to stay within its origin.
    #[error("{name}: {what}")]
    Page {
        /// The page.
        name: String,
        /// What is missing.
        what: String,
    },
    /// A field of [`crate::SiteInfo`] is not acceptable.
    #[error("site information, {field}: {what}")]
    Info {
        /// The field.
        field: &'static str,
        /// Why.
        what: String,
    },
    /// Exporting the defaults would overwrite a file.
    #[error("{path} already exists; export into an empty or new directory")]
    Exists {
        /// The file.
        path: PathBuf,
    },
}

impl SiteError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SiteError::Io {
            path: path.into(),
            source,
        }
    }
}
