//! Lever's webhook management: creating a webhook (its event from the spec, default
//! conditions, a fresh signature token shown once) and what an update may not change.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::fields::str_field;
use super::{Ctx, Reply};
use crate::error::ApiError;
use crate::store::{Obj, Store};
use crate::webhooks::{public_webhook, EVENTS_WITH_CONDITIONS, ORIGINS, TOKEN_KEY};

/// POST /webhooks: checks the URL and the event, and answers with the signature token (the
/// only time it is shown).
pub(super) fn create(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let ty = cx.shared.webhook_type.clone();
    let url = str_field(&cx.body, "url").unwrap_or_default().to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ApiError::bad_request("url must be an http(s) URL"));
    }
    let event = str_field(&cx.body, "event").unwrap_or_default().to_string();
    let events = &cx.shared.spec.events;
    if !events.contains_key(&event) {
        let expected: Vec<&str> = events.keys().map(String::as_str).collect();
        return Err(ApiError::bad_request(format!(
            "Invalid event {event:?}; expected one of {}",
            expected.join(", ")
        )));
    }
    let mut configuration = match cx.body.get("configuration") {
        Some(Value::Object(c)) => c.clone(),
        _ => Map::new(),
    };
    configuration.remove("signatureToken");
    if EVENTS_WITH_CONDITIONS.contains(&event.as_str()) && !configuration.contains_key("conditions")
    {
        configuration.insert("conditions".into(), json!({ "origins": ORIGINS }));
    }
    let token = store.rng.hex(48);
    let id = store.rng.uuid();
    let mut obj = Map::new();
    obj.insert("id".into(), json!(id));
    obj.insert("url".into(), json!(url));
    obj.insert("event".into(), json!(event));
    obj.insert("configuration".into(), Value::Object(configuration));
    obj.insert("createdAt".into(), json!(cx.now));
    obj.insert("updatedAt".into(), json!(cx.now));
    obj.insert(TOKEN_KEY.into(), json!(token));
    store.put(&ty, obj.clone());
    Ok(cx.reply(StatusCode::CREATED, public_webhook(&obj, true)))
}

/// Drops what an update may not change: the signature token and the event.
pub(super) fn sanitize_update(patch: &mut Obj) {
    if let Some(Value::Object(c)) = patch.get_mut("configuration") {
        c.remove("signatureToken");
    }
    patch.remove("event");
}
