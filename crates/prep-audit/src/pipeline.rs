//! Streaming a file through the recount: chunks of whole rows, recounted by worker threads
//! while the next chunk is read, merged in file order.

use crate::Recount;
use crate::engine::{Pass, RecountOptions, read_part};
use prep_count::Rules;
use prep_csv::{ReadError, ReadErrorKind, Table, complete_rows, count_line_ends, read_head};
use std::io::Read;
use std::sync::{Arc, Mutex, mpsc};

/// Default bytes of rows per chunk.
const CHUNK_BYTES: usize = 4 << 20;
/// Most bytes read while looking for the header line.
const MAX_PREAMBLE_BYTES: usize = 16 << 20;
/// Longest row accepted.
const MAX_ROW_BYTES: usize = 64 << 20;

/// Recounts a published database held in memory. Fails only when the file is not a PREP
/// database at all (no header, missing columns); malformed rows are reported in the result.
pub fn recount(bytes: &[u8], options: &RecountOptions) -> Result<Recount, ReadError> {
    recount_read(bytes, options)
}

/// Recounts a published database read from `input` (a file, standard input) in one pass,
/// in bounded memory: chunks of whole rows are recounted by [`RecountOptions::threads`]
/// workers while the next chunk is read, and the partial tallies are merged in file order,
/// so the result does not depend on the chunking.
pub fn recount_read(input: impl Read, options: &RecountOptions) -> Result<Recount, ReadError> {
    recount_each(input, std::slice::from_ref(options))?
        .pop()
        .ok_or_else(|| ReadError::at(0, ReadErrorKind::NoHeader))
}

/// Recounts a published database read from `input` under each of `profiles`, in one pass
/// (as [`recount_read`] does for one): each row is read and tokenised once and tallied by
/// every profile, so the cost is one read of the file plus the per-profile classification.
/// The recounts come back in `profiles` order, each the same as [`recount_read`] with
/// `options` and that profile would give; `options.rules` is not used. No profiles, no
/// recount: `input` is not read.
pub fn recount_profiles_read(
    input: impl Read,
    options: &RecountOptions,
    profiles: &[Rules],
) -> Result<Vec<Recount>, ReadError> {
    if profiles.is_empty() {
        return Ok(Vec::new());
    }
    let each: Vec<RecountOptions> = profiles
        .iter()
        .map(|rules| RecountOptions {
            rules: rules.clone(),
            ..options.clone()
        })
        .collect();
    recount_each(input, &each)
}

/// The pass behind [`recount_read`] and [`recount_profiles_read`]: one recount per entry of
/// `each` (threads and chunk size from the first). `each` must not be empty.
fn recount_each(mut input: impl Read, each: &[RecountOptions]) -> Result<Vec<Recount>, ReadError> {
    let io = |e: std::io::Error| ReadError::at(0, ReadErrorKind::Io(e));
    let Some(options) = each.first() else {
        return Ok(Vec::new());
    };
    let chunk = if options.chunk_bytes == 0 {
        CHUNK_BYTES
    } else {
        options.chunk_bytes
    };
    let mut prefix = Vec::new();
    let mut eof = false;
    let at = loop {
        if let Some(at) = read_head(&prefix, eof)? {
            break at;
        }
        if prefix.len() > MAX_PREAMBLE_BYTES {
            return Err(ReadError::at(0, ReadErrorKind::NoHeader));
        }
        let target = prefix.len() + (64 << 10);
        eof = fill(&mut input, &mut prefix, target).map_err(io)?;
    };
    let head = at.head;
    let workers = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(workers);
    // Only the workers hold the receiver: if they all end (even by a panic), sending fails
    // instead of blocking, and the scope re-raises the panic.
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    let done: Mutex<Vec<(usize, Vec<Pass<'_>>)>> = Mutex::new(Vec::new());
    let fed = std::thread::scope(|s| {
        for _ in 0..workers {
            let (job_rx, free_tx, done, head) =
                (Arc::clone(&job_rx), free_tx.clone(), &done, &head);
            s.spawn(move || {
                loop {
                    let next = job_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(job)) = next else { break };
                    let table = Table {
                        bytes: &job.rows,
                        first_line: job.first_line,
                        delimiter: head.dialect.delimiter,
                        width: head.layout.width,
                        short_rows: head.layout.short_rows(),
                    };
                    let passes = read_part(head, table, each);
                    if let Ok(mut done) = done.lock() {
                        done.push((job.index, passes));
                    }
                    let _ = free_tx.send(job.rows);
                }
            });
        }
        drop(job_rx);
        let carry = prefix.split_off(at.rows_offset.min(prefix.len()));
        let mut chunks = Chunks {
            input: &mut input,
            carry,
            eof,
            line: at.first_line,
            delimiter: head.dialect.delimiter,
        };
        let mut index = 0;
        let fed = loop {
            let block = free_rx.try_recv().unwrap_or_default();
            match chunks.next(block, chunk) {
                Ok(Some((rows, first_line))) => {
                    if job_tx
                        .send(Job {
                            index,
                            rows,
                            first_line,
                        })
                        .is_err()
                    {
                        break Ok(());
                    }
                    index += 1;
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        drop(job_tx);
        fed
    });
    fed?;
    let mut passes = done.into_inner().unwrap_or_default();
    passes.sort_by_key(|(i, _)| *i);
    let columns = head.layout.vote_columns.len();
    let mut merged: Vec<Pass<'_>> = each.iter().map(|o| Pass::new(o, columns)).collect();
    for (_, part) in passes {
        for (mine, pass) in merged.iter_mut().zip(part) {
            mine.merge(pass);
        }
    }
    let last = merged.pop();
    let mut recounts: Vec<Recount> = merged.into_iter().map(|p| p.finish(head.clone())).collect();
    recounts.extend(last.map(|p| p.finish(head)));
    Ok(recounts)
}

/// A chunk of whole rows for a worker.
struct Job {
    index: usize,
    rows: Vec<u8>,
    first_line: u64,
}

/// Cuts the input into chunks of whole rows.
struct Chunks<'r, R: Read> {
    input: &'r mut R,
    /// Bytes read past the last cut.
    carry: Vec<u8>,
    eof: bool,
    /// Line number of the next chunk's first row.
    line: u64,
    /// The table's cell delimiter (rows end where the tokeniser says).
    delimiter: u8,
}

impl<R: Read> Chunks<'_, R> {
    /// The next chunk of about `size` bytes, in `block` (a recycled buffer), with the line
    /// number of its first row; `None` at the end.
    fn next(
        &mut self,
        mut block: Vec<u8>,
        size: usize,
    ) -> Result<Option<(Vec<u8>, u64)>, ReadError> {
        block.clear();
        block.append(&mut self.carry);
        let mut target = size.max(1);
        let cut = loop {
            if !self.eof {
                self.eof = fill(self.input, &mut block, target)
                    .map_err(|e| ReadError::at(self.line, ReadErrorKind::Io(e)))?;
            }
            if self.eof {
                break block.len();
            }
            match complete_rows(&block, self.delimiter) {
                Some(cut) => break cut,
                None if block.len() > MAX_ROW_BYTES => {
                    return Err(ReadError::at(
                        self.line,
                        ReadErrorKind::Csv(format!(
                            "a row longer than {} MiB",
                            MAX_ROW_BYTES >> 20
                        )),
                    ));
                }
                None => target = block.len() + size,
            }
        };
        if block.is_empty() {
            return Ok(None);
        }
        self.carry.extend_from_slice(&block[cut..]);
        block.truncate(cut);
        let first_line = self.line;
        self.line += count_line_ends(&block);
        Ok(Some((block, first_line)))
    }
}

/// Reads until `buf` holds `target` bytes or the input ends; true at the end.
fn fill(input: &mut impl Read, buf: &mut Vec<u8>, target: usize) -> std::io::Result<bool> {
    let want = target.saturating_sub(buf.len());
    if want == 0 {
        return Ok(false);
    }
    // Reserve at most a chunk ahead; read_to_end grows the buffer if more comes.
    buf.reserve(want.min(CHUNK_BYTES));
    let got = input.take(want as u64).read_to_end(buf)?;
    Ok(got < want)
}
