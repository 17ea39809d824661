//! The spec shipped with this crate, compiled in: rustc tracks every file (editing one
//! rebuilds this crate and whatever reads it, `lever-macros` included), and an installed
//! binary needs no source tree.

use std::path::PathBuf;

use crate::{Spec, SpecError};

/// One file of the shipped spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShippedFile {
    /// Its path relative to the spec folder, e.g. `resources/postings.yaml`.
    pub name: &'static str,
    /// Its text.
    pub text: &'static str,
}

impl ShippedFile {
    /// The path errors show for this file: `lever-spec/spec/<name>`.
    pub fn shown_path(&self) -> PathBuf {
        PathBuf::from(format!("lever-spec/spec/{}", self.name))
    }
}

macro_rules! shipped_files {
    ($($name:literal),* $(,)?) => {
        &[$(ShippedFile {
            name: $name,
            text: include_str!(concat!("../spec/", $name)),
        }),*]
    };
}

/// Every file, sorted by path as [`spec_files`](crate::spec_files) lists a folder (a test
/// checks this list against the folder, so a new file cannot be left out).
const FILES: &[ShippedFile] = shipped_files![
    "api.yaml",
    "common.yaml",
    "resources/applications.yaml",
    "resources/archive_reasons.yaml",
    "resources/audit_events.yaml",
    "resources/contacts.yaml",
    "resources/eeo.yaml",
    "resources/feedback.yaml",
    "resources/files.yaml",
    "resources/forms.yaml",
    "resources/interviews.yaml",
    "resources/notes.yaml",
    "resources/offers.yaml",
    "resources/opportunities.yaml",
    "resources/panels.yaml",
    "resources/postings.yaml",
    "resources/referrals.yaml",
    "resources/requisitions.yaml",
    "resources/resumes.yaml",
    "resources/sources.yaml",
    "resources/stages.yaml",
    "resources/tags.yaml",
    "resources/uploads.yaml",
    "resources/users.yaml",
    "resources/webhooks.yaml",
    "webhooks.yaml",
];

/// The files of the shipped spec, compiled into this crate.
pub fn shipped_files() -> &'static [ShippedFile] {
    FILES
}

/// The shipped files as `(shown path, bytes)` sources, for
/// [`from_byte_sources`](crate::from_byte_sources).
pub fn shipped_sources() -> Vec<(PathBuf, Vec<u8>)> {
    FILES
        .iter()
        .map(|file| (file.shown_path(), file.text.as_bytes().to_vec()))
        .collect()
}

/// Loads and validates the shipped spec.
pub fn shipped() -> Result<Spec, SpecError> {
    shipped_with_overlays(Vec::new())
}

/// The shipped spec with `overlays` (`(path shown in errors, bytes)`) merged in order.
pub fn shipped_with_overlays(overlays: Vec<(PathBuf, Vec<u8>)>) -> Result<Spec, SpecError> {
    crate::from_byte_sources(shipped_sources(), overlays)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_list_is_every_file_of_the_spec_folder() {
        let dir = crate::default_spec_dir();
        let on_disk: Vec<String> = crate::spec_files(&dir)
            .expect("the spec folder is readable in the source tree")
            .iter()
            .map(|path| {
                let relative = path.strip_prefix(&dir).expect("listed under the folder");
                relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        let embedded: Vec<&str> = FILES.iter().map(|f| f.name).collect();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn the_embedded_spec_equals_the_folder() {
        let from_disk = crate::load(&crate::default_spec_dir(), &[]).expect("loads from disk");
        let embedded = shipped().expect("the shipped spec is valid");
        // Locations differ (they name the files differently), so compare what they locate.
        let actions = |spec: &Spec| -> Vec<(String, String, String)> {
            spec.actions()
                .map(|(_, a)| (a.full_name(), a.method.as_str().to_string(), a.path.clone()))
                .collect()
        };
        let polls = |spec: &Spec| -> Vec<(String, Option<crate::PollRule>)> {
            spec.triggers
                .values()
                .map(|t| (t.name.clone(), t.poll.clone()))
                .collect()
        };
        assert_eq!(actions(&embedded), actions(&from_disk));
        assert_eq!(polls(&embedded), polls(&from_disk));
        assert_eq!(
            embedded.types.keys().collect::<Vec<_>>(),
            from_disk.types.keys().collect::<Vec<_>>()
        );
        assert_eq!(embedded.api, from_disk.api);
        assert!(embedded.resources["postings"]
            .location
            .file
            .path
            .ends_with("lever-spec/spec/resources/postings.yaml"));
    }

    #[test]
    fn errors_in_an_overlay_name_the_overlay_file() {
        let overlay =
            b"types:\n  Posting:\n    extend: true\n    fields:\n      customScore: { type: nope }\n";
        let err = shipped_with_overlays(vec![("my-overlay.yaml".into(), overlay.to_vec())])
            .expect_err("unknown type");
        let text = err.to_string();
        assert!(text.contains("--> my-overlay.yaml:5:"), "{text}");
        assert!(text.contains("unknown type `nope`"), "{text}");
    }
}
