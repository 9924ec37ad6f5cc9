//! Loading the site's sources (defaults or an institute's) and rendering them.

use crate::source::source_file;
use crate::{MAX_SOURCE_BYTES, SOURCE_FILES, SiteError, SiteInfo, SourceFile, SourceKind};
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};
use prep_corte::{POINTER_PATH, PackageFile};
use prep_package::sha256_hex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Directory of the content-named assets in a package.
pub const ASSET_DIR: &str = "assets";

/// The site's sources: every file of [`SOURCE_FILES`], each the embedded default or the
/// institute's replacement.
#[derive(Debug, Clone)]
pub struct Site {
    sources: Vec<Source>,
}

#[derive(Debug, Clone)]
struct Source {
    file: &'static SourceFile,
    text: String,
    replaced_by: Option<PathBuf>,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            sources: SOURCE_FILES
                .iter()
                .map(|file| Source {
                    file,
                    text: file.default.to_owned(),
                    replaced_by: None,
                })
                .collect(),
        }
    }
}

impl Site {
    /// The defaults, with any file of `templates_dir` replacing the default of the same name.
    /// The directory may hold only site files (see [`SOURCE_FILES`]): regular files, UTF-8,
    /// at most [`MAX_SOURCE_BYTES`]. Templates are parsed here, so syntax errors show early.
    pub fn load(templates_dir: Option<&Path>) -> Result<Site, SiteError> {
        let mut site = Site::default();
        let Some(dir) = templates_dir else {
            return Ok(site);
        };
        let entries = std::fs::read_dir(dir).map_err(|e| SiteError::io(dir, e))?;
        let mut found = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| SiteError::io(dir, e))?;
            let path = entry.path();
            let known = entry.file_name().to_str().and_then(source_file);
            let Some(file) = known else {
                return Err(SiteError::UnknownFile {
                    path,
                    known: SOURCE_FILES
                        .iter()
                        .map(|f| f.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            // symlink_metadata: a link is refused, not followed out of the directory.
            let meta = std::fs::symlink_metadata(&path).map_err(|e| SiteError::io(&path, e))?;
            if !meta.file_type().is_file() {
                return Err(SiteError::NotAFile { path });
            }
            if meta.len() > MAX_SOURCE_BYTES {
                return Err(SiteError::TooLarge {
                    path,
                    size: meta.len(),
                    max: MAX_SOURCE_BYTES,
                });
            }
            let bytes = std::fs::read(&path).map_err(|e| SiteError::io(&path, e))?;
            let text =
                String::from_utf8(bytes).map_err(|_| SiteError::NotUtf8 { path: path.clone() })?;
            found.push((file, text, path));
        }
        for (file, text, path) in found {
            if let Some(s) = site.sources.iter_mut().find(|s| s.file.name == file.name) {
                s.text = text;
                s.replaced_by = Some(path);
            }
        }
        site.environment()?;
        Ok(site)
    }

    /// The files the institute replaced, by name, with where each came from.
    pub fn replaced(&self) -> Vec<(&'static str, &Path)> {
        self.sources
            .iter()
            .filter_map(|s| s.replaced_by.as_deref().map(|p| (s.file.name, p)))
            .collect()
    }

    /// Writes the default sources into `dir` (created if needed) for an institute to edit;
    /// refuses to overwrite a file. Returns the paths written.
    pub fn export_defaults(dir: &Path) -> Result<Vec<PathBuf>, SiteError> {
        std::fs::create_dir_all(dir).map_err(|e| SiteError::io(dir, e))?;
        for f in &SOURCE_FILES {
            let path = dir.join(f.name);
            if std::fs::symlink_metadata(&path).is_ok() {
                return Err(SiteError::Exists { path });
            }
        }
        SOURCE_FILES
            .iter()
            .map(|f| {
                let path = dir.join(f.name);
                std::fs::write(&path, f.default).map_err(|e| SiteError::io(&path, e))?;
                Ok(path)
            })
            .collect()
    }

    /// Renders the site: the pages at the package root, the assets under [`ASSET_DIR`] named
    /// by their content. The same sources and information give the same bytes, whatever the
    /// corte. Every page must carry a Content-Security-Policy and load the client.
    pub fn render(&self, info: &SiteInfo) -> Result<Vec<PackageFile>, SiteError> {
        info.validate()?;
        let mut files = Vec::new();
        let mut assets = BTreeMap::new();
        for s in self
            .sources
            .iter()
            .filter(|s| s.file.kind == SourceKind::Asset)
        {
            let (stem, ext) = s.file.name.rsplit_once('.').unwrap_or((s.file.name, ""));
            let hash = sha256_hex(s.text.as_bytes());
            let path = format!("{ASSET_DIR}/{stem}.{}.{ext}", &hash[..16]);
            assets.insert(stem.to_owned(), path.clone());
            files.push(PackageFile {
                path,
                bytes: s.text.as_bytes().to_vec(),
            });
        }
        let app = assets.get("app").cloned().unwrap_or_default();
        let env = self.environment()?;
        for s in self
            .sources
            .iter()
            .filter(|s| s.file.kind == SourceKind::Page)
        {
            let name = s.file.name;
            let template_error = |e: minijinja::Error| SiteError::Template {
                name: name.to_owned(),
                detail: describe(&e),
            };
            let page = env
                .get_template(name)
                .and_then(|t| {
                    t.render(minijinja::context! {
                        site => Serde(info),
                        // Our own paths, plain characters: not escaped (`/` would become &#x2f;).
                        assets => assets
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::from_safe_string(v.clone())))
                            .collect::<BTreeMap<_, _>>(),
                        main => Value::from_safe_string(POINTER_PATH.to_owned()),
                        page => name.trim_end_matches(".html"),
                    })
                })
                .map_err(template_error)?;
            let missing = |what: &str| SiteError::Page {
                name: name.to_owned(),
                what: what.to_owned(),
            };
            if !page
                .to_ascii_lowercase()
                .contains("http-equiv=\"content-security-policy\"")
            {
                return Err(missing(
                    "has no <meta http-equiv=\"Content-Security-Policy\">; keep the one of \
                     base.html so that no request leaves the origin",
                ));
            }
            if !page.contains(&format!("src=\"{app}\"")) {
                return Err(missing(
                    "does not load the client; keep <script src=\"{{ assets.app }}\" defer>",
                ));
            }
            files.push(PackageFile {
                path: name.to_owned(),
                bytes: page.into_bytes(),
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    /// A minijinja environment holding every template, strict about undefined variables.
    fn environment(&self) -> Result<Environment<'_>, SiteError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for s in &self.sources {
            if s.file.kind == SourceKind::Asset {
                continue;
            }
            env.add_template(s.file.name, &s.text)
                .map_err(|e| SiteError::Template {
                    name: s.file.name.to_owned(),
                    detail: describe(&e),
                })?;
        }
        Ok(env)
    }
}

/// minijinja's error with its line and cause.
fn describe(e: &minijinja::Error) -> String {
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
