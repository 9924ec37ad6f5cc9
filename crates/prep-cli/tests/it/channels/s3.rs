//! The `s3` channel against an S3-compatible server on loopback (moto, started by
//! `scripts/s3.sh`): two real cortes uploaded in the origin layout and read back — every
//! object by its SHA-256, the corte's files byte for byte, `latest.json` — and the second
//! upload sends only the objects the bucket lacked; a node pulling from the bucket (its `[pull]`
//! origin is the bucket's URL, no event stream) activates each corte, fetching only the
//! files it lacks. Under CI=true a missing moto fails.

use super::common::{Election, deliver, node, of};
use futures::TryStreamExt;
use object_store::{GetOptions, ObjectStore};
use prep_deliver::channel::s3::S3Channel;
use prep_deliver::{Outcome, difusores};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// moto on a free port; stopped when dropped.
struct Moto {
    base: PathBuf,
    port: String,
}

impl Moto {
    fn start() -> Option<Moto> {
        let installed = Command::new("moto_server")
            .arg("--help")
            .output()
            .is_ok_and(|o| o.status.success());
        if !installed {
            assert!(
                !prep_testdata::in_ci(),
                "moto_server is not installed (pip install 'moto[server]'); CI must install it"
            );
            eprintln!("SKIPPED: moto_server is not installed (pip install 'moto[server]')");
            return None;
        }
        let base =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("moto-{}", std::process::id()));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/s3.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg(&base)
            .output()
            .expect("run s3.sh");
        assert!(
            out.status.success(),
            "scripts/s3.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let port = stdout
            .lines()
            .find_map(|l| l.strip_prefix("port="))
            .expect("port")
            .to_owned();
        Some(Moto { base, port })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.base.join("moto.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

async fn read(store: &dyn ObjectStore, key: &str) -> Vec<u8> {
    let got = store
        .get_opts(&object_store::path::Path::from(key), GetOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{key}: {e}"));
    got.bytes().await.expect("bytes").to_vec()
}

#[test]
fn two_cortes_are_uploaded_in_the_origin_layout_and_the_second_sends_only_new_objects() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    // moto creates a bucket on an unsigned PUT.
    ureq::put(format!("{endpoint}/prep-origen"))
        .send_empty()
        .expect("create bucket");
    let root = tempfile::tempdir().expect("tempdir");
    let mut election = Election::new(root.path());
    std::fs::write(
        election.dir.join("s3-credentials.toml"),
        "access_key_id = \"prueba\"\nsecret_access_key = \"prueba-secreta\"\n",
    )
    .expect("write");
    let text = format!(
        "[[difusor]]\nid = \"cdn\"\nname = \"CDN\"\nurl = \"https://cdn.example.mx/\"\nenabled = true\n[difusor.channel]\nkind = \"s3\"\nendpoint = \"{endpoint}\"\nbucket = \"prep-origen\"\ncredentials_file = \"s3-credentials.toml\"\n"
    );
    std::fs::write(election.dir.join(difusores::DIFUSORES_FILE), text).expect("write");
    let all = difusores::load(&election.dir).expect("difusores");
    let difusores::Channel::S3(settings) = &all[0].channel else {
        panic!("s3")
    };
    let channel = S3Channel {
        s3: settings.clone(),
    };
    let store = channel.open_store().expect("store");
    let rt = tokio::runtime::Runtime::new().expect("runtime");

    // The bucket is a CDN origin: anyone may read it (a public-read policy).
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::prep-origen/*"}]}"#;
    ureq::put(format!("{endpoint}/prep-origen?policy"))
        .send(policy)
        .expect("public-read policy");
    // A node that pulls from the bucket (moto serves it path-style).
    let cdn_node = node(
        root.path(),
        "cdn-node",
        &root.path().join("cdn-inbox"),
        &election.public_key(),
    );
    std::fs::create_dir_all(root.path().join("cdn-inbox")).expect("inbox");
    let puller = prep_node::Puller::new(
        prep_node::PullConfig {
            origin: format!("{endpoint}/prep-origen"),
            interval_ms: 1000,
            events: false,
            timeout_ms: 10_000,
        }
        .validate()
        .expect("pull config"),
    )
    .expect("puller");

    let mut previous: Option<HashSet<String>> = None;
    for _ in 0..2 {
        let seq = election.cut();
        let records = deliver(&election.dir, seq, &all);
        let r = of(&records, "cdn");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].outcome, Outcome::Delivered, "{r:?}");
        let listed = election.listed(seq);
        let hashes: HashSet<String> = listed.iter().map(|f| f.1.clone()).collect();
        let new: HashSet<&String> = hashes
            .iter()
            .filter(|h| previous.as_ref().is_none_or(|p| !p.contains(*h)))
            .collect();
        // The new objects, the corte's three files and latest.json.
        assert_eq!(r[0].files, new.len() as u64 + 4, "{r:?}");
        eprintln!("corte {seq}: s3 {} files {} bytes", r[0].files, r[0].bytes);
        rt.block_on(async {
            let keys: Vec<String> = store
                .list(None)
                .map_ok(|m| m.location.to_string())
                .try_collect()
                .await
                .expect("list");
            let objects: HashSet<&str> = keys
                .iter()
                .filter_map(|k| k.strip_prefix("objects/"))
                .collect();
            for h in &hashes {
                assert!(objects.contains(h.as_str()), "objects/{h} is missing");
            }
            for (path, sha256, size) in &listed {
                let bytes = read(&*store, &format!("objects/{sha256}")).await;
                assert_eq!(bytes.len() as u64, *size, "{path}");
                assert_eq!(&prep_package::sha256_hex(&bytes), sha256, "{path}");
            }
            let corte = prep_deliver::corte_dir(&election.dir, seq);
            for f in ["manifest.json", "manifest.json.minisig", "json/main.json"] {
                assert_eq!(
                    read(&*store, &format!("cortes/{seq}/{f}")).await,
                    std::fs::read(corte.join(f)).expect("read"),
                    "{f}"
                );
            }
            let latest: serde_json::Value =
                serde_json::from_slice(&read(&*store, "latest.json").await).expect("json");
            assert_eq!(latest, serde_json::json!({"sequence": seq}));
        });
        let pulled = puller.pull(&cdn_node).expect("pull from the bucket");
        assert_eq!(
            cdn_node.current().map(|c| c.sequence),
            Some(seq),
            "{pulled:?}"
        );
        assert_eq!(pulled.cortes, 1);
        assert_eq!(
            pulled.files,
            new.len() as u64 + 3,
            "only what the node lacked: {pulled:?}"
        );
        previous = Some(hashes);
    }
}
