//! The triggers registry: names, sources, and poll rules checked against their list action.

use std::collections::BTreeMap;

use crate::ast::{self, Document, Spanned};
use crate::diag::{did_you_mean, Sink};
use crate::model::*;
use crate::naming;

use super::names::{check_ident, Namespace};
use super::trigger_scopes::check_trigger_scopes;

pub(super) fn resolve_triggers(
    doc: &Document,
    spec: &Spec,
    sink: &mut Sink,
) -> BTreeMap<String, TriggerDef> {
    let mut out = BTreeMap::new();
    let mut trigger_variants = Namespace::default();
    for trigger in &doc.triggers {
        let name = &trigger.name;
        if !naming::is_snake_case(&name.value) {
            sink.error_help(
                &name.location,
                &name.path,
                format!("trigger name `{}` is not snake_case", name.value),
                format!("rename it to `{}`", naming::field_name(&name.value)),
            );
        } else {
            let variant = naming::pascal(&name.value);
            if check_ident(sink, name, "trigger name", &variant) {
                trigger_variants.claim(sink, name, "trigger", variant);
            }
        }
        let title = match &trigger.title {
            Some(t) => t.value.clone(),
            None => {
                sink.error_help(
                    &name.location,
                    &name.path,
                    format!("trigger `{}` is missing `title`", name.value),
                    "add a human title, e.g. `title: Posting Updated`",
                );
                String::new()
            }
        };
        for event in &trigger.webhook {
            if !spec.events.contains_key(&event.value) {
                sink.unresolved(
                    &event.location,
                    &event.path,
                    format!("unknown webhook event `{}`", event.value),
                    did_you_mean(&event.value, spec.events.keys().map(String::as_str)),
                );
            }
        }
        let poll = trigger
            .poll
            .as_ref()
            .and_then(|p| resolve_poll(p, spec, sink));
        check_trigger_scopes(trigger, poll.as_ref(), spec, sink);
        if trigger.webhook.is_empty() && trigger.poll.is_none() {
            sink.error_help(
                &name.location,
                &name.path,
                format!("trigger `{}` has no source", name.value),
                "add `webhook: [eventName]`, `poll: {...}`, or both",
            );
        }
        out.insert(
            name.value.clone(),
            TriggerDef {
                name: name.value.clone(),
                title,
                description: trigger.description.clone().unwrap_or_default(),
                webhook: trigger.webhook.iter().map(|e| e.value.clone()).collect(),
                poll,
                scopes: trigger.scopes.iter().map(|s| s.value.clone()).collect(),
                experimental: trigger.experimental,
                location: name.location.clone(),
            },
        );
    }
    out
}

fn resolve_poll(poll: &ast::PollAst, spec: &Spec, sink: &mut Sink) -> Option<PollRule> {
    let require = |sink: &mut Sink, field: &Option<Spanned<String>>, key: &str| {
        if field.is_none() {
            sink.error_help(
                &poll.location,
                &poll.path,
                format!("poll rule is missing `{key}`"),
                "a poll rule needs `action`, `since`, `cursor` and `emit`",
            );
        }
    };
    require(sink, &poll.action, "action");
    require(sink, &poll.since, "since");
    require(sink, &poll.cursor, "cursor");
    require(sink, &poll.emit, "emit");
    let action_ref = poll.action.as_ref()?;
    let action = poll_action(action_ref, spec, sink)?;
    let since = poll.since.as_ref()?;
    check_query_params(
        action,
        &action_ref.value,
        std::iter::once(since).chain(poll.query.iter().map(|(name, _)| name)),
        sink,
    );
    let item = match &action.response {
        Response::Data(TypeRef::Named(item)) => spec.object(item),
        _ => None,
    }?;
    let cursor = poll.cursor.as_ref()?;
    check_timestamp_field(item, &action_ref.value, cursor, sink);
    if let Some(created) = &poll.created_field {
        check_timestamp_field(item, &action_ref.value, created, sink);
    }
    let emit = poll_emit(poll, sink)?;
    Some(PollRule {
        resource: action.resource.clone(),
        action: action.name.clone(),
        since: since.value.clone(),
        cursor: cursor.value.clone(),
        created_field: poll.created_field.as_ref().map(|f| f.value.clone()),
        emit,
        fixed_query: poll
            .query
            .iter()
            .map(|(k, v)| (k.value.clone(), v.clone()))
            .collect(),
    })
}

/// The paginated list action a poll rule names as `resource.action`.
fn poll_action<'s>(
    action_ref: &Spanned<String>,
    spec: &'s Spec,
    sink: &mut Sink,
) -> Option<&'s Action> {
    let Some((resource, action_name)) = action_ref.value.split_once('.') else {
        sink.error_help(
            &action_ref.location,
            &action_ref.path,
            format!("`{}` does not name an action", action_ref.value),
            "write `resource.action`, e.g. `postings.list`",
        );
        return None;
    };
    let Some(action) = spec.action(resource, action_name) else {
        let all: Vec<String> = spec.actions().map(|(_, a)| a.full_name()).collect();
        sink.unresolved(
            &action_ref.location,
            &action_ref.path,
            format!("unknown action `{}`", action_ref.value),
            did_you_mean(&action_ref.value, all.iter().map(String::as_str)),
        );
        return None;
    };
    if !action.paginated {
        sink.error(
            &action_ref.location,
            &action_ref.path,
            format!("`{}` is not a paginated list action", action_ref.value),
        );
        return None;
    }
    Some(action)
}

/// Each of `names` (the checkpoint parameter, then the fixed ones) is a query parameter of
/// the polled action.
fn check_query_params<'n>(
    action: &Action,
    shown_as: &str,
    names: impl Iterator<Item = &'n Spanned<String>>,
    sink: &mut Sink,
) {
    for name in names {
        if action.query_param(&name.value).is_none() {
            sink.error_maybe_help(
                &name.location,
                &name.path,
                format!("`{shown_as}` has no query parameter `{}`", name.value),
                did_you_mean(&name.value, action.query.iter().map(|p| p.name.as_str())),
            );
        }
    }
}

/// A field the poll reads from each item exists and is a timestamp.
fn check_timestamp_field(
    item: &ObjectType,
    shown_as: &str,
    field: &Spanned<String>,
    sink: &mut Sink,
) {
    match item.field(&field.value) {
        Some(f) if f.ty == TypeRef::Timestamp => {}
        Some(f) => sink.error(
            &field.location,
            &field.path,
            format!("field `{}` is `{}`, not a timestamp", field.value, f.ty),
        ),
        None => sink.unresolved(
            &field.location,
            &field.path,
            format!("the items of `{shown_as}` have no field `{}`", field.value),
            did_you_mean(&field.value, item.fields.iter().map(|f| f.name.as_str())),
        ),
    }
}

/// Which items fire the trigger; all but `all` need `created_field`.
fn poll_emit(poll: &ast::PollAst, sink: &mut Sink) -> Option<PollEmit> {
    let emit_ref = poll.emit.as_ref()?;
    let emit = match emit_ref.value.as_str() {
        "created" => PollEmit::Created,
        "updated" => PollEmit::Updated,
        "all" => PollEmit::All,
        other => {
            sink.error_maybe_help(
                &emit_ref.location,
                &emit_ref.path,
                format!("unknown poll `emit` value `{other}`"),
                did_you_mean(other, ["created", "updated", "all"])
                    .or_else(|| Some("use `created`, `updated` or `all`".into())),
            );
            return None;
        }
    };
    if emit != PollEmit::All && poll.created_field.is_none() {
        sink.error_help(
            &emit_ref.location,
            &emit_ref.path,
            format!(
                "`emit: {}` needs `created_field` to tell created from updated",
                emit_ref.value
            ),
            "add `created_field: createdAt`",
        );
    }
    Some(emit)
}
