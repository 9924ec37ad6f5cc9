//! Why a package is refused: [`Refusal`], one reason per check, for the package directory's
//! checks ([`crate::verify`]) and the rebuild of a patched delta package
//! (`verify::patched`) alike.

use prep_inbox::ListingError;
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
    /// What the package's directory holds is not a package's, or not within the limits
    /// (its listing, [`prep_inbox::list_package`], or a later read).
    #[error("{0}")]
    Listing(ListingError),
    /// The package could not be read.
    #[error("cannot read the package: {0}")]
    Unreadable(String),
    /// `json/main.json` is missing, malformed, or does not point at this manifest.
    #[error("json/main.json: {0}")]
    Pointer(String),
    /// The node has no corte yet and was not told to start a chain.
    #[error(
        "sequence {0} would start this node's chain; run `prep node run --resync` or set accept_first = true to accept a chain start"
    )]
    ResyncRequired(u64),
    /// A patched delta package that does not rebuild (`verify::patched`).
    #[error("delta: {0}")]
    Delta(String),
    /// A key delegation that is refused, or a package no trusted key may sign.
    #[error("keys: {0}")]
    Keys(String),
}

impl From<ListingError> for Refusal {
    /// A listing refused by [`prep_inbox::list_package`]: its reason, and a directory that
    /// could not be read as [`Refusal::Unreadable`].
    fn from(e: ListingError) -> Refusal {
        match e {
            ListingError::Unreadable(reason) => Refusal::Unreadable(reason),
            other => Refusal::Listing(other),
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
            Refusal::Listing(e) => e.code(),
            Refusal::Unreadable(_) => "unreadable",
            Refusal::Pointer(_) => "pointer",
            Refusal::ResyncRequired(_) => "resync_required",
            Refusal::Delta(_) => "delta",
            Refusal::Keys(_) => "keys",
        }
    }
}
