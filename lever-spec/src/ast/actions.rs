//! Resources and their actions: parameters, bodies and responses.

use super::*;

pub(super) fn decode_resource(
    name: Spanned<String>,
    node: &Node,
    sink: &mut Sink,
) -> Option<ResourceAst> {
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
