//! The route table: every action of the spec, classified by shape.

use lever_spec::{Action, Method, Response, Spec, TypeRef};

/// One path segment of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A literal segment.
    Lit(String),
    /// A `{placeholder}`.
    Param(String),
}

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
    pub segs: Vec<Seg>,
    pub kind: Kind,
    /// The object type the action reads or writes in the store.
    pub ty: Option<String>,
    /// Path parameters before the object's own ID, each with the store key that holds that
    /// parent's ID on a child object.
    pub parent_params: Vec<(String, String)>,
    /// The path parameter holding the addressed object's ID, if any.
    pub id_param: Option<String>,
}

pub(crate) fn segments(path: &str) -> Vec<Seg> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') && s.len() > 2 {
                Seg::Param(s[1..s.len() - 1].to_string())
            } else {
                Seg::Lit(s.to_string())
            }
        })
        .collect()
}

fn shape(segs: &[Seg]) -> Vec<Option<&str>> {
    segs.iter()
        .map(|s| match s {
            Seg::Lit(l) => Some(l.as_str()),
            Seg::Param(_) => None,
        })
        .collect()
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
    let all: Vec<(&Action, Vec<Seg>)> = spec
        .actions()
        .map(|(_, a)| (a, segments(&a.path)))
        .collect();
    // The type a GET at a given path shape returns (used to find what other actions address).
    let get_type = |wanted: &[Option<&str>]| -> Option<String> {
        all.iter()
            .filter(|(a, s)| a.method == Method::Get && shape(s) == wanted)
            .find_map(|(a, _)| response_type(&a.response))
    };
    let has_get_at = |wanted: &[Option<&str>]| -> bool {
        all.iter()
            .any(|(a, s)| a.method == Method::Get && shape(s) == wanted)
    };
    let has_list_at = |wanted: &[Option<&str>]| -> bool {
        all.iter().any(|(a, s)| {
            a.method == Method::Get
                && shape(s) == wanted
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
    for (action, segs) in &all {
        let sh = shape(segs);
        let last = segs.last();
        let last_is_param = matches!(last, Some(Seg::Param(_)));
        let params: Vec<String> = segs
            .iter()
            .filter_map(|s| match s {
                Seg::Param(p) => Some(p.clone()),
                Seg::Lit(_) => None,
            })
            .collect();
        let resp_ty = response_type(&action.response);
        let parent_shape: Vec<Option<&str>> = sh[..sh.len().saturating_sub(1)].to_vec();
        let mut with_id = sh.clone();
        with_id.push(None);

        let (kind, ty, id_param) = match action.method {
            Method::Get => {
                if action.paginated {
                    let deleted = matches!(last, Some(Seg::Lit(l)) if l == "deleted");
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
                        Some(Seg::Lit(l)) => l.clone(),
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
                Seg::Param(p) if Some(p) != id_param.as_ref() => {
                    let key = get_type(&sh[..=i]).unwrap_or_else(|| p.clone());
                    Some((p.clone(), crate::store::parent_key(&key)))
                }
                _ => None,
            })
            .collect();
        routes.push(Route {
            action: (*action).clone(),
            segs: segs.clone(),
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

/// Finds the most specific route for `method` and `path` (relative to `/v1`).
pub(crate) fn find<'a>(routes: &'a [Route], method: &str, path: &str) -> Option<Matched<'a>> {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Option<(&Route, Vec<bool>)> = None;
    for route in routes {
        if route.action.method.as_str() != method || route.segs.len() != parts.len() {
            continue;
        }
        let ok = route.segs.iter().zip(&parts).all(|(s, p)| match s {
            Seg::Lit(l) => l == p,
            Seg::Param(_) => !p.is_empty(),
        });
        if !ok {
            continue;
        }
        let lits: Vec<bool> = route
            .segs
            .iter()
            .map(|s| matches!(s, Seg::Lit(_)))
            .collect();
        // Prefer literal segments, earliest first (so `/postings/deleted` beats `/postings/{id}`).
        if best.as_ref().is_none_or(|(_, b)| lits > *b) {
            best = Some((route, lits));
        }
    }
    let (route, _) = best?;
    let params = route
        .segs
        .iter()
        .zip(&parts)
        .filter_map(|(s, p)| match s {
            Seg::Param(name) => Some((name.clone(), percent_decode(p))),
            Seg::Lit(_) => None,
        })
        .collect();
    Some(Matched { route, params })
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}
