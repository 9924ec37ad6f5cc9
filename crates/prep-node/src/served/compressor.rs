//! The node's one background compressor. A corte whose new compressible bytes exceed
//! [`crate::served::corte::COMPRESS_AFTER_BYTES`] is served at once without compressed variants; this
//! thread, at low priority, compresses its waiting files, serves the compressed corte in its
//! place if it is still the active one, and caches the variants in the store so a restart
//! need not compress again.
//!
//! Only the newest corte handed over is worked on: when another arrives meanwhile, the work in
//! progress stops after the current file and goes on with the newer corte, reusing every file
//! already compressed (a corte waits for the files its predecessor was still waiting for).
//! One thread per node, whatever the rate of cortes.

use crate::served::compress::Variants;
use crate::served::corte::Corte;
use crate::store::Store;
use crate::store::events::EventLog;
use prep_inbox::events::NodeEvent;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError, RwLock};

/// The shared slot: the newest corte not yet taken, and whether the node is gone.
#[derive(Debug, Default)]
struct Slot {
    next: Option<Arc<Corte>>,
    closed: bool,
}

#[derive(Debug, Default)]
struct Shared {
    slot: Mutex<Slot>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a newer corte waits: the work at hand is stale.
    fn superseded(&self) -> bool {
        self.lock().next.is_some()
    }
}

/// Handle to the background compressor; dropping it ends the thread once the corte it was
/// last handed is done (compressed and cached), as a node dropped in-process expects.
#[derive(Debug)]
pub(crate) struct Compressor {
    shared: Arc<Shared>,
}

impl Compressor {
    /// Starts the thread. It installs compressed cortes into `active` (only over the very
    /// corte they were made from), caches variants in `store`, and records a `compressed`
    /// event for each corte it compressed (`sequence`, `files`, `ms`, `installed`).
    pub(crate) fn start(
        active: Arc<RwLock<Option<Arc<Corte>>>>,
        store: Store,
        events: Arc<EventLog>,
    ) -> std::io::Result<Compressor> {
        let shared = Arc::new(Shared::default());
        let worker = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("compressor".into())
            .spawn(move || run(&worker, &active, &store, &events))?;
        Ok(Compressor { shared })
    }

    /// Hands over the corte just activated, replacing any older one not yet taken.
    pub(crate) fn submit(&self, corte: Arc<Corte>) {
        self.shared.lock().next = Some(corte);
        self.shared.wake.notify_one();
    }
}

impl Drop for Compressor {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
    }
}

fn run(shared: &Shared, active: &RwLock<Option<Arc<Corte>>>, store: &Store, events: &EventLog) {
    // Beside the serving and the next corte's checks: at the lowest priority (on Linux this
    // applies to this thread only). Nice 19 weighs 15 against a normal thread's 1,024, so it
    // still progresses on a busy machine; nice 10 (110) let 50 nodes' compressors on one
    // machine take a third of it from the nodes' activations.
    let _ = rustix::process::setpriority_process(None, 19);
    // Variants made for cortes not yet installed compressed, by ETag.
    let mut done: HashMap<String, Variants> = HashMap::new();
    loop {
        let corte = {
            let mut slot = shared.lock();
            loop {
                if let Some(c) = slot.next.take() {
                    break c;
                }
                if slot.closed {
                    return;
                }
                slot = shared
                    .wake
                    .wait(slot)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        let corte = if corte.awaits_compression() {
            let started = std::time::Instant::now();
            let Some(compressed) = corte.compressed_with(&mut done, || shared.superseded()) else {
                continue;
            };
            let compressed = Arc::new(compressed);
            let installed = {
                let mut guard = active.write().unwrap_or_else(PoisonError::into_inner);
                // A newer corte or a notice installed meanwhile stays.
                let current = guard.as_ref().is_some_and(|c| Arc::ptr_eq(c, &corte));
                if current {
                    *guard = Some(Arc::clone(&compressed));
                }
                current
            };
            events.record(NodeEvent::Compressed {
                sequence: corte.sequence,
                files: corte.awaiting_compression() as u64,
                ms: started.elapsed().as_millis() as u64,
                installed,
            });
            compressed
        } else {
            corte
        };
        if shared.superseded() {
            // The newer corte may wait for the same files: keep them.
            continue;
        }
        done.clear();
        if let Err(e) = corte.cache_variants(store) {
            log::warn!("cannot cache compressed variants: {e:#}");
        }
    }
}
