//! The inbox protocol between the institute and a difusor node, on its own so that the
//! senders (`prep-deliver`, `prep notice`) and the verifiers (`prep verify`) use it without the
//! node.
//!
//! A package arrives in a node's inbox as a directory written under a temporary name, its
//! [`COMPLETE_MARKER`] written last, then renamed to its [`package_name`]; a delta package also
//! holds [`DELTA_MARKER`] and leaves out the files the node holds.
//!
//! - [`names`]: every file name of the protocol — the markers, the patches of a patched
//!   delta package, and the package's own manifest, signature and pointer (the package
//!   format's, from `prep-package`, re-exported).
//! - [`list_package`]: the bounded listing of a package directory within [`Limits`] (regular
//!   files only, UTF-8 package paths, no link followed), the one both the node and
//!   `prep verify` use; [`ListingError`] says why a directory is refused.
//! - [`deliver()`] and [`deliver_delta`]: the sender's side for a local directory, [`Sent`]
//!   what they copied.
//! - [`Notice`] ([`notice`]): the institute's signed suspension notice, its checks
//!   ([`notice::verify_notice`], [`notice::check_notice_binding`], failing with
//!   [`NoticeError`]), [`notice::write_notice`], and what a site shows while one is in force:
//!   [`notice::page`] and [`notice::suspended_pointer`].
//! - [`events`]: the records of a node's event log, [`NodeEvent`] in an [`EventRecord`], one
//!   type for the node that writes them and the memoria técnica that reads them back.
//! - [`now_rfc3339`] and [`unix_now`]: the clock every record of the protocol is stamped with.
//!
//! Crates used: `prep-package` for the package format, signatures and times, `prep-fs` for
//! durable writes, `prep-site` for the notice page's template, `serde`/`serde_json` for the notice and the event records, `thiserror` and `anyhow` for errors.

pub mod deliver;
pub mod events;
pub mod listing;
pub mod names;
pub mod notice;

pub use deliver::{Sent, deliver, deliver_delta};
pub use events::{EventRecord, NodeEvent};
pub use listing::{Limits, ListingError, holds_files, is_complete, list_package};
pub use names::{
    COMPLETE_MARKER, DELTA_MARKER, FILES_PATCH, MANIFEST_PATCH, MANIFEST_PATH, PACKAGE_MARKERS,
    POINTER_PATH, SIGNATURE_PATH, UNLISTED_FILES, package_name,
};
pub use notice::{Notice, NoticeError};

/// Seconds since the epoch now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Now, RFC 3339 in UTC.
pub fn now_rfc3339() -> String {
    prep_package::rfc3339_utc(unix_now())
}
