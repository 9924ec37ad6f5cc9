//! The monitor against three difusor sites on loopback: one current, one behind, one serving
//! an altered file. Three failed periods suspend (the actions are called, the public list
//! disables the link, the standing survives a restart); serving the current corte reinstates.
//! A corte switching between the monitor's reads is not tampering; a notice still shown
//! does not reinstate.

use crate::common::{NOW, publish, publish_with_page};
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use prep_monitor::{Actions, Monitor, MonitorConfig, Observer, Standing, Watched};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A difusor's site: serves the files of the directory it currently points at.
#[derive(Clone)]
struct Site(Arc<Mutex<PathBuf>>);

async fn file(
    State(site): State<Site>,
    UrlPath(path): UrlPath<String>,
) -> axum::response::Response {
    let root = site.0.lock().expect("lock").clone();
    if path.contains("..") {
        return StatusCode::NOT_FOUND.into_response();
    }
    match std::fs::read(root.join(path)) {
        Ok(bytes) => bytes.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

fn serve_site(root: &Path) -> (Site, String) {
    let site = Site(Arc::new(Mutex::new(root.to_owned())));
    let app = axum::Router::new()
        .route("/{*path}", axum::routing::get(file))
        .with_state(site.clone());
    (site, serve(app))
}

/// Serves `app` on a loopback port; returns its base URL (with the trailing slash).
fn serve(app: axum::Router) -> String {
    format!("{}/", prep_testdata::serve::router(app))
}

/// Records what the monitor asked for.
#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<Vec<String>>>);

impl Actions for Recorded {
    fn suspend(&self, difusor: &str, at_sequence: u64) -> anyhow::Result<()> {
        self.0
            .lock()
            .expect("lock")
            .push(format!("suspend {difusor} {at_sequence}"));
        Ok(())
    }
    fn reinstate(&self, difusor: &str) -> anyhow::Result<()> {
        self.0
            .lock()
            .expect("lock")
            .push(format!("reinstate {difusor}"));
        Ok(())
    }
}

fn open(root: &Path, difusores: &[Watched], actions: Recorded) -> Monitor {
    let config = MonitorConfig {
        spot_checks: 10,
        ..MonitorConfig::default()
    };
    let observer =
        Observer::new(root, config.spot_checks, None, Duration::from_secs(5)).expect("observer");
    Monitor::open(root, difusores, config, observer, Box::new(actions)).expect("monitor")
}

fn standing(m: &Monitor, id: &str) -> Standing {
    m.status()
        .into_iter()
        .find(|d| d.id == id)
        .expect("row")
        .standing
}

#[test]
fn three_failed_periods_suspend_and_the_current_corte_reinstates() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let c1 = publish(root, 1, 1200);
    let c2 = publish(root, 2, 600);
    // A copy of corte 2 with one data file altered (same size).
    let altered = root.join("altered");
    copy(&c2, &altered);
    std::fs::write(altered.join("json/total.2.json"), b"{\"n\":9}").expect("alter");

    let (_current, url_a) = serve_site(&c2);
    let (behind, url_b) = serve_site(&c1);
    let (_altered, url_c) = serve_site(&altered);
    let watched = |id: &str, url: &str| Watched {
        id: id.into(),
        name: format!("Medio {id}"),
        url: url.into(),
    };
    let difusores = [
        watched("a", &url_a),
        watched("b", &url_b),
        watched("c", &url_c),
    ];
    let actions = Recorded::default();
    let m = open(root, &difusores, actions.clone());

    m.poll(NOW).expect("poll");
    let rows = m.status();
    assert_eq!(rows[0].sequence, Some(2));
    assert_eq!(
        (rows[0].lag_cortes, rows[0].lag_seconds, rows[0].violations),
        (0, 0, 0)
    );
    assert_eq!(
        (rows[1].sequence, rows[1].lag_cortes, rows[1].lag_seconds),
        (Some(1), 1, 600)
    );
    assert_eq!(rows[2].sequence, Some(2));
    assert_eq!(
        rows[2].violations, 1,
        "the altered file is found: {:?}",
        rows[2]
    );

    for period in 1..=3 {
        m.end_period(NOW + period).expect("period");
        if period < 3 {
            m.poll(NOW + period).expect("poll");
        }
    }
    assert_eq!(standing(&m, "a"), Standing::Active);
    assert_eq!(standing(&m, "b"), Standing::Suspended { at_sequence: 2 });
    assert_eq!(standing(&m, "c"), Standing::Suspended { at_sequence: 2 });
    assert_eq!(
        *actions.0.lock().expect("lock"),
        ["suspend b 2", "suspend c 2"]
    );
    let public: Vec<prep_corte::difusores::PublicDifusor> = serde_json::from_slice(
        &std::fs::read(root.join("monitor/difusores.json")).expect("public list"),
    )
    .expect("json");
    let enabled: Vec<(&str, bool)> = public
        .iter()
        .map(|p| (p.id.as_str(), p.habilitado))
        .collect();
    assert_eq!(enabled, [("a", true), ("b", false), ("c", false)]);
    let page = prep_monitor::status::status_page(&m.status(), Some(2));
    assert!(page.contains("suspendido (corte 2)"));

    // The standing survives a restart.
    drop(m);
    let m = open(root, &difusores, actions.clone());
    assert_eq!(standing(&m, "b"), Standing::Suspended { at_sequence: 2 });

    // b catches up: reinstated at the next look; c still altered: stays suspended.
    *behind.0.lock().expect("lock") = c2.clone();
    m.poll(NOW + 10).expect("poll");
    assert_eq!(standing(&m, "b"), Standing::Active);
    assert_eq!(standing(&m, "c"), Standing::Suspended { at_sequence: 2 });
    assert_eq!(
        actions.0.lock().expect("lock").last().map(String::as_str),
        Some("reinstate b")
    );
    let events = std::fs::read_to_string(root.join("monitor/events.jsonl")).expect("events");
    assert!(events.contains("\"event\":\"suspend\""));
    assert!(events.contains("\"event\":\"reinstate\",\"difusor\":\"b\""));
    assert!(
        events.contains("\"path\":\"json/total.2.json\""),
        "the violation is recorded"
    );
    let text = prep_monitor::status::metrics(&m.status(), Some(2));
    assert!(text.contains("prep_monitor_suspended{difusor=\"c\"} 1"));
    assert!(text.contains("prep_monitor_suspended{difusor=\"b\"} 0"));
}

#[test]
fn an_unreachable_site_is_an_error_not_a_violation() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    publish(root, 1, 100);
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let difusores = [Watched {
        id: "x".into(),
        name: "X".into(),
        url: format!("http://127.0.0.1:{port}"),
    }];
    let m = open(root, &difusores, Recorded::default());
    m.poll(NOW).expect("poll");
    let row = &m.status()[0];
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot fetch")),
        "{row:?}"
    );
    assert_eq!(
        (row.violations, row.reachable, row.lag_cortes),
        (0, false, 1)
    );
}

fn copy(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::create_dir_all(to).expect("mkdir");
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// A difusor node that activates its next corte right after answering a `json/main.json`:
/// the monitor reads the pointer of one corte and the files of the next.
#[derive(Clone)]
struct Switching {
    /// The cortes it serves, in activation order, and the index of the active one.
    cortes: Arc<Mutex<(Vec<PathBuf>, usize)>>,
}

async fn switching_file(
    State(site): State<Switching>,
    UrlPath(path): UrlPath<String>,
) -> axum::response::Response {
    let mut state = site.cortes.lock().expect("lock");
    let root = state.0[state.1].clone();
    if path == "json/main.json" && state.1 + 1 < state.0.len() {
        state.1 += 1;
    }
    drop(state);
    match std::fs::read(root.join(&path)) {
        Ok(bytes) if !path.contains("..") => bytes.into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn serve_switching(cortes: Vec<PathBuf>) -> String {
    let site = Switching {
        cortes: Arc::new(Mutex::new((cortes, 0))),
    };
    serve(
        axum::Router::new()
            .route("/{*path}", axum::routing::get(switching_file))
            .with_state(site),
    )
}

fn one(id: &str, url: &str) -> [Watched; 1] {
    [Watched {
        id: id.into(),
        name: format!("Medio {id}"),
        url: url.into(),
    }]
}

#[test]
fn a_corte_switching_between_the_reads_is_not_an_altered_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let c1 = publish(root, 1, 1200);
    let c2 = publish(root, 2, 600);
    let c3 = publish(root, 3, 300);
    // Two switches within one look: corte 1's pointer, corte 2's files and pointer, then 3.
    let url = serve_switching(vec![c1, c2, c3]);
    let m = open(root, &one("s", &url), Recorded::default());
    m.poll(NOW).expect("poll");
    let row = &m.status()[0];
    assert_eq!(row.violations, 0, "a switch is not tampering: {row:?}");
    assert_eq!(
        row.sequence,
        Some(3),
        "the newer corte is the one checked: {row:?}"
    );
    let events = std::fs::read_to_string(root.join("monitor/events.jsonl")).expect("events");
    assert!(!events.contains("\"violations\":[{"), "{events}");
}

#[test]
fn an_altered_file_is_still_found_when_the_corte_switches_to_an_altered_copy() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let c1 = publish(root, 1, 1200);
    let c2 = publish(root, 2, 600);
    let altered = root.join("altered");
    copy(&c2, &altered);
    std::fs::write(altered.join("json/total.2.json"), b"{\"n\":9}").expect("alter");
    let url = serve_switching(vec![c1, altered]);
    let m = open(root, &one("t", &url), Recorded::default());
    m.poll(NOW).expect("poll");
    let row = &m.status()[0];
    assert_eq!(row.sequence, Some(2), "{row:?}");
    assert_eq!(row.violations, 1, "the altered file of corte 2: {row:?}");
    let events = std::fs::read_to_string(root.join("monitor/events.jsonl")).expect("events");
    assert!(
        events.contains("\"path\":\"json/total.2.json\""),
        "{events}"
    );
}

#[test]
fn a_folder_whose_page_is_already_the_next_cortes_is_switching_not_altered() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let c1 = publish_with_page(root, 1, 1200, b"<!doctype html><p>1");
    let c2 = publish_with_page(root, 2, 600, b"<!doctype html><p>2");
    // A publication folder mid-switch: corte 2's page written, the pointer still corte 1's.
    let folder = root.join("folder");
    copy(&c1, &folder);
    std::fs::copy(c2.join("index.html"), folder.join("index.html")).expect("page");
    let (_site, url) = serve_site(&folder);
    let observer = Observer::new(root, 10, None, Duration::from_secs(10)).expect("observer");
    let seen = observer.observe(&url);
    assert_eq!(seen.sequence, Some(1), "{seen:?}");
    assert!(seen.violations.is_empty(), "a switch in progress: {seen:?}");

    // A page no corte of the institute has is altered, whatever the cortes around it.
    std::fs::write(folder.join("index.html"), b"<!doctype html><p>otro").expect("alter");
    let seen = observer.observe(&url);
    assert_eq!(seen.violations.len(), 1, "{seen:?}");
    assert_eq!(seen.violations[0].path, "index.html");
    // Nor is an older corte's page a switch: the pointer goes last, so it cannot be.
    std::fs::copy(c1.join("index.html"), folder.join("index.html")).expect("page");
    let c2_folder = root.join("folder2");
    copy(&c2, &c2_folder);
    std::fs::copy(c1.join("index.html"), c2_folder.join("index.html")).expect("page");
    let (_site2, url2) = serve_site(&c2_folder);
    let seen = observer.observe(&url2);
    assert_eq!(seen.sequence, Some(2), "{seen:?}");
    assert_eq!(seen.violations.len(), 1, "{seen:?}");
}

/// Writes `standing` for `id` as a previous run of the monitor left it.
fn leave_standing(root: &Path, id: &str, standing: Standing) {
    let dir = root.join(prep_monitor::monitor::MONITOR_DIR);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let text = serde_json::json!({ id: standing }).to_string();
    std::fs::write(dir.join("standing.json"), text).expect("standing");
}

/// Records notice `sequence` as issued by the institute to difusor `id` (where the deliverer
/// writes it), and returns what a node serving it adds to its pointer.
fn issue_notice(root: &Path, id: &str, sequence: u64) -> serde_json::Value {
    let notice = serde_json::json!({
        "sequence": sequence,
        "title": "Transmisión suspendida",
        "issued": "2024-06-04T01:00:00Z",
    });
    let dir = root
        .join(prep_monitor::observe::NOTICES_DIR)
        .join(id)
        .join(sequence.to_string());
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("notice.json"), notice.to_string()).expect("notice");
    notice
}

#[test]
fn a_suspended_difusor_still_showing_the_notice_is_not_reinstated() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    publish(root, 1, 1200);
    let c2 = publish(root, 2, 600);
    // The node shows the notice over the current corte: its pointer says suspended.
    let noticed = root.join("noticed");
    copy(&c2, &noticed);
    let pointer: serde_json::Value =
        serde_json::from_slice(&std::fs::read(c2.join("json/main.json")).expect("pointer"))
            .expect("json");
    let mut pointer = pointer.as_object().expect("object").clone();
    pointer.insert("suspended".into(), true.into());
    pointer.insert("notice".into(), issue_notice(root, "n", 1));
    std::fs::write(
        noticed.join("json/main.json"),
        serde_json::to_vec(&pointer).expect("json"),
    )
    .expect("write");
    std::fs::write(noticed.join("index.html"), "<p>Aviso de suspensión</p>").expect("page");

    leave_standing(root, "n", Standing::Suspended { at_sequence: 2 });
    let (site, url) = serve_site(&noticed);
    let actions = Recorded::default();
    let m = open(root, &one("n", &url), actions.clone());
    m.poll(NOW).expect("poll");
    assert!(m.status()[0].notice);
    assert_eq!(standing(&m, "n"), Standing::Suspended { at_sequence: 2 });
    m.end_period(NOW + 1).expect("period");
    assert_eq!(standing(&m, "n"), Standing::Suspended { at_sequence: 2 });
    assert!(actions.0.lock().expect("lock").is_empty());
    assert!(!m.public_list()[0].habilitado);

    // The notice is taken down (the node serves the corte itself): reinstated.
    *site.0.lock().expect("lock") = c2;
    m.poll(NOW + 2).expect("poll");
    assert_eq!(standing(&m, "n"), Standing::Active);
    assert_eq!(*actions.0.lock().expect("lock"), ["reinstate n"]);
}

#[test]
fn content_appended_to_a_signed_file_is_an_altered_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let c1 = publish(root, 1, 100);
    let injected = root.join("injected");
    copy(&c1, &injected);
    let page = std::fs::read_to_string(c1.join("index.html")).expect("page");
    std::fs::write(
        injected.join("index.html"),
        format!("{page}<script src=\"https://example.invalid/x.js\"></script>"),
    )
    .expect("inject");
    let (_site, url) = serve_site(&injected);
    let m = open(root, &one("i", &url), Recorded::default());
    m.poll(NOW).expect("poll");
    let row = &m.status()[0];
    assert_eq!(
        row.violations, 1,
        "the page with a script appended: {row:?}"
    );
    let events = std::fs::read_to_string(root.join("monitor/events.jsonl")).expect("events");
    assert!(events.contains("\"path\":\"index.html\""), "{events}");
}

#[test]
fn a_pointer_that_says_what_the_manifest_does_not_sign_is_an_altered_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let c1 = publish(root, 1, 100);
    let good = std::fs::read_to_string(c1.join("json/main.json")).expect("pointer");
    let notice = issue_notice(root, "p", 1);
    let noticed_line = format!(",\n  \"notice\": {notice}");
    for (from, to) in [
        ("\"corte 1\"", "\"03/06/2024 23:59 (UTC-6)\""),
        ("\"final\": false", "\"final\": true"),
        (
            "\"manifest_sha256\"",
            "\"databases\": {\"gub\": \"historial/1/x.zip\"},\n  \"manifest_sha256\"",
        ),
        // Suspended by a notice issued to it, but with another corte time: the notice may add
        // only itself.
        (
            "\"corte 1\",",
            "\"03/06/2024 23:59 (UTC-6)\",\n  \"suspended\": true,",
        ),
    ] {
        let mut changed = good.replace(from, to);
        if changed.contains("\"suspended\"") {
            changed = changed.replacen("\n}", &format!("{noticed_line}\n}}"), 1);
        }
        assert_ne!(changed, good, "{to}");
        let site_dir = root.join("changed");
        let _ = std::fs::remove_dir_all(&site_dir);
        copy(&c1, &site_dir);
        std::fs::write(site_dir.join("json/main.json"), changed).expect("write");
        let (_site, url) = serve_site(&site_dir);
        let m = open(root, &one("p", &url), Recorded::default());
        m.poll(NOW).expect("poll");
        let row = &m.status()[0];
        assert_eq!(row.violations, 1, "{to}: {row:?}");
    }
    // A suspension no notice of the institute's says: a site cannot claim one to show pages
    // of its own (pages are not spot-checked while a notice is in force).
    let mut claimed: serde_json::Value = serde_json::from_str(&good).expect("json");
    claimed["suspended"] = true.into();
    claimed["notice"] =
        serde_json::json!({"sequence": 7, "title": "Falso", "issued": "2024-06-04T01:00:00Z"});
    let site_dir = root.join("claimed");
    copy(&c1, &site_dir);
    std::fs::write(
        site_dir.join("json/main.json"),
        serde_json::to_vec(&claimed).expect("json"),
    )
    .expect("write");
    std::fs::write(site_dir.join("index.html"), "<p>Sitio propio</p>").expect("page");
    let (_site, url) = serve_site(&site_dir);
    let m = open(root, &one("r", &url), Recorded::default());
    m.poll(NOW).expect("poll");
    let row = &m.status()[0];
    assert_eq!(row.violations, 1, "{row:?}");
    // The notice the institute issued, over the signed pointer, is not a violation.
    let mut noticed: serde_json::Value = serde_json::from_str(&good).expect("json");
    noticed["suspended"] = true.into();
    noticed["notice"] = issue_notice(root, "q", 1);
    let site_dir = root.join("noticed");
    copy(&c1, &site_dir);
    std::fs::write(
        site_dir.join("json/main.json"),
        serde_json::to_vec(&noticed).expect("json"),
    )
    .expect("write");
    let (_site, url) = serve_site(&site_dir);
    let m = open(root, &one("q", &url), Recorded::default());
    m.poll(NOW).expect("poll");
    let row = &m.status()[0];
    assert_eq!(row.violations, 0, "{row:?}");
    assert!(row.notice, "{row:?}");
}

/// A tampering site that answers every read of its pointer after the first with a newer,
/// made-up corte, hoping the monitor takes it for a switch in progress.
#[derive(Clone)]
struct Fleeing {
    corte: PathBuf,
    reads: Arc<std::sync::atomic::AtomicU64>,
}

async fn fleeing_file(
    State(site): State<Fleeing>,
    UrlPath(path): UrlPath<String>,
) -> axum::response::Response {
    if path == "json/main.json" {
        let n = site
            .reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n > 0 {
            return format!("{{\"sequence\":{},\"manifest_sha256\":\"x\"}}", n + 1).into_response();
        }
    }
    match std::fs::read(site.corte.join(&path)) {
        Ok(bytes) if !path.contains("..") => bytes.into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[test]
fn a_pointer_fleeing_to_unpublished_cortes_does_not_hide_an_altered_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let c1 = publish(root, 1, 100);
    let altered = root.join("altered");
    copy(&c1, &altered);
    std::fs::write(altered.join("json/total.1.json"), b"{\"n\":9}").expect("alter");
    let url = serve(
        axum::Router::new()
            .route("/{*path}", axum::routing::get(fleeing_file))
            .with_state(Fleeing {
                corte: altered,
                reads: Arc::default(),
            }),
    );
    let m = open(root, &one("f", &url), Recorded::default());
    m.poll(NOW).expect("poll");
    let row = &m.status()[0];
    assert_eq!(row.sequence, Some(1), "{row:?}");
    assert_eq!(row.violations, 1, "the altered file of corte 1: {row:?}");
}
