//! `prep synth`: write a deterministic synthetic election.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use prep_count::CorteStage;
use prep_synth::{ElectionId, NATIONAL_CASILLAS, Synth, SynthConfig, Written};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Usage examples, shown after the options.
macro_rules! examples {
    () => {
        "Examples:\n  \
prep synth                                   national final corte in ./synth\n  \
prep synth --casillas 5000 --elections pres  a small presidencia\n  \
prep synth --captured 0.4 --out corte-0400   an early corte of the same night"
    };
}
const EXAMPLES: &str = examples!();

/// Casillas from which a progress bar is shown.
const PROGRESS_FROM: usize = 20_000;

/// Arguments of `prep synth`.
#[derive(clap::Args)]
#[command(
    after_help = EXAMPLES,
    after_long_help = concat!(
        "The database of each election (PRES_2024.csv, SEN_2024.csv, DIP_FED_2024.csv) has a title, \
the corte, the summary, then one row per acta, UTF-8 with BOM like the IEE Puebla 2024 files; \
its candidacy file (PRES_Candidaturas_2024.csv, ...) comes beside it. The summary is the \
Anexo 13 tally of exactly the rows written, so a recount of the file reproduces it.\n\n\
The rows hold every case the counting rules know, in shares close to a real final corte: \
illegible and empty fields, all fields illegible, excede lista nominal, sin acta (each \
reason), actas fuera de catálogo, casillas especiales, voto anticipado, prisión preventiva \
and abroad actas, partial coalitions and independents. With --captured below 1 the actas \
not yet captured have `-` cells; the actas captured at a lower fraction are a subset of \
those captured at a higher one, so runs with one seed and growing fractions make a \
consistent night.\n\n\
The same seed and options always give byte-identical files.\n\n",
        examples!()
    )
)]
pub struct SynthArgs {
    /// Casillas (types B, C, E, S) in the catalogue, at most 170648 (national). Voto
    /// anticipado, prisión preventiva and abroad actas come on top (a few per thousand).
    #[arg(long, value_name = "N", default_value_t = NATIONAL_CASILLAS)]
    casillas: usize,

    /// Seed of every random draw.
    #[arg(long, value_name = "S", default_value_t = 2024)]
    seed: u64,

    /// Elections to write, comma-separated: pres, sen, dip.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "pres,sen,dip"
    )]
    elections: Vec<ElectionId>,

    /// Fraction of the expected actas captured at this corte, from 0 to 1.
    #[arg(
        long,
        value_name = "FRACTION",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    captured: f64,

    /// Corte stage: `final` counts casillas especiales in participation, `preliminary` does
    /// not. Default: final when --captured is 1, preliminary otherwise.
    #[arg(long, value_enum)]
    stage: Option<Stage>,

    /// The corte line, like "03/06/2024 20:00 (UTC-6)". Default: the first ten-minute mark
    /// after the last captured acta of a night that opens 02/06/2024 20:00.
    #[arg(long, value_name = "TEXT")]
    corte: Option<String>,

    /// Directory to write into; created when missing, files in it are replaced.
    #[arg(long, value_name = "DIR", default_value = "synth")]
    out: PathBuf,

    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// The corte stage, on the command line.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The last corte.
    Final,
    /// Any corte before the last.
    Preliminary,
}

/// Runs `prep synth`.
pub fn run(args: SynthArgs) -> anyhow::Result<ExitCode> {
    let mut elections: Vec<ElectionId> = Vec::new();
    for e in &args.elections {
        if !elections.contains(e) {
            elections.push(*e);
        }
    }
    let stage = match args.stage {
        Some(Stage::Final) => CorteStage::Final,
        Some(Stage::Preliminary) => CorteStage::Preliminary,
        None if args.captured >= 1.0 => CorteStage::Final,
        None => CorteStage::Preliminary,
    };
    let config = SynthConfig {
        seed: args.seed,
        casillas: args.casillas,
        elections: elections.clone(),
        captured: args.captured,
        stage,
        corte: args.corte.clone(),
    };
    let synth = Synth::new(config).context("invalid options")?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the output directory {}", args.out.display()))?;
    if !args.quiet {
        outln!(
            "synthetic election: seed {}, {} casillas, corte {} ({})",
            args.seed,
            thousands(args.casillas as u64),
            synth.corte(),
            match stage {
                CorteStage::Final => "final",
                CorteStage::Preliminary => "preliminary",
            }
        );
    }
    let bar = progress_bar(!args.quiet && args.casillas >= PROGRESS_FROM);
    for e in elections {
        let path = args.out.join(e.database_file_name());
        bar.set_prefix(e.code());
        bar.set_position(0);
        let written = write_file(&path, |w| {
            synth.write_database(e, w, &mut |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
        })?;
        let candidaturas = args.out.join(e.candidaturas_file_name());
        write_file(&candidaturas, |w| synth.write_candidaturas(e, w))?;
        if !args.quiet {
            bar.suspend(|| report(&path, &candidaturas, &written))?;
        }
    }
    bar.finish_and_clear();
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on stderr, or a hidden one.
fn progress_bar(visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>8} [{bar:40}] {percent:>3}% {elapsed_precise}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Writes a file through a temporary name in the same directory, then renames it, so that
/// a reader never sees half a file.
fn write_file<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<T>,
) -> anyhow::Result<T> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let value = write(&mut out)?;
        out.flush()?;
        drop(out);
        std::fs::rename(&tmp, path)?;
        Ok(value)
    })();
    result.map_err(|e: std::io::Error| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
    })
}

/// Prints what a database holds.
fn report(path: &Path, candidaturas: &Path, w: &Written) -> anyhow::Result<()> {
    let s = &w.summary;
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    outln!(
        "wrote {} ({} rows, {:.1} MB): {} actas esperadas, {}% capturadas, {}% contabilizadas, participación {}%",
        path.display(),
        thousands(w.rows),
        size as f64 / 1e6,
        thousands(s.actas_esperadas),
        s.porcentaje_actas_capturadas,
        s.porcentaje_actas_contabilizadas,
        s.porcentaje_participacion_ciudadana,
    );
    let captured = w.cases.captured().max(1);
    let cases: Vec<String> = w
        .cases
        .labelled()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(label, n)| {
            let base = match *label {
                "no capturada" => s.actas_esperadas.max(1),
                "FUERA DE CATALOGO" => w.rows.max(1),
                _ => captured,
            };
            format!(
                "{label} {} ({:.2}%)",
                thousands(*n),
                100.0 * *n as f64 / base as f64
            )
        })
        .collect();
    outln!("  {}", cases.join(", "));
    outln!("wrote {}", candidaturas.display());
    Ok(())
}

/// `170648` → `170,648`.
fn thousands(n: u64) -> String {
    prep_csv::group_thousands(n)
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(170_648), "170,648");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
