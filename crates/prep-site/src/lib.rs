//! The public site of a corte package: a few HTML pages and the JavaScript client that reads
//! `json/main.json` and the files it names.
//!
//! Principal types:
//!
//! - [`Site`]: the site's source files. The defaults are embedded in the binary
//!   (`include_str!` of `templates/`); [`Site::load`] replaces any of them by the file of the
//!   same name in an institute's directory, so an institute changes its site without
//!   recompiling. Unknown names, subdirectories, links, oversized or non-UTF-8 files are refused.
//! - [`SiteInfo`]: what the pages say that does not change during the night (institute,
//!   process, elections, image host, public key). Never the corte time: the site's files are
//!   byte-identical from one corte to the next, so delivery only pays for what changed.
//! - [`Site::render`] → `Vec<`[`prep_corte::PackageFile`]`>`: the HTML pages at stable names
//!   (`index.html`, `verificar.html`) and the assets named by their content
//!   (`assets/app.<hash>.js`), which the pages reference.
//! - [`SOURCE_FILES`]: the names an institute may replace, and whether each is a template.
//! - [`notice_page`] of a [`NoticePage`]: the page shown while a signed suspension notice is
//!   in force (embedded, not replaceable), whose only inline style [`NOTICE_CSS`] the
//!   `Content-Security-Policy` allows by its hash, [`notice_style_source`].
//!
//! `minijinja` renders the HTML templates (HTML auto-escaping, undefined variables are errors);
//! `prep-package` hashes the assets; `sha2` and `base64` make the notice style's CSP hash. The client (`templates/app.js`) is plain JavaScript with
//! no build step; `docs/public-site.md` describes the views and the override.

mod error;
mod info;
mod notice;
mod site;
mod source;

pub use error::SiteError;
pub use info::{SiteElection, SiteInfo};
pub use notice::{NOTICE_CSS, NoticePage, notice_page, notice_style_source};
pub use site::{ASSET_DIR, Site};
pub use source::{MAX_SOURCE_BYTES, SOURCE_FILES, SourceFile, SourceKind};
