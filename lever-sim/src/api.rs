//! The `/v1` API: authentication, rate limiting, routing and the generic and Lever-specific
//! behaviour of every action.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lever_spec::{BodyFormat, PerformAs, Response as SpecResponse, TypeRef};
use serde_json::{json, Map, Value};

use crate::account::Account;
use crate::error::ApiError;
use crate::query::{self, FilterCtx, Query};
use crate::routes::{self, Kind, Route};
use crate::sample::{complete, declares, sample};
use crate::state::Shared;
use crate::store::{merge, public, Obj, Store, HIDDEN};
use crate::util::lock;
use crate::webhooks::{
    self, public_webhook, PendingEvent, EVENTS_WITH_CONDITIONS, ORIGINS, TOKEN_KEY,
};

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
        if let Some(object) = shared.spec.object(name) {
            for f in &object.fields {
                match obj.get(&f.name) {
                    None if !f.optional => {
                        return Err(ApiError::bad_request(format!(
                            "Missing required field `{}`",
                            f.name
                        )))
                    }
                    Some(Value::Null) if !f.optional && !f.nullable => {
                        return Err(ApiError::bad_request(format!(
                            "Field `{}` may not be null",
                            f.name
                        )))
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(obj)
}

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

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn str_field<'o>(obj: &'o Obj, key: &str) -> Option<&'o str> {
    obj.get(key).and_then(Value::as_str)
}

fn ids(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| {
                i.as_str()
                    .or_else(|| i.get("id").and_then(Value::as_str))
                    .map(str::to_string)
            })
            .collect(),
        _ => Vec::new(),
    }
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
            let Some(parent_ty) = key.strip_prefix(&format!("{HIDDEN}parent_")) else {
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

fn execute(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    match cx.route.kind.clone() {
        Kind::Get => get(cx, store),
        Kind::List => list(cx, store, false),
        Kind::ListDeleted => list(cx, store, true),
        Kind::ListAll => list_all(cx, store),
        Kind::Create => create(cx, store),
        Kind::Update => update(cx, store),
        Kind::ObjectAction(verb) => object_action(cx, store, &verb),
        Kind::BatchUpdate => batch_update(cx, store),
        Kind::Delete => delete(cx, store),
        Kind::Other => other(cx, store),
    }
}

fn get(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
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

fn list(cx: &mut Ctx<'_>, store: &mut Store, deleted: bool) -> Result<Reply, ApiError> {
    let ty = cx.ty()?;
    let store: &Store = store;
    let items: Vec<&Obj> = if deleted {
        store.all_deleted(ty).collect()
    } else {
        store.all(ty).collect()
    };
    let items: Vec<&Obj> = items.into_iter().filter(|o| cx.parents_match(o)).collect();
    let fcx = FilterCtx {
        store,
        ty,
        declared: &cx.route.action.query,
        confidential_access: cx.shared.config.confidential_access,
        now: cx.now,
    };
    let items = query::filter(items, cx.q, &fcx)?;
    let (page, next) = query::paginate(items, cx.q, cx.max_limit())?;
    let data: Vec<Value> = page.iter().map(|&o| cx.render(store, ty, o)).collect();
    let mut body = json!({ "data": data, "hasNext": next.is_some() });
    if let Some(next) = next {
        body["next"] = json!(next);
    }
    Ok(Reply::Json(StatusCode::OK, body))
}

fn list_all(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let ty = cx.ty()?;
    let items: Vec<Obj> = store
        .all(ty)
        .filter(|o| cx.parents_match(o))
        .cloned()
        .collect();
    let fcx = FilterCtx {
        store,
        ty,
        declared: &cx.route.action.query,
        confidential_access: cx.shared.config.confidential_access,
        now: cx.now,
    };
    let mut items = query::filter(items, cx.q, &fcx)?;
    items.sort_by_key(query::sort_key);
    let data: Vec<Value> = items.iter().map(|o| cx.render(store, ty, o)).collect();
    Ok(cx.reply(StatusCode::OK, Value::Array(data)))
}

fn create(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let ty = cx.ty()?.to_string();
    if ty == "Opportunity" {
        let body = cx.body.clone();
        let (opp, deduped) = create_opportunity(cx, store, &body)?;
        let data = cx.render(store, &ty, &opp);
        return Ok(Reply::Json(
            StatusCode::CREATED,
            json!({ "deduped": deduped, "data": data }),
        ));
    }
    if ty == cx.shared.webhook_type {
        return create_webhook(cx, store);
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
    let actor = cx.perform_as.clone().map_or(Value::Null, Value::String);
    match ty {
        "Posting" => {
            if obj.get("state").is_none_or(Value::is_null) {
                obj.insert("state".into(), json!("draft"));
            }
            if str_field(&obj, "confidentiality") == Some("confidential") {
                return Err(ApiError::bad_request(
                    "Confidential postings cannot be created through the API",
                ));
            }
            cx.set_default(ty, &mut obj, "confidentiality", json!("non-confidential"));
            cx.set_default(
                ty,
                &mut obj,
                "distributionChannels",
                json!(["public", "internal"]),
            );
            cx.set_default(ty, &mut obj, "user", actor.clone());
            cx.set_default(ty, &mut obj, "owner", actor.clone());
            cx.set_default(ty, &mut obj, "hiringManager", Value::Null);
            cx.set_default(
                ty,
                &mut obj,
                "followers",
                json!(cx.perform_as.iter().collect::<Vec<_>>()),
            );
            cx.set_default(ty, &mut obj, "categories", json!({}));
            cx.set_default(ty, &mut obj, "tags", json!([]));
            cx.set_default(ty, &mut obj, "requisitionCodes", json!([]));
            cx.set_default(ty, &mut obj, "reqCode", Value::Null);
            cx.set_default(ty, &mut obj, "workplaceType", json!("unspecified"));
            cx.set_default(ty, &mut obj, "country", json!("US"));
            cx.set_default(
                ty,
                &mut obj,
                "urls",
                json!({
                    "list": "https://jobs.lever.co/sim",
                    "show": format!("https://jobs.lever.co/sim/{id}"),
                    "apply": format!("https://jobs.lever.co/sim/{id}/apply"),
                }),
            );
        }
        "User" => {
            cx.set_default(ty, &mut obj, "accessRole", json!("interviewer"));
            cx.set_default(ty, &mut obj, "deactivatedAt", Value::Null);
            cx.set_default(ty, &mut obj, "photo", Value::Null);
            let username = str_field(&obj, "email")
                .and_then(|e| e.split('@').next())
                .unwrap_or_default()
                .to_string();
            cx.set_default(ty, &mut obj, "username", json!(username));
        }
        _ => {
            for key in ["user", "creator"] {
                cx.set_default(ty, &mut obj, key, actor.clone());
            }
        }
    }
    complete(&spec, ty, &mut obj, &mut store.rng, cx.now, 0);
    store.put(ty, obj.clone());
    if ty == "Interview" {
        let data = interview_event_data(cx, store, &obj);
        cx.emit("interviewCreated", data, None);
    }
    Ok(obj)
}

fn interview_event_data(cx: &Ctx<'_>, store: &Store, interview: &Obj) -> Value {
    let opp_id = interview
        .get(&crate::store::parent_key("Opportunity"))
        .or_else(|| interview.get("opportunityId"))
        .cloned()
        .unwrap_or(Value::Null);
    let contact = opp_id
        .as_str()
        .and_then(|id| store.get("Opportunity", id))
        .and_then(|o| o.get("contact").cloned())
        .unwrap_or(Value::Null);
    let _ = cx;
    json!({
        "interviewId": interview.get("id"),
        "panelId": interview.get("panel"),
        "opportunityId": opp_id,
        "contactId": contact,
    })
}

fn create_webhook(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
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

/// POST /opportunities: dedupe or create the contact, create the application, fire events.
fn create_opportunity(
    cx: &mut Ctx<'_>,
    store: &mut Store,
    body: &Obj,
) -> Result<(Obj, bool), ApiError> {
    let spec = Arc::clone(&cx.shared.spec);
    let postings = strings(body.get("postings"));
    if postings.len() > 1 {
        return Err(ApiError::bad_request(
            "An opportunity can be created for at most one posting",
        ));
    }
    let posting =
        match postings.first() {
            Some(p) => Some(store.get("Posting", p).cloned().ok_or_else(|| {
                ApiError::bad_request(format!("There is no posting with ID {p}"))
            })?),
            None => None,
        };
    let stage = match str_field(body, "stage") {
        Some(s) => {
            if store.count("Stage") > 0 && store.get("Stage", s).is_none() {
                return Err(ApiError::bad_request(format!(
                    "There is no stage with ID {s}"
                )));
            }
            s.to_string()
        }
        None => {
            if posting.is_some() && store.get("Stage", "applicant-new").is_some() {
                "applicant-new".to_string()
            } else {
                "lead-new".to_string()
            }
        }
    };
    let archived = match body.get("archived") {
        Some(Value::Object(a)) => {
            let reason = str_field(a, "reason")
                .ok_or_else(|| ApiError::bad_request("archived.reason is required"))?;
            if store.count("ArchiveReason") > 0 && store.get("ArchiveReason", reason).is_none() {
                return Err(ApiError::bad_request(format!(
                    "There is no archive reason with ID {reason}"
                )));
            }
            let at = a.get("archivedAt").and_then(query::as_ms).unwrap_or(cx.now);
            json!({ "archivedAt": at, "reason": reason })
        }
        _ => Value::Null,
    };
    let emails = strings(body.get("emails"));
    let phones = body.get("phones").cloned().unwrap_or_else(|| json!([]));
    let links = strings(body.get("links"));
    let location = str_field(body, "location").unwrap_or_default().to_string();
    let actor = cx.perform_as.clone().unwrap_or_default();

    // The contact: given, deduped by email, or new.
    let mut deduped = false;
    let existing_contact: Option<String> = store
        .all("Contact")
        .find(|c| {
            strings(c.get("emails"))
                .iter()
                .any(|have| emails.iter().any(|e| e.eq_ignore_ascii_case(have)))
        })
        .and_then(|c| str_field(c, "id"))
        .map(str::to_string);
    let contact_id = if let Some(cid) = str_field(body, "contact") {
        let contact = store
            .get_mut("Contact", cid)
            .ok_or_else(|| ApiError::bad_request(format!("There is no contact with ID {cid}")))?;
        add_unique(
            contact,
            "emails",
            &emails.iter().map(|e| json!(e)).collect::<Vec<_>>(),
        );
        if let Value::Array(p) = &phones {
            add_unique(contact, "phones", p);
        }
        cid.to_string()
    } else if let Some(existing) = existing_contact {
        deduped = true;
        existing
    } else {
        let id = store.rng.uuid();
        let mut contact = Map::new();
        contact.insert("id".into(), json!(id));
        contact.insert(
            "name".into(),
            json!(str_field(body, "name").unwrap_or_default()),
        );
        contact.insert(
            "headline".into(),
            json!(str_field(body, "headline").unwrap_or_default()),
        );
        contact.insert("location".into(), json!({ "name": location }));
        contact.insert("emails".into(), json!(emails));
        contact.insert("phones".into(), phones.clone());
        contact.insert("isAnonymized".into(), json!(false));
        contact.insert("createdAt".into(), json!(cx.now));
        complete(&spec, "Contact", &mut contact, &mut store.rng, cx.now, 0);
        store.put("Contact", contact);
        cx.emit("contactCreated", json!({ "contactId": id }), None);
        id
    };
    let contact = store
        .get("Contact", &contact_id)
        .cloned()
        .unwrap_or_default();
    let name = if deduped {
        str_field(&contact, "name").unwrap_or_default().to_string()
    } else {
        str_field(body, "name")
            .or_else(|| str_field(&contact, "name"))
            .unwrap_or_default()
            .to_string()
    };
    let owner = str_field(body, "owner")
        .map(str::to_string)
        .or_else(|| {
            let by_posting = body
                .get("perform_as_posting_owner")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                || cx.q.first("perform_as_posting_owner") == Some("true");
            if by_posting {
                posting
                    .as_ref()
                    .and_then(|p| str_field(p, "owner"))
                    .map(str::to_string)
            } else {
                None
            }
        })
        .or_else(|| cx.perform_as.clone());
    let mut followers: Vec<String> = cx.perform_as.iter().cloned().collect();
    for f in strings(body.get("followers")) {
        if !followers.contains(&f) {
            followers.push(f);
        }
    }
    let created_at = body
        .get("createdAt")
        .and_then(query::as_ms)
        .filter(|t| *t <= cx.now)
        .unwrap_or(cx.now);
    let origin = str_field(body, "origin")
        .map(str::to_string)
        .unwrap_or_else(|| {
            if posting.is_some() {
                "applied"
            } else {
                "sourced"
            }
            .to_string()
        });
    let id = store.rng.uuid();
    let stage_index = stage_index(store, &stage);
    let mut opp = Map::new();
    opp.insert("id".into(), json!(id));
    opp.insert("name".into(), json!(name));
    opp.insert(
        "headline".into(),
        json!(str_field(body, "headline").unwrap_or_default()),
    );
    opp.insert("contact".into(), json!(contact_id));
    let contact_emails = strings(contact.get("emails"));
    opp.insert(
        "emails".into(),
        json!(if deduped || emails.is_empty() {
            contact_emails
        } else {
            emails.clone()
        }),
    );
    opp.insert("phones".into(), phones.clone());
    let confidentiality = posting
        .as_ref()
        .and_then(|p| str_field(p, "confidentiality"))
        .unwrap_or("non-confidential");
    opp.insert("confidentiality".into(), json!(confidentiality));
    opp.insert("location".into(), json!(location));
    opp.insert("links".into(), json!(links));
    opp.insert("createdAt".into(), json!(created_at));
    opp.insert("updatedAt".into(), json!(cx.now));
    opp.insert("lastInteractionAt".into(), json!(cx.now));
    opp.insert("lastAdvancedAt".into(), json!(created_at));
    opp.insert("snoozedUntil".into(), Value::Null);
    opp.insert("archived".into(), archived);
    opp.insert("stage".into(), json!(stage));
    opp.insert(
        "stageChanges".into(),
        json!([{ "toStageId": stage, "toStageIndex": stage_index, "userId": actor, "updatedAt": created_at }]),
    );
    opp.insert("owner".into(), json!(owner));
    opp.insert("sourcedBy".into(), json!(cx.perform_as));
    opp.insert("tags".into(), json!(strings(body.get("tags"))));
    opp.insert("sources".into(), json!(strings(body.get("sources"))));
    opp.insert("origin".into(), json!(origin));
    opp.insert("applications".into(), json!([]));
    opp.insert("followers".into(), json!(followers));
    opp.insert(
        "urls".into(),
        json!({
            "list": "https://hire.lever.co/candidates",
            "show": format!("https://hire.lever.co/candidates/{id}"),
        }),
    );
    opp.insert("dataProtection".into(), Value::Null);
    opp.insert("isAnonymized".into(), json!(false));
    if let Some(p) = &posting {
        let loc = p
            .get("categories")
            .and_then(|c| c.get("location"))
            .and_then(Value::as_str)
            .unwrap_or("unspecified");
        opp.insert("opportunityLocation".into(), json!(loc));
    }
    if let Some(p) = &posting {
        let app_id = store.rng.uuid();
        let mut app = Map::new();
        app.insert("id".into(), json!(app_id));
        app.insert("opportunityId".into(), json!(id));
        app.insert("candidateId".into(), json!(id));
        app.insert("createdAt".into(), json!(created_at));
        app.insert("type".into(), json!("posting"));
        app.insert(
            "posting".into(),
            p.get("id").cloned().unwrap_or(Value::Null),
        );
        app.insert(
            "postingOwner".into(),
            p.get("owner").cloned().unwrap_or(Value::Null),
        );
        app.insert(
            "postingHiringManager".into(),
            p.get("hiringManager").cloned().unwrap_or(Value::Null),
        );
        app.insert("user".into(), json!(cx.perform_as));
        app.insert("name".into(), json!(name));
        app.insert("email".into(), json!(emails.first()));
        app.insert(
            "phone".into(),
            phones
                .as_array()
                .and_then(|p| p.first())
                .cloned()
                .unwrap_or(Value::Null),
        );
        app.insert("company".into(), Value::Null);
        app.insert("links".into(), json!(strings(body.get("links"))));
        app.insert("comments".into(), Value::Null);
        app.insert("customQuestions".into(), json!([]));
        app.insert(
            "archived".into(),
            opp.get("archived").cloned().unwrap_or(Value::Null),
        );
        app.insert("requisitionForHire".into(), Value::Null);
        app.insert(crate::store::parent_key("Opportunity"), json!(id));
        complete(&spec, "Application", &mut app, &mut store.rng, cx.now, 0);
        store.put("Application", app);
        opp.insert("applications".into(), json!([app_id]));
        cx.emit(
            "applicationCreated",
            json!({
                "opportunityId": id,
                "applicationId": app_id,
                "contactId": contact_id,
                "candidateId": id,
                "postingId": p.get("id"),
            }),
            Some(origin.clone()),
        );
    }
    complete(&spec, "Opportunity", &mut opp, &mut store.rng, cx.now, 0);
    store.put("Opportunity", opp.clone());
    Ok((opp, deduped))
}

fn stage_index(store: &Store, stage: &str) -> usize {
    let mut stages: Vec<&Obj> = store.all("Stage").collect();
    stages.sort_by_key(|s| query::sort_key(s));
    stages
        .iter()
        .position(|s| str_field(s, "id") == Some(stage))
        .unwrap_or(0)
}

fn add_unique(obj: &mut Obj, key: &str, values: &[Value]) {
    let entry = obj.entry(key.to_string()).or_insert_with(|| json!([]));
    if !entry.is_array() {
        *entry = json!([]);
    }
    if let Value::Array(items) = entry {
        for v in values {
            if !items.contains(v) {
                items.push(v.clone());
            }
        }
    }
}

fn update(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
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
    if ty == "Contact" {
        if let Some(Value::String(loc)) = patch.get("location").cloned() {
            patch.insert("location".into(), json!({ "name": loc }));
        }
    }
    if ty == cx.shared.webhook_type {
        if let Some(Value::Object(c)) = patch.get_mut("configuration") {
            c.remove("signatureToken");
        }
        patch.remove("event");
    }
    if ty == "Posting" {
        patch.remove("confidentiality");
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
        "Interview" => {
            let data = interview_event_data(cx, store, &obj);
            cx.emit("interviewUpdated", data, None);
        }
        _ => {}
    }
    Ok(obj)
}

fn object_action(cx: &mut Ctx<'_>, store: &mut Store, verb: &str) -> Result<Reply, ApiError> {
    let ty = cx.ty()?.to_string();
    let id = cx.id().to_string();
    if store.get(&ty, &id).is_none() {
        return Err(ApiError::not_found(format!("{ty} {id} not found")));
    }
    let now = cx.now;
    let obj = match (ty.as_str(), verb) {
        ("Opportunity", "stage") => change_stage(cx, store, &id)?,
        ("Opportunity", "archived") => change_archived(cx, store, &id)?,
        ("Posting", "apply") => {
            let app = apply(cx, store, &id)?;
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
                .get_mut(&ty, &id)
                .ok_or_else(|| ApiError::not_found(format!("{ty} {id} not found")))?;
            if verb.starts_with("add") {
                add_unique(obj, &field, &values);
            } else if let Some(Value::Array(items)) = obj.get_mut(&field) {
                items.retain(|v| !values.contains(v));
            }
            obj.insert("updatedAt".into(), json!(now));
            obj.clone()
        }
        _ => {
            let patch = cx.body.clone();
            update_object(cx, store, &ty, &id, patch)?
        }
    };
    Ok(cx.reply_for(store, StatusCode::OK, &ty, &obj))
}

fn opp_event_base(opp: &Obj) -> (Value, Value, Option<String>) {
    (
        opp.get("id").cloned().unwrap_or(Value::Null),
        opp.get("contact").cloned().unwrap_or(Value::Null),
        str_field(opp, "origin").map(str::to_string),
    )
}

fn change_stage(cx: &mut Ctx<'_>, store: &mut Store, id: &str) -> Result<Obj, ApiError> {
    let to = str_field(&cx.body, "stage")
        .ok_or_else(|| ApiError::bad_request("Missing required field `stage`"))?
        .to_string();
    if store.count("Stage") > 0 && store.get("Stage", &to).is_none() {
        return Err(ApiError::bad_request(format!(
            "There is no stage with ID {to}"
        )));
    }
    let index = stage_index(store, &to);
    let now = cx.now;
    let actor = cx.perform_as.clone();
    let opp = store
        .get_mut("Opportunity", id)
        .ok_or_else(|| ApiError::not_found(format!("Opportunity {id} not found")))?;
    let from = opp.get("stage").cloned().unwrap_or(Value::Null);
    if from.as_str() == Some(to.as_str()) {
        return Ok(opp.clone());
    }
    opp.insert("stage".into(), json!(to));
    opp.insert("lastAdvancedAt".into(), json!(now));
    opp.insert("updatedAt".into(), json!(now));
    let change =
        json!({ "toStageId": to, "toStageIndex": index, "userId": actor, "updatedAt": now });
    add_unique(opp, "stageChanges", &[change]);
    let opp = opp.clone();
    let (oid, contact, origin) = opp_event_base(&opp);
    cx.emit(
        "candidateStageChange",
        json!({
            "opportunityId": oid,
            "candidateId": oid,
            "contactId": contact,
            "toStageId": to,
            "fromStageId": from,
        }),
        origin,
    );
    Ok(opp)
}

fn change_archived(cx: &mut Ctx<'_>, store: &mut Store, id: &str) -> Result<Obj, ApiError> {
    let reason = match cx.body.get("reason") {
        None => return Err(ApiError::bad_request("Missing required field `reason`")),
        Some(Value::Null) => None,
        Some(Value::String(r)) => Some(r.clone()),
        Some(_) => return Err(ApiError::bad_request("reason must be a string or null")),
    };
    let mut hired = false;
    if let Some(r) = &reason {
        match store.get("ArchiveReason", r) {
            Some(found) => hired = str_field(found, "type") == Some("hired"),
            None if store.count("ArchiveReason") > 0 => {
                return Err(ApiError::bad_request(format!(
                    "There is no archive reason with ID {r}"
                )))
            }
            None => {}
        }
    }
    let now = cx.now;
    let to = match &reason {
        Some(r) => json!({ "archivedAt": now, "reason": r }),
        None => Value::Null,
    };
    let opp = store
        .get_mut("Opportunity", id)
        .ok_or_else(|| ApiError::not_found(format!("Opportunity {id} not found")))?;
    let from = opp.get("archived").cloned().unwrap_or(Value::Null);
    opp.insert("archived".into(), to.clone());
    opp.insert("updatedAt".into(), json!(now));
    let opp = opp.clone();
    for app_id in ids(opp.get("applications")) {
        if let Some(app) = store.get_mut("Application", &app_id) {
            app.insert("archived".into(), to.clone());
        }
    }
    let (oid, contact, origin) = opp_event_base(&opp);
    cx.emit(
        "candidateArchiveChange",
        json!({
            "opportunityId": oid,
            "candidateId": oid,
            "contactId": contact,
            "fromArchived": from,
            "toArchived": to,
        }),
        origin.clone(),
    );
    if hired {
        cx.emit(
            "candidateHired",
            json!({ "opportunityId": oid, "candidateId": oid, "contactId": contact }),
            origin,
        );
    }
    Ok(opp)
}

/// POST /postings/{posting}/apply: a new opportunity with an application to the posting.
fn apply(cx: &mut Ctx<'_>, store: &mut Store, posting_id: &str) -> Result<Obj, ApiError> {
    let state = store
        .get("Posting", posting_id)
        .and_then(|p| str_field(p, "state"))
        .unwrap_or_default()
        .to_string();
    if !matches!(state.as_str(), "published" | "internal") {
        return Err(ApiError::bad_request(
            "Applications are accepted only for published or internal postings",
        ));
    }
    let mut fields: HashMap<String, Value> = HashMap::new();
    if let Some(Value::Array(info)) = cx.body.get("personalInformation") {
        for item in info {
            if let (Some(name), Some(value)) =
                (item.get("name").and_then(Value::as_str), item.get("value"))
            {
                fields.insert(name.to_string(), value.clone());
            }
        }
    }
    let mut body = Map::new();
    if let Some(v) = fields.get("fullName") {
        body.insert("name".into(), v.clone());
    }
    if let Some(Value::String(e)) = fields.get("email") {
        body.insert("emails".into(), json!([e]));
    }
    if let Some(Value::String(p)) = fields.get("phone") {
        body.insert("phones".into(), json!([{ "type": "mobile", "value": p }]));
    }
    body.insert("postings".into(), json!([posting_id]));
    let origin = str_field(&cx.body, "origin")
        .unwrap_or("applied")
        .to_string();
    body.insert("origin".into(), json!(origin));
    let (opp, _) = create_opportunity(cx, store, &body)?;
    let app_id = ids(opp.get("applications"))
        .into_iter()
        .next()
        .unwrap_or_default();
    store
        .get("Application", &app_id)
        .cloned()
        .ok_or_else(|| ApiError::internal("the application was not stored"))
}

fn batch_update(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
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

fn delete(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
    let ty = cx.ty()?.to_string();
    if cx.route.id_param.is_none() {
        return Ok(Reply::Empty);
    }
    let id = cx.id().to_string();
    if !store.get(&ty, &id).is_some_and(|o| cx.parents_match(o)) {
        return Err(ApiError::not_found(format!("{ty} {id} not found")));
    }
    let actor = cx.perform_as.clone();
    let events = delete_object(cx.shared, store, &ty, &id, actor, cx.now);
    cx.events.extend(events);
    Ok(Reply::Empty)
}

/// Removes an object, keeps it in the deleted list with `deletedAt`/`deletedBy`, and returns
/// the events the deletion fires.
pub(crate) fn delete_object(
    shared: &Shared,
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
    let mut events = Vec::new();
    match ty {
        "Opportunity" => events.push(PendingEvent {
            event: "candidateDeleted".into(),
            data: json!({
                "opportunityId": id,
                "candidateId": id,
                "contactId": obj.get("contact"),
                "deletedBy": actor,
            }),
            origin: None,
        }),
        "Interview" => {
            let opp_id = obj
                .get(&crate::store::parent_key("Opportunity"))
                .cloned()
                .unwrap_or(Value::Null);
            let contact = opp_id
                .as_str()
                .and_then(|o| store.get("Opportunity", o))
                .and_then(|o| o.get("contact").cloned())
                .unwrap_or(Value::Null);
            events.push(PendingEvent {
                event: "interviewDeleted".into(),
                data: json!({
                    "interviewId": id,
                    "panelId": obj.get("panel"),
                    "opportunityId": opp_id,
                    "contactId": contact,
                }),
                origin: None,
            });
        }
        _ => {}
    }
    let _ = shared;
    events
}

fn other(cx: &mut Ctx<'_>, store: &mut Store) -> Result<Reply, ApiError> {
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
