//! The 50-node delivery benchmark's driver (issue 5), run by `scripts/bench-delivery.sh`,
//! which builds `prep` in release and starts OpenSSH's sshd (`scripts/sshd.sh`) first.
//!
//! Every part is a real process of the release `prep`: the election directory
//! (`prep init --synth`), the origin (`prep origin`), the nodes (`prep node run`), half of
//! them pulling from the origin (`[pull]`, woken by its events) and half fed over SFTP by
//! `prep deliver --follow` (each into its own inbox folder inside the sftp user's chroot). This
//! process is the institute's publisher: it feeds the synthetic databases' actas into the store
//! (prep_publish's `Feeder`, as `prep replay` does) up to each scheduled corte time and cuts
//! the corte (`Publisher::cut`); from the moment `cut` returns it polls every node's public
//! `/json/main.json` (all at once, every 20 ms) until it serves the new sequence. Meanwhile
//! it counts the CPU seconds spent, by the whole machine and by part (pull nodes, sftp nodes,
//! origin, `prep deliver`, sshd with its sftp-server sessions, this driver), from
//! `/proc/stat` and each process's `/proc/<pid>/stat`: on one machine with two cores, fifty
//! nodes share what fifty machines would have.
//!
//! Then the bytes: per incremental corte, what the sftp channel sent per node
//! (`deliveries.jsonl`, bytes written to the TCP connection), what each pull node fetched
//! (its `pull` events: HTTP bodies), and what `rsync -az --link-dest=<previous corte>` sends
//! for the same change through the same sshd (rrsync user; its `Total bytes sent`).

#[path = "support/night.rs"]
mod night;

use clap::Parser;
use night::{Env, Night, path};
use prep_publish::ElectionDir;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Arguments (the script passes them; `--help` lists them).
#[derive(Parser)]
struct Args {
    /// The release `prep` binary.
    #[arg(long)]
    prep: PathBuf,
    /// Working directory (on the file system of the sshd's chroot; emptied by the script).
    #[arg(long)]
    base: PathBuf,
    /// The key=value lines scripts/sshd.sh printed.
    #[arg(long)]
    sshd_env: PathBuf,
    /// Nodes: odd ones pull, even ones take SFTP pushes.
    #[arg(long, default_value_t = 50)]
    nodes: usize,
    /// Casillas of the synthetic federal election.
    #[arg(long, default_value_t = 20_000)]
    casillas: u64,
    /// Incremental cortes after the first (full) one.
    #[arg(long, default_value_t = 6)]
    cortes: usize,
    /// The first corte is the first scheduled one with at least this share of the actas'
    /// events due; each next one is the next scheduled corte (the events due by its time).
    #[arg(long, default_value_t = 50)]
    start_percent: usize,
    /// Seconds a node may take to serve an incremental corte before it counts as not reached.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Seconds every node may take to serve the first corte (whole, to every node at once:
    /// the warm-up, outside the goals).
    #[arg(long, default_value_t = 1200)]
    first_timeout: u64,
}

/// The children, killed when dropped.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One node of the benchmark.
struct Node {
    id: String,
    pull: bool,
    addr: String,
    data: PathBuf,
}

/// What one corte measured.
struct Row {
    sequence: u64,
    events: usize,
    files_changed: usize,
    latencies: Vec<Option<Duration>>,
    /// CPU seconds the whole machine spent from the cut until every node served it.
    cpu: Option<f64>,
}

/// CPU seconds (user + system) a process has used, its waited-for children included.
fn process_seconds(pid: u32) -> f64 {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The fields after the command name, which is in parentheses and may hold spaces.
    let Some((_, rest)) = text.rsplit_once(')') else {
        return 0.0;
    };
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|t| t.parse().unwrap_or(0))
        .collect();
    // utime stime cutime cstime are fields 14-17 of the line, 12-15 after the name.
    f.get(11..15)
        .map_or(0.0, |v| v.iter().sum::<u64>() as f64 / 100.0)
}

/// Every sshd process's CPU seconds (the daemon's reaped sessions included).
fn sshd_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| matches!(c.trim(), "sshd" | "sftp-server"))
        })
        .map(process_seconds)
        .sum()
}

/// CPU seconds by part of the benchmark, at one moment.
#[derive(Clone, Copy, Default)]
struct Cpu {
    pull_nodes: f64,
    sftp_nodes: f64,
    origin: f64,
    deliver: f64,
    sshd: f64,
    driver: f64,
}

impl Cpu {
    /// `children` is the origin, then the nodes in `nodes`' order, then `prep deliver`.
    fn sample(children: &Children, nodes: &[Node]) -> Cpu {
        let pid = |i: usize| children.0.get(i).map_or(0.0, |c| process_seconds(c.id()));
        let mut cpu = Cpu {
            origin: pid(0),
            deliver: pid(nodes.len() + 1),
            sshd: sshd_seconds(),
            driver: process_seconds(std::process::id()),
            ..Cpu::default()
        };
        for (i, n) in nodes.iter().enumerate() {
            if n.pull {
                cpu.pull_nodes += pid(i + 1);
            } else {
                cpu.sftp_nodes += pid(i + 1);
            }
        }
        cpu
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu {
            pull_nodes: self.pull_nodes - before.pull_nodes,
            sftp_nodes: self.sftp_nodes - before.sftp_nodes,
            origin: self.origin - before.origin,
            deliver: self.deliver - before.deliver,
            sshd: self.sshd - before.sshd,
            driver: self.driver - before.driver,
        }
    }
}

/// CPU seconds the machine has spent busy since boot (`/proc/stat`: every state but idle and
/// iowait, at 100 ticks a second).
fn busy_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = text
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy: u64 = ticks
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .take(7)
        .map(|(_, t)| t)
        .sum();
    Some(busy as f64 / 100.0)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let sshd = Env::read("sshd.sh", &args.sshd_env)?;
    let get = |k: &str| sshd.get(k);
    let logs = args.base.join("logs");
    std::fs::create_dir_all(&logs)?;
    let pids = args.base.join("pids");

    let election = args.base.join("eleccion");
    let started = Instant::now();
    let mut night = Night::prepare(
        &args.prep,
        &election,
        args.casillas,
        args.start_percent,
        args.cortes,
    )?;
    println!(
        "election: {} casillas, {} events; init {:.1} s",
        args.casillas,
        night.events,
        started.elapsed().as_secs_f64()
    );

    // The origin and the nodes.
    let mut children = Children(Vec::new());
    let origin = spawn_server(
        &mut children,
        &pids,
        &args.prep,
        &[
            "origin",
            "--dir",
            &path(&election),
            "--listen",
            "127.0.0.1:0",
            "--poll-ms",
            "50",
        ],
        &logs.join("origin"),
    )?;
    let sftp_uid: u32 = String::from_utf8(
        Command::new("id")
            .args(["-u", get("sftp_user")?])
            .output()?
            .stdout,
    )?
    .trim()
    .parse()?;
    let public_key = election.join("keys/prep.pub");
    let mut nodes = Vec::new();
    let mut difusores = String::new();
    for i in 1..=args.nodes {
        let pull = i % 2 == 1;
        let id = format!("nodo-{i:02}");
        let home = args.base.join("nodes").join(&id);
        std::fs::create_dir_all(&home)?;
        let inbox = if pull {
            home.join("inbox")
        } else {
            let inbox = Path::new(get("sftp_inbox")?).join(&id);
            std::fs::create_dir_all(&inbox)?;
            std::os::unix::fs::chown(&inbox, Some(sftp_uid), None)?;
            inbox
        };
        let data = home.join("data");
        let mut config = format!(
            "public_key_file = {:?}\ninbox = {:?}\ndata = {:?}\nlisten = \"127.0.0.1:0\"\naccept_first = true\npoll_interval_ms = 100\n",
            path(&public_key),
            path(&inbox),
            path(&data)
        );
        if pull {
            config.push_str(&format!(
                "\n[pull]\norigin = \"http://{origin}\"\ninterval_ms = 5000\n"
            ));
        }
        let config_file = home.join("node.toml");
        std::fs::write(&config_file, config)?;
        let addr = spawn_server(
            &mut children,
            &pids,
            &args.prep,
            &["node", "run", "--config", &path(&config_file)],
            &logs.join(&id),
        )?;
        difusores.push_str(&format!(
            "[[difusor]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"http://{addr}/\"\nenabled = true\ntimeout_seconds = 1800\nretries = 2\n\n[difusor.channel]\n"
        ));
        if pull {
            difusores.push_str("kind = \"pull\"\n\n");
        } else {
            difusores.push_str(&format!(
                "kind = \"sftp\"\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\nkey_file = {:?}\nknown_hosts = {:?}\ninbox = \"/inbox/{id}\"\n\n",
                get("port")?,
                get("sftp_user")?,
                get("key")?,
                get("known_hosts")?
            ));
        }
        nodes.push(Node {
            id,
            pull,
            addr,
            data,
        });
    }
    std::fs::write(election.join(prep_deliver::DIFUSORES_FILE), difusores)?;
    spawn_quiet(
        &mut children,
        &pids,
        &args.prep,
        &[
            "deliver",
            "--dir",
            &path(&election),
            "--follow",
            "--poll-ms",
            "50",
        ],
        &logs.join("deliver.log"),
    )?;
    let pulls = nodes.iter().filter(|n| n.pull).count();
    println!(
        "origin http://{origin}/, {} nodes ({pulls} pull, {} sftp), prep deliver --follow",
        nodes.len(),
        nodes.len() - pulls
    );

    // The night: feed, cut, time each node's public URL.
    let mut rows = Vec::new();
    for i in 0..night.cut_times.len() {
        let (report, events) = night.cut(i)?;
        let cut_at = Instant::now();
        let busy_at_cut = busy_seconds();
        let cpu_at_cut = Cpu::sample(&children, &nodes);
        // The first corte goes whole to every node at once: looked at less often, so the
        // looks do not slow it down further.
        let (timeout, every) = if i == 0 {
            (args.first_timeout, 500)
        } else {
            (args.timeout, 20)
        };
        let latencies = time_nodes(&nodes, report.sequence, cut_at, timeout, every);
        let cpu = busy_seconds().zip(busy_at_cut).map(|(b, a)| b - a);
        let parts = Cpu::sample(&children, &nodes).since(cpu_at_cut);
        let row = Row {
            sequence: report.sequence,
            events,
            files_changed: report.written.files_written,
            latencies,
            cpu,
        };
        let (p50, max, reached) = stats(&row.latencies);
        println!(
            "corte {}: {} files, {} bytes, {} new events, {} files written; p50 {} max {} ({reached}/{} nodes)",
            report.sequence,
            report.files,
            report.bytes,
            row.events,
            row.files_changed,
            secs(p50),
            secs(max),
            nodes.len()
        );
        println!(
            "  cpu s from the cut until every node served it: machine {}, pull nodes {:.1}, sftp nodes {:.1}, origin {:.1}, deliver {:.1}, sshd {:.1}, this driver {:.1}",
            cpu.map_or("—".into(), |c| format!("{c:.1}")),
            parts.pull_nodes,
            parts.sftp_nodes,
            parts.origin,
            parts.deliver,
            parts.sshd,
            parts.driver
        );
        rows.push(row);
    }
    drop(children);

    // The bytes, then rsync's for the same changes.
    let sftp_bytes = sftp_bytes(&election)?;
    let pull_bytes = pull_bytes(&nodes)?;
    let rsync = rsync_reference(&sshd, &night.dir, &rows)?;
    print_table(&rows, &sftp_bytes, &pull_bytes, &rsync, nodes.len());
    let missed: usize = rows
        .iter()
        .map(|r| r.latencies.iter().filter(|l| l.is_none()).count())
        .sum();
    anyhow::ensure!(
        missed == 0,
        "{missed} node-cortes were not served within {} s (see {})",
        args.timeout,
        logs.display()
    );
    Ok(())
}

/// Notes a child's pid in `pids` (the script kills them if this process dies first).
fn note_pid(pids: &Path, child: &Child) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(pids)?;
    writeln!(f, "{}", child.id())?;
    Ok(())
}

/// Starts `prep ARGS` (a server printing `listening on ADDR` first); returns ADDR.
fn spawn_server(
    children: &mut Children,
    pids: &Path,
    prep: &Path,
    args: &[&str],
    log: &Path,
) -> anyhow::Result<String> {
    let mut child = Command::new(prep)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(
            log.with_extension("err"),
        )?))
        .spawn()?;
    note_pid(pids, &child)?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    children.0.push(child);
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first)?;
    let out = log.with_extension("out");
    std::thread::spawn(move || {
        // Keep reading so the child never blocks on a full pipe.
        if let Ok(mut f) = std::fs::File::create(out) {
            let _ = std::io::copy(&mut reader, &mut f);
        }
    });
    first
        .trim()
        .strip_prefix("listening on ")
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("prep {} printed {first:?}", args.join(" ")))
}

/// Starts `prep ARGS` with its output in `log`.
fn spawn_quiet(
    children: &mut Children,
    pids: &Path,
    prep: &Path,
    args: &[&str],
    log: &Path,
) -> anyhow::Result<()> {
    let out = std::fs::File::create(log)?;
    let child = Command::new(prep)
        .args(args)
        .stdout(Stdio::from(out.try_clone()?))
        .stderr(Stdio::from(out))
        .spawn()?;
    note_pid(pids, &child)?;
    children.0.push(child);
    Ok(())
}

/// For each node, when (after `since`) its public `/json/main.json` first served `sequence`
/// or a later one; `None` when it did not within `timeout` seconds. All nodes at once, each
/// polled every `every_ms` milliseconds.
fn time_nodes(
    nodes: &[Node],
    sequence: u64,
    since: Instant,
    timeout: u64,
    every_ms: u64,
) -> Vec<Option<Duration>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let deadline = since + Duration::from_secs(timeout);
    std::thread::scope(|s| {
        let handles: Vec<_> = nodes
            .iter()
            .map(|n| {
                let agent = agent.clone();
                let url = format!("http://{}/json/main.json", n.addr);
                s.spawn(move || {
                    while Instant::now() < deadline {
                        if served(&agent, &url).is_some_and(|got| got >= sequence) {
                            return Some(since.elapsed());
                        }
                        std::thread::sleep(Duration::from_millis(every_ms));
                    }
                    None
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(None))
            .collect()
    })
}

/// The sequence a node's pointer names.
fn served(agent: &ureq::Agent, url: &str) -> Option<u64> {
    let mut r = agent.get(url).call().ok()?;
    let v: serde_json::Value = serde_json::from_slice(&r.body_mut().read_to_vec().ok()?).ok()?;
    v["sequence"].as_u64()
}

/// (p50, max, reached) of one corte's latencies.
fn stats(latencies: &[Option<Duration>]) -> (Option<Duration>, Option<Duration>, usize) {
    let mut got: Vec<Duration> = latencies.iter().flatten().copied().collect();
    got.sort();
    let p50 = got.get(got.len().saturating_sub(1) / 2).copied();
    (p50, got.last().copied(), got.len())
}

fn secs(d: Option<Duration>) -> String {
    d.map_or("—".into(), |d| format!("{:.2} s", d.as_secs_f64()))
}

/// Per corte, the bytes of each successful sftp delivery (`deliveries.jsonl`).
fn sftp_bytes(election: &Path) -> anyhow::Result<HashMap<u64, Vec<u64>>> {
    let text = std::fs::read_to_string(election.join(prep_deliver::DELIVERIES_FILE))?;
    let mut out: HashMap<u64, Vec<u64>> = HashMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let r: prep_deliver::DeliveryRecord = serde_json::from_str(line)?;
        if r.channel == "sftp" && r.outcome == prep_deliver::Outcome::Delivered {
            out.entry(r.sequence).or_default().push(r.bytes);
        }
    }
    Ok(out)
}

/// Per corte, the bytes each pull node fetched (its `pull` events).
fn pull_bytes(nodes: &[Node]) -> anyhow::Result<HashMap<u64, Vec<u64>>> {
    let mut out: HashMap<u64, Vec<u64>> = HashMap::new();
    for n in nodes.iter().filter(|n| n.pull) {
        let file = n.data.join("events.jsonl");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| anyhow::anyhow!("{} ({}): {e}", file.display(), n.id))?;
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line)?;
            if v["event"] == "pull"
                && let (Some(s), Some(b)) = (v["sequence"].as_u64(), v["bytes"].as_u64())
            {
                out.entry(s).or_default().push(b);
            }
        }
    }
    Ok(out)
}

/// Per corte, `rsync -az --link-dest=<previous corte> --stats` through the sshd's rsync
/// user (rrsync), the previous corte already there: its `Total bytes sent`.
fn rsync_reference(
    sshd: &Env,
    dir: &ElectionDir,
    rows: &[Row],
) -> anyhow::Result<HashMap<u64, u64>> {
    let get = |k: &str| sshd.get(k);
    let user = get("rsync_user")?;
    let inbox = Path::new(get("rsync_inbox")?);
    let reference = inbox
        .parent()
        .ok_or_else(|| anyhow::anyhow!("rsync_inbox has no parent"))?
        .join("reference");
    std::fs::create_dir_all(&reference)?;
    let owned = Command::new("chown").arg(user).arg(&reference).status()?;
    anyhow::ensure!(owned.success(), "chown {user} {}", reference.display());
    let ssh = format!(
        "ssh -p {} -i {} -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o BatchMode=yes",
        get("port")?,
        get("key")?,
        get("known_hosts")?
    );
    let mut out = HashMap::new();
    let mut previous: Option<u64> = None;
    for r in rows {
        let mut cmd = Command::new("rsync");
        cmd.args(["-az", "--stats", "-e", &ssh]);
        if let Some(p) = previous {
            // rrsync wants it anchored at the root of its restricted directory.
            cmd.arg(format!("--link-dest=/reference/{p:06}"));
        }
        let src = format!(
            "{}/",
            prep_deliver::corte_dir(&dir.root, r.sequence).display()
        );
        let result = cmd
            .arg(src)
            .arg(format!("{user}@127.0.0.1:reference/{:06}/", r.sequence))
            .output()?;
        anyhow::ensure!(
            result.status.success(),
            "rsync: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        let stats =
            prep_deliver::channel::rsync::parse_stats(&String::from_utf8_lossy(&result.stdout))
                .ok_or_else(|| anyhow::anyhow!("rsync printed no stats"))?;
        out.insert(r.sequence, stats.bytes_sent);
        previous = Some(r.sequence);
    }
    Ok(out)
}

fn mean(v: Option<&Vec<u64>>) -> Option<u64> {
    v.filter(|v| !v.is_empty())
        .map(|v| v.iter().sum::<u64>() / v.len() as u64)
}

fn cell(v: Option<u64>) -> String {
    v.map_or("—".into(), |b| b.to_string())
}

fn ratio(ours: Option<u64>, theirs: Option<u64>) -> String {
    match (ours, theirs) {
        (Some(a), Some(b)) if b > 0 => format!("{:.2}", a as f64 / b as f64),
        _ => "—".into(),
    }
}

/// The table: latency per corte and, for the incremental ones, bytes against rsync's.
fn print_table(
    rows: &[Row],
    sftp: &HashMap<u64, Vec<u64>>,
    pull: &HashMap<u64, Vec<u64>>,
    rsync: &HashMap<u64, u64>,
    nodes: usize,
) {
    println!();
    println!(
        "{:>5} {:>7} {:>8} {:>8} {:>7} {:>7} {:>12} {:>12} {:>12} {:>10} {:>10}",
        "corte",
        "events",
        "p50 s",
        "max s",
        "nodes",
        "cpu s",
        "sftp B/node",
        "pull B/node",
        "rsync B",
        "sftp/rsync",
        "pull/rsync"
    );
    let mut worst_latency = Duration::ZERO;
    let mut bytes_ok = true;
    for (i, r) in rows.iter().enumerate() {
        let (p50, max, reached) = stats(&r.latencies);
        if i > 0 {
            let missed = reached < r.latencies.len();
            worst_latency = worst_latency.max(match max {
                Some(m) if !missed => m,
                _ => Duration::MAX,
            });
        }
        let (s, p, x) = (
            mean(sftp.get(&r.sequence)),
            mean(pull.get(&r.sequence)),
            rsync.get(&r.sequence).copied(),
        );
        if i > 0 {
            bytes_ok &= matches!((s, x), (Some(s), Some(x)) if s <= x);
            bytes_ok &= matches!((p, x), (Some(p), Some(x)) if p <= x);
        }
        println!(
            "{:>5} {:>7} {:>8} {:>8} {:>7} {:>7} {:>12} {:>12} {:>12} {:>10} {:>10}{}",
            r.sequence,
            r.events,
            p50.map_or("—".into(), |d| format!("{:.2}", d.as_secs_f64())),
            max.map_or("—".into(), |d| format!("{:.2}", d.as_secs_f64())),
            format!("{reached}/{nodes}"),
            r.cpu.map_or("—".into(), |c| format!("{c:.1}")),
            cell(s),
            cell(p),
            cell(x),
            ratio(s, x),
            ratio(p, x),
            if i == 0 {
                "  (first corte: whole, to every node at once; outside the goals)"
            } else {
                ""
            }
        );
    }
    println!(
        "goal max ≤ 10 s on every incremental corte: {} (worst {:.2} s)",
        if worst_latency <= Duration::from_secs(10) {
            "met"
        } else {
            "NOT met"
        },
        worst_latency.as_secs_f64()
    );
    println!(
        "goal bytes ≤ rsync's on every incremental corte: {}",
        if bytes_ok { "met" } else { "NOT met" }
    );
}
