//! `--rules auto`: the counting profile that reproduces a file's summary.

use crate::{ProfileOutcome, Recount, RecountOptions, recount_profiles_read};
use prep_count::Rules;
use prep_csv::ReadError;
use std::io::Read;

/// Recounts with each profile in turn (`run` does one recount) until one reads every row
/// and reproduces every published field, and returns that recount; when none does, the
/// closest one (fewest unreadable rows, then fewest differing fields; the earlier profile on
/// a tie). [`Recount::profiles_tried`] lists every profile tried and how it fared. A file
/// the first profile reproduces costs one recount, as without `auto`.
pub fn choose_profile<E>(
    profiles: &[Rules],
    mut run: impl FnMut(&Rules) -> Result<Recount, E>,
) -> Result<Option<Recount>, E> {
    choose(
        profiles
            .iter()
            .map(|rules| (rules.name.clone(), run(rules))),
    )
}

/// [`choose_profile`] for a file read from the input `open` gives, in one pass: every
/// profile recounts the rows as they are read ([`recount_profiles_read`]), and the chooser
/// then picks among the recounts exactly as [`choose_profile`] would (same choice, same
/// [`Recount::profiles_tried`]), so `--rules auto` costs one read of the file whichever
/// profile fits. `open` is called once (never with no profiles); its error, or the read's
/// (converted with `From`), is returned.
pub fn choose_profile_read<R: Read, E: From<ReadError>>(
    profiles: &[Rules],
    options: &RecountOptions,
    mut open: impl FnMut() -> Result<R, E>,
) -> Result<Option<Recount>, E> {
    if profiles.is_empty() {
        return Ok(None);
    }
    let recounts = recount_profiles_read(open()?, options, profiles)?;
    choose(
        profiles
            .iter()
            .zip(recounts)
            .map(|(rules, r)| (rules.name.clone(), Ok::<_, E>(r))),
    )
}

/// The chooser: takes recounts (profile name, result) in order, lazily, until one reproduces
/// the published summary.
fn choose<E>(
    runs: impl Iterator<Item = (String, Result<Recount, E>)>,
) -> Result<Option<Recount>, E> {
    let mut tried = Vec::new();
    let mut best: Option<(Recount, (usize, usize))> = None;
    for (profile, r) in runs {
        let r = r?;
        let outcome = ProfileOutcome {
            profile,
            differences: r.differences.len(),
            malformed: r.malformed.len(),
        };
        let score = (outcome.malformed, outcome.differences);
        let done = outcome.reproduces();
        tried.push(outcome);
        if best.as_ref().is_none_or(|(_, s)| score < *s) {
            best = Some((r, score));
        }
        if done {
            break;
        }
    }
    Ok(best.map(|(mut r, _)| {
        r.profiles_tried = tried;
        r
    }))
}
