//! `prep site`: the public site's templates, for an institute to adapt without recompiling.

use anyhow::Context;
use prep_site::{SOURCE_FILES, Site, SiteInfo};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `prep site`.
#[derive(clap::Args)]
pub struct SiteArgs {
    #[command(subcommand)]
    command: SiteCommand,
}

#[derive(clap::Subcommand)]
enum SiteCommand {
    /// Write the default templates and assets into DIR, for the institute to edit.
    #[command(after_help = "\
Edit the files you want to change and delete the others: any file present in the directory
replaces the default of the same name. Then check the directory with `prep site check DIR`.")]
    ExportTemplates(ExportArgs),
    /// Check an institute's template directory: known names only, templates that parse and
    /// render, pages that keep the Content-Security-Policy and load the client.
    #[command(after_help = "\
With --render-into OUT the rendered site (sample institute information) is also written into
OUT; copy a corte package beside it to preview the site with real data.")]
    Check(CheckArgs),
}

#[derive(clap::Args)]
struct ExportArgs {
    /// Directory to write into (created when missing; existing files are never overwritten).
    dir: PathBuf,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The institute's template directory.
    dir: PathBuf,
    /// Also write the rendered pages and assets into this directory.
    #[arg(long, value_name = "OUT")]
    render_into: Option<PathBuf>,
}

/// Runs `prep site`.
pub fn run(args: SiteArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        SiteCommand::ExportTemplates(a) => {
            let written = Site::export_defaults(&a.dir)?;
            for p in &written {
                outln!("{}", p.display());
            }
            outln!(
                "{} files written; keep only those you change, then run `prep site check {}`",
                written.len(),
                a.dir.display()
            );
        }
        SiteCommand::Check(a) => {
            let site = Site::load(Some(&a.dir))?;
            let files = site.render(&SiteInfo::sample())?;
            let replaced = site.replaced();
            for (name, path) in &replaced {
                outln!("{name}: replaced by {}", path.display());
            }
            outln!(
                "{}: {} of {} site files replaced; every page renders ({} files)",
                a.dir.display(),
                replaced.len(),
                SOURCE_FILES.len(),
                files.len()
            );
            if let Some(out) = a.render_into {
                for f in &files {
                    let path = out.join(&f.path);
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent)
                            .with_context(|| format!("cannot create {}", parent.display()))?;
                    }
                    std::fs::write(&path, &f.bytes)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
                outln!("rendered into {}", out.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
