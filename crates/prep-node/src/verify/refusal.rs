//! Why a package is refused: [`Refusal`], one reason per check, for the package directory's
//! checks ([`crate::verify`]) and the rebuild of a patched delta package
//! (`verify::patched`) alike.

use prep_package::PackageError;

/// Why a package is refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A check of the signed manifest and the files it lists failed.
    #[error("{0}")]
    Package(#[from] PackageError),
    /// What arrived in the inbox is not a directory.
    #[error("{0} is not a package directory")]
    NotADirectory(String),
    /// A suspension notice that does not verify, or is not newer than the last one.
    #[error("notice: {0}")]
    Notice(String),
    /// A symbolic link inside the package.
    #[error("{0} is a symbolic link; a package holds regular files only")]
    Link(String),
    /// A device, socket or pipe inside the package.
    #[error("{0} is not a regular file; a package holds regular files only")]
    SpecialFile(String),
    /// A file name that is not UTF-8 or nesting too deep.
    #[error("{0}")]
    BadName(String),
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
    /// `json/main.json` is missing, malformed, or does not point at this manifest.
    #[error("json/main.json: {0}")]
    Pointer(String),
    /// The node has no corte yet and was not told to start a chain.
    #[error(
        "sequence {0} would start this node's chain; run `prep node run --resync` or set accept_first = true to accept a chain start"
    )]
    ResyncRequired(u64),
    /// The package could not be read.
    #[error("cannot read the package: {0}")]
    Unreadable(String),
    /// A patched delta package that does not rebuild (`verify::patched`).
    #[error("delta: {0}")]
    Delta(String),
    /// A key delegation that is refused, or a package no trusted key may sign.
    #[error("keys: {0}")]
    Keys(String),
}

impl From<prep_inbox::ListingError> for Refusal {
    /// A listing refused by [`prep_inbox::list_package`], under the same reason and code.
    fn from(e: prep_inbox::ListingError) -> Refusal {
        use prep_inbox::ListingError as L;
        match e {
            L::Unreadable(reason) => Refusal::Unreadable(reason),
            L::BadName(reason) => Refusal::BadName(reason),
            L::Link(path) => Refusal::Link(path),
            L::SpecialFile(path) => Refusal::SpecialFile(path),
            L::TooManyFiles { max } => Refusal::TooManyFiles { max },
            L::FileTooLarge { path, size, max } => Refusal::FileTooLarge { path, size, max },
            L::TotalTooLarge { max } => Refusal::TotalTooLarge { max },
        }
    }
}

impl Refusal {
    /// A short code naming the reason, for metrics labels and the event log.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Package(e) => match e {
                PackageError::Signature(_) => "signature",
                PackageError::Manifest(_) => "manifest",
                PackageError::TrustedComment(_) => "trusted_comment",
                PackageError::Sequence { got, last } if got == last => "replay",
                PackageError::Sequence { .. } => "rollback",
                PackageError::Chain { .. } => "chain",
                PackageError::Expired { .. } => "expired",
                PackageError::MissingFile(_) => "missing_file",
                PackageError::Size { .. } => "size",
                PackageError::Hash { .. } => "hash",
                PackageError::Unlisted(_) => "unlisted_file",
                PackageError::CorteNotAfter { .. } => "time_order",
                PackageError::AfterFinal { .. } => "after_final",
                PackageError::Ahead { .. } => "clock_ahead",
                PackageError::SequenceJump { .. } => "sequence_jump",
            },
            Refusal::NotADirectory(_) => "not_a_directory",
            Refusal::Notice(_) => "notice",
            Refusal::Link(_) => "link",
            Refusal::SpecialFile(_) => "special_file",
            Refusal::BadName(_) => "bad_name",
            Refusal::TooManyFiles { .. } => "too_many_files",
            Refusal::FileTooLarge { .. } => "file_too_large",
            Refusal::TotalTooLarge { .. } => "total_too_large",
            Refusal::Pointer(_) => "pointer",
            Refusal::ResyncRequired(_) => "resync_required",
            Refusal::Unreadable(_) => "unreadable",
            Refusal::Delta(_) => "delta",
            Refusal::Keys(_) => "keys",
        }
    }
}
