//! Small readers: mappings with known keys, strings, booleans and numbers, each reporting
//! a value of the wrong shape.

use std::collections::HashSet;

use super::*;

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

pub(super) struct Map<'a> {
    entries: &'a [(Key, Node)],
    path: String,
}

impl<'a> Map<'a> {
    pub(super) fn new(node: &'a Node, path: &str, sink: &mut Sink) -> Option<Self> {
        match &node.value {
            Value::Map(entries) => Some(Map {
                entries,
                path: path.to_string(),
            }),
            _ => {
                sink.error(
                    &node.location,
                    path,
                    format!("expected a mapping, found {}", node.kind()),
                );
                None
            }
        }
    }

    /// Entries with unique keys; duplicates are reported and skipped.
    pub(super) fn all_entries(&self, sink: &mut Sink) -> Vec<(&'a Key, &'a Node)> {
        // A set, not a list: a resource may have tens of thousands of actions.
        let mut seen: HashSet<&str> = HashSet::with_capacity(self.entries.len());
        let mut out = Vec::new();
        for (key, node) in self.entries {
            if !seen.insert(key.name.as_str()) {
                sink.error_help(
                    &key.location,
                    &join(&self.path, &key.name),
                    format!("duplicate key `{}`", key.name),
                    "each name may appear once in a mapping; merge the two entries",
                );
                continue;
            }
            out.push((key, node));
        }
        out
    }

    /// Entries whose key is one of `known`; others are reported with a suggestion.
    pub(super) fn entries(&self, known: &[&str], sink: &mut Sink) -> Vec<(&'a Key, &'a Node)> {
        let mut out = Vec::new();
        for (key, node) in self.all_entries(sink) {
            if known.contains(&key.name.as_str()) {
                out.push((key, node));
            } else {
                let help = did_you_mean(&key.name, known.iter().copied())
                    .unwrap_or_else(|| format!("expected one of: {}", known.join(", ")));
                sink.error_help(
                    &key.location,
                    &join(&self.path, &key.name),
                    format!("unknown key `{}`", key.name),
                    help,
                );
            }
        }
        out
    }
}

pub(super) fn spanned_str(text: &str, node: &Node, path: &str) -> Spanned<String> {
    Spanned {
        value: text.to_string(),
        location: node.location.clone(),
        path: path.to_string(),
    }
}

pub(super) fn string(node: &Node, path: &str, sink: &mut Sink) -> Option<String> {
    match &node.value {
        Value::Scalar { text, .. } if !node.is_null() => Some(text.clone()),
        _ => {
            sink.error(
                &node.location,
                path,
                format!("expected a string, found {}", node.kind()),
            );
            None
        }
    }
}

pub(super) fn spanned_string(node: &Node, path: &str, sink: &mut Sink) -> Option<Spanned<String>> {
    string(node, path, sink).map(|text| spanned_str(&text, node, path))
}

pub(super) fn string_list(node: &Node, path: &str, sink: &mut Sink) -> Vec<Spanned<String>> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| spanned_string(item, &format!("{path}[{i}]"), sink))
            .collect(),
        _ => {
            sink.error(
                &node.location,
                path,
                format!("expected a list of strings, found {}", node.kind()),
            );
            Vec::new()
        }
    }
}

pub(super) fn boolean(node: &Node, path: &str, sink: &mut Sink) -> bool {
    match &node.value {
        Value::Scalar {
            text,
            quoted: false,
        } if text == "true" || text == "false" => text == "true",
        _ => {
            sink.error_help(
                &node.location,
                path,
                format!("expected `true` or `false`, found {}", node.kind()),
                "write `true` or `false` without quotes",
            );
            false
        }
    }
}

pub(super) fn number(node: &Node, path: &str, sink: &mut Sink) -> Option<u32> {
    match node.as_str().map(str::parse::<u32>) {
        Some(Ok(n)) => Some(n),
        _ => {
            sink.error(
                &node.location,
                path,
                format!("expected a whole number, found {}", node.kind()),
            );
            None
        }
    }
}
