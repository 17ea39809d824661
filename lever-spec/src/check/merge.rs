//! Merging documents: base files and overlays into one document, reporting redefinitions
//! and extensions of what does not exist.

use std::collections::HashMap;

use crate::ast::{Document, ResourceAst, Spanned, TypeAst, TypeAstKind};
use crate::diag::{did_you_mean, Sink};

use super::Origin;

/// Merges `doc` into `into`, reporting redefinitions and bad extensions.
pub(crate) fn merge(into: &mut Document, doc: Document, origin: Origin, sink: &mut Sink) {
    if let Some(api) = doc.api {
        match (&into.api, origin) {
            (None, Origin::Base) => into.api = Some(api),
            (_, Origin::Overlay) => {
                if let Some(location) = &api.location {
                    sink.error_help(
                        location,
                        "api",
                        "an overlay cannot change API-wide settings",
                        "remove the `api` section from the overlay",
                    );
                }
            }
            (Some(_), Origin::Base) => {
                if let Some(location) = &api.location {
                    sink.error_help(
                        location,
                        "api",
                        "`api` is defined in more than one file",
                        "keep API-wide settings in one file (api.yaml)",
                    );
                }
            }
        }
    }
    for ty in doc.types {
        merge_type(into, ty, sink);
    }
    for resource in doc.resources {
        merge_resource(into, resource, sink);
    }
    for event in doc.events {
        match into.index.events.get(&event.name.value) {
            Some(&i) => redefined(sink, &event.name, "event", &into.events[i].name),
            None => {
                into.index
                    .events
                    .insert(event.name.value.clone(), into.events.len());
                into.events.push(event);
            }
        }
    }
    for trigger in doc.triggers {
        match into.index.triggers.get(&trigger.name.value) {
            Some(&i) => redefined(sink, &trigger.name, "trigger", &into.triggers[i].name),
            None => {
                into.index
                    .triggers
                    .insert(trigger.name.value.clone(), into.triggers.len());
                into.triggers.push(trigger);
            }
        }
    }
}

fn redefined(sink: &mut Sink, name: &Spanned<String>, what: &str, first: &Spanned<String>) {
    sink.error_help(
        &name.location,
        &name.path,
        format!("{what} `{}` is defined twice", name.value),
        format!(
            "the first definition is at {}; to add to it, use `extend: true`",
            first.location
        ),
    );
}

/// A definition a later file may extend: a type or a resource.
trait Extensible {
    fn name(&self) -> &Spanned<String>;
    fn extends(&self) -> bool;
}

impl Extensible for TypeAst {
    fn name(&self) -> &Spanned<String> {
        &self.name
    }

    fn extends(&self) -> bool {
        self.extend
    }
}

impl Extensible for ResourceAst {
    fn name(&self) -> &Spanned<String> {
        &self.name
    }

    fn extends(&self) -> bool {
        self.extend
    }
}

/// Adds a new definition to `list` (and its position to `index`); for `extend: true` on an
/// existing one, returns it with the extension to merge. Reports a second definition without
/// `extend`, and an extension of nothing.
fn add_or_extend<'l, T: Extensible>(
    list: &'l mut Vec<T>,
    index: &mut HashMap<String, usize>,
    item: T,
    what: &str,
    sink: &mut Sink,
) -> Option<(&'l mut T, T)> {
    let Some(&i) = index.get(&item.name().value) else {
        if item.extends() {
            let names = list.iter().map(|t| t.name().value.as_str());
            extends_nothing(sink, item.name(), what, names);
        } else {
            index.insert(item.name().value.clone(), list.len());
            list.push(item);
        }
        return None;
    };
    let existing = list.get_mut(i)?;
    if !item.extends() {
        let first = existing.name().clone();
        redefined(sink, item.name(), what, &first);
        return None;
    }
    Some((existing, item))
}

/// Reports `extend: true` on a `what` that no earlier file defines.
fn extends_nothing<'n>(
    sink: &mut Sink,
    name: &Spanned<String>,
    what: &str,
    defined: impl Iterator<Item = &'n str>,
) {
    let help = did_you_mean(&name.value, defined)
        .unwrap_or_else(|| format!("remove `extend: true` to define a new {what}"));
    sink.unresolved(
        &name.location,
        &name.path,
        format!(
            "`extend: true` on {what} `{}`, which does not exist",
            name.value
        ),
        Some(help),
    );
}

fn merge_type(into: &mut Document, ty: TypeAst, sink: &mut Sink) {
    if let Some((existing, ty)) =
        add_or_extend(&mut into.types, &mut into.index.types, ty, "type", sink)
    {
        extend_type(existing, ty, sink);
    }
}

/// Adds an extension's fields or enum values to the type it extends (same kind only; nothing
/// that exists may be redefined).
fn extend_type(existing: &mut TypeAst, ty: TypeAst, sink: &mut Sink) {
    match (&mut existing.kind, ty.kind) {
        (TypeAstKind::Object { fields, .. }, TypeAstKind::Object { fields: added, .. }) => {
            for field in added {
                if let Some(old) = fields.iter().find(|f| f.name.value == field.name.value) {
                    let first = old.name.clone();
                    sink.error_help(
                        &field.name.location,
                        &field.name.path,
                        format!(
                            "field `{}` already exists on `{}`",
                            field.name.value, ty.name.value
                        ),
                        format!(
                            "it is defined at {}; an overlay may only add fields",
                            first.location
                        ),
                    );
                } else {
                    fields.push(field);
                }
            }
        }
        (TypeAstKind::Enum(values), TypeAstKind::Enum(added)) => {
            for value in added {
                if values.iter().any(|v| v.value.value == value.value.value) {
                    sink.error(
                        &value.location,
                        &value.path,
                        format!(
                            "enum `{}` already has the value `{}`",
                            ty.name.value, value.value.value
                        ),
                    );
                } else {
                    values.push(value);
                }
            }
        }
        (existing_kind, _) => {
            let kind = match existing_kind {
                TypeAstKind::Object { .. } => "an object: extend it with `fields`",
                TypeAstKind::Enum(_) => "an enum: extend it with `enum`",
                TypeAstKind::Id => "an ID, which cannot be extended",
            };
            sink.error_help(
                &ty.name.location,
                &ty.name.path,
                format!(
                    "cannot extend `{}` with a different kind of type",
                    ty.name.value
                ),
                format!("`{}` is {kind}", ty.name.value),
            );
        }
    }
}

fn merge_resource(into: &mut Document, resource: ResourceAst, sink: &mut Sink) {
    let Some((existing, resource)) = add_or_extend(
        &mut into.resources,
        &mut into.index.resources,
        resource,
        "resource",
        sink,
    ) else {
        return;
    };
    let mut by_name: HashMap<String, usize> = existing
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.value.clone(), i))
        .collect();
    for action in resource.actions {
        if let Some(&i) = by_name.get(&action.name.value) {
            let first = existing.actions[i].name.clone();
            redefined(sink, &action.name, "action", &first);
        } else {
            by_name.insert(action.name.value.clone(), existing.actions.len());
            existing.actions.push(action);
        }
    }
}
