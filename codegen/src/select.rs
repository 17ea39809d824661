//! Narrowing a spec to some of its resources (lever-client's per-resource cargo features).
//!
//! What is kept:
//! - the enabled resources with all their actions;
//! - every type those actions reach (path and query parameters, bodies, responses),
//!   transitively through fields, lists, maps and expandable IDs;
//! - the webhook events about an enabled resource (see [`event_resource`]) and the types
//!   their `data` reaches;
//! - the triggers whose sources are all kept: the polled action's resource is enabled and
//!   every webhook event the trigger listens to is kept.
//!
//! [`crate::generate_client_for`] also emits markers naming, for the whole spec, the resources
//! and triggers left out, so that `request!` and `#[trigger]` can say which feature to enable.

use std::collections::{BTreeMap, BTreeSet};

use lever_spec::{Action, Response, Spec, TriggerDef, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

use crate::names::ident;

/// The resource a webhook event is about, from the first word of its camelCase name:
/// `contactUpdated` is about `contacts`, `interviewCreated` about `interviews`. Lever calls
/// opportunities "candidates" in its event names. `None` when no resource of `spec` matches:
/// such an event is kept with any selection.
pub fn event_resource<'a>(spec: &'a Spec, event: &str) -> Option<&'a str> {
    let first_word: String = event
        .chars()
        .take_while(|c| !c.is_ascii_uppercase())
        .collect();
    let resource = match first_word.as_str() {
        "candidate" => "opportunities".to_string(),
        word => format!("{word}s"),
    };
    spec.resources
        .get_key_value(&resource)
        .map(|(name, _)| name.as_str())
}

/// The part of `spec` that the resources in `enabled` need (see the module docs). Names in
/// `enabled` that are not resources of `spec` are ignored.
pub fn select(spec: &Spec, enabled: &BTreeSet<String>) -> Spec {
    let resources: BTreeMap<_, _> = spec
        .resources
        .iter()
        .filter(|(name, _)| enabled.contains(*name))
        .map(|(name, resource)| (name.clone(), resource.clone()))
        .collect();
    let events: BTreeMap<_, _> = spec
        .events
        .iter()
        .filter(|(name, _)| event_resource(spec, name).is_none_or(|r| enabled.contains(r)))
        .map(|(name, event)| (name.clone(), event.clone()))
        .collect();
    let triggers: BTreeMap<_, _> = spec
        .triggers
        .iter()
        .filter(|(_, trigger)| trigger_is_kept(trigger, &resources, &events))
        .map(|(name, trigger)| (name.clone(), trigger.clone()))
        .collect();

    let mut roots = action_roots(resources.values().flat_map(|r| r.actions.values()));
    let event_data: Vec<TypeRef> = events
        .values()
        .map(|e| TypeRef::Named(e.data.clone()))
        .collect();
    roots.extend(&event_data);
    let reached = reachable(spec, roots);
    let types = spec
        .types
        .iter()
        .filter(|(name, _)| reached.contains(name.as_str()))
        .map(|(name, def)| (name.clone(), def.clone()))
        .collect();

    Spec {
        api: spec.api.clone(),
        types,
        resources,
        events,
        triggers,
    }
}

fn trigger_is_kept(
    trigger: &TriggerDef,
    resources: &BTreeMap<String, lever_spec::Resource>,
    events: &BTreeMap<String, lever_spec::Event>,
) -> bool {
    let poll_kept = trigger
        .poll
        .as_ref()
        .is_none_or(|poll| resources.contains_key(&poll.resource));
    poll_kept && trigger.webhook.iter().all(|e| events.contains_key(e))
}

/// The types an action names directly: its path and query parameters, body and response.
pub(crate) fn action_roots<'a>(actions: impl Iterator<Item = &'a Action>) -> Vec<&'a TypeRef> {
    let mut roots: Vec<&TypeRef> = Vec::new();
    for action in actions {
        roots.extend(action.path_params.iter().map(|p| &p.ty));
        roots.extend(action.query.iter().map(|p| &p.ty));
        roots.extend(action.body.iter().map(|b| &b.ty));
        if let Response::Data(ty) | Response::Raw(ty) = &action.response {
            roots.push(ty);
        }
    }
    roots
}

/// The named types reached from `roots`, through object fields.
fn reachable<'s: 'r, 'r>(spec: &'s Spec, roots: Vec<&'r TypeRef>) -> BTreeSet<&'s str> {
    let mut seen = BTreeSet::new();
    let mut pending = roots;
    while let Some(ty) = pending.pop() {
        match ty {
            TypeRef::Named(name) | TypeRef::Expandable(name) => {
                let Some((name, def)) = spec.types.get_key_value(name) else {
                    continue;
                };
                if !seen.insert(name.as_str()) {
                    continue;
                }
                if let TypeKind::Object(object) = &def.kind {
                    pending.extend(object.fields.iter().map(|f| &f.ty));
                }
            }
            TypeRef::List(inner) | TypeRef::Map(inner) => pending.push(inner),
            _ => {}
        }
    }
    seen
}

/// The features a trigger needs: its polled resource and the resources of its webhook events.
pub fn trigger_features<'a>(spec: &'a Spec, trigger: &'a TriggerDef) -> BTreeSet<&'a str> {
    let mut features: BTreeSet<&str> = trigger
        .webhook
        .iter()
        .filter_map(|event| event_resource(spec, event))
        .collect();
    features.extend(trigger.poll.as_ref().map(|poll| poll.resource.as_str()));
    features
}

/// For each type that some resource's feature compiles in, those resources: the types their
/// actions reach, and the types the data of webhook events about them reach.
fn type_features(spec: &Spec) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut reached_by: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, resource) in &spec.resources {
        let mut roots = action_roots(resource.actions.values());
        let event_data: Vec<TypeRef> = spec
            .events
            .iter()
            .filter(|(event, _)| event_resource(spec, event) == Some(name.as_str()))
            .map(|(_, e)| TypeRef::Named(e.data.clone()))
            .collect();
        roots.extend(&event_data);
        for ty in reachable(spec, roots) {
            reached_by.entry(ty).or_default().insert(name.as_str());
        }
    }
    reached_by
}

/// "enable the `a` feature", or, when any of several would do, which ones.
fn enable_one_of_message(features: &[&str]) -> String {
    match features {
        [] => enable_message(&["full"]),
        [one] => enable_message(&[one]),
        [first, ..] => {
            let list = features
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "enable one of the lever-client features that compile it in ({list}), e.g. lever-client = {{ features = [\"{first}\"] }}"
            )
        }
    }
}

fn enable_message(features: &[&str]) -> String {
    let list = features
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let names = features
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let plural = if features.len() == 1 { "" } else { "s" };
    format!(
        "enable the {names} feature{plural} of lever-client: lever-client = {{ features = [{list}] }}"
    )
}

/// Three `macro_rules!` markers used by the code `request!`, `#[trigger]` and `overlay!`
/// emit: `__lever_resource!(name, tokens)`, `__lever_trigger!(name, tokens)` and
/// `__lever_type!(Name, tokens)` expand to `tokens` when the resource (trigger, type) is in
/// `selected`, and to a `compile_error!` naming the features to enable when it is only in
/// `full`.
pub(crate) fn feature_markers(full: &Spec, selected: &Spec) -> TokenStream {
    let resource_arms = full.resources.keys().map(|name| {
        let key = ident(name);
        if selected.resources.contains_key(name) {
            quote!((#key, $($tokens:tt)*) => { $($tokens)* };)
        } else {
            let message = format!(
                "the `{name}` resource is not compiled in; {}",
                enable_message(&[name])
            );
            quote!((#key, $($tokens:tt)*) => { ::core::compile_error! { #message } };)
        }
    });
    let trigger_arms = full.triggers.values().map(|trigger| {
        let key = ident(&trigger.name);
        if selected.triggers.contains_key(&trigger.name) {
            quote!((#key, $($tokens:tt)*) => { $($tokens)* };)
        } else {
            let features: Vec<&str> = trigger_features(full, trigger).into_iter().collect();
            let message = format!(
                "the `{}` trigger is not compiled in; {}",
                trigger.name,
                enable_message(&features)
            );
            quote!((#key, $($tokens:tt)*) => { ::core::compile_error! { #message } };)
        }
    });
    let reached_by = type_features(full);
    let type_arms = full.types.keys().map(|name| {
        let key = ident(name);
        if selected.types.contains_key(name) {
            quote!((#key, $($tokens:tt)*) => { $($tokens)* };)
        } else {
            let features: Vec<&str> = reached_by
                .get(name.as_str())
                .map(|set| set.iter().copied().collect())
                .unwrap_or_default();
            let message = format!(
                "the `{name}` type is not compiled in; {}",
                enable_one_of_message(&features)
            );
            quote!((#key, $($tokens:tt)*) => { ::core::compile_error! { #message } };)
        }
    });
    quote! {
        /// Expands its tokens when the named resource is compiled in (used by `request!` and
        /// overlays that add actions to a resource).
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __lever_resource {
            #(#resource_arms)*
        }

        /// Expands its tokens when the named type is compiled in (used by overlays).
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __lever_type {
            #(#type_arms)*
        }

        /// Expands its tokens when the named trigger is compiled in (used by `#[trigger]`).
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __lever_trigger {
            #(#trigger_arms)*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Spec {
        lever_spec::load(&lever_spec::default_spec_dir(), &[]).expect("the shipped spec loads")
    }

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn events_belong_to_the_resource_their_name_starts_with() {
        let spec = shipped();
        assert_eq!(event_resource(&spec, "contactUpdated"), Some("contacts"));
        assert_eq!(
            event_resource(&spec, "candidateHired"),
            Some("opportunities")
        );
        assert_eq!(
            event_resource(&spec, "applicationCreated"),
            Some("applications")
        );
        assert_eq!(event_resource(&spec, "somethingElse"), None);
    }

    #[test]
    fn a_selection_keeps_its_actions_the_types_they_reach_and_the_triggers_it_feeds() {
        let spec = shipped();
        let postings = select(&spec, &names(&["postings"]));
        assert_eq!(postings.resources.keys().collect::<Vec<_>>(), ["postings"]);
        assert!(postings.types.contains_key("Posting"));
        assert!(postings.types.contains_key("CreatePosting"));
        assert!(!postings.types.contains_key("Opportunity"));
        assert!(postings.events.is_empty(), "no posting webhooks exist");
        assert!(postings.triggers.contains_key("posting_created"));
        assert!(!postings.triggers.contains_key("candidate_updated"));
        // Every named type a kept type refers to is kept too.
        for def in postings.types.values() {
            if let TypeKind::Object(object) = &def.kind {
                for field in &object.fields {
                    for name in named_in(&field.ty) {
                        assert!(postings.types.contains_key(name), "{} -> {name}", def.name);
                    }
                }
            }
        }

        // candidate_updated listens to opportunity and contact events: it needs both.
        let opportunities = select(&spec, &names(&["opportunities"]));
        assert!(opportunities.events.contains_key("candidateHired"));
        assert!(!opportunities.events.contains_key("contactUpdated"));
        assert!(!opportunities.triggers.contains_key("candidate_updated"));
        let both = select(&spec, &names(&["opportunities", "contacts"]));
        assert!(both.triggers.contains_key("candidate_updated"));

        let all: BTreeSet<String> = spec.resources.keys().cloned().collect();
        assert_eq!(
            select(&spec, &all),
            spec,
            "selecting everything changes nothing"
        );
    }

    fn named_in(ty: &TypeRef) -> Vec<&str> {
        match ty {
            TypeRef::Named(name) | TypeRef::Expandable(name) => vec![name.as_str()],
            TypeRef::List(inner) | TypeRef::Map(inner) => named_in(inner),
            _ => vec![],
        }
    }

    #[test]
    fn markers_name_the_features_to_enable() {
        let spec = shipped();
        let selected = select(&spec, &names(&["postings"]));
        let markers = feature_markers(&spec, &selected).to_string();
        assert!(markers.contains(
            "the `contacts` resource is not compiled in; enable the `contacts` feature of lever-client: lever-client = { features = [\\\"contacts\\\"] }"
        ), "{markers}");
        assert!(markers.contains(
            "the `candidate_updated` trigger is not compiled in; enable the `contacts`, `opportunities` features of lever-client"
        ), "{markers}");
        assert!(!markers.contains("the `postings` resource is not compiled in"));
        assert!(!markers.contains("the `posting_created` trigger is not compiled in"));
        assert!(
            markers.contains(
                "the `Opportunity` type is not compiled in; enable the `opportunities` feature"
            ),
            "{markers}"
        );
        assert!(!markers.contains("the `Posting` type is not compiled in"));
    }

    #[test]
    fn a_type_is_reached_by_every_resource_whose_actions_or_events_use_it() {
        let spec = shipped();
        let reached_by = type_features(&spec);
        assert_eq!(
            reached_by["Opportunity"]
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            vec!["opportunities"]
        );
        // Applications are listed per opportunity and have their own resource.
        assert!(reached_by["Application"].contains("applications"));
        assert!(reached_by["Application"].contains("opportunities"));
        // Whatever one resource's selection keeps, `type_features` says that resource reaches.
        for name in spec.resources.keys() {
            let one = select(&spec, &names(&[name]));
            for ty in one.types.keys() {
                let by = reached_by.get(ty.as_str());
                let by_it = by.is_some_and(|set| set.contains(name.as_str()));
                // Types of events about no resource are kept with any selection.
                let always_kept = select(&spec, &names(&[])).types.contains_key(ty);
                assert!(by_it || always_kept, "{ty} is kept with `{name}` alone");
            }
        }
    }

    #[test]
    fn several_features_are_offered_as_alternatives() {
        assert_eq!(
            enable_one_of_message(&["applications", "opportunities"]),
            "enable one of the lever-client features that compile it in (`applications`, `opportunities`), e.g. lever-client = { features = [\"applications\"] }"
        );
        assert!(enable_one_of_message(&[]).contains("`full`"));
    }
}
