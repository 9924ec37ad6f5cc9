//! Reading access logs: plain or gzip (detected by its magic bytes, any rotated set in any
//! order), cut into chunks of whole lines that worker threads count in parallel. The channel
//! between readers and workers is bounded, so memory holds a few chunks at a time whatever the
//! input size; the [`Tally`] grows only with distinct keys (visitors, paths, seconds).

use crate::error::MemoriaError;
use crate::tally::{Spec, Tally};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Bytes per chunk.
    pub chunk_bytes: usize,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            chunk_bytes: 1 << 20,
            progress: false,
        }
    }
}

/// Longest line kept whole; a longer run without newlines is cut (binary garbage).
const MAX_LINE_BYTES: usize = 16 << 20;

struct Chunk {
    file: usize,
    index: usize,
    data: Vec<u8>,
}

/// Counts the bytes read from the file (compressed, for gzip) into the progress bar.
struct Counting<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// Reads every file and returns the merged tally. An unreadable file is an error naming it.
pub fn scan(paths: &[PathBuf], spec: &Spec, opts: &ScanOptions) -> Result<Tally, MemoriaError> {
    let mut total = 0u64;
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| MemoriaError::Open {
            path: p.clone(),
            source,
        })?;
        if !meta.is_file() {
            return Err(MemoriaError::NotAFile(p.clone()));
        }
        File::open(p).map_err(|source| MemoriaError::Open {
            path: p.clone(),
            source,
        })?;
        total += meta.len();
    }
    let bar = if opts.progress {
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
        {
            b.set_style(style);
        }
        b
    } else {
        ProgressBar::hidden()
    };
    let threads = opts.threads.max(1);
    let readers = threads.min(paths.len()).max(1);
    let (tx, rx) = mpsc::sync_channel::<Chunk>(threads * 2);
    let rx = Mutex::new(rx);
    let next_file = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let chunk_bytes = opts.chunk_bytes.max(4096);
    let result = std::thread::scope(|s| {
        let mut reader_handles = Vec::new();
        for _ in 0..readers {
            let tx = tx.clone();
            let (next_file, stop, bar) = (&next_file, &stop, bar.clone());
            reader_handles.push(s.spawn(move || -> Result<(), MemoriaError> {
                loop {
                    let i = next_file.fetch_add(1, Ordering::SeqCst);
                    let Some(path) = paths.get(i) else {
                        return Ok(());
                    };
                    if stop.load(Ordering::SeqCst) {
                        return Ok(());
                    }
                    read_file(i, path, chunk_bytes, &tx, &bar)
                        .inspect_err(|_| stop.store(true, Ordering::SeqCst))?;
                }
            }));
        }
        drop(tx);
        let mut worker_handles = Vec::new();
        for _ in 0..threads {
            let rx = &rx;
            worker_handles.push(s.spawn(move || {
                let mut tally = Tally::default();
                loop {
                    let msg = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => break,
                    };
                    let Ok(chunk) = msg else { break };
                    tally.add_chunk(spec, chunk.file, chunk.index, &chunk.data);
                }
                tally
            }));
        }
        let mut merged = Tally::default();
        for h in worker_handles {
            match h.join() {
                Ok(t) => merged.merge(t),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for h in reader_handles {
            match h.join() {
                Ok(r) => r?,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(merged)
    });
    bar.finish_and_clear();
    result
}

fn read_file(
    file: usize,
    path: &PathBuf,
    chunk_bytes: usize,
    tx: &mpsc::SyncSender<Chunk>,
    bar: &ProgressBar,
) -> Result<(), MemoriaError> {
    let read_err = |source| MemoriaError::Read {
        path: path.clone(),
        source,
    };
    let raw = File::open(path).map_err(|source| MemoriaError::Open {
        path: path.clone(),
        source,
    })?;
    let mut buffered = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: raw,
            bar: bar.clone(),
        },
    );
    let gzip = buffered
        .fill_buf()
        .map_err(read_err)?
        .starts_with(&[0x1f, 0x8b]);
    let mut input: Box<dyn Read> = if gzip {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let mut carry: Vec<u8> = Vec::new();
    let mut index = 0;
    loop {
        let mut data = std::mem::take(&mut carry);
        let start = data.len();
        data.resize(start + chunk_bytes, 0);
        let mut filled = start;
        while filled < data.len() {
            let n = input.read(&mut data[filled..]).map_err(read_err)?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        data.truncate(filled);
        let eof = filled < start + chunk_bytes;
        if !eof {
            match memchr::memrchr(b'\n', &data) {
                Some(nl) => carry = data.split_off(nl + 1),
                // One line longer than a chunk: keep reading it, up to a bound (past it, the
                // pieces are counted as malformed lines).
                None if data.len() < MAX_LINE_BYTES => {
                    carry = data;
                    continue;
                }
                None => {}
            }
        }
        if !data.is_empty() && tx.send(Chunk { file, index, data }).is_err() {
            return Ok(());
        }
        index += 1;
        if eof {
            return Ok(());
        }
    }
}
