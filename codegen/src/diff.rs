//! What changed in the generated API between two spec versions, with breaking changes marked.
//!
//! "Breaking" means code written against the old client may stop compiling or a response that
//! decoded before may stop decoding: a removed item, a changed type, a field that became
//! required, a removed enum value, and so on.

use std::collections::BTreeMap;
use std::fmt::Display;

use lever_spec::{Action, Field, PerformAs, Spec, TypeKind};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Whether existing user code may stop compiling or decoding.
    pub breaking: bool,
    /// What changed.
    pub description: String,
}

struct Changes(Vec<Change>);

impl Changes {
    fn breaking(&mut self, description: String) {
        self.0.push(Change {
            breaking: true,
            description,
        });
    }

    fn compatible(&mut self, description: String) {
        self.0.push(Change {
            breaking: false,
            description,
        });
    }

    /// Walks two ordered maps, reporting removed and added keys and comparing the rest.
    fn keyed<'a, V>(
        &mut self,
        old: &'a BTreeMap<String, V>,
        new: &'a BTreeMap<String, V>,
        what: &str,
        mut both: impl FnMut(&mut Self, &'a V, &'a V),
    ) {
        for (name, old_value) in old {
            match new.get(name) {
                Some(new_value) => both(self, old_value, new_value),
                None => self.breaking(format!("{what} `{name}` removed")),
            }
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.compatible(format!("{what} `{name}` added"));
        }
    }
}

/// Compares two specs. Changes are listed breaking first, then in name order.
pub fn diff(old: &Spec, new: &Spec) -> Vec<Change> {
    let mut changes = Changes(Vec::new());
    changes.keyed(&old.types, &new.types, "type", |c, a, b| {
        type_changes(c, &a.name, &a.kind, &b.kind)
    });
    changes.keyed(&old.resources, &new.resources, "resource", |c, a, b| {
        c.keyed(&a.actions, &b.actions, "action", action_changes)
    });
    changes.keyed(&old.events, &new.events, "webhook event", |c, a, b| {
        if a.data != b.data {
            c.breaking(format!(
                "webhook event `{}`: data type `{}` -> `{}`",
                a.name, a.data, b.data
            ));
        }
    });
    changes.keyed(&old.triggers, &new.triggers, "trigger", |c, a, b| {
        if a.title != b.title {
            c.compatible(format!(
                "trigger `{}`: title {:?} -> {:?}",
                a.name, a.title, b.title
            ));
        }
        if a.webhook != b.webhook || a.poll != b.poll {
            c.compatible(format!("trigger `{}`: source changed", a.name));
        }
    });
    let mut out = changes.0;
    out.sort_by(|a, b| {
        b.breaking
            .cmp(&a.breaking)
            .then(a.description.cmp(&b.description))
    });
    out
}

fn type_changes(c: &mut Changes, name: &str, old: &TypeKind, new: &TypeKind) {
    match (old, new) {
        (TypeKind::Object(a), TypeKind::Object(b)) => {
            let fa: BTreeMap<String, &Field> =
                a.fields.iter().map(|f| (f.name.clone(), f)).collect();
            let fb: BTreeMap<String, &Field> =
                b.fields.iter().map(|f| (f.name.clone(), f)).collect();
            for (field, old_field) in &fa {
                let Some(new_field) = fb.get(field) else {
                    c.breaking(format!("type `{name}`: field `{field}` removed"));
                    continue;
                };
                changed(c, name, field, "type", &old_field.ty, &new_field.ty);
                if old_field.optional && !new_field.optional {
                    c.breaking(format!("type `{name}`: field `{field}` made required"));
                } else if !old_field.optional && new_field.optional {
                    c.breaking(format!(
                        "type `{name}`: field `{field}` made optional (its Rust type becomes an Option)"
                    ));
                }
                if old_field.nullable != new_field.nullable {
                    c.breaking(format!(
                        "type `{name}`: field `{field}` {} nullable",
                        if new_field.nullable {
                            "made"
                        } else {
                            "no longer"
                        }
                    ));
                }
            }
            for (field, new_field) in fb.iter().filter(|(f, _)| !fa.contains_key(*f)) {
                if new_field.optional || new_field.nullable {
                    c.compatible(format!("type `{name}`: field `{field}` added"));
                } else {
                    c.breaking(format!("type `{name}`: required field `{field}` added"));
                }
            }
        }
        (TypeKind::Enum(a), TypeKind::Enum(b)) => {
            for value in &a.values {
                if !b.values.iter().any(|v| v.value == value.value) {
                    c.breaking(format!("enum `{name}`: value `{}` removed", value.value));
                }
            }
            for value in &b.values {
                if !a.values.iter().any(|v| v.value == value.value) {
                    c.compatible(format!("enum `{name}`: value `{}` added", value.value));
                }
            }
        }
        (TypeKind::Id, TypeKind::Id) => {}
        _ => c.breaking(format!("type `{name}`: kind changed")),
    }
}

fn changed<T: PartialEq + Display>(
    c: &mut Changes,
    owner: &str,
    item: &str,
    what: &str,
    old: &T,
    new: &T,
) {
    if old != new {
        c.breaking(format!("`{owner}`: `{item}` {what} `{old}` -> `{new}`"));
    }
}

fn action_changes(c: &mut Changes, old: &Action, new: &Action) {
    let name = old.full_name();
    if old.method != new.method || old.path != new.path {
        c.breaking(format!(
            "action `{name}`: `{} {}` -> `{} {}`",
            old.method.as_str(),
            old.path,
            new.method.as_str(),
            new.path
        ));
    }
    let old_path: Vec<_> = old.path_params.iter().map(|p| (&p.name, &p.ty)).collect();
    let new_path: Vec<_> = new.path_params.iter().map(|p| (&p.name, &p.ty)).collect();
    if old_path != new_path {
        c.breaking(format!("action `{name}`: path parameters changed"));
    }
    if old.response != new.response {
        c.breaking(format!("action `{name}`: response type changed"));
    }
    if old.body != new.body {
        c.breaking(format!("action `{name}`: request body changed"));
    }
    if old.paginated != new.paginated {
        c.breaking(format!("action `{name}`: pagination changed"));
    }
    if old.perform_as != new.perform_as {
        let message = format!(
            "action `{name}`: perform_as {:?} -> {:?}",
            old.perform_as, new.perform_as
        );
        if new.perform_as == PerformAs::Required || old.perform_as == PerformAs::Optional {
            c.breaking(message);
        } else {
            c.compatible(message);
        }
    }
    for param in &old.query {
        match new.query_param(&param.name) {
            None => c.breaking(format!(
                "action `{name}`: query parameter `{}` removed",
                param.name
            )),
            Some(p) => {
                changed(c, &name, &param.name, "type", &param.ty, &p.ty);
                if p.repeated != param.repeated || p.required != param.required {
                    c.breaking(format!(
                        "action `{name}`: query parameter `{}` changed arity",
                        param.name
                    ));
                }
            }
        }
    }
    for param in new
        .query
        .iter()
        .filter(|p| old.query_param(&p.name).is_none())
    {
        if param.required && !param.repeated {
            c.breaking(format!(
                "action `{name}`: required query parameter `{}` added",
                param.name
            ));
        } else {
            c.compatible(format!(
                "action `{name}`: query parameter `{}` added",
                param.name
            ));
        }
    }
}

/// Renders changes, one a line, breaking ones marked; a summary line last.
pub fn render(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        let mark = if change.breaking { "BREAKING" } else { "ok" };
        out.push_str(&format!("{mark:<9}{}\n", change.description));
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    out.push_str(&format!(
        "{} change{}, {breaking} breaking\n",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    ));
    out
}
