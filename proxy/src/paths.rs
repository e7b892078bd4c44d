//! Where strata keeps its data.
//!
//! The store folder is, in order of precedence: `--store DIR`, the
//! `STRATA_STORE` environment variable (both handled by the CLI parser),
//! `$XDG_DATA_HOME/strata`, and `~/.local/share/strata`.

use std::path::PathBuf;

/// The default store folder when neither `--store` nor `STRATA_STORE` is given.
///
/// Returns `None` when neither `XDG_DATA_HOME` nor `HOME` is set, so the
/// caller can ask the user to pass `--store`.
pub fn default_store_dir() -> Option<PathBuf> {
    store_dir_from(
        std::env::var_os("XDG_DATA_HOME").map(PathBuf::from),
        std::env::var_os("HOME").map(PathBuf::from),
    )
}

fn store_dir_from(xdg_data_home: Option<PathBuf>, home: Option<PathBuf>) -> Option<PathBuf> {
    // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    match xdg_data_home.filter(|p| p.is_absolute()) {
        Some(xdg) => Some(xdg.join("strata")),
        None => home.map(|h| h.join(".local/share/strata")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_dir_precedence() {
        let cases: &[(Option<&str>, Option<&str>, Option<&str>)] = &[
            (Some("/x"), Some("/home/u"), Some("/x/strata")),
            (None, Some("/home/u"), Some("/home/u/.local/share/strata")),
            (
                Some("rel"),
                Some("/home/u"),
                Some("/home/u/.local/share/strata"),
            ),
            (None, None, None),
        ];
        for (xdg, home, want) in cases {
            let got = store_dir_from(xdg.map(PathBuf::from), home.map(PathBuf::from));
            assert_eq!(got, want.map(PathBuf::from), "xdg={xdg:?} home={home:?}");
        }
    }
}
