//! Real servers the tests start through the project's own start-up scripts
//! (`scripts/sshd.sh`, `scripts/ftps.sh`, `scripts/rsyncd.sh`): each script takes a new base
//! directory, starts its server on a loopback port and prints `key=value` lines (`port=`,
//! `pid=`, …); [`Component`] runs it, reads them, and stops the server when dropped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// A server started by a script of `scripts/`; killed (its `pid=`) and its base directory
/// removed when dropped.
#[derive(Debug)]
pub struct Component {
    base: PathBuf,
    info: HashMap<String, String>,
}

/// What a component needs of this machine.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// Whether the script must run as root.
    pub root: bool,
    /// Programs that must be installed (absolute paths).
    pub programs: &'static [&'static str],
    /// How CI installs them (`apt-get install vsftpd`).
    pub install: &'static str,
}

/// Debian's nginx.
pub const NGINX: Needs = Needs {
    root: false,
    programs: &["/usr/sbin/nginx"],
    install: "apt-get install nginx",
};

/// Debian's nginx (`scripts/nginx.sh`, base under `tmp`) publishing the folder `www` with
/// the difusor's snippet `deploy/nginx/folder.conf`; its `port=`.
pub fn nginx_publishing(tmp: &Path, www: &Path) -> Option<Component> {
    let snippet = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx/folder.conf");
    Component::start(
        "nginx.sh",
        tmp,
        NGINX,
        &[www.as_os_str(), snippet.as_os_str()],
    )
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

impl Component {
    /// Runs `scripts/<script> BASE ARGS…` with a fresh `BASE` under `tmp` (a test's
    /// `CARGO_TARGET_TMPDIR`); `None`, with a printed note, when this machine lacks what
    /// `needs` says and the tests do not run under CI — under CI that fails the test. A
    /// script that fails fails the test with its error output.
    pub fn start(
        script: &str,
        tmp: &Path,
        needs: Needs,
        args: &[&std::ffi::OsStr],
    ) -> Option<Component> {
        let missing: Vec<&str> = needs
            .programs
            .iter()
            .copied()
            .filter(|p| !Path::new(p).is_file())
            .collect();
        let unmet = if needs.root && !is_root() {
            Some("root".to_owned())
        } else if !missing.is_empty() {
            Some(missing.join(", "))
        } else {
            None
        };
        if let Some(unmet) = unmet {
            assert!(
                !crate::in_ci(),
                "scripts/{script} needs {unmet} ({}); CI must provide it",
                needs.install
            );
            eprintln!(
                "SKIPPED: scripts/{script} needs {unmet} ({})",
                needs.install
            );
            return None;
        }
        // One start at a time: scripts may create accounts.
        static STARTING: Mutex<u32> = Mutex::new(0);
        let mut started = STARTING.lock().unwrap_or_else(|p| p.into_inner());
        *started += 1;
        let stem = script.trim_end_matches(".sh");
        let base = tmp.join(format!("{stem}-{}-{started}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../scripts")
            .join(script);
        let out = Command::new("bash")
            .arg(&path)
            .arg(&base)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
        assert!(
            out.status.success(),
            "scripts/{script} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let info = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some(Component { base, info })
    }

    /// The value the script printed for `key`; panics, naming it, when it printed none.
    pub fn get(&self, key: &str) -> &str {
        self.info
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("the script printed no {key}="))
    }

    /// The base directory the script was given.
    pub fn base(&self) -> &Path {
        &self.base
    }
}

impl Drop for Component {
    fn drop(&mut self) {
        if let Some(pid) = self.info.get("pid") {
            let _ = Command::new("kill").arg(pid).status();
        }
        let _ = std::fs::remove_dir_all(&self.base);
    }
}
