//! `prep init`: create an election directory.

use anyhow::bail;
use prep_publish::{
    ElectionSource, InitSettings, KeySetup, Named, RulesConfig, init, synth_sources,
};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `prep init`.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  prep init pue --from-database PUE_GUB_2024.csv --candidaturas PUE_GUB_Candidaturas_2024.csv --keys --unencrypted
  prep init drill --synth --casillas 5000 --keys --password-file pw.txt

The directory holds prep.toml (documented in docs/election-directory.md), store.sqlite with
every election defined and its catalogue loaded, each election's source files, and the keys
when --keys is given. Times left out come from the first database's corte line: closing at
that corte, opening 24 hours earlier. An existing directory is never written over.")]
pub struct InitArgs {
    /// The election directory to create (must not exist).
    dir: PathBuf,
    /// A published database: its rows give the catalogue and the vote columns, its header
    /// and dialect the format of every corte's CSV. Repeat for several elections.
    #[arg(long, value_name = "FILE")]
    from_database: Vec<PathBuf>,
    /// The candidacy file of each --from-database, in the same order. Without any, each
    /// candidacy column (party, coalition, candidatura común) is its own candidacy, as for
    /// institutes that publish no candidacy file.
    #[arg(long, value_name = "FILE")]
    candidaturas: Vec<PathBuf>,
    /// The election id of each --from-database, in the same order (default: from the file
    /// name, `PUE_GUB_2024.csv` → `gub`).
    #[arg(long, value_name = "ID")]
    election: Vec<String>,
    /// A synthetic federal election instead (presidencia, senadurías, diputaciones).
    #[arg(long, conflicts_with = "from_database")]
    synth: bool,
    /// Casillas of the synthetic election.
    #[arg(long, default_value_t = 5_000, requires = "synth")]
    casillas: usize,
    /// Seed of the synthetic election.
    #[arg(long, default_value_t = 2024, requires = "synth")]
    seed: u64,
    /// Institute id written in manifests.
    #[arg(long, default_value = "INSTITUTO")]
    institute: String,
    /// Institute name.
    #[arg(long, default_value = "Instituto Electoral")]
    institute_name: String,
    /// Process id written in manifests.
    #[arg(long, default_value = "PROCESO")]
    process: String,
    /// Process name.
    #[arg(long, default_value = "Proceso Electoral")]
    process_name: String,
    /// UTC offset of the institute (`-06:00`); default: the database's corte line.
    #[arg(long, value_name = "±HH:00", allow_hyphen_values = true)]
    utc_offset: Option<String>,
    /// Counting profile written in prep.toml (`[rules] dialect`): `auto` recounts the first
    /// --from-database with each shipped profile and keeps the first that reproduces its
    /// summary (or the closest); a name picks a shipped profile (see `prep recount --help`).
    #[arg(long, default_value = "auto", value_name = "NAME|auto")]
    rules: String,
    /// Minutes between cortes.
    #[arg(long, value_name = "MINUTES", default_value_t = 10)]
    period: u32,
    /// First corte, RFC 3339 (`2024-06-02T20:00:00-06:00`).
    #[arg(long, value_name = "TIME")]
    opening: Option<String>,
    /// Last corte (final), RFC 3339.
    #[arg(long, value_name = "TIME")]
    closing: Option<String>,
    /// Base URL of the acta image host (an image is BASE + CODIGO_INTEGRIDAD).
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://imagenes.prep.invalid/"
    )]
    image_host: String,
    /// Hours a package stays valid.
    #[arg(long, default_value_t = 24)]
    expiry_hours: u32,
    /// Generate the signing key pair into DIR/keys/ (password from --password-file or
    /// PREP_KEY_PASSWORD).
    #[arg(long, conflicts_with = "key")]
    keys: bool,
    /// With --keys: leave the secret key unencrypted (drills only).
    #[arg(long, requires = "keys")]
    unencrypted: bool,
    /// With --keys: a file whose first line is the password that encrypts the secret key.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// An existing secret key to sign with (instead of --keys).
    #[arg(long, value_name = "FILE", requires = "public_key")]
    key: Option<PathBuf>,
    /// The public key of --key.
    #[arg(long, value_name = "FILE")]
    public_key: Option<PathBuf>,
}

/// Runs `prep init`.
pub fn run(args: InitArgs) -> anyhow::Result<ExitCode> {
    let sources = if args.synth {
        synth_sources(args.casillas, args.seed)?
    } else {
        if args.from_database.is_empty() {
            bail!("give --from-database FILE --candidaturas FILE (repeatable), or --synth");
        }
        if !args.candidaturas.is_empty() && args.candidaturas.len() != args.from_database.len() {
            bail!(
                "{} --from-database but {} --candidaturas: give one candidacy file per database, in the same order, or none",
                args.from_database.len(),
                args.candidaturas.len()
            );
        }
        if !args.election.is_empty() && args.election.len() != args.from_database.len() {
            bail!("give one --election per --from-database, or none");
        }
        args.from_database
            .iter()
            .enumerate()
            .map(|(i, db)| {
                let id = args.election.get(i).map(String::as_str);
                match args.candidaturas.get(i) {
                    Some(cand) => ElectionSource::from_files(db, cand, id),
                    None => ElectionSource::from_database(db, id),
                }
            })
            .collect::<anyhow::Result<_>>()?
    };
    let keys = match (&args.key, &args.public_key) {
        (Some(secret_key), Some(public_key)) => KeySetup::Existing {
            secret_key: secret_key.clone(),
            public_key: public_key.clone(),
            password_file: args.password_file.clone(),
        },
        _ if args.keys => {
            let password = prep_publish::key_password(args.password_file.as_deref())?;
            if password.is_none() && !args.unencrypted {
                bail!(
                    "no password for the secret key: give --password-file FILE or set PREP_KEY_PASSWORD (or --unencrypted for a drill)"
                );
            }
            KeySetup::Generate { password }
        }
        _ => bail!(
            "a directory needs a signing key: --keys to make one, or --key FILE --public-key FILE"
        ),
    };
    // A synthetic election follows Anexo 13 as written.
    let profile = if args.synth && args.rules == "auto" {
        prep_count::Rules::anexo13().name
    } else {
        choose_rules(&args.rules, &sources)?
    };
    let settings = InitSettings {
        institute: Named {
            id: args.institute,
            name: args.institute_name,
        },
        process: Named {
            id: args.process,
            name: args.process_name,
        },
        utc_offset: args.utc_offset,
        period_minutes: args.period,
        opening: args.opening,
        closing: args.closing,
        rules: RulesConfig {
            dialect: profile,
            ..RulesConfig::default()
        },
        expiry_hours: args.expiry_hours,
        image_host: args.image_host,
    };
    let report = init(&args.dir, &settings, &sources, &keys)?;
    let s = &report.config.schedule;
    outln!("election directory {}", args.dir.display());
    outln!("  counting profile {}", report.config.rules.dialect);
    for (id, n) in &report.catalogues {
        outln!("  election {id}: {n} expected actas loaded");
    }
    outln!(
        "  cortes every {} min from {} to {} (UTC offset {})",
        s.period_minutes,
        s.opening,
        s.closing,
        s.utc_offset
    );
    outln!(
        "next: prep replay FILE --dir {0} --speed 600 --publish, or prep publish --dir {0}",
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The counting profile for `--rules`: a shipped one by name, or with `auto` the first that
/// reproduces the first database's published summary (the closest when none does).
fn choose_rules(rules: &str, sources: &[ElectionSource]) -> anyhow::Result<String> {
    if rules != "auto" {
        if prep_count::profiles::profile(rules).is_none() {
            bail!(
                "--rules {rules}: no such profile (shipped: {})",
                prep_count::profiles::profile_names().join(", ")
            );
        }
        return Ok(rules.to_owned());
    }
    let Some(first) = sources.first() else {
        return Ok(prep_count::Rules::anexo13().name);
    };
    let options = prep_audit::RecountOptions::default();
    let chosen =
        prep_audit::choose_profile_read(&prep_count::profiles::profiles(), &options, || {
            Ok::<_, prep_csv::ReadError>(&first.database[..])
        })?;
    Ok(chosen.map_or_else(|| prep_count::Rules::anexo13().name, |r| r.profile))
}
