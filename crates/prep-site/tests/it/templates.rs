//! Loading, overriding and rendering the site's templates.

use prep_site::{SOURCE_FILES, Site, SiteError, SiteInfo};
use std::path::Path;

fn render(site: &Site) -> Vec<prep_corte::PackageFile> {
    site.render(&SiteInfo::sample()).expect("renders")
}

fn page<'a>(files: &'a [prep_corte::PackageFile], path: &str) -> &'a str {
    let f = files.iter().find(|f| f.path == path).expect("page present");
    std::str::from_utf8(&f.bytes).expect("utf-8")
}

fn asset<'a>(files: &'a [prep_corte::PackageFile], stem: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path.starts_with(&format!("assets/{stem}.")))
        .expect("asset present")
        .path
}

fn load_err(dir: &Path) -> String {
    Site::load(Some(dir)).expect_err("refused").to_string()
}

#[test]
fn defaults_render_pages_and_content_named_assets() {
    let files = render(&Site::default());
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths.len(), 5, "{paths:?}");
    assert!(paths.contains(&"index.html") && paths.contains(&"verificar.html"));
    for stem in ["app", "estilo", "icono"] {
        let path = asset(&files, stem);
        let f = files.iter().find(|f| f.path == path).expect("asset");
        let hash = prep_package::sha256_hex(&f.bytes);
        assert!(path.contains(&hash[..16]), "{path} is named by its content");
    }
    for name in ["index.html", "verificar.html"] {
        let html = page(&files, name);
        assert!(html.starts_with("<!doctype html>\n<html lang=\"es-MX\">"));
        assert!(html.contains(&format!("<script src=\"{}\" defer>", asset(&files, "app"))));
        assert!(html.contains(&format!("href=\"{}\"", asset(&files, "estilo"))));
        assert!(html.contains("default-src 'self'"));
        assert!(html.contains("data-main=\"json/main.json\""));
        assert!(html.contains("class=\"saltar\" href=\"#contenido\""));
        // The CSP forbids inline script and style: the pages must not need them.
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=").count()
        );
        assert!(!html.contains(" style="), "{name} has an inline style");
        // Nothing is loaded from elsewhere; links may point out, sources may not.
        assert!(
            !html.contains("src=\"http"),
            "{name} loads from another origin"
        );
    }
    // The public key and image host reach the pages.
    let info = SiteInfo::sample();
    let key = info.public_key.as_deref().expect("key");
    assert!(
        page(&files, "verificar.html").contains(&format!("minisign -Vm manifest.json -P {key}"))
    );
    assert!(page(&files, "index.html").contains("data-imagenes=\"https:&#x2f;&#x2f;imagenes"));
}

#[test]
fn rendering_is_deterministic_and_independent_of_the_corte() {
    let a = render(&Site::default());
    let b = render(&Site::default());
    assert_eq!(a, b);
    for f in &a {
        let text = String::from_utf8_lossy(&f.bytes);
        assert!(!text.contains("2024-06-03"), "{} carries a date", f.path);
    }
}

#[test]
fn text_is_escaped() {
    let mut info = SiteInfo::sample();
    info.institute_name = "Instituto <script>alert(1)</script> & Cía".into();
    let files = Site::default().render(&info).expect("renders");
    let html = page(&files, "index.html");
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("Instituto &lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; Cía"));
}

#[test]
fn an_override_replaces_only_its_file() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("estilo.css"), "body { color: #000; }\n").expect("write");
    let site = Site::load(Some(dir.path())).expect("loads");
    assert_eq!(site.replaced().len(), 1);
    assert_eq!(site.replaced()[0].0, "estilo.css");
    let default = render(&Site::default());
    let replaced = render(&site);
    assert_ne!(asset(&default, "estilo"), asset(&replaced, "estilo"));
    assert_eq!(asset(&default, "app"), asset(&replaced, "app"));
    let css = replaced
        .iter()
        .find(|f| f.path == asset(&replaced, "estilo"))
        .expect("css");
    assert_eq!(css.bytes, b"body { color: #000; }\n");
    assert!(page(&replaced, "index.html").contains(asset(&replaced, "estilo")));
}

#[test]
fn exported_defaults_load_back_identically() {
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("plantillas");
    let written = Site::export_defaults(&target).expect("export");
    assert_eq!(written.len(), SOURCE_FILES.len());
    let site = Site::load(Some(&target)).expect("loads");
    assert_eq!(site.replaced().len(), SOURCE_FILES.len());
    assert_eq!(render(&site), render(&Site::default()));
    let again = Site::export_defaults(&target).expect_err("no overwrite");
    assert!(matches!(again, SiteError::Exists { .. }), "{again}");
}

#[test]
fn unknown_names_links_directories_and_bad_files_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    std::fs::write(d.join("indice.html"), "x").expect("write");
    let e = load_err(d);
    assert!(
        e.contains("indice.html") && e.contains("index.html, verificar.html"),
        "{e}"
    );
    std::fs::remove_file(d.join("indice.html")).expect("rm");

    std::fs::create_dir(d.join("app.js")).expect("mkdir");
    assert!(load_err(d).contains("not a regular file"));
    std::fs::remove_dir(d.join("app.js")).expect("rmdir");

    let outside = tempfile::NamedTempFile::new().expect("outside file");
    std::os::unix::fs::symlink(outside.path(), d.join("app.js")).expect("symlink");
    assert!(load_err(d).contains("not a regular file"));
    std::fs::remove_file(d.join("app.js")).expect("rm link");

    std::fs::write(d.join("estilo.css"), [0xff, 0xfe, 0x00]).expect("write");
    assert!(load_err(d).contains("not UTF-8"));
    std::fs::write(
        d.join("estilo.css"),
        vec![b'a'; prep_site::MAX_SOURCE_BYTES as usize + 1],
    )
    .expect("write");
    assert!(load_err(d).contains("more than the"));
}

#[test]
fn template_errors_name_the_file() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("index.html"),
        "{% extends \"base.html\" %}{% block main %}{% if %}{% endblock %}",
    )
    .expect("write");
    let e = load_err(dir.path());
    assert!(e.starts_with("template index.html:"), "{e}");

    // An undefined variable is an error, not an empty string.
    std::fs::write(
        dir.path().join("index.html"),
        "{% extends \"base.html\" %}{% block main %}{{ site.institutoo }}{% endblock %}",
    )
    .expect("write");
    let site = Site::load(Some(dir.path())).expect("parses");
    let e = site
        .render(&SiteInfo::sample())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("index.html") && e.contains("undefined"), "{e}");
}

#[test]
fn pages_must_keep_the_policy_and_the_client() {
    let dir = tempfile::tempdir().expect("dir");
    let base = SOURCE_FILES
        .iter()
        .find(|f| f.name == "base.html")
        .expect("base")
        .default;
    std::fs::write(
        dir.path().join("base.html"),
        base.replace("http-equiv=\"Content-Security-Policy\"", "name=\"x\""),
    )
    .expect("write");
    let e = Site::load(Some(dir.path()))
        .expect("parses")
        .render(&SiteInfo::sample())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("Content-Security-Policy"), "{e}");

    std::fs::write(
        dir.path().join("base.html"),
        base.replace("<script src=\"{{ assets.app }}\" defer></script>", ""),
    )
    .expect("write");
    let e = Site::load(Some(dir.path()))
        .expect("parses")
        .render(&SiteInfo::sample())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("does not load the client"), "{e}");
}

#[test]
fn bad_site_information_is_refused_before_rendering() {
    let mut info = SiteInfo::sample();
    info.image_host = Some("ftp://imagenes".into());
    let e = Site::default()
        .render(&info)
        .expect_err("refused")
        .to_string();
    assert!(e.contains("image_host"), "{e}");
}

/// The default style sheet's colour pairs meet WCAG AA: 4.5:1 for text, 3:1 for the focus ring.
#[test]
fn default_colours_meet_wcag_aa_contrast() {
    let css = SOURCE_FILES
        .iter()
        .find(|f| f.name == "estilo.css")
        .expect("css")
        .default;
    let var = |name: &str| -> [f64; 3] {
        let at = css.find(&format!("--{name}: #")).expect("colour variable") + name.len() + 5;
        let hex = &css[at..at + 6];
        let c = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"));
        [c(0), c(2), c(4)]
    };
    let luminance = |[r, g, b]: [f64; 3]| {
        let lin = |c: f64| {
            let c = c / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    };
    let ratio = |a: [f64; 3], b: [f64; 3]| {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    };
    let white = [255.0; 3];
    for (fg, bg, min) in [
        ("texto", "fondo", 4.5),
        ("texto", "panel", 4.5),
        ("suave", "fondo", 4.5),
        ("suave", "panel", 4.5),
        ("enlace", "fondo", 4.5),
        ("enlace", "panel", 4.5),
        ("marca", "fondo", 4.5),
        ("foco", "fondo", 3.0),
    ] {
        let r = ratio(var(fg), var(bg));
        assert!(r >= min, "{fg} on {bg}: {r:.2}:1 < {min}:1");
    }
    // The header: white text on the brand colour.
    let r = ratio(white, var("marca"));
    assert!(r >= 4.5, "white on marca: {r:.2}:1");
}
