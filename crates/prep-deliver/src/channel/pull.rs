//! `pull`: nothing is pushed; the difusor's node fetches the corte from the institute's
//! origin. The delivery records that the corte is available there.

use super::{Channel, Delivery, Job, Sent};

/// Pushes nothing.
#[derive(Debug, Clone, Copy)]
pub struct PullChannel;

impl Channel for PullChannel {
    fn kind(&self) -> &'static str {
        "pull"
    }

    fn deliver<'a>(&'a self, job: &'a Job) -> Delivery<'a> {
        Box::pin(async move {
            // The corte must be a complete package at the origin for a pull node to fetch it.
            let sig = job.corte_dir.join(prep_inbox::SIGNATURE_PATH);
            if !sig.is_file() {
                anyhow::bail!("{} is missing: the corte is not complete", sig.display());
            }
            Ok(Sent::default())
        })
    }
}
