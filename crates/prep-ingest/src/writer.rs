//! [`Writer`]: one thread that records the submissions, committing those that arrive
//! together in one transaction (group commit): one fsync for a batch instead of one per
//! event. Each submission is answered only after the commit that holds it, so an
//! acknowledgement still means "on disk".

use crate::ApiError;
use prep_store::{Authority, NewEvent, Recorded, Store};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Submissions waiting for the writer before senders wait too (backpressure).
const QUEUE: usize = 4096;

/// A submission and where its answer goes.
struct Job {
    event: NewEvent,
    authority: Authority,
    reply: oneshot::Sender<Result<Recorded, ApiError>>,
}

/// The handle of the writer thread; cloning it is cheap. The thread ends when the last
/// handle is dropped.
#[derive(Clone, Debug)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on `store`, committing at most `max_batch` events at once.
    pub fn start(store: Arc<Store>, max_batch: usize) -> std::io::Result<Writer> {
        let (queue, jobs) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("prep-ingest-writer".into())
            .spawn(move || run(&store, jobs, max_batch.max(1)))?;
        Ok(Writer { queue })
    }

    /// Records one event on behalf of `authority` (see [`Store::record_detailed_as`]);
    /// returns once the transaction holding it is committed.
    pub async fn record(
        &self,
        event: NewEvent,
        authority: Authority,
    ) -> Result<Recorded, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job {
                event,
                authority,
                reply,
            })
            .await
            .map_err(|_| ApiError::internal("the writer thread has stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("the writer thread has stopped"))?
    }
}

/// The writer's loop: waits for a submission, takes those queued behind it, records them
/// all in one transaction, answers each.
fn run(store: &Store, mut jobs: mpsc::Receiver<Job>, max_batch: usize) {
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (events, replies): (Vec<(NewEvent, Authority)>, Vec<_>) = batch
            .into_iter()
            .map(|j| ((j.event, j.authority), j.reply))
            .unzip();
        match store.record_batch_as(&events) {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    // A client that went away no longer waits for its answer.
                    let _ = reply.send(result.map_err(ApiError::from_store));
                }
            }
            Err(e) => {
                let error = ApiError::from_store(e);
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}
