//! `prep verify`: check a corte package as anyone can.

use anyhow::Context;
use prep_corte::{POINTER_PATH, Pointer};
use prep_package::{Expectations, Manifest, VerifyingKey, check_package};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `prep verify`.
#[derive(clap::Args)]
#[command(after_help = "\
Exit codes: 0 the package verifies; 1 it does not (the reason is printed); 2 usage error.
The same signature can be checked with the stock tool:
  minisign -Vm DIR/manifest.json -P <public key>")]
pub struct VerifyArgs {
    /// The package directory: `manifest.json`, `manifest.json.minisig`, the listed files and
    /// the pointer `json/main.json`.
    dir: PathBuf,
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
    let manifest = std::fs::read(args.dir.join("manifest.json"))
        .with_context(|| format!("cannot read {}/manifest.json", args.dir.display()))?;
    let sig = std::fs::read_to_string(args.dir.join("manifest.json.minisig"))
        .with_context(|| format!("cannot read {}/manifest.json.minisig", args.dir.display()))?;
    let previous = match &args.previous {
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            let m = Manifest::from_bytes(&bytes).with_context(|| format!("{}", p.display()))?;
            Some((m.sequence, m.hash()))
        }
        None => None,
    };
    let present = match list_files(&args.dir) {
        Ok(p) => p,
        Err(reason) => {
            println!("REFUSED: {reason}");
            return Ok(ExitCode::from(1));
        }
    };
    let expect = Expectations {
        last: previous.as_ref().map(|(s, h)| (*s, h.as_str())),
        now_utc: None,
    };
    let read = |path: &str| std::fs::read(args.dir.join(path)).ok();
    match check_package(&key, &manifest, &sig, &expect, read, &present) {
        Ok(m) => {
            if let Err(reason) = check_pointer(&args.dir, &m, &manifest) {
                println!("REFUSED: {reason}");
                return Ok(ExitCode::from(1));
            }
            println!(
                "OK: corte {} (sequence {}) of {} {}, {} files, {} bytes, signed by {}",
                m.corte,
                m.sequence,
                m.institute,
                m.process,
                m.files.len(),
                m.total_size(),
                key.to_base64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("REFUSED: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `json/main.json`, when present, must point at this manifest: same sequence, corte and
/// manifest hash.
fn check_pointer(dir: &Path, m: &Manifest, manifest_bytes: &[u8]) -> Result<(), String> {
    let Ok(bytes) = std::fs::read(dir.join(POINTER_PATH)) else {
        return Ok(());
    };
    let p: Pointer = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{POINTER_PATH} is not a pointer: {e}"))?;
    let hash = prep_package::sha256_hex(manifest_bytes);
    if p.manifest_sha256 != hash || p.sequence != m.sequence || p.corte_rfc3339 != m.corte {
        return Err(format!(
            "{POINTER_PATH} points at sequence {} (manifest {}), not at this manifest (sequence {}, {hash})",
            p.sequence, p.manifest_sha256, m.sequence
        ));
    }
    Ok(())
}

/// Every regular file under `dir` (relative, `/`-separated), except the manifest, its
/// signature and the pointer `json/main.json` (which names the manifest by hash). A link or a special file is an error: a package holds regular files only.
fn list_files(dir: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let entries = std::fs::read_dir(dir.join(&rel))
            .map_err(|e| format!("cannot list {}: {e}", rel.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            let path = rel.join(entry.file_name());
            let kind = entry.file_type().map_err(|e| e.to_string())?;
            let name = path.to_string_lossy().replace('\\', "/");
            if kind.is_symlink() {
                return Err(format!("{name} is a symbolic link"));
            } else if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                if name != "manifest.json"
                    && name != "manifest.json.minisig"
                    && name != POINTER_PATH
                {
                    out.push(name);
                }
            } else {
                return Err(format!("{name} is not a regular file"));
            }
        }
    }
    out.sort();
    Ok(out)
}
