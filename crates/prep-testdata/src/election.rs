//! Election directories for tests: `prep init` on the real IEE Puebla 2024 governor files,
//! with the settings the command line uses by default and unencrypted keys.

use prep_publish::{ElectionDir, ElectionSource, InitSettings, KeySetup, Named, RulesConfig, init};
use std::path::Path;

/// The settings `prep init` uses for the IEE Puebla 2024 local process, with a ten-minute
/// corte period and the image host `https://actas.example.mx/`.
pub fn puebla_settings() -> InitSettings {
    InitSettings {
        institute: Named {
            id: "IEEPUEBLA".into(),
            name: "Instituto Electoral del Estado de Puebla".into(),
        },
        process: Named {
            id: "PEL2024".into(),
            name: "Proceso Electoral Local 2024".into(),
        },
        utc_offset: None,
        period_minutes: 10,
        opening: None,
        closing: None,
        rules: RulesConfig::default(),
        expiry_hours: 24,
        image_host: "https://actas.example.mx/".into(),
    }
}

/// The governor election's sources: `PUE_GUB_2024.csv` and its candidaturas.
pub fn puebla_gub_source() -> ElectionSource {
    ElectionSource::from_files(
        &crate::puebla("PUE_GUB_2024.csv"),
        &crate::puebla("PUE_GUB_Candidaturas_2024.csv"),
        None,
    )
    .expect("sources")
}

/// A new election directory `root/name` of the governor election with `settings` and
/// unencrypted keys, opened.
pub fn puebla_gub_dir(root: &Path, name: &str, settings: &InitSettings) -> ElectionDir {
    let dir = root.join(name);
    init(
        &dir,
        settings,
        &[puebla_gub_source()],
        &KeySetup::Generate { password: None },
    )
    .expect("init");
    ElectionDir::open(&dir).expect("open")
}
