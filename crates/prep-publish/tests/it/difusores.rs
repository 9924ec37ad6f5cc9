//! The public list of difusores: the monitor's `monitor/difusores.json` goes into each corte
//! as `json/difusores.<h>.json`, named by the pointer; a changed list changes that file only;
//! a list that does not check stops the corte with the file's name.

use prep_publish::{Publisher, parse_rfc3339};
use prep_testdata::election::{puebla_gub_dir, puebla_settings};
use prep_testdata::tree::read_tree;

#[test]
fn the_public_list_travels_in_each_corte_named_by_the_pointer() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = puebla_gub_dir(root.path(), "pue", &puebla_settings());
    let store = dir.open_store().expect("store");
    let key = dir.signing_key().expect("key");
    let mut publisher = Publisher::open(dir.clone(), key).expect("publisher");
    let at = |m: u32| parse_rfc3339(&format!("2024-06-03T02:{m:02}:00-06:00")).expect("t");

    // No list yet: no file, no pointer field.
    let first = publisher.cut(&store, at(0), false).expect("corte 1");
    let f1 = read_tree(&first.path);
    assert!(!f1.keys().any(|p| p.starts_with("json/difusores.")));
    assert!(!String::from_utf8_lossy(&f1["json/main.json"]).contains("difusores"));

    let list = root.path().join("pue/monitor");
    std::fs::create_dir_all(&list).expect("mkdir");
    let write = |enabled: bool| {
        std::fs::write(
            list.join("difusores.json"),
            format!(
                r#"[{{"id":"medio","nombre":"El Medio","url":"https://medio.mx/prep","habilitado":true}},
                   {{"id":"otro","nombre":"Otro <b>","url":"http://otro.mx","habilitado":{enabled}}}]"#
            ),
        )
        .expect("list")
    };
    write(true);
    let second = publisher.cut(&store, at(10), false).expect("corte 2");
    let f2 = read_tree(&second.path);
    let pointer: serde_json::Value =
        serde_json::from_slice(&f2["json/main.json"]).expect("pointer");
    let path = pointer["difusores"]
        .as_str()
        .expect("the pointer names the list")
        .to_owned();
    assert!(
        path.starts_with("json/difusores.") && path.ends_with(".json"),
        "{path}"
    );
    let served: Vec<prep_corte::difusores::PublicDifusor> =
        serde_json::from_slice(&f2[&path]).expect("list");
    assert_eq!(served.len(), 2);
    assert_eq!(served[1].nombre, "Otro <b>");
    let manifest = prep_package::Manifest::from_bytes(&f2["manifest.json"]).expect("manifest");
    assert!(
        manifest.files.iter().any(|f| f.path == path),
        "listed in the manifest"
    );

    // Suspension disables one link: a new list file, a new name.
    write(false);
    let third = publisher.cut(&store, at(20), false).expect("corte 3");
    let f3 = read_tree(&third.path);
    let pointer: serde_json::Value =
        serde_json::from_slice(&f3["json/main.json"]).expect("pointer");
    let path3 = pointer["difusores"].as_str().expect("named").to_owned();
    assert_ne!(path3, path);
    assert!(!f3.contains_key(&path));
    let served: Vec<prep_corte::difusores::PublicDifusor> =
        serde_json::from_slice(&f3[&path3]).expect("list");
    assert!(!served[1].habilitado);

    // A list that does not check stops the corte and says where.
    std::fs::write(
        list.join("difusores.json"),
        r#"[{"id":"x","nombre":"X","url":"javascript:1","habilitado":true}]"#,
    )
    .expect("bad list");
    let e = publisher.cut(&store, at(30), false).expect_err("bad list");
    let text = format!("{e:#}");
    assert!(
        text.contains("monitor/difusores.json") && text.contains("url"),
        "{text}"
    );
}
