//! The election directory on disk: where the configuration, the store, each election's
//! files and the cortes are.
//!
//! ```text
//! DIR/prep.toml                      the configuration (Config)
//! DIR/store.sqlite                   the acta store (prep-store, SQLite in WAL mode)
//! DIR/elections/<id>/<database>.csv  the catalogue source, as given to `prep init`
//! DIR/elections/<id>/<candidaturas>  the candidacy file (zipped with every corte's database)
//! DIR/elections/<id>/format.json     the source's dialect, preamble and header (ElectionFormat)
//! DIR/keys/prep.key, prep.pub        the signing key pair, when `prep init --keys` made it
//! DIR/cortes/<NNNNNN>/               each corte's complete package, never modified once written
//! DIR/origin -> cortes/<NNNNNN>      the current corte: what an HTTPS-pull origin serves
//! ```

use crate::config::{CONFIG_FILE, Config};
use crate::source::ElectionFormat;
use anyhow::Context;
use prep_package::ElectionLayout;
use std::path::{Path, PathBuf};

/// File name of the store.
pub const STORE_FILE: &str = "store.sqlite";
/// File name of an election's format.
pub const FORMAT_FILE: &str = "format.json";

/// An election directory with its configuration.
#[derive(Debug, Clone)]
pub struct ElectionDir {
    /// The directory.
    pub root: PathBuf,
    /// Its `prep.toml`.
    pub config: Config,
}

impl ElectionDir {
    /// Opens a directory made by `prep init`.
    pub fn open(root: &Path) -> anyhow::Result<ElectionDir> {
        if !root.join(CONFIG_FILE).is_file() {
            anyhow::bail!(
                "{} is not an election directory (no {CONFIG_FILE}); make one with `prep init`",
                root.display()
            );
        }
        let config = Config::load(root)?;
        Ok(ElectionDir {
            root: root.to_owned(),
            config,
        })
    }

    /// The store's file.
    pub fn store_path(&self) -> PathBuf {
        self.root.join(STORE_FILE)
    }

    /// Opens the store.
    pub fn open_store(&self) -> anyhow::Result<prep_store::Store> {
        let path = self.store_path();
        prep_store::Store::open(&path).with_context(|| format!("cannot open {}", path.display()))
    }

    /// The folder of an election's files.
    pub fn election_dir(root: &Path, id: &str) -> PathBuf {
        root.join("elections").join(id)
    }

    /// A path of the configuration, resolved against the directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        self.root.join(p)
    }

    /// The format of an election's database.
    pub fn format(&self, id: &str) -> anyhow::Result<ElectionFormat> {
        let path = ElectionDir::election_dir(&self.root, id).join(FORMAT_FILE);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not valid", path.display()))
    }

    /// Where the directory keeps its cortes ([`prep_package::layout`]).
    pub fn layout(&self) -> ElectionLayout {
        ElectionLayout::new(&self.root)
    }

    /// The folder of the cortes.
    pub fn cortes(&self) -> PathBuf {
        self.layout().cortes()
    }

    /// The folder of one corte's package.
    pub fn corte_dir(&self, sequence: u64) -> PathBuf {
        self.layout().corte_dir(sequence)
    }

    /// The link to the current corte.
    pub fn origin(&self) -> PathBuf {
        self.layout().origin()
    }
}

/// The secret key's password: the first line of `file`, else `PREP_KEY_PASSWORD`, else
/// none (an unencrypted key). Never logged.
pub fn key_password(file: Option<&Path>) -> anyhow::Result<Option<String>> {
    if let Some(f) = file {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the password file {}", f.display()))?;
        let line = text.lines().next().unwrap_or_default().to_owned();
        if line.is_empty() {
            anyhow::bail!("the password file {} is empty", f.display());
        }
        return Ok(Some(line));
    }
    Ok(std::env::var("PREP_KEY_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty()))
}

impl ElectionDir {
    /// The signing key the configuration names (`[signing]`).
    pub fn signing_key(&self) -> anyhow::Result<prep_package::SigningKey> {
        let s = &self.config.signing;
        let file = s.password_file.as_ref().map(|p| self.resolve(p));
        let password = key_password(file.as_deref())?;
        let path = self.resolve(&s.secret_key);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the secret key {}", path.display()))?;
        prep_package::SigningKey::from_secret_key_file(&text, password.as_deref())
            .with_context(|| format!("cannot open the secret key {}", path.display()))
    }

    /// The public key the configuration names.
    pub fn verifying_key(&self) -> anyhow::Result<prep_package::VerifyingKey> {
        let path = self.resolve(&self.config.signing.public_key);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the public key {}", path.display()))?;
        Ok(prep_package::VerifyingKey::from_text(&text)?)
    }
}
