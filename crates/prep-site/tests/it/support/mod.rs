//! Test support: a real package with the site, a loopback static server that logs what it
//! serves, headless Chromium with its net log, and readers of the DOM it dumps.

use prep_corte::{CorteInfo, ElectionInput, PackageFile};
use prep_count::{CorteStage, Rules};
use prep_csv::Database;
use prep_site::{SiteElection, SiteInfo};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The image host the test site links acta images to.
pub const IMAGE_HOST: &str = "https://imagenes.ieepuebla.example/actas/";

/// A package written to a temporary directory.
pub struct Pkg {
    /// Its directory.
    pub dir: tempfile::TempDir,
    listed: Vec<String>,
}

impl Pkg {
    /// A JSON file of the package.
    pub fn json(&self, rel: &str) -> Value {
        let bytes = std::fs::read(self.dir.path().join(rel)).expect("package file");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    /// Whether the package has this file (the manifest's list, or the pointer).
    pub fn listed(&self, rel: &str) -> bool {
        rel == prep_corte::POINTER_PATH || self.listed.iter().any(|p| p == rel)
    }
}

use prep_testdata::read_puebla as read;

/// The Puebla 2024 databases, parsed.
pub struct Sources {
    gub_bytes: Vec<u8>,
    ayun_bytes: Vec<u8>,
    /// GUBERNATURA.
    pub gub: Database,
    /// AYUNTAMIENTOS.
    pub ayun: Database,
    gub_cand: prep_model::CandidacyMap,
    ayun_cand: prep_model::CandidacyMap,
}

impl Sources {
    /// Reads them from ../shared.
    pub fn read() -> Sources {
        let gub_bytes = read("PUE_GUB_2024.csv");
        let ayun_bytes = read("PUE_AYUN_2024.csv");
        Sources {
            gub: Database::from_bytes(&gub_bytes).expect("GUB database"),
            ayun: Database::from_bytes(&ayun_bytes).expect("AYUN database"),
            gub_bytes,
            ayun_bytes,
            gub_cand: prep_csv::read_candidaturas(&read("PUE_GUB_Candidaturas_2024.csv")[..])
                .expect("GUB candidacies"),
            ayun_cand: prep_csv::read_candidaturas(&read("PUE_AYUN_Candidaturas_2024.csv")[..])
                .expect("AYUN candidacies"),
        }
    }

    /// One corte of both elections with the default site, at `corte` (`dd/mm/yyyy hh:mm
    /// (UTC-6)`), from the given GUBERNATURA rows; assembled, not signed (the site does not
    /// need the signature).
    pub fn corte(&self, gub: &Database, corte: &str, sequence: u64) -> prep_corte::Package {
        let zip_path = format!(
            "datos/{}",
            prep_corte::database_zip_name(corte, "PUE").expect("zip name")
        );
        let zip = PackageFile {
            path: zip_path.clone(),
            bytes: prep_corte::zip(&[
                ("PUE_GUB_2024.csv", &self.gub_bytes),
                ("PUE_AYUN_2024.csv", &self.ayun_bytes),
            ])
            .expect("zip"),
        };
        let rules = Rules::anexo13();
        let input = |id, title, database, candidacies| ElectionInput {
            id,
            title,
            database,
            candidacies: Some(candidacies),
            rules: &rules,
            stage: CorteStage::Preliminary,
            database_path: Some(&zip_path),
        };
        let data = prep_corte::build_data(&[
            input("gub", "GUBERNATURA", gub, &self.gub_cand),
            input("ayun", "AYUNTAMIENTOS", &self.ayun, &self.ayun_cand),
        ]);
        let mut extra = prep_site::Site::default()
            .render(&site_info())
            .expect("site renders");
        extra.push(zip);
        let (_, list) =
            prep_corte::difusores::read_public_list(DIFUSORES.as_bytes()).expect("list");
        let list_path = format!(
            "json/difusores.{}.json",
            &prep_package::sha256_hex(&list)[..16]
        );
        extra.push(PackageFile {
            path: list_path.clone(),
            bytes: list,
        });
        let info = CorteInfo {
            institute: "IEEPUE".into(),
            process: "PEL2024".into(),
            sequence,
            corte_rfc3339: prep_corte::corte_rfc3339(corte).expect("rfc3339"),
            corte: corte.to_owned(),
            created: "2024-06-03T20:01:00Z".into(),
            expires: "2024-06-04T20:01:00Z".into(),
            is_final: false,
            previous: None,
            databases: Default::default(),
            difusores: Some(list_path),
        };
        prep_corte::assemble(data, extra, &info)
    }
}

/// The public list of difusores in the test package: one enabled, one suspended.
pub const DIFUSORES: &str = r#"[
  {"id": "medio", "nombre": "El Medio <Noticias>", "url": "https://medio.example/prep", "habilitado": true},
  {"id": "suspendido", "nombre": "Medio Suspendido", "url": "https://suspendido.example/prep", "habilitado": false}
]"#;

/// Writes a package's files, manifest and pointer under `dir`.
pub fn write_package(dir: &Path, package: &prep_corte::Package) {
    let write = |rel: &str, bytes: &[u8]| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    };
    for f in &package.files {
        write(&f.path, &f.bytes);
    }
    write(prep_corte::MANIFEST_PATH, &package.manifest.to_bytes());
    write(prep_corte::POINTER_PATH, &package.pointer.to_bytes());
}

/// The published corte of both Puebla 2024 databases, written to a temporary directory.
pub fn build_package() -> Pkg {
    let sources = Sources::read();
    let corte = sources.gub.preamble.corte.clone().expect("corte line");
    let package = sources.corte(&sources.gub, &corte, 7);
    let dir = tempfile::tempdir().expect("temp dir");
    write_package(dir.path(), &package);
    let mut listed: Vec<String> = package.files.iter().map(|f| f.path.clone()).collect();
    listed.push(prep_corte::MANIFEST_PATH.into());
    Pkg { dir, listed }
}

/// The institute information of the test site.
pub fn site_info() -> SiteInfo {
    SiteInfo {
        institute: "IEEPUE".into(),
        institute_name: "Instituto Electoral del Estado de Puebla".into(),
        process_name: "Proceso Electoral Estatal Ordinario 2023-2024".into(),
        elections: vec![
            SiteElection {
                id: "gub".into(),
                title: "GUBERNATURA".into(),
            },
            SiteElection {
                id: "ayun".into(),
                title: "AYUNTAMIENTOS".into(),
            },
        ],
        image_host: Some(IMAGE_HOST.into()),
        public_key: Some("RWQmdK9Ar8WpHQjR1wpBc0TDLzmaIku66uHnC4fdsVZUxzDcomdVwKCP".into()),
        refresh_minutes: Some(5),
    }
}

/// A static file server on 127.0.0.1 that records every path asked for.
pub struct Server {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
    pointers: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Server {
    /// Serves `root` until the test process ends.
    pub fn start(root: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let pointers = Arc::new(Mutex::new(Vec::new()));
        let root = root.to_path_buf();
        let (server_log, server_pointers) = (log.clone(), pointers.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let root = root.clone();
                let log = server_log.clone();
                let pointers = server_pointers.clone();
                std::thread::spawn(move || serve(stream, &root, &log, &pointers));
            }
        });
        Server {
            port,
            log,
            pointers,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Serve these bodies as `json/main.json`, one per request, the last one from then on
    /// (a new corte published while the page is open).
    pub fn pointers(&self, bodies: Vec<Vec<u8>>) {
        *self.pointers.lock().expect("pointers") = bodies;
    }

    /// The paths asked for so far.
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }
}

fn serve(stream: TcpStream, root: &Path, log: &Mutex<Vec<String>>, pointers: &Mutex<Vec<Vec<u8>>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header.trim().is_empty() => break,
            Ok(_) => {}
        }
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/").to_owned();
    log.lock().expect("log").push(path.clone());
    let rel = match path.trim_start_matches('/') {
        "" => "index.html",
        p => p,
    };
    let safe = !rel
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == ".." || s.contains('\\'));
    let file = safe.then(|| root.join(rel)).filter(|p| p.is_file());
    let pointer = {
        let mut queue = pointers.lock().expect("pointers");
        match queue.len() {
            _ if rel != prep_corte::POINTER_PATH => None,
            0 => None,
            1 => queue.first().cloned(),
            _ => Some(queue.remove(0)),
        }
    };
    let body = match pointer {
        Some(b) => Some((root.join(rel), b)),
        None => file.and_then(|p| std::fs::read(&p).ok().map(|b| (p, b))),
    };
    let mut out = &stream;
    let _ = match body {
        Some((p, body)) => {
            let kind = match p.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                Some("json") => "application/json",
                Some("svg") => "image/svg+xml",
                Some("zip") => "application/zip",
                _ => "application/octet-stream",
            };
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .and_then(|()| out.write_all(&body))
        }
        None => out
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    };
}

/// Debian's headless Chromium.
pub struct Browser {
    exe: PathBuf,
    profile: tempfile::TempDir,
    shots: Option<PathBuf>,
    shot_count: Mutex<u32>,
    page_loads: Mutex<usize>,
    budget_ms: Mutex<u64>,
}

/// A page as Chromium left it: its DOM after the scripts ran.
pub struct Page {
    /// `--dump-dom`'s output.
    pub dom: String,
}

impl Browser {
    /// `/usr/bin/chromium`; `None` (with a note) when missing on a developer machine; a
    /// failure when missing and CI=true. PREP_SITE_SCREENSHOTS=DIR also saves screenshots.
    pub fn find() -> Option<Browser> {
        let exe = PathBuf::from(prep_testdata::tool(
            "chromium",
            "--version",
            "apt-get install chromium",
        )?);
        Some(Browser {
            exe,
            profile: tempfile::tempdir().expect("profile dir"),
            shots: std::env::var_os("PREP_SITE_SCREENSHOTS").map(PathBuf::from),
            shot_count: Mutex::new(0),
            page_loads: Mutex::new(0),
            budget_ms: Mutex::new(20_000),
        })
    }

    /// How much virtual time a page gets before its DOM is taken: timers (the automatic
    /// refresh) run within it, without waiting in real time.
    pub fn set_virtual_time(&self, ms: u64) {
        *self.budget_ms.lock().expect("budget") = ms;
    }

    /// How many times a page was loaded (each Chromium run loads one).
    pub fn page_loads(&self) -> usize {
        *self.page_loads.lock().expect("count")
    }

    fn command(&self, extra: &[String]) -> String {
        *self.page_loads.lock().expect("count") += 1;
        let mut cmd = Command::new(&self.exe);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            // Nothing leaves this machine whatever is asked: names resolve only to loopback.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ])
        .arg(format!(
            "--virtual-time-budget={}",
            self.budget_ms.lock().expect("budget")
        ))
        .arg(format!("--user-data-dir={}", self.profile.path().display()))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start chromium");
        let mut stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(status) = child.try_wait().expect("wait chromium") {
                assert!(status.success(), "chromium failed: {status}");
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("chromium did not finish in 90 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        reader.join().expect("stdout reader")
    }

    /// Loads `url`, returns the DOM, and checks in Chromium's net log that every request made
    /// for the page went to `origin`.
    pub fn load(&self, url: &str, origin: &str) -> Page {
        let (dom, outside) = self.visit(url, origin);
        assert!(
            outside.is_empty(),
            "{url} made requests outside {origin}: {outside:?}"
        );
        self.screenshots(url);
        Page { dom }
    }

    /// The URLs requested for the page at `url` that are not under `origin`.
    pub fn requests_outside(&self, url: &str, origin: &str) -> Vec<String> {
        self.visit(url, origin).1
    }

    /// Loads `url` with a net log; returns the DOM and the page's requests outside `origin`.
    /// The page's requests (its navigation and everything it loaded) are told apart from
    /// Chromium's own background traffic (update checks) by their network isolation key or
    /// initiator: the page's site.
    fn visit(&self, url: &str, origin: &str) -> (String, Vec<String>) {
        let netlog = self.profile.path().join("net-log.json");
        let _ = std::fs::remove_file(&netlog);
        let dom = self.command(&[
            format!("--log-net-log={}", netlog.display()),
            "--dump-dom".into(),
            url.into(),
        ]);
        let log: Value = serde_json::from_slice(&std::fs::read(&netlog).expect("net log"))
            .expect("net log JSON");
        let start_job = &log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"];
        let site = origin.rsplit_once(':').map_or(origin, |(s, _)| s);
        let mut page_requests = 0;
        let mut outside = Vec::new();
        for e in log["events"].as_array().expect("events") {
            if &e["type"] != start_job {
                continue;
            }
            let p = &e["params"];
            let Some(req) = p["url"].as_str() else {
                continue;
            };
            let key = p["network_isolation_key"].as_str().unwrap_or_default();
            let initiator = p["initiator"].as_str().unwrap_or_default();
            let for_page = key.split(' ').next() == Some(site) || initiator.starts_with(site);
            if !for_page {
                continue; // Chromium's own traffic, not the page's
            }
            page_requests += 1;
            if !req.starts_with(&format!("{origin}/")) {
                outside.push(req.to_owned());
            }
        }
        assert!(page_requests > 0, "no request for {url} in the net log");
        (dom, outside)
    }

    fn screenshots(&self, url: &str) {
        let Some(dir) = &self.shots else { return };
        std::fs::create_dir_all(dir).expect("screenshot dir");
        let n = {
            let mut c = self.shot_count.lock().expect("count");
            *c += 1;
            *c
        };
        for (name, size) in [("escritorio", "1280,1600"), ("movil", "390,1600")] {
            let file = dir.join(format!("{n:02}-{name}.png"));
            self.command(&[
                format!("--window-size={size}"),
                format!("--screenshot={}", file.display()),
                url.into(),
            ]);
        }
    }
}

/// The text of the element carrying `marker`, the first after `from`, entities decoded.
pub fn cell_after(dom: &str, from: &str, marker: &str) -> Option<String> {
    let start = dom.find(from)?;
    let at = start + dom[start..].find(marker)?;
    let open = at + dom[at..].find('>')? + 1;
    let end = open + dom[open..].find('<')?;
    Some(decode(&dom[open..end]))
}

/// The `href`s of the links `<a href=… data-nivel="nivel">`, in page order.
pub fn links(dom: &str, nivel: &str) -> Vec<String> {
    let marker = format!("data-nivel=\"{nivel}\"");
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(i) = rest.find(&marker) {
        let tag_start = rest[..i].rfind("<a ").expect("link tag");
        let tag = &rest[tag_start..i];
        if let Some(h) = tag.find("href=\"") {
            let v = &tag[h + 6..];
            out.push(decode(&v[..v.find('"').expect("quote")]));
        }
        rest = &rest[i + marker.len()..];
    }
    out
}

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// An integer as es-MX writes it: `1,578,749`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Ten-thousandths of a percent as the PREP writes them: `644492` → `64.4492%`.
pub fn percent(n: u64) -> String {
    format!("{}.{:04}%", n / 10000, n % 10000)
}
