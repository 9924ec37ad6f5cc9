//! The receiving loop, on a thread of its own: pulls from the origin when `[pull]` is
//! configured and polls the inbox, one package at a time; tidies the inbox now and then.

use super::{Node, hygiene, pull};
use std::time::Duration;

/// The receiving loop, on a thread of its own: pulls from the origin when `[pull]` is
/// configured (every `interval_ms`, or at once when its event stream announces a corte), and
/// polls the inbox every `poll_interval_ms`. One thread does both, so packages are checked
/// and activated one at a time.
pub fn receive(node: &Node) {
    let interval = Duration::from_millis(node.config().poll_interval_ms);
    let (wake, woken) = std::sync::mpsc::channel::<u64>();
    let puller = node.config().pull.clone().and_then(|config| {
        if config.events {
            let (listen_config, wake) = (config.clone(), wake.clone());
            let spawned = std::thread::Builder::new()
                .name("pull-events".into())
                .spawn(move || pull::Puller::listen(&listen_config, &wake));
            if let Err(e) = spawned {
                log::warn!("cannot listen to the origin's events: {e}");
            }
        }
        match pull::Puller::new(config.clone()) {
            Ok(p) => Some((p, Duration::from_millis(config.interval_ms))),
            Err(e) => {
                log::warn!("cannot start pulling: {e:#}");
                None
            }
        }
    });
    // This end of the channel stays open for as long as the loop runs: were every sender
    // gone (no `[pull]`, or its listener thread ended), `recv_timeout` would return at once
    // and the loop would spin instead of waiting `poll_interval_ms`.
    let _keep_open = wake;
    let mut last_pull: Option<std::time::Instant> = None;
    let mut announced = false;
    // A fault that persists (a full disk, an origin down) is reported once, not every poll.
    let mut last_error = None;
    let mut tidied: Option<std::time::Instant> = None;
    loop {
        if tidied.is_none_or(|t| t.elapsed() >= hygiene::TIDY_INTERVAL) {
            tidied = Some(std::time::Instant::now());
            if let Err(e) = hygiene::tidy(node, std::time::SystemTime::now()) {
                log::warn!("tidying the inbox: {e:#}");
            }
        }
        let mut result = Ok(());
        if let Some((puller, every)) = &puller
            && (announced || last_pull.is_none_or(|t| t.elapsed() >= *every))
        {
            last_pull = Some(std::time::Instant::now());
            result = puller.pull(node).map(|_| ());
        }
        let result = result.and(node.poll_inbox().map(|_| ()));
        node.metrics().inbox_polled();
        match result {
            Ok(()) => last_error = None,
            Err(e) => {
                let reason = format!("{e:#}");
                if last_error.as_ref() != Some(&reason) {
                    log::warn!("{reason}");
                    node.events().record(prep_inbox::events::NodeEvent::Error {
                        reason: reason.clone(),
                    });
                    last_error = Some(reason);
                }
            }
        }
        announced = match woken.recv_timeout(interval) {
            Ok(sequence) => node.last_accepted().is_none_or(|last| sequence > last),
            Err(_) => false,
        };
    }
}
