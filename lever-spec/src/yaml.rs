//! A YAML tree in which every node remembers where it came from.
//!
//! Built from `saphyr-parser` events, so that every later error can point at a file, line and
//! column. Only what the spec needs is modelled: mappings with string keys, sequences and
//! scalars (kept as text; the decoder interprets them).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

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
    /// Where the parser stopped.
    pub location: Location,
    /// The parser's message.
    pub message: String,
}

/// Parses one YAML document into a located tree. An empty file gives an empty mapping.
pub fn parse(file: &Arc<SourceFile>) -> Result<Node, SyntaxError> {
    let mut builder = TreeBuilder {
        file,
        stack: Vec::new(),
        anchors: Vec::new(),
        root: None,
    };
    let mut parser = Parser::new_from_str(&file.text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|err| SyntaxError {
            location: Location {
                file: Arc::clone(file),
                line: err.marker().line(),
                column: err.marker().col() + 1,
                len: 1,
            },
            message: err.info().to_string(),
        })?;
        if builder.root.is_some() {
            // A spec file holds one document; a second one would be silently lost.
            if let Event::DocumentStart(_) = event {
                return Err(SyntaxError {
                    location: Location::from_span(file, span),
                    message: "a spec file holds one YAML document, but this one starts another (`---`); split it into two files".into(),
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

enum Frame {
    Seq(Node, usize),
    Map(Node, usize, Option<Key>),
}

struct TreeBuilder<'a> {
    file: &'a Arc<SourceFile>,
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    root: Option<Node>,
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
                self.remember(anchor, &node);
                self.push_node(node)
            }
            Event::SequenceStart(anchor, _) => {
                let node = Node {
                    value: Value::Seq(Vec::new()),
                    location,
                };
                self.stack.push(Frame::Seq(node, anchor));
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                let node = Node {
                    value: Value::Map(Vec::new()),
                    location,
                };
                self.stack.push(Frame::Map(node, anchor, None));
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq(node, anchor)) | Some(Frame::Map(node, anchor, _)) => {
                    self.remember(anchor, &node);
                    self.push_node(node)
                }
                None => Ok(()),
            },
            Event::Alias(id) => {
                let found = self.anchors.iter().rev().find(|(anchor, _)| *anchor == id);
                match found {
                    Some((_, node)) => {
                        let mut node = node.clone();
                        node.location = location;
                        self.push_node(node)
                    }
                    None => Err(SyntaxError {
                        location,
                        message: "alias refers to an anchor that is not defined yet".into(),
                    }),
                }
            }
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing => Ok(()),
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
    }

    fn push_node(&mut self, node: Node) -> Result<(), SyntaxError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq(seq, _)) => {
                if let Value::Seq(items) = &mut seq.value {
                    items.push(node);
                }
                Ok(())
            }
            Some(Frame::Map(map, _, pending_key)) => match pending_key.take() {
                None => {
                    let name = match &node.value {
                        Value::Scalar { text, .. } => text.clone(),
                        _ => {
                            return Err(SyntaxError {
                                location: node.location,
                                message: "mapping keys must be plain strings".into(),
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
            },
        }
    }
}
