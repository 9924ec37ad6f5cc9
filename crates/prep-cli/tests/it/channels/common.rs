//! Test support: an election directory from the real Puebla files with three cortes cut as
//! actas arrive, nodes that receive them, and the helpers to read what was delivered.
#![allow(dead_code)]

use prep_deliver::{DeliveryRecord, Difusor};
use prep_node::{Node, NodeConfig, Outcome};
use prep_publish::{
    ElectionDir, Feeder, Publisher, SimClock, Speed, parse_rfc3339, plan_from_file,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// The election night's corte times: actas keep arriving between them.
pub const CORTES: [&str; 3] = [
    "2024-06-02T21:00:00-06:00",
    "2024-06-02T21:30:00-06:00",
    "2024-06-02T22:00:00-06:00",
];

/// An election directory `root/pue` (PUE_GUB, unencrypted keys) with its catalogue, and a
/// publisher fed up to each corte time when [`Election::cut`] is called.
pub struct Election {
    pub dir: PathBuf,
    election: ElectionDir,
    feeder: Feeder,
    clock: SimClock,
    publisher: Publisher,
    cut: usize,
}

impl Election {
    pub fn new(root: &Path) -> Election {
        let election = prep_testdata::election::puebla_gub_dir(
            root,
            "pue",
            &prep_testdata::election::puebla_settings(),
        );
        let dir = election.root.clone();
        let store = election.open_store().expect("store");
        let (_, plan) = plan_from_file(
            &election,
            &store,
            &prep_testdata::puebla("PUE_GUB_2024.csv"),
            None,
        )
        .expect("plan");
        let feeder = Feeder::new(vec![plan]);
        let clock = SimClock::new(
            election.config.opening().expect("opening"),
            Speed::AsFastAsPossible,
        );
        let key = election.signing_key().expect("key");
        let publisher = Publisher::open(election.clone(), key).expect("publisher");
        Election {
            dir,
            election,
            feeder,
            clock,
            publisher,
            cut: 0,
        }
    }

    /// Feeds the actas up to the next corte time and cuts it; returns its sequence.
    pub fn cut(&mut self) -> u64 {
        let at = parse_rfc3339(CORTES[self.cut]).expect("time");
        self.cut += 1;
        let store = self.election.open_store().expect("store");
        let stop = AtomicBool::new(false);
        self.feeder
            .feed_until(&store, at, &mut self.clock, &stop, &mut |_, _| {})
            .expect("feed");
        self.publisher.cut(&store, at, false).expect("cut").sequence
    }

    /// The public key file.
    pub fn public_key(&self) -> PathBuf {
        self.dir.join("keys/prep.pub")
    }

    /// The SHA-256 and size of every file corte `sequence` lists.
    pub fn listed(&self, sequence: u64) -> Vec<(String, String, u64)> {
        let m = prep_deliver::channel::read_manifest(&prep_deliver::corte_dir(&self.dir, sequence))
            .expect("manifest");
        m.files
            .into_iter()
            .map(|f| (f.path, f.sha256, f.size))
            .collect()
    }

    /// The files of corte `b` whose bytes corte `a` does not hold: (count, bytes).
    pub fn new_in(&self, a: u64, b: u64) -> (u64, u64) {
        let old: HashSet<String> = self.listed(a).into_iter().map(|f| f.1).collect();
        let new: Vec<_> = self
            .listed(b)
            .into_iter()
            .filter(|f| !old.contains(&f.1))
            .collect();
        (new.len() as u64, new.iter().map(|f| f.2).sum())
    }
}

/// A node (not serving: only its inbox poller is exercised) with `inbox`, its data beside.
pub fn node(root: &Path, name: &str, inbox: &Path, public_key: &Path) -> Node {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let data = inbox
        .parent()
        .expect("inbox parent")
        .join(format!("{name}-data"));
    let text = format!(
        "public_key_file = {:?}\ninbox = {:?}\ndata = {:?}\nlisten = \"127.0.0.1:0\"\naccept_first = true\n",
        public_key.display().to_string(),
        inbox.display().to_string(),
        data.display().to_string(),
    );
    let path = dir.join("node.toml");
    std::fs::write(&path, text).expect("write");
    Node::open(NodeConfig::load(&path).expect("config"), false).expect("node")
}

/// Polls the node's inbox until `sequence` is active; panics on a refusal or after 20 s.
pub fn activates(node: &Node, sequence: u64) {
    let t0 = Instant::now();
    loop {
        for o in node.poll_inbox().expect("poll") {
            if let Outcome::Rejected { reason, code, .. } = o {
                panic!("the node refused a package ({code}): {reason}");
            }
        }
        if node.current().is_some_and(|c| c.sequence == sequence) {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "corte {sequence} not active after 20 s (active: {:?})",
            node.current().map(|c| c.sequence)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Delivers corte `sequence` to `difusores` with short back-off.
pub fn deliver(dir: &Path, sequence: u64, difusores: &[Difusor]) -> Vec<DeliveryRecord> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let backoff = prep_deliver::Backoff {
        first: Duration::from_millis(50),
        max: Duration::from_millis(200),
    };
    rt.block_on(prep_deliver::deliver_all(dir, sequence, difusores, backoff))
        .expect("deliver")
}

/// The records of one difusor.
pub fn of<'a>(records: &'a [DeliveryRecord], id: &str) -> Vec<&'a DeliveryRecord> {
    records.iter().filter(|r| r.difusor == id).collect()
}
