//! The 3-period rule end to end, with real processes: two nodes (`prep node run`) fed through
//! the `dir` channel (`prep deliver`), watched by `prep monitor run`. One node's channel
//! stops: after 3 update periods it is suspended, the public list the site shows disables its
//! link, and once its channel is back it gets the signed notice, which its public URL serves;
//! the next corte reaches it, it serves the current corte, and it is reinstated.

use crate::common::{Processes, init_synth, node_config, ok, prep, s, start_listening, start_node};
use std::path::Path;
use std::time::{Duration, Instant};

fn get(url: &str) -> Option<Vec<u8>> {
    let mut r = ureq::get(url).call().ok()?;
    r.body_mut().read_to_vec().ok()
}

fn pointer(node: &str) -> serde_json::Value {
    get(&format!("http://{node}/json/main.json"))
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null)
}

fn wait(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn standing(dir: &Path, id: &str) -> String {
    std::fs::read(dir.join("monitor/standing.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v[id]["state"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `prep monitor run` on the election, looking every 200 ms in periods of 2 s with no delay
/// allowed; its child and the address of its status page.
fn start_monitor(election: &Path, log: &Path) -> (std::process::Child, String) {
    start_listening(
        &[
            "monitor",
            "run",
            "--dir",
            &s(election),
            "--listen",
            "127.0.0.1:0",
            "--poll-ms",
            "200",
            "--period-ms",
            "2000",
            "--allowed-delay",
            "0",
        ],
        log,
    )
}

fn enabled_in(list: &serde_json::Value, id: &str) -> Option<bool> {
    list.as_array()?
        .iter()
        .find(|d| d["id"] == id)
        .and_then(|d| d["habilitado"].as_bool())
}

#[test]
fn a_difusor_three_periods_behind_is_suspended_shows_the_notice_and_is_reinstated() {
    let root = tempfile::tempdir().expect("tmp");
    let election = root.path().join("election");
    init_synth(&election, 300);
    let log = root.path().join("stderr.log");
    let mut processes = Processes::default();
    let mut addrs = Vec::new();
    for id in ["a", "b"] {
        let config = node_config(
            &root.path().join(id),
            &election.join("keys/prep.pub"),
            "poll_interval_ms = 50\n",
        );
        let (child, addr) = start_node(&config, &log);
        processes.0.push(child);
        addrs.push(addr);
    }
    let mut difusores = String::new();
    for (id, addr) in ["a", "b"].iter().zip(&addrs) {
        difusores.push_str(&format!(
            "[[difusor]]\nid = \"{id}\"\nname = \"Medio {id}\"\nurl = \"http://{addr}/\"\nenabled = true\ntimeout_seconds = 120\nretries = 0\n\n[difusor.channel]\nkind = \"dir\"\ninbox = \"{}\"\n\n",
            s(&root.path().join(id).join("inbox"))
        ));
    }
    std::fs::write(election.join("difusores.toml"), difusores).expect("difusores");
    let cut_and_deliver = || {
        ok(prep(&["corte", "--dir", &s(&election)]));
        // Exit code 1 while a channel is down: what matters is what each node serves.
        let _ = prep(&["deliver", "--dir", &s(&election)]);
    };
    cut_and_deliver();
    for addr in &addrs {
        wait("corte 1 served", Duration::from_secs(20), || {
            pointer(addr)["sequence"] == 1
        });
    }

    // b's channel stops: its inbox is gone.
    let inbox_b = root.path().join("b/inbox");
    let away = root.path().join("b/inbox.off");
    std::fs::rename(&inbox_b, &away).expect("stop b's channel");
    cut_and_deliver();
    wait("a serves corte 2", Duration::from_secs(20), || {
        pointer(&addrs[0])["sequence"] == 2
    });
    // The monitor starts once a serves corte 2 (a is current from its first period on, however
    // loaded the machine); b is behind from the first.
    let (monitor, monitor_addr) = start_monitor(&election, &log);
    processes.0.push(monitor);

    wait(
        "b suspended after 3 periods",
        Duration::from_secs(60),
        || standing(&election, "b") == "suspended",
    );
    assert_eq!(standing(&election, "a"), "active");
    let status = String::from_utf8(get(&format!("http://{monitor_addr}/")).expect("status page"))
        .expect("utf-8");
    assert!(status.contains("suspendido"), "{status}");

    // The next corte carries the public list with b's link disabled; a serves it.
    cut_and_deliver();
    wait("a serves corte 3", Duration::from_secs(20), || {
        pointer(&addrs[0])["sequence"] == 3
    });
    let p = pointer(&addrs[0]);
    let list_path = p["difusores"]
        .as_str()
        .expect("the pointer names the list")
        .to_owned();
    let list: serde_json::Value = serde_json::from_slice(
        &get(&format!("http://{}/{list_path}", addrs[0])).expect("the list"),
    )
    .expect("json");
    assert_eq!(enabled_in(&list, "b"), Some(false), "{list}");
    assert_eq!(enabled_in(&list, "a"), Some(true), "{list}");

    // b's channel is back: the next round delivers the signed notice, and b's public URL
    // serves it (no corte yet: delivery stopped).
    std::fs::rename(&away, &inbox_b).expect("restore b's channel");
    let _ = prep(&["deliver", "--dir", &s(&election)]);
    wait("b serves the notice", Duration::from_secs(20), || {
        pointer(&addrs[1])["suspended"] == true
    });
    assert_eq!(
        pointer(&addrs[1])["sequence"],
        1,
        "no corte was delivered to b"
    );
    let page =
        String::from_utf8(get(&format!("http://{}/", addrs[1])).expect("page")).expect("utf-8");
    assert!(
        page.contains("Transmisión de resultados preliminares suspendida"),
        "{page}"
    );

    // The next corte reaches b again (the ones it missed first, in order); once it serves the
    // current corte it is reinstated and its link enabled.
    cut_and_deliver();
    wait("b serves corte 4", Duration::from_secs(20), || {
        pointer(&addrs[1])["sequence"] == 4
    });
    assert_ne!(
        pointer(&addrs[1])["suspended"],
        true,
        "the new corte lifts the notice"
    );
    wait("b reinstated", Duration::from_secs(20), || {
        standing(&election, "b") == "active"
    });
    wait("b's link enabled", Duration::from_secs(10), || {
        std::fs::read(election.join("monitor/difusores.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|l| enabled_in(&l, "b"))
            == Some(true)
    });
    let events = std::fs::read_to_string(election.join("monitor/events.jsonl")).expect("events");
    assert!(
        events.contains("\"event\":\"suspend\",\"difusor\":\"b\""),
        "{events}"
    );
    assert!(events.contains("\"event\":\"reinstate\",\"difusor\":\"b\""));

    // The compliance report covers both difusores and every corte.
    let report = prep(&["monitor", "report", "--dir", &s(&election)]);
    let text = ok(report);
    assert!(text.contains("cumplimiento.html"), "{text}");
    let csv = std::fs::read_to_string(election.join("monitor/cumplimiento.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 1 + 2 * 4, "{csv}");
}

/// The 3-period rule for a difusor without a node: its publication folder (`dir-folder`)
/// served by Debian's nginx with `deploy/nginx/folder.conf`. Its folder goes missing: after
/// 3 periods it is suspended; once the folder is back the institute writes the signed notice
/// into it (the notice page over its pages, a suspended `json/main.json` that the monitor
/// finds issued to it); the next corte replaces them and it is reinstated.
#[test]
fn a_folder_difusor_is_suspended_shows_the_notice_the_institute_wrote_and_is_reinstated() {
    let root = tempfile::tempdir().expect("tmp");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    let election = root.path().join("election");
    init_synth(&election, 300);
    let www = root.path().join("www");
    std::fs::create_dir_all(&www).expect("www");
    let Some(nginx) = prep_testdata::component::nginx_publishing(root.path(), &www) else {
        return;
    };
    let site = format!("127.0.0.1:{}", nginx.get("port"));
    std::fs::write(
        election.join("difusores.toml"),
        format!(
            "[[difusor]]\nid = \"b\"\nname = \"Medio b\"\nurl = \"http://{site}/\"\nenabled = true\ntimeout_seconds = 120\nretries = 0\n\n[difusor.channel]\nkind = \"dir-folder\"\nfolder = \"{}\"\n",
            s(&www)
        ),
    )
    .expect("difusores");
    let cut_and_deliver = || {
        ok(prep(&["corte", "--dir", &s(&election)]));
        // Exit code 1 while the folder is away: what matters is what the site serves.
        let _ = prep(&["deliver", "--dir", &s(&election)]);
    };
    cut_and_deliver();
    assert_eq!(pointer(&site)["sequence"], 1);
    let page_of_corte = get(&format!("http://{site}/")).expect("the corte's page");

    // The folder goes away (a file in its place: nothing can be written there).
    let away = root.path().join("www.off");
    std::fs::rename(&www, &away).expect("take the folder away");
    std::fs::write(&www, b"").expect("a file in its place");
    cut_and_deliver();
    let log = root.path().join("stderr.log");
    let (monitor, _) = start_monitor(&election, &log);
    let _processes = Processes(vec![monitor]);
    wait(
        "b suspended after 3 periods",
        Duration::from_secs(60),
        || standing(&election, "b") == "suspended",
    );

    // The folder is back: the next round writes the notice into it.
    std::fs::remove_file(&www).expect("rm");
    std::fs::rename(&away, &www).expect("bring the folder back");
    let _ = prep(&["deliver", "--dir", &s(&election)]);
    let p = pointer(&site);
    assert_eq!(p["suspended"], true, "{p}");
    assert_eq!(p["sequence"], 1, "the corte the folder holds: {p}");
    let n = p["notice"]["sequence"]
        .as_u64()
        .expect("the notice's sequence");
    let page = String::from_utf8(get(&format!("http://{site}/")).expect("page")).expect("utf-8");
    assert!(
        page.contains("Transmisión de resultados preliminares suspendida"),
        "{page}"
    );
    // The signed notice is in the folder, byte for byte the institute's.
    for f in ["notice.json", "notice.json.minisig"] {
        let issued =
            std::fs::read(election.join(format!("monitor/notices/b/{n}/{f}"))).expect("issued");
        let served = get(&format!("http://{site}/avisos/{n}/{f}")).expect("served");
        assert_eq!(served, issued, "{f}");
    }
    // The monitor finds the notice issued to b: still suspended, not a violation.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(standing(&election, "b"), "suspended");

    // The next corte (with the one b missed before it) replaces the notice's page and
    // pointer; b is reinstated.
    cut_and_deliver();
    let p = pointer(&site);
    assert_eq!(p["sequence"], 3, "{p}");
    assert_ne!(p["suspended"], true, "{p}");
    assert_eq!(
        get(&format!("http://{site}/")).expect("page"),
        page_of_corte,
        "the corte's own page is back"
    );
    wait("b reinstated", Duration::from_secs(20), || {
        standing(&election, "b") == "active"
    });
    let verified = prep(&[
        "verify",
        &format!("http://{site}/"),
        "--key",
        &s(&election.join("keys/prep.pub")),
    ]);
    assert!(ok(verified).contains("(sequence 3)"));
}
