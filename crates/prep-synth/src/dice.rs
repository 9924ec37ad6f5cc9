//! Seeded, portable random draws.
//!
//! Every draw goes through [`Dice`]: a ChaCha8 stream whose key comes from the seed and a
//! *domain* (what is being drawn: geography, one election's actas, …) and whose stream number
//! is the index of the thing drawn (a district, an acta). Each acta therefore has its own
//! stream: its content does not depend on how many actas come before it nor on how many are
//! captured, and two passes over the same configuration see the same values.
//!
//! Only integer arithmetic and IEEE-exact float operations (`+ - * /`) are used on draws, so
//! the output is the same on every platform.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream draws; mixed into the key so domains never share values.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Domain {
    /// District weights and casillas (stream: district index; 0 for the weights).
    Geography,
    /// Voto anticipado, prisión preventiva and extranjero actas (stream 0).
    Specials,
    /// Regional political lean of a district (stream: district index).
    Lean,
    /// Who is on the ballot in an area (stream: area index), per election.
    Ballot(u8),
    /// Candidate names of an area (stream: area index), per election.
    Names(u8),
    /// One acta of the catalogue (stream: catalogue index), per election.
    Acta(u8),
    /// One acta fuera de catálogo (stream: its number), per election.
    Fuera(u8),
}

impl Domain {
    fn tag(self) -> u64 {
        match self {
            Domain::Geography => 1,
            Domain::Specials => 2,
            Domain::Lean => 3,
            Domain::Ballot(e) => 0x100 | u64::from(e),
            Domain::Names(e) => 0x200 | u64::from(e),
            Domain::Acta(e) => 0x300 | u64::from(e),
            Domain::Fuera(e) => 0x400 | u64::from(e),
        }
    }
}

/// SplitMix64: expands a seed into key material.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded random stream with the few draws the generator needs.
pub(crate) struct Dice(ChaCha8Rng);

impl Dice {
    /// The stream `stream` of `domain` under `seed`.
    pub(crate) fn new(seed: u64, domain: Domain, stream: u64) -> Dice {
        let mut state = seed ^ domain.tag().wrapping_mul(0xD6E8_FEB8_6659_FD93);
        let mut key = [0u8; 32];
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(stream);
        Dice(rng)
    }

    /// 64 random bits.
    pub(crate) fn bits(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number in `0..n` (`0` when `n` is 0), by widening multiplication.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.bits()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// A float in `[0, 1)` with 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.bits() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A float in `[lo, hi)`.
    pub(crate) fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A bell-shaped float in `[lo, hi)`: the mean of three uniform draws.
    pub(crate) fn bell(&mut self, lo: f64, hi: f64) -> f64 {
        let m = (self.unit() + self.unit() + self.unit()) / 3.0;
        lo + (hi - lo) * m
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index drawn with the given relative weights (the last index when all are 0).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            let w = u64::from(w);
            if r < w {
                return i;
            }
            r -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// 64 lowercase hex digits: a stand-in for the SHA-256 of an acta image.
    pub(crate) fn sha256_hex(&mut self) -> String {
        let mut s = String::with_capacity(64);
        for _ in 0..4 {
            let v = self.bits();
            for shift in (0..16).rev() {
                let nibble = ((v >> (shift * 4)) & 0xF) as u32;
                s.push(char::from_digit(nibble, 16).unwrap_or('0'));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map(|_| Dice::new(7, Domain::Acta(0), 3).bits())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Dice::new(7, Domain::Acta(0), 3).bits(),
            Dice::new(7, Domain::Acta(0), 4).bits()
        );
        assert_ne!(
            Dice::new(7, Domain::Acta(0), 3).bits(),
            Dice::new(7, Domain::Acta(1), 3).bits()
        );
        assert_ne!(
            Dice::new(7, Domain::Acta(0), 3).bits(),
            Dice::new(8, Domain::Acta(0), 3).bits()
        );
    }

    #[test]
    fn draws_stay_in_range() {
        let mut d = Dice::new(1, Domain::Geography, 0);
        for _ in 0..10_000 {
            let r = d.range(3, 9);
            assert!((3..=9).contains(&r));
            let u = d.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(d.weighted(&[0, 5, 0, 1]) % 2 == 1);
        }
        assert_eq!(d.sha256_hex().len(), 64);
    }
}
