//! `dir`: the node's inbox is a local directory; [`prep_inbox::deliver_delta`] writes the
//! package under a temporary name and renames it.

use super::{Channel, Delivery, Job, NoticeJob};
use std::path::PathBuf;

/// Delivers into a local inbox.
#[derive(Debug, Clone)]
pub struct DirChannel {
    /// The node's inbox.
    pub inbox: PathBuf,
}

impl Channel for DirChannel {
    fn kind(&self) -> &'static str {
        "dir"
    }

    fn deliver<'a>(&'a self, job: &'a Job) -> Delivery<'a> {
        Box::pin(async move {
            let inbox = self.inbox.clone();
            let src = job.corte_dir.clone();
            let name = job.package_name();
            let have = job.have.clone();
            tokio::task::spawn_blocking(move || {
                if !inbox.is_dir() {
                    anyhow::bail!("the inbox {} is not a directory", inbox.display());
                }
                prep_inbox::deliver_delta(&src, &inbox, &name, |h| {
                    have.as_ref().is_some_and(|have| have.contains(h))
                })
            })
            .await?
        })
    }

    fn deliver_notice<'a>(&'a self, notice: &'a NoticeJob) -> Delivery<'a> {
        Box::pin(async move {
            let (inbox, src, name) = (self.inbox.clone(), notice.dir.clone(), notice.name.clone());
            tokio::task::spawn_blocking(move || {
                if !inbox.is_dir() {
                    anyhow::bail!("the inbox {} is not a directory", inbox.display());
                }
                prep_inbox::deliver(&src, &inbox, &name)?;
                super::notice_size(&src)
            })
            .await?
        })
    }
}
