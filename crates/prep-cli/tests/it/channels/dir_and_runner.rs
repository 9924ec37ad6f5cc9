//! The runner with the `dir` and `pull` channels: three real cortes to two nodes, deltas
//! after the first, a disabled and a suspended difusor that get nothing, a broken channel
//! retried with back-off and recorded, and a difusor that missed a corte caught up in order.

use super::common::{Election, activates, deliver, node, of};
use prep_deliver::{Outcome, difusores};

#[test]
fn cortes_reach_every_enabled_difusor_as_deltas_and_every_attempt_is_recorded() {
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let mut election = Election::new(root);
    let inbox_a = root.join("a/inbox");
    let inbox_b = root.join("b/inbox");
    std::fs::create_dir_all(&inbox_a).expect("mkdir");
    std::fs::create_dir_all(&inbox_b).expect("mkdir");
    let node_a = node(root, "a", &inbox_a, &election.public_key());
    let node_b = node(root, "b", &inbox_b, &election.public_key());
    let entry = |id: &str, extra: &str, channel: &str| {
        format!(
            "[[difusor]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"https://{id}.example.mx/\"\n{extra}\n[difusor.channel]\n{channel}\n"
        )
    };
    let dir_channel = |inbox: &std::path::Path| {
        format!("kind = \"dir\"\ninbox = {:?}", inbox.display().to_string())
    };
    let text = [
        entry("a", "enabled = true", &dir_channel(&inbox_a)),
        entry("b", "enabled = true", &dir_channel(&inbox_b)),
        entry("off", "enabled = false", &dir_channel(&inbox_b)),
        entry(
            "held",
            "enabled = true\nsuspended = true",
            &dir_channel(&inbox_b),
        ),
        entry("puller", "enabled = true", "kind = \"pull\""),
        entry(
            "broken",
            "enabled = true\nretries = 2",
            "kind = \"dir\"\ninbox = \"no/such/inbox\"",
        ),
    ]
    .concat();
    std::fs::write(election.dir.join(difusores::DIFUSORES_FILE), text).expect("write");
    let all = difusores::load(&election.dir).expect("difusores");
    // b misses corte 2: it is left out of that delivery.
    let without_b: Vec<_> = all.iter().filter(|d| d.id != "b").cloned().collect();

    let s1 = election.cut();
    let r1 = deliver(&election.dir, s1, &all);
    activates(&node_a, s1);
    activates(&node_b, s1);
    let a1 = of(&r1, "a");
    assert_eq!(a1.len(), 1);
    assert_eq!(a1[0].outcome, Outcome::Delivered);
    assert_eq!(a1[0].skipped, 0, "the first corte goes whole");
    let listed = election.listed(s1).len() as u64;
    assert_eq!(
        a1[0].files,
        listed + 3,
        "every file, manifest, signature, pointer"
    );
    for id in ["off", "held"] {
        let r = of(&r1, id);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].outcome, Outcome::Skipped);
        assert_eq!(r[0].files, 0);
    }
    assert_eq!(of(&r1, "puller")[0].outcome, Outcome::Available);
    let broken = of(&r1, "broken");
    assert_eq!(
        broken.len(),
        3,
        "the first attempt and 2 retries: {broken:?}"
    );
    assert!(broken.iter().all(|r| r.outcome == Outcome::Failed));
    assert_eq!(
        broken.iter().map(|r| r.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(
        broken[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("no/such/inbox")),
        "{broken:?}"
    );

    let s2 = election.cut();
    let r2 = deliver(&election.dir, s2, &without_b);
    activates(&node_a, s2);
    let a2 = of(&r2, "a");
    let (new_files, new_bytes) = election.new_in(s1, s2);
    assert!(
        new_files > 0 && new_files < listed / 2,
        "{new_files} of {listed}"
    );
    assert_eq!(a2[0].files, new_files + 3, "only what changed: {a2:?}");
    assert_eq!(a2[0].skipped, listed - new_files);
    assert!(
        a2[0].bytes >= new_bytes && a2[0].bytes < a1[0].bytes / 2,
        "{a2:?}"
    );

    // Corte 3 to everyone: b holds 1, so it gets 2 then 3, in order, each a delta.
    let s3 = election.cut();
    let r3 = deliver(&election.dir, s3, &all);
    activates(&node_a, s3);
    activates(&node_b, s3);
    let b3 = of(&r3, "b");
    assert_eq!(
        b3.iter()
            .map(|r| (r.sequence, r.outcome))
            .collect::<Vec<_>>(),
        [(s2, Outcome::Delivered), (s3, Outcome::Delivered)]
    );
    assert!(b3.iter().all(|r| r.skipped > 0), "deltas: {b3:?}");
    // Delivered again: nothing to do for those up to date.
    let again = deliver(&election.dir, s3, &all);
    assert!(
        of(&again, "a").is_empty() && of(&again, "b").is_empty(),
        "{again:?}"
    );

    // Everything returned was appended to deliveries.jsonl (in the order attempts ended).
    let key = |r: &prep_deliver::DeliveryRecord| {
        (r.difusor.clone(), r.sequence, r.attempt, r.start.clone())
    };
    let mut journal = prep_deliver::record::read(&election.dir).expect("journal");
    let mut returned: Vec<_> = [r1, r2, r3, again].concat();
    journal.sort_by_key(key);
    returned.sort_by_key(key);
    assert_eq!(journal, returned);
}

#[test]
fn an_attempt_that_hangs_is_cut_at_its_timeout_and_retried() {
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let mut election = Election::new(root);
    // A server that never answers: connections complete in the backlog, no banner comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    std::fs::write(root.join("known_hosts"), "").expect("write");
    // A real key (ssh-keygen: openssh-client, which openssh-server brings), so the sftp
    // client gets as far as the connection.
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(root.join("key"))
        .status()
        .expect("ssh-keygen (apt-get install openssh-client)");
    assert!(made.success());
    let text = format!(
        "[[difusor]]\nid = \"mudo\"\nname = \"Mudo\"\nurl = \"https://mudo.example.mx/\"\nenabled = true\ntimeout_seconds = 1\nretries = 1\n[difusor.channel]\nkind = \"rsync\"\nhost = \"127.0.0.1\"\nport = {port}\nuser = \"prep\"\nkey_file = {:?}\nknown_hosts = {:?}\ninbox = \"inbox\"\n",
        root.join("key").display().to_string(),
        root.join("known_hosts").display().to_string(),
    );
    std::fs::write(election.dir.join(difusores::DIFUSORES_FILE), text.clone()).expect("write");
    let sftp_text = text.replace("kind = \"rsync\"", "kind = \"sftp\"");
    let seq = election.cut();
    for text in [text, sftp_text] {
        std::fs::write(election.dir.join(difusores::DIFUSORES_FILE), &text).expect("write");
        let all = difusores::load(&election.dir).expect("difusores");
        let t0 = std::time::Instant::now();
        let records = deliver(&election.dir, seq, &all);
        let r = of(&records, "mudo");
        assert_eq!(r.len(), 2, "{r:?}");
        for (n, rec) in r.iter().enumerate() {
            assert_eq!(rec.attempt, n as u32 + 1);
            assert_eq!(rec.outcome, Outcome::TimedOut, "{rec:?}");
            assert!((1000..3000).contains(&rec.duration_ms), "{rec:?}");
            assert!(
                rec.error
                    .as_deref()
                    .is_some_and(|e| e.contains("timeout_seconds = 1"))
            );
        }
        assert!(t0.elapsed() < std::time::Duration::from_secs(6));
    }
    drop(silent);
}

/// A node that holds corte 1 although no delivery of it is on record (an attempt timed out
/// after its copy had started, and the copy landed): the next round sends every corte from the
/// first; the node refuses the one it holds and takes the rest as its chain.
#[test]
fn a_difusor_with_nothing_on_record_gets_every_corte_from_the_first() {
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    let mut election = Election::new(root);
    let inbox = root.join("n/inbox");
    std::fs::create_dir_all(&inbox).expect("mkdir");
    let n = node(root, "n", &inbox, &election.public_key());
    std::fs::write(
        election.dir.join(difusores::DIFUSORES_FILE),
        format!(
            "[[difusor]]\nid = \"n\"\nname = \"n\"\nurl = \"https://n.example.mx/\"\nenabled = true\n[difusor.channel]\nkind = \"dir\"\ninbox = {:?}\n",
            inbox.display().to_string()
        ),
    )
    .expect("write");
    let all = difusores::load(&election.dir).expect("difusores");
    let s1 = election.cut();
    // Corte 1 reaches the node off the record.
    prep_inbox::deliver(
        &prep_deliver::corte_dir(&election.dir, s1),
        &inbox,
        "off-record",
    )
    .expect("deliver");
    activates(&n, s1);
    let s2 = election.cut();
    let s3 = election.cut();
    let records = deliver(&election.dir, s3, &all);
    let sent: Vec<u64> = of(&records, "n").iter().map(|r| r.sequence).collect();
    assert_eq!(sent, [s1, s2, s3], "{records:?}");
    // The node refuses corte 1 again (replay) and activates 2 then 3; `activates` panics on a
    // refusal, so the replay is taken from the inbox first.
    let outcomes = n.poll_inbox().expect("poll");
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, prep_node::Outcome::Rejected { code, .. } if *code == "replay")),
        "{outcomes:?}"
    );
    activates(&n, s3);
}
