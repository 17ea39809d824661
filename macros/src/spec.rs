//! Loading the shipped spec (and overlays) inside the compiler, with errors as compile errors.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lever_spec::Spec;

/// Files as bytes: `lever_spec::from_byte_sources` reports one that is not UTF-8 with a location.
type Sources = Vec<(PathBuf, Vec<u8>)>;

fn base_sources() -> Result<&'static Sources, String> {
    static SOURCES: OnceLock<Result<Sources, String>> = OnceLock::new();
    SOURCES
        .get_or_init(|| {
            let files = lever_spec::spec_files(&lever_spec::default_spec_dir())
                .map_err(|e| e.to_string())?;
            files
                .into_iter()
                .map(|p| {
                    std::fs::read(&p)
                        .map(|bytes| (p.clone(), bytes))
                        .map_err(|e| format!("cannot read {}: {e}", p.display()))
                })
                .collect()
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The shipped spec, loaded once per compiler process.
pub(crate) fn base() -> Result<&'static Spec, String> {
    static BASE: OnceLock<Result<Spec, String>> = OnceLock::new();
    BASE.get_or_init(|| {
        let sources = base_sources()?.clone();
        lever_spec::from_byte_sources(sources, vec![]).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The folder relative paths are resolved against: the crate being compiled.
/// `LEVER_MACROS_MANIFEST_DIR` overrides it (UI test harnesses compile tests elsewhere).
pub(crate) fn crate_path(relative: &str) -> PathBuf {
    let root = std::env::var_os("LEVER_MACROS_MANIFEST_DIR")
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .map(PathBuf::from)
        .unwrap_or_default();
    root.join(relative)
}

/// The shipped spec merged with an overlay file; errors name the overlay as `shown_as`.
pub(crate) fn with_overlay(path: &Path, shown_as: &str) -> Result<Spec, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let base = base_sources()?.clone();
    lever_spec::from_byte_sources(base, vec![(PathBuf::from(shown_as), bytes)])
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlay_that_is_not_utf8_is_a_located_spec_error() {
        let path = std::env::temp_dir().join(format!(
            "lever-macros-latin1-overlay-{}.yaml",
            std::process::id()
        ));
        std::fs::write(
            &path,
            b"types:\n  Posting:\n    extend: true\n    doc: caf\xe9\n",
        )
        .expect("write the overlay");
        let result = with_overlay(&path, "lever-overlay.yaml");
        let _ = std::fs::remove_file(&path);
        let message = result.expect_err("the overlay is refused");
        assert!(
            message.starts_with("error: lever-overlay.yaml is not valid UTF-8\n"),
            "{message}"
        );
        assert!(message.contains("--> lever-overlay.yaml:4:13"), "{message}");
    }
}
