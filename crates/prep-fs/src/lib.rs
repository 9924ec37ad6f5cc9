//! The workspace's file-system helpers, one copy of each (after cargo's `cargo-util` `paths`
//! module): every function wraps `std::fs` and returns a [`std::io::Error`] of the same
//! [`kind`](std::io::Error::kind) whose message names the path (`cannot write /x/y: No space
//! left on device (os error 28)`).
//!
//! - [`write_durably`]: a file whole or not at all, and still there after a crash — a
//!   temporary file under a unique name in the same directory, fsync, rename over the path,
//!   fsync of the directory. [`write_durably_with`] takes [`WriteOptions`]: the file's mode
//!   (`0o600` for a secret key), never overwriting an existing file, or leaving the directory's
//!   fsync to the caller; [`write_durably_streamed`] takes the contents from a writer callback.
//! - [`sync_dir`]: fsync of a directory, so the names created, renamed or removed in it are
//!   durable.
//! - [`switch_symlink`]: points a symbolic link at a new target atomically — a new link under a
//!   unique temporary name, renamed over the old one, the directory fsynced.
//! - [`remove_if_present`]: removes a file, link or directory tree; one already gone is not an
//!   error.
//!
//! Temporary names start with [`TMP_PREFIX`], so a sweep after a crash finds them.

use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How every temporary name these helpers create begins (`.tmp-<pid>-<n>-<name>`).
pub const TMP_PREFIX: &str = ".tmp-";

/// How [`write_durably_with`] writes a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    mode: Option<u32>,
    create_new: bool,
    sync_dir: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions::new()
    }
}

impl WriteOptions {
    /// The defaults of [`write_durably`]: the process's default mode, an existing file
    /// replaced, the directory fsynced.
    pub const fn new() -> Self {
        WriteOptions {
            mode: None,
            create_new: false,
            sync_dir: true,
        }
    }

    /// The new file's permission bits (as `open(2)` takes them, less the umask).
    pub const fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Refuses (with [`io::ErrorKind::AlreadyExists`]) a path that exists instead of
    /// replacing it; the file still appears whole or not at all.
    pub const fn create_new(mut self, create_new: bool) -> Self {
        self.create_new = create_new;
        self
    }

    /// Whether the directory is fsynced after the rename (`false` when the caller syncs it,
    /// or a whole tree, itself).
    pub const fn sync_dir(mut self, sync_dir: bool) -> Self {
        self.sync_dir = sync_dir;
        self
    }
}

/// `error` with `what` and `path` in front of its message, of the same kind.
fn context(error: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(error.kind(), format!("{what} {}: {error}", path.display()))
}

/// The directory `path` is in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A temporary name beside `path`, unique in this process and across processes (the pid).
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(parent_dir(path).join(format!(
        "{TMP_PREFIX}{}-{n}-{}",
        std::process::id(),
        name.to_string_lossy()
    )))
}

/// Writes `path` whole or not at all, durably: see [`write_durably_with`] with the default
/// [`WriteOptions`].
pub fn write_durably(path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> io::Result<()> {
    write_durably_with(path, bytes, WriteOptions::new())
}

/// Writes `path` whole or not at all: `bytes` into a temporary file under a unique name in the
/// same directory (created with `options`' mode), fsync, renamed over `path` (or, with
/// [`WriteOptions::create_new`], linked to it only if it does not exist), then (unless told
/// not to) the directory fsynced so the new name survives a crash. The temporary file never
/// stays behind, on success or error.
pub fn write_durably_with(
    path: impl AsRef<Path>,
    bytes: impl AsRef<[u8]>,
    options: WriteOptions,
) -> io::Result<()> {
    let bytes = bytes.as_ref();
    streamed(path, options, 0, |out| out.write_all(bytes))
}

/// [`write_durably_with`] for a file written piece by piece: `write` streams into the
/// temporary file (buffered, 1 MiB) and its result is returned once the file is in place.
pub fn write_durably_streamed<T>(
    path: impl AsRef<Path>,
    options: WriteOptions,
    write: impl FnOnce(&mut io::BufWriter<std::fs::File>) -> io::Result<T>,
) -> io::Result<T> {
    streamed(path, options, 1 << 20, write)
}

/// [`write_durably_streamed`] with a buffer of `capacity` bytes (0: every write goes straight
/// to the file).
fn streamed<T>(
    path: impl AsRef<Path>,
    options: WriteOptions,
    capacity: usize,
    write: impl FnOnce(&mut io::BufWriter<std::fs::File>) -> io::Result<T>,
) -> io::Result<T> {
    let path = path.as_ref();
    let tmp = temp_path(path)?;
    let written = write_temp(&tmp, options.mode, capacity, write).and_then(|value| {
        if options.create_new {
            link_new(&tmp, path, options.mode)?;
        } else {
            std::fs::rename(&tmp, path)?;
        }
        Ok(value)
    });
    let value = match written {
        Ok(value) => value,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            let what = if options.create_new {
                "cannot create"
            } else {
                "cannot write"
            };
            return Err(context(e, what, path));
        }
    };
    if options.sync_dir {
        sync_dir(parent_dir(path))?;
    }
    Ok(value)
}

/// Opens a new file for writing with `mode`, failing if it exists.
fn open_new(path: &Path, mode: Option<u32>) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    if let Some(mode) = mode {
        options.mode(mode);
    }
    options.open(path)
}

/// Creates `tmp` (replacing a leftover of a dead process that had this pid), streams into it
/// and fsyncs it.
fn write_temp<T>(
    tmp: &Path,
    mode: Option<u32>,
    capacity: usize,
    write: impl FnOnce(&mut io::BufWriter<std::fs::File>) -> io::Result<T>,
) -> io::Result<T> {
    let file = match open_new(tmp, mode) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(tmp)?;
            open_new(tmp, mode)?
        }
        other => other?,
    };
    let mut out = io::BufWriter::with_capacity(capacity, file);
    let value = write(&mut out)?;
    let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()?;
    Ok(value)
}

/// Gives the written `tmp` the name `path` only if `path` does not exist (a hard link, then
/// `tmp` removed). On a file system without hard links: `path` created exclusively and `tmp`
/// copied into it.
fn link_new(tmp: &Path, path: &Path, mode: Option<u32>) -> io::Result<()> {
    match std::fs::hard_link(tmp, path) {
        Ok(()) => std::fs::remove_file(tmp),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            let mut file = open_new(path, mode)?;
            let copied = std::fs::File::open(tmp)
                .and_then(|mut from| io::copy(&mut from, &mut file))
                .and_then(|_| file.sync_all());
            if copied.is_err() {
                let _ = std::fs::remove_file(path);
            }
            copied?;
            std::fs::remove_file(tmp)
        }
    }
}

/// Fsyncs the directory `dir`, so the names created, renamed or removed in it are durable.
pub fn sync_dir(dir: impl AsRef<Path>) -> io::Result<()> {
    let dir = dir.as_ref();
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| context(e, "cannot sync directory", dir))
}

/// Points the symbolic link `link` at `target` atomically: a new link under a unique
/// temporary name in `link`'s directory, renamed over `link` (which may not exist yet), then
/// the directory fsynced. A reader sees the old target or the new one, never no link.
pub fn switch_symlink(link: impl AsRef<Path>, target: impl AsRef<Path>) -> io::Result<()> {
    let (link, target) = (link.as_ref(), target.as_ref());
    let tmp = temp_path(link)?;
    let create = || match std::os::unix::fs::symlink(target, &tmp) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(&tmp)?;
            std::os::unix::fs::symlink(target, &tmp)
        }
        other => other,
    };
    if let Err(e) = create().and_then(|()| std::fs::rename(&tmp, link)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io::Error::new(
            e.kind(),
            format!(
                "cannot switch {} to {}: {e}",
                link.display(),
                target.display()
            ),
        ));
    }
    sync_dir(parent_dir(link))
}

/// Removes `path` — a file, a link (never what it points to) or a directory tree — if it is
/// there. Returns whether this call removed it; one already gone (perhaps taken by another
/// thread meanwhile) is not an error.
pub fn remove_if_present(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref();
    let removed = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) => Err(e),
    };
    match removed {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(context(e, "cannot remove", path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_durable_write_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.json");
        write_durably(&path, b"one").expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"one");
        write_durably(&path, b"two").expect("write again");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        assert_eq!(names(dir.path()), ["a.json"]);
    }

    #[test]
    fn a_failed_write_names_the_path_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The target is a directory: the rename fails after the temporary file was written.
        let path = dir.path().join("sub");
        std::fs::create_dir(&path).expect("mkdir");
        std::fs::write(path.join("x"), b"x").expect("write");
        let e = write_durably(&path, b"bytes").expect_err("a directory is not replaced");
        assert!(
            e.to_string()
                .starts_with(&format!("cannot write {}: ", path.display())),
            "{e}"
        );
        assert_eq!(names(dir.path()), ["sub"]);
        let missing = dir.path().join("no/such/dir/f");
        let e = write_durably(&missing, b"x").expect_err("no directory");
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(
            e.to_string().contains(&missing.display().to_string()),
            "{e}"
        );
    }

    #[test]
    fn a_mode_is_kept_and_create_new_never_overwrites() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("prep.key");
        let options = WriteOptions::new().mode(0o600).create_new(true);
        write_durably_with(&path, b"secret", options).expect("write");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let e = write_durably_with(&path, b"other", options).expect_err("exists");
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert!(e.to_string().contains("cannot create"), "{e}");
        assert_eq!(std::fs::read(&path).expect("read"), b"secret");
        assert_eq!(names(dir.path()), ["prep.key"]);
    }

    #[test]
    fn a_bare_name_is_written_in_the_current_directory_without_a_directory_sync_when_told() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        write_durably_with(&path, b"x", WriteOptions::new().sync_dir(false)).expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"x");
        assert_eq!(parent_dir(Path::new("f")), Path::new("."));
        assert!(write_durably("/", b"x").is_err(), "no file name");
    }

    #[test]
    fn a_streamed_write_returns_its_value_and_a_failed_one_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("1.pack");
        let n = write_durably_streamed(&path, WriteOptions::new(), |out| {
            out.write_all(b"ab")?;
            out.write_all(b"cd")?;
            Ok(4)
        })
        .expect("write");
        assert_eq!(n, 4);
        assert_eq!(std::fs::read(&path).expect("read"), b"abcd");
        let e = write_durably_streamed(&path, WriteOptions::new(), |out| {
            out.write_all(b"half")?;
            Err::<(), _>(io::Error::other("the source failed"))
        })
        .expect_err("failed");
        assert_eq!(
            e.to_string(),
            format!("cannot write {}: the source failed", path.display())
        );
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"abcd",
            "the old file stays"
        );
        assert_eq!(names(dir.path()), ["1.pack"]);
    }

    #[test]
    fn temporary_names_are_unique_and_prefixed() {
        let a = temp_path(Path::new("/d/f")).expect("name");
        let b = temp_path(Path::new("/d/f")).expect("name");
        assert_ne!(a, b);
        assert_eq!(a.parent(), Some(Path::new("/d")));
        let name = a.file_name().expect("name").to_string_lossy().into_owned();
        assert!(
            name.starts_with(TMP_PREFIX) && name.ends_with("-f"),
            "{name}"
        );
    }

    #[test]
    fn a_symlink_switch_creates_then_replaces_the_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("1")).expect("mkdir");
        std::fs::create_dir(dir.path().join("2")).expect("mkdir");
        let link = dir.path().join("current");
        switch_symlink(&link, "1").expect("create");
        assert_eq!(std::fs::read_link(&link).expect("link"), Path::new("1"));
        switch_symlink(&link, "2").expect("switch over an existing link");
        assert_eq!(std::fs::read_link(&link).expect("link"), Path::new("2"));
        assert_eq!(names(dir.path()), ["1", "2", "current"]);
        let e = switch_symlink(dir.path().join("no/such/link"), "1").expect_err("no directory");
        assert!(e.to_string().starts_with("cannot switch "), "{e}");
        assert_eq!(names(dir.path()), ["1", "2", "current"]);
    }

    #[test]
    fn remove_if_present_removes_files_links_and_trees_and_accepts_a_missing_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing");
        assert!(!remove_if_present(&missing).expect("a missing path is Ok"));
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").expect("write");
        let tree = dir.path().join("t");
        std::fs::create_dir_all(tree.join("a/b")).expect("mkdir");
        std::fs::write(tree.join("a/b/c"), b"x").expect("write");
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&tree, &link).expect("link");
        assert!(remove_if_present(&link).expect("link"));
        assert!(tree.join("a/b/c").exists(), "the link's target stays");
        assert!(remove_if_present(&file).expect("file"));
        assert!(remove_if_present(&tree).expect("tree"));
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn sync_dir_names_a_missing_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        sync_dir(dir.path()).expect("sync");
        let missing = dir.path().join("missing");
        let e = sync_dir(&missing).expect_err("missing");
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(
            e.to_string()
                .starts_with(&format!("cannot sync directory {}", missing.display())),
            "{e}"
        );
    }
}
