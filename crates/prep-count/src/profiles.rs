//! The counting profiles shipped with the crate: one TOML file per institute-year family
//! (`profiles/*.toml`), each a [`Rules`] value. `docs/counting-rules.md` gives the LEEME
//! sentence or the reproduced file behind each.

use crate::Rules;

/// The TOML text of every shipped profile, by name; the first is the default, and
/// `--rules auto` tries them in this order (closest to Anexo 13 first).
pub const PROFILE_SOURCES: &[(&str, &str)] = &[
    ("anexo13", include_str!("../profiles/anexo13.toml")),
    (
        "iee-sonora-2021",
        include_str!("../profiles/iee-sonora-2021.toml"),
    ),
    ("ine-2019", include_str!("../profiles/ine-2019.toml")),
    (
        "ieeg-guanajuato-2021",
        include_str!("../profiles/ieeg-guanajuato-2021.toml"),
    ),
    (
        "ieec-campeche-2021",
        include_str!("../profiles/ieec-campeche-2021.toml"),
    ),
    (
        "iec-coahuila-2017",
        include_str!("../profiles/iec-coahuila-2017.toml"),
    ),
];

/// Every shipped profile, in [`PROFILE_SOURCES`] order. A profile that does not parse is
/// left out (the crate's tests parse every one).
pub fn profiles() -> Vec<Rules> {
    PROFILE_SOURCES
        .iter()
        .filter_map(|(_, text)| Rules::from_toml(text).ok())
        .collect()
}

/// The shipped profile of that name.
pub fn profile(name: &str) -> Option<Rules> {
    PROFILE_SOURCES
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, text)| Rules::from_toml(text).ok())
}

/// The names of the shipped profiles.
pub fn profile_names() -> Vec<&'static str> {
    PROFILE_SOURCES.iter().map(|(n, _)| *n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_parses_under_its_own_name() {
        for (name, text) in PROFILE_SOURCES {
            let rules = Rules::from_toml(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(rules.name, *name);
            assert!(!rules.description.is_empty(), "{name}");
        }
        assert_eq!(profiles().len(), PROFILE_SOURCES.len());
    }

    #[test]
    fn the_anexo13_file_is_the_built_in_default() {
        assert_eq!(profile("anexo13"), Some(Rules::anexo13()));
        assert_eq!(profiles()[0], Rules::default());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = format!("{}\nparticipation = 3\n", PROFILE_SOURCES[0].1);
        assert!(Rules::from_toml(&text).is_err());
    }

    #[test]
    fn profile_legends_and_markers() {
        let coahuila = profile("iec-coahuila-2017").expect("profile");
        let obs = coahuila.observations("Inconsistente C.N.V");
        assert!(obs.contains(prep_model::Observation::Inconsistente));
        assert_eq!(
            coahuila.status(b"", &obs),
            Some(prep_model::Contabilizada::NoCapturada)
        );
        let anexo = Rules::anexo13();
        assert_eq!(anexo.status(b"", &obs), None);
        let ine = profile("ine-2019").expect("profile");
        let fuera = ine.observations("No identificadas - Fuera del catálogo");
        assert_eq!(
            ine.status(b"-", &fuera),
            Some(prep_model::Contabilizada::FueraDeCatalogo)
        );
    }
}
