//! Random mutations of the shipped spec, shared by the never-panic tests of `lever-spec`
//! (loading) and `lever-codegen` (loading, then generating and parsing the output), which
//! includes this file with `#[path]`.

#![allow(dead_code)]

use std::path::PathBuf;

use proptest::prelude::*;

/// The shipped spec's files, as `(path, text)`.
pub fn shipped() -> Vec<(PathBuf, String)> {
    let files = lever_spec::spec_files(&lever_spec::default_spec_dir()).expect("spec files");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (p, text)
        })
        .collect()
}

/// Names that cannot become Rust, or that collide with the generated or runtime API.
const HOSTILE_NAMES: &[&str] = &[
    "self",
    "Self",
    "crate",
    "super",
    "_",
    "send",
    "to_request",
    "stream",
    "deadline",
    "request",
    "builder",
    "new",
    "client",
    "body",
    "state",
    "limit",
    "unknown",
    "unknownFields",
    "perform_as_set",
    "\u{663}x",
    "na\u{ef}ve",
    "1st",
    "type",
    "a-b",
    "\"\"",
];

/// One edit of a file.
#[derive(Debug, Clone)]
pub enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceChar(usize, char),
    Truncate(usize),
    Indent(usize),
    /// Renames the key of the line (a mapping key: a type, field, resource, action, parameter,
    /// event or trigger name, or a keyword of the format) to a hostile name.
    RenameKey(usize, &'static str),
}

/// Any edit.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (
            any::<usize>(),
            prop::sample::select(vec![
                ':', '{', '}', '[', ']', '-', ' ', '\t', '"', '<', '>', 'x', '\n', '&', '*', '!'
            ])
        )
            .prop_map(|(i, c)| Mutation::ReplaceChar(i, c)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::Indent),
        (any::<usize>(), prop::sample::select(HOSTILE_NAMES))
            .prop_map(|(i, name)| Mutation::RenameKey(i, name)),
    ]
}

/// The text with the edit made.
pub fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return text.to_string();
    }
    let n = lines.len();
    match *m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let line = lines[i % n].clone();
            lines.insert(i % n, line);
        }
        Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
        Mutation::ReplaceChar(i, c) => {
            let mut chars: Vec<char> = text.chars().collect();
            if !chars.is_empty() {
                let len = chars.len();
                chars[i % len] = c;
            }
            return chars.into_iter().collect();
        }
        Mutation::Truncate(i) => {
            let chars: Vec<char> = text.chars().collect();
            return chars[..i % (chars.len() + 1)].iter().collect();
        }
        Mutation::RenameKey(i, name) => {
            let line = &lines[i % n];
            let indent = line.len() - line.trim_start().len();
            if let Some(colon) = line.find(':').filter(|&c| c > indent) {
                let renamed = format!("{}{name}{}", &line[..indent], &line[colon..]);
                lines[i % n] = renamed;
            }
        }
        Mutation::Indent(i) => {
            let line = format!("  {}", lines[i % n]);
            lines[i % n] = line;
        }
    }
    lines.join("\n")
}
