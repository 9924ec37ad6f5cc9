//! A small deterministic random generator (xorshift64*) for the tests that kill processes at
//! random moments: seeded from an environment variable when it is set (to replay a run), else
//! from the clock; the seed is printed.

use std::time::Duration;

/// The generator's state.
pub struct Random(u64);

impl Random {
    /// Seeded from `var` when it holds a number, else from the clock; prints `var=<seed>`.
    pub fn seeded(var: &str) -> Random {
        let seed = std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
                    | 1
            });
        eprintln!("{var}={seed}");
        Random(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `[0, n)`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A duration uniformly in `[0, max]`.
    pub fn up_to(&mut self, max: Duration) -> Duration {
        max.mul_f64((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }
}
