//! Standard output of the subcommands. A reader that goes away early (`prep … | head`) makes
//! the next write fail with a broken pipe; the write notes it here, the error ends the
//! subcommand, and `main` then exits quietly with status 0, as ripgrep does.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write to standard output failed because its reader closed it.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether a write to standard output failed with a broken pipe: the error a subcommand ends
/// with is then the consequence of its reader having gone, not a failure to report.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Standard output, locked, with its write errors returned instead of panicking (as `println!`
/// does) and a broken pipe noted for [`closed`].
pub struct Stdout(io::StdoutLock<'static>);

/// Locks standard output for writing (the lock is reentrant within a thread).
pub fn stdout() -> Stdout {
    Stdout(io::stdout().lock())
}

/// Notes a broken pipe, returns the error unchanged.
fn note(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CLOSED.store(true, Ordering::Relaxed);
    }
    e
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(note)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(note)
    }
}

/// `println!` that returns a write error from the enclosing function (with `?`) instead of
/// panicking on it.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!($crate::output::stdout(), $($arg)*)?
    }};
}
