//! Lever's opportunity behaviours: creating one (the contact deduped by email or created, an
//! application for the posting, the events), stage and archive changes, and applying to a
//! posting.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::events::candidate_base;
use super::fields::{add_unique, ids, str_field, strings};
use super::Ctx;
use crate::error::ApiError;
use crate::query;
use crate::sample::complete;
use crate::store::{parent_key, Obj, Store};

/// What a create body says about the candidate, checked against the store.
struct Draft {
    posting: Option<Obj>,
    stage: String,
    archived: Value,
    emails: Vec<String>,
    phones: Value,
    location: String,
    /// When the candidate entered the pipeline (the body's `createdAt` if not in the future).
    created_at: i64,
    origin: String,
}

/// The contact a new opportunity belongs to.
struct ContactChoice {
    id: String,
    /// The stored contact, after the create changed it.
    contact: Obj,
    /// Whether an existing contact was found by email.
    deduped: bool,
}

/// POST /opportunities (and the opportunity of an application): dedupes or creates the
/// contact, creates the opportunity and, for a posting, its application, and fires the
/// events. Returns the stored opportunity and whether the contact was deduped.
pub(super) fn create(
    cx: &mut Ctx<'_>,
    store: &mut Store,
    body: &Obj,
) -> Result<(Obj, bool), ApiError> {
    let draft = draft(cx, store, body)?;
    let contact = choose_contact(cx, store, body, &draft)?;
    let mut opp = new_opportunity(cx, store, body, &draft, &contact);
    if let Some(posting) = &draft.posting {
        let app_id = create_application(cx, store, body, &draft, &opp, posting);
        opp.insert("applications".into(), json!([app_id]));
        cx.emit(
            "applicationCreated",
            json!({
                "opportunityId": opp.get("id"),
                "applicationId": app_id,
                "contactId": contact.id,
                "candidateId": opp.get("id"),
                "postingId": posting.get("id"),
            }),
            Some(draft.origin.clone()),
        );
    }
    let spec = Arc::clone(&cx.shared.spec);
    complete(&spec, "Opportunity", &mut opp, &mut store.rng, cx.now, 0);
    store.put("Opportunity", opp.clone());
    Ok((opp, contact.deduped))
}

/// Reads and checks the body's posting (at most one), stage, archive state and details.
fn draft(cx: &Ctx<'_>, store: &Store, body: &Obj) -> Result<Draft, ApiError> {
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
    let stage = initial_stage(store, body, posting.is_some())?;
    let archived = initial_archive(store, body, cx.now)?;
    let created_at = body
        .get("createdAt")
        .and_then(query::as_ms)
        .filter(|t| *t <= cx.now)
        .unwrap_or(cx.now);
    let origin = match str_field(body, "origin") {
        Some(o) => o.to_string(),
        None if posting.is_some() => "applied".to_string(),
        None => "sourced".to_string(),
    };
    Ok(Draft {
        posting,
        stage,
        archived,
        emails: strings(body.get("emails")),
        phones: body.get("phones").cloned().unwrap_or_else(|| json!([])),
        location: str_field(body, "location").unwrap_or_default().to_string(),
        created_at,
        origin,
    })
}

/// The body's stage, else Lever's first stage for an applicant or a lead.
fn initial_stage(store: &Store, body: &Obj, for_posting: bool) -> Result<String, ApiError> {
    match str_field(body, "stage") {
        Some(s) => {
            if store.count("Stage") > 0 && store.get("Stage", s).is_none() {
                return Err(ApiError::bad_request(format!(
                    "There is no stage with ID {s}"
                )));
            }
            Ok(s.to_string())
        }
        None if for_posting && store.get("Stage", "applicant-new").is_some() => {
            Ok("applicant-new".to_string())
        }
        None => Ok("lead-new".to_string()),
    }
}

/// The body's `archived` (`{reason, archivedAt}`, the time defaulting to now), else null.
fn initial_archive(store: &Store, body: &Obj, now: i64) -> Result<Value, ApiError> {
    let Some(Value::Object(a)) = body.get("archived") else {
        return Ok(Value::Null);
    };
    let reason = str_field(a, "reason")
        .ok_or_else(|| ApiError::bad_request("archived.reason is required"))?;
    if store.count("ArchiveReason") > 0 && store.get("ArchiveReason", reason).is_none() {
        return Err(ApiError::bad_request(format!(
            "There is no archive reason with ID {reason}"
        )));
    }
    let at = a.get("archivedAt").and_then(query::as_ms).unwrap_or(now);
    Ok(json!({ "archivedAt": at, "reason": reason }))
}

/// The contact the body names (given the new emails and phones), else the one with one of
/// the body's emails, else a new one (which fires `contactCreated`).
fn choose_contact(
    cx: &mut Ctx<'_>,
    store: &mut Store,
    body: &Obj,
    draft: &Draft,
) -> Result<ContactChoice, ApiError> {
    let by_email: Option<String> = store
        .all("Contact")
        .find(|c| {
            strings(c.get("emails"))
                .iter()
                .any(|have| draft.emails.iter().any(|e| e.eq_ignore_ascii_case(have)))
        })
        .and_then(|c| str_field(c, "id"))
        .map(str::to_string);
    let mut deduped = false;
    let id = if let Some(cid) = str_field(body, "contact") {
        let contact = store
            .get_mut("Contact", cid)
            .ok_or_else(|| ApiError::bad_request(format!("There is no contact with ID {cid}")))?;
        let emails: Vec<Value> = draft.emails.iter().map(|e| json!(e)).collect();
        add_unique(contact, "emails", &emails);
        if let Value::Array(p) = &draft.phones {
            add_unique(contact, "phones", p);
        }
        cid.to_string()
    } else if let Some(existing) = by_email {
        deduped = true;
        existing
    } else {
        let id = new_contact(cx, store, body, draft);
        cx.emit("contactCreated", json!({ "contactId": id }), None);
        id
    };
    let contact = store.get("Contact", &id).cloned().unwrap_or_default();
    Ok(ContactChoice {
        id,
        contact,
        deduped,
    })
}

/// Stores a contact made from the body; returns its ID.
fn new_contact(cx: &Ctx<'_>, store: &mut Store, body: &Obj, draft: &Draft) -> String {
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
    contact.insert("location".into(), json!({ "name": draft.location }));
    contact.insert("emails".into(), json!(draft.emails));
    contact.insert("phones".into(), draft.phones.clone());
    contact.insert("isAnonymized".into(), json!(false));
    contact.insert("createdAt".into(), json!(cx.now));
    let spec = Arc::clone(&cx.shared.spec);
    complete(&spec, "Contact", &mut contact, &mut store.rng, cx.now, 0);
    store.put("Contact", contact);
    id
}

/// The candidate's name: a deduped contact's, else the body's, else the contact's.
fn candidate_name(body: &Obj, contact: &ContactChoice) -> String {
    let name = if contact.deduped {
        str_field(&contact.contact, "name")
    } else {
        str_field(body, "name").or_else(|| str_field(&contact.contact, "name"))
    };
    name.unwrap_or_default().to_string()
}

/// The owner: the body's, else the posting's when `perform_as_posting_owner`, else the
/// acting user.
fn owner(cx: &Ctx<'_>, body: &Obj, posting: Option<&Obj>) -> Option<String> {
    let by_posting = body
        .get("perform_as_posting_owner")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || cx.q.first("perform_as_posting_owner") == Some("true");
    str_field(body, "owner")
        .or_else(|| {
            posting
                .filter(|_| by_posting)
                .and_then(|p| str_field(p, "owner"))
        })
        .map(str::to_string)
        .or_else(|| cx.perform_as.clone())
}

/// The opportunity's fields (not yet stored, without its application).
fn new_opportunity(
    cx: &Ctx<'_>,
    store: &mut Store,
    body: &Obj,
    draft: &Draft,
    contact: &ContactChoice,
) -> Obj {
    let mut followers: Vec<String> = cx.perform_as.iter().cloned().collect();
    for f in strings(body.get("followers")) {
        if !followers.contains(&f) {
            followers.push(f);
        }
    }
    let emails = if contact.deduped || draft.emails.is_empty() {
        strings(contact.contact.get("emails"))
    } else {
        draft.emails.clone()
    };
    let posting = draft.posting.as_ref();
    let confidentiality = posting
        .and_then(|p| str_field(p, "confidentiality"))
        .unwrap_or("non-confidential");
    let id = store.rng.uuid();
    let stage_change = json!({
        "toStageId": draft.stage,
        "toStageIndex": stage_index(store, &draft.stage),
        "userId": cx.perform_as.clone().unwrap_or_default(),
        "updatedAt": draft.created_at,
    });
    let mut opp = Map::new();
    opp.insert("id".into(), json!(id));
    opp.insert("name".into(), json!(candidate_name(body, contact)));
    opp.insert(
        "headline".into(),
        json!(str_field(body, "headline").unwrap_or_default()),
    );
    opp.insert("contact".into(), json!(contact.id));
    opp.insert("emails".into(), json!(emails));
    opp.insert("phones".into(), draft.phones.clone());
    opp.insert("confidentiality".into(), json!(confidentiality));
    opp.insert("location".into(), json!(draft.location));
    opp.insert("links".into(), json!(strings(body.get("links"))));
    opp.insert("createdAt".into(), json!(draft.created_at));
    opp.insert("updatedAt".into(), json!(cx.now));
    opp.insert("lastInteractionAt".into(), json!(cx.now));
    opp.insert("lastAdvancedAt".into(), json!(draft.created_at));
    opp.insert("snoozedUntil".into(), Value::Null);
    opp.insert("archived".into(), draft.archived.clone());
    opp.insert("stage".into(), json!(draft.stage));
    opp.insert("stageChanges".into(), json!([stage_change]));
    opp.insert("owner".into(), json!(owner(cx, body, posting)));
    opp.insert("sourcedBy".into(), json!(cx.perform_as));
    opp.insert("tags".into(), json!(strings(body.get("tags"))));
    opp.insert("sources".into(), json!(strings(body.get("sources"))));
    opp.insert("origin".into(), json!(draft.origin));
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
    if let Some(p) = posting {
        let loc = p
            .get("categories")
            .and_then(|c| c.get("location"))
            .and_then(Value::as_str)
            .unwrap_or("unspecified");
        opp.insert("opportunityLocation".into(), json!(loc));
    }
    opp
}

/// Stores the application of new opportunity `opp` to `posting`; returns its ID.
fn create_application(
    cx: &Ctx<'_>,
    store: &mut Store,
    body: &Obj,
    draft: &Draft,
    opp: &Obj,
    posting: &Obj,
) -> String {
    let field = |obj: &Obj, key: &str| obj.get(key).cloned().unwrap_or(Value::Null);
    let opp_id = field(opp, "id");
    let app_id = store.rng.uuid();
    let mut app = Map::new();
    app.insert("id".into(), json!(app_id));
    app.insert("opportunityId".into(), opp_id.clone());
    app.insert("candidateId".into(), opp_id.clone());
    app.insert("createdAt".into(), json!(draft.created_at));
    app.insert("type".into(), json!("posting"));
    app.insert("posting".into(), field(posting, "id"));
    app.insert("postingOwner".into(), field(posting, "owner"));
    app.insert(
        "postingHiringManager".into(),
        field(posting, "hiringManager"),
    );
    app.insert("user".into(), json!(cx.perform_as));
    app.insert("name".into(), field(opp, "name"));
    app.insert("email".into(), json!(draft.emails.first()));
    let phone = draft.phones.as_array().and_then(|p| p.first()).cloned();
    app.insert("phone".into(), phone.unwrap_or(Value::Null));
    app.insert("company".into(), Value::Null);
    app.insert("links".into(), json!(strings(body.get("links"))));
    app.insert("comments".into(), Value::Null);
    app.insert("customQuestions".into(), json!([]));
    app.insert("archived".into(), field(opp, "archived"));
    app.insert("requisitionForHire".into(), Value::Null);
    app.insert(parent_key("Opportunity"), opp_id);
    let spec = Arc::clone(&cx.shared.spec);
    complete(&spec, "Application", &mut app, &mut store.rng, cx.now, 0);
    store.put("Application", app);
    app_id
}

/// Where `stage` stands in the pipeline (stages in creation order; 0 if unknown).
fn stage_index(store: &Store, stage: &str) -> usize {
    let mut stages: Vec<&Obj> = store.all("Stage").collect();
    stages.sort_by_key(|s| query::sort_key(s));
    stages
        .iter()
        .position(|s| str_field(s, "id") == Some(stage))
        .unwrap_or(0)
}

/// PUT /opportunities/{id}/stage: moves the opportunity (a no-op to its own stage) and
/// fires `candidateStageChange`.
pub(super) fn change_stage(cx: &mut Ctx<'_>, store: &mut Store, id: &str) -> Result<Obj, ApiError> {
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
    let (oid, contact, origin) = candidate_base(&opp);
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

/// PUT /opportunities/{id}/archived: archives (a hired reason also fires `candidateHired`)
/// or, with a null reason, restores the opportunity and its applications.
pub(super) fn change_archived(
    cx: &mut Ctx<'_>,
    store: &mut Store,
    id: &str,
) -> Result<Obj, ApiError> {
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
    let (oid, contact, origin) = candidate_base(&opp);
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
pub(super) fn apply(
    cx: &mut Ctx<'_>,
    store: &mut Store,
    posting_id: &str,
) -> Result<Obj, ApiError> {
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
    let (opp, _) = create(cx, store, &body)?;
    let app_id = ids(opp.get("applications"))
        .into_iter()
        .next()
        .unwrap_or_default();
    store
        .get("Application", &app_id)
        .cloned()
        .ok_or_else(|| ApiError::internal("the application was not stored"))
}
