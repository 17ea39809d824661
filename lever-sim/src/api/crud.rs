//! The behaviour the spec's shapes imply, on any object type: get, list, create, update,
//! list verbs, batch update, delete, and samples for everything else. Lever's own rules for
//! some types come from [`type_rules`](super::type_rules), [`opportunities`](super::opportunities)
//! and [`webhook_config`](super::webhook_config).

use std::sync::Arc;

use axum::http::StatusCode;
use lever_spec::{Response as SpecResponse, TypeRef};
use serde_json::{json, Value};

use super::fields::{add_unique, str_field, strings};
use super::{events, opportunities, type_rules, webhook_config, Ctx, Reply};
use crate::error::ApiError;
use crate::filters::{self, FilterCtx};
use crate::query;
use crate::sample::{complete, declares, sample};
use crate::store::{merge, Obj, Store, HIDDEN};
use crate::webhooks::PendingEvent;

pub(super) fn get(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let ty = cx.ty()?;
    let id = cx.id();
    let obj = store
        .get(ty, id)
        .filter(|o| cx.parents_match(o))
        .ok_or_else(|| ApiError::not_found(format!("{ty} {id} not found")))?;
    if !cx.shared.config.confidential_access
        && str_field(obj, "confidentiality") == Some("confidential")
    {
        return Err(ApiError::forbidden(
            "This credential has no access to confidential data",
        ));
    }
    let data = cx.render(store, ty, obj);
    Ok(cx.reply(StatusCode::OK, data))
}

pub(super) fn list(cx: &mut Ctx<'_>, store: &mut Store, deleted: bool) -> Result<Reply, ApiError> {
    let ty = cx.ty()?;
    let store: &Store = store;
    let items: Vec<&Obj> = if deleted {
        store.all_deleted(ty).collect()
    } else {
        store.all(ty).collect()
    };
    let items: Vec<&Obj> = items.into_iter().filter(|o| cx.parents_match(o)).collect();
    let fcx = filter_ctx(cx, store, ty);
    let items = filters::filter(items, cx.q, &fcx)?;
    let (page, next) = query::paginate(items, cx.q, cx.max_limit())?;
    let data: Vec<Value> = page.iter().map(|&o| cx.render(store, ty, o)).collect();
    let mut body = json!({ "data": data, "hasNext": next.is_some() });
    if let Some(next) = next {
        body["next"] = json!(next);
    }
    Ok(Reply::Json(StatusCode::OK, body))
}

/// What the query's filters of a list of `ty` need.
fn filter_ctx<'a>(cx: &'a Ctx<'_>, store: &'a Store, ty: &'a str) -> FilterCtx<'a> {
    FilterCtx {
        store,
        ty,
        declared: &cx.route.action.query,
        confidential_access: cx.shared.config.confidential_access,
        now: cx.now,
    }
}

pub(super) fn list_all(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let ty = cx.ty()?;
    let items: Vec<Obj> = store
        .all(ty)
        .filter(|o| cx.parents_match(o))
        .cloned()
        .collect();
    let fcx = filter_ctx(cx, store, ty);
    let mut items = filters::filter(items, cx.q, &fcx)?;
    items.sort_by_key(query::sort_key);
    let data: Vec<Value> = items.iter().map(|o| cx.render(store, ty, o)).collect();
    Ok(cx.reply(StatusCode::OK, Value::Array(data)))
}

pub(super) fn create(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let ty = cx.ty()?.to_string();
    if ty == "Opportunity" {
        let body = cx.body.clone();
        let (opp, deduped) = opportunities::create(cx, store, &body)?;
        let data = cx.render(store, &ty, &opp);
        return Ok(Reply::Json(
            StatusCode::CREATED,
            json!({ "deduped": deduped, "data": data }),
        ));
    }
    if ty == cx.shared.webhook_type {
        return webhook_config::create(cx, store);
    }
    if ty == "Note" {
        if let Some(thread) = cx.q.first("note_id").map(str::to_owned) {
            let note = type_rules::add_note_comment(cx, store, &thread)?;
            return Ok(cx.reply_for(store, StatusCode::CREATED, &ty, &note));
        }
    }
    let obj = generic_create(cx, store, &ty)?;
    Ok(cx.reply_for(store, StatusCode::CREATED, &ty, &obj))
}

fn generic_create(cx: &mut Ctx<'_>, store: &mut Store, ty: &str) -> Result<Obj, ApiError> {
    let spec = Arc::clone(&cx.shared.spec);
    let mut obj = cx.body.clone();
    obj.retain(|k, _| !k.starts_with(HIDDEN));
    let id = store.rng.uuid();
    obj.insert("id".into(), json!(id));
    match obj.get("createdAt").and_then(query::as_ms) {
        Some(ts) if ts <= cx.now => {}
        _ => {
            obj.insert("createdAt".into(), json!(cx.now));
        }
    }
    if declares(&spec, ty, "updatedAt") {
        obj.insert("updatedAt".into(), json!(cx.now));
    }
    for (param, key) in &cx.route.parent_params {
        if let Some(v) = cx.params.get(param) {
            obj.insert(key.clone(), json!(v));
        }
    }
    type_rules::create_defaults(cx, ty, &mut obj, &id)?;
    complete(&spec, ty, &mut obj, &mut store.rng, cx.now, 0);
    store.put(ty, obj.clone());
    if ty == "Interview" {
        cx.emit(
            "interviewCreated",
            events::interview_data(store, &obj),
            None,
        );
    }
    Ok(obj)
}

pub(super) fn update(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let ty = cx.ty()?.to_string();
    let id = cx.id().to_string();
    let patch = cx.body.clone();
    let obj = update_object(cx, store, &ty, &id, patch)?;
    Ok(cx.reply_for(store, StatusCode::OK, &ty, &obj))
}

fn update_object(
    cx: &mut Ctx<'_>,
    store: &mut Store,
    ty: &str,
    id: &str,
    mut patch: Obj,
) -> Result<Obj, ApiError> {
    if !store.get(ty, id).is_some_and(|o| cx.parents_match(o)) {
        return Err(ApiError::not_found(format!("{ty} {id} not found")));
    }
    type_rules::sanitize_update(ty, &mut patch);
    if ty == cx.shared.webhook_type {
        webhook_config::sanitize_update(&mut patch);
    }
    patch.remove("id");
    patch.remove("createdAt");
    let now = cx.now;
    let spec = Arc::clone(&cx.shared.spec);
    let obj = store
        .get_mut(ty, id)
        .ok_or_else(|| ApiError::not_found(format!("{ty} {id} not found")))?;
    merge(obj, &patch);
    if obj.contains_key("updatedAt") || declares(&spec, ty, "updatedAt") {
        obj.insert("updatedAt".into(), json!(now));
    }
    let obj = obj.clone();
    match ty {
        "Contact" => cx.emit("contactUpdated", json!({ "contactId": id }), None),
        "Interview" => cx.emit(
            "interviewUpdated",
            events::interview_data(store, &obj),
            None,
        ),
        _ => {}
    }
    Ok(obj)
}

pub(super) fn object_action(
    cx: &mut Ctx<'_>,
    store: &mut Store,
    verb: &str,
) -> Result<Reply, ApiError> {
    let ty = cx.ty()?.to_string();
    let id = cx.id().to_string();
    if store.get(&ty, &id).is_none() {
        return Err(ApiError::not_found(format!("{ty} {id} not found")));
    }
    let now = cx.now;
    let obj = match (ty.as_str(), verb) {
        ("Opportunity", "stage") => opportunities::change_stage(cx, store, &id)?,
        ("Opportunity", "archived") => opportunities::change_archived(cx, store, &id)?,
        ("Posting", "apply") => {
            let app = opportunities::apply(cx, store, &id)?;
            return Ok(cx.reply_for(store, StatusCode::CREATED, "Application", &app));
        }
        (_, "deactivate" | "reactivate") => {
            let value = if verb == "deactivate" {
                json!(now)
            } else {
                Value::Null
            };
            let obj = store
                .get_mut(&ty, &id)
                .ok_or_else(|| ApiError::not_found(format!("{ty} {id} not found")))?;
            obj.insert("deactivatedAt".into(), value);
            obj.clone()
        }
        _ if verb.starts_with("add") || verb.starts_with("remove") => {
            edit_list(cx, store, &ty, &id, verb)?
        }
        _ => {
            let patch = cx.body.clone();
            update_object(cx, store, &ty, &id, patch)?
        }
    };
    Ok(cx.reply_for(store, StatusCode::OK, &ty, &obj))
}

pub(super) fn batch_update(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let ty = cx.ty()?.to_string();
    let Some(Value::Array(items)) = cx.body.get("data").cloned() else {
        return Err(ApiError::bad_request(
            "Expected a body of the form {\"data\": [...]}",
        ));
    };
    let mut out = Vec::new();
    for item in items {
        let Value::Object(patch) = item else {
            return Err(ApiError::bad_request(
                "Every entry of data must be an object",
            ));
        };
        let id = str_field(&patch, "id")
            .ok_or_else(|| ApiError::bad_request("Every entry of data needs an id"))?
            .to_string();
        let obj = update_object(cx, store, &ty, &id, patch)?;
        out.push(cx.render(store, &ty, &obj));
    }
    Ok(Reply::Json(StatusCode::OK, json!({ "data": out })))
}

pub(super) fn delete(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let ty = cx.ty()?.to_string();
    if cx.route.id_param.is_none() {
        return Ok(Reply::Empty);
    }
    let id = cx.id().to_string();
    if !store.get(&ty, &id).is_some_and(|o| cx.parents_match(o)) {
        return Err(ApiError::not_found(format!("{ty} {id} not found")));
    }
    let actor = cx.perform_as.clone();
    let fired = delete_object(store, &ty, &id, actor, cx.now);
    cx.events.extend(fired);
    Ok(Reply::Empty)
}

/// Removes an object, keeps it in the deleted list with `deletedAt`/`deletedBy`, and returns
/// the events the deletion fires.
pub(crate) fn delete_object(
    store: &mut Store,
    ty: &str,
    id: &str,
    actor: Option<String>,
    now: i64,
) -> Vec<PendingEvent> {
    let Some(mut obj) = store.remove(ty, id) else {
        return Vec::new();
    };
    obj.insert("deletedAt".into(), json!(now));
    obj.insert("deletedBy".into(), json!(actor));
    store.put_deleted(ty, obj.clone());
    events::on_delete(store, ty, &obj, actor)
        .into_iter()
        .collect()
}

pub(super) fn other(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let t = match &cx.route.action.response {
        SpecResponse::Empty => return Ok(Reply::Empty),
        SpecResponse::Binary => return Ok(Reply::Binary),
        SpecResponse::Data(t) | SpecResponse::Raw(t) => t.clone(),
    };
    // An object the path names, when it has the response type.
    if let (TypeRef::Named(name), Some((param, _))) = (&t, cx.route.parent_params.last()) {
        if let Some(found) = cx.params.get(param).and_then(|id| store.get(name, id)) {
            let data = cx.render(store, name, found);
            return Ok(cx.reply(StatusCode::OK, data));
        }
    }
    let data = sample(&cx.shared.spec, &t, &mut store.rng, cx.now, 0);
    Ok(cx.reply(StatusCode::OK, data))
}

/// `/x/{id}/addTags`-style verbs: add the body's values to, or remove them from, the array
/// field the verb names (`addTags` → `tags`).
fn edit_list(
    cx: &mut Ctx<'_>,
    store: &mut Store,
    ty: &str,
    id: &str,
    verb: &str,
) -> Result<Obj, ApiError> {
    let adding = verb.starts_with("add");
    let rest = verb.trim_start_matches("add").trim_start_matches("remove");
    let mut chars = rest.chars();
    let field: String = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => return Err(ApiError::not_found(format!("Unknown action {verb}"))),
    };
    let values: Vec<Value> = strings(cx.body.get(&field))
        .into_iter()
        .map(Value::String)
        .collect();
    if !cx.body.contains_key(&field) {
        return Err(ApiError::bad_request(format!(
            "Missing required field `{field}`"
        )));
    }
    let obj = store
        .get_mut(ty, id)
        .ok_or_else(|| ApiError::not_found(format!("{ty} {id} not found")))?;
    if adding {
        add_unique(obj, &field, &values);
    } else if let Some(Value::Array(items)) = obj.get_mut(&field) {
        items.retain(|v| !values.contains(v));
    }
    obj.insert("updatedAt".into(), json!(cx.now));
    Ok(obj.clone())
}
