//! The pull channel, the node's side: the node fetches new cortes from the institute's origin
//! (`prep origin`, or an S3 bucket the `s3` channel fills; the paths are
//! `prep_origin`'s layout) instead of waiting for a push into its inbox.
//!
//! On each interval, or at once when the origin's `events` stream announces a corte, the
//! node reads `latest.json`; for each corte after the last it accepted, in order, it fetches
//! the manifest, its signature and the pointer, checks the signature and the size limits
//! **before** fetching any file, then fetches by SHA-256 only the files its object store
//! lacks (a file unchanged since a corte it holds is never fetched again), checks each
//! file's size and hash as it arrives, and hands the whole as a delta package to its own
//! inbox, which then checks everything again like any package. The origin is trusted for
//! nothing.
//!
//! When the origin serves deltas (`deltas/<N>/from/<M>/...`, [`prep_package::delta`]) and
//! the node holds corte M, the manifest and the changed files come as two zstd patches
//! against it instead: the package is a patched one (`verify::patched`), an incremental
//! corte costs about what changed. Should a delta be missing or not rebuild, the corte is
//! fetched whole.

pub use crate::config::PullConfig;
use crate::node::Node;
use anyhow::{Context, bail};
use prep_corte::{MANIFEST_PATH, POINTER_PATH};
use prep_inbox::events::NodeEvent;
use prep_inbox::{COMPLETE_MARKER, DELTA_MARKER, FILES_PATCH, MANIFEST_PATCH, SIGNATURE_PATH};
use prep_package::delta::{changes, decode_files};
use prep_package::patch::apply_patch;
use prep_package::{Manifest, sha256_hex};
use rayon::prelude::*;
use serde::Deserialize;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

/// The largest `latest.json`, pointer or signature read.
const MAX_SMALL_BYTES: u64 = 64 * 1024;
/// The largest manifest read (a national corte's is about 7 MB).
const MAX_MANIFEST_BYTES: u64 = 256 * 1024 * 1024;
/// Files fetched at once.
const FETCH_THREADS: usize = 8;

/// `latest.json` and each event's data.
#[derive(Debug, Deserialize)]
struct Latest {
    sequence: u64,
}

/// What one pull did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pulled {
    /// Cortes fetched and handed to the inbox.
    pub cortes: u64,
    /// Files fetched.
    pub files: u64,
    /// Their bytes (the manifests, signatures and pointers included).
    pub bytes: u64,
    /// Listed files not fetched because the node holds them.
    pub skipped: u64,
    /// Cortes fetched as patches against the one before (`verify::patched`).
    pub patched: u64,
}

/// Fetches cortes from an origin into a node.
pub struct Puller {
    config: PullConfig,
    agent: ureq::Agent,
    pool: rayon::ThreadPool,
    /// Whether the origin serves deltas (until it answers 404).
    deltas: AtomicBool,
}

impl Puller {
    /// A puller for `config` (validated).
    pub fn new(config: PullConfig) -> anyhow::Result<Puller> {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(config.timeout_ms)))
            .http_status_as_error(false)
            .build()
            .into();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(FETCH_THREADS)
            .thread_name(|i| format!("pull-{i}"))
            .build()?;
        Ok(Puller {
            config,
            agent,
            pool,
            deltas: AtomicBool::new(true),
        })
    }

    /// Reads `latest.json` and brings the node up to it, corte by corte, each checked and
    /// activated by the node's inbox before the next is fetched. On a node with no history
    /// only the newest corte is fetched (it must be allowed to start the chain).
    pub fn pull(&self, node: &Node) -> anyhow::Result<Pulled> {
        let latest: Latest = serde_json::from_slice(&self.get("latest.json", MAX_SMALL_BYTES)?)
            .context("the origin's latest.json is not {\"sequence\": N}")?;
        let mut pulled = Pulled::default();
        self.update_keys(node)?;
        let first = match node.last_accepted() {
            Some(last) if last >= latest.sequence => return Ok(pulled),
            Some(last) => last + 1,
            None => latest.sequence,
        };
        for sequence in first..=latest.sequence {
            let got = self.fetch(node, sequence)?;
            pulled.cortes += 1;
            pulled.files += got.files;
            pulled.bytes += got.bytes;
            pulled.skipped += got.skipped;
            pulled.patched += got.patched;
            node.events().record(NodeEvent::Pull {
                sequence,
                files: got.files,
                bytes: got.bytes,
                skipped: got.skipped,
                patched: got.patched == 1,
            });
            node.poll_inbox()?;
            if node.last_accepted() != Some(sequence) {
                bail!(
                    "corte {sequence} fetched from {} was not accepted (see the reject event)",
                    self.config.origin
                );
            }
        }
        Ok(pulled)
    }

    /// On a node that pins a root key: the origin's key delegation (`delegation/keys.json`),
    /// when it is newer than the node's, checked and handed to the node's inbox (and taken
    /// in) before any corte is fetched, so a rotation takes effect at the next pull.
    fn update_keys(&self, node: &Node) -> anyhow::Result<()> {
        use prep_package::{DELEGATION_PATH, DELEGATION_SIGNATURE_PATH, DelegationError};
        let Some(root) = &node.config().root_key else {
            return Ok(());
        };
        let bytes = match self.request(
            &format!("delegation/{DELEGATION_PATH}"),
            prep_package::delegation::MAX_DELEGATION_BYTES,
        )? {
            Ok(bytes) => bytes,
            Err(404) => return Ok(()),
            Err(status) => bail!("the origin's key delegation answered HTTP {status}"),
        };
        let minisig = self.get(&format!("delegation/{DELEGATION_SIGNATURE_PATH}"), 4096)?;
        let minisig =
            String::from_utf8(minisig).context("the delegation's signature is not text")?;
        let current = node.delegation().as_ref().map(|d| d.version);
        let d = match prep_package::verify_delegation(root, &bytes, &minisig, current) {
            Ok(d) => d,
            Err(DelegationError::Version { .. }) => return Ok(()),
            Err(e) => bail!("the origin's key delegation is refused: {e}"),
        };
        let name = format!("keys-{}", d.version);
        let tmp = node.config().inbox.join(format!(".tmp-{name}"));
        prep_fs::remove_if_present(&tmp)?;
        write_new(&tmp.join(DELEGATION_PATH), &bytes)?;
        write_new(&tmp.join(DELEGATION_SIGNATURE_PATH), minisig.as_bytes())?;
        write_new(&tmp.join(COMPLETE_MARKER), b"")?;
        let target = node.config().inbox.join(&name);
        std::fs::rename(&tmp, &target)
            .with_context(|| format!("cannot rename {} to {}", tmp.display(), target.display()))?;
        node.poll_inbox()?;
        Ok(())
    }

    /// Fetches corte `sequence` into `inbox/pull-<sequence>/` as a delta package: patched
    /// against the node's last corte when the origin serves deltas, else the manifest whole
    /// and the missing files by SHA-256.
    fn fetch(&self, node: &Node, sequence: u64) -> anyhow::Result<Pulled> {
        let config = node.config();
        let at = |file: &str| format!("cortes/{sequence}/{file}");
        let base = node
            .last_accepted()
            .filter(|&b| b < sequence && self.deltas.load(Ordering::Relaxed))
            .and_then(|b| Some((b, node.store().read_record(b).ok()?)));
        let mut patched_manifest = None;
        if let Some((b, record)) = &base
            && let Some(patch) = self.delta(sequence, *b, "manifest", MAX_MANIFEST_BYTES)
            && let Ok(bytes) = apply_patch(record.manifest.as_bytes(), &patch, MAX_MANIFEST_BYTES)
        {
            patched_manifest = Some((patch, bytes));
        }
        let (manifest_bytes, manifest_patch) = match patched_manifest {
            Some((patch, bytes)) => (bytes, Some(patch)),
            None => (self.get(&at(MANIFEST_PATH), MAX_MANIFEST_BYTES)?, None),
        };
        let mut transferred = manifest_patch
            .as_ref()
            .map_or(manifest_bytes.len(), Vec::len) as u64;
        let signature = self.get(&at(SIGNATURE_PATH), MAX_SMALL_BYTES)?;
        transferred += signature.len() as u64;
        // Before a single file is fetched: signed by the institute, the corte asked for,
        // within the node's limits.
        let signature_text = std::str::from_utf8(&signature)
            .with_context(|| format!("corte {sequence}: the signature is not text"))?;
        if !node
            .keys_for(sequence)
            .iter()
            .any(|key| prep_package::verify_signature(key, &manifest_bytes, signature_text).is_ok())
        {
            bail!(
                "corte {sequence}: the manifest's signature does not verify with a key trusted for it"
            );
        }
        let manifest = Manifest::from_bytes(&manifest_bytes)
            .with_context(|| format!("corte {sequence}: the manifest is not valid"))?;
        if manifest.sequence != sequence {
            bail!(
                "the origin's corte {sequence} holds the manifest of corte {}",
                manifest.sequence
            );
        }
        let limits = &config.limits;
        if manifest.files.len() as u64 > limits.max_files
            || manifest.total_size() > limits.max_total_bytes
            || manifest
                .files
                .iter()
                .any(|f| f.size > limits.max_file_bytes)
        {
            bail!("corte {sequence} is beyond this node's [limits]; not fetched");
        }
        let name = format!("pull-{sequence}");
        let tmp = config.inbox.join(format!(".tmp-{name}"));
        prep_fs::remove_if_present(&tmp)?;
        let patched = match (&base, &manifest_patch) {
            (Some((b, record)), Some(patch)) => {
                self.fetch_patched(node, &tmp, *b, &record.manifest, &manifest, patch)?
            }
            _ => None,
        };
        let was_patched = patched.is_some();
        let (files, skipped) = match patched {
            Some((bytes, files)) => {
                transferred += bytes;
                (files, manifest.files.len() as u64 - files)
            }
            None => {
                // Whole: every file the store lacks, by its hash.
                let (bytes, files) = self.fetch_objects(node, &tmp, sequence, &manifest)?;
                write_new(&tmp.join(MANIFEST_PATH), &manifest_bytes)?;
                write_new(&tmp.join(DELTA_MARKER), b"")?;
                transferred += bytes;
                (files, manifest.files.len() as u64 - files)
            }
        };
        write_new(&tmp.join(SIGNATURE_PATH), &signature)?;
        // The pointer is a pure function of the signed manifest: made here, never taken from
        // the origin (whose pointer could say anything).
        write_new(
            &tmp.join(POINTER_PATH),
            &prep_package::Pointer::bytes_for(&manifest, &manifest_bytes),
        )?;
        write_new(&tmp.join(COMPLETE_MARKER), b"")?;
        let target = config.inbox.join(&name);
        std::fs::rename(&tmp, &target)
            .with_context(|| format!("cannot rename {} to {}", tmp.display(), target.display()))?;
        Ok(Pulled {
            cortes: 1,
            files: files + 3,
            bytes: transferred,
            skipped,
            patched: u64::from(was_patched),
        })
    }

    /// The files of `manifest` that corte `base` lacks, as the origin's patch against it,
    /// written with the manifest's patch into `tmp` (a patched delta package,
    /// [`crate::verify::patched`]); checked here to rebuild, from the node's own objects, into the
    /// listed files. `None` when the origin has no delta or it does not rebuild them: the
    /// caller fetches whole. Returns the
    /// bytes fetched and the files carried.
    fn fetch_patched(
        &self,
        node: &Node,
        tmp: &Path,
        base: u64,
        base_manifest: &str,
        manifest: &Manifest,
        manifest_patch: &[u8],
    ) -> anyhow::Result<Option<(u64, u64)>> {
        let Ok(old) = Manifest::from_bytes(base_manifest.as_bytes()) else {
            return Ok(None);
        };
        let changed = changes(&old, manifest);
        let mut fetched = 0;
        if !changed.is_empty() {
            let max = node.config().limits.max_total_bytes;
            let Some(patch) = self.delta(manifest.sequence, base, "files", max) else {
                return Ok(None);
            };
            // Rebuilt here and each file's hash checked: a delta made from a damaged copy at
            // the origin falls back to the objects, whose check names the damaged file.
            let store = node.store();
            let Ok(rebuilt) = decode_files(&changed, |f| store.read_object(&f.sha256), &patch)
            else {
                return Ok(None);
            };
            if changed
                .iter()
                .zip(&rebuilt)
                .any(|(c, (_, bytes))| sha256_hex(bytes) != c.file.sha256)
            {
                return Ok(None);
            }
            fetched = patch.len() as u64;
            write_new(&tmp.join(FILES_PATCH), &patch)?;
        }
        write_new(&tmp.join(MANIFEST_PATCH), manifest_patch)?;
        write_new(&tmp.join(DELTA_MARKER), format!("{base}\n").as_bytes())?;
        Ok(Some((
            fetched + manifest_patch.len() as u64,
            changed.len() as u64,
        )))
    }

    /// Every file of `manifest` the store lacks, fetched by SHA-256 (8 at a time), each
    /// checked as it arrives and written into `tmp`. Returns the bytes and the files.
    fn fetch_objects(
        &self,
        node: &Node,
        tmp: &Path,
        sequence: u64,
        manifest: &Manifest,
    ) -> anyhow::Result<(u64, u64)> {
        let missing: Vec<_> = manifest
            .files
            .iter()
            .filter(|f| !node.holds_object(&f.sha256))
            .collect();
        let fetched: anyhow::Result<Vec<u64>> = self.pool.install(|| {
            missing
                .par_iter()
                .map(|f| {
                    let bytes = self.get(&format!("objects/{}", f.sha256), f.size)?;
                    if bytes.len() as u64 != f.size || sha256_hex(&bytes) != f.sha256 {
                        bail!(
                            "the origin's object for {} (corte {sequence}) is not the listed file",
                            f.path
                        );
                    }
                    write_new(&tmp.join(&f.path), &bytes)?;
                    Ok(f.size)
                })
                .collect()
        });
        let fetched = fetched?;
        Ok((fetched.iter().sum(), fetched.len() as u64))
    }

    /// `deltas/<sequence>/from/<base>/<part>` from the origin, at most `max` bytes; `None`
    /// when it has none (a 404 also stops asking: an S3 bucket or an older origin serves no
    /// deltas) or the request failed.
    fn delta(&self, sequence: u64, base: u64, part: &str, max: u64) -> Option<Vec<u8>> {
        match self.request(&format!("deltas/{sequence}/from/{base}/{part}"), max) {
            Ok(Ok(body)) => Some(body),
            Ok(Err(404)) => {
                self.deltas.store(false, Ordering::Relaxed);
                None
            }
            _ => None,
        }
    }

    /// GETs `path` under the origin, at most `max` bytes.
    fn get(&self, path: &str, max: u64) -> anyhow::Result<Vec<u8>> {
        self.request(path, max)?
            .map_err(|status| anyhow::anyhow!("{}/{path} answered {status}", self.config.origin))
    }

    /// GETs `path` under the origin: its body (at most `max` bytes) when it answers 200,
    /// else the status it answered.
    fn request(&self, path: &str, max: u64) -> anyhow::Result<Result<Vec<u8>, u16>> {
        let url = format!("{}/{path}", self.config.origin);
        let mut response = self
            .agent
            .get(&url)
            .call()
            .with_context(|| format!("cannot fetch {url}"))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Ok(Err(status));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(max)
            .read_to_vec()
            .with_context(|| format!("cannot read {url} (at most {max} bytes)"))?;
        Ok(Ok(body))
    }

    /// Listens to the origin's `events` stream for ever, sending on `wake` each time a corte
    /// is announced; reconnects after a failure (waiting 1 s, then up to the interval).
    pub fn listen(config: &PullConfig, wake: &Sender<u64>) {
        let url = format!("{}/events", config.origin);
        // The stream is reopened every minute, which also catches an event missed meanwhile:
        // the first event of a stream is the newest corte.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_millis(config.timeout_ms)))
            .timeout_recv_response(Some(Duration::from_millis(config.timeout_ms)))
            .timeout_recv_body(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut backoff = Duration::from_secs(1);
        loop {
            if let Ok(mut response) = agent.get(&url).call() {
                backoff = Duration::from_secs(1);
                let mut reader = BufReader::new(response.body_mut().as_reader());
                let mut line = Vec::new();
                // A line longer than MAX_EVENT_LINE (a hostile origin's endless line) ends
                // the stream instead of growing the buffer.
                while let Ok(true) = read_line_bounded(&mut reader, MAX_EVENT_LINE, &mut line) {
                    let Some(data) = std::str::from_utf8(&line)
                        .ok()
                        .and_then(|l| l.strip_prefix("data:"))
                    else {
                        continue;
                    };
                    if let Ok(latest) = serde_json::from_str::<Latest>(data.trim())
                        && wake.send(latest.sequence).is_err()
                    {
                        return;
                    }
                }
            }
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(Duration::from_millis(config.interval_ms.max(1000)));
        }
    }
}

/// The longest line of the origin's `events` stream read; an announcement is a few dozen bytes.
pub const MAX_EVENT_LINE: u64 = 4096;

/// Reads one line (without its `\n`) into `line`, reading at most `max` bytes: `Ok(true)` for
/// a line, `Ok(false)` at the end of the stream, an error for a line longer than `max`.
pub fn read_line_bounded(
    reader: &mut impl BufRead,
    max: u64,
    line: &mut Vec<u8>,
) -> std::io::Result<bool> {
    use std::io::Read;
    line.clear();
    let read = reader.by_ref().take(max + 1).read_until(b'\n', line)?;
    if read == 0 {
        return Ok(false);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        return Ok(true);
    }
    if read as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("an events line longer than {max} bytes"),
        ));
    }
    // The last line of the stream, without a newline.
    Ok(true)
}

/// Writes a new file, creating its folders.
fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::{MAX_EVENT_LINE, read_line_bounded};
    use std::io::{BufReader, Read};

    #[test]
    fn an_endless_events_line_is_refused_after_a_bounded_read() {
        // A hostile origin's line without a newline, for ever: the read stops past the bound.
        let mut endless = BufReader::new(std::io::repeat(b'x'));
        let mut line = Vec::new();
        let e = read_line_bounded(&mut endless, MAX_EVENT_LINE, &mut line).expect_err("refused");
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(line.len() as u64 <= MAX_EVENT_LINE + 1, "{}", line.len());
        // Ordinary lines (LF or CRLF) and a last line without a newline are read.
        let stream = b"event: corte\r\ndata: {\"sequence\":3}\n\ndata: {\"sequence\":4}";
        let mut reader = BufReader::new(&stream[..]).chain(&b""[..]);
        let mut lines = Vec::new();
        let mut reader = BufReader::new(&mut reader);
        while read_line_bounded(&mut reader, MAX_EVENT_LINE, &mut line).expect("line") {
            lines.push(String::from_utf8(line.clone()).expect("utf-8"));
        }
        assert_eq!(
            lines,
            [
                "event: corte",
                "data: {\"sequence\":3}",
                "",
                "data: {\"sequence\":4}"
            ]
        );
    }
}
