//! The node's side of the suspension notice ([`prep_inbox::notice`]): receiving one from the
//! inbox, keeping it (`data/notices/<n>.json` and its signature, and `data/notice-active`
//! holding `<notice> <corte>`: the notice in force and the corte it suspends), lifting it when
//! a newer corte is activated, and putting it back in force after a restart; the notice page
//! and the suspended `json/main.json` served meanwhile.

use crate::node::{Node, Outcome};
use crate::served::corte::Corte;
use crate::verify::{Refusal, read_signed_document};
use anyhow::Context;
use prep_fs::sync_dir;
use prep_inbox::POINTER_PATH;
use prep_inbox::events::{NodeEvent, Received};
use prep_inbox::notice::{
    MAX_NOTICE_BYTES, NOTICE_PATH, NOTICE_SIGNATURE_PATH, Notice, NoticeContext,
    check_notice_binding, page, suspended_pointer, verify_notice,
};
use std::path::{Path, PathBuf};

impl Node {
    fn notices_dir(&self) -> PathBuf {
        self.config().data.as_path().join("notices")
    }

    fn notice_active_path(&self) -> PathBuf {
        self.config().data.as_path().join("notice-active")
    }

    /// The sequence of the newest notice ever accepted.
    fn last_notice(&self) -> anyhow::Result<Option<u64>> {
        let dir = self.notices_dir();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(None);
        };
        let mut last = None;
        for entry in entries {
            let name = entry?.file_name();
            if let Some(n) = name
                .to_string_lossy()
                .strip_suffix(".json")
                .and_then(|s| s.parse::<u64>().ok())
            {
                last = last.max(Some(n));
            }
        }
        Ok(last)
    }

    /// Checks a notice delivery: exactly the notice, its signature and the marker, regular
    /// files, a valid signature, and a sequence newer than the last notice.
    fn check_notice(&self, dir: &Path) -> Result<(Notice, Vec<u8>, String), String> {
        let (bytes, minisig) = read_signed_document(
            dir,
            "a notice",
            NOTICE_PATH,
            NOTICE_SIGNATURE_PATH,
            MAX_NOTICE_BYTES,
        )?;
        let notice = self.verify_with_trusted_keys(&bytes, &minisig)?;
        self.check_binding(&notice)?;
        let last = self.last_notice().map_err(|e| format!("{e:#}"))?;
        if let Some(last) = last
            && notice.sequence <= last
        {
            return Err(format!(
                "notice sequence {} is not newer than the last accepted notice {last} (replay or rollback)",
                notice.sequence
            ));
        }
        Ok((notice, bytes, minisig))
    }

    /// Verifies a notice with the keys that may sign the corte it names (`corte_sequence`,
    /// read before the signature only to choose the keys).
    fn verify_with_trusted_keys(&self, bytes: &[u8], minisig: &str) -> Result<Notice, String> {
        #[derive(serde::Deserialize)]
        struct Claim {
            corte_sequence: u64,
        }
        let claimed = serde_json::from_slice::<Claim>(bytes).map_or(0, |c| c.corte_sequence);
        let mut result = Err(format!(
            "no key trusted for corte {claimed} may sign this notice"
        ));
        for key in self.keys_for(claimed) {
            result = verify_notice(&key, bytes, minisig).map_err(|e| e.to_string());
            if result.is_ok() {
                break;
            }
        }
        result
    }

    /// The notice against what this node serves now and the clock
    /// ([`check_notice_binding`]).
    fn check_binding(&self, notice: &Notice) -> Result<(), String> {
        let serving = self.current().filter(|c| c.sequence > 0).map(|c| {
            let process = self
                .store()
                .read_record(c.sequence)
                .ok()
                .and_then(|r| prep_package::Manifest::from_bytes(r.manifest.as_bytes()).ok())
                .map(|m| m.process)
                .unwrap_or_default();
            (process, c.sequence)
        });
        let now = prep_package::rfc3339_seconds(&prep_inbox::now_rfc3339()).unwrap_or_default();
        let context = NoticeContext {
            serving: serving.as_ref().map(|(p, s)| (p.as_str(), *s)),
            now,
        };
        check_notice_binding(notice, &context).map_err(|e| e.to_string())
    }

    /// Receives a notice delivery: refused with its reason, or kept and put in force.
    pub(crate) fn receive_notice(&self, dir: &Path, name: &str) -> anyhow::Result<Outcome> {
        self.events().record(NodeEvent::Receive {
            package: name.to_owned(),
            kind: Some(Received::Notice),
        });
        let (notice, bytes, minisig) = match self.check_notice(dir) {
            Ok(checked) => checked,
            Err(reason) => return self.reject(dir, name, &Refusal::Notice(reason)),
        };
        let notices = self.notices_dir();
        std::fs::create_dir_all(&notices)
            .with_context(|| format!("cannot create {}", notices.display()))?;
        let n = notice.sequence;
        prep_fs::write_durably_with(
            notices.join(format!("{n}.json.minisig")),
            minisig.as_bytes(),
            prep_fs::WriteOptions::new().sync_dir(false),
        )?;
        prep_fs::write_durably(notices.join(format!("{n}.json")), &bytes)?;
        let suspends = self.current().map_or(0, |c| c.sequence);
        prep_fs::write_durably(
            self.notice_active_path(),
            format!("{n} {suspends}\n").as_bytes(),
        )?;
        self.put_in_force(&notice)?;
        self.events().record(NodeEvent::Suspend {
            notice: n,
            sequence: suspends,
            title: notice.title.clone(),
        });
        self.discard(dir)?;
        Ok(Outcome::Suspended {
            package: name.to_owned(),
            notice: n,
        })
    }

    /// The notice in force over the corte served now, if any.
    pub(crate) fn notice_in_force(&self) -> Option<u64> {
        let text = std::fs::read_to_string(self.notice_active_path()).ok()?;
        let mut parts = text.split_whitespace().map(str::parse::<u64>);
        let (Some(Ok(n)), Some(Ok(suspends))) = (parts.next(), parts.next()) else {
            return None;
        };
        (self.current().map_or(0, |c| c.sequence) == suspends).then_some(n)
    }

    /// Serves the notice over the active corte.
    fn put_in_force(&self, notice: &Notice) -> anyhow::Result<()> {
        let base = self.current();
        let pointer = base
            .as_deref()
            .and_then(|c| c.get(POINTER_PATH))
            .map(|f| f.bytes.clone());
        let pointer = suspended_pointer(pointer.as_deref(), notice)?;
        self.install(Corte::suspended(base.as_deref(), &page(notice), &pointer));
        Ok(())
    }

    /// After corte `sequence` was activated: the notice in force, if any, is lifted.
    pub(crate) fn lift_notice(&self, sequence: u64) -> anyhow::Result<()> {
        let path = self.notice_active_path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(());
        };
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        sync_dir(self.config().data.as_path())?;
        self.events().record(NodeEvent::Resume {
            notice: text.split_whitespace().next().map(str::to_owned),
            sequence,
        });
        Ok(())
    }

    /// At start, after the active corte is loaded: the notice in force is verified again and
    /// served, when it suspends that very corte; one a crash left behind after a newer
    /// activation is removed.
    pub(crate) fn restore_notice(&self) -> anyhow::Result<()> {
        let path = self.notice_active_path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(());
        };
        let mut parts = text.split_whitespace().map(str::parse::<u64>);
        let (Some(Ok(n)), Some(Ok(suspends))) = (parts.next(), parts.next()) else {
            anyhow::bail!(
                "{} does not hold `<notice> <corte>`; remove it to lift the notice",
                path.display()
            );
        };
        if self.current().map_or(0, |c| c.sequence) != suspends {
            return self.lift_notice(self.current().map_or(0, |c| c.sequence));
        }
        let dir = self.notices_dir();
        let bytes = std::fs::read(dir.join(format!("{n}.json")))
            .with_context(|| format!("cannot read notice {n}"))?;
        let minisig = std::fs::read_to_string(dir.join(format!("{n}.json.minisig")))
            .with_context(|| format!("cannot read notice {n}'s signature"))?;
        match self
            .verify_with_trusted_keys(&bytes, &minisig)
            .and_then(|n| self.check_binding(&n).map(|()| n))
        {
            Ok(notice) => self.put_in_force(&notice),
            Err(reason) => {
                log::warn!("notice {n} cannot be served: {reason}");
                self.events().record(NodeEvent::VerifyFailed {
                    sequence: None,
                    notice: Some(n),
                    reason,
                });
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use prep_site::notice_style_source;

    #[test]
    fn the_notice_style_is_allowed_by_hash_wherever_the_page_is_served() {
        let source = notice_style_source();
        assert_eq!(
            source,
            "'sha256-lQgWvw7JURyPM0bqj1Nb2CxYoNQ+JjkCuhPQhfbezEQ='"
        );
        let config = crate::NodeConfig::parse(
            "public_key = \"RWQOHIr0mEga7bz1SMv9SkAfsMrBDpIorjASJ7bGTwCCdv1MsI7ErvBn\"\ninbox = \"i\"\ndata = \"d\"\n",
            std::path::Path::new("/srv"),
        )
        .expect("config");
        assert!(
            config
                .content_security_policy()
                .contains(&format!("style-src 'self' {source};"))
        );
        for snippet in [
            include_str!("../../../../deploy/nginx/prep.conf"),
            include_str!("../../../../deploy/apache/prep.conf"),
            include_str!("../../../../deploy/nginx/folder.conf"),
            include_str!("../../../../deploy/apache/folder.conf"),
        ] {
            for line in snippet
                .lines()
                .filter(|l| l.contains("Content-Security-Policy"))
            {
                assert!(
                    line.contains(&format!("style-src 'self' {source};")),
                    "{line}"
                );
            }
        }
    }
}
