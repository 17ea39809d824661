//! What changed in the generated API between two spec versions.

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Whether existing user code may stop compiling or decoding.
    pub breaking: bool,
    /// What changed.
    pub description: String,
}

/// Compares two specs.
pub fn diff(_old: &lever_spec::Spec, _new: &lever_spec::Spec) -> Vec<Change> {
    Vec::new()
}

/// Renders changes, breaking ones marked.
pub fn render(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        let mark = if change.breaking { "BREAKING" } else { "added" };
        out.push_str(&format!("{mark:<9} {}\n", change.description));
    }
    out
}
