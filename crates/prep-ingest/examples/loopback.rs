//! Submissions per second on loopback: the API served in this process on a store in a
//! temporary directory (the Puebla 2024 GUBERNATURA catalogue), with N client threads
//! each sending captures of its own actas over HTTP for a few seconds.
//!
//! `cargo run --release -p prep-ingest --example loopback -- [CLIENTS] [SECONDS]`
//! (needs ../shared beside the repository). Every answer is a 200 whose event is on disk.

use prep_count::Rules;
use prep_ingest::published::read_published;
use prep_ingest::{AppState, TokenKind, Tokens};
use prep_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let clients: usize = args.next().map_or(Ok(4), |a| a.parse())?;
    let seconds: u64 = args.next().map_or(Ok(5), |a| a.parse())?;
    let file = read_published(&prep_testdata::read_puebla("PUE_GUB_2024.csv"))?;
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path().join("store.sqlite"))?;
    store.define_election(&file.election_spec("GUB", Rules::anexo13()))?;
    let keys: Vec<String> = store
        .load_catalogue("GUB", &file.catalogue())?
        .into_iter()
        .filter(|k| !k.contains('@'))
        .collect();
    let mut tokens = Tokens::default();
    let token = tokens.issue("bench", TokenKind::Catd, false)?;
    let state = AppState::new(Arc::new(store), tokens)?;

    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = format!("http://{}", listener.local_addr()?);
    runtime.spawn(prep_ingest::serve(listener, state, std::future::pending()));

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let per_client = keys.len() / clients.max(1);
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let actas = keys[c * per_client..(c + 1) * per_client].to_vec();
            let (url, token) = (url.clone(), token.clone());
            let (stop, done) = (Arc::clone(&stop), Arc::clone(&done));
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                for (i, clave) in actas.iter().enumerate() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let body = serde_json::json!({
                        "election": "GUB", "kind": "capture", "acta": {"clave_acta": clave},
                        "votes": {"PAN": i % 200, "MORENA": (i * 7) % 200, "NULOS": 3},
                        "details": {"total_votos_asentado": i % 200 + (i * 7) % 200 + 3}
                    })
                    .to_string();
                    let resp = agent
                        .post(format!("{url}/api/v1/events"))
                        .header("Authorization", format!("Bearer {token}"))
                        .content_type("application/json")
                        .send(&body)
                        .expect("request");
                    assert_eq!(resp.status().as_u16(), 200);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let total = (per_client * clients) as u64;
    while started.elapsed() < Duration::from_secs(seconds) && done.load(Ordering::Relaxed) < total {
        std::thread::sleep(Duration::from_millis(2));
    }
    stop.store(true, Ordering::Relaxed);
    let n = done.load(Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    for t in threads {
        t.join().map_err(|_| "client thread panicked")?;
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average at the end: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "{n} captures acknowledged in {elapsed:.2} s by {clients} clients: {:.0} submissions/s (each on disk before its answer)",
        n as f64 / elapsed
    );
    Ok(())
}
