//! `prep.toml`: the election directory's configuration, read with `toml` + `serde` and
//! validated with errors that name the key.

use crate::clock::{TimeZone, parse_rfc3339};
use jiff::Timestamp;
use prep_count::{ParticipationBase, Rules};
use prep_model::CasillaType;
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};

/// The file name of the configuration inside an election directory.
pub const CONFIG_FILE: &str = "prep.toml";

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The institute that publishes.
    pub institute: Named,
    /// The electoral process.
    pub process: Named,
    /// When cortes are cut.
    pub schedule: Schedule,
    /// The counting rules.
    #[serde(default)]
    pub rules: RulesConfig,
    /// Package settings.
    pub package: PackageConfig,
    /// The signing key.
    pub signing: Signing,
    /// The public site.
    #[serde(default)]
    pub site: SiteConfig,
    /// The elections, in publication order.
    #[serde(rename = "election")]
    pub elections: Vec<ElectionConfig>,
}

/// The public site that goes into every package (crate `prep-site`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// A directory of the institute's templates and assets, each replacing the default of the
    /// same name (`prep site export-templates DIR` writes the defaults); relative to the
    /// election directory. Absent: the defaults.
    #[serde(default)]
    pub templates: Option<PathBuf>,
    /// Minutes between the page's automatic refreshes; absent or 0: the "Actualizar" button
    /// only.
    #[serde(default)]
    pub refresh_minutes: Option<u32>,
}

/// An id and a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    /// Short id written in manifests (`IEEPUEBLA`, `PEL2024`).
    pub id: String,
    /// Full name (`Instituto Electoral del Estado de Puebla`).
    pub name: String,
}

/// The corte schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// The institute's fixed UTC offset, `-06:00`; published times are in it and corte
    /// lines print it as `(UTC-6)`.
    pub utc_offset: String,
    /// Minutes between cortes.
    pub period_minutes: u32,
    /// The first corte, RFC 3339 with offset (`2024-06-02T20:00:00-06:00`).
    pub opening: String,
    /// The last corte (flagged final), RFC 3339 with offset.
    pub closing: String,
}

/// The counting rules: a preset and the flags `prep_count::Rules` exposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// The counting profile (`prep_count::profiles`): `anexo13`, `iee-sonora-2021`, …;
    /// `prep init --from-database` writes the one that reproduces the database's summary.
    pub dialect: String,
    /// Participation base before the last corte: `sin_especiales` or `con_especiales`.
    #[serde(default)]
    pub participation_preliminary: Option<ParticipationBase>,
    /// Participation base of the last corte.
    #[serde(default)]
    pub participation_final: Option<ParticipationBase>,
    /// TIPO_CASILLA letters whose actas are never held to the lista-nominal limit (`["A"]`).
    #[serde(default)]
    pub no_vote_limit: Option<Vec<String>>,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            dialect: "anexo13".into(),
            participation_preliminary: None,
            participation_final: None,
            no_vote_limit: None,
        }
    }
}

/// Package settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageConfig {
    /// Hours after its corte (or its creation, if later) when a package expires.
    pub expiry_hours: u32,
    /// Base URL of the institute's acta image host; an image is `<base><CODIGO_INTEGRIDAD>`.
    pub image_host: String,
}

/// Where the signing key is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    /// The minisign secret key (relative to the directory, or absolute).
    pub secret_key: PathBuf,
    /// The matching public key.
    pub public_key: PathBuf,
    /// A file whose first line is the secret key's password; otherwise `PREP_KEY_PASSWORD`.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
}

/// One election.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionConfig {
    /// Short id used in the store and in package paths (`gub`).
    pub id: String,
    /// Title line of its database (`GUBERNATURA`).
    pub title: String,
    /// Prefix of its database names (`PUE_GUB` → `PUE_GUB_2024.csv`,
    /// `20240603_2000_PREP_PUE_GUB.zip`).
    pub file_prefix: String,
    /// The catalogue source (a published database), inside the directory.
    pub catalogue: PathBuf,
    /// The candidacy file, inside the directory.
    pub candidaturas: PathBuf,
}

/// A configuration problem: which key, and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// TOML syntax or shape (toml names the key and the line).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// toml's message.
        message: String,
    },
    /// A value that parses but is not acceptable.
    #[error("{key}: {reason}")]
    Invalid {
        /// The key path (`schedule.utc_offset`, `election[2].id`).
        key: String,
        /// What is wrong and what is expected.
        reason: String,
    },
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        reason: reason.into(),
    }
}

impl Config {
    /// Reads and validates `DIR/prep.toml`.
    pub fn load(dir: &Path) -> Result<Config, ConfigError> {
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
            path: path.clone(),
            source,
        })?;
        Config::parse(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse { path, message },
            ConfigError::Invalid { key, reason } => ConfigError::Invalid {
                key: format!("{}: {key}", path.display()),
                reason,
            },
            other => other,
        })
    }

    /// Parses and validates a configuration text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::from(CONFIG_FILE),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// The TOML text of this configuration; an error for what TOML cannot hold (a path that
    /// is not UTF-8), never an empty file.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }

    /// Checks every value; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_id("institute.id", &self.institute.id)?;
        check_id("process.id", &self.process.id)?;
        let tz = self.time_zone()?;
        let (opening, closing) = (self.opening()?, self.closing()?);
        if closing < opening {
            return Err(invalid(
                "schedule.closing",
                format!("{} is before the opening", self.schedule.closing),
            ));
        }
        if self.schedule.period_minutes == 0 || self.schedule.period_minutes > 24 * 60 {
            return Err(invalid(
                "schedule.period_minutes",
                "must be between 1 and 1440 minutes",
            ));
        }
        let _ = tz;
        self.rules()?;
        if self.package.expiry_hours == 0 {
            return Err(invalid("package.expiry_hours", "must be at least 1"));
        }
        let host = &self.package.image_host;
        if !(host.starts_with("https://") || host.starts_with("http://")) {
            return Err(invalid(
                "package.image_host",
                format!("{host:?} is not an http(s) URL"),
            ));
        }
        if self.elections.is_empty() {
            return Err(invalid(
                "election",
                "at least one [[election]] table is needed",
            ));
        }
        let mut ids = std::collections::HashSet::new();
        for (i, e) in self.elections.iter().enumerate() {
            let key = |k: &str| format!("election[{i}].{k}");
            check_id(&key("id"), &e.id)?;
            if !ids.insert(e.id.as_str()) {
                return Err(invalid(key("id"), format!("{:?} is used twice", e.id)));
            }
            if e.title.trim().is_empty() || e.title.contains(['\n', '\r']) {
                return Err(invalid(key("title"), "must be one non-empty line"));
            }
            check_id(&key("file_prefix"), &e.file_prefix)?;
            check_inside(&key("catalogue"), &e.catalogue)?;
            check_inside(&key("candidaturas"), &e.candidaturas)?;
        }
        Ok(())
    }

    /// The institute's time zone.
    pub fn time_zone(&self) -> Result<TimeZone, ConfigError> {
        TimeZone::parse(&self.schedule.utc_offset)
            .map_err(|r| invalid("schedule.utc_offset", r.to_string()))
    }

    /// The opening time.
    pub fn opening(&self) -> Result<Timestamp, ConfigError> {
        parse_rfc3339(&self.schedule.opening)
            .map_err(|r| invalid("schedule.opening", r.to_string()))
    }

    /// The closing time.
    pub fn closing(&self) -> Result<Timestamp, ConfigError> {
        parse_rfc3339(&self.schedule.closing)
            .map_err(|r| invalid("schedule.closing", r.to_string()))
    }

    /// The counting rules the configuration selects.
    pub fn rules(&self) -> Result<Rules, ConfigError> {
        let r = &self.rules;
        let mut rules = match prep_count::profiles::profile(&r.dialect) {
            Some(rules) => rules,
            None => {
                return Err(invalid(
                    "rules.dialect",
                    format!(
                        "unknown rules {:?}; known: {}",
                        r.dialect,
                        prep_count::profiles::profile_names().join(", ")
                    ),
                ));
            }
        };
        if let Some(b) = r.participation_preliminary {
            rules.participation_preliminary = b;
        }
        if let Some(b) = r.participation_final {
            rules.participation_final = b;
        }
        if let Some(types) = &r.no_vote_limit {
            rules.no_vote_limit = types
                .iter()
                .enumerate()
                .map(|(i, t)| match CasillaType::parse(t) {
                    CasillaType::Other => Err(invalid(
                        format!("rules.no_vote_limit[{i}]"),
                        format!("{t:?} is not a TIPO_CASILLA letter (B C E S A P M V)"),
                    )),
                    c => Ok(c),
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(rules)
    }

    /// The corte times from the opening, every period, up to the closing (always included,
    /// and the last).
    pub fn corte_times(&self) -> Result<Vec<Timestamp>, ConfigError> {
        let (opening, closing) = (self.opening()?, self.closing()?);
        let step = i64::from(self.schedule.period_minutes) * 60;
        let mut out = Vec::new();
        let mut t = opening.as_second();
        while t < closing.as_second() {
            out.push(Timestamp::from_second(t).map_err(|e| invalid("schedule", e.to_string()))?);
            t += step;
        }
        out.push(closing);
        Ok(out)
    }

    /// The election with this id.
    pub fn election(&self, id: &str) -> Option<&ElectionConfig> {
        self.elections.iter().find(|e| e.id == id)
    }
}

/// An id: letters, digits, `-` and `_`, 1 to 64 characters.
fn check_id(key: &str, id: &str) -> Result<(), ConfigError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            key,
            format!("{id:?} must be 1 to 64 letters, digits, '-' or '_'"),
        ))
    }
}

/// A relative path that stays inside the directory.
pub fn check_inside(key: &str, p: &Path) -> Result<(), ConfigError> {
    let ok = !p.as_os_str().is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            key,
            format!(
                "{} must be a relative path inside the election directory (no '..', not absolute)",
                p.display()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const EXAMPLE: &str = r#"
[institute]
id = "IEEPUEBLA"
name = "Instituto Electoral del Estado de Puebla"

[process]
id = "PEL2024"
name = "Proceso Electoral Local 2024"

[schedule]
utc_offset = "-06:00"
period_minutes = 10
opening = "2024-06-02T20:00:00-06:00"
closing = "2024-06-03T20:00:00-06:00"

[rules]
dialect = "anexo13"
no_vote_limit = ["A"]

[package]
expiry_hours = 24
image_host = "https://actas.example.mx/imagenes/"

[signing]
secret_key = "keys/prep.key"
public_key = "keys/prep.pub"

[[election]]
id = "gub"
title = "GUBERNATURA"
file_prefix = "PUE_GUB"
catalogue = "elections/gub/PUE_GUB_2024.csv"
candidaturas = "elections/gub/PUE_GUB_Candidaturas_2024.csv"
"#;

    #[test]
    fn the_example_parses_and_round_trips() {
        let c = Config::parse(EXAMPLE).expect("valid");
        assert_eq!(c.elections[0].id, "gub");
        assert_eq!(c.time_zone().expect("tz").label(), "(UTC-6)");
        let times = c.corte_times().expect("times");
        assert_eq!(times.len(), 24 * 6 + 1);
        assert_eq!(
            Config::parse(&c.to_toml().expect("serializes")).expect("again"),
            c
        );
    }

    #[test]
    fn errors_name_the_key() {
        let bad = EXAMPLE.replace("period_minutes = 10", "period_minutes = 10\nperiod = 3");
        let e = Config::parse(&bad).expect_err("unknown key").to_string();
        assert!(e.contains("unknown field `period`"), "{e}");
        assert!(e.contains("line 13"), "{e}");
        assert!(e.contains("expected one of `utc_offset`"), "{e}");

        let bad = EXAMPLE.replace("\"-06:00\"", "\"-6\"");
        let e = Config::parse(&bad).expect_err("offset").to_string();
        assert!(e.starts_with("schedule.utc_offset:"), "{e}");

        let bad = EXAMPLE.replace("elections/gub/PUE_GUB_2024.csv", "../x.csv");
        let e = Config::parse(&bad).expect_err("escape").to_string();
        assert!(e.starts_with("election[0].catalogue:"), "{e}");

        let bad = EXAMPLE.replace("[\"A\"]", "[\"Z\"]");
        let e = Config::parse(&bad).expect_err("type").to_string();
        assert!(e.starts_with("rules.no_vote_limit[0]:"), "{e}");

        let bad = EXAMPLE.replace("2024-06-03T20:00:00-06:00", "2024-06-01T20:00:00-06:00");
        let e = Config::parse(&bad).expect_err("order").to_string();
        assert!(e.starts_with("schedule.closing:"), "{e}");
    }
}
