//! Resources and their actions: names, methods, paths, parameters, bodies and responses.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{ActionAst, Document, ParamAst, Spanned};
use crate::diag::{did_you_mean, Sink};
use crate::model::*;
use crate::naming;

use super::names::{check_ident, check_param_names, reserved, Namespace};
use super::payloads::resolve_param;
use super::Resolver;

/// Each route (shape and method) with the action that took it first, to refuse a second.
type Routes = BTreeMap<(Vec<Option<String>>, Method), Spanned<String>>;

impl Resolver<'_> {
    pub(super) fn resources(&mut self, doc: &Document) -> BTreeMap<String, Resource> {
        let mut out = BTreeMap::new();
        let mut routes = Routes::new();
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

    /// One action; its parts are checked by the functions below and in `payloads`.
    fn action(
        &mut self,
        resource: &str,
        action: &ActionAst,
        routes: &mut Routes,
    ) -> Option<Action> {
        let name = &action.name;
        check_action_name(self.sink, name);
        check_param_names(action, self.sink);
        let title = match &action.title {
            Some(t) => t.value.clone(),
            None => {
                missing(
                    self.sink,
                    resource,
                    name,
                    "title",
                    "add a human title, e.g. `title: Get Postings by ID`",
                );
                String::new()
            }
        };
        let method = method(self.sink, resource, action);
        let path = self.path(resource, action);
        if let (Some((path, template, _)), Some(method)) = (&path, method) {
            self.claim_route(resource, action, path, template, method, routes);
        }
        let names = self.names();
        let query = self.query(action, &names);
        let body = self.body(action, method, &names);
        let response = self.response(resource, action, &names);
        self.check_pagination(action, method, response.as_ref());
        let perform_as = self.perform_as(action);
        self.check_scopes(action);
        let (path, path_template, path_params) = path?;
        Some(Action {
            resource: resource.to_string(),
            name: name.value.clone(),
            title,
            doc: action.doc.clone(),
            method: method?,
            path: path.value.clone(),
            path_template,
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

    /// The action's path, parsed, with its declared path parameters.
    fn path<'d>(
        &mut self,
        resource: &str,
        action: &'d ActionAst,
    ) -> Option<(&'d Spanned<String>, PathTemplate, Vec<Param>)> {
        let Some(path) = &action.path else {
            missing(
                self.sink,
                resource,
                &action.name,
                "path",
                "add `path: /things/{thing}`",
            );
            return None;
        };
        if !path.value.starts_with('/') {
            self.sink.error_help(
                &path.location,
                &path.path,
                format!("path `{}` does not start with `/`", path.value),
                format!("write `/{}`", path.value),
            );
        }
        let template = match PathTemplate::parse(&path.value) {
            Ok(template) => template,
            Err(message) => {
                self.sink.error(&path.location, &path.path, message);
                return None;
            }
        };
        let names = self.names();
        let params = self.path_params(path, &template, &action.params, &names);
        Some((path, template, params))
    }

    /// Refuses a second action on a route (method and path shape) another action has.
    fn claim_route(
        &mut self,
        resource: &str,
        action: &ActionAst,
        path: &Spanned<String>,
        template: &PathTemplate,
        method: Method,
        routes: &mut Routes,
    ) {
        let shape = template
            .shape()
            .into_iter()
            .map(|s| s.map(str::to_string))
            .collect();
        match routes.entry((shape, method)) {
            std::collections::btree_map::Entry::Occupied(first) => self.sink.error_help(
                &path.location,
                &path.path,
                format!(
                    "`{} {}` is already the path of another action",
                    method.as_str(),
                    path.value
                ),
                format!("the other action is `{}`", first.get().value),
            ),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(Spanned {
                    value: format!("{resource}.{}", action.name.value),
                    location: path.location.clone(),
                    path: path.path.clone(),
                });
            }
        }
    }

    fn path_params(
        &mut self,
        path: &Spanned<String>,
        template: &PathTemplate,
        declared: &[ParamAst],
        names: &BTreeSet<&str>,
    ) -> Vec<Param> {
        let sink = &mut *self.sink;
        let used: Vec<&str> = template.params().collect();
        let mut out = Vec::new();
        for name in &used {
            match declared.iter().find(|p| p.name.value == *name) {
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
            if !used.contains(&param.name.value.as_str()) {
                let help = did_you_mean(&param.name.value, used.iter().copied())
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
}

/// Reports a key every action needs.
pub(super) fn missing(
    sink: &mut Sink,
    resource: &str,
    name: &Spanned<String>,
    key: &str,
    help: &str,
) {
    sink.error_help(
        &name.location,
        &name.path,
        format!("action `{resource}.{}` is missing `{key}`", name.value),
        help.to_string(),
    );
}

/// An action's name is snake_case, an identifier, and not a method every accessor has.
fn check_action_name(sink: &mut Sink, name: &Spanned<String>) {
    if !naming::is_snake_case(&name.value) {
        sink.error_help(
            &name.location,
            &name.path,
            format!("action name `{}` is not snake_case", name.value),
            format!("rename it to `{}`", naming::field_name(&name.value)),
        );
        return;
    }
    let method_name = naming::field_name(&name.value);
    if check_ident(sink, name, "action name", &method_name)
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
}

fn method(sink: &mut Sink, resource: &str, action: &ActionAst) -> Option<Method> {
    let Some(m) = &action.method else {
        missing(
            sink,
            resource,
            &action.name,
            "method",
            "add `method: GET` (or POST, PUT, PATCH, DELETE)",
        );
        return None;
    };
    match m.value.to_ascii_uppercase().as_str() {
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
    }
}
