//! Bounded reads of regular files: what a node reads from an inbox (a package, a notice, a
//! key delegation, a delta marker) is never a link, a device or a pipe, and never more than
//! the limit it was given.

use std::io::Read;
use std::path::Path;

/// Opens a file for reading without following a link and without blocking (a FIFO or a
/// device swapped in after the listing opens at once, and is refused by the `fstat` of the
/// open handle); `None` when absent. The size is the handle's.
pub(crate) fn open_regular(path: &Path) -> Result<Option<(std::fs::File, u64)>, String> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    Ok(Some((file, meta.len())))
}

/// Reads at most `limit` bytes of a regular file; `None` when absent, an error for a link,
/// a special file (checked on the open handle) or a longer file.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, String> {
    let Some((file, size)) = open_regular(path)? else {
        return Ok(None);
    };
    if size > limit {
        return Err(format!(
            "{} has {size} bytes, more than {limit}",
            path.display()
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{} grew beyond {limit} bytes", path.display()));
    }
    Ok(Some(bytes))
}
