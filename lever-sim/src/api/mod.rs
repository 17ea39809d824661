//! The `/v1` API's request pipeline: rate limit, routing, body and `perform_as` checks, then
//! the action's behaviour ([`crud`] for what the spec's shapes imply, the other modules for
//! Lever's own rules) and the reply envelope.

mod crud;
mod events;
mod fields;
mod opportunities;
mod type_rules;
mod webhook_config;

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lever_spec::{BodyFormat, PerformAs, Response as SpecResponse, TypeRef};
use serde_json::{json, Map, Value};

use crate::account::Account;
use crate::error::ApiError;
use crate::query::{self, Query};
use crate::routes::{self, Kind, Route};
use crate::sample::{complete, declares};
use crate::state::Shared;
use crate::store::{parent_of_key, public, Obj, Store};
use crate::util::lock;
use crate::webhooks::{self, public_webhook, PendingEvent};

pub(crate) use crud::delete_object;

/// What an action answers.
pub(crate) enum Reply {
    Json(StatusCode, Value),
    Empty,
    Binary,
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Json(status, v) => (status, axum::Json(v)).into_response(),
            Reply::Empty => StatusCode::NO_CONTENT.into_response(),
            Reply::Binary => (
                [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
                b"simulated file contents\n".to_vec(),
            )
                .into_response(),
        }
    }
}

/// Answers one `/v1` request (`path` is relative to `/v1`).
pub(crate) fn handle(
    shared: &Arc<Shared>,
    auth: Result<Arc<Account>, ApiError>,
    method: &str,
    path: &str,
    raw_query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Response {
    let q = Query::parse(raw_query);
    let account = match auth {
        Ok(account) => account,
        Err(e) => return e.into_response(),
    };
    match run(shared, &account, method, path, &q, (content_type, body)) {
        Ok((reply, events)) => {
            webhooks::dispatch(shared, &account, events);
            reply.into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// Everything after authentication: the answer and the events it fires.
fn run(
    shared: &Shared,
    account: &Account,
    method: &str,
    path: &str,
    q: &Query,
    (content_type, body): (Option<&str>, &[u8]),
) -> Result<(Reply, Vec<PendingEvent>), ApiError> {
    shared.rate_check(account)?;
    let matched = routes::find(&shared.routes, method, path)
        .ok_or_else(|| ApiError::not_found(format!("Unknown route: {method} /v1{path}")))?;
    let route = matched.route;
    for p in &route.action.query {
        if p.required && q.first(&p.name).is_none_or(|v| v.trim().is_empty()) {
            return Err(ApiError::bad_request(format!("{} is required", p.name)));
        }
    }
    let body = parse_body(shared, route, content_type, body)?;
    let now = shared.clock.now_ms();
    let mut store = lock(&account.store);
    let perform_as = check_perform_as(route, q, &store)?;
    let mut cx = Ctx {
        shared,
        route,
        params: matched.params.into_iter().collect(),
        q,
        body,
        perform_as,
        now,
        events: Vec::new(),
    };
    cx.check_parents(&store)?;
    let reply = execute(&mut cx, &mut store)?;
    Ok((reply, cx.events))
}

/// The request body as a JSON object (a form is rebuilt into one), with the fields the
/// spec's body type requires.
fn parse_body(
    shared: &Shared,
    route: &Route,
    content_type: Option<&str>,
    raw: &[u8],
) -> Result<Obj, ApiError> {
    let declared = route.action.body.as_ref();
    if declared.is_some_and(|b| b.format == BodyFormat::Multipart) {
        return Ok(serde_json::from_slice(raw).unwrap_or_default());
    }
    // A JSON body that declares files may come as a form instead (create-opportunity).
    let takes_files = declared.is_some_and(|b| !b.files.is_empty());
    let text = String::from_utf8_lossy(raw);
    let obj = if takes_files && crate::form::is_form(content_type) {
        let form = crate::form::parse(content_type.unwrap_or_default(), raw)?;
        let declared_files: Vec<String> = declared
            .iter()
            .flat_map(|b| &b.files)
            .map(|f| f.wire_name())
            .collect();
        if let Some(unknown) = form.files.iter().find(|f| !declared_files.contains(f)) {
            return Err(ApiError::bad_request(format!(
                "Unexpected file field `{unknown}`"
            )));
        }
        form.fields
    } else if text.trim().is_empty() {
        Map::new()
    } else {
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(o)) => o,
            Ok(_) if declared.is_some() => {
                return Err(ApiError::bad_request(
                    "The request body must be a JSON object",
                ))
            }
            Err(e) if declared.is_some() => {
                return Err(ApiError::bad_request(format!("Invalid JSON body: {e}")))
            }
            _ => Map::new(),
        }
    };
    if let Some(TypeRef::Named(name)) = declared.map(|b| &b.ty) {
        check_required_fields(shared, name, &obj)?;
    }
    Ok(obj)
}

/// 400 when `obj` lacks a field that object type `ty` requires, or holds null in a
/// non-nullable one.
fn check_required_fields(shared: &Shared, ty: &str, obj: &Obj) -> Result<(), ApiError> {
    let Some(object) = shared.spec.object(ty) else {
        return Ok(());
    };
    for f in object.fields.iter().filter(|f| !f.optional) {
        match obj.get(&f.name) {
            None => {
                return Err(ApiError::bad_request(format!(
                    "Missing required field `{}`",
                    f.name
                )))
            }
            Some(Value::Null) if !f.nullable => {
                return Err(ApiError::bad_request(format!(
                    "Field `{}` may not be null",
                    f.name
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The user `perform_as` names, checked against the store and the action's rule.
fn check_perform_as(route: &Route, q: &Query, store: &Store) -> Result<Option<String>, ApiError> {
    let given = q
        .first("perform_as")
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match (route.action.perform_as, given) {
        (PerformAs::Required, None) => Err(ApiError::bad_request("perform_as is required")),
        (PerformAs::None, _) | (PerformAs::Optional, None) => Ok(None),
        (_, Some(id)) => {
            if store.get("User", id).is_some() {
                Ok(Some(id.to_string()))
            } else {
                Err(ApiError::bad_request(format!(
                    "perform_as: there is no user with ID {id}"
                )))
            }
        }
    }
}

/// One request being handled.
struct Ctx<'a> {
    shared: &'a Shared,
    route: &'a Route,
    params: HashMap<String, String>,
    q: &'a Query,
    body: Obj,
    perform_as: Option<String>,
    now: i64,
    events: Vec<PendingEvent>,
}

impl Ctx<'_> {
    fn ty(&self) -> Result<&str, ApiError> {
        self.route.ty.as_deref().ok_or_else(|| {
            ApiError::internal(format!(
                "the spec gives action {} no object type",
                self.route.action.full_name()
            ))
        })
    }

    fn id(&self) -> &str {
        self.route
            .id_param
            .as_ref()
            .and_then(|p| self.params.get(p))
            .map_or("", String::as_str)
    }

    fn parents_match(&self, obj: &Obj) -> bool {
        self.route.parent_params.iter().all(|(param, key)| {
            match (obj.get(key).and_then(Value::as_str), self.params.get(param)) {
                (Some(have), Some(want)) => have == want,
                _ => false,
            }
        })
    }

    /// 404 when a parent named in the path does not exist.
    fn check_parents(&self, store: &Store) -> Result<(), ApiError> {
        for (param, key) in &self.route.parent_params {
            let Some(parent_ty) = parent_of_key(key) else {
                continue;
            };
            let id = self.params.get(param).map_or("", String::as_str);
            if self.shared.spec.object(parent_ty).is_some() && store.get(parent_ty, id).is_none() {
                return Err(ApiError::not_found(format!("{parent_ty} {id} not found")));
            }
        }
        Ok(())
    }

    fn max_limit(&self) -> usize {
        match self.shared.spec.api.pagination.max_limit {
            0 => 100,
            n => usize::try_from(n).unwrap_or(100),
        }
    }

    fn render(&self, store: &Store, ty: &str, obj: &Obj) -> Value {
        if ty == self.shared.webhook_type {
            return public_webhook(obj, false);
        }
        query::render(&self.shared.spec, store, ty, obj, self.q)
    }

    /// Wraps `data` as the action's response declares.
    fn reply(&self, status: StatusCode, data: Value) -> Reply {
        match &self.route.action.response {
            SpecResponse::Empty => Reply::Empty,
            SpecResponse::Binary => Reply::Binary,
            SpecResponse::Raw(_) => Reply::Json(status, data),
            SpecResponse::Data(_) => Reply::Json(status, json!({ "data": data })),
        }
    }

    /// The response for an action on `obj` of type `ty`: the object itself when the action
    /// returns that type, otherwise the response type filled from the object.
    fn reply_for(&self, store: &mut Store, status: StatusCode, ty: &str, obj: &Obj) -> Reply {
        let resp_ty = routes::response_type(&self.route.action.response);
        match resp_ty.as_deref() {
            None => self.reply(status, Value::Null),
            Some(t) if t == ty => {
                let data = self.render(store, ty, obj);
                self.reply(status, data)
            }
            Some(t) => {
                let data = shape_response(&self.shared.spec, store, t, obj, self.now);
                self.reply(status, data)
            }
        }
    }

    fn emit(&mut self, event: &str, data: Value, origin: Option<String>) {
        self.events.push(PendingEvent {
            event: event.to_string(),
            data,
            origin,
        });
    }

    fn set_default(&self, ty: &str, obj: &mut Obj, key: &str, value: Value) {
        if !obj.contains_key(key) && declares(&self.shared.spec, ty, key) {
            obj.insert(key.to_string(), value);
        }
    }
}

/// Fills response type `ty` from `obj`: same-named fields are copied, `xxxId` fields take the
/// object's ID, the rest get samples.
fn shape_response(
    spec: &lever_spec::Spec,
    store: &mut Store,
    ty: &str,
    obj: &Obj,
    now: i64,
) -> Value {
    let mut out = Map::new();
    if let Some(object) = spec.object(ty) {
        for f in &object.fields {
            if let Some(v) = obj.get(&f.name) {
                out.insert(f.name.clone(), v.clone());
            } else if f.name.ends_with("Id") {
                if let Some(id) = obj.get("id") {
                    out.insert(f.name.clone(), id.clone());
                }
            }
        }
        complete(spec, ty, &mut out, &mut store.rng, now, 0);
        Value::Object(out)
    } else {
        Value::Object(public(obj))
    }
}

/// Runs the behaviour of the route's kind.
fn execute(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    match cx.route.kind.clone() {
        Kind::Get => crud::get(cx, store),
        Kind::List => crud::list(cx, store, false),
        Kind::ListDeleted => crud::list(cx, store, true),
        Kind::ListAll => crud::list_all(cx, store),
        Kind::Create => crud::create(cx, store),
        Kind::Update => crud::update(cx, store),
        Kind::ObjectAction(verb) => crud::object_action(cx, store, &verb),
        Kind::BatchUpdate => crud::batch_update(cx, store),
        Kind::Delete => crud::delete(cx, store),
        Kind::Other => crud::other(cx, store),
    }
}
