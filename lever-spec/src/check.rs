//! Merging documents and overlays, then checking and resolving every reference.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use crate::ast::{
    self, ActionAst, Document, ParamAst, ResourceAst, ResponseKind, Spanned, TypeAst, TypeAstKind,
};
use crate::diag::{did_you_mean, Sink};
use crate::model::*;
use crate::naming;

mod names;
mod trigger_scopes;
use trigger_scopes::check_trigger_scopes;

use names::{check_ident, check_param_names, reserved, Namespace};

/// Where a document came from: the base spec or an overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Base,
    Overlay,
}

/// Merges `doc` into `into`, reporting redefinitions and bad extensions.
pub(crate) fn merge(into: &mut Document, doc: Document, origin: Origin, sink: &mut Sink) {
    if let Some(api) = doc.api {
        match (&into.api, origin) {
            (None, Origin::Base) => into.api = Some(api),
            (_, Origin::Overlay) => {
                if let Some(location) = &api.location {
                    sink.error_help(
                        location,
                        "api",
                        "an overlay cannot change API-wide settings",
                        "remove the `api` section from the overlay",
                    );
                }
            }
            (Some(_), Origin::Base) => {
                if let Some(location) = &api.location {
                    sink.error_help(
                        location,
                        "api",
                        "`api` is defined in more than one file",
                        "keep API-wide settings in one file (api.yaml)",
                    );
                }
            }
        }
    }
    for ty in doc.types {
        merge_type(into, ty, sink);
    }
    for resource in doc.resources {
        merge_resource(into, resource, sink);
    }
    for event in doc.events {
        match into.index.events.get(&event.name.value) {
            Some(&i) => redefined(sink, &event.name, "event", &into.events[i].name),
            None => {
                into.index
                    .events
                    .insert(event.name.value.clone(), into.events.len());
                into.events.push(event);
            }
        }
    }
    for trigger in doc.triggers {
        match into.index.triggers.get(&trigger.name.value) {
            Some(&i) => redefined(sink, &trigger.name, "trigger", &into.triggers[i].name),
            None => {
                into.index
                    .triggers
                    .insert(trigger.name.value.clone(), into.triggers.len());
                into.triggers.push(trigger);
            }
        }
    }
}

fn redefined(sink: &mut Sink, name: &Spanned<String>, what: &str, first: &Spanned<String>) {
    sink.error_help(
        &name.location,
        &name.path,
        format!("{what} `{}` is defined twice", name.value),
        format!(
            "the first definition is at {}; to add to it, use `extend: true`",
            first.location
        ),
    );
}

fn merge_type(into: &mut Document, ty: TypeAst, sink: &mut Sink) {
    let Some(existing) = into
        .index
        .types
        .get(&ty.name.value)
        .and_then(|&i| into.types.get_mut(i))
    else {
        if ty.extend {
            let names: Vec<&str> = into.types.iter().map(|t| t.name.value.as_str()).collect();
            let help = did_you_mean(&ty.name.value, names)
                .unwrap_or_else(|| "remove `extend: true` to define a new type".into());
            sink.unresolved(
                &ty.name.location,
                &ty.name.path,
                format!(
                    "`extend: true` on type `{}`, which does not exist",
                    ty.name.value
                ),
                Some(help),
            );
        } else {
            into.index
                .types
                .insert(ty.name.value.clone(), into.types.len());
            into.types.push(ty);
        }
        return;
    };
    if !ty.extend {
        let first = existing.name.clone();
        redefined(sink, &ty.name, "type", &first);
        return;
    }
    match (&mut existing.kind, ty.kind) {
        (TypeAstKind::Object { fields, .. }, TypeAstKind::Object { fields: added, .. }) => {
            for field in added {
                if let Some(old) = fields.iter().find(|f| f.name.value == field.name.value) {
                    let first = old.name.clone();
                    sink.error_help(
                        &field.name.location,
                        &field.name.path,
                        format!(
                            "field `{}` already exists on `{}`",
                            field.name.value, ty.name.value
                        ),
                        format!(
                            "it is defined at {}; an overlay may only add fields",
                            first.location
                        ),
                    );
                } else {
                    fields.push(field);
                }
            }
        }
        (TypeAstKind::Enum(values), TypeAstKind::Enum(added)) => {
            for value in added {
                if values.iter().any(|v| v.value.value == value.value.value) {
                    sink.error(
                        &value.location,
                        &value.path,
                        format!(
                            "enum `{}` already has the value `{}`",
                            ty.name.value, value.value.value
                        ),
                    );
                } else {
                    values.push(value);
                }
            }
        }
        (existing_kind, _) => {
            let kind = match existing_kind {
                TypeAstKind::Object { .. } => "an object: extend it with `fields`",
                TypeAstKind::Enum(_) => "an enum: extend it with `enum`",
                TypeAstKind::Id => "an ID, which cannot be extended",
            };
            sink.error_help(
                &ty.name.location,
                &ty.name.path,
                format!(
                    "cannot extend `{}` with a different kind of type",
                    ty.name.value
                ),
                format!("`{}` is {kind}", ty.name.value),
            );
        }
    }
}

fn merge_resource(into: &mut Document, resource: ResourceAst, sink: &mut Sink) {
    let Some(existing) = into
        .index
        .resources
        .get(&resource.name.value)
        .and_then(|&i| into.resources.get_mut(i))
    else {
        if resource.extend {
            let names: Vec<&str> = into
                .resources
                .iter()
                .map(|r| r.name.value.as_str())
                .collect();
            let help = did_you_mean(&resource.name.value, names)
                .unwrap_or_else(|| "remove `extend: true` to define a new resource".into());
            sink.unresolved(
                &resource.name.location,
                &resource.name.path,
                format!(
                    "`extend: true` on resource `{}`, which does not exist",
                    resource.name.value
                ),
                Some(help),
            );
        } else {
            into.index
                .resources
                .insert(resource.name.value.clone(), into.resources.len());
            into.resources.push(resource);
        }
        return;
    };
    if !resource.extend {
        let first = existing.name.clone();
        redefined(sink, &resource.name, "resource", &first);
        return;
    }
    let mut by_name: HashMap<String, usize> = existing
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.value.clone(), i))
        .collect();
    for action in resource.actions {
        if let Some(&i) = by_name.get(&action.name.value) {
            let first = existing.actions[i].name.clone();
            redefined(sink, &action.name, "action", &first);
        } else {
            by_name.insert(action.name.value.clone(), existing.actions.len());
            existing.actions.push(action);
        }
    }
}

/// Checks a merged document and resolves it into a [`Spec`].
pub(crate) fn resolve(doc: &Document, sink: &mut Sink) -> Spec {
    let types = resolve_types(doc, sink);
    let api = resolve_api(doc, sink);
    let mut resolver = Resolver {
        types: &types,
        type_names: Rc::new(types.keys().map(String::as_str).collect()),
        api: &api,
        sink,
    };
    let resources = resolver.resources(doc);
    let events = resolver.events(doc);
    let spec_so_far = Spec {
        api: api.clone(),
        types: types.clone(),
        resources,
        events,
        triggers: BTreeMap::new(),
    };
    let triggers = resolve_triggers(doc, &spec_so_far, resolver.sink);
    Spec {
        triggers,
        ..spec_so_far
    }
}

fn resolve_api(doc: &Document, sink: &mut Sink) -> Api {
    let Some(api) = &doc.api else {
        // Overlays are resolved together with a base, which has `api`; a base without it is
        // reported at the start of the first file by the loader.
        return Api::default();
    };
    let location = api.location.clone();
    let mut require = |value: &Option<String>, key: &str| -> String {
        match value {
            Some(v) => v.clone(),
            None => {
                if let Some(location) = &location {
                    sink.error_help(
                        location,
                        "api",
                        format!("`api` is missing `{key}`"),
                        format!("add `{key}` to the `api` section"),
                    );
                }
                String::new()
            }
        }
    };
    let production_url = require(&api.production_url, "base_urls.production");
    let sandbox_url = require(&api.sandbox_url, "base_urls.sandbox");
    Api {
        title: api.title.clone().unwrap_or_else(|| "Lever".into()),
        production_url,
        sandbox_url,
        oauth: api.oauth.clone(),
        rate_limit: RateLimit {
            requests_per_second: api.rate_limit.requests_per_second.max(1),
            burst: api.rate_limit.burst.max(1),
        },
        pagination: Pagination {
            limit_param: non_empty(&api.pagination.limit_param, "limit"),
            offset_param: non_empty(&api.pagination.offset_param, "offset"),
            max_limit: if api.pagination.max_limit == 0 {
                100
            } else {
                api.pagination.max_limit
            },
        },
    }
}

fn non_empty(value: &str, default: &str) -> String {
    if value.is_empty() {
        default.to_string()
    } else {
        value.to_string()
    }
}

/// Parses a type expression such as `list<expandable<User>>`.
pub(crate) fn parse_type_expr(text: &str) -> Result<TypeRef, String> {
    // Parsing recurses once per `<`; a bound keeps a hostile type from overflowing the stack.
    let depth = text.matches('<').count();
    if depth > MAX_TYPE_NESTING {
        return Err(format!(
            "the type nests {depth} `<...>`, more than the {MAX_TYPE_NESTING} a spec may use"
        ));
    }
    parse_nested_type(text)
}

/// The deepest nesting of type constructors (`list<map<...>>`); Lever's deepest is two.
const MAX_TYPE_NESTING: usize = 16;

fn parse_nested_type(text: &str) -> Result<TypeRef, String> {
    let text = text.trim();
    if let Some((outer, rest)) = text.split_once('<') {
        let inner = rest
            .strip_suffix('>')
            .ok_or_else(|| format!("`{text}` is missing a closing `>`"))?;
        return match outer.trim() {
            "list" => Ok(TypeRef::List(Box::new(parse_nested_type(inner)?))),
            "map" => Ok(TypeRef::Map(Box::new(parse_nested_type(inner)?))),
            "expandable" => match parse_nested_type(inner)? {
                TypeRef::Named(name) => Ok(TypeRef::Expandable(name)),
                other => Err(format!("`expandable<{other}>` must name an object type")),
            },
            other => Err(format!(
                "unknown type constructor `{other}<...>`; expected `list`, `map` or `expandable`"
            )),
        };
    }
    Ok(match text {
        "string" => TypeRef::String,
        "integer" => TypeRef::Integer,
        "number" => TypeRef::Number,
        "boolean" => TypeRef::Boolean,
        "timestamp" => TypeRef::Timestamp,
        "json" => TypeRef::Json,
        "byte_size" => TypeRef::ByteSize,
        "file" => TypeRef::File,
        "" => return Err("empty type name".into()),
        name if name.contains(['>', ' ', ',']) => return Err(format!("`{name}` is not a type")),
        name => TypeRef::Named(name.to_string()),
    })
}

const BUILTINS: &[&str] = &[
    "string",
    "integer",
    "number",
    "boolean",
    "timestamp",
    "json",
    "byte_size",
    "file",
];

/// Parses and checks a type expression against the known type names.
fn resolve_type_ref(
    ty: &Spanned<String>,
    names: &BTreeSet<&str>,
    sink: &mut Sink,
) -> Option<TypeRef> {
    let parsed = match parse_type_expr(&ty.value) {
        Ok(parsed) => parsed,
        Err(message) => {
            sink.error_help(
                &ty.location,
                &ty.path,
                message,
                "types are `string`, `integer`, `number`, `boolean`, `timestamp`, `json`, a type name, `list<T>`, `map<T>` or `expandable<Object>`",
            );
            return None;
        }
    };
    let mut ok = true;
    visit_names(&parsed, &mut |name| {
        if !names.contains(name) {
            ok = false;
            let candidates = names.iter().copied().chain(BUILTINS.iter().copied());
            let help = did_you_mean(name, candidates).or_else(|| {
                Some("define it under `types:`, or use a built-in type such as `string`".into())
            });
            sink.unresolved(
                &ty.location,
                &ty.path,
                format!("unknown type `{name}`"),
                help,
            );
        }
    });
    ok.then_some(parsed)
}

fn visit_names(ty: &TypeRef, f: &mut impl FnMut(&str)) {
    match ty {
        TypeRef::Named(name) | TypeRef::Expandable(name) => f(name),
        TypeRef::List(inner) | TypeRef::Map(inner) => visit_names(inner, f),
        _ => {}
    }
}

fn resolve_types(doc: &Document, sink: &mut Sink) -> BTreeMap<String, TypeDef> {
    let names: BTreeSet<&str> = doc.types.iter().map(|t| t.name.value.as_str()).collect();
    let kinds: BTreeMap<&str, &TypeAstKind> = doc
        .types
        .iter()
        .map(|t| (t.name.value.as_str(), &t.kind))
        .collect();
    let mut out = BTreeMap::new();
    for ty in &doc.types {
        let name = &ty.name;
        if !naming::is_pascal_case(&name.value) {
            sink.error_help(
                &name.location,
                &name.path,
                format!("type name `{}` is not PascalCase", name.value),
                format!("rename it to `{}`", naming::pascal(&name.value)),
            );
        }
        if naming::is_pascal_case(&name.value) {
            check_ident(sink, name, "type name", &name.value);
        }
        if BUILTINS.contains(&name.value.to_lowercase().as_str()) {
            sink.error(
                &name.location,
                &name.path,
                format!("type name `{}` clashes with a built-in type", name.value),
            );
        }
        let kind = match &ty.kind {
            TypeAstKind::Id => TypeKind::Id,
            TypeAstKind::Enum(values) => {
                if values.is_empty() {
                    sink.error_help(
                        &name.location,
                        &name.path,
                        format!("enum `{}` has no values", name.value),
                        "list at least one known value; unknown values are kept at runtime",
                    );
                }
                let mut variants: BTreeMap<String, &str> = BTreeMap::new();
                for value in values {
                    let variant = naming::variant_name(&value.value.value);
                    let spelled = Spanned {
                        value: value.value.value.clone(),
                        location: value.location.clone(),
                        path: value.path.clone(),
                    };
                    if !check_ident(sink, &spelled, "enum value", &variant) {
                        continue;
                    }
                    if variant == "Other" {
                        sink.error_help(
                            &value.location,
                            &value.path,
                            format!(
                                "enum value `{}` clashes with the catch-all variant `Other`",
                                value.value.value
                            ),
                            "the catch-all variant keeps unknown values; remove this value",
                        );
                    }
                    if let Some(first) = variants.insert(variant.clone(), &value.value.value) {
                        sink.error_help(
                            &value.location,
                            &value.path,
                            if first == value.value.value {
                                format!("enum value `{first}` is listed twice")
                            } else {
                                format!(
                                    "enum values `{first}` and `{}` both become the variant `{variant}`",
                                    value.value.value
                                )
                            },
                            "remove one of them",
                        );
                    }
                }
                TypeKind::Enum(EnumType {
                    values: values.iter().map(|v| v.value.clone()).collect(),
                })
            }
            TypeAstKind::Object {
                fields,
                keep_unknown,
                fields_optional,
            } => {
                let mut resolved = Vec::new();
                let mut rust_names: BTreeMap<String, &str> = BTreeMap::new();
                for field in fields {
                    let rust = naming::field_name(&field.name.value);
                    check_ident(sink, &field.name, "field name", &rust);
                    if *keep_unknown && rust == naming::UNKNOWN_FIELDS_FIELD {
                        reserved(
                            sink,
                            &field.name,
                            "field name",
                            &rust,
                            "the field that keeps unknown keys (`keep_unknown: true`)",
                        );
                    }
                    if let Some(first) = rust_names.insert(rust.clone(), &field.name.value) {
                        sink.error(
                            &field.name.location,
                            &field.name.path,
                            format!(
                                "fields `{first}` and `{}` both become the Rust field `{rust}`",
                                field.name.value
                            ),
                        );
                    }
                    let Some(ty_ref) = resolve_type_ref(&field.ty, &names, sink) else {
                        continue;
                    };
                    if ty_ref == TypeRef::File {
                        sink.error_help(
                            &field.ty.location,
                            &field.ty.path,
                            "`file` can only be a request body",
                            "use `body: { type: file, format: multipart }` on the action",
                        );
                    }
                    check_expandable(&ty_ref, &kinds, &field.ty, sink);
                    resolved.push(Field {
                        name: field.name.value.clone(),
                        doc: field.doc.clone(),
                        ty: ty_ref,
                        optional: field
                            .optional
                            .unwrap_or(*fields_optional && field.name.value != "id"),
                        nullable: field.nullable,
                        location: field.name.location.clone(),
                    });
                }
                TypeKind::Object(ObjectType {
                    fields: resolved,
                    keep_unknown: *keep_unknown,
                })
            }
        };
        out.insert(
            name.value.clone(),
            TypeDef {
                name: name.value.clone(),
                doc: ty.doc.clone(),
                kind,
                location: name.location.clone(),
            },
        );
    }
    check_recursion(&out, sink);
    out
}

fn check_expandable(
    ty: &TypeRef,
    kinds: &BTreeMap<&str, &TypeAstKind>,
    at: &Spanned<String>,
    sink: &mut Sink,
) {
    match ty {
        TypeRef::Expandable(name)
            if !matches!(kinds.get(name.as_str()), Some(TypeAstKind::Object { .. })) =>
        {
            sink.error(
                &at.location,
                &at.path,
                format!("`expandable<{name}>` must name an object type"),
            );
        }
        TypeRef::List(inner) | TypeRef::Map(inner) => check_expandable(inner, kinds, at, sink),
        _ => {}
    }
}

/// A struct that contains itself without a list, map or expandable in between cannot exist.
fn check_recursion(types: &BTreeMap<String, TypeDef>, sink: &mut Sink) {
    for (name, def) in types {
        let mut stack = vec![name.as_str()];
        let mut seen = BTreeSet::new();
        while let Some(current) = stack.pop() {
            let Some(TypeDef {
                kind: TypeKind::Object(object),
                ..
            }) = types.get(current)
            else {
                continue;
            };
            for field in &object.fields {
                if let TypeRef::Named(target) = &field.ty {
                    if target == name {
                        sink.error_help(
                            &def.location,
                            name,
                            format!(
                                "type `{name}` contains itself through field `{}`",
                                field.name
                            ),
                            "wrap the field in `list<...>` or `expandable<...>`",
                        );
                        return;
                    }
                    if seen.insert(target.as_str()) {
                        stack.push(target);
                    }
                }
            }
        }
    }
}

struct Resolver<'a> {
    types: &'a BTreeMap<String, TypeDef>,
    /// The names of `types`, built once: every action and event looks names up.
    type_names: Rc<BTreeSet<&'a str>>,
    api: &'a Api,
    sink: &'a mut Sink,
}

impl<'a> Resolver<'a> {
    fn names(&self) -> Rc<BTreeSet<&'a str>> {
        Rc::clone(&self.type_names)
    }

    fn resources(&mut self, doc: &Document) -> BTreeMap<String, Resource> {
        let mut out = BTreeMap::new();
        let mut routes: BTreeMap<(String, Method), Spanned<String>> = BTreeMap::new();
        // Accessor structs and request builders share the generated `resources` module.
        let mut resource_types = Namespace::default();
        for resource in &doc.resources {
            if !naming::is_snake_case(&resource.name.value) {
                self.sink.error_help(
                    &resource.name.location,
                    &resource.name.path,
                    format!("resource name `{}` is not snake_case", resource.name.value),
                    format!(
                        "rename it to `{}`",
                        naming::field_name(&resource.name.value)
                    ),
                );
            }
            let rust = naming::field_name(&resource.name.value);
            if naming::is_snake_case(&resource.name.value)
                && check_ident(self.sink, &resource.name, "resource name", &rust)
            {
                if naming::CLIENT_METHODS.contains(&rust.as_str()) {
                    reserved(
                        self.sink,
                        &resource.name,
                        "resource name",
                        &rust,
                        "a method of `lever_client::Client`",
                    );
                }
                let accessor = naming::pascal(&resource.name.value);
                if naming::RESOURCES_MODULE_TYPES.contains(&accessor.as_str()) {
                    reserved(
                        self.sink,
                        &resource.name,
                        "resource name",
                        &accessor,
                        "a type in the generated `resources` module",
                    );
                }
                resource_types.claim(self.sink, &resource.name, "resource", accessor);
            }
            let mut actions = BTreeMap::new();
            for action in &resource.actions {
                if naming::is_snake_case(&action.name.value) {
                    let builder =
                        naming::builder_type_name(&resource.name.value, &action.name.value);
                    resource_types.claim(self.sink, &action.name, "action", builder);
                }
                if let Some(resolved) = self.action(&resource.name.value, action, &mut routes) {
                    actions.insert(resolved.name.clone(), resolved);
                }
            }
            out.insert(
                resource.name.value.clone(),
                Resource {
                    name: resource.name.value.clone(),
                    doc: resource.doc.clone(),
                    actions,
                    location: resource.name.location.clone(),
                },
            );
        }
        out
    }

    fn action(
        &mut self,
        resource: &str,
        action: &ActionAst,
        routes: &mut BTreeMap<(String, Method), Spanned<String>>,
    ) -> Option<Action> {
        let name = &action.name;
        let sink = &mut *self.sink;
        if !naming::is_snake_case(&name.value) {
            sink.error_help(
                &name.location,
                &name.path,
                format!("action name `{}` is not snake_case", name.value),
                format!("rename it to `{}`", naming::field_name(&name.value)),
            );
        }
        let method_name = naming::field_name(&name.value);
        if naming::is_snake_case(&name.value)
            && check_ident(sink, name, "action name", &method_name)
            && naming::ACCESSOR_METHODS.contains(&method_name.as_str())
        {
            reserved(
                sink,
                name,
                "action name",
                &method_name,
                "a method of every resource accessor",
            );
        }
        check_param_names(action, sink);
        let missing = |sink: &mut Sink, key: &str, help: &str| {
            sink.error_help(
                &name.location,
                &name.path,
                format!("action `{resource}.{}` is missing `{key}`", name.value),
                help.to_string(),
            );
        };
        let title = match &action.title {
            Some(t) => t.value.clone(),
            None => {
                missing(
                    sink,
                    "title",
                    "add a human title, e.g. `title: Get Postings by ID`",
                );
                String::new()
            }
        };
        let method = match &action.method {
            None => {
                missing(
                    sink,
                    "method",
                    "add `method: GET` (or POST, PUT, PATCH, DELETE)",
                );
                None
            }
            Some(m) => match m.value.to_ascii_uppercase().as_str() {
                "GET" => Some(Method::Get),
                "POST" => Some(Method::Post),
                "PUT" => Some(Method::Put),
                "PATCH" => Some(Method::Patch),
                "DELETE" => Some(Method::Delete),
                other => {
                    sink.error_maybe_help(
                        &m.location,
                        &m.path,
                        format!("unknown HTTP method `{}`", m.value),
                        did_you_mean(other, ["GET", "POST", "PUT", "PATCH", "DELETE"])
                            .or_else(|| Some("use GET, POST, PUT, PATCH or DELETE".into())),
                    );
                    None
                }
            },
        };
        let path = match &action.path {
            None => {
                missing(sink, "path", "add `path: /things/{thing}`");
                None
            }
            Some(p) => Some(p),
        };
        let names = self.names();
        let path_params = path
            .map(|p| self.path_params(p, &action.params, &names))
            .unwrap_or_default();
        if let (Some(p), Some(m)) = (path, method) {
            let shape = path_shape(&p.value);
            if let Some(first) = routes.get(&(shape.clone(), m)) {
                self.sink.error_help(
                    &p.location,
                    &p.path,
                    format!(
                        "`{} {}` is already the path of another action",
                        m.as_str(),
                        p.value
                    ),
                    format!("the other action is `{}`", first.value),
                );
            } else {
                routes.insert(
                    (shape, m),
                    Spanned {
                        value: format!("{resource}.{}", name.value),
                        location: p.location.clone(),
                        path: p.path.clone(),
                    },
                );
            }
        }
        let sink = &mut *self.sink;
        let mut query = Vec::new();
        for param in &action.query {
            if matches!(param.name.value.as_str(), "perform_as" | "limit" | "offset") {
                sink.error_help(
                    &param.name.location,
                    &param.name.path,
                    format!(
                        "`{}` is not declared as a query parameter",
                        param.name.value
                    ),
                    if param.name.value == "perform_as" {
                        "use the action's `perform_as: required | optional` key"
                    } else {
                        "`limit` and `offset` come with `paginated: true`"
                    },
                );
                continue;
            }
            if let Some(p) = resolve_param(param, &names, self.types, sink) {
                query.push(p);
            }
        }
        let body = action.body.as_ref().and_then(|body| {
            let ty = resolve_type_ref(&body.ty, &names, sink)?;
            let format = match body.format.as_ref().map(|f| f.value.as_str()) {
                None | Some("json") => BodyFormat::Json,
                Some("multipart") => BodyFormat::Multipart,
                Some(other) => {
                    let f = body.format.as_ref()?;
                    sink.error_maybe_help(
                        &f.location,
                        &f.path,
                        format!("unknown body format `{other}`"),
                        did_you_mean(other, ["json", "multipart"]),
                    );
                    return None;
                }
            };
            if (format == BodyFormat::Multipart) != (ty == TypeRef::File) {
                sink.error_help(
                    &body.ty.location,
                    &body.ty.path,
                    "a multipart body must be of type `file`, and a `file` body must be multipart",
                    "write `body: { type: file, format: multipart }`",
                );
            }
            if !body.files.is_empty() && format != BodyFormat::Json {
                sink.error_help(
                    &body.ty.location,
                    &body.ty.path,
                    "`files` belongs on a JSON body (it switches the request to multipart when a file is attached)",
                    "remove `format: multipart`, or remove `files`",
                );
            }
            let files = body
                .files
                .iter()
                .map(|part| FilePartDef {
                    name: part.name.value.clone(),
                    doc: part.doc.clone(),
                    repeated: part.repeated,
                })
                .collect();
            Some(Body { ty, format, files })
        });
        // Lever's DELETE /requisition_fields/{id}/options takes a body, so only GET is refused.
        if let (Some(Method::Get), Some(b)) = (method, &action.body) {
            sink.error_help(
                &b.ty.location,
                &b.ty.path,
                "a GET action cannot have a body",
                "remove `body`, or use POST, PUT or DELETE",
            );
        }
        let response = match &action.response {
            None => {
                missing(
                    sink,
                    "response",
                    "add `response: TypeName`, `response: none` (204) or `response: binary`",
                );
                None
            }
            Some(r) => match (r.kind.value, &r.ty) {
                (ResponseKind::Empty, _) => Some(Response::Empty),
                (ResponseKind::Binary, _) => Some(Response::Binary),
                (kind, Some(ty)) => resolve_type_ref(ty, &names, sink).map(|t| {
                    if kind == ResponseKind::Raw {
                        Response::Raw(t)
                    } else {
                        Response::Data(t)
                    }
                }),
                (_, None) => None,
            },
        };
        if action.paginated {
            let item_ok = matches!(&response, Some(Response::Data(TypeRef::Named(n))) if matches!(self.types.get(n).map(|t| &t.kind), Some(TypeKind::Object(_))));
            if response.is_some() && !item_ok {
                let at = action
                    .response
                    .as_ref()
                    .map(|r| (r.kind.location.clone(), r.kind.path.clone()))
                    .unwrap_or((name.location.clone(), name.path.clone()));
                sink.error_help(
                    &at.0,
                    &at.1,
                    "a paginated action's response must be the item's object type",
                    "write the item type (e.g. `response: Posting`), not `list<Posting>`; the list envelope is implied",
                );
            }
            if method.is_some_and(|m| m != Method::Get) {
                sink.error(
                    &name.location,
                    &name.path,
                    "only GET actions can be paginated",
                );
            }
        }
        let perform_as = match &action.perform_as {
            None => PerformAs::None,
            Some(p) => match p.value.as_str() {
                "required" => PerformAs::Required,
                "optional" => PerformAs::Optional,
                other => {
                    sink.error_maybe_help(
                        &p.location,
                        &p.path,
                        format!("`perform_as` must be `required` or `optional`, found `{other}`"),
                        did_you_mean(other, ["required", "optional"]),
                    );
                    PerformAs::None
                }
            },
        };
        let known_scopes = &self.api.oauth.scopes;
        for scope in &action.scopes {
            if !known_scopes.is_empty() && !known_scopes.contains(&scope.value) {
                sink.error_maybe_help(
                    &scope.location,
                    &scope.path,
                    format!("unknown OAuth scope `{}`", scope.value),
                    did_you_mean(&scope.value, known_scopes.iter().map(String::as_str)),
                );
            }
        }
        Some(Action {
            resource: resource.to_string(),
            name: name.value.clone(),
            title,
            doc: action.doc.clone(),
            method: method?,
            path: path?.value.clone(),
            path_params,
            query,
            body,
            response: response?,
            paginated: action.paginated,
            scopes: action.scopes.iter().map(|s| s.value.clone()).collect(),
            perform_as,
            docs: action.docs.clone(),
            location: name.location.clone(),
        })
    }

    fn path_params(
        &mut self,
        path: &Spanned<String>,
        declared: &[ParamAst],
        names: &BTreeSet<&str>,
    ) -> Vec<Param> {
        let sink = &mut *self.sink;
        if !path.value.starts_with('/') {
            sink.error_help(
                &path.location,
                &path.path,
                format!("path `{}` does not start with `/`", path.value),
                format!("write `/{}`", path.value),
            );
        }
        let used = match placeholders(&path.value) {
            Ok(used) => used,
            Err(message) => {
                sink.error(&path.location, &path.path, message);
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for name in &used {
            match declared.iter().find(|p| &p.name.value == name) {
                Some(param) => {
                    if let Some(mut p) = resolve_param(param, names, self.types, sink) {
                        p.required = true;
                        if p.repeated {
                            sink.error(
                                &param.name.location,
                                &param.name.path,
                                "a path parameter cannot be repeated",
                            );
                        }
                        out.push(p);
                    }
                }
                None => sink.error_help(
                    &path.location,
                    &path.path,
                    format!("path parameter `{{{name}}}` is not declared"),
                    format!("add `params: {{ {name}: {{ type: string }} }}`"),
                ),
            }
        }
        for param in declared {
            if !used.contains(&param.name.value) {
                let help = did_you_mean(&param.name.value, used.iter().map(String::as_str))
                    .unwrap_or_else(|| "remove it, or use it in the path".into());
                sink.error_help(
                    &param.name.location,
                    &param.name.path,
                    format!(
                        "parameter `{}` is declared but not used in the path `{}`",
                        param.name.value, path.value
                    ),
                    help,
                );
            }
        }
        out
    }

    fn events(&mut self, doc: &Document) -> BTreeMap<String, Event> {
        let mut out = BTreeMap::new();
        let mut variants = Namespace::default();
        for event in &doc.events {
            let variant = naming::variant_name(&event.name.value);
            if check_ident(self.sink, &event.name, "event name", &variant) {
                if variant == naming::UNKNOWN_EVENT_VARIANT {
                    reserved(
                        self.sink,
                        &event.name,
                        "event name",
                        &variant,
                        "the `WebhookEvent` variant for events the spec does not know",
                    );
                }
                variants.claim(self.sink, &event.name, "event", variant);
            }
            let Some(data) = &event.data else {
                self.sink.error_help(
                    &event.name.location,
                    &event.name.path,
                    format!("event `{}` has no `data` type", event.name.value),
                    "add `data: SomeObject` naming the object type of the event's `data`",
                );
                continue;
            };
            let names = self.names();
            let Some(ty) = resolve_type_ref(data, &names, self.sink) else {
                continue;
            };
            let TypeRef::Named(data_name) = ty else {
                self.sink.error(
                    &data.location,
                    &data.path,
                    "an event's data must be an object type",
                );
                continue;
            };
            if !matches!(
                self.types.get(&data_name).map(|t| &t.kind),
                Some(TypeKind::Object(_))
            ) {
                self.sink.error(
                    &data.location,
                    &data.path,
                    "an event's data must be an object type",
                );
                continue;
            }
            out.insert(
                event.name.value.clone(),
                Event {
                    name: event.name.value.clone(),
                    doc: event.doc.clone(),
                    data: data_name,
                    location: event.name.location.clone(),
                },
            );
        }
        out
    }
}

fn resolve_param(
    param: &ParamAst,
    names: &BTreeSet<&str>,
    types: &BTreeMap<String, TypeDef>,
    sink: &mut Sink,
) -> Option<Param> {
    let ty = resolve_type_ref(&param.ty, names, sink)?;
    let scalar = match &ty {
        TypeRef::String
        | TypeRef::Integer
        | TypeRef::Number
        | TypeRef::Boolean
        | TypeRef::Timestamp => true,
        TypeRef::Named(n) => matches!(
            types.get(n).map(|t| &t.kind),
            Some(TypeKind::Enum(_) | TypeKind::Id)
        ),
        _ => false,
    };
    if !scalar {
        sink.error_help(
            &param.ty.location,
            &param.ty.path,
            format!("parameter `{}` has type `{ty}`, which cannot go in a URL", param.name.value),
            "parameters take a scalar, an enum or an ID type; use `repeated: true` for several values",
        );
        return None;
    }
    Some(Param {
        name: param.name.value.clone(),
        doc: param.doc.clone(),
        ty,
        required: param.required,
        repeated: param.repeated,
    })
}

/// `{name}` placeholders of a path, in order.
fn placeholders(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("path `{path}` has an unclosed `{{`"))?;
        let name = &after[..end];
        if name.is_empty() || !naming::is_snake_case(name) {
            return Err(format!(
                "path parameter `{{{name}}}` must be a snake_case name"
            ));
        }
        if out.iter().any(|n| n == name) {
            return Err(format!("path parameter `{{{name}}}` appears twice"));
        }
        out.push(name.to_string());
        rest = &after[end + 1..];
    }
    if rest.contains('}') {
        return Err(format!("path `{path}` has a `}}` without `{{`"));
    }
    Ok(out)
}

/// The path with every placeholder replaced by `{}`, to find two actions on one route.
pub fn path_shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.trim_end_matches('/').chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            c if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

fn resolve_triggers(doc: &Document, spec: &Spec, sink: &mut Sink) -> BTreeMap<String, TriggerDef> {
    let mut out = BTreeMap::new();
    let mut trigger_variants = Namespace::default();
    for trigger in &doc.triggers {
        let name = &trigger.name;
        if !naming::is_snake_case(&name.value) {
            sink.error_help(
                &name.location,
                &name.path,
                format!("trigger name `{}` is not snake_case", name.value),
                format!("rename it to `{}`", naming::field_name(&name.value)),
            );
        } else {
            let variant = naming::pascal(&name.value);
            if check_ident(sink, name, "trigger name", &variant) {
                trigger_variants.claim(sink, name, "trigger", variant);
            }
        }
        let title = match &trigger.title {
            Some(t) => t.value.clone(),
            None => {
                sink.error_help(
                    &name.location,
                    &name.path,
                    format!("trigger `{}` is missing `title`", name.value),
                    "add a human title, e.g. `title: Posting Updated`",
                );
                String::new()
            }
        };
        for event in &trigger.webhook {
            if !spec.events.contains_key(&event.value) {
                sink.unresolved(
                    &event.location,
                    &event.path,
                    format!("unknown webhook event `{}`", event.value),
                    did_you_mean(&event.value, spec.events.keys().map(String::as_str)),
                );
            }
        }
        let poll = trigger
            .poll
            .as_ref()
            .and_then(|p| resolve_poll(p, spec, sink));
        check_trigger_scopes(trigger, poll.as_ref(), spec, sink);
        if trigger.webhook.is_empty() && trigger.poll.is_none() {
            sink.error_help(
                &name.location,
                &name.path,
                format!("trigger `{}` has no source", name.value),
                "add `webhook: [eventName]`, `poll: {...}`, or both",
            );
        }
        out.insert(
            name.value.clone(),
            TriggerDef {
                name: name.value.clone(),
                title,
                description: trigger.description.clone().unwrap_or_default(),
                webhook: trigger.webhook.iter().map(|e| e.value.clone()).collect(),
                poll,
                scopes: trigger.scopes.iter().map(|s| s.value.clone()).collect(),
                experimental: trigger.experimental,
                location: name.location.clone(),
            },
        );
    }
    out
}

fn resolve_poll(poll: &ast::PollAst, spec: &Spec, sink: &mut Sink) -> Option<PollRule> {
    let require = |sink: &mut Sink, field: &Option<Spanned<String>>, key: &str| {
        if field.is_none() {
            sink.error_help(
                &poll.location,
                &poll.path,
                format!("poll rule is missing `{key}`"),
                "a poll rule needs `action`, `since`, `cursor` and `emit`",
            );
        }
    };
    require(sink, &poll.action, "action");
    require(sink, &poll.since, "since");
    require(sink, &poll.cursor, "cursor");
    require(sink, &poll.emit, "emit");
    let action_ref = poll.action.as_ref()?;
    let Some((resource, action_name)) = action_ref.value.split_once('.') else {
        sink.error_help(
            &action_ref.location,
            &action_ref.path,
            format!("`{}` does not name an action", action_ref.value),
            "write `resource.action`, e.g. `postings.list`",
        );
        return None;
    };
    let Some(action) = spec.action(resource, action_name) else {
        let all: Vec<String> = spec.actions().map(|(_, a)| a.full_name()).collect();
        sink.unresolved(
            &action_ref.location,
            &action_ref.path,
            format!("unknown action `{}`", action_ref.value),
            did_you_mean(&action_ref.value, all.iter().map(String::as_str)),
        );
        return None;
    };
    if !action.paginated {
        sink.error(
            &action_ref.location,
            &action_ref.path,
            format!("`{}` is not a paginated list action", action_ref.value),
        );
        return None;
    }
    let since = poll.since.as_ref()?;
    if action.query_param(&since.value).is_none() {
        sink.error_maybe_help(
            &since.location,
            &since.path,
            format!(
                "`{}` has no query parameter `{}`",
                action_ref.value, since.value
            ),
            did_you_mean(&since.value, action.query.iter().map(|p| p.name.as_str())),
        );
    }
    for (name, _) in &poll.query {
        if action.query_param(&name.value).is_none() {
            sink.error_maybe_help(
                &name.location,
                &name.path,
                format!(
                    "`{}` has no query parameter `{}`",
                    action_ref.value, name.value
                ),
                did_you_mean(&name.value, action.query.iter().map(|p| p.name.as_str())),
            );
        }
    }
    let item = match &action.response {
        Response::Data(TypeRef::Named(item)) => spec.object(item),
        _ => None,
    }?;
    let check_field = |sink: &mut Sink, field: &Spanned<String>| match item.field(&field.value) {
        Some(f) if f.ty == TypeRef::Timestamp => {}
        Some(f) => sink.error(
            &field.location,
            &field.path,
            format!("field `{}` is `{}`, not a timestamp", field.value, f.ty),
        ),
        None => sink.unresolved(
            &field.location,
            &field.path,
            format!(
                "the items of `{}` have no field `{}`",
                action_ref.value, field.value
            ),
            did_you_mean(&field.value, item.fields.iter().map(|f| f.name.as_str())),
        ),
    };
    let cursor = poll.cursor.as_ref()?;
    check_field(sink, cursor);
    if let Some(created) = &poll.created_field {
        check_field(sink, created);
    }
    let emit_ref = poll.emit.as_ref()?;
    let emit = match emit_ref.value.as_str() {
        "created" => PollEmit::Created,
        "updated" => PollEmit::Updated,
        "all" => PollEmit::All,
        other => {
            sink.error_maybe_help(
                &emit_ref.location,
                &emit_ref.path,
                format!("unknown poll `emit` value `{other}`"),
                did_you_mean(other, ["created", "updated", "all"])
                    .or_else(|| Some("use `created`, `updated` or `all`".into())),
            );
            return None;
        }
    };
    if emit != PollEmit::All && poll.created_field.is_none() {
        sink.error_help(
            &emit_ref.location,
            &emit_ref.path,
            format!(
                "`emit: {}` needs `created_field` to tell created from updated",
                emit_ref.value
            ),
            "add `created_field: createdAt`",
        );
    }
    Some(PollRule {
        resource: resource.to_string(),
        action: action_name.to_string(),
        since: since.value.clone(),
        cursor: cursor.value.clone(),
        created_field: poll.created_field.as_ref().map(|f| f.value.clone()),
        emit,
        fixed_query: poll
            .query
            .iter()
            .map(|(k, v)| (k.value.clone(), v.clone()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_expressions() {
        assert_eq!(parse_type_expr("string"), Ok(TypeRef::String));
        assert_eq!(
            parse_type_expr("list<expandable<User>>"),
            Ok(TypeRef::List(Box::new(TypeRef::Expandable("User".into()))))
        );
        assert!(parse_type_expr("list<User").is_err());
        assert!(parse_type_expr("vec<User>").is_err());
        assert!(parse_type_expr("expandable<string>").is_err());
    }

    #[test]
    fn path_placeholders() {
        assert_eq!(
            placeholders("/opportunities/{opportunity}/notes/{note}"),
            Ok(vec!["opportunity".to_string(), "note".to_string()])
        );
        assert!(placeholders("/a/{b").is_err());
        assert!(placeholders("/a/{b}/{b}").is_err());
        assert_eq!(path_shape("/postings/{posting}/"), "/postings/{}");
    }
}
