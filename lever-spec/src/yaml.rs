//! A YAML tree in which every node remembers where it came from.
//!
//! Built from `saphyr-parser` events, so that every later error can point at a file, line and
//! column. Only what the spec needs is modelled: mappings with string keys, sequences and
//! scalars (kept as text; the decoder interprets them).

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

mod scan_error;

use scan_error::scan_error;

/// A source file, shared by every node read from it.
#[derive(Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as given (used in messages).
    pub path: PathBuf,
    /// The full text (used for snippets).
    pub text: String,
}

/// A position in a source file.
#[derive(Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: Arc<SourceFile>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Length of the marked text in characters (at least 1 for a caret).
    pub len: usize,
}

impl Location {
    /// A location at the start of a file, for errors about the file as a whole.
    pub fn file_start(file: Arc<SourceFile>) -> Self {
        Location {
            file,
            line: 1,
            column: 1,
            len: 1,
        }
    }

    fn from_span(file: &Arc<SourceFile>, span: Span) -> Self {
        let len = span.end.index().saturating_sub(span.start.index()).max(1);
        Location {
            file: Arc::clone(file),
            line: span.start.line(),
            column: span.start.col() + 1,
            len,
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.file.path.display(),
            self.line,
            self.column
        )
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A YAML node with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub value: Value,
    /// Where it starts.
    pub location: Location,
}

/// The content of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar, kept as written; `quoted` tells `"null"` from `null`.
    Scalar {
        /// The text.
        text: String,
        /// Whether the scalar was quoted or a block scalar (always a string then).
        quoted: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping; keys keep their own locations; order is preserved.
    Map(Vec<(Key, Node)>),
}

/// A mapping key.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key's text.
    pub name: String,
    /// Where the key is.
    pub location: Location,
}

impl Node {
    /// A short name of the node's kind, for messages.
    pub fn kind(&self) -> String {
        match &self.value {
            Value::Scalar { text, quoted } if !quoted && is_null(text) => "null".into(),
            Value::Scalar { text, quoted: true } => format!("the quoted string {text:?}"),
            Value::Scalar { text, .. } => format!("`{text}`"),
            Value::Seq(_) => "a list".into(),
            Value::Map(_) => "a mapping".into(),
        }
    }

    /// The scalar text, if this is a non-null scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, quoted } if *quoted || !is_null(text) => Some(text),
            _ => None,
        }
    }

    /// Whether this node is a YAML null (`~`, `null` or empty).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, quoted: false } if is_null(text))
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// A YAML syntax error.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// Where the mistake is: the parser's position, moved to the offending tab or opening
    /// quote where the parser stops later than that.
    pub location: Location,
    /// The parser's message.
    pub message: String,
    /// What to do about it, where the mistake is recognised.
    pub help: Option<String>,
}

/// The most YAML nodes that anchors (`&name`, remembered as a copy) and aliases (`*name`,
/// expanded as a copy) may copy in one file, counting every node of every copied subtree. A
/// spec needs few of either; a "billion laughs" file (anchors that alias each other ten times
/// over, ten levels deep) would need 10^9. Copying stops with an error at the first anchor or
/// alias that would pass the limit, before it copies anything, so a file costs at most this
/// many copied nodes (a few MB), however it nests them.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// The deepest nesting of mappings and sequences accepted in one file. The spec's own shape is
/// under ten levels deep; the limit keeps a hostile file from building a tree so deep that
/// walking or dropping it would overflow the stack.
pub const MAX_DEPTH: usize = 128;

/// Parses one YAML document into a located tree. An empty file gives an empty mapping.
pub fn parse(file: &Arc<SourceFile>) -> Result<Node, SyntaxError> {
    let mut builder = TreeBuilder {
        file,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        copied_nodes: 0,
    };
    let mut parser = Parser::new_from_str(&file.text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|err| scan_error(file, &err, &builder.stack))?;
        if builder.root.is_some() {
            // A spec file holds one document; a second one would be silently lost.
            if let Event::DocumentStart(_) = event {
                return Err(SyntaxError {
                    location: Location::from_span(file, span),
                    message: "a spec file holds one YAML document, but this one starts another (`---`); split it into two files".into(),
                    help: None,
                });
            }
            continue;
        }
        builder.event(event, span)?;
    }
    Ok(builder.root.unwrap_or_else(|| Node {
        value: Value::Map(Vec::new()),
        location: Location::file_start(Arc::clone(file)),
    }))
}

/// An open collection: the node, its anchor id (0 for none) and how many nodes it holds so
/// far, itself included (what copying it through an alias costs).
enum Frame {
    Seq(Node, usize, usize),
    Map(Node, usize, usize, Option<Key>),
}

struct TreeBuilder<'a> {
    file: &'a Arc<SourceFile>,
    stack: Vec<Frame>,
    /// Anchored nodes by anchor id (a redefined anchor replaces the old one), with their sizes.
    anchors: HashMap<usize, (Arc<Node>, usize)>,
    root: Option<Node>,
    /// Nodes copied by anchors and aliases so far, bounded by [`MAX_ALIAS_NODES`].
    copied_nodes: usize,
}

impl TreeBuilder<'_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        let location = Location::from_span(self.file, span);
        match event {
            Event::Scalar(text, style, anchor, _tag) => {
                let node = Node {
                    value: Value::Scalar {
                        text: text.into_owned(),
                        quoted: style != ScalarStyle::Plain,
                    },
                    location,
                };
                self.remember(anchor, &node, 1)?;
                self.push_node(node, 1)
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(&location)?;
                let node = Node {
                    value: Value::Seq(Vec::new()),
                    location,
                };
                self.stack.push(Frame::Seq(node, anchor, 1));
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(&location)?;
                let node = Node {
                    value: Value::Map(Vec::new()),
                    location,
                };
                self.stack.push(Frame::Map(node, anchor, 1, None));
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq(node, anchor, size)) | Some(Frame::Map(node, anchor, size, _)) => {
                    self.remember(anchor, &node, size)?;
                    self.push_node(node, size)
                }
                None => Ok(()),
            },
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(SyntaxError {
                        location,
                        message: "alias refers to an anchor that is not defined yet".into(),
                        help: None,
                    });
                };
                let (node, size) = (Arc::clone(node), *size);
                // Checked before copying: the limit bounds the work, not just the result.
                self.spend(size, &location)?;
                let mut node = Node::clone(&node);
                node.location = location;
                self.push_node(node, size)
            }
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing => Ok(()),
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node, size: usize) -> Result<(), SyntaxError> {
        if anchor != 0 {
            self.spend(size, &node.location)?;
            self.anchors.insert(anchor, (Arc::new(node.clone()), size));
        }
        Ok(())
    }

    /// Counts `size` copied nodes against [`MAX_ALIAS_NODES`], refusing the copy past it.
    fn spend(&mut self, size: usize, location: &Location) -> Result<(), SyntaxError> {
        let total = self.copied_nodes.saturating_add(size);
        if total > MAX_ALIAS_NODES {
            return Err(SyntaxError {
                location: location.clone(),
                message: format!(
                    "anchors and aliases in this file copy more than {MAX_ALIAS_NODES} YAML nodes"
                ),
                help: Some(
                    "a spec needs few anchors and aliases: write the repeated parts out".into(),
                ),
            });
        }
        self.copied_nodes = total;
        Ok(())
    }

    fn check_depth(&self, location: &Location) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError {
                location: location.clone(),
                message: format!("mappings and lists nest more than {MAX_DEPTH} levels deep"),
                help: Some("a spec is a few levels deep; close the open brackets".into()),
            });
        }
        Ok(())
    }

    /// Adds a finished node of `size` nodes to the collection being built, or makes it the root.
    fn push_node(&mut self, node: Node, size: usize) -> Result<(), SyntaxError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq(seq, _, total)) => {
                *total = total.saturating_add(size);
                if let Value::Seq(items) = &mut seq.value {
                    items.push(node);
                }
                Ok(())
            }
            Some(Frame::Map(map, _, total, pending_key)) => {
                *total = total.saturating_add(size);
                match pending_key.take() {
                    None => {
                        let name = match &node.value {
                            Value::Scalar { text, .. } => text.clone(),
                            _ => {
                                return Err(SyntaxError {
                                    location: node.location,
                                    message: "mapping keys must be plain strings".into(),
                                    help: None,
                                })
                            }
                        };
                        *pending_key = Some(Key {
                            name,
                            location: node.location,
                        });
                        Ok(())
                    }
                    Some(key) => {
                        if let Value::Map(entries) = &mut map.value {
                            entries.push((key, node));
                        }
                        Ok(())
                    }
                }
            }
        }
    }
}
