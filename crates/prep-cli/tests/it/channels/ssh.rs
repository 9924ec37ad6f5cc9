//! The `sftp` and `rsync` channels against Debian's OpenSSH sshd, started on a loopback port
//! by `scripts/sshd.sh` (a chrooted SFTP-only user, an rrsync-only user): three real cortes
//! into two nodes' inboxes, each activated; from the second on, only the files that changed
//! are sent. Unknown and changed host keys are refused. Needs root and openssh-server; under
//! CI=true a missing one fails the test.

use super::common::{Election, activates, deliver, node, of};
use prep_deliver::{DeliveryRecord, Outcome, difusores};
use prep_testdata::component::{Component, Needs};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running sshd from `scripts/sshd.sh`; stopped and removed when dropped.
pub(super) struct Sshd(Component);

impl Sshd {
    /// `None` (with a note) when sshd cannot run here and the tests are not under CI.
    pub(super) fn start() -> Option<Sshd> {
        // sshd refuses a chroot below a directory that is not root's or that others can
        // write (/tmp): target/tmp when the checkout allows it, else /var/lib/prep-tests.
        let target_tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let tmp = if chroot_safe(target_tmp) {
            target_tmp.to_path_buf()
        } else {
            let dir = PathBuf::from("/var/lib/prep-tests");
            std::fs::create_dir_all(&dir).expect("mkdir /var/lib/prep-tests");
            dir
        };
        let needs = Needs {
            root: true,
            programs: &["/usr/sbin/sshd", "/usr/bin/rsync"],
            install: "apt-get install openssh-server rsync",
        };
        Component::start("sshd.sh", &tmp, needs, &[]).map(Sshd)
    }

    /// What `scripts/sshd.sh` printed for `key`.
    pub(super) fn get(&self, key: &str) -> &str {
        self.0.get(key)
    }

    /// The directory the server's files are in.
    pub(super) fn base(&self) -> &Path {
        self.0.base()
    }

    /// A `[[difusor]]` entry for `kind` through this server, with `known_hosts`.
    fn difusor(&self, id: &str, kind: &str, known_hosts: &Path, retries: u32) -> String {
        let (user, inbox) = match kind {
            "sftp" => (self.get("sftp_user"), "/inbox"),
            _ => (self.get("rsync_user"), "inbox"),
        };
        format!(
            "[[difusor]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"https://{id}.example.mx/\"\nenabled = true\nretries = {retries}\ntimeout_seconds = 60\n[difusor.channel]\nkind = \"{kind}\"\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{user}\"\nkey_file = {:?}\nknown_hosts = {:?}\ninbox = \"{inbox}\"\n",
            self.get("port"),
            self.get("key"),
            known_hosts.display().to_string(),
        )
    }
}

/// Whether `dir` and every directory above it are root's and not group- or world-writable.
fn chroot_safe(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    dir.ancestors()
        .all(|d| std::fs::metadata(d).is_ok_and(|m| m.uid() == 0 && m.mode() & 0o022 == 0))
}

fn one<'a>(records: &'a [DeliveryRecord], id: &str) -> &'a DeliveryRecord {
    let r = of(records, id);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].outcome, Outcome::Delivered, "{r:?}");
    r[0]
}

/// Bytes `rsync -az --link-dest` sends for `corte` given the previous corte on the server:
/// the reference delivery is measured against.
fn rsync_link_dest(sshd: &Sshd, election: &Election, previous: Option<u64>, corte: u64) -> u64 {
    let ssh = format!(
        "ssh -p {} -i {} -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o BatchMode=yes",
        sshd.get("port"),
        sshd.get("key"),
        sshd.get("known_hosts")
    );
    let mut cmd = Command::new("rsync");
    cmd.args(["-az", "--stats", "-e", &ssh]);
    if let Some(p) = previous {
        // rrsync wants it anchored at the root of its restricted directory.
        cmd.arg(format!("--link-dest=/reference/{p:06}"));
    }
    let src = format!(
        "{}/",
        prep_deliver::corte_dir(&election.dir, corte).display()
    );
    let out = cmd
        .arg(src)
        .arg(format!(
            "{}@127.0.0.1:reference/{corte:06}/",
            sshd.get("rsync_user")
        ))
        .output()
        .expect("rsync");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    prep_deliver::channel::rsync::parse_stats(&String::from_utf8_lossy(&out.stdout))
        .expect("stats")
        .bytes_sent
}

#[test]
fn sftp_and_rsync_deliver_cortes_through_a_real_sshd_sending_only_what_changed() {
    let Some(sshd) = Sshd::start() else {
        return;
    };
    let root = tempfile::tempdir().expect("tempdir");
    let mut election = Election::new(root.path());
    let known = PathBuf::from(sshd.get("known_hosts"));
    let text = [
        sshd.difusor("por-sftp", "sftp", &known, 1),
        sshd.difusor("por-rsync", "rsync", &known, 1),
    ]
    .concat();
    std::fs::write(election.dir.join(difusores::DIFUSORES_FILE), text).expect("write");
    let all = difusores::load(&election.dir).expect("difusores");
    let key = election.public_key();
    let base = sshd.base();
    let sftp_node = node(base, "sftp-node", Path::new(sshd.get("sftp_inbox")), &key);
    let rsync_node = node(base, "rsync-node", Path::new(sshd.get("rsync_inbox")), &key);
    let reference = base.join("rsync-root/reference");
    std::fs::create_dir_all(&reference).expect("mkdir");
    let owned = Command::new("chown")
        .arg(sshd.get("rsync_user"))
        .arg(&reference)
        .status()
        .expect("chown");
    assert!(owned.success());

    let mut previous = None;
    let mut first_bytes = HashMap::new();
    for _ in 0..3 {
        let seq = election.cut();
        let records = deliver(&election.dir, seq, &all);
        activates(&sftp_node, seq);
        activates(&rsync_node, seq);
        let sftp = one(&records, "por-sftp");
        let rsync = one(&records, "por-rsync");
        let reference = rsync_link_dest(&sshd, &election, previous, seq);
        eprintln!(
            "corte {seq}: sftp {} files {} bytes; rsync channel {} files {} bytes; rsync -az --link-dest {} bytes",
            sftp.files, sftp.bytes, rsync.files, rsync.bytes, reference
        );
        let corte = prep_deliver::corte_dir(&election.dir, seq);
        let signed: u64 = ["manifest.json", "manifest.json.minisig", "json/main.json"]
            .iter()
            .map(|f| std::fs::metadata(corte.join(f)).expect("stat").len())
            .sum();
        match previous {
            None => {
                let listed = election.listed(seq);
                let all_bytes: u64 = listed.iter().map(|f| f.2).sum();
                assert_eq!(sftp.files, listed.len() as u64 + 4);
                // Wire bytes, compressed: fewer than the files hold.
                assert!(sftp.bytes < all_bytes + signed, "{sftp:?}");
                first_bytes.insert("sftp", sftp.bytes);
                first_bytes.insert("rsync", rsync.bytes);
            }
            Some(p) => {
                let (new_files, new_bytes) = election.new_in(p, seq);
                // A patched delta package: the manifest's and the new files' patches against
                // the corte before, the pointer, the delta marker and the signature.
                assert!(new_files > 0);
                assert_eq!(sftp.files, 5, "{sftp:?}");
                assert!(sftp.bytes < new_bytes + signed, "{sftp:?}");
                assert!(sftp.bytes < first_bytes["sftp"], "{sftp:?}");
                // The goal, on the wire (ssh handshake and sftp framing included):
                // no more than `rsync -az --link-dest` sends for the same change.
                assert!(sftp.bytes <= reference, "{sftp:?} vs rsync's {reference}");
                assert!(sftp.skipped > 0);
                // rsync's own count: the same files plus the completion marker.
                assert_eq!(rsync.files, new_files + 5, "{rsync:?}");
                // Compressed, what changed only: less than the first corte and no more than
                // what `rsync -az --link-dest` sends for the same change.
                assert!(rsync.bytes < first_bytes["rsync"], "{rsync:?}");
                assert!(rsync.bytes <= reference, "{rsync:?} vs {reference}");
            }
        }
        previous = Some(seq);
    }
}

#[test]
fn unknown_and_changed_host_keys_are_refused() {
    let Some(sshd) = Sshd::start() else {
        return;
    };
    let root = tempfile::tempdir().expect("tempdir");
    let mut election = Election::new(root.path());
    let empty = root.path().join("empty_known_hosts");
    std::fs::write(&empty, "").expect("write");
    // Another server's key recorded for this address and port.
    let other = root.path().join("other_key");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .expect("ssh-keygen");
    assert!(made.success());
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).expect("pub");
    let changed = root.path().join("changed_known_hosts");
    let fields: Vec<&str> = other_pub.split_whitespace().take(2).collect();
    std::fs::write(
        &changed,
        format!("[127.0.0.1]:{} {}\n", sshd.get("port"), fields.join(" ")),
    )
    .expect("write");
    let text = [
        sshd.difusor("sftp-unknown", "sftp", &empty, 0),
        sshd.difusor("sftp-changed", "sftp", &changed, 0),
        sshd.difusor("rsync-unknown", "rsync", &empty, 0),
        sshd.difusor("rsync-changed", "rsync", &changed, 0),
    ]
    .concat();
    std::fs::write(election.dir.join(difusores::DIFUSORES_FILE), text).expect("write");
    let all = difusores::load(&election.dir).expect("difusores");
    let seq = election.cut();
    let records = deliver(&election.dir, seq, &all);
    let error = |id: &str| {
        let r = of(&records, id);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].outcome, Outcome::Failed, "{r:?}");
        r[0].error.clone().unwrap_or_default()
    };
    let e = error("sftp-unknown");
    assert!(e.contains("is not in"), "{e}");
    let e = error("sftp-changed");
    assert!(e.contains("does not match") && e.contains("changed"), "{e}");
    for id in ["rsync-unknown", "rsync-changed"] {
        let e = error(id);
        assert!(
            e.contains("Host key verification failed")
                || e.contains("HOST IDENTIFICATION HAS CHANGED"),
            "{id}: {e}"
        );
    }
    // Nothing reached either inbox.
    for inbox in ["sftp_inbox", "rsync_inbox"] {
        let entries = std::fs::read_dir(sshd.get(inbox)).expect("inbox").count();
        assert_eq!(entries, 0, "{inbox}");
    }
}
