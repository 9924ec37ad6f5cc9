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

/// [`choose_profile`] for a file read from the input `open` gives, in at most two passes:
/// the first profile alone (a file it reproduces, the common case, costs one recount, as
/// without `auto`), then, when it does not, every other profile in one shared pass
/// ([`recount_profiles_read`]: each row tokenised once, counted under each profile). The
/// chooser picks among the recounts exactly as [`choose_profile`] would (same choice, same
/// [`Recount::profiles_tried`]). `open` is called once or twice (never with no profiles);
/// its error, or the read's (converted with `From`), is returned.
pub fn choose_profile_read<R: Read, E: From<ReadError>>(
    profiles: &[Rules],
    options: &RecountOptions,
    mut open: impl FnMut() -> Result<R, E>,
) -> Result<Option<Recount>, E> {
    let Some((first, others)) = profiles.split_first() else {
        return Ok(None);
    };
    let mut recounts = recount_profiles_read(open()?, options, std::slice::from_ref(first))?;
    let fits = recounts
        .first()
        .is_some_and(|r| r.malformed.is_empty() && r.differences.is_empty());
    if !fits && !others.is_empty() {
        recounts.extend(recount_profiles_read(open()?, options, others)?);
    }
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
