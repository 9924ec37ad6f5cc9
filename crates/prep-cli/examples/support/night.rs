//! What the benchmark drivers share: a synthetic election night ([`Night`]: `prep init
//! --synth`, its actas fed into the store up to each scheduled corte time, each corte cut in
//! this process, as `prep replay` does), the `key=value` lines a component script of
//! `scripts/` prints ([`Env`]), and running `prep` to its end.

// Each driver uses a part of what is here.
#![allow(dead_code)]

use jiff::Timestamp;
use prep_publish::{CorteReport, ElectionDir, Feeder, Publisher, SimClock, Speed, plan_from_file};
use prep_store::Store;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;

/// A synthetic election directory and its night, cut by cut.
pub struct Night {
    /// The election directory.
    pub dir: ElectionDir,
    store: Store,
    feeder: Feeder,
    clock: SimClock,
    publisher: Publisher,
    /// The corte times to cut, in order: the first scheduled one with the share of the
    /// actas' events asked for, then the next ones.
    pub cut_times: Vec<Timestamp>,
    /// Every acta event of the night.
    pub events: usize,
}

impl Night {
    /// `prep init --synth` with `casillas` at `election`, and `cortes + 1` corte times from
    /// the first scheduled one by which `start_percent` of the events are due.
    pub fn prepare(
        prep: &Path,
        election: &Path,
        casillas: u64,
        start_percent: usize,
        cortes: usize,
    ) -> anyhow::Result<Night> {
        run(
            prep,
            &[
                "init",
                &path(election),
                "--synth",
                "--casillas",
                &casillas.to_string(),
                "--keys",
                "--unencrypted",
            ],
        )?;
        let dir = ElectionDir::open(election)?;
        let store = dir.open_store()?;
        let mut plans = Vec::new();
        for e in &dir.config.elections {
            let (_, plan) = plan_from_file(&dir, &store, &dir.resolve(&e.catalogue), Some(&e.id))?;
            plans.push(plan);
        }
        let mut times: Vec<Timestamp> = plans
            .iter()
            .flat_map(|p| p.events.iter().map(|e| e.at))
            .collect();
        times.sort();
        let due = |t: Timestamp| times.partition_point(|x| *x <= t);
        let schedule = dir.config.corte_times()?;
        let first = schedule
            .iter()
            .position(|&t| due(t) * 100 >= times.len() * start_percent)
            .unwrap_or(0);
        let cut_times: Vec<Timestamp> =
            schedule[first..].iter().take(cortes + 1).copied().collect();
        anyhow::ensure!(
            cut_times.len() == cortes + 1,
            "the schedule has only {} cortes from the {start_percent}% point; ask for fewer cortes or a lower start percent",
            cut_times.len(),
        );
        let clock = SimClock::new(dir.config.opening()?, Speed::AsFastAsPossible);
        let publisher = Publisher::open(dir.clone(), dir.signing_key()?)?;
        Ok(Night {
            events: times.len(),
            dir,
            store,
            feeder: Feeder::new(plans),
            clock,
            publisher,
            cut_times,
        })
    }

    /// Feeds the actas due by corte time `i` and cuts it; returns its report and how many
    /// events were fed for it.
    pub fn cut(&mut self, i: usize) -> anyhow::Result<(CorteReport, usize)> {
        let at = self.cut_times[i];
        let before = self.feeder.done();
        let stop = AtomicBool::new(false);
        self.feeder
            .feed_until(&self.store, at, &mut self.clock, &stop, &mut |_, _| {})?;
        let report = self.publisher.cut(&self.store, at, false)?;
        Ok((report, self.feeder.done() - before))
    }
}

/// The `key=value` lines a component script (`scripts/sshd.sh`, `rsyncd.sh`, `ftps.sh`)
/// printed.
pub struct Env {
    script: &'static str,
    values: HashMap<String, String>,
}

impl Env {
    /// The lines `script` printed into `file`.
    pub fn read(script: &'static str, file: &Path) -> anyhow::Result<Env> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
        let values = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Ok(Env { script, values })
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> anyhow::Result<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| anyhow::anyhow!("scripts/{} printed no {key}=", self.script))
    }
}

/// A path as text, for a command line.
pub fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `prep ARGS` to its end; its output on failure.
pub fn run(prep: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(prep).args(args).output()?;
    anyhow::ensure!(
        out.status.success(),
        "prep {} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}
