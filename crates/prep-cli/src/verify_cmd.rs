//! `prep verify`: check a corte package as anyone can, in a directory or on a web site.

use crate::package_source::{MAX_MANIFEST_BYTES, PackageSource};
use anyhow::Context;
use prep_corte::{MANIFEST_PATH, POINTER_PATH, Pointer};
use prep_package::{Expectations, Manifest, VerifyingKey, check_package, validate_path};
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

Exit codes: 0 the package verifies; 1 it does not (the reason is printed); 2 usage error or a
site that could not be read.
The same signature can be checked with the stock tool:
  minisign -Vm DIR/manifest.json -P <public key>")]
pub struct VerifyArgs {
    /// The package: a directory (`manifest.json`, `manifest.json.minisig`, the listed files and
    /// the pointer `json/main.json`), or an http(s) URL of the site serving it.
    #[arg(value_name = "DIR|URL")]
    target: String,
    /// The institute's public key: a `prep.pub` file or the key itself (`RWQ…`).
    #[arg(long, value_name = "FILE|KEY")]
    key: String,
    /// The previous corte's manifest: its sequence must be lower and its hash must be this
    /// manifest's `previous`.
    #[arg(long, value_name = "FILE")]
    previous: Option<PathBuf>,
}

/// Runs `prep verify`.
pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let key_text = if Path::new(&args.key).is_file() {
        std::fs::read_to_string(&args.key).with_context(|| format!("cannot read {}", args.key))?
    } else {
        args.key.clone()
    };
    let key = VerifyingKey::from_text(&key_text)?;
    let previous = match &args.previous {
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            let m = Manifest::from_bytes(&bytes).with_context(|| format!("{}", p.display()))?;
            Some((m.sequence, m.hash()))
        }
        None => None,
    };
    let source = PackageSource::parse(&args.target)?;
    let (pointer, manifest_path, manifest) = match read_manifest(&source) {
        Ok(found) => found,
        Err(Refusal(reason)) => return Ok(refused(&reason)),
    };
    let sig_path = format!("{manifest_path}.minisig");
    let sig_bytes = source.read_small(&sig_path)?;
    let Ok(sig) = String::from_utf8(sig_bytes) else {
        return Ok(refused(&format!("{sig_path} is not text")));
    };
    let sizes: HashMap<String, u64> = Manifest::from_bytes(&manifest)
        .map(|m| m.files.into_iter().map(|f| (f.path, f.size)).collect())
        .unwrap_or_default();
    let present = match source.list() {
        Some(Ok(listed)) => listed,
        Some(Err(reason)) => return Ok(refused(&reason)),
        None => sizes.keys().cloned().collect(),
    };
    let expect = Expectations {
        last: previous.as_ref().map(|(s, h)| (*s, h.as_str())),
        now_utc: None,
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
    let checked = check_package(&key, &manifest, &sig, &expect, read, &present);
    progress.finish_and_clear();
    if let Some(e) = fetch_error {
        return Err(e.context(format!(
            "could not read the package at {}",
            source.describe()
        )));
    }
    match checked {
        Ok(m) => {
            if let Some(p) = &pointer
                && let Err(reason) = check_pointer(p, &m, &manifest)
            {
                return Ok(refused(&reason));
            }
            println!(
                "OK: corte {} (sequence {}) of {} {}, {} files, {} bytes, signed by {}{}",
                m.corte,
                m.sequence,
                m.institute,
                m.process,
                m.files.len(),
                m.total_size(),
                key.to_base64(),
                if source.can_list() {
                    ""
                } else {
                    " (fetched over http; files beyond the manifest are not listable there)"
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(refused(&e.to_string())),
    }
}

/// A reason to refuse the package.
struct Refusal(String);

fn refused(reason: &str) -> ExitCode {
    println!("REFUSED: {reason}");
    ExitCode::from(1)
}

/// The pointer (required over http, optional in a directory), the manifest's path and bytes.
/// On a live site a new corte may be activated between reading the pointer and the manifest:
/// then the pointer is read again, a few times, until the two agree.
fn read_manifest(source: &PackageSource) -> Result<(Option<Pointer>, String, Vec<u8>), Refusal> {
    let fail = |e: anyhow::Error| Refusal(format!("{e:#}"));
    for _ in 0..3 {
        let pointer = match source.read(POINTER_PATH, 64 * 1024).map_err(fail)? {
            Some(bytes) => Some(
                serde_json::from_slice::<Pointer>(&bytes)
                    .map_err(|e| Refusal(format!("{POINTER_PATH} is not a pointer: {e}")))?,
            ),
            None if source.can_list() => None,
            None => {
                return Err(Refusal(format!(
                    "{} has no {POINTER_PATH}",
                    source.describe()
                )));
            }
        };
        let manifest_path = pointer
            .as_ref()
            .map_or_else(|| MANIFEST_PATH.to_owned(), |p| p.manifest.clone());
        validate_path(&manifest_path)
            .map_err(|e| Refusal(format!("{POINTER_PATH} names a bad manifest path: {e}")))?;
        let manifest = source
            .read(&manifest_path, MAX_MANIFEST_BYTES)
            .map_err(fail)?
            .ok_or_else(|| Refusal(format!("{} has no {manifest_path}", source.describe())))?;
        let agrees = pointer
            .as_ref()
            .is_none_or(|p| p.manifest_sha256 == prep_package::sha256_hex(&manifest));
        if agrees || source.can_list() {
            return Ok((pointer, manifest_path, manifest));
        }
    }
    Err(Refusal(format!(
        "{POINTER_PATH} kept naming a manifest other than the one served at {}",
        source.describe()
    )))
}

/// `json/main.json` must point at this manifest: same sequence, corte and manifest hash.
fn check_pointer(p: &Pointer, m: &Manifest, manifest_bytes: &[u8]) -> Result<(), String> {
    let hash = prep_package::sha256_hex(manifest_bytes);
    if p.manifest_sha256 != hash || p.sequence != m.sequence || p.corte_rfc3339 != m.corte {
        return Err(format!(
            "{POINTER_PATH} points at sequence {} (manifest {}), not at this manifest (sequence {}, {hash})",
            p.sequence, p.manifest_sha256, m.sequence
        ));
    }
    Ok(())
}
