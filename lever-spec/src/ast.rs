//! The spec as written: YAML nodes decoded into structs that still carry their locations.
//!
//! Decoding checks shapes (a mapping where a mapping belongs, known keys, booleans that are
//! booleans) and records every problem; names and references are checked later, in `check`.

use std::collections::{HashMap, HashSet};

use crate::diag::{did_you_mean, Sink};
use crate::yaml::{Key, Location, Node, Value};

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

fn decode_api(node: &Node, path: &str, sink: &mut Sink) -> ApiAst {
    let mut api = ApiAst {
        location: Some(node.location.clone()),
        ..ApiAst::default()
    };
    let Some(map) = Map::new(node, path, sink) else {
        return api;
    };
    let keys = ["title", "base_urls", "oauth", "rate_limit", "pagination"];
    for (key, value) in map.entries(&keys, sink) {
        let path = join(path, &key.name);
        match key.name.as_str() {
            "title" => api.title = string(value, &path, sink),
            "base_urls" => {
                if let Some(m) = Map::new(value, &path, sink) {
                    for (k, v) in m.entries(&["production", "sandbox"], sink) {
                        let p = join(&path, &k.name);
                        let s = string(v, &p, sink);
                        if k.name == "production" {
                            api.production_url = s;
                        } else {
                            api.sandbox_url = s;
                        }
                    }
                }
            }
            "oauth" => {
                if let Some(m) = Map::new(value, &path, sink) {
                    for (k, v) in m.entries(&["production", "sandbox", "scopes"], sink) {
                        let p = join(&path, &k.name);
                        if k.name == "scopes" {
                            api.oauth.scopes = string_list(v, &p, sink)
                                .into_iter()
                                .map(|s| s.value)
                                .collect();
                            continue;
                        }
                        let Some(env) = Map::new(v, &p, sink) else {
                            continue;
                        };
                        for (ek, ev) in
                            env.entries(&["authorize_url", "token_url", "audience"], sink)
                        {
                            let value = string(ev, &join(&p, &ek.name), sink).unwrap_or_default();
                            let slot = match (k.name.as_str(), ek.name.as_str()) {
                                ("production", "authorize_url") => {
                                    &mut api.oauth.production_authorize_url
                                }
                                ("production", "token_url") => &mut api.oauth.production_token_url,
                                ("production", _) => &mut api.oauth.production_audience,
                                ("sandbox", "authorize_url") => {
                                    &mut api.oauth.sandbox_authorize_url
                                }
                                ("sandbox", "token_url") => &mut api.oauth.sandbox_token_url,
                                _ => &mut api.oauth.sandbox_audience,
                            };
                            *slot = value;
                        }
                    }
                }
            }
            "rate_limit" => {
                if let Some(m) = Map::new(value, &path, sink) {
                    for (k, v) in m.entries(&["requests_per_second", "burst"], sink) {
                        let n = number(v, &join(&path, &k.name), sink).unwrap_or(0);
                        if k.name == "burst" {
                            api.rate_limit.burst = n;
                        } else {
                            api.rate_limit.requests_per_second = n;
                        }
                    }
                }
            }
            "pagination" => {
                if let Some(m) = Map::new(value, &path, sink) {
                    for (k, v) in m.entries(&["limit_param", "offset_param", "max_limit"], sink) {
                        let p = join(&path, &k.name);
                        match k.name.as_str() {
                            "limit_param" => {
                                api.pagination.limit_param = string(v, &p, sink).unwrap_or_default()
                            }
                            "offset_param" => {
                                api.pagination.offset_param =
                                    string(v, &p, sink).unwrap_or_default()
                            }
                            _ => api.pagination.max_limit = number(v, &p, sink).unwrap_or(0),
                        }
                    }
                }
            }
            _ => {}
        }
    }
    api
}

fn decode_type(name: Spanned<String>, node: &Node, sink: &mut Sink) -> Option<TypeAst> {
    let path = name.path.clone();
    let map = Map::new(node, &path, sink)?;
    let keys = [
        "doc",
        "extend",
        "fields",
        "enum",
        "id",
        "keep_unknown",
        "fields_optional",
    ];
    let mut doc = None;
    let mut extend = false;
    let mut fields = None;
    let mut values = None;
    let mut is_id = false;
    let mut keep_unknown = false;
    let mut fields_optional = false;
    for (key, value) in map.entries(&keys, sink) {
        let p = join(&path, &key.name);
        match key.name.as_str() {
            "doc" => doc = string(value, &p, sink),
            "extend" => extend = boolean(value, &p, sink),
            "keep_unknown" => keep_unknown = boolean(value, &p, sink),
            "fields_optional" => fields_optional = boolean(value, &p, sink),
            "id" => is_id = boolean(value, &p, sink),
            "fields" => {
                let mut list = Vec::new();
                each_entry(value, &p, sink, |fname, fnode, sink| {
                    if let Some(f) = decode_field(fname, fnode, sink) {
                        list.push(f);
                    }
                });
                fields = Some((list, key.location.clone()));
            }
            "enum" => values = Some((decode_enum_values(value, &p, sink), key.location.clone())),
            _ => {}
        }
    }
    let kinds = usize::from(fields.is_some()) + usize::from(values.is_some()) + usize::from(is_id);
    if kinds > 1 {
        sink.error_help(
            &name.location,
            &path,
            format!("type `{}` mixes `fields`, `enum` and `id`", name.value),
            "a type is exactly one of: an object (`fields`), an enum (`enum`) or an ID (`id: true`)",
        );
    }
    let kind = if let Some((values, _)) = values {
        TypeAstKind::Enum(values)
    } else if is_id {
        TypeAstKind::Id
    } else if let Some((fields, _)) = fields {
        TypeAstKind::Object {
            fields,
            keep_unknown,
            fields_optional,
        }
    } else if extend {
        TypeAstKind::Object {
            fields: Vec::new(),
            keep_unknown,
            fields_optional,
        }
    } else {
        sink.error_help(
            &name.location,
            &path,
            format!("type `{}` has no `fields`, `enum` or `id`", name.value),
            "add `fields: {...}` for an object, `enum: [...]` for an enum, or `id: true` for an ID",
        );
        return None;
    };
    Some(TypeAst {
        name,
        doc,
        extend,
        kind,
    })
}

fn decode_enum_values(
    node: &Node,
    path: &str,
    sink: &mut Sink,
) -> Vec<Spanned<crate::model::EnumValue>> {
    let Value::Seq(items) = &node.value else {
        sink.error_help(
            &node.location,
            path,
            format!("expected a list of enum values, found {}", node.kind()),
            "write `enum: [a, b]` or a list of `{ value: a, doc: ... }`",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if let Some(text) = item.as_str() {
            out.push(Spanned {
                value: crate::model::EnumValue {
                    value: text.to_string(),
                    doc: None,
                },
                location: item.location.clone(),
                path: p,
            });
            continue;
        }
        let Some(map) = Map::new(item, &p, sink) else {
            continue;
        };
        let mut value = None;
        let mut doc = None;
        for (k, v) in map.entries(&["value", "doc"], sink) {
            let kp = join(&p, &k.name);
            if k.name == "value" {
                value = string(v, &kp, sink);
            } else {
                doc = string(v, &kp, sink);
            }
        }
        match value {
            Some(value) => out.push(Spanned {
                value: crate::model::EnumValue { value, doc },
                location: item.location.clone(),
                path: p,
            }),
            None => sink.error(&item.location, &p, "enum value is missing `value`"),
        }
    }
    out
}

fn decode_field(name: Spanned<String>, node: &Node, sink: &mut Sink) -> Option<FieldAst> {
    let path = name.path.clone();
    // Shorthand: `name: Type`.
    if let Some(text) = node.as_str() {
        return Some(FieldAst {
            name,
            doc: None,
            ty: spanned_str(text, node, &path),
            optional: None,
            nullable: false,
        });
    }
    let map = Map::new(node, &path, sink)?;
    let mut ty = None;
    let mut doc = None;
    let mut optional = None;
    let mut nullable = false;
    for (key, value) in map.entries(&["type", "doc", "optional", "nullable"], sink) {
        let p = join(&path, &key.name);
        match key.name.as_str() {
            "type" => ty = spanned_string(value, &p, sink),
            "doc" => doc = string(value, &p, sink),
            "optional" => optional = Some(boolean(value, &p, sink)),
            _ => nullable = boolean(value, &p, sink),
        }
    }
    let Some(ty) = ty else {
        sink.error_help(
            &name.location,
            &path,
            format!("field `{}` has no `type`", name.value),
            "add `type: string` (or any type name)",
        );
        return None;
    };
    Some(FieldAst {
        name,
        doc,
        ty,
        optional,
        nullable,
    })
}

fn decode_resource(name: Spanned<String>, node: &Node, sink: &mut Sink) -> Option<ResourceAst> {
    let path = name.path.clone();
    let map = Map::new(node, &path, sink)?;
    let mut resource = ResourceAst {
        name,
        doc: None,
        extend: false,
        actions: Vec::new(),
    };
    for (key, value) in map.entries(&["doc", "extend", "actions"], sink) {
        let p = join(&path, &key.name);
        match key.name.as_str() {
            "doc" => resource.doc = string(value, &p, sink),
            "extend" => resource.extend = boolean(value, &p, sink),
            _ => each_entry(value, &p, sink, |aname, anode, sink| {
                if let Some(a) = decode_action(aname, anode, sink) {
                    resource.actions.push(a);
                }
            }),
        }
    }
    Some(resource)
}

const ACTION_KEYS: &[&str] = &[
    "title",
    "doc",
    "method",
    "path",
    "params",
    "query",
    "body",
    "response",
    "paginated",
    "scopes",
    "perform_as",
    "docs",
];

fn decode_action(name: Spanned<String>, node: &Node, sink: &mut Sink) -> Option<ActionAst> {
    let path = name.path.clone();
    let map = Map::new(node, &path, sink)?;
    let mut action = ActionAst {
        name,
        title: None,
        doc: None,
        method: None,
        path: None,
        params: Vec::new(),
        query: Vec::new(),
        body: None,
        response: None,
        paginated: false,
        scopes: Vec::new(),
        perform_as: None,
        docs: None,
    };
    for (key, value) in map.entries(ACTION_KEYS, sink) {
        let p = join(&path, &key.name);
        match key.name.as_str() {
            "title" => action.title = spanned_string(value, &p, sink),
            "doc" => action.doc = string(value, &p, sink),
            "method" => action.method = spanned_string(value, &p, sink),
            "path" => action.path = spanned_string(value, &p, sink),
            "params" => action.params = decode_params(value, &p, sink),
            "query" => action.query = decode_params(value, &p, sink),
            "body" => action.body = decode_body(value, &p, sink),
            "response" => action.response = decode_response(value, &p, sink),
            "paginated" => action.paginated = boolean(value, &p, sink),
            "scopes" => action.scopes = string_list(value, &p, sink),
            "perform_as" => action.perform_as = spanned_string(value, &p, sink),
            _ => action.docs = string(value, &p, sink),
        }
    }
    Some(action)
}

fn decode_params(node: &Node, path: &str, sink: &mut Sink) -> Vec<ParamAst> {
    let mut params = Vec::new();
    each_entry(node, path, sink, |name, node, sink| {
        let p = name.path.clone();
        if let Some(text) = node.as_str() {
            params.push(ParamAst {
                ty: spanned_str(text, node, &p),
                name,
                doc: None,
                required: false,
                repeated: false,
            });
            return;
        }
        let Some(map) = Map::new(node, &p, sink) else {
            return;
        };
        let mut ty = None;
        let mut doc = None;
        let mut required = false;
        let mut repeated = false;
        for (key, value) in map.entries(&["type", "doc", "required", "repeated"], sink) {
            let kp = join(&p, &key.name);
            match key.name.as_str() {
                "type" => ty = spanned_string(value, &kp, sink),
                "doc" => doc = string(value, &kp, sink),
                "required" => required = boolean(value, &kp, sink),
                _ => repeated = boolean(value, &kp, sink),
            }
        }
        match ty {
            Some(ty) => params.push(ParamAst {
                name,
                doc,
                ty,
                required,
                repeated,
            }),
            None => sink.error_help(
                &name.location,
                &p,
                format!("parameter `{}` has no `type`", name.value),
                "add `type: string` (or any scalar, enum or ID type)",
            ),
        }
    });
    params
}

fn decode_body(node: &Node, path: &str, sink: &mut Sink) -> Option<BodyAst> {
    if let Some(text) = node.as_str() {
        return Some(BodyAst {
            ty: spanned_str(text, node, path),
            format: None,
            files: Vec::new(),
        });
    }
    let map = Map::new(node, path, sink)?;
    let mut ty = None;
    let mut format = None;
    let mut files = Vec::new();
    for (key, value) in map.entries(&["type", "format", "files"], sink) {
        let p = join(path, &key.name);
        match key.name.as_str() {
            "type" => ty = spanned_string(value, &p, sink),
            "format" => format = spanned_string(value, &p, sink),
            _ => files = decode_file_parts(value, &p, sink),
        }
    }
    match ty {
        Some(ty) => Some(BodyAst { ty, format, files }),
        None => {
            sink.error(&node.location, path, "body has no `type`");
            None
        }
    }
}

fn decode_file_parts(node: &Node, path: &str, sink: &mut Sink) -> Vec<FilePartAst> {
    let mut parts = Vec::new();
    each_entry(node, path, sink, |name, node, sink| {
        let p = name.path.clone();
        let mut part = FilePartAst {
            name,
            doc: None,
            repeated: false,
        };
        if let Some(map) = Map::new(node, &p, sink) {
            for (key, value) in map.entries(&["doc", "repeated"], sink) {
                let kp = join(&p, &key.name);
                if key.name == "doc" {
                    part.doc = string(value, &kp, sink);
                } else {
                    part.repeated = boolean(value, &kp, sink);
                }
            }
        }
        parts.push(part);
    });
    parts
}

fn decode_response(node: &Node, path: &str, sink: &mut Sink) -> Option<ResponseAst> {
    let kind_at = |kind| Spanned {
        value: kind,
        location: node.location.clone(),
        path: path.to_string(),
    };
    if let Some(text) = node.as_str() {
        let (ty, kind) = match text {
            "none" => (None, ResponseKind::Empty),
            "binary" => (None, ResponseKind::Binary),
            _ => (Some(spanned_str(text, node, path)), ResponseKind::Data),
        };
        return Some(ResponseAst {
            ty,
            kind: kind_at(kind),
        });
    }
    let map = Map::new(node, path, sink)?;
    let mut ty = None;
    let mut envelope = true;
    for (key, value) in map.entries(&["type", "envelope"], sink) {
        let p = join(path, &key.name);
        if key.name == "type" {
            ty = spanned_string(value, &p, sink);
        } else {
            envelope = boolean(value, &p, sink);
        }
    }
    if ty.is_none() {
        sink.error(&node.location, path, "response has no `type`");
        return None;
    }
    let kind = if envelope {
        ResponseKind::Data
    } else {
        ResponseKind::Raw
    };
    Some(ResponseAst {
        ty,
        kind: kind_at(kind),
    })
}

fn decode_event(name: Spanned<String>, node: &Node, sink: &mut Sink) -> EventAst {
    let path = name.path.clone();
    let mut event = EventAst {
        name,
        doc: None,
        data: None,
    };
    if let Some(map) = Map::new(node, &path, sink) {
        for (key, value) in map.entries(&["doc", "data"], sink) {
            let p = join(&path, &key.name);
            if key.name == "doc" {
                event.doc = string(value, &p, sink);
            } else {
                event.data = spanned_string(value, &p, sink);
            }
        }
    }
    event
}

fn decode_trigger(name: Spanned<String>, node: &Node, sink: &mut Sink) -> Option<TriggerAst> {
    let path = name.path.clone();
    let map = Map::new(node, &path, sink)?;
    let mut trigger = TriggerAst {
        name,
        title: None,
        description: None,
        webhook: Vec::new(),
        poll: None,
        scopes: Vec::new(),
        experimental: false,
    };
    let keys = [
        "title",
        "description",
        "webhook",
        "poll",
        "scopes",
        "experimental",
    ];
    for (key, value) in map.entries(&keys, sink) {
        let p = join(&path, &key.name);
        match key.name.as_str() {
            "title" => trigger.title = spanned_string(value, &p, sink),
            "description" => trigger.description = string(value, &p, sink),
            "webhook" => trigger.webhook = string_list(value, &p, sink),
            "scopes" => trigger.scopes = string_list(value, &p, sink),
            "experimental" => trigger.experimental = boolean(value, &p, sink),
            _ => trigger.poll = decode_poll(value, &p, sink),
        }
    }
    Some(trigger)
}

fn decode_poll(node: &Node, path: &str, sink: &mut Sink) -> Option<PollAst> {
    let map = Map::new(node, path, sink)?;
    let mut poll = PollAst {
        action: None,
        since: None,
        cursor: None,
        created_field: None,
        emit: None,
        query: Vec::new(),
        location: node.location.clone(),
        path: path.to_string(),
    };
    let keys = [
        "action",
        "since",
        "cursor",
        "created_field",
        "emit",
        "query",
    ];
    for (key, value) in map.entries(&keys, sink) {
        let p = join(path, &key.name);
        match key.name.as_str() {
            "action" => poll.action = spanned_string(value, &p, sink),
            "since" => poll.since = spanned_string(value, &p, sink),
            "cursor" => poll.cursor = spanned_string(value, &p, sink),
            "created_field" => poll.created_field = spanned_string(value, &p, sink),
            "emit" => poll.emit = spanned_string(value, &p, sink),
            _ => each_entry(value, &p, sink, |qname, qnode, sink| {
                if let Some(v) = string(qnode, &qname.path, sink) {
                    poll.query.push((qname, v));
                }
            }),
        }
    }
    Some(poll)
}

// ---- small readers -------------------------------------------------------------------------

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

struct Map<'a> {
    entries: &'a [(Key, Node)],
    path: String,
}

impl<'a> Map<'a> {
    fn new(node: &'a Node, path: &str, sink: &mut Sink) -> Option<Self> {
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
    fn all_entries(&self, sink: &mut Sink) -> Vec<(&'a Key, &'a Node)> {
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
    fn entries(&self, known: &[&str], sink: &mut Sink) -> Vec<(&'a Key, &'a Node)> {
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

fn spanned_str(text: &str, node: &Node, path: &str) -> Spanned<String> {
    Spanned {
        value: text.to_string(),
        location: node.location.clone(),
        path: path.to_string(),
    }
}

fn string(node: &Node, path: &str, sink: &mut Sink) -> Option<String> {
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

fn spanned_string(node: &Node, path: &str, sink: &mut Sink) -> Option<Spanned<String>> {
    string(node, path, sink).map(|text| spanned_str(&text, node, path))
}

fn string_list(node: &Node, path: &str, sink: &mut Sink) -> Vec<Spanned<String>> {
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

fn boolean(node: &Node, path: &str, sink: &mut Sink) -> bool {
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

fn number(node: &Node, path: &str, sink: &mut Sink) -> Option<u32> {
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
