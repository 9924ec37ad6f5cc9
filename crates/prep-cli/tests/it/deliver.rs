//! `prep deliver`: two cortes cut by `prep corte` into an election directory's `cortes/`,
//! delivered to a `dir` difusor (the first whole, the second as a delta), a disabled one that
//! gets nothing, a failing one that makes the command exit 1, and a difusores file with an
//! error that makes it exit 2 naming the key.

use crate::common::{ok, prep, s, text};
use prep_testdata::puebla;
use std::path::Path;

fn count_files(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("list") {
        let e = e.expect("entry");
        if e.file_type().expect("type").is_dir() {
            n += count_files(&e.path());
        } else {
            n += 1;
        }
    }
    n
}

#[test]
fn prep_deliver_sends_the_latest_corte_to_every_enabled_difusor() {
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let election = root.join("pue");
    let keys = crate::common::generate_keys(&root.join("keys"));
    let db = puebla("PUE_GUB_2024.csv");
    for (seq, previous) in [("1", None), ("2", Some("000001"))] {
        let out = election.join(format!("cortes/{:0>6}", seq));
        let mut args = vec![
            "corte".to_owned(),
            "--from-database".into(),
            s(&db),
            "--key".into(),
            s(&keys.join("prep.key")),
            "--out".into(),
            s(&out),
            "--sequence".into(),
            seq.into(),
        ];
        if let Some(p) = previous {
            // The same actas again, as a later corte: corte times must move forward.
            args.extend([
                "--previous".into(),
                s(&election.join("cortes").join(p)),
                "--at".into(),
                "2024-06-03T20:15:00-06:00".into(),
            ]);
        }
        ok(prep(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    }
    let inbox = root.join("inbox");
    std::fs::create_dir_all(&inbox).expect("mkdir");
    let difusor = |id: &str, enabled: bool, inbox: &str| {
        format!(
            "[[difusor]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"https://{id}.example.mx/\"\nenabled = {enabled}\nretries = 0\n[difusor.channel]\nkind = \"dir\"\ninbox = {inbox:?}\n"
        )
    };
    let file = election.join("difusores.toml");
    std::fs::write(
        &file,
        [
            difusor("medio", true, &s(&inbox)),
            difusor("apagado", false, "nowhere"),
        ]
        .concat(),
    )
    .expect("write");

    let out = ok(prep(&[
        "deliver",
        "--dir",
        &s(&election),
        "--sequence",
        "1",
    ]));
    assert!(out.contains("every enabled difusor has it"), "{out}");
    let first = inbox.join("corte-000001");
    assert!(first.join(".prep-complete").is_file(), "{out}");
    let whole = count_files(&first);
    assert!(!Path::new("nowhere").exists());

    // No --sequence: the latest, 2; the content is unchanged, so only the signed files go.
    let out = ok(prep(&["deliver", "--dir", &s(&election)]));
    assert!(out.contains("corte    2"), "{out}");
    let second = inbox.join("corte-000002");
    assert!(second.join(".prep-delta").is_file(), "{out}");
    assert!(
        count_files(&second) < whole / 10,
        "{} of {whole}",
        count_files(&second)
    );
    let journal = std::fs::read_to_string(election.join("deliveries.jsonl")).expect("journal");
    assert_eq!(
        journal
            .lines()
            .filter(|l| l.contains("\"outcome\":\"delivered\""))
            .count(),
        2
    );
    assert_eq!(
        journal
            .lines()
            .filter(|l| l.contains("\"outcome\":\"skipped\""))
            .count(),
        2
    );

    // A difusor whose inbox is gone: exit 1, named.
    std::fs::write(&file, difusor("sin-buzon", true, &s(&root.join("gone")))).expect("write");
    let o = prep(&["deliver", "--dir", &s(&election)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("did not reach: sin-buzon"),
        "{}",
        text(&o)
    );

    // A mistake in the file: exit 2, naming the difusor and the key.
    std::fs::write(
        &file,
        difusor("medio", true, "x").replace("kind = \"dir\"", "kind = \"ftp\""),
    )
    .expect("write");
    let o = prep(&["deliver", "--dir", &s(&election)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("prep: error:") && t.contains("difusor \"medio\"") && t.contains("channel.kind"),
        "{t}"
    );
}

#[test]
fn prep_deliver_only_reaches_the_difusores_named_and_refuses_an_unknown_one() {
    let root = tempfile::tempdir().expect("tempdir");
    let election = root.path().join("election");
    crate::common::init_synth(&election, 50);
    let mut difusores = String::new();
    for id in ["a", "b"] {
        difusores.push_str(&format!(
            "[[difusor]]\nid = \"{id}\"\nname = \"Medio {id}\"\nurl = \"http://127.0.0.1:9/\"\nenabled = true\n\n[difusor.channel]\nkind = \"dir-folder\"\nfolder = \"www-{id}\"\n\n"
        ));
    }
    std::fs::write(election.join("difusores.toml"), difusores).expect("difusores");
    ok(prep(&["corte", "--dir", &s(&election)]));
    ok(prep(&["deliver", "--dir", &s(&election), "--only", "b"]));
    assert!(election.join("www-b/json/main.json").is_file());
    assert!(!election.join("www-a").exists(), "a was not named");
    let out = prep(&["deliver", "--dir", &s(&election), "--only", "zz"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--only zz"), "{}", text(&out));
    assert!(text(&out).contains("a, b"), "{}", text(&out));
}
