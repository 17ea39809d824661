//! The Lever spec: its YAML format, loading, overlays and validation with located errors.
//!
//! ```no_run
//! let spec = lever_spec::shipped().map_err(|e| e.to_string())?;
//! for (resource, action) in spec.actions() {
//!     println!("{}.{}: {} {}", resource.name, action.name, action.method.as_str(), action.path);
//! }
//! # Ok::<(), String>(())
//! ```
//!
//! The format is documented in this crate's `README.md`. Every problem in a spec is reported
//! at once, each with file, line, column, YAML path and, where one exists, a suggestion.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod check;
mod diag;
pub mod model;
pub mod naming;
mod path;
#[cfg(feature = "shipped")]
mod shipped;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use diag::{Diagnostic, SpecError};
pub use model::*;
#[cfg(feature = "shipped")]
pub use shipped::{shipped, shipped_files, shipped_sources, shipped_with_overlays, ShippedFile};

use crate::check::Origin;
use crate::diag::Sink;
use crate::yaml::{Location, SourceFile};

/// Why a spec could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The spec was read but is invalid.
    #[error("{0}")]
    Invalid(#[from] SpecError),
}

/// The folder of the spec in this crate's source tree. Only there while the source is (a
/// checkout, or cargo's registry copy); [`shipped`] and [`shipped_files`] are compiled in and
/// work anywhere.
pub fn default_spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("spec")
}

/// The YAML files a spec path stands for: the file itself, or every `.yaml`/`.yml` file under
/// a folder (recursively), sorted by path.
pub fn spec_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| LoadError::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| LoadError::Io {
                path: dir.clone(),
                source,
            })?;
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Loads the spec at `path` (a file or folder), merges `overlays` in order, and validates.
pub fn load(path: &Path, overlays: &[PathBuf]) -> Result<Spec, LoadError> {
    let base = read_all(&spec_files(path)?)?;
    Ok(from_byte_sources(base, read_overlays(overlays)?)?)
}

/// Loads the [`shipped`] spec (compiled in, no files needed) and merges `overlays` (files or
/// folders) in order, then validates.
#[cfg(feature = "shipped")]
pub fn load_shipped(overlays: &[PathBuf]) -> Result<Spec, LoadError> {
    Ok(shipped_with_overlays(read_overlays(overlays)?)?)
}

fn read_overlays(overlays: &[PathBuf]) -> Result<Vec<(PathBuf, Vec<u8>)>, LoadError> {
    let mut sources = Vec::new();
    for overlay in overlays {
        sources.extend(read_all(&spec_files(overlay)?)?);
    }
    Ok(sources)
}

fn read_all(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Vec<u8>)>, LoadError> {
    paths
        .iter()
        .map(|p| {
            std::fs::read(p)
                .map(|bytes| (p.clone(), bytes))
                .map_err(|source| LoadError::Io {
                    path: p.clone(),
                    source,
                })
        })
        .collect()
}

/// Builds a spec from in-memory sources: base files, then overlays, as `(path, text)`.
/// The paths are used only in messages.
pub fn from_sources(
    base: Vec<(PathBuf, String)>,
    overlays: Vec<(PathBuf, String)>,
) -> Result<Spec, SpecError> {
    build(
        base.into_iter().map(|(path, text)| (path, Ok(text))),
        overlays.into_iter().map(|(path, text)| (path, Ok(text))),
    )
}

/// [`from_sources`] for files read as bytes: a file that is not UTF-8 (a binary file, or
/// another encoding) is reported at the line and column of its first invalid byte, like any
/// other error, and the other files are still checked.
pub fn from_byte_sources(
    base: Vec<(PathBuf, Vec<u8>)>,
    overlays: Vec<(PathBuf, Vec<u8>)>,
) -> Result<Spec, SpecError> {
    let decode = |(path, bytes): (PathBuf, Vec<u8>)| (path, String::from_utf8(bytes));
    build(
        base.into_iter().map(decode),
        overlays.into_iter().map(decode),
    )
}

type Source = (PathBuf, Result<String, std::string::FromUtf8Error>);

fn build(
    base: impl Iterator<Item = Source>,
    overlays: impl Iterator<Item = Source>,
) -> Result<Spec, SpecError> {
    let mut sink = Sink::default();
    let mut merged = ast::Document::default();
    let mut first_file = None;
    let base: Vec<Source> = base.collect();
    let overlays: Vec<Source> = overlays.collect();
    for (origin, sources) in [(Origin::Base, base), (Origin::Overlay, overlays)] {
        for (path, text) in sources {
            let text = match text {
                Ok(text) => text,
                Err(err) => {
                    not_utf8(path, &err, &mut sink);
                    continue;
                }
            };
            let file = Arc::new(SourceFile { path, text });
            first_file.get_or_insert_with(|| Arc::clone(&file));
            match yaml::parse(&file) {
                Ok(root) => {
                    let doc = ast::decode_document(&root, &mut sink);
                    check::merge(&mut merged, doc, origin, &mut sink);
                }
                Err(err) => {
                    sink.file_unreadable();
                    let help = err.help.map_or_else(
                        || UNREAD_HELP.to_string(),
                        |help| format!("{help}; {UNREAD_HELP}"),
                    );
                    sink.error_help(
                        &err.location,
                        "",
                        format!("YAML syntax error: {}", err.message),
                        help,
                    );
                }
            }
        }
    }
    if merged.api.is_none() && sink.is_empty() {
        let at = match &first_file {
            Some(file) => Location::file_start(Arc::clone(file)),
            None => Location::file_start(Arc::new(SourceFile {
                path: PathBuf::from("<no spec files>"),
                text: String::new(),
            })),
        };
        sink.error_help(
            &at,
            "api",
            "the spec has no `api` section",
            "add an `api:` section with `base_urls` (see lever-spec/README.md)",
        );
    }
    let spec = check::resolve(&merged, &mut sink);
    sink.finish()?;
    Ok(spec)
}

/// Why errors elsewhere may be missing after a file could not be read.
const UNREAD_HELP: &str = "nothing else in this file was checked, nor were references to names it may define; fix it, then check again";

/// Reports a file that is not UTF-8 at its first invalid byte.
fn not_utf8(path: PathBuf, err: &std::string::FromUtf8Error, sink: &mut Sink) {
    let bytes = err.as_bytes();
    let valid = &bytes[..err.utf8_error().valid_up_to()];
    // The prefix up to `valid_up_to` is UTF-8 by definition; lossy conversion cannot differ.
    let before = String::from_utf8_lossy(valid);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let shown = path.display().to_string();
    let file = Arc::new(SourceFile {
        text: String::from_utf8_lossy(bytes).into_owned(),
        path,
    });
    sink.file_unreadable();
    sink.error_help(
        &Location {
            file,
            line,
            column,
            len: 1,
        },
        "",
        format!("{shown} is not valid UTF-8"),
        format!("spec files are UTF-8 text: is this a binary file, or saved in another encoding? {UNREAD_HELP}"),
    );
}
