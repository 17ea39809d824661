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
    let all: Vec<(&Action, Vec<Option<&str>>)> = spec
        .actions()
        .map(|(_, a)| (a, a.path_template.shape()))
        .collect();
    // The type a GET at a given path shape returns (used to find what other actions address).
    let get_type = |wanted: &[Option<&str>]| -> Option<String> {
        all.iter()
            .filter(|(a, s)| a.method == Method::Get && s.as_slice() == wanted)
            .find_map(|(a, _)| response_type(&a.response))
    };
    let has_get_at = |wanted: &[Option<&str>]| -> bool {
        all.iter()
            .any(|(a, s)| a.method == Method::Get && s.as_slice() == wanted)
    };
    let has_list_at = |wanted: &[Option<&str>]| -> bool {
        all.iter().any(|(a, s)| {
            a.method == Method::Get
                && s.as_slice() == wanted
                && (a.paginated || is_list_response(&a.response))
        })
    };
    let resource_type = |resource: &str| -> Option<String> {
        let r = spec.resources.get(resource)?;
        let pick = |name: &str| r.actions.get(name).and_then(|a| response_type(&a.response));
        pick("get")
            .or_else(|| pick("list"))
            .or_else(|| r.actions.values().find_map(|a| response_type(&a.response)))
    };

    let mut routes = Vec::new();
    for (action, sh) in &all {
        let segs = action.path_template.segments();
        let last = segs.last();
        let last_is_param = matches!(last, Some(PathSegment::Param(_)));
        let params: Vec<String> = action.path_template.params().map(str::to_string).collect();
        let resp_ty = response_type(&action.response);
        let parent_shape: Vec<Option<&str>> = sh[..sh.len().saturating_sub(1)].to_vec();
        let sh = sh.clone();
        let mut with_id = sh.clone();
        with_id.push(None);

        let (kind, ty, id_param) = match action.method {
            Method::Get => {
                if action.paginated {
                    let deleted = matches!(last, Some(PathSegment::Literal(l)) if l == "deleted");
                    let kind = if deleted {
                        Kind::ListDeleted
                    } else {
                        Kind::List
                    };
                    (kind, resp_ty.clone(), None)
                } else if is_list_response(&action.response) {
                    (Kind::ListAll, resp_ty.clone(), None)
                } else if last_is_param {
                    (Kind::Get, resp_ty.clone(), params.last().cloned())
                } else {
                    (Kind::Other, resp_ty.clone(), None)
                }
            }
            Method::Post | Method::Put | Method::Patch => {
                if last_is_param {
                    let ty = resp_ty.clone().or_else(|| get_type(&sh));
                    (Kind::Update, ty, params.last().cloned())
                } else if action.method == Method::Post
                    && (has_list_at(&sh) || has_get_at(&with_id) || params.is_empty())
                {
                    (
                        Kind::Create,
                        resp_ty.clone().or_else(|| get_type(&with_id)),
                        None,
                    )
                } else if params.is_empty() {
                    (
                        Kind::BatchUpdate,
                        resp_ty.clone().or_else(|| get_type(&with_id)),
                        None,
                    )
                } else {
                    let verb = match last {
                        Some(PathSegment::Literal(l)) => l.clone(),
                        _ => String::new(),
                    };
                    let ty = get_type(&parent_shape).or_else(|| resp_ty.clone());
                    (Kind::ObjectAction(verb), ty, params.last().cloned())
                }
            }
            Method::Delete => {
                let ty = get_type(&sh)
                    .or_else(|| get_type(&parent_shape))
                    .or_else(|| resource_type(&action.resource));
                (
                    Kind::Delete,
                    ty,
                    if last_is_param {
                        params.last().cloned()
                    } else {
                        None
                    },
                )
            }
        };
        let ty = ty.or_else(|| resource_type(&action.resource));
        let parent_params = segs
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                PathSegment::Param(p) if Some(p) != id_param.as_ref() => {
                    let key = get_type(&sh[..=i]).unwrap_or_else(|| p.clone());
                    Some((p.clone(), crate::store::parent_key(&key)))
                }
                _ => None,
            })
            .collect();
        routes.push(Route {
            action: (*action).clone(),
            kind,
            ty,
            parent_params,
            id_param,
        });
    }
    routes
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
