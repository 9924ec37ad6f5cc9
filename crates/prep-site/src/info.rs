//! What the pages say that stays the same all night.

use crate::SiteError;
use serde::Serialize;

/// The site's fixed information, given to every template. Nothing in it may change from one
/// corte to the next (the corte time is read by the client from `json/main.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteInfo {
    /// The institute's id (`IEEPUE`).
    pub institute: String,
    /// The institute's name as the public reads it (`Instituto Electoral del Estado de Puebla`).
    pub institute_name: String,
    /// The election process (`Proceso Electoral Estatal Ordinario 2023-2024`).
    pub process_name: String,
    /// The elections of the process, for the pages' navigation without JavaScript.
    pub elections: Vec<SiteElection>,
    /// Base URL of the institute's acta image host; an acta's image is this followed by its
    /// CODIGO_INTEGRIDAD. `None`: no image links.
    pub image_host: Option<String>,
    /// The institute's minisign public key (the base64 line of `prep.pub`), shown on the
    /// "cómo verificar" page.
    pub public_key: Option<String>,
    /// Minutes between automatic refreshes; `None` or `0`: only the "Actualizar" button.
    pub refresh_minutes: Option<u32>,
}

/// An election as the pages list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteElection {
    /// Its id in the package's paths and in the site's links (`gub`).
    pub id: String,
    /// Its title (`GUBERNATURA`).
    pub title: String,
}

/// Longest accepted text of any field.
const MAX_FIELD: usize = 512;

impl SiteInfo {
    /// Checks every field: plain text without control characters, bounded; the image host an
    /// `https://` (or `http://`) URL with nothing that could leave an attribute; the public
    /// key base64; election ids short lowercase words.
    pub fn validate(&self) -> Result<(), SiteError> {
        text("institute", &self.institute)?;
        text("institute_name", &self.institute_name)?;
        text("process_name", &self.process_name)?;
        for e in &self.elections {
            text("elections.title", &e.title)?;
            let ok = !e.id.is_empty()
                && e.id.len() <= 32
                && e.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(SiteError::Info {
                    field: "elections.id",
                    what: format!("{:?} is not 1 to 32 lowercase letters, digits or _", e.id),
                });
            }
        }
        if let Some(host) = &self.image_host {
            image_host(host)?;
        }
        if let Some(key) = &self.public_key {
            let ok = !key.is_empty()
                && key.len() <= 128
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
            if !ok {
                return Err(SiteError::Info {
                    field: "public_key",
                    what: "not a minisign public key (the base64 line of prep.pub)".into(),
                });
            }
        }
        Ok(())
    }

    /// Information to preview a site with (`prep site check`): every field set.
    pub fn sample() -> SiteInfo {
        SiteInfo {
            institute: "INSTITUTO".into(),
            institute_name: "Instituto Electoral".into(),
            process_name: "Proceso Electoral".into(),
            elections: vec![SiteElection {
                id: "gub".into(),
                title: "GUBERNATURA".into(),
            }],
            image_host: Some("https://imagenes.example.org/actas/".into()),
            public_key: Some("RWQmdK9Ar8WpHQjR1wpBc0TDLzmaIku66uHnC4fdsVZUxzDcomdVwKCP".into()),
            refresh_minutes: Some(5),
        }
    }
}

fn text(field: &'static str, value: &str) -> Result<(), SiteError> {
    if value.len() > MAX_FIELD {
        return Err(SiteError::Info {
            field,
            what: format!("{} bytes, more than {MAX_FIELD}", value.len()),
        });
    }
    if value.chars().any(char::is_control) {
        return Err(SiteError::Info {
            field,
            what: "contains a control character (line break, tab…)".into(),
        });
    }
    Ok(())
}

fn image_host(host: &str) -> Result<(), SiteError> {
    let fail = |what: &str| SiteError::Info {
        field: "image_host",
        what: format!("{host:?}: {what}"),
    };
    text("image_host", host)?;
    let rest = host
        .strip_prefix("https://")
        .or_else(|| host.strip_prefix("http://"))
        .ok_or_else(|| fail("must start with https:// (or http://)"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(fail("has no host name"));
    }
    if let Some(c) = host
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'))
    {
        return Err(fail(&format!("contains {c:?}, which a URL must not")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_valid() {
        SiteInfo::sample().validate().expect("valid");
    }

    #[test]
    fn refuses_bad_fields() {
        let bad = |f: fn(&mut SiteInfo)| {
            let mut i = SiteInfo::sample();
            f(&mut i);
            i.validate().expect_err("refused").to_string()
        };
        assert!(bad(|i| i.image_host = Some("javascript:alert(1)".into())).contains("https://"));
        assert!(bad(|i| i.image_host = Some("https://x/\"onload=".into())).contains("'\"'"));
        assert!(bad(|i| i.image_host = Some("https:///actas".into())).contains("host name"));
        assert!(bad(|i| i.institute_name = "a\nb".into()).contains("control"));
        assert!(bad(|i| i.elections[0].id = "../x".into()).contains("elections.id"));
        assert!(bad(|i| i.public_key = Some("abc def".into())).contains("public_key"));
        assert!(bad(|i| i.process_name = "x".repeat(600)).contains("600 bytes"));
    }
}
