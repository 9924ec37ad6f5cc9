//! The publication-folder benchmark's driver, run by `scripts/bench-folder.sh` (which builds
//! `prep` in release and starts OpenSSH's sshd, the rsync daemon and vsftpd first).
//!
//! A synthetic election night (`prep init --synth`, its actas fed and each corte cut in this
//! process) and one publication-folder difusor per protocol: `dir-folder` (a folder on this
//! machine), `sftp-folder` (the chrooted web root of `scripts/sshd.sh`), `rsync-folder`
//! (rrsync over the same sshd), `rsyncd-folder` (`scripts/rsyncd.sh`) and `ftps-folder`
//! (`scripts/ftps.sh`). After each cut, the real `prep deliver --only <difusor>` runs for each
//! one in turn, timed from its start to its end (the folder then serves the corte); the bytes
//! are what `deliveries.jsonl` records (sftp: bytes written to the TCP connection, SSH and
//! zlib included; rsync: its `Total bytes sent`; FTPS: the files' bytes). Next to them, what
//! `rsync -az --stats` sends through the same sshd to bring a copy of the folder as it was
//! before the corte to the folder as it is after (the same change), and how long it takes.
//!
//! With `--link-netns NS --link-host IP` every delivery (and the rsync reference) runs inside
//! the network namespace NS, whose only way out is a veth pair the script limits with `tc`
//! (tbf, 10 Mbit/s each way); the servers are reached through relays this process listens on
//! at IP, each holding every chunk `--link-delay-ms` (default 20) in each direction before
//! passing it on: the kernel here has no netem, so the latency is added in user space. FTPS
//! is left out there (its data connections go to the address the server names, which no
//! single relay carries). The goals: the first corte in the folder within 3 minutes
//! (Coahuila 2017's 35 MB), each incremental one within 60 s of its cut (Durango).

#[path = "support/night.rs"]
mod night;

use clap::Parser;
use night::{Env, Night, path};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Arguments (the script passes them; `--help` lists them).
#[derive(Parser)]
struct Args {
    /// The release `prep` binary.
    #[arg(long)]
    prep: PathBuf,
    /// Working directory (emptied by the script).
    #[arg(long)]
    base: PathBuf,
    /// The key=value lines scripts/sshd.sh printed.
    #[arg(long)]
    sshd_env: PathBuf,
    /// The key=value lines scripts/rsyncd.sh printed.
    #[arg(long)]
    rsyncd_env: PathBuf,
    /// The key=value lines scripts/ftps.sh printed (no FTPS difusor without it).
    #[arg(long)]
    ftps_env: Option<PathBuf>,
    /// Casillas of the synthetic federal election.
    #[arg(long, default_value_t = 20_000)]
    casillas: u64,
    /// Incremental cortes after the first (full) one.
    #[arg(long, default_value_t = 3)]
    cortes: usize,
    /// The first corte is the first scheduled one with at least this share of the actas'
    /// events due.
    #[arg(long, default_value_t = 50)]
    start_percent: usize,
    /// Run every delivery inside this network namespace (made by the script).
    #[arg(long, requires = "link_host")]
    link_netns: Option<String>,
    /// This machine's address as the namespace reaches it: the relays listen there.
    #[arg(long, requires = "link_netns")]
    link_host: Option<String>,
    /// The delay each relay adds in each direction, milliseconds.
    #[arg(long, default_value_t = 20)]
    link_delay_ms: u64,
}

/// One publication-folder difusor of the benchmark.
struct Target {
    id: &'static str,
    /// Its `[difusor.channel]` table.
    channel: String,
}

/// What one delivery (or the rsync reference) took.
#[derive(Clone, Copy)]
struct Took {
    seconds: f64,
    bytes: u64,
}

/// What one corte measured.
struct Row {
    sequence: u64,
    /// The package's bytes.
    size: u64,
    /// Acta events fed for it.
    events: usize,
    /// Each protocol's delivery, by difusor id.
    took: BTreeMap<&'static str, Took>,
    /// rsync -az of the same change.
    reference: Took,
}

/// A TCP relay from `listen_ip` (a port of its own) to `upstream`, holding every chunk
/// `delay` in each direction; returns its port. Runs until the process ends.
fn relay(listen_ip: &str, upstream: SocketAddr, delay: Duration) -> anyhow::Result<u16> {
    let listener = TcpListener::bind((listen_ip, 0))?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(server) = TcpStream::connect(upstream) else {
                continue;
            };
            let _ = (client.set_nodelay(true), server.set_nodelay(true));
            if let (Ok(c), Ok(s)) = (client.try_clone(), server.try_clone()) {
                pump(c, server, delay);
                pump(s, client, delay);
            }
        }
    });
    Ok(port)
}

/// Passes what `from` sends on to `to`, each chunk `delay` after it arrived (a bounded queue
/// between a reading and a writing thread, so a slow `to` holds `from` back).
fn pump(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<(Instant, Vec<u8>)>(256);
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = from.read(&mut buf).unwrap_or(0);
            if tx
                .send((Instant::now() + delay, buf[..n].to_vec()))
                .is_err()
                || n == 0
            {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        for (due, bytes) in rx {
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            if bytes.is_empty() || to.write_all(&bytes).is_err() {
                let _ = to.shutdown(Shutdown::Write);
                break;
            }
        }
    });
}

/// How the benchmark reaches a server on this machine's loopback `port`: directly, or
/// through a relay at the link's host.
struct Reach {
    link: Option<(String, Duration)>,
}

impl Reach {
    fn to(&self, port: &str) -> anyhow::Result<(String, u16)> {
        let port: u16 = port.parse()?;
        match &self.link {
            None => Ok(("127.0.0.1".into(), port)),
            Some((host, delay)) => {
                let relayed = relay(host, SocketAddr::from(([127, 0, 0, 1], port)), *delay)?;
                Ok((host.clone(), relayed))
            }
        }
    }
}

/// A known_hosts file naming sshd's host key at `host:port` (where the relay is).
fn known_hosts_at(sshd: &Env, host: &str, port: u16, file: &Path) -> anyhow::Result<PathBuf> {
    let line = sshd.get("known_hosts_line")?;
    let key = line
        .split_once(' ')
        .map(|(_, key)| key)
        .ok_or_else(|| anyhow::anyhow!("known_hosts_line has no key: {line}"))?;
    std::fs::write(file, format!("[{host}]:{port} {key}\n"))?;
    Ok(file.to_owned())
}

/// The benchmark's difusores, one per protocol.
fn targets(args: &Args, reach: &Reach, www_dir: &Path) -> anyhow::Result<Vec<Target>> {
    let sshd = Env::read("sshd.sh", &args.sshd_env)?;
    let rsyncd = Env::read("rsyncd.sh", &args.rsyncd_env)?;
    let mut out = vec![Target {
        id: "dir",
        channel: format!("kind = \"dir-folder\"\nfolder = {:?}\n", path(www_dir)),
    }];
    let (host, port) = reach.to(sshd.get("port")?)?;
    let known = known_hosts_at(&sshd, &host, port, &args.base.join("known_hosts"))?;
    for (id, kind, user, folder) in [
        ("sftp", "sftp-folder", "www_sftp_user", "/www"),
        ("rsync", "rsync-folder", "www_rsync_user", "www"),
    ] {
        out.push(Target {
            id,
            channel: format!(
                "kind = \"{kind}\"\nhost = \"{host}\"\nport = {port}\nuser = \"{}\"\nkey_file = {:?}\nknown_hosts = {:?}\nfolder = \"{folder}\"\n",
                sshd.get(user)?,
                sshd.get("key")?,
                path(&known),
            ),
        });
    }
    let (host, port) = reach.to(rsyncd.get("port")?)?;
    out.push(Target {
        id: "rsyncd",
        channel: format!(
            "kind = \"rsyncd-folder\"\nhost = \"{host}\"\nport = {port}\nmodule = \"{}\"\nfolder = \"prep\"\nuser = \"{}\"\npassword_file = {:?}\n",
            rsyncd.get("module")?,
            rsyncd.get("user")?,
            rsyncd.get("password_file")?,
        ),
    });
    if let (Some(env), None) = (&args.ftps_env, &reach.link) {
        let ftps = Env::read("ftps.sh", env)?;
        let password = args.base.join("ftps.password");
        std::fs::write(&password, ftps.get("password")?)?;
        out.push(Target {
            id: "ftps",
            channel: format!(
                "kind = \"ftps-folder\"\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\npassword_file = {:?}\nfolder = \"{}\"\nca_file = {:?}\n",
                ftps.get("port")?,
                ftps.get("user")?,
                path(&password),
                ftps.get("remote_folder")?,
                ftps.get("ca")?,
            ),
        });
    }
    Ok(out)
}

/// A command, inside the link's namespace when there is one.
fn command(args: &Args, program: &str) -> Command {
    match &args.link_netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, program]);
            c
        }
        None => Command::new(program),
    }
}

/// `prep deliver --only id` for corte `sequence`, timed; its bytes from the journal.
fn deliver(args: &Args, election: &Path, id: &str, sequence: u64) -> anyhow::Result<Took> {
    let started = Instant::now();
    let out = command(args, &path(&args.prep))
        .args(["deliver", "--dir", &path(election), "--only", id])
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        out.status.success(),
        "prep deliver --only {id} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let records = prep_deliver::record::read(election)?;
    let bytes = records
        .iter()
        .filter(|r| r.difusor == id && r.sequence == sequence && r.outcome.succeeded())
        .map(|r| r.bytes)
        .sum();
    Ok(Took { seconds, bytes })
}

/// `rsync -az --stats` of the folder `www` as it is now into `reference/` of sshd's rsync
/// user (which holds it as it was), timed; rsync's `Total bytes sent`.
fn rsync_reference(args: &Args, reach: &Reach, www: &Path) -> anyhow::Result<Took> {
    let sshd = Env::read("sshd.sh", &args.sshd_env)?;
    let user = sshd.get("rsync_user")?;
    let inbox = Path::new(sshd.get("rsync_inbox")?);
    let reference = inbox
        .parent()
        .ok_or_else(|| anyhow::anyhow!("rsync_inbox has no parent"))?
        .join("reference");
    if !reference.exists() {
        std::fs::create_dir_all(&reference)?;
        let owned = Command::new("chown").arg(user).arg(&reference).status()?;
        anyhow::ensure!(owned.success(), "chown {user} {}", reference.display());
    }
    let (host, port) = reach.to(sshd.get("port")?)?;
    let known = known_hosts_at(&sshd, &host, port, &args.base.join("known_hosts.rsync"))?;
    let ssh = format!(
        "ssh -p {port} -i {} -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o BatchMode=yes",
        sshd.get("key")?,
        path(&known)
    );
    let started = Instant::now();
    let out = command(args, "rsync")
        .args(["-az", "--stats", "-e", &ssh])
        .arg(format!("{}/", path(www)))
        .arg(format!("{user}@{host}:reference/"))
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        out.status.success(),
        "rsync: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats = prep_deliver::channel::rsync::parse_stats(&String::from_utf8_lossy(&out.stdout))
        .ok_or_else(|| anyhow::anyhow!("rsync printed no stats"))?;
    Ok(Took {
        seconds,
        bytes: stats.bytes_sent,
    })
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let election = args.base.join("eleccion");
    let www_dir = args.base.join("www-dir");
    let reach = Reach {
        link: args
            .link_host
            .clone()
            .map(|h| (h, Duration::from_millis(args.link_delay_ms))),
    };
    let started = Instant::now();
    let mut night = Night::prepare(
        &args.prep,
        &election,
        args.casillas,
        args.start_percent,
        args.cortes,
    )?;
    let targets = targets(&args, &reach, &www_dir)?;
    let mut difusores = String::new();
    for t in &targets {
        difusores.push_str(&format!(
            "[[difusor]]\nid = \"{}\"\nname = \"{}\"\nurl = \"http://127.0.0.1:9/\"\nenabled = true\ntimeout_seconds = 1800\nretries = 0\n\n[difusor.channel]\n{}\n",
            t.id, t.id, t.channel
        ));
    }
    std::fs::write(election.join(prep_deliver::DIFUSORES_FILE), difusores)?;
    println!(
        "election: {} casillas, {} events; init {:.1} s; folders: {}{}",
        args.casillas,
        night.events,
        started.elapsed().as_secs_f64(),
        targets.iter().map(|t| t.id).collect::<Vec<_>>().join(", "),
        match &args.link_netns {
            Some(ns) => format!(
                "; every delivery from network namespace {ns} (tc tbf 10 Mbit/s each way) through relays adding {} ms each way",
                args.link_delay_ms
            ),
            None => "; loopback".into(),
        }
    );

    let mut table = Vec::new();
    for i in 0..night.cut_times.len() {
        let (report, events) = night.cut(i)?;
        let mut took = BTreeMap::new();
        for t in &targets {
            let d = deliver(&args, &election, t.id, report.sequence)?;
            println!(
                "corte {} ({} bytes, {events} new events) into {}: {:.2} s, {} bytes",
                report.sequence, report.bytes, t.id, d.seconds, d.bytes
            );
            took.insert(t.id, d);
        }
        let reference = rsync_reference(&args, &reach, &www_dir)?;
        println!(
            "corte {}: rsync -az of the same change: {:.2} s, {} bytes",
            report.sequence, reference.seconds, reference.bytes
        );
        table.push(Row {
            sequence: report.sequence,
            size: report.bytes,
            events,
            took,
            reference,
        });
    }
    print_table(&table, &targets, args.link_netns.is_some());
    Ok(())
}

/// The table: per corte, each protocol's seconds and bytes, and rsync -az's; then the goals.
fn print_table(table: &[Row], targets: &[Target], link: bool) {
    println!();
    let mut head = format!("{:>5} {:>10} {:>7}", "corte", "bytes", "events");
    for t in targets {
        head.push_str(&format!(
            " {:>8} {:>10} {:>6}",
            format!("{} s", t.id),
            "B",
            "/rsync"
        ));
    }
    head.push_str(&format!(" {:>9} {:>10}", "rsync s", "rsync B"));
    println!("{head}");
    let mut bytes_ok = BTreeMap::new();
    let (mut first_worst, mut incremental_worst) = (0f64, 0f64);
    for (i, row) in table.iter().enumerate() {
        let reference = row.reference;
        let mut line = format!("{:>5} {:>10} {:>7}", row.sequence, row.size, row.events);
        for t in targets {
            let Some(d) = row.took.get(t.id) else {
                continue;
            };
            let ratio = d.bytes as f64 / reference.bytes.max(1) as f64;
            line.push_str(&format!(
                " {:>8.2} {:>10} {:>6.2}",
                d.seconds, d.bytes, ratio
            ));
            if t.id != "dir" {
                if i == 0 {
                    first_worst = first_worst.max(d.seconds);
                } else {
                    incremental_worst = incremental_worst.max(d.seconds);
                    let ok = bytes_ok.entry(t.id).or_insert(true);
                    *ok &= d.bytes <= reference.bytes;
                }
            }
        }
        line.push_str(&format!(
            " {:>9.2} {:>10}",
            reference.seconds, reference.bytes
        ));
        println!("{line}");
    }
    println!();
    for (id, ok) in &bytes_ok {
        println!(
            "goal {id}: no more bytes than rsync -az on every incremental corte: {}",
            if *ok { "met" } else { "NOT met" }
        );
    }
    if link {
        println!(
            "goal first corte in the folder within 180 s: {} (slowest protocol {first_worst:.1} s)",
            if first_worst <= 180.0 {
                "met"
            } else {
                "NOT met"
            }
        );
        println!(
            "goal each incremental corte within 60 s of its cut: {} (slowest {incremental_worst:.1} s)",
            if incremental_worst <= 60.0 {
                "met"
            } else {
                "NOT met"
            }
        );
    }
}
