//! [`MemoriaError`]: what can stop a report (a malformed log line never does).

use std::path::PathBuf;

/// An error that stops the report, naming the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum MemoriaError {
    /// A log or event file cannot be opened.
    #[error("cannot open {path}: {source} (check the path and its permissions)")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A path given as a log is not a regular file.
    #[error("{0} is not a regular file: pass log files (plain or gzip), not directories")]
    NotAFile(PathBuf),
    /// Reading a file failed part-way (a corrupt gzip stream, an I/O error).
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line of the event log is not a JSON event.
    #[error(
        "{path}:{line}: not an event ({message}); each line must be a JSON object with \"time\" (RFC 3339) and \"kind\""
    )]
    Event {
        /// The event log.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// What was wrong.
        message: String,
    },
    /// Writing an output file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The report's embedded templates did not render (a defect of this program, not of the
    /// input: report it with the message).
    #[error("cannot render the HTML report: {0}")]
    Template(String),
    /// The PDF could not be printed.
    #[error("cannot print the PDF: {0}")]
    Pdf(String),
}
