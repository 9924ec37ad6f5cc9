//! `prep verify`: check a corte package as anyone can, in a directory or on a web site.

use crate::package_source::{MAX_MANIFEST_BYTES, PackageSource};
use anyhow::Context;
use prep_package::folder::{corte_manifest_path, corte_signature_path};
use prep_package::{
    Accepted, DEFAULT_MAX_AHEAD_SECS, Delegation, Expectations, MANIFEST_PATH, MAX_POINTER_BYTES,
    Manifest, POINTER_PATH, SIGNATURE_PATH, VerifyingKey, check_package, rfc3339_seconds,
    rfc3339_utc,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `prep verify`.
#[derive(clap::Args)]
#[command(after_help = "\
TARGET is a package directory, or the http(s) address of a site that serves one (the
institute's origin or a difusor's site): its json/main.json names the current corte's manifest,
and every file the manifest lists is fetched and checked, as a citizen's browser gets them.
Over http(s) files the site serves beyond the manifest cannot be listed, so they are not checked.
A directory is listed first as a difusor node lists a package it receives, and refused for what a
node refuses: links, special files, names that are not UTF-8 package paths, more than 1,000,000
files, a file over 1 GiB or more than 4 GiB in all (a node's default limits).
A difusor's publication folder (a directory or site with a cortes/ folder, fed by prep deliver
with nothing of ours installed there) holds every corte's files side by side: the corte its
json/main.json names is checked against that corte's own cortes/<sequence>/manifest.json when
the newest manifest.json is already the next corte's (a switch in progress, or a delivery that
stopped before its last step); files of other cortes are not checked.

Exit codes: 0 the package verifies; 1 it does not (the reason is printed); 2 usage error or a
site that could not be read.
The same signature can be checked with the stock tool:
  minisign -Vm DIR/manifest.json -P <public key>")]
pub struct VerifyArgs {
    /// The package: a directory (`manifest.json`, `manifest.json.minisig`, the listed files and
    /// the pointer `json/main.json`), or an http(s) URL of the site serving it.
    #[arg(value_name = "DIR|URL")]
    target: String,
    /// The institute's public key: a `prep.pub` file or the key itself (`RWQ…`). With
    /// --keys, the institute's root key instead.
    #[arg(long, value_name = "FILE|KEY")]
    key: String,
    /// A key delegation (`keys.json`, its `keys.json.minisig` beside it) signed by the root
    /// key given as --key: the corte's signature must be by a key it names for the corte's
    /// sequence (verifying history across a key rotation).
    #[arg(long, value_name = "FILE")]
    keys: Option<PathBuf>,
    /// The previous corte's manifest: its sequence must be lower and its hash must be this
    /// manifest's `previous`.
    #[arg(long, value_name = "FILE")]
    previous: Option<PathBuf>,
    /// Verify as of this time (RFC 3339; default now): the package must not have expired
    /// then, nor have a corte or creation time more than 5 minutes later. Give the time a
    /// corte was live to verify the history of a night after its cortes expired.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

/// Runs `prep verify`: what to trust (the key, a delegation, the previous corte, the time),
/// then the package's manifest and signature, its listing, every file, and the pointer.
pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let key = load_key(&args.key)?;
    let delegation = match &args.keys {
        Some(path) => Some(load_delegation(&key, path)?),
        None => None,
    };
    let previous = match &args.previous {
        Some(path) => Some(load_previous(path)?),
        None => None,
    };
    let now = verify_time(args.at.as_deref())?;
    let source = PackageSource::parse(&args.target)?;
    let Served {
        pointer,
        manifest,
        signature_path: sig_path,
    } = match read_manifest(&source) {
        Ok(found) => found,
        Err(Refusal(reason)) => return refused(&reason),
    };
    let sig_bytes = source.read_small(&sig_path)?;
    let Ok(sig) = String::from_utf8(sig_bytes) else {
        return refused(&format!("{sig_path} is not text"));
    };
    // Parsed unverified, only to bound each read by its listed size and to choose the key;
    // `check_package` verifies everything next.
    let unverified = Manifest::from_bytes(&manifest).ok();
    let claimed = unverified.as_ref().map_or(0, |m| m.sequence);
    let sizes: HashMap<String, u64> = unverified
        .map(|m| m.files.into_iter().map(|f| (f.path, f.size)).collect())
        .unwrap_or_default();
    let present = match source.list() {
        Some(Ok(listed)) => listed,
        Some(Err(reason)) => return refused(&reason.to_string()),
        None => sizes.keys().cloned().collect(),
    };
    let signer = match signer_for(&key, delegation.as_ref(), claimed, &manifest, &sig) {
        Ok(signer) => signer,
        Err(Refusal(reason)) => return refused(&reason),
    };
    let expect = Expectations {
        last: previous.as_ref().map(|(m, h)| Accepted::of(m, h)),
        now_utc: Some(&now),
        max_ahead_secs: Some(DEFAULT_MAX_AHEAD_SECS),
    };
    let progress = indicatif::ProgressBar::new(sizes.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{prefix} {bar:40} {pos}/{len} files")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    progress.set_prefix("checking");
    let mut fetch_error = None;
    let read = |path: &str| {
        progress.inc(1);
        let limit = sizes.get(path).copied().unwrap_or(0);
        match source.read(path, limit) {
            Ok(bytes) => bytes,
            Err(e) => {
                fetch_error.get_or_insert(e);
                None
            }
        }
    };
    let checked = check_package(&signer, &manifest, &sig, &expect, read, &present);
    progress.finish_and_clear();
    if let Some(e) = fetch_error {
        return Err(e.context(format!(
            "could not read the package at {}",
            source.describe()
        )));
    }
    let m = match checked {
        Ok(m) => m,
        Err(e) => return refused(&e.to_string()),
    };
    if let Some(p) = &pointer
        && let Err(reason) = prep_package::check_pointer(p, &m, &manifest)
    {
        return refused(&format!("{POINTER_PATH} {reason}"));
    }
    outln!(
        "OK: corte {} (sequence {}) of {} {}, {} files, {} bytes, signed by {}{}",
        m.corte,
        m.sequence,
        m.institute,
        m.process,
        m.files.len(),
        m.total_size(),
        signer.to_base64(),
        match source {
            PackageSource::Dir(_) => "",
            PackageSource::Folder(_) =>
                " (a publication folder: files beyond the manifest are other cortes' and not checked)",
            PackageSource::Http { .. } =>
                " (fetched over http; files beyond the manifest are not listable there)",
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// The institute's key: a `prep.pub` file, or the key's text itself.
fn load_key(arg: &str) -> anyhow::Result<VerifyingKey> {
    let text = if Path::new(arg).is_file() {
        std::fs::read_to_string(arg).with_context(|| format!("cannot read {arg}"))?
    } else {
        arg.to_owned()
    };
    Ok(VerifyingKey::from_text(&text)?)
}

/// The key delegation at `path` (its signature beside it), verified with the root `key`.
fn load_delegation(key: &VerifyingKey, path: &Path) -> anyhow::Result<Delegation> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let sig_path = path.with_extension("json.minisig");
    let minisig = std::fs::read_to_string(&sig_path)
        .with_context(|| format!("cannot read {}", sig_path.display()))?;
    prep_package::verify_delegation(key, &bytes, &minisig, None)
        .with_context(|| format!("{} (signed by the root key --key)", path.display()))
}

/// The previous corte's manifest at `path`, with its hash.
fn load_previous(path: &Path) -> anyhow::Result<(Manifest, String)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let m = Manifest::from_bytes(&bytes).with_context(|| format!("{}", path.display()))?;
    let hash = m.hash();
    Ok((m, hash))
}

/// The time to verify at, RFC 3339 in UTC: `--at`, or now.
fn verify_time(at: Option<&str>) -> anyhow::Result<String> {
    let seconds = match at {
        Some(t) => rfc3339_seconds(t).with_context(|| {
            format!("--at {t:?} is not an RFC 3339 time like 2024-06-03T20:00:00-06:00")
        })?,
        None => jiff::Timestamp::now().as_second(),
    };
    Ok(rfc3339_utc(seconds))
}

/// The key the corte must be signed by: `key`, or after a key rotation the one `delegation`
/// names for the `claimed` sequence that verifies the signature (the first when none does;
/// read unverified, only to choose: the signature is checked next).
fn signer_for(
    key: &VerifyingKey,
    delegation: Option<&Delegation>,
    claimed: u64,
    manifest: &[u8],
    sig: &str,
) -> Result<VerifyingKey, Refusal> {
    let Some(d) = delegation else {
        return Ok(key.clone());
    };
    let candidates = d.keys_for(claimed);
    let Some(first) = candidates.first().cloned() else {
        return Err(Refusal(format!(
            "keys version {} names no key for corte {claimed}",
            d.version
        )));
    };
    Ok(candidates
        .into_iter()
        .find(|k| prep_package::verify_signature(k, manifest, sig).is_ok())
        .unwrap_or(first))
}

/// A reason to refuse the package.
struct Refusal(String);

/// Prints why the package is refused; exit code 1.
fn refused(reason: &str) -> anyhow::Result<ExitCode> {
    outln!("REFUSED: {reason}");
    Ok(ExitCode::from(1))
}

/// What the site serves for its current corte: the pointer's bytes (required over http and
/// in a publication folder, optional in a package directory), the manifest's bytes and where
/// the manifest's signature is.
struct Served {
    pointer: Option<Vec<u8>>,
    manifest: Vec<u8>,
    signature_path: String,
}

/// What the site serves for its current corte ([`Served`]). On a live site a new corte may
/// be activated between reading the pointer and the manifest: the pointer is then read
/// again, a few times, until the two agree. In a publication folder the newest
/// `manifest.json` is written just before the pointer, so it may be one corte ahead of it
/// (for the moment of the switch, or until the next round after a delivery was killed):
/// the corte the pointer names is then read from its own `cortes/<sequence>/` copy, which no
/// later corte changes. The pointer is not interpreted here beyond choosing that copy: once
/// the manifest verifies, its bytes must be exactly the manifest's pointer
/// ([`prep_package::check_pointer`]).
fn read_manifest(source: &PackageSource) -> Result<Served, Refusal> {
    #[derive(serde::Deserialize)]
    struct Names {
        sequence: u64,
        manifest_sha256: String,
    }
    let fail = |e: anyhow::Error| Refusal(format!("{e:#}"));
    for _ in 0..3 {
        let pointer = match source.read(POINTER_PATH, MAX_POINTER_BYTES).map_err(fail)? {
            Some(bytes) => Some(bytes),
            None if source.can_list() => None,
            None => {
                return Err(Refusal(format!(
                    "{} has no {POINTER_PATH}",
                    source.describe()
                )));
            }
        };
        let manifest = source
            .read(MANIFEST_PATH, MAX_MANIFEST_BYTES)
            .map_err(fail)?
            .ok_or_else(|| Refusal(format!("{} has no {MANIFEST_PATH}", source.describe())))?;
        let names = pointer
            .as_ref()
            .and_then(|p| serde_json::from_slice::<Names>(p).ok());
        let agrees = |bytes: &[u8]| {
            names
                .as_ref()
                .is_some_and(|n| n.manifest_sha256 == prep_package::sha256_hex(bytes))
        };
        if pointer.is_none() || agrees(&manifest) || source.can_list() {
            return Ok(Served {
                pointer,
                manifest,
                signature_path: SIGNATURE_PATH.to_owned(),
            });
        }
        if let Some(n) = &names {
            let own = source
                .read(&corte_manifest_path(n.sequence), MAX_MANIFEST_BYTES)
                .map_err(fail)?;
            if let Some(own) = own.filter(|m| agrees(m)) {
                return Ok(Served {
                    pointer,
                    manifest: own,
                    signature_path: corte_signature_path(n.sequence),
                });
            }
        }
    }
    Err(Refusal(format!(
        "{POINTER_PATH} kept naming a manifest other than the one served at {}",
        source.describe()
    )))
}
