//! The site's source files: their names, kinds and embedded defaults.

/// Whether a source file is rendered by minijinja or copied as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A page: rendered to `<name>` at the package root.
    Page,
    /// A template other templates include or extend; not written itself.
    Layout,
    /// Copied verbatim to `assets/<stem>.<hash>.<ext>`.
    Asset,
}

/// One file an institute may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceFile {
    /// Its name, in `templates/` and in an override directory.
    pub name: &'static str,
    /// What is done with it.
    pub kind: SourceKind,
    /// The default contents.
    pub default: &'static str,
}

/// Every source file of the site, in the order they are rendered.
pub const SOURCE_FILES: [SourceFile; 6] = [
    SourceFile {
        name: "base.html",
        kind: SourceKind::Layout,
        default: include_str!("../templates/base.html"),
    },
    SourceFile {
        name: "index.html",
        kind: SourceKind::Page,
        default: include_str!("../templates/index.html"),
    },
    SourceFile {
        name: "verificar.html",
        kind: SourceKind::Page,
        default: include_str!("../templates/verificar.html"),
    },
    SourceFile {
        name: "app.js",
        kind: SourceKind::Asset,
        default: include_str!("../templates/app.js"),
    },
    SourceFile {
        name: "estilo.css",
        kind: SourceKind::Asset,
        default: include_str!("../templates/estilo.css"),
    },
    SourceFile {
        name: "icono.svg",
        kind: SourceKind::Asset,
        default: include_str!("../templates/icono.svg"),
    },
];

/// The largest source file accepted from an override directory.
pub const MAX_SOURCE_BYTES: u64 = 1024 * 1024;

/// The source file of that name.
pub(crate) fn source_file(name: &str) -> Option<&'static SourceFile> {
    SOURCE_FILES.iter().find(|f| f.name == name)
}
