//! Lever's rules for creating and updating some object types through the generic actions:
//! the defaults Lever fills on a new posting or user, and the fields an update may not change
//! or takes in another shape.

use serde_json::{json, Value};

use super::fields::str_field;
use super::Ctx;
use crate::error::ApiError;
use crate::query;
use crate::store::{Obj, Store};

/// Fills the fields Lever sets on a new object of type `ty` (with ID `id`) that the body left
/// out; refuses what Lever refuses to create.
pub(super) fn create_defaults(
    cx: &Ctx<'_>,
    ty: &str,
    obj: &mut Obj,
    id: &str,
) -> Result<(), ApiError> {
    let actor = cx.perform_as.clone().map_or(Value::Null, Value::String);
    match ty {
        "Posting" => posting_defaults(cx, obj, id, actor),
        "User" => {
            user_defaults(cx, obj);
            Ok(())
        }
        "Note" => {
            note_thread(obj, id, actor);
            Ok(())
        }
        _ => {
            for key in ["user", "creator"] {
                cx.set_default(ty, obj, key, actor.clone());
            }
            Ok(())
        }
    }
}

fn posting_defaults(cx: &Ctx<'_>, obj: &mut Obj, id: &str, actor: Value) -> Result<(), ApiError> {
    let ty = "Posting";
    if obj.get("state").is_none_or(Value::is_null) {
        obj.insert("state".into(), json!("draft"));
    }
    if str_field(obj, "confidentiality") == Some("confidential") {
        return Err(ApiError::bad_request(
            "Confidential postings cannot be created through the API",
        ));
    }
    let followers: Vec<&String> = cx.perform_as.iter().collect();
    let defaults = [
        ("confidentiality", json!("non-confidential")),
        ("distributionChannels", json!(["public", "internal"])),
        ("user", actor.clone()),
        ("owner", actor),
        ("hiringManager", Value::Null),
        ("followers", json!(followers)),
        ("categories", json!({})),
        ("tags", json!([])),
        ("requisitionCodes", json!([])),
        ("reqCode", Value::Null),
        ("workplaceType", json!("unspecified")),
        ("country", json!("US")),
        (
            "urls",
            json!({
                "list": "https://jobs.lever.co/sim",
                "show": format!("https://jobs.lever.co/sim/{id}"),
                "apply": format!("https://jobs.lever.co/sim/{id}/apply"),
            }),
        ),
    ];
    for (key, value) in defaults {
        cx.set_default(ty, obj, key, value);
    }
    Ok(())
}

/// A POST body (`value`, `score`, `notifyFollowers`, `createdAt`) becomes what Lever stores
/// and answers: a thread titled `Note` with the text as its one comment, plus `noteId`.
fn note_thread(obj: &mut Obj, id: &str, actor: Value) {
    let created_at = obj.get("createdAt").cloned().unwrap_or(Value::Null);
    let comment = note_comment(obj, created_at, actor.clone());
    obj.remove("value");
    obj.remove("score");
    obj.remove("notifyFollowers");
    obj.insert("noteId".into(), json!(id));
    obj.insert("text".into(), json!("Note"));
    obj.entry("secret").or_insert(json!(false));
    obj.insert("user".into(), actor);
    obj.insert("fields".into(), json!([comment]));
    obj.entry("completedAt").or_insert(Value::Null);
    obj.entry("deletedAt").or_insert(Value::Null);
}

/// One comment of a note thread, from a POST body.
fn note_comment(body: &Obj, created_at: Value, actor: Value) -> Value {
    json!({
        "type": "note",
        "description": "",
        "text": "Comment",
        "value": body.get("value").cloned().unwrap_or(Value::Null),
        "createdAt": created_at,
        "user": actor,
        "score": body.get("score").cloned().unwrap_or(Value::Null),
    })
}

/// POST notes with `note_id`: the body becomes a new comment at the end of that thread, which
/// must exist under the same opportunity (404 otherwise); answers the whole thread.
pub(super) fn add_note_comment(
    cx: &Ctx<'_>,
    store: &mut Store,
    thread: &str,
) -> Result<Obj, ApiError> {
    let same_parent = |note: &Obj| {
        cx.route.parent_params.iter().all(|(param, key)| {
            cx.params
                .get(param)
                .is_none_or(|parent| note.get(key) == Some(&json!(parent)))
        })
    };
    let mut note = store
        .get("Note", thread)
        .filter(|note| same_parent(note))
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Note {thread} not found")))?;
    let created_at = match cx.body.get("createdAt").and_then(query::as_ms) {
        Some(ts) if ts <= cx.now => ts,
        _ => cx.now,
    };
    let actor = cx.perform_as.clone().map_or(Value::Null, Value::String);
    let comment = note_comment(&cx.body, json!(created_at), actor);
    match note.get_mut("fields") {
        Some(Value::Array(comments)) => comments.push(comment),
        _ => {
            note.insert("fields".into(), json!([comment]));
        }
    }
    note.insert("noteId".into(), json!(thread));
    store.put("Note", note.clone());
    Ok(note)
}

fn user_defaults(cx: &Ctx<'_>, obj: &mut Obj) {
    let ty = "User";
    cx.set_default(ty, obj, "accessRole", json!("interviewer"));
    cx.set_default(ty, obj, "deactivatedAt", Value::Null);
    cx.set_default(ty, obj, "photo", Value::Null);
    let username = str_field(obj, "email")
        .and_then(|e| e.split('@').next())
        .unwrap_or_default()
        .to_string();
    cx.set_default(ty, obj, "username", json!(username));
}

/// Rewrites an update `patch` of an object of type `ty` as Lever applies it: a contact's
/// `location` string becomes `{name}`, a posting's confidentiality cannot change.
pub(super) fn sanitize_update(ty: &str, patch: &mut Obj) {
    match ty {
        "Contact" => {
            if let Some(Value::String(loc)) = patch.get("location").cloned() {
                patch.insert("location".into(), json!({ "name": loc }));
            }
        }
        "Posting" => {
            patch.remove("confidentiality");
        }
        _ => {}
    }
}
