//! `prep site export-templates` and `prep site check`.

use crate::common::{prep, text};

#[test]
fn export_edit_check_and_render() {
    let tmp = tempfile::tempdir().expect("dir");
    let dir = tmp.path().join("plantillas");
    let d = dir.to_str().expect("utf-8 path");
    let o = prep(&["site", "export-templates", d]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(dir.join("index.html").is_file() && dir.join("app.js").is_file());

    // Export never overwrites.
    let o = prep(&["site", "export-templates", d]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("prep: error:") && text(&o).contains("already exists"));

    // Keep one edited file only, check it, render it.
    for f in [
        "base.html",
        "index.html",
        "verificar.html",
        "app.js",
        "icono.svg",
    ] {
        std::fs::remove_file(dir.join(f)).expect("rm");
    }
    std::fs::write(dir.join("estilo.css"), "main { color: #111; }\n").expect("write");
    let out = tmp.path().join("vista");
    let o = prep(&[
        "site",
        "check",
        d,
        "--render-into",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("1 of 6 site files replaced"),
        "{}",
        text(&o)
    );
    let index = std::fs::read_to_string(out.join("index.html")).expect("rendered index");
    let css = std::fs::read_dir(out.join("assets"))
        .expect("assets")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("estilo."))
        .expect("css asset");
    assert!(index.contains(&format!("assets/{css}")));
    assert_eq!(
        std::fs::read_to_string(out.join("assets").join(&css)).expect("css"),
        "main { color: #111; }\n"
    );
}

#[test]
fn check_refuses_unknown_files_with_exit_2() {
    let tmp = tempfile::tempdir().expect("dir");
    std::fs::write(tmp.path().join("logo.png"), b"x").expect("write");
    let o = prep(&["site", "check", tmp.path().to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.starts_with("prep: error:") && t.contains("logo.png: not a site file"),
        "{t}"
    );
}
