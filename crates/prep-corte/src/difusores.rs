//! The public list of official difusores the institute's site shows: each difusor's name and
//! link, disabled while it is suspended. The monitor writes it; the publisher puts it in each
//! corte as `json/difusores.<h>.json`, named by the pointer's `difusores`.

use serde::{Deserialize, Serialize};

/// One difusor in the public list (Spanish field names, like the rest of the site's data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicDifusor {
    /// Its id (`[a-z0-9-]`).
    pub id: String,
    /// Its name.
    pub nombre: String,
    /// Its public site (http or https).
    pub url: String,
    /// Whether the link is enabled (false while the difusor is suspended).
    pub habilitado: bool,
}

/// The largest list accepted, in bytes.
pub const MAX_LIST_BYTES: usize = 1024 * 1024;

/// Reads and checks a public list: at most [`MAX_LIST_BYTES`], ids of `[a-z0-9-]`, names of
/// at most 200 characters without control characters, http(s) URLs without spaces, quotes or
/// angle brackets. Returns the list in its canonical bytes (pretty JSON, final newline).
pub fn read_public_list(bytes: &[u8]) -> Result<(Vec<PublicDifusor>, Vec<u8>), String> {
    if bytes.len() > MAX_LIST_BYTES {
        return Err(format!(
            "the list has {} bytes, more than {MAX_LIST_BYTES}",
            bytes.len()
        ));
    }
    let list: Vec<PublicDifusor> =
        serde_json::from_slice(bytes).map_err(|e| format!("not a list of difusores: {e}"))?;
    for (i, d) in list.iter().enumerate() {
        let at = format!("difusor {} ({:?})", i + 1, d.id);
        if d.id.is_empty()
            || d.id.len() > 64
            || !d
                .id
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
        {
            return Err(format!("{at}: id must be 1-64 of a-z, 0-9 and -"));
        }
        if d.nombre.is_empty()
            || d.nombre.chars().count() > 200
            || d.nombre.chars().any(char::is_control)
        {
            return Err(format!(
                "{at}: nombre must be 1-200 characters, none of them control characters"
            ));
        }
        let rest = d
            .url
            .strip_prefix("https://")
            .or_else(|| d.url.strip_prefix("http://"));
        if !rest.is_some_and(|r| {
            !r.is_empty()
                && r.len() < 2000
                && !r.contains(|c: char| {
                    c.is_whitespace() || c.is_control() || "\"'<>\\`".contains(c)
                })
        }) {
            return Err(format!("{at}: url must be an http:// or https:// address"));
        }
    }
    let mut canonical = serde_json::to_vec_pretty(&list).map_err(|e| e.to_string())?;
    canonical.push(b'\n');
    Ok((list, canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_checked_entry_by_entry() {
        let ok = br#"[{"id":"medio-1","nombre":"El Medio","url":"https://medio.mx/prep","habilitado":false}]"#;
        let (list, bytes) = read_public_list(ok).expect("valid");
        assert!(!list[0].habilitado);
        assert!(bytes.ends_with(b"}\n]\n"));
        for (bad, says) in [
            (
                r#"[{"id":"A","nombre":"x","url":"https://m","habilitado":true}]"#,
                "id must be",
            ),
            (
                r#"[{"id":"a","nombre":"","url":"https://m","habilitado":true}]"#,
                "nombre",
            ),
            (
                r#"[{"id":"a","nombre":"x","url":"javascript:alert(1)","habilitado":true}]"#,
                "url",
            ),
            (
                r#"[{"id":"a","nombre":"x","url":"https://m\"><script>","habilitado":true}]"#,
                "url",
            ),
            (
                r#"[{"id":"a","nombre":"x","url":"https://m","habilitado":true,"logo":1}]"#,
                "unknown field",
            ),
        ] {
            let e = read_public_list(bad.as_bytes()).expect_err(bad);
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
