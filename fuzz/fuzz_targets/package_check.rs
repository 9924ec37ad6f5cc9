//! Arbitrary bytes into what a difusor's node runs on a package it receives: the input is a
//! manifest, a NUL byte, then its signature file. A refusal is fine; a panic is a bug; and a
//! package accepted must be exactly the seed the institute's key signed (nothing else can
//! carry a valid signature), with its canonical bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prep_package::{Expectations, Manifest, VerifyingKey, check_package};

/// The public key that signed the seed (`fuzz/seeds/generate.sh` writes the seed).
const PUBLIC_KEY: &str = "RWQOHIr0mEga7bz1SMv9SkAfsMrBDpIorjASJ7bGTwCCdv1MsI7ErvBn";
/// The files the seed manifest lists.
const FILES: [(&str, &[u8]); 2] = [
    ("index.html", b"<!doctype html><title>PREP</title>"),
    ("json/main.data.json", b"{\"sequence\":1}"),
];

fuzz_target!(|data: &[u8]| {
    let Ok(key) = VerifyingKey::from_text(PUBLIC_KEY) else {
        panic!("the fuzz target's key does not parse");
    };
    let (manifest, signature) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let signature = String::from_utf8_lossy(signature);
    let present: Vec<String> = FILES.iter().map(|(p, _)| (*p).to_owned()).collect();
    let read = |path: &str| {
        FILES
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, b)| b.to_vec())
    };
    let expect = Expectations::default();
    if let Ok(m) = check_package(&key, manifest, &signature, &expect, read, &present) {
        assert_eq!(m.to_bytes(), manifest, "an accepted manifest is canonical");
        assert_eq!(m.sequence, 1, "only the signed seed can be accepted");
        assert_eq!(Manifest::from_bytes(manifest).ok(), Some(m));
    }
});
