//! The spec as written: YAML nodes decoded into structs that still carry their locations.
//!
//! Decoding checks shapes (a mapping where a mapping belongs, known keys, booleans that are
//! booleans) and records every problem; names and references are checked later, in `check`.

use std::collections::HashMap;

use crate::diag::{did_you_mean, Sink};
use crate::yaml::{Key, Location, Node, Value};

mod actions;
mod api;
mod read;
mod types;
mod webhooks;

use actions::decode_resource;
use api::decode_api;
pub(crate) use read::join;
use read::*;
use types::decode_type;
use webhooks::{decode_event, decode_trigger};

/// A value with where it was written and its YAML path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spanned<T> {
    pub value: T,
    pub location: Location,
    pub path: String,
}

/// One spec file (or overlay file).
#[derive(Debug, Default)]
pub(crate) struct Document {
    pub api: Option<ApiAst>,
    pub types: Vec<TypeAst>,
    pub resources: Vec<ResourceAst>,
    pub events: Vec<EventAst>,
    pub triggers: Vec<TriggerAst>,
    /// Where each name is in the lists above; kept by `check::merge` only, so that merging
    /// stays linear in the size of the spec.
    pub index: NameIndex,
}

/// Positions by name in a merged [`Document`]'s lists.
#[derive(Debug, Default)]
pub(crate) struct NameIndex {
    pub types: HashMap<String, usize>,
    pub resources: HashMap<String, usize>,
    pub events: HashMap<String, usize>,
    pub triggers: HashMap<String, usize>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct ApiAst {
    pub title: Option<String>,
    pub production_url: Option<String>,
    pub sandbox_url: Option<String>,
    pub oauth: crate::model::OAuth,
    pub rate_limit: crate::model::RateLimit,
    pub pagination: crate::model::Pagination,
    pub location: Option<Location>,
}

#[derive(Debug, Clone)]
pub(crate) struct TypeAst {
    pub name: Spanned<String>,
    pub doc: Option<String>,
    pub extend: bool,
    pub kind: TypeAstKind,
}

#[derive(Debug, Clone)]
pub(crate) enum TypeAstKind {
    Object {
        fields: Vec<FieldAst>,
        keep_unknown: bool,
        fields_optional: bool,
    },
    Enum(Vec<Spanned<crate::model::EnumValue>>),
    Id,
}

#[derive(Debug, Clone)]
pub(crate) struct FieldAst {
    pub name: Spanned<String>,
    pub doc: Option<String>,
    pub ty: Spanned<String>,
    pub optional: Option<bool>,
    pub nullable: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ResourceAst {
    pub name: Spanned<String>,
    pub doc: Option<String>,
    pub extend: bool,
    pub actions: Vec<ActionAst>,
}

#[derive(Debug, Clone)]
pub(crate) struct ActionAst {
    pub name: Spanned<String>,
    pub title: Option<Spanned<String>>,
    pub doc: Option<String>,
    pub method: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub params: Vec<ParamAst>,
    pub query: Vec<ParamAst>,
    pub body: Option<BodyAst>,
    pub response: Option<ResponseAst>,
    pub paginated: bool,
    pub scopes: Vec<Spanned<String>>,
    pub perform_as: Option<Spanned<String>>,
    pub docs: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ParamAst {
    pub name: Spanned<String>,
    pub doc: Option<String>,
    pub ty: Spanned<String>,
    pub required: bool,
    pub repeated: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct BodyAst {
    pub ty: Spanned<String>,
    pub format: Option<Spanned<String>>,
    pub files: Vec<FilePartAst>,
}

/// A file that a JSON body may carry, which turns the request into `multipart/form-data`.
#[derive(Debug, Clone)]
pub(crate) struct FilePartAst {
    pub name: Spanned<String>,
    pub doc: Option<String>,
    pub repeated: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ResponseAst {
    /// `None` for `response: none` / `response: binary`.
    pub ty: Option<Spanned<String>>,
    pub kind: Spanned<ResponseKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseKind {
    Data,
    Raw,
    Empty,
    Binary,
}

#[derive(Debug, Clone)]
pub(crate) struct EventAst {
    pub name: Spanned<String>,
    pub doc: Option<String>,
    pub data: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub(crate) struct TriggerAst {
    pub name: Spanned<String>,
    pub title: Option<Spanned<String>>,
    pub description: Option<String>,
    pub webhook: Vec<Spanned<String>>,
    pub poll: Option<PollAst>,
    pub scopes: Vec<Spanned<String>>,
    pub experimental: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct PollAst {
    pub action: Option<Spanned<String>>,
    pub since: Option<Spanned<String>>,
    pub cursor: Option<Spanned<String>>,
    pub created_field: Option<Spanned<String>>,
    pub emit: Option<Spanned<String>>,
    pub query: Vec<(Spanned<String>, String)>,
    pub location: Location,
    pub path: String,
}

/// Decodes one file's root node.
pub(crate) fn decode_document(root: &Node, sink: &mut Sink) -> Document {
    let mut doc = Document::default();
    let Some(map) = Map::new(root, "", sink) else {
        return doc;
    };
    for (key, node) in map.entries(&["api", "types", "resources", "events", "triggers"], sink) {
        let path = key.name.clone();
        match key.name.as_str() {
            "api" => doc.api = Some(decode_api(node, &path, sink)),
            "types" => each_entry(node, &path, sink, |name, node, sink| {
                if let Some(t) = decode_type(name, node, sink) {
                    doc.types.push(t);
                }
            }),
            "resources" => each_entry(node, &path, sink, |name, node, sink| {
                if let Some(r) = decode_resource(name, node, sink) {
                    doc.resources.push(r);
                }
            }),
            "events" => each_entry(node, &path, sink, |name, node, sink| {
                doc.events.push(decode_event(name, node, sink));
            }),
            "triggers" => each_entry(node, &path, sink, |name, node, sink| {
                if let Some(t) = decode_trigger(name, node, sink) {
                    doc.triggers.push(t);
                }
            }),
            _ => {}
        }
    }
    doc
}

fn each_entry(
    node: &Node,
    path: &str,
    sink: &mut Sink,
    mut f: impl FnMut(Spanned<String>, &Node, &mut Sink),
) {
    let Some(map) = Map::new(node, path, sink) else {
        return;
    };
    for (key, value) in map.all_entries(sink) {
        let name = Spanned {
            value: key.name.clone(),
            location: key.location.clone(),
            path: join(path, &key.name),
        };
        f(name, value, sink);
    }
}
