//! A delivery into a publication folder killed at random moments: per protocol, at least 30
//! runs of the `prep deliver` process (a new corte cut every third run), each sent SIGKILL
//! after a random delay. After every kill the folder must hold one complete corte that
//! `prep verify` accepts (what its web server would serve), never older than the one before;
//! a final run that is not killed completes the newest corte, and removes the temporaries the
//! killed runs left. The delay adapts so that about half the runs are cut off mid-way (the
//! count is asserted); the seed is printed (`PREP_KILL_SEED` replays one).

use super::folder::vsftpd;
use crate::common::random::Random;
use crate::common::{init_synth, ok, prep, s};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `prep deliver` per difusor entry this many times, killing each.
const UPLOADS: usize = 30;

/// The corte `prep verify DIR` accepts in the folder, or why it refuses it.
fn verified(www: &Path, key: &Path) -> Result<u64, String> {
    let out = prep(&["verify", &s(www), "--key", &s(key)]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.code() != Some(0) {
        return Err(text);
    }
    text.split("(sequence ")
        .nth(1)
        .and_then(|t| t.split(')').next())
        .and_then(|n| n.parse().ok())
        .ok_or(text)
}

/// Every file under `www` whose name is one of our temporaries.
fn temporaries(www: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![www.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            } else if e.file_name().to_string_lossy().starts_with(".tmp-prep-") {
                out.push(path);
            }
        }
    }
    out
}

/// An election whose one difusor's channel is `channel` (the `[difusor.channel]` table),
/// killed at random while delivering into the folder `www` (as this machine sees it).
fn killed_at_random(kind: &str, channel: &str, www: &Path) {
    let root = tempfile::tempdir().expect("tmp");
    let election = root.path().join("election");
    init_synth(&election, 300);
    std::fs::write(
        election.join("difusores.toml"),
        format!(
            "[[difusor]]\nid = \"f\"\nname = \"Medio f\"\nurl = \"http://127.0.0.1:9/\"\nenabled = true\ntimeout_seconds = 60\nretries = 0\n\n[difusor.channel]\n{channel}\n"
        ),
    )
    .expect("difusores");
    let key = election.join("keys/prep.pub");
    let dir = s(&election);
    let mut random = Random::seeded("PREP_KILL_SEED");

    ok(prep(&["corte", "--dir", &dir]));
    let mut latest = 1u64;
    // The first corte's delivery, timed: the longest a run can take.
    let started = Instant::now();
    let mut deliver = Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(["deliver", "--dir", &dir])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prep deliver");
    let mut delay = Duration::from_secs(20);
    let mut killed = 0;
    let mut served = None;
    for upload in 0..=UPLOADS {
        if upload > 0 {
            if upload % 3 == 1 {
                ok(prep(&["corte", "--dir", &dir]));
                latest += 1;
            }
            deliver = Command::new(env!("CARGO_BIN_EXE_prep"))
                .args(["deliver", "--dir", &dir])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("prep deliver");
        }
        let wait = random.up_to(delay);
        let t0 = Instant::now();
        let mut finished = false;
        while t0.elapsed() < wait {
            if deliver.try_wait().expect("try_wait").is_some() {
                finished = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if !finished {
            let _ = deliver.kill();
            killed += 1;
        }
        let _ = deliver.wait();
        if upload == 0 {
            // About half of a full run's time from now on; adjusted as runs go.
            delay = started.elapsed() / 2;
        } else if finished {
            delay = delay.mul_f64(0.8);
        } else {
            delay = delay.mul_f64(1.15);
        }
        // The folder serves one complete corte, never older than before, once one landed.
        match (verified(www, &key), served) {
            (Ok(now), Some(before)) => {
                assert!(now >= before, "{kind}: corte {now} after {before}");
                served = Some(now);
            }
            (Ok(now), None) => served = Some(now),
            (Err(why), Some(before)) => {
                panic!(
                    "{kind}: after run {upload} the folder serving corte {before} is refused: {why}"
                )
            }
            // Before the first corte landed the site serves no pointer at all.
            (Err(why), None) => assert!(
                !www.join("json/main.json").exists(),
                "{kind}: a pointer before the first corte landed: {why}"
            ),
        }
    }
    // The next round completes the newest corte, and sweeps what the killed runs left.
    ok(prep(&["deliver", "--dir", &dir]));
    assert_eq!(verified(www, &key), Ok(latest), "{kind}");
    assert_eq!(
        temporaries(www),
        Vec::<PathBuf>::new(),
        "{kind}: temporaries left"
    );
    eprintln!(
        "{kind}: {} runs, {killed} killed mid-way, corte {latest} served at the end",
        UPLOADS + 1
    );
    assert!(
        killed >= UPLOADS / 4,
        "{kind}: only {killed} of {} runs were cut off mid-way",
        UPLOADS + 1
    );
}

#[test]
fn a_local_folder_killed_at_random_always_serves_a_whole_corte() {
    let root = tempfile::tempdir().expect("tmp");
    let www = root.path().join("www");
    killed_at_random(
        "dir-folder",
        &format!("kind = \"dir-folder\"\nfolder = \"{}\"", s(&www)),
        &www,
    );
}

#[test]
fn an_sftp_folder_killed_at_random_always_serves_a_whole_corte() {
    let Some(sshd) = super::ssh::Sshd::start() else {
        return;
    };
    let channel = format!(
        "kind = \"sftp-folder\"\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\nkey_file = \"{}\"\nknown_hosts = \"{}\"\nfolder = \"/www\"",
        sshd.get("port"),
        sshd.get("www_sftp_user"),
        sshd.get("key"),
        sshd.get("known_hosts"),
    );
    killed_at_random(
        "sftp-folder",
        &channel,
        Path::new(sshd.get("www_sftp_folder")),
    );
}

#[test]
fn an_rsync_over_ssh_folder_killed_at_random_always_serves_a_whole_corte() {
    let Some(sshd) = super::ssh::Sshd::start() else {
        return;
    };
    let channel = format!(
        "kind = \"rsync-folder\"\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\nkey_file = \"{}\"\nknown_hosts = \"{}\"\nfolder = \"www\"",
        sshd.get("port"),
        sshd.get("www_rsync_user"),
        sshd.get("key"),
        sshd.get("known_hosts"),
    );
    killed_at_random(
        "rsync-folder",
        &channel,
        Path::new(sshd.get("www_rsync_folder")),
    );
}

#[test]
fn an_rsync_daemon_folder_killed_at_random_always_serves_a_whole_corte() {
    let needs = prep_testdata::component::Needs {
        root: false,
        programs: &["/usr/bin/rsync"],
        install: "apt-get install rsync",
    };
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let Some(server) = prep_testdata::component::Component::start("rsyncd.sh", tmp, needs, &[])
    else {
        return;
    };
    let channel = format!(
        "kind = \"rsyncd-folder\"\nhost = \"127.0.0.1\"\nport = {}\nmodule = \"{}\"\nfolder = \"prep\"\nuser = \"{}\"\npassword_file = \"{}\"",
        server.get("port"),
        server.get("module"),
        server.get("user"),
        server.get("password_file"),
    );
    let www = PathBuf::from(server.get("folder")).join("prep");
    killed_at_random("rsyncd-folder", &channel, &www);
}

#[test]
fn an_ftps_folder_killed_at_random_always_serves_a_whole_corte() {
    let Some((server, www)) = vsftpd() else {
        return;
    };
    let password_file = server.base().join("password");
    std::fs::write(&password_file, server.get("password")).expect("password file");
    let channel = format!(
        "kind = \"ftps-folder\"\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\npassword_file = \"{}\"\nfolder = \"{}\"\nca_file = \"{}\"",
        server.get("port"),
        server.get("user"),
        s(&password_file),
        server.get("remote_folder"),
        server.get("ca"),
    );
    killed_at_random("ftps-folder", &channel, &www);
}
