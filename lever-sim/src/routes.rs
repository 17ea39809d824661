//! The route table: every action of the spec, classified by shape.

use lever_spec::{Action, Method, PathSegment, Response, Spec, TypeRef};

/// What an action does, judged from its method, path and response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// GET `/things/{id}`.
    Get,
    /// A paginated GET.
    List,
    /// A paginated GET of deleted objects (`/things/deleted`).
    ListDeleted,
    /// A GET answering `list<T>` without pagination (e.g. GET /webhooks).
    ListAll,
    /// POST on a collection.
    Create,
    /// POST/PUT/PATCH on `/things/{id}`.
    Update,
    /// POST/PUT/PATCH on `/things/{id}/verb`; holds the verb.
    ObjectAction(String),
    /// PUT/PATCH on a collection (e.g. the webhooks batch update).
    BatchUpdate,
    /// DELETE.
    Delete,
    /// Anything else: answered with a sample of the response type.
    Other,
}

/// A compiled route.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub action: Action,
    pub kind: Kind,
    /// The object type the action reads or writes in the store.
    pub ty: Option<String>,
    /// Path parameters before the object's own ID, each with the store key that holds that
    /// parent's ID on a child object.
    pub parent_params: Vec<(String, String)>,
    /// The path parameter holding the addressed object's ID, if any.
    pub id_param: Option<String>,
}

/// The object type named by a response, if it names one.
pub(crate) fn response_type(response: &Response) -> Option<String> {
    match response {
        Response::Data(t) | Response::Raw(t) => type_name(t),
        Response::Empty | Response::Binary => None,
    }
}

fn is_list_response(response: &Response) -> bool {
    matches!(
        response,
        Response::Data(TypeRef::List(_)) | Response::Raw(TypeRef::List(_))
    )
}

fn type_name(t: &TypeRef) -> Option<String> {
    match t {
        TypeRef::Named(n) | TypeRef::Expandable(n) => Some(n.clone()),
        TypeRef::List(inner) => type_name(inner),
        _ => None,
    }
}

/// Builds the route table for every action of `spec`.
pub(crate) fn compile(spec: &Spec) -> Vec<Route> {
    let table = Shapes {
        spec,
        all: spec
            .actions()
            .map(|(_, a)| (a, a.path_template.shape()))
            .collect(),
    };
    table
        .all
        .iter()
        .map(|(action, shape)| table.route(action, shape))
        .collect()
}

/// Every action with its path shape (literals, `None` for parameters), to find what the
/// actions at a given shape return.
struct Shapes<'s> {
    spec: &'s Spec,
    all: Vec<(&'s Action, Vec<Option<&'s str>>)>,
}

impl Shapes<'_> {
    /// The type a GET at `wanted` returns (used to find what other actions address).
    fn get_type(&self, wanted: &[Option<&str>]) -> Option<String> {
        self.all
            .iter()
            .filter(|(a, s)| a.method == Method::Get && s.as_slice() == wanted)
            .find_map(|(a, _)| response_type(&a.response))
    }

    fn has_get_at(&self, wanted: &[Option<&str>]) -> bool {
        self.all
            .iter()
            .any(|(a, s)| a.method == Method::Get && s.as_slice() == wanted)
    }

    fn has_list_at(&self, wanted: &[Option<&str>]) -> bool {
        self.all.iter().any(|(a, s)| {
            a.method == Method::Get
                && s.as_slice() == wanted
                && (a.paginated || is_list_response(&a.response))
        })
    }

    /// The type a resource is about: its `get`'s, its `list`'s, or any action's.
    fn resource_type(&self, resource: &str) -> Option<String> {
        let r = self.spec.resources.get(resource)?;
        let pick = |name: &str| r.actions.get(name).and_then(|a| response_type(&a.response));
        pick("get")
            .or_else(|| pick("list"))
            .or_else(|| r.actions.values().find_map(|a| response_type(&a.response)))
    }

    fn route(&self, action: &Action, sh: &[Option<&str>]) -> Route {
        let (kind, ty, id_param) = self.classify(action, sh);
        let ty = ty.or_else(|| self.resource_type(&action.resource));
        let parent_params = action
            .path_template
            .segments()
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                PathSegment::Param(p) if Some(p) != id_param.as_ref() => {
                    let key = self.get_type(&sh[..=i]).unwrap_or_else(|| p.clone());
                    Some((p.clone(), crate::store::parent_key(&key)))
                }
                _ => None,
            })
            .collect();
        Route {
            action: action.clone(),
            kind,
            ty,
            parent_params,
            id_param,
        }
    }

    /// What an action does, the type it reads or writes, and the parameter holding the
    /// addressed object's ID.
    fn classify(
        &self,
        action: &Action,
        sh: &[Option<&str>],
    ) -> (Kind, Option<String>, Option<String>) {
        let last = action.path_template.segments().last();
        let last_is_param = matches!(last, Some(PathSegment::Param(_)));
        let last_param = action.path_template.params().last().map(str::to_string);
        let has_params = last_param.is_some();
        let resp_ty = response_type(&action.response);
        let parent_shape = &sh[..sh.len().saturating_sub(1)];
        let mut with_id = sh.to_vec();
        with_id.push(None);
        match action.method {
            Method::Get => {
                if action.paginated {
                    let deleted = matches!(last, Some(PathSegment::Literal(l)) if l == "deleted");
                    let kind = if deleted {
                        Kind::ListDeleted
                    } else {
                        Kind::List
                    };
                    (kind, resp_ty, None)
                } else if is_list_response(&action.response) {
                    (Kind::ListAll, resp_ty, None)
                } else if last_is_param {
                    (Kind::Get, resp_ty, last_param)
                } else {
                    (Kind::Other, resp_ty, None)
                }
            }
            Method::Post | Method::Put | Method::Patch => {
                if last_is_param {
                    let ty = resp_ty.or_else(|| self.get_type(sh));
                    (Kind::Update, ty, last_param)
                } else if action.method == Method::Post
                    && (self.has_list_at(sh) || self.has_get_at(&with_id) || !has_params)
                {
                    (
                        Kind::Create,
                        resp_ty.or_else(|| self.get_type(&with_id)),
                        None,
                    )
                } else if !has_params {
                    (
                        Kind::BatchUpdate,
                        resp_ty.or_else(|| self.get_type(&with_id)),
                        None,
                    )
                } else {
                    let verb = match last {
                        Some(PathSegment::Literal(l)) => l.clone(),
                        _ => String::new(),
                    };
                    let ty = self.get_type(parent_shape).or(resp_ty);
                    (Kind::ObjectAction(verb), ty, last_param)
                }
            }
            Method::Delete => {
                let ty = self
                    .get_type(sh)
                    .or_else(|| self.get_type(parent_shape))
                    .or_else(|| self.resource_type(&action.resource));
                (
                    Kind::Delete,
                    ty,
                    if last_is_param { last_param } else { None },
                )
            }
        }
    }
}

/// A matched route and its path parameters.
pub(crate) struct Matched<'a> {
    pub route: &'a Route,
    pub params: Vec<(String, String)>,
}

/// Finds the most specific route for `method` and `path` (relative to `/v1`): of the routes
/// whose template matches, the one with literal segments earliest (so `/postings/deleted`
/// beats `/postings/{id}`).
pub(crate) fn find<'a>(routes: &'a [Route], method: &str, path: &str) -> Option<Matched<'a>> {
    let (route, params) = routes
        .iter()
        .filter(|route| route.action.method.as_str() == method)
        .filter_map(|route| Some((route, route.action.path_template.match_path(path)?)))
        // `min_by_key` keeps the first of equally specific routes.
        .min_by_key(|(route, _)| std::cmp::Reverse(route.action.path_template.literal_mask()))?;
    let params = params
        .into_iter()
        .map(|(name, raw)| (name.to_string(), percent_decode(raw)))
        .collect();
    Some(Matched { route, params })
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}
