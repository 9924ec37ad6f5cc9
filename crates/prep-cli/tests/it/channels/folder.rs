//! Publication-folder delivery: three real cortes, each whole in the folder with the pointer
//! written last (and accepted by `prep verify` as Debian's nginx publishes the folder with
//! the deploy/ snippet), earlier cortes never removed, and only what the folder lacks sent
//! again;
//! into a folder on this machine, over FTPS into Debian's vsftpd (`scripts/ftps.sh`, TLS
//! required), where plain FTP and an unknown certificate authority are refused and a control
//! connection that stalls mid-delivery is replaced by a new one, and into an
//! rsync daemon's module (`scripts/rsyncd.sh`), where a wrong password is refused, and over
//! SFTP into a web root OpenSSH chroots its account to (`scripts/sshd.sh`).

use super::common::Election;
use prep_deliver::channel::{Job, read_manifest};
use prep_deliver::corte_dir;
use prep_deliver::folder::ftps::{FtpsFolder, FtpsSettings};
use prep_deliver::folder::rsync::{RsyncDaemon, RsyncFolder, RsyncTarget};
use prep_deliver::folder::sftp::SftpFolder;
use prep_deliver::folder::{self, Folder, local::LocalFolder};
use prep_package::folder::{corte_manifest_path, corte_signature_path};
use prep_package::{MANIFEST_PATH, Manifest, POINTER_PATH, SIGNATURE_PATH, sha256_hex};
use prep_testdata::component::{Component, Needs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Every file `m` lists is in `www` with its bytes, and its manifest and signature are under
/// the corte's own folder.
fn holds_whole(www: &Path, package: &Path, m: &Manifest) {
    for f in &m.files {
        assert_eq!(
            sha256_hex(&read(&www.join(&f.path))),
            f.sha256,
            "{}",
            f.path
        );
    }
    assert_eq!(
        read(&www.join(corte_manifest_path(m.sequence))),
        read(&package.join(MANIFEST_PATH))
    );
    assert_eq!(
        read(&www.join(corte_signature_path(m.sequence))),
        read(&package.join(SIGNATURE_PATH))
    );
}

/// Delivers three cortes cut as actas arrive into `target` (whose files are `www` on this
/// machine) and a fourth time the last one again, checking the folder after each. A target
/// that `skips_identical` files itself (rsync's quick check) may copy fewer of the manifests
/// and the pointer again than it was given.
fn three_cortes_into(target: &mut dyn Folder, www: &Path, skips_identical: bool) {
    let root = tempfile::tempdir().expect("tmp");
    let mut election = Election::new(root.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // The folder as its web server publishes it (nginx with the deploy/ snippet), where
    // `prep verify URL` must accept every corte.
    std::fs::create_dir_all(www).expect("the folder");
    let nginx = prep_testdata::component::nginx_publishing(root.path(), www);
    let key = election.public_key();
    let verify = |sequence: u64| {
        let Some(nginx) = &nginx else { return };
        let url = format!("http://127.0.0.1:{}/", nginx.get("port"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_prep"))
            .args(["verify", &url, "--key"])
            .arg(&key)
            .output()
            .expect("prep verify");
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{said}");
        assert!(said.contains(&format!("(sequence {sequence})")), "{said}");
    };
    let mut delivered: Vec<Manifest> = Vec::new();
    for round in 0..3 {
        let sequence = election.cut();
        let dir = corte_dir(&election.dir, sequence);
        let manifest = read_manifest(&dir).expect("manifest");
        let job = Job::new(&dir, sequence, Arc::new(manifest.clone()), None)
            .expect("job")
            .with_base(delivered.last().map(|m| m.sequence));
        let sent = runtime
            .block_on(folder::deliver(target, &job))
            .expect("delivered");
        assert_eq!(read(&www.join(POINTER_PATH)), read(&dir.join(POINTER_PATH)));
        assert_eq!(
            read(&www.join(MANIFEST_PATH)),
            read(&dir.join(MANIFEST_PATH))
        );
        holds_whole(www, &dir, &manifest);
        verify(sequence);
        for earlier in &delivered {
            let earlier_dir = corte_dir(&election.dir, earlier.sequence);
            holds_whole(www, &earlier_dir, earlier);
        }
        let listed = manifest.files.len() as u64;
        assert_eq!(
            sent.files + sent.skipped,
            listed + 5,
            "round {round}: {sent:?}"
        );
        if round == 0 {
            assert_eq!(sent.skipped, 0, "{sent:?}");
        } else {
            let (new_files, _) = election.new_in(delivered[round - 1].sequence, sequence);
            assert!(sent.skipped > 0, "round {round}: {sent:?}");
            assert_eq!(
                sent.files,
                new_files + 5,
                "round {round}: the new files and the two manifests' copies and the pointer: {sent:?}"
            );
        }
        delivered.push(manifest);
    }

    // What a delivery cut off left (temporaries of ours), and a dot-file of the difusor's.
    let leftovers = [".tmp-prep-1-0-index.html", "json/.tmp-prep-1-1-main.json"];
    for l in leftovers {
        std::fs::write(www.join(l), b"{\"a medias\"").expect("a leftover");
    }
    std::fs::write(www.join("json/.mantener"), b"del difusor").expect("a dot-file");

    // The same corte again: only the manifests and the pointer (the folder holds the rest).
    let last = delivered.last().expect("three cortes");
    let dir = corte_dir(&election.dir, last.sequence);
    let again = Job::new(&dir, last.sequence, Arc::new(last.clone()), None)
        .expect("job")
        .with_base(Some(last.sequence - 1));
    let again = Job {
        base: Some(last.sequence),
        ..again
    };
    let sent = runtime
        .block_on(folder::deliver(target, &again))
        .expect("delivered again");
    assert_eq!(sent.skipped, last.files.len() as u64, "{sent:?}");
    if skips_identical {
        assert!(sent.files <= 5, "{sent:?}");
    } else {
        assert_eq!(sent.files, 5, "{sent:?}");
    }
    assert_eq!(read(&www.join(POINTER_PATH)), read(&dir.join(POINTER_PATH)));

    // Nothing is left under a temporary name: the leftovers were removed, the difusor's
    // own dot-file was not.
    let stray: Vec<_> = walk(www)
        .into_iter()
        .filter(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with('.')))
        .collect();
    assert_eq!(stray, vec!["json/.mantener".to_owned()]);
}

#[test]
fn cortes_land_whole_in_a_local_folder_and_only_what_changed_is_sent_again() {
    let root = tempfile::tempdir().expect("tmp");
    let www = root.path().join("www");
    three_cortes_into(&mut LocalFolder { root: www.clone() }, &www, false);
}

const VSFTPD: Needs = Needs {
    root: true,
    programs: &["/usr/sbin/vsftpd", "/usr/bin/openssl"],
    install: "apt-get install vsftpd openssl",
};

/// Debian's vsftpd started by `scripts/ftps.sh` (TLS required), and its account's folder on
/// this machine; `None` when the test is skipped outside CI.
pub(super) fn vsftpd() -> Option<(Component, std::path::PathBuf)> {
    let server = Component::start(
        "ftps.sh",
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        VSFTPD,
        &[],
    )?;
    let www = std::path::PathBuf::from(server.get("folder"));
    Some((server, www))
}

/// The folder of the FTPS server's account, with `change` made to its settings.
fn ftps(server: &Component, change: impl FnOnce(&mut FtpsSettings)) -> FtpsFolder {
    let password_file = server.base().join("password");
    std::fs::write(&password_file, server.get("password")).expect("password file");
    let mut settings = FtpsSettings {
        host: "127.0.0.1".into(),
        port: server.get("port").parse().expect("port"),
        user: server.get("user").into(),
        password_file,
        folder: server.get("remote_folder").into(),
        ca_file: Some(server.get("ca").into()),
        insecure_plain: false,
        timeout: Duration::from_secs(10),
    };
    change(&mut settings);
    FtpsFolder::new(settings)
}

#[test]
fn cortes_land_whole_over_ftps_and_plain_ftp_or_an_unknown_authority_is_refused() {
    let Some((server, www)) = vsftpd() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    // The server requires TLS: a plain login is refused before any file moves.
    let mut plain = ftps(&server, |s| s.insecure_plain = true);
    let e = runtime
        .block_on(plain.list())
        .expect_err("plain FTP refused");
    assert!(format!("{e:#}").contains("refused the login"), "{e:#}");
    // A certificate no trusted authority signed is refused.
    let other_ca = server.base().join("other-ca.pem");
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=otra",
        ])
        .arg("-keyout")
        .arg(server.base().join("other-key.pem"))
        .arg("-out")
        .arg(&other_ca)
        .output()
        .expect("openssl");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let mut unknown = ftps(&server, |s| s.ca_file = Some(other_ca));
    let e = runtime
        .block_on(unknown.list())
        .expect_err("unknown authority refused");
    assert!(format!("{e:#}").contains("refused TLS"), "{e:#}");
    assert!(walk(&www).is_empty(), "nothing was written");

    let mut target = ftps(&server, |_| {});
    three_cortes_into(&mut target, &www, false);
    assert_eq!(
        target.overwrite_deletes(),
        0,
        "vsftpd renames over an existing file"
    );
}

/// A TCP relay to `upstream` on a loopback port of its own: its first connection stops
/// passing the server's bytes on after `stall_after` of them (the sockets stay open, as a
/// stalled server's would); later connections pass everything. Returns the port and the
/// count of connections taken.
fn stalling_relay(
    upstream: std::net::SocketAddr,
    stall_after: usize,
) -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").expect("relay port");
    let port = listener.local_addr().expect("relay address").port();
    let taken = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&taken);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
            let Ok(server) = TcpStream::connect(upstream) else {
                return;
            };
            // Commands and replies are small: without this each waits for a delayed ACK.
            let _ = (client.set_nodelay(true), server.set_nodelay(true));
            let pump = |mut from: TcpStream, mut to: TcpStream, limit: usize| {
                std::thread::spawn(move || {
                    let (mut passed, mut buf) = (0usize, [0u8; 4096]);
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        let n = n.min(limit - passed);
                        if n == 0 || to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        passed += n;
                    }
                    if passed < limit {
                        let _ = to.shutdown(Shutdown::Write);
                    } else {
                        // Stalled: hold both sockets open, passing nothing more.
                        std::thread::sleep(Duration::from_secs(600));
                    }
                });
            };
            let (c, s) = (
                client.try_clone().expect("clone"),
                server.try_clone().expect("clone"),
            );
            pump(c, server, usize::MAX);
            pump(s, client, if first { stall_after } else { usize::MAX });
        }
    });
    (port, taken)
}

#[test]
fn a_stalled_ftps_control_connection_is_replaced_and_the_cortes_land_whole() {
    let Some((server, www)) = vsftpd() else {
        return;
    };
    let upstream: std::net::SocketAddr = format!("127.0.0.1:{}", server.get("port"))
        .parse()
        .expect("address");
    // Past the TLS handshake and the login (about 5 KB from the server), within the uploads.
    let (port, taken) = stalling_relay(upstream, 12_000);
    let mut target = ftps(&server, |s| {
        s.port = port;
        s.timeout = Duration::from_secs(1);
    });
    three_cortes_into(&mut target, &www, false);
    assert!(
        taken.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "the stalled connection was replaced by a new one"
    );
}

fn walk(dir: &Path) -> Vec<String> {
    prep_testdata::tree::read_tree(dir).into_keys().collect()
}

#[test]
fn cortes_land_whole_through_an_rsync_daemon_and_a_wrong_password_is_refused() {
    let needs = Needs {
        root: false,
        programs: &["/usr/bin/rsync"],
        install: "apt-get install rsync",
    };
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let Some(server) = Component::start("rsyncd.sh", tmp, needs, &[]) else {
        return;
    };
    let daemon = RsyncDaemon {
        host: "127.0.0.1".into(),
        port: server.get("port").parse().expect("port"),
        module: server.get("module").into(),
        folder: "prep".into(),
        user: server.get("user").into(),
        password_file: server.get("password_file").into(),
    };
    let www = std::path::PathBuf::from(server.get("folder")).join("prep");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    let wrong = server.base().join("wrong.password");
    std::fs::write(&wrong, "otra\n").expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrong, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let mut refused = RsyncFolder {
        target: RsyncTarget::Daemon(RsyncDaemon {
            password_file: wrong,
            ..daemon.clone()
        }),
    };
    let e = runtime
        .block_on(refused.list())
        .expect_err("a wrong password");
    assert!(format!("{e:#}").contains("auth failed"), "{e:#}");

    let mut target = RsyncFolder {
        target: RsyncTarget::Daemon(daemon),
    };
    three_cortes_into(&mut target, &www, true);
}

/// The account of `sshd` that `user` names, as the channels' settings say it.
fn ssh_account(sshd: &super::ssh::Sshd, user: &str) -> prep_deliver::difusores::Ssh {
    prep_deliver::difusores::Ssh {
        host: "127.0.0.1".into(),
        port: sshd.get("port").parse().expect("port"),
        user: sshd.get(user).into(),
        key_file: sshd.get("key").into(),
        known_hosts: sshd.get("known_hosts").into(),
        inbox: String::new(),
    }
}

#[test]
fn cortes_land_whole_with_rsync_over_ssh() {
    let Some(sshd) = super::ssh::Sshd::start() else {
        return;
    };
    let mut target = RsyncFolder {
        target: RsyncTarget::Ssh {
            ssh: ssh_account(&sshd, "www_rsync_user"),
            folder: "www".into(),
        },
    };
    let www = std::path::PathBuf::from(sshd.get("www_rsync_folder"));
    three_cortes_into(&mut target, &www, true);
}

#[test]
fn cortes_land_whole_over_sftp_into_a_chrooted_web_root() {
    let Some(sshd) = super::ssh::Sshd::start() else {
        return;
    };
    let ssh = ssh_account(&sshd, "www_sftp_user");
    let www = std::path::PathBuf::from(sshd.get("www_sftp_folder"));
    three_cortes_into(&mut SftpFolder::new(ssh, "/www".into()), &www, false);
}
