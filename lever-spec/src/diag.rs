//! Located diagnostics, collected rather than returned one at a time, and rendered like rustc.

use std::fmt;

use crate::yaml::Location;

/// One problem in the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Where it is.
    pub location: Location,
    /// The YAML path of the offending node, e.g. `resources.postings.actions.get.response`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, where we can tell.
    pub help: Option<String>,
}

impl Diagnostic {
    /// Renders the diagnostic with a source snippet and a caret under the offending text.
    pub fn render(&self) -> String {
        let loc = &self.location;
        let line_text = loc
            .file
            .text
            .lines()
            .nth(loc.line.saturating_sub(1))
            .unwrap_or("");
        let number = loc.line.to_string();
        let gutter = " ".repeat(number.len());
        let line_chars = line_text.chars().count();
        let start = loc.column.saturating_sub(1).min(line_chars);
        let width = loc.len.clamp(1, line_chars.saturating_sub(start).max(1));
        let mut out = String::new();
        out.push_str(&format!("error: {}\n", self.message));
        out.push_str(&format!("{gutter}--> {loc}\n"));
        out.push_str(&format!("{gutter} |\n"));
        out.push_str(&format!("{number} | {line_text}\n"));
        out.push_str(&format!(
            "{gutter} | {}{}\n",
            " ".repeat(start),
            "^".repeat(width)
        ));
        if !self.path.is_empty() {
            out.push_str(&format!("{gutter} = at: {}\n", self.path));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{gutter} = help: {help}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// Every problem found in a spec, in source order.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct SpecError {
    /// The problems; never empty.
    pub diagnostics: Vec<Diagnostic>,
}

impl SpecError {
    /// Renders every diagnostic followed by a count, the way `lever-codegen check` prints them.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for diagnostic in &self.diagnostics {
            out.push_str(&diagnostic.render());
            out.push('\n');
        }
        let n = self.diagnostics.len();
        out.push_str(&format!(
            "error: the spec has {n} error{}\n",
            if n == 1 { "" } else { "s" }
        ));
        out
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// Collects diagnostics while a pass walks the spec.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    diagnostics: Vec<Diagnostic>,
    /// Some file could not be parsed, so the names it defines are unknown.
    unreadable_file: bool,
}

impl Sink {
    pub(crate) fn error(&mut self, location: &Location, path: &str, message: impl Into<String>) {
        self.push(location, path, message.into(), None);
    }

    pub(crate) fn error_help(
        &mut self,
        location: &Location,
        path: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(location, path, message.into(), Some(help.into()));
    }

    pub(crate) fn error_maybe_help(
        &mut self,
        location: &Location,
        path: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.push(location, path, message.into(), help);
    }

    /// Records that a file could not be parsed: from now on, errors about names that cannot
    /// be found are dropped, because the name may well be defined in that file (they would be
    /// false, and so would their "did you mean" hints).
    pub(crate) fn file_unreadable(&mut self) {
        self.unreadable_file = true;
    }

    /// An error about a name that is referenced but not defined; see [`Sink::file_unreadable`].
    pub(crate) fn unresolved(
        &mut self,
        location: &Location,
        path: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        if !self.unreadable_file {
            self.push(location, path, message.into(), help);
        }
    }

    fn push(&mut self, location: &Location, path: &str, message: String, help: Option<String>) {
        self.diagnostics.push(Diagnostic {
            location: location.clone(),
            path: path.to_string(),
            message,
            help,
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    pub(crate) fn finish(mut self) -> Result<(), SpecError> {
        if self.diagnostics.is_empty() {
            return Ok(());
        }
        self.diagnostics.sort_by(|a, b| {
            (&a.location.file.path, a.location.line, a.location.column).cmp(&(
                &b.location.file.path,
                b.location.line,
                b.location.column,
            ))
        });
        self.diagnostics.dedup();
        Err(SpecError {
            diagnostics: self.diagnostics,
        })
    }
}

/// The closest candidate to `wanted`, if it is close enough to be a likely typo.
pub(crate) fn suggest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&wanted_lower, &candidate.to_lowercase());
        if score > best.map_or(0.0, |(s, _)| s) {
            best = Some((score, candidate));
        }
    }
    best.filter(|(score, _)| *score >= 0.85).map(|(_, c)| c)
}

/// "did you mean `X`?" for the closest candidate.
pub(crate) fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    suggest(wanted, candidates).map(|c| format!("did you mean `{c}`?"))
}
