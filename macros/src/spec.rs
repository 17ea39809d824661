//! Loading the shipped spec (and overlays) inside the compiler, with errors as compile errors.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lever_spec::Spec;

/// The shipped spec, loaded once per compiler process. It is compiled into `lever-spec`, so
/// editing a spec file rebuilds `lever-spec` and this crate, and re-expands every macro.
pub(crate) fn base() -> Result<&'static Spec, String> {
    static BASE: OnceLock<Result<Spec, String>> = OnceLock::new();
    BASE.get_or_init(|| lever_spec::shipped().map_err(|e| e.to_string()))
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
    lever_spec::shipped_with_overlays(vec![(PathBuf::from(shown_as), bytes)])
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
