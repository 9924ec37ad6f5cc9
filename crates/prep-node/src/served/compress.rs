//! Precompressed variants of a corte's files: gzip (`flate2`) and brotli (`brotli`),
//! computed once when a corte is loaded, in parallel (`rayon`), and kept only when smaller.
//! A file unchanged from the previous corte (same SHA-256) reuses its variants.

use bytes::Bytes;
use hyper::http::HeaderValue;
use std::io::Write;

/// One compressed representation of a file.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The compressed bytes.
    pub bytes: Bytes,
    /// Its own strong ETag, quoted (`"<sha256>.gz"`, `"<sha256>.br"`).
    pub etag: String,
    /// The ETag and the length as header values, made once.
    pub head: Head,
}

/// A representation's `ETag` and `Content-Length` header values, made once when the corte
/// is loaded rather than at every request.
#[derive(Debug, Clone)]
pub struct Head {
    /// `ETag`.
    pub etag: HeaderValue,
    /// `Content-Length`.
    pub length: HeaderValue,
}

impl Head {
    /// The header values for a representation of `len` bytes with this (quoted) ETag.
    pub fn new(etag: &str, len: usize) -> Head {
        Head {
            // An ETag is `"` + hex digits (+ `.gz`/`.br`) + `"`: always a valid header value.
            etag: HeaderValue::from_maybe_shared(Bytes::copy_from_slice(etag.as_bytes()))
                .unwrap_or_else(|_| HeaderValue::from_static("\"invalid\"")),
            length: HeaderValue::from(len),
        }
    }
}

/// The compressed variants a file has (either may be absent: not compressible, or not
/// smaller).
#[derive(Debug, Clone, Default)]
pub struct Variants {
    /// `Content-Encoding: gzip`.
    pub gzip: Option<Variant>,
    /// `Content-Encoding: br`.
    pub brotli: Option<Variant>,
}

impl Variants {
    /// Whether the file has any compressed variant (then responses vary by
    /// `Accept-Encoding`).
    pub fn any(&self) -> bool {
        self.gzip.is_some() || self.brotli.is_some()
    }
}

/// gzip level: 6, zlib's default (level 9 gains ~1 % for twice the time).
const GZIP_LEVEL: u32 = 6;
/// brotli quality 5 with a 4 MiB window: on CSV, 4.6 times faster than quality 9 for output
/// 12 % larger (still a quarter smaller than gzip), which matters for a national-size
/// corte's activation.
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 22;

/// Whether files with this path's extension are worth compressing (text formats; not zip,
/// images or fonts, already compressed).
pub fn compressible(path: &str) -> bool {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "html" | "htm" | "css" | "js" | "mjs" | "json" | "svg" | "csv" | "txt" | "webmanifest"
    )
}

/// The variants of `bytes` whose identity ETag is `etag` (quoted), each kept only when
/// smaller than the original; gzip and brotli made in parallel (`rayon`).
pub fn variants(bytes: &[u8], etag: &str) -> Variants {
    kept(bytes, etag, rayon::join(|| gzip(bytes), || brotli(bytes)))
}

/// [`variants`], both made on the calling thread: for the background compressor, whose low
/// priority would not carry over to `rayon`'s threads.
pub fn variants_on_this_thread(bytes: &[u8], etag: &str) -> Variants {
    kept(bytes, etag, (gzip(bytes), brotli(bytes)))
}

fn kept(bytes: &[u8], etag: &str, (gzip, brotli): (Option<Vec<u8>>, Option<Vec<u8>>)) -> Variants {
    let tagged = |suffix: &str| format!("{}.{suffix}\"", etag.trim_end_matches('"'));
    let keep = |c: Option<Vec<u8>>, suffix| {
        c.filter(|c| c.len() < bytes.len()).map(|c| {
            let etag = tagged(suffix);
            Variant {
                head: Head::new(&etag, c.len()),
                bytes: Bytes::from(c),
                etag,
            }
        })
    };
    Variants {
        gzip: keep(gzip, "gz"),
        brotli: keep(brotli, "br"),
    }
}

/// The variants of `original` (identity ETag `etag`) from cached compressed bytes, each
/// empty when that variant was not kept — or `None` unless every non-empty one decompresses
/// to exactly `original` (a cache damaged or tampered with is never served).
pub fn from_cache(original: &[u8], etag: &str, gzip: &Bytes, brotli: &Bytes) -> Option<Variants> {
    let tagged = |suffix: &str| format!("{}.{suffix}\"", etag.trim_end_matches('"'));
    let limit = original.len() as u64 + 1;
    let check = |compressed: &Bytes, suffix: &str, decode: &dyn Fn(&[u8]) -> Option<Vec<u8>>| {
        if compressed.is_empty() {
            return Some(None);
        }
        if compressed.len() >= original.len() || decode(compressed)? != original {
            return None;
        }
        let etag = tagged(suffix);
        Some(Some(Variant {
            head: Head::new(&etag, compressed.len()),
            bytes: compressed.clone(),
            etag,
        }))
    };
    let gunzip = |c: &[u8]| {
        let mut out = Vec::with_capacity(original.len());
        std::io::Read::read_to_end(
            &mut std::io::Read::take(flate2::read::GzDecoder::new(c), limit),
            &mut out,
        )
        .ok()?;
        Some(out)
    };
    let unbrotli = |c: &[u8]| {
        let mut out = Vec::with_capacity(original.len());
        std::io::Read::read_to_end(
            &mut std::io::Read::take(brotli::Decompressor::new(c, 64 * 1024), limit),
            &mut out,
        )
        .ok()?;
        Some(out)
    };
    Some(Variants {
        gzip: check(gzip, "gz", &gunzip)?,
        brotli: check(brotli, "br", &unbrotli)?,
    })
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    enc.write_all(bytes).ok()?;
    enc.finish().ok()
}

fn brotli(bytes: &[u8]) -> Option<Vec<u8>> {
    // A window sized to small files (or a size hint) makes this crate's quality 5 pick a
    // hasher that is 15 times slower here: the fixed 4 MiB window stays.
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        let mut enc =
            brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW);
        enc.write_all(bytes).ok()?;
        enc.flush().ok()?;
    }
    Some(out)
}

/// The encoding to send for an `Accept-Encoding` header among those a file has: brotli,
/// then gzip, each only when the client accepts it with a q-value above zero (`*` counts).
pub fn choose<'a>(accept: Option<&str>, v: &'a Variants) -> Option<(&'static str, &'a Variant)> {
    let accept = accept?;
    let q = |name: &str| -> Option<f32> {
        let mut star = None;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|w| w.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if coding.eq_ignore_ascii_case(name) {
                return Some(weight);
            }
            if coding == "*" {
                star = Some(weight);
            }
        }
        star
    };
    let accepted = |name| q(name).is_some_and(|w| w > 0.0);
    match (&v.brotli, &v.gzip) {
        (Some(b), _) if accepted("br") => Some(("br", b)),
        (_, Some(g)) if accepted("gzip") => Some(("gzip", g)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_round_trip_and_are_chosen_by_accept_encoding() {
        let text = "{\"casillas\": 170000, \"actas\": [1,2,3]}\n".repeat(200);
        let v = variants(text.as_bytes(), "\"abc\"");
        let g = v.gzip.as_ref().expect("gzip smaller");
        let b = v.brotli.as_ref().expect("brotli smaller");
        assert_eq!(
            (g.etag.as_str(), b.etag.as_str()),
            ("\"abc.gz\"", "\"abc.br\"")
        );
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&g.bytes[..]), &mut back)
            .expect("gunzip");
        assert_eq!(back, text);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &b.bytes[..], &mut back).expect("unbrotli");
        assert_eq!(back, text.as_bytes());

        let pick = |a| choose(Some(a), &v).map(|(e, _)| e);
        assert_eq!(pick("gzip, deflate, br"), Some("br"));
        assert_eq!(pick("gzip"), Some("gzip"));
        assert_eq!(pick("br;q=0, gzip;q=0.5"), Some("gzip"));
        assert_eq!(pick("*"), Some("br"));
        assert_eq!(pick("identity"), None);
        assert_eq!(pick("gzip;q=0"), None);
        assert_eq!(choose(None, &v).map(|(e, _)| e), None);

        // From a cache: accepted only when each variant decompresses to the original.
        let cached = from_cache(text.as_bytes(), "\"abc\"", &g.bytes, &b.bytes).expect("cache");
        assert_eq!(cached.gzip.map(|v| v.etag), Some("\"abc.gz\"".to_owned()));
        assert!(
            from_cache(text.as_bytes(), "\"abc\"", &Bytes::new(), &b.bytes)
                .is_some_and(|v| v.gzip.is_none())
        );
        let mut damaged = b.bytes.to_vec();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0x55;
        assert!(from_cache(text.as_bytes(), "\"abc\"", &g.bytes, &Bytes::from(damaged)).is_none());
        // Another file's variant under this file's name.
        let other = variants("{\"otro\": 1}\n".repeat(300).as_bytes(), "\"x\"");
        let other_gz = other.gzip.expect("gzip").bytes;
        assert!(from_cache(text.as_bytes(), "\"abc\"", &other_gz, &b.bytes).is_none());

        // Not smaller: no variant.
        let tiny = variants(b"{}", "\"x\"");
        assert!(!tiny.any());
        assert!(compressible("json/main.json") && compressible("a/b.CSV".to_lowercase().as_str()));
        assert!(!compressible("datos/PUE.zip") && !compressible("logo.png"));
    }
}
