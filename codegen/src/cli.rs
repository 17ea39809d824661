//! What the `check` and `list` commands print.

use lever_spec::{Spec, TriggerDef};
use serde_json::{json, Value};

/// The one-line summary `check` prints for a valid spec.
pub fn summary(spec: &Spec) -> String {
    format!(
        "spec ok: {} resources, {} actions, {} types, {} webhook events, {} triggers",
        spec.resources.len(),
        spec.actions().count(),
        spec.types.len(),
        spec.events.len(),
        spec.triggers.len()
    )
}

fn source_json(trigger: &TriggerDef) -> Value {
    json!({
        "webhook": trigger.webhook,
        "poll": trigger.poll.as_ref().map(|p| json!({
            "action": format!("{}.{}", p.resource, p.action),
            "since": p.since,
            "cursor": p.cursor,
            "emit": p.emit.as_str(),
        })),
    })
}

/// Every action, event and trigger as pretty-printed JSON.
pub fn list_json(spec: &Spec) -> String {
    let actions: Vec<Value> = spec
        .actions()
        .map(|(resource, action)| {
            json!({
                "resource": resource.name,
                "name": action.name,
                "title": action.title,
                "method": action.method.as_str(),
                "path": action.path,
                "paginated": action.paginated,
                "scopes": action.scopes,
            })
        })
        .collect();
    let events: Vec<Value> = spec
        .events
        .values()
        .map(|event| json!({ "name": event.name, "data": event.data }))
        .collect();
    let triggers: Vec<Value> = spec
        .triggers
        .values()
        .map(|trigger| {
            json!({
                "name": trigger.name,
                "title": trigger.title,
                "source": source_json(trigger),
            })
        })
        .collect();
    let value = json!({ "actions": actions, "events": events, "triggers": triggers });
    // Serialising a `Value` built from strings and numbers cannot fail.
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// Every action, event and trigger as aligned text.
pub fn list_table(spec: &Spec) -> String {
    let mut out = String::from("ACTIONS\n");
    for (resource, action) in spec.actions() {
        out.push_str(&format!(
            "  {:<40} {:<6} {:<55} {}\n",
            format!("{}.{}", resource.name, action.name),
            action.method.as_str(),
            action.path,
            action.title
        ));
    }
    out.push_str("EVENTS\n");
    for event in spec.events.values() {
        out.push_str(&format!("  {:<28} data: {}\n", event.name, event.data));
    }
    out.push_str("TRIGGERS\n");
    for trigger in spec.triggers.values() {
        let mut sources = Vec::new();
        if !trigger.webhook.is_empty() {
            sources.push(format!("webhook {}", trigger.webhook.join(", ")));
        }
        if let Some(poll) = &trigger.poll {
            sources.push(format!(
                "poll {}.{} ({})",
                poll.resource,
                poll.action,
                poll.emit.as_str()
            ));
        }
        out.push_str(&format!(
            "  {:<28} {:<28} {}\n",
            trigger.name,
            trigger.title,
            sources.join("; ")
        ));
    }
    out
}
