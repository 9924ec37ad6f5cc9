//! `prep simulacro`: a whole election night on one machine, every part a real process of this
//! binary: the election directory (`prep init`), the pull origin that is also the institute's
//! site (`prep origin`), several difusor nodes (`prep node run`) fed over the `pull`, `dir` and,
//! when an sshd is given, `sftp` channels (`prep deliver --follow`), the monitor
//! (`prep monitor run`), and the night itself (`prep replay --publish` on an accelerated
//! clock). It ends with the compliance report.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Arguments of `prep simulacro`.
#[derive(clap::Args)]
#[command(after_help = "\
With no arguments: a synthetic federal election of 8,000 casillas (presidencia, senadurías,
diputaciones; about a state's size), three nodes (pull, dir, dir), a 24-hour night at 720× (two
minutes), in a new directory under the system's temporary folder, which is kept (its path is
printed: logs/, the election directory, the nodes, monitor/cumplimiento.html).

  prep simulacro                                   the default night
  prep simulacro --nodes 6 --speed 300 --keep      six nodes, five minutes, then keep serving
  prep simulacro --replay PUE_GUB_2024.csv --candidaturas PUE_GUB_Candidaturas_2024.csv
  prep simulacro --sftp-env sshd.env               one node over SFTP (scripts/sshd.sh's output)
  prep simulacro --folder-url http://127.0.0.1:8080/ --folder-dir /var/www/prep
                                                   a difusor without a node: the web server at
                                                   that URL publishes the folder it is fed into
With --folder-url and --sftp-env (no --folder-dir) the folder is fed over SFTP into the web root
scripts/sshd.sh chroots its www_sftp_user to (sftp-folder); with --folder-dir, on this machine
(dir-folder). The web server is the difusor's own: nginx or Apache with deploy/'s folder
snippet (docs/publication-folder.md).")]
pub struct SimulacroArgs {
    /// Where to put everything (a new or empty directory; default: a new temporary one).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Casillas of the synthetic election.
    #[arg(long, default_value_t = 8_000, value_parser = clap::value_parser!(u64).range(100..=170_648))]
    casillas: u64,
    /// Seed of the synthetic election.
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// Difusor nodes (every third pulls from the origin, the others take pushes).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=50))]
    nodes: u64,
    /// Simulated seconds per real second (720: the 24-hour night in two minutes), or `max`.
    #[arg(long, default_value = "720")]
    speed: String,
    /// Replay this published database instead of a synthetic election.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// The candidacy file of --replay's database; without it, each candidacy column is its
    /// own candidacy (for institutes that publish no candidacy file).
    #[arg(long, value_name = "FILE", requires = "replay")]
    candidaturas: Option<PathBuf>,
    /// The key=value file scripts/sshd.sh prints: one node then takes its cortes over SFTP.
    #[arg(long, value_name = "FILE")]
    sftp_env: Option<PathBuf>,
    /// The public URL of a difusor without a node: a web server publishing the folder its
    /// cortes are fed into (over SFTP with --sftp-env, else into --folder-dir).
    #[arg(long, value_name = "URL")]
    folder_url: Option<String>,
    /// With --folder-url: the folder on this machine the web server publishes.
    #[arg(long, value_name = "DIR", requires = "folder_url")]
    folder_dir: Option<PathBuf>,
    /// The allowed delay between the institute's publication and a difusor's, seconds.
    #[arg(long, default_value_t = 60)]
    allowed_delay: u32,
    /// Leave everything running after the report, until Ctrl-C.
    #[arg(long)]
    keep: bool,
}

/// The children, killed when dropped (an error or the end of the night).
struct Children(Vec<(String, Child)>);

impl Drop for Children {
    fn drop(&mut self) {
        for (_, c) in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One difusor of the night: a node, or a publication folder behind a web server.
struct Node {
    id: String,
    channel: &'static str,
    /// Its public site's base URL, ending in `/`.
    url: String,
}

/// Runs `prep simulacro`, in the phases it prints: the election directory, the origin and
/// the nodes, delivery and the monitor, the night, and the end (every node serving the last
/// corte, the compliance report).
pub fn run(args: SimulacroArgs) -> anyhow::Result<ExitCode> {
    let root = night_root(args.dir.as_deref())?;
    let logs = root.join("logs");
    std::fs::create_dir_all(&logs)?;
    let election = root.join("eleccion");
    outln!("simulacro in {}", root.display());
    let started = Instant::now();

    // 1. The election directory.
    step("init", &init_args(&args, &election), &logs)?;
    let dir = prep_publish::ElectionDir::open(&election)?;

    // 2. The origin (also the institute's site) and the nodes.
    let mut children = Children(Vec::new());
    let origin = spawn_server(
        &mut children,
        "origin",
        &[
            "origin",
            "--dir",
            &path(&election),
            "--listen",
            "127.0.0.1:0",
            "--poll-ms",
            "50",
        ],
        &logs,
    )?;
    let mut nodes = start_nodes(&args, &root, &election, &origin, &mut children, &logs)?;
    if let Some(url) = &args.folder_url {
        nodes.push(add_folder(&args, &election, url)?);
    }

    // 3. Delivery and the monitor: a period is the schedule's, on the accelerated clock.
    let speed: f64 = if args.speed == "max" {
        100_000.0
    } else {
        args.speed.parse().unwrap_or(1.0)
    };
    let period_ms =
        ((f64::from(dir.config.schedule.period_minutes) * 60_000.0 / speed) as u64).max(200);
    let monitor = start_delivery_and_monitor(&args, &election, period_ms, &mut children, &logs)?;
    outln!("institute's site and pull origin: http://{origin}/");
    for n in &nodes {
        outln!("{:<8} ({:<4}): {}", n.id, n.channel, n.url);
    }
    outln!("monitor status page: http://{monitor}/");

    // 4. The night.
    let mut replay: Vec<String> = vec!["replay".into()];
    for e in &dir.config.elections {
        replay.push(path(&dir.resolve(&e.catalogue)));
    }
    replay.extend([
        "--dir".into(),
        path(&election),
        "--speed".into(),
        args.speed.clone(),
        "--publish".into(),
    ]);
    outln!("the night: prep {}", replay.join(" "));
    step("replay", &replay, &logs)?;
    let last = prep_deliver::latest_sequence(&election)?
        .ok_or_else(|| anyhow::anyhow!("the night cut no corte (see {})", logs.display()))?;

    // 5. Every node serves the last corte (or the wait ends), the monitor looks once more.
    let deadline = Instant::now() + Duration::from_secs(60);
    for n in &nodes {
        while served(&n.url) != Some(last) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    std::thread::sleep(Duration::from_millis(period_ms.max(500)));
    let report = crate::monitor_cmd::write_report(
        &election,
        None,
        i64::from(args.allowed_delay),
        &format!("Simulacro de {}", dir.config.process.name),
    )?;
    summary(&election, &nodes, last, started.elapsed())?;
    outln!("compliance report: {}", report.display());
    if args.keep {
        outln!("everything keeps running; Ctrl-C stops it");
        let stop = crate::publish_cmd::stop_flag()?;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    drop(children);
    Ok(ExitCode::SUCCESS)
}

/// The night's folder: `dir` (new or empty), else a new one under the temporary folder,
/// kept after the run.
fn night_root(dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    Ok(match dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            anyhow::ensure!(
                std::fs::read_dir(d)?.next().is_none(),
                "{} is not empty; give a new or empty directory",
                d.display()
            );
            d.canonicalize()?
        }
        None => tempfile::Builder::new()
            .prefix("prep-simulacro-")
            .tempdir()?
            .keep(),
    })
}

/// The `prep init` of the night: from the replayed database, else a synthetic election.
fn init_args(args: &SimulacroArgs, election: &Path) -> Vec<String> {
    let mut init: Vec<String> = vec!["init".into(), path(election)];
    match (&args.replay, &args.candidaturas) {
        (Some(db), Some(c)) => init.extend([
            "--from-database".into(),
            path(db),
            "--candidaturas".into(),
            path(c),
        ]),
        (Some(db), None) => init.extend(["--from-database".into(), path(db)]),
        _ => init.extend([
            "--synth".into(),
            "--casillas".into(),
            args.casillas.to_string(),
            "--seed".into(),
            args.seed.to_string(),
        ]),
    }
    init.extend(["--keys".into(), "--unencrypted".into()]);
    init
}

/// Starts the difusor nodes (every third pulls from the origin, one may take sftp, the others
/// a folder inbox) and writes the election's `difusores.toml` naming them.
fn start_nodes(
    args: &SimulacroArgs,
    root: &Path,
    election: &Path,
    origin: &str,
    children: &mut Children,
    logs: &Path,
) -> anyhow::Result<Vec<Node>> {
    let sftp = args.sftp_env.as_deref().map(read_env).transpose()?;
    let mut nodes = Vec::new();
    let mut difusores = String::new();
    for i in 1..=args.nodes {
        let channel = if i % 3 == 1 {
            "pull"
        } else if i % 3 == 0 && sftp.is_some() && !nodes.iter().any(|n: &Node| n.channel == "sftp")
        {
            "sftp"
        } else {
            "dir"
        };
        let id = format!("nodo-{i}");
        let home = root.join(&id);
        std::fs::create_dir_all(&home)?;
        let inbox = match (channel, &sftp) {
            ("sftp", Some(env)) => PathBuf::from(env_value(env, "sftp_inbox")?),
            _ => home.join("inbox"),
        };
        let mut config = format!(
            "public_key_file = \"{}\"\ninbox = \"{}\"\ndata = \"data\"\nlisten = \"127.0.0.1:0\"\naccept_first = true\npoll_interval_ms = 50\n",
            path(&election.join("keys/prep.pub")),
            path(&inbox)
        );
        if channel == "pull" {
            config.push_str(&format!(
                "\n[pull]\norigin = \"http://{origin}\"\ninterval_ms = 5000\n"
            ));
        }
        std::fs::write(home.join("node.toml"), config)?;
        let addr = spawn_server(
            children,
            &id,
            &["node", "run", "--config", &path(&home.join("node.toml"))],
            logs,
        )?;
        difusores.push_str(&format!(
            "[[difusor]]\nid = \"{id}\"\nname = \"Nodo {i} ({channel})\"\nurl = \"http://{addr}/\"\nenabled = true\ntimeout_seconds = 30\nretries = 2\n\n[difusor.channel]\nkind = \"{channel}\"\n"
        ));
        match (channel, &sftp) {
            ("dir", _) => difusores.push_str(&format!("inbox = \"{}\"\n\n", path(&inbox))),
            ("sftp", Some(env)) => difusores.push_str(&format!(
                "host = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\nkey_file = \"{}\"\nknown_hosts = \"{}\"\ninbox = \"/inbox\"\n\n",
                env_value(env, "port")?,
                env_value(env, "sftp_user")?,
                env_value(env, "key")?,
                env_value(env, "known_hosts")?
            )),
            _ => difusores.push('\n'),
        }
        nodes.push(Node {
            id,
            channel,
            url: format!("http://{addr}/"),
        });
    }
    std::fs::write(election.join("difusores.toml"), difusores)?;
    Ok(nodes)
}

/// Adds to `difusores.toml` the difusor without a node at `url` (`carpeta`): its folder fed
/// over SFTP into scripts/sshd.sh's chrooted web root with --sftp-env, else into
/// --folder-dir.
fn add_folder(args: &SimulacroArgs, election: &Path, url: &str) -> anyhow::Result<Node> {
    let lower = url.to_ascii_lowercase();
    anyhow::ensure!(
        lower.starts_with("http://") || lower.starts_with("https://"),
        "--folder-url {url:?}: write the http(s) address its web server publishes the folder at"
    );
    let url = if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    };
    let (channel, settings) = match (&args.folder_dir, &args.sftp_env) {
        (Some(dir), _) => (
            "dir-folder",
            format!("folder = {:?}\n", path(&std::path::absolute(dir)?)),
        ),
        (None, Some(env)) => {
            let env = read_env(env)?;
            (
                "sftp-folder",
                format!(
                    "host = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\nkey_file = \"{}\"\nknown_hosts = \"{}\"\nfolder = \"/www\"\n",
                    env_value(&env, "port")?,
                    env_value(&env, "www_sftp_user")?,
                    env_value(&env, "key")?,
                    env_value(&env, "known_hosts")?
                ),
            )
        }
        (None, None) => anyhow::bail!(
            "--folder-url needs where its folder is: --folder-dir DIR, or --sftp-env FILE (scripts/sshd.sh's web root)"
        ),
    };
    let entry = format!(
        "[[difusor]]\nid = \"carpeta\"\nname = \"Carpeta de publicación ({channel})\"\nurl = \"{url}\"\nenabled = true\ntimeout_seconds = 30\nretries = 2\n\n[difusor.channel]\nkind = \"{channel}\"\n{settings}\n"
    );
    let file = election.join("difusores.toml");
    let mut all = std::fs::read_to_string(&file)?;
    all.push_str(&entry);
    std::fs::write(&file, all)?;
    Ok(Node {
        id: "carpeta".into(),
        channel,
        url,
    })
}

/// Starts `prep deliver --follow` and the monitor (a look every quarter period); returns
/// the monitor's address.
fn start_delivery_and_monitor(
    args: &SimulacroArgs,
    election: &Path,
    period_ms: u64,
    children: &mut Children,
    logs: &Path,
) -> anyhow::Result<String> {
    spawn_quiet(
        children,
        "deliver",
        &[
            "deliver",
            "--dir",
            &path(election),
            "--follow",
            "--poll-ms",
            "50",
        ],
        logs,
    )?;
    spawn_server(
        children,
        "monitor",
        &[
            "monitor",
            "run",
            "--dir",
            &path(election),
            "--listen",
            "127.0.0.1:0",
            "--poll-ms",
            &(period_ms / 4).max(100).to_string(),
            "--period-ms",
            &period_ms.to_string(),
            "--allowed-delay",
            &args.allowed_delay.to_string(),
        ],
        logs,
    )
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Runs `prep ARGS` to its end, its output in `logs/<name>.log`; its last lines on failure.
fn step(name: &str, args: &[String], logs: &Path) -> anyhow::Result<()> {
    let log = logs.join(format!("{name}.log"));
    let out = std::fs::File::create(&log)?;
    let status = Command::new(std::env::current_exe()?)
        .args(args)
        .stdout(Stdio::from(out.try_clone()?))
        .stderr(Stdio::from(out))
        .status()?;
    if !status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(5).collect();
        anyhow::bail!(
            "`prep {name}` failed ({status}); the end of {}:\n{}",
            log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    outln!("{name}: done ({})", log.display());
    Ok(())
}

/// Starts a server (`prep ARGS` printing `listening on ADDR` first); returns its address.
fn spawn_server(
    children: &mut Children,
    name: &str,
    args: &[&str],
    logs: &Path,
) -> anyhow::Result<String> {
    let err = std::fs::File::create(logs.join(format!("{name}.log")))?;
    let mut child = Command::new(std::env::current_exe()?)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(err))
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    children.0.push((name.to_owned(), child));
    let (tx, rx) = std::sync::mpsc::channel();
    let log = logs.join(format!("{name}.out"));
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        let _ = reader.read_line(&mut first);
        let _ = tx.send(first);
        // Keep reading so the child never blocks on a full pipe.
        if let Ok(mut out) = std::fs::File::create(log) {
            let _ = std::io::copy(&mut reader, &mut out);
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| anyhow::anyhow!("{name} did not start (see {})", logs.display()))?;
    first
        .trim()
        .strip_prefix("listening on ")
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("{name} printed {first:?} instead of its address"))
}

/// Starts `prep ARGS` in the background, its output in `logs/<name>.log`.
fn spawn_quiet(
    children: &mut Children,
    name: &str,
    args: &[&str],
    logs: &Path,
) -> anyhow::Result<()> {
    let out = std::fs::File::create(logs.join(format!("{name}.log")))?;
    let child = Command::new(std::env::current_exe()?)
        .args(args)
        .stdout(Stdio::from(out.try_clone()?))
        .stderr(Stdio::from(out))
        .spawn()?;
    children.0.push((name.to_owned(), child));
    Ok(())
}

/// The corte a difusor's public site (its base URL) serves.
fn served(url: &str) -> Option<u64> {
    let mut r = ureq::get(&format!("{url}json/main.json")).call().ok()?;
    let v: serde_json::Value = serde_json::from_slice(&r.body_mut().read_to_vec().ok()?).ok()?;
    v["sequence"].as_u64()
}

/// The key=value lines of scripts/sshd.sh's output.
fn read_env(file: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read --sftp-env {}: {e}", file.display()))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect())
}

fn env_value<'a>(env: &'a [(String, String)], key: &str) -> anyhow::Result<&'a str> {
    env.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| anyhow::anyhow!("--sftp-env has no {key}= line (scripts/sshd.sh prints it)"))
}

/// One line per node: the last corte it serves, its cortes on time.
fn summary(election: &Path, nodes: &[Node], last: u64, took: Duration) -> anyhow::Result<()> {
    let rows = prep_monitor::report::compliance_of(election, 60)?;
    let mut out = crate::output::stdout();
    writeln!(
        out,
        "night over in {:.0} s: {last} cortes",
        took.as_secs_f64()
    )?;
    writeln!(
        out,
        "{:<8} {:<5} {:>7} {:>9} {:>14}",
        "node", "canal", "serves", "on time", "max delay (s)"
    )?;
    for n in nodes {
        let mine: Vec<_> = rows.iter().filter(|r| r.difusor == n.id).collect();
        let on_time = mine.iter().filter(|r| r.on_time).count();
        let max_delay = mine.iter().filter_map(|r| r.delay_seconds).max();
        writeln!(
            out,
            "{:<8} {:<5} {:>7} {:>4}/{:<4} {:>14}",
            n.id,
            n.channel,
            served(&n.url).map_or("—".into(), |s| s.to_string()),
            on_time,
            mine.len(),
            max_delay.map_or("—".into(), |d| d.to_string())
        )?;
    }
    Ok(())
}
