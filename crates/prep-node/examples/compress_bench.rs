//! Measures precompression throughput: 64 synthetic CSV files (~80 MB) through
//! `prep_node::compress::variants` in parallel, as a corte load does.
//!
//! `cargo run --release -p prep-node --example compress_bench`

use rayon::prelude::*;

fn main() {
    let files: Vec<Vec<u8>> = (0..64)
        .map(|f| {
            (0..20_000)
                .flat_map(|i| {
                    format!(
                        "{f},{i},PUEBLA,{},{},{},\"CASILLA BÁSICA\",2024-06-02T20:{:02}:00\n",
                        i * 7 % 311,
                        i % 13,
                        (i * 31) % 977,
                        i % 60
                    )
                    .into_bytes()
                })
                .collect()
        })
        .collect();
    let total: usize = files.iter().map(Vec::len).sum();
    let start = std::time::Instant::now();
    let out: Vec<_> = files
        .par_iter()
        .map(|b| prep_node::compress::variants(b, "\"x\""))
        .collect();
    let elapsed = start.elapsed();
    let size =
        |pick: fn(&prep_node::compress::Variants) -> Option<&prep_node::compress::Variant>| {
            out.iter()
                .filter_map(pick)
                .map(|v| v.bytes.len())
                .sum::<usize>()
        };
    println!(
        "{:.1} MB in {elapsed:.2?} ({:.1} MB/s); gzip {:.1} MB, brotli {:.1} MB",
        total as f64 / 1e6,
        total as f64 / 1e6 / elapsed.as_secs_f64(),
        size(|v| v.gzip.as_ref()) as f64 / 1e6,
        size(|v| v.brotli.as_ref()) as f64 / 1e6,
    );
}
