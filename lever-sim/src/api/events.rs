//! The `data` of the webhook events API changes fire, where several behaviours share it.

use serde_json::{json, Value};

use super::fields::str_field;
use crate::store::{parent_key, Obj, Store};
use crate::webhooks::PendingEvent;

/// The `data` of `interviewCreated/Updated/Deleted`: the interview, its panel, and the
/// opportunity it belongs to (its parent, else its `opportunityId`) with that opportunity's
/// contact.
pub(super) fn interview_data(store: &Store, interview: &Obj) -> Value {
    let opp_id = interview
        .get(&parent_key("Opportunity"))
        .or_else(|| interview.get("opportunityId"))
        .cloned()
        .unwrap_or(Value::Null);
    let contact = opp_id
        .as_str()
        .and_then(|id| store.get("Opportunity", id))
        .and_then(|o| o.get("contact").cloned())
        .unwrap_or(Value::Null);
    json!({
        "interviewId": interview.get("id"),
        "panelId": interview.get("panel"),
        "opportunityId": opp_id,
        "contactId": contact,
    })
}

/// What every candidate event names: the opportunity's ID, its contact and its origin (for
/// `conditions.origins`).
pub(super) fn candidate_base(opp: &Obj) -> (Value, Value, Option<String>) {
    (
        opp.get("id").cloned().unwrap_or(Value::Null),
        opp.get("contact").cloned().unwrap_or(Value::Null),
        str_field(opp, "origin").map(str::to_string),
    )
}

/// The event deleting `deleted` (of type `ty`, already moved to the deleted list) fires.
pub(super) fn on_delete(
    store: &Store,
    ty: &str,
    deleted: &Obj,
    actor: Option<String>,
) -> Option<PendingEvent> {
    let (event, data) = match ty {
        "Opportunity" => {
            let id = deleted.get("id").cloned().unwrap_or(Value::Null);
            let data = json!({
                "opportunityId": id,
                "candidateId": id,
                "contactId": deleted.get("contact"),
                "deletedBy": actor,
            });
            ("candidateDeleted", data)
        }
        "Interview" => ("interviewDeleted", interview_data(store, deleted)),
        _ => return None,
    };
    Some(PendingEvent {
        event: event.to_string(),
        data,
        origin: None,
    })
}
