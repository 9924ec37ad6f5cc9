//! Reading the stored history without running the node: `prep node history` and
//! `prep node check`.

use crate::served::corte::verify_record;
use crate::store::Store;
use prep_package::{Manifest, VerifyingKey, sha256_hex};

/// One accepted corte, as `prep node history` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Sequence.
    pub sequence: u64,
    /// Corte time (RFC 3339).
    pub corte: String,
    /// When the node accepted it.
    pub accepted: String,
    /// Files listed.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
    /// Whether it started the node's chain.
    pub resync: bool,
}

/// The stored history.
#[derive(Debug, Clone)]
pub struct History {
    /// Every accepted corte, ascending.
    pub cortes: Vec<HistoryEntry>,
    /// The active sequence.
    pub active: Option<u64>,
    /// Bytes the object store uses on disk (each distinct file once, in packs).
    pub objects_bytes: u64,
}

/// Lists the history from the records (nothing is verified: see [`check_history`]).
pub fn history(store: &Store) -> anyhow::Result<History> {
    let mut cortes = Vec::new();
    for sequence in store.sequences()? {
        let r = store.read_record(sequence)?;
        let m = Manifest::from_bytes(r.manifest.as_bytes())?;
        cortes.push(HistoryEntry {
            sequence,
            corte: m.corte.clone(),
            accepted: r.accepted,
            files: m.files.len(),
            bytes: m.total_size(),
            resync: r.resync,
        });
    }
    Ok(History {
        cortes,
        active: store.active()?,
        objects_bytes: store.objects_bytes()?,
    })
}

/// What [`check_history`] found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Cortes verified.
    pub cortes: usize,
    /// The active sequence.
    pub active: Option<u64>,
    /// Every problem found; empty when the history is intact.
    pub problems: Vec<String>,
    /// Things worth knowing that are not problems.
    pub notes: Vec<String>,
}

/// Verifies every stored corte again (signature, manifest, pointer, every object's hash), the
/// chain between consecutive cortes, and that the active sequence is a stored corte.
pub fn check_history(store: &Store, key: &VerifyingKey) -> anyhow::Result<CheckReport> {
    check_history_with(store, &|_| vec![key.clone()])
}

/// [`check_history`] with the keys each corte may be signed by (`keys_for(sequence)`: a
/// node's delegation after a key rotation, [`crate::Node::keys_for`]).
pub fn check_history_with(
    store: &Store,
    keys_for: &dyn Fn(u64) -> Vec<VerifyingKey>,
) -> anyhow::Result<CheckReport> {
    let mut report = CheckReport {
        active: store.active()?,
        ..CheckReport::default()
    };
    let mut previous: Option<(u64, String)> = None;
    let sequences = store.sequences()?;
    for &sequence in &sequences {
        report.cortes += 1;
        let record = match store.read_record(sequence) {
            Ok(r) => r,
            Err(e) => {
                report.problems.push(format!("{e:#}"));
                previous = None;
                continue;
            }
        };
        let keys = keys_for(sequence);
        let mut verified = Err(anyhow::anyhow!("no key is trusted for corte {sequence}"));
        for key in &keys {
            verified = verify_record(store, key, &record);
            if verified.is_ok() {
                break;
            }
        }
        match verified {
            Ok((m, _)) => {
                match (&previous, record.resync) {
                    (_, true) if sequence != sequences[0] => report.notes.push(format!(
                        "corte {sequence} restarted the chain (resynchronisation)"
                    )),
                    (_, true) => {}
                    (None, false) => report.problems.push(format!(
                        "corte {sequence} has no stored predecessor and was not a resynchronisation"
                    )),
                    (Some((ps, ph)), false) => {
                        if m.previous.as_deref() != Some(ph.as_str()) {
                            report.problems.push(format!(
                                "corte {sequence} does not chain onto corte {ps}: previous is {:?}, corte {ps}'s manifest hash is {ph}",
                                m.previous
                            ));
                        }
                    }
                }
                previous = Some((sequence, sha256_hex(record.manifest.as_bytes())));
            }
            Err(e) => {
                report.problems.push(format!("{e:#}"));
                previous = None;
            }
        }
    }
    match (report.active, sequences.last()) {
        (Some(a), _) if !sequences.contains(&a) => report
            .problems
            .push(format!("the active sequence {a} is not a stored corte")),
        (Some(a), Some(&latest)) if a < latest => report.notes.push(format!(
            "corte {latest} is accepted but not active yet; the node activates it when it starts"
        )),
        (None, Some(&latest)) => report.notes.push(format!(
            "no corte is active yet; the node activates corte {latest} when it starts"
        )),
        _ => {}
    }
    Ok(report)
}
