//! The package_check fuzz target's seed (`fuzz/seeds/package_check/signed-seed.bin`) is a
//! package the checks accept, so the fuzzer starts from the accepting path; one changed byte
//! anywhere in its manifest is refused.

use prep_package::{Expectations, VerifyingKey, check_package};

const PUBLIC_KEY: &str = "RWQOHIr0mEga7bz1SMv9SkAfsMrBDpIorjASJ7bGTwCCdv1MsI7ErvBn";
const FILES: [(&str, &[u8]); 2] = [
    ("index.html", b"<!doctype html><title>PREP</title>"),
    ("json/main.data.json", b"{\"sequence\":1}"),
];

fn check(manifest: &[u8], signature: &str) -> bool {
    let key = VerifyingKey::from_text(PUBLIC_KEY).expect("key");
    let present: Vec<String> = FILES.iter().map(|(p, _)| (*p).to_owned()).collect();
    let read = |path: &str| {
        FILES
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, b)| b.to_vec())
    };
    let expect = Expectations::default();
    check_package(&key, manifest, signature, &expect, read, &present).is_ok()
}

#[test]
fn the_fuzz_seed_is_accepted_and_any_changed_byte_refused() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/seeds/package_check/signed-seed.bin"
    );
    let seed = std::fs::read(path).expect("the seed is committed (fuzz/seeds/generate.sh)");
    let at = seed.iter().position(|&b| b == 0).expect("NUL separator");
    let (manifest, signature) = (&seed[..at], String::from_utf8_lossy(&seed[at + 1..]));
    assert!(check(manifest, &signature), "the seed verifies");
    for i in 0..manifest.len() {
        let mut changed = manifest.to_vec();
        changed[i] ^= 0x01;
        assert!(
            !check(&changed, &signature),
            "byte {i} changed, still accepted"
        );
    }
}

#[test]
fn a_short_global_signature_is_refused_not_a_panic() {
    // Found by the package_check fuzz target: the seed's fourth signature line cut to 40
    // base64 characters (30 bytes) made the minisign crate slice out of range.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/seeds/package_check/signed-seed.bin"
    );
    let seed = std::fs::read(path).expect("seed");
    let at = seed.iter().position(|&b| b == 0).expect("NUL");
    let (manifest, signature) = (&seed[..at], String::from_utf8_lossy(&seed[at + 1..]));
    let mut lines: Vec<String> = signature.lines().map(str::to_owned).collect();
    for cut in [0, 1, 40, 86, 87] {
        let mut short = lines.clone();
        short[3] = lines[3][..cut].to_owned();
        assert!(!check(manifest, &short.join("\n")), "cut at {cut}");
    }
    lines[3].push_str("AAAA");
    assert!(!check(manifest, &lines.join("\n")), "too long");
}
