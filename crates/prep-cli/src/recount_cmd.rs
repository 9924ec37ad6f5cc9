//! `prep recount`: the auditor's tool.

use anyhow::Context;
use prep_audit::{
    Recount, RecountOptions, RowFindingKind, StageChoice, StageSource, choose_profile_read,
};
use prep_count::{CorteStage, Rules};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit codes:
  0  recount done; with --check, every summary field agrees with the published one
  1  --check: at least one summary field differs (each is listed); with --strict, also
     when an acta row disagrees with the rules
  2  usage error, or the file cannot be read or is not a PREP database (or --rules names no
     profile)
  3  some rows are malformed (each is listed with its line and reason); the rest were counted";

/// Arguments of `prep recount`.
#[derive(clap::Args)]
#[command(after_help = EXIT_CODES, long_about = "\
Recount a published PREP database from its acta rows, as an auditor would: recompute the 13
summary fields (Anexo 13 rules, percentages truncated to four decimals) and print them in the
file's own format, with totals per vote column and, given the candidacy file, per candidacy.
Any dialect is read: BOM or not, UTF-8 or Latin-1, comma or pipe (`sep=|`), quoted cells,
'apostrophe keys, `'`-prefixed or `%` percentages, thousands separators, the pre-2018 format
and the INE 2018/2021 and 2024/OPL header names. The ways institutes apply the rules differ
(which legends are inconsistencies, how fuera de catálogo and not-captured rows are marked):
each way is a counting profile, and `--rules auto` finds the one that reproduces the file.")]
pub struct RecountArgs {
    /// The database file (`PUE_GUB_2024.csv`, `PRES_2024.csv`, …), or `-` for standard input.
    file: PathBuf,
    /// Compare every summary field with the one printed in the file; list each difference
    /// (field, published, recomputed) and exit 1 on any.
    #[arg(long)]
    check: bool,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// The candidacy file (`*_Candidaturas_*.csv`), for totals per candidacy.
    #[arg(long, value_name = "FILE")]
    candidaturas: Option<PathBuf>,
    /// Corte stage, which sets the participation base: `final` counts casillas especiales,
    /// `preliminary` leaves them out (Anexo 13, every corte before the last); `auto` infers it
    /// from the printed participation, since the file does not say.
    #[arg(long, value_enum, default_value_t = Stage::Auto)]
    stage: Stage,
    /// Also print the counters per district or municipio.
    #[arg(long)]
    by_area: bool,
    /// With --check, acta rows that disagree with the rules also make the check fail.
    #[arg(long)]
    strict: bool,
    /// Counting profile: `auto` recounts under every shipped profile in one pass over the
    /// file and keeps the first, in order, that reproduces the published summary (or the
    /// closest), and says which; a name picks a
    /// shipped profile (anexo13, iee-sonora-2021, ine-2019, ieeg-guanajuato-2021,
    /// ieec-campeche-2021, iec-coahuila-2017); any other value is a TOML profile file.
    #[arg(long, default_value = "auto", value_name = "NAME|FILE|auto")]
    rules: String,
    /// Threads that recount chunks of rows while the file is read; 0 uses one per core.
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,
}

/// The `--stage` values.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Stage {
    Auto,
    Preliminary,
    Final,
}

/// The profiles `--rules` names: every shipped one for `auto`, a shipped one by name, or the
/// TOML file at that path.
fn profiles_for(rules: &str) -> anyhow::Result<Vec<Rules>> {
    if rules == "auto" {
        return Ok(prep_count::profiles::profiles());
    }
    if let Some(p) = prep_count::profiles::profile(rules) {
        return Ok(vec![p]);
    }
    let path = std::path::Path::new(rules);
    if !path.exists() {
        anyhow::bail!(
            "--rules {rules}: no such profile (shipped: {}) nor file",
            prep_count::profiles::profile_names().join(", ")
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut p = Rules::from_toml(&text)
        .with_context(|| format!("{}: not a counting profile", path.display()))?;
    if p.name.is_empty() {
        p.name = path.display().to_string();
    }
    Ok(vec![p])
}

fn read_input(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read standard input")?;
        return Ok(buf);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Runs `prep recount`.
pub fn run(args: RecountArgs) -> anyhow::Result<ExitCode> {
    let candidacies = match &args.candidaturas {
        Some(p) => Some(
            prep_csv::read_candidaturas(&read_input(p)?[..])
                .with_context(|| format!("{}", p.display()))?,
        ),
        None => None,
    };
    let options = RecountOptions {
        stage: match args.stage {
            Stage::Auto => StageChoice::Auto,
            Stage::Preliminary => StageChoice::Preliminary,
            Stage::Final => StageChoice::Final,
        },
        candidacies,
        max_reported_errors: 1000,
        threads: args.threads,
        ..RecountOptions::default()
    };
    let profiles = profiles_for(&args.rules)?;
    // One pass however many profiles `auto` tries, so standard input is streamed too.
    let open = || -> anyhow::Result<Box<dyn Read>> {
        if args.file.as_os_str() == "-" {
            return Ok(Box::new(std::io::stdin().lock()));
        }
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?;
        Ok(Box::new(file))
    };
    let r = choose_profile_read(&profiles, &options, open)
        .map_err(|e| {
            if e.is::<prep_csv::ReadError>() {
                e.context(format!("{}", args.file.display()))
            } else {
                e
            }
        })?
        .context("no counting profile to recount with")?;
    let mut out = crate::output::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &r)?;
        writeln!(out)?;
    } else {
        print_text(&mut out, &args, &r)?;
    }
    let summary_differs = !r.differences.is_empty();
    let rows_differ = args.strict && !r.row_findings.is_empty();
    let code = if !r.malformed.is_empty() {
        3
    } else if args.check && (summary_differs || rows_differ) {
        1
    } else {
        0
    };
    Ok(ExitCode::from(code))
}

/// The text report: heading, recomputed summary, check, totals, areas, row audit.
fn print_text(
    out: &mut impl Write,
    args: &RecountArgs,
    r: &prep_audit::Recount,
) -> anyhow::Result<()> {
    print_heading(out, args, r)?;
    print_summary(out, r)?;
    if args.check {
        print_check(out, r)?;
    }
    print_totals(out, r)?;
    if args.by_area {
        print_areas(out, r)?;
    }
    print_row_audit(out, r)
}

/// The file, its title and corte, the rows, the participation base and the profile.
fn print_heading(out: &mut impl Write, args: &RecountArgs, r: &Recount) -> anyhow::Result<()> {
    writeln!(
        out,
        "{}: {} — corte {}",
        args.file.display(),
        r.title.as_deref().unwrap_or("(no title)"),
        r.corte.as_deref().unwrap_or("(no corte line)")
    )?;
    let base = match r.stage {
        CorteStage::Final => "with casillas especiales (final corte)",
        CorteStage::Preliminary => "without casillas especiales (corte before the last)",
    };
    let source = match r.stage_source {
        StageSource::Given => "as given",
        StageSource::InferredFromPublished => "inferred from the published participation",
        StageSource::Default => "default: the published participation matches neither base",
    };
    writeln!(out, "{} acta rows; participation {base}, {source}", r.rows)?;
    print_profile(out, r)?;
    writeln!(out)?;
    Ok(())
}

/// The summary recomputed from the rows, in the file's dialect.
fn print_summary(out: &mut impl Write, r: &Recount) -> anyhow::Result<()> {
    let sep = char::from(r.dialect.delimiter).to_string();
    writeln!(out, "Recomputed summary:")?;
    writeln!(
        out,
        "{}\n{}\n",
        r.printed.names.join(&sep),
        r.printed.values.join(&sep)
    )?;
    Ok(())
}

/// `--check`: the fields not published, then agreement or every field that differs.
fn print_check(out: &mut impl Write, r: &Recount) -> anyhow::Result<()> {
    if !r.unpublished.is_empty() {
        writeln!(
            out,
            "Not published (no value to compare): {}",
            r.unpublished.join(", ")
        )?;
    }
    match &r.published {
        None => writeln!(
            out,
            "Check: nothing to check, the file has no summary (acta rows only).\n"
        )?,
        Some(p) if r.differences.is_empty() => {
            let compared = prep_count::SummaryField::ALL
                .iter()
                .filter(|f| p.raw(**f).is_some_and(|v| !v.trim().is_empty()))
                .count();
            if compared == 13 {
                writeln!(
                    out,
                    "Check: all 13 summary fields agree with the published summary.\n"
                )?;
            } else {
                writeln!(
                    out,
                    "Check: all {compared} published summary fields agree with the published summary.\n"
                )?;
            }
        }
        Some(_) => {
            writeln!(
                out,
                "CHECK FAILED: {} summary field(s) differ:",
                r.differences.len()
            )?;
            writeln!(
                out,
                "  {:<40} {:>16} {:>16}",
                "field", "published", "recomputed"
            )?;
            for d in &r.differences {
                let published = d.published.as_deref().unwrap_or("(missing)");
                writeln!(
                    out,
                    "  {:<40} {:>16} {:>16}",
                    d.name, published, d.recomputed
                )?;
                writeln!(out, "      {}", d.reason)?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Votes per column and per candidacy.
fn print_totals(out: &mut impl Write, r: &Recount) -> anyhow::Result<()> {
    writeln!(out, "Votes per column (counted actas):")?;
    for c in &r.columns_totals {
        writeln!(out, "  {:<32} {:>12}", c.column, c.votes)?;
    }
    if !r.candidacies.is_empty() {
        writeln!(out, "\nVotes per candidacy:")?;
        for c in &r.candidacies {
            match &c.area {
                Some(a) => writeln!(out, "  {a:<6} {:<48} {:>12}", c.candidate, c.votes)?,
                None => writeln!(out, "  {:<48} {:>12}", c.candidate, c.votes)?,
            }
        }
    }
    Ok(())
}

/// `--by-area`: the counters of every area.
fn print_areas(out: &mut impl Write, r: &Recount) -> anyhow::Result<()> {
    writeln!(
        out,
        "\nPer {:?}:",
        r.area_level.map_or("area".into(), |l| format!("{l:?}"))
    )?;
    writeln!(
        out,
        "  {:<8} {:>9} {:>9} {:>9} {:>12} {:>12}",
        "area", "esperadas", "capturad.", "contabil.", "lista nom.", "votos c/cs"
    )?;
    for a in &r.areas {
        let c = &a.tally.counters;
        writeln!(
            out,
            "  {:<8} {:>9} {:>9} {:>9} {:>12} {:>12}",
            a.area, c.esperadas, c.capturadas, c.contabilizadas, c.lista_nominal, c.votos_c_cs
        )?;
    }
    Ok(())
}

/// The rows that disagree with the rules (the first 20) and the malformed rows.
fn print_row_audit(out: &mut impl Write, r: &Recount) -> anyhow::Result<()> {
    writeln!(
        out,
        "\nRow audit: {} acta row(s) disagree with the rules.",
        r.row_findings.len()
    )?;
    for f in r.row_findings.iter().take(20) {
        match &f.kind {
            RowFindingKind::TotalMismatch {
                published,
                recomputed,
            } => writeln!(
                out,
                "  line {} ({}): TOTAL_VOTOS_CALCULADO is {published}, its vote cells sum to {recomputed}",
                f.line, f.clave_acta
            )?,
            RowFindingKind::StatusMismatch {
                published,
                expected,
            } => writeln!(
                out,
                "  line {} ({}): CONTABILIZADA is {published}, the rules give {expected}",
                f.line, f.clave_acta
            )?,
        }
    }
    if !r.malformed.is_empty() {
        writeln!(out, "\nMalformed rows (left out of the counts):")?;
        for e in &r.malformed {
            writeln!(out, "  {e}")?;
        }
    }
    Ok(())
}

/// Which counting profile was used, and with `--rules auto`, how each one tried fared.
fn print_profile(out: &mut impl Write, r: &Recount) -> anyhow::Result<()> {
    if r.profiles_tried.len() <= 1 && r.profiles_tried.iter().all(|t| t.reproduces()) {
        writeln!(out, "Counting profile: {}", r.profile)?;
        return Ok(());
    }
    let reproduced = r
        .profiles_tried
        .iter()
        .any(|t| t.profile == r.profile && t.reproduces());
    let verdict = if reproduced {
        "reproduces the published summary"
    } else {
        "the closest: no profile reproduces the published summary"
    };
    writeln!(out, "Counting profile: {} ({verdict})", r.profile)?;
    for t in &r.profiles_tried {
        writeln!(
            out,
            "  tried {:<22} {} field(s) differ, {} row(s) unreadable",
            t.profile, t.differences, t.malformed
        )?;
    }
    Ok(())
}
