//! A suspension notice in a publication folder, written by the institute itself (there is no
//! node to receive it): the signed notice under `avisos/<n>/`, the notice page over every
//! page of the corte the folder serves, and last a suspended `json/main.json` (that corte's
//! pointer with `"suspended": true` and the notice named, [`prep_inbox::notice`]). Each file
//! goes to a temporary name and is renamed over its place, as a corte's files do, so a
//! reader sees either the corte or the notice. The next corte delivered after the notice
//! writes its pages and pointer again (the journal says a notice came after the last corte,
//! [`crate::record::LastDelivered`]).

use super::Folder;
use crate::channel::{NoticeJob, Sent};
use anyhow::Context;
use prep_inbox::POINTER_PATH;
use prep_inbox::notice::{
    MAX_NOTICE_BYTES, NOTICE_PATH, NOTICE_SIGNATURE_PATH, Notice, page, suspended_pointer,
};
use prep_package::folder::{Stage, Upload};
use std::path::Path;

/// The folder, under the publication folder, of every notice delivered there.
pub const NOTICES_FOLDER: &str = "avisos";

/// Delivers the notice into the folder: its files are made in a scratch directory from the
/// institute's own copies (the notice and the corte's package), then written stage by stage.
pub async fn deliver_notice(folder: &mut dyn Folder, job: &NoticeJob) -> anyhow::Result<Sent> {
    let scratch = tempfile::tempdir().context("cannot make a scratch directory")?;
    let (job_for_thread, out) = (job.clone(), scratch.path().to_owned());
    let uploads = tokio::task::spawn_blocking(move || stage(&job_for_thread, &out))
        .await
        .context("the notice's thread failed")??;
    super::put_in_stages(folder, scratch.path(), &uploads).await
}

/// Writes into `out` what the folder gets for the notice, and says where each file goes.
fn stage(job: &NoticeJob, out: &Path) -> anyhow::Result<Vec<Upload>> {
    let bytes = read_bounded(&job.dir.join(NOTICE_PATH))?;
    let minisig = read_bounded(&job.dir.join(NOTICE_SIGNATURE_PATH))?;
    let notice: Notice = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a notice", job.dir.join(NOTICE_PATH).display()))?;
    let manifest = crate::channel::read_manifest(&job.corte_dir)?;
    let pointer = std::fs::read(job.corte_dir.join(POINTER_PATH)).with_context(|| {
        format!(
            "cannot read the pointer of the corte in {}",
            job.corte_dir.display()
        )
    })?;
    let suspended = suspended_pointer(Some(&pointer), &notice)?;
    let page = page(&notice);

    let folder = format!("{NOTICES_FOLDER}/{}", notice.sequence);
    let mut files: Vec<(Stage, String, Vec<u8>)> = vec![
        (Stage::Content, format!("{folder}/{NOTICE_PATH}"), bytes),
        (
            Stage::Content,
            format!("{folder}/{NOTICE_SIGNATURE_PATH}"),
            minisig,
        ),
        (Stage::Pointer, POINTER_PATH.to_owned(), suspended),
    ];
    let mut pages: Vec<&str> = manifest
        .files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.ends_with(".html"))
        .collect();
    if !pages.contains(&"index.html") {
        pages.push("index.html");
    }
    for p in pages {
        files.push((Stage::Stable, p.to_owned(), page.clone().into_bytes()));
    }
    let mut uploads = Vec::new();
    for (stage, path, content) in files {
        let to = out.join(&path);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&to, &content).with_context(|| format!("cannot write {}", to.display()))?;
        uploads.push(Upload {
            stage,
            source: path.clone(),
            path,
            size: Some(content.len() as u64),
        });
    }
    uploads.sort_by(|a, b| (a.stage, &a.path).cmp(&(b.stage, &b.path)));
    Ok(uploads)
}

/// A notice file of at most [`MAX_NOTICE_BYTES`].
fn read_bounded(path: &Path) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_NOTICE_BYTES,
        "{} has {size} bytes, more than a notice may have ({MAX_NOTICE_BYTES})",
        path.display()
    );
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}
