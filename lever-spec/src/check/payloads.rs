//! What an action sends and gets back: query parameters, body, response, pagination,
//! `perform_as` and scopes.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{ActionAst, ParamAst, ResponseKind};
use crate::diag::{did_you_mean, Sink};
use crate::model::*;

use super::actions::missing;
use super::type_expr::resolve_type_ref;
use super::Resolver;

impl Resolver<'_> {
    pub(super) fn query(&mut self, action: &ActionAst, names: &BTreeSet<&str>) -> Vec<Param> {
        let mut query = Vec::new();
        for param in &action.query {
            if matches!(param.name.value.as_str(), "perform_as" | "limit" | "offset") {
                self.sink.error_help(
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
            if let Some(p) = resolve_param(param, names, self.types, self.sink) {
                query.push(p);
            }
        }
        query
    }

    pub(super) fn body(
        &mut self,
        action: &ActionAst,
        method: Option<Method>,
        names: &BTreeSet<&str>,
    ) -> Option<Body> {
        let body = action.body.as_ref()?;
        let sink = &mut *self.sink;
        // Lever's DELETE /requisition_fields/{id}/options takes a body, so only GET is refused.
        if method == Some(Method::Get) {
            sink.error_help(
                &body.ty.location,
                &body.ty.path,
                "a GET action cannot have a body",
                "remove `body`, or use POST, PUT or DELETE",
            );
        }
        let ty = resolve_type_ref(&body.ty, names, sink)?;
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
    }

    pub(super) fn response(
        &mut self,
        resource: &str,
        action: &ActionAst,
        names: &BTreeSet<&str>,
    ) -> Option<Response> {
        let Some(r) = &action.response else {
            missing(
                self.sink,
                resource,
                &action.name,
                "response",
                "add `response: TypeName`, `response: none` (204) or `response: binary`",
            );
            return None;
        };
        match (r.kind.value, &r.ty) {
            (ResponseKind::Empty, _) => Some(Response::Empty),
            (ResponseKind::Binary, _) => Some(Response::Binary),
            (kind, Some(ty)) => resolve_type_ref(ty, names, self.sink).map(|t| {
                if kind == ResponseKind::Raw {
                    Response::Raw(t)
                } else {
                    Response::Data(t)
                }
            }),
            (_, None) => None,
        }
    }

    /// A paginated action is a GET whose response is the item's object type.
    pub(super) fn check_pagination(
        &mut self,
        action: &ActionAst,
        method: Option<Method>,
        response: Option<&Response>,
    ) {
        if !action.paginated {
            return;
        }
        let name = &action.name;
        let item_ok = match response {
            Some(Response::Data(TypeRef::Named(n))) => {
                matches!(
                    self.types.get(n).map(|t| &t.kind),
                    Some(TypeKind::Object(_))
                )
            }
            _ => false,
        };
        if response.is_some() && !item_ok {
            let (location, path) = action
                .response
                .as_ref()
                .map(|r| (&r.kind.location, &r.kind.path))
                .unwrap_or((&name.location, &name.path));
            self.sink.error_help(
                location,
                path,
                "a paginated action's response must be the item's object type",
                "write the item type (e.g. `response: Posting`), not `list<Posting>`; the list envelope is implied",
            );
        }
        if method.is_some_and(|m| m != Method::Get) {
            self.sink.error(
                &name.location,
                &name.path,
                "only GET actions can be paginated",
            );
        }
    }

    pub(super) fn perform_as(&mut self, action: &ActionAst) -> PerformAs {
        let Some(p) = &action.perform_as else {
            return PerformAs::None;
        };
        match p.value.as_str() {
            "required" => PerformAs::Required,
            "optional" => PerformAs::Optional,
            other => {
                self.sink.error_maybe_help(
                    &p.location,
                    &p.path,
                    format!("`perform_as` must be `required` or `optional`, found `{other}`"),
                    did_you_mean(other, ["required", "optional"]),
                );
                PerformAs::None
            }
        }
    }

    /// Each scope is one the `api` section lists (when it lists any).
    pub(super) fn check_scopes(&mut self, action: &ActionAst) {
        let known_scopes = &self.api.oauth.scopes;
        for scope in &action.scopes {
            if !known_scopes.is_empty() && !known_scopes.contains(&scope.value) {
                self.sink.error_maybe_help(
                    &scope.location,
                    &scope.path,
                    format!("unknown OAuth scope `{}`", scope.value),
                    did_you_mean(&scope.value, known_scopes.iter().map(String::as_str)),
                );
            }
        }
    }
}

pub(super) fn resolve_param(
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
