//! Code for an overlay, generated into a user's crate: the types the overlay adds or extends,
//! its new actions, and extension traits that make them reachable from `lever_client::Client`
//! exactly like the built-in ones.

use std::collections::{BTreeMap, BTreeSet};

use lever_spec::{Action, PerformAs, Spec, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

use crate::actions;
use crate::context::Context;
use crate::models;

/// What an overlay changed relative to the base spec.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OverlayDelta {
    /// Types the overlay adds, or extends with fields or enum values (regenerated locally).
    pub types: BTreeSet<String>,
    /// Resources the overlay adds.
    pub new_resources: BTreeSet<String>,
    /// New actions of resources that already exist, by resource.
    pub extended_resources: BTreeMap<String, BTreeSet<String>>,
}

/// Compares the merged spec with the base spec.
pub fn overlay_delta(base: &Spec, merged: &Spec) -> OverlayDelta {
    let mut delta = OverlayDelta::default();
    for (name, def) in &merged.types {
        match base.types.get(name) {
            Some(old) if old.kind == def.kind => {}
            _ => {
                delta.types.insert(name.clone());
            }
        }
    }
    for (name, resource) in &merged.resources {
        match base.resources.get(name) {
            None => {
                delta.new_resources.insert(name.clone());
            }
            Some(old) => {
                let added: BTreeSet<String> = resource
                    .actions
                    .keys()
                    .filter(|a| !old.actions.contains_key(*a))
                    .cloned()
                    .collect();
                if !added.is_empty() {
                    delta.extended_resources.insert(name.clone(), added);
                }
            }
        }
    }
    delta
}

/// Tokens for an overlay: `models` (added and extended types), `resources` (new accessors,
/// builders and per-resource extension traits) and the client extension trait `trait_name`.
pub fn overlay_tokens(base: &Spec, merged: &Spec, trait_name: &str) -> TokenStream {
    let delta = overlay_delta(base, merged);
    let cx = Context::new(merged, delta.types.iter().map(String::as_str).collect());
    let models = models::models(&cx);

    let mut items = Vec::new();
    for resource in &delta.new_resources {
        let list: Vec<&Action> = merged.resources[resource].actions.values().collect();
        items.push(actions::resource_items(&cx, resource, &list));
    }
    for (resource, names) in &delta.extended_resources {
        let list: Vec<&Action> = names
            .iter()
            .filter_map(|a| merged.action(resource, a))
            .collect();
        let ext = crate::names::ident(&format!(
            "{trait_name}{}",
            lever_spec::naming::pascal(resource)
        ));
        items.push(actions::builders(&cx, &list));
        items.push(actions::resource_extension(&cx, &ext, resource, &list));
    }
    let new_resources: Vec<_> = delta
        .new_resources
        .iter()
        .map(|r| &merged.resources[r])
        .collect();
    let accessors = actions::client_accessors(
        &new_resources,
        &crate::Accessors::ExtensionTrait(trait_name.to_string()),
    );
    let reexports = delta.extended_resources.keys().map(|resource| {
        let ext = crate::names::ident(&format!(
            "{trait_name}{}",
            lever_spec::naming::pascal(resource)
        ));
        quote!(pub use resources::#ext;)
    });
    let code = quote! {
        /// Types this overlay adds or extends.
        #[allow(clippy::too_many_arguments, clippy::large_enum_variant, dead_code)]
        pub mod models {
            #models
        }

        /// Accessors, request builders and extension traits for this overlay's actions.
        #[allow(clippy::too_many_arguments, dead_code)]
        pub mod resources {
            #(#items)*
        }

        #accessors
        #(#reexports)*
    };
    let actions: Vec<&Action> = delta
        .new_resources
        .iter()
        .flat_map(|r| merged.resources[r].actions.values())
        .chain(
            delta
                .extended_resources
                .iter()
                .flat_map(|(r, names)| names.iter().filter_map(|a| merged.action(r, a))),
        )
        .collect();
    // The types it extends first: their names say best what the overlay needs.
    let extended = delta
        .types
        .iter()
        .filter(|name| base.types.contains_key(*name))
        .map(String::as_str);
    let mut types: Vec<&str> = extended.collect();
    types.extend(base_types_used(base, merged, &delta, &actions));
    let checked = require_compiled_in(code, &types, delta.extended_resources.keys());
    // The contract check goes outside: with another runtime, nothing inside is expanded.
    let contract = contract_macro();
    quote!(::lever_client::#contract! { #checked })
}

/// The types of the base spec that the overlay's code names (in the fields of the types it
/// regenerates and in its actions): lever-client must have compiled them in.
fn base_types_used<'a>(
    base: &'a Spec,
    merged: &'a Spec,
    delta: &OverlayDelta,
    actions: &[&'a Action],
) -> BTreeSet<&'a str> {
    let mut pending: Vec<&TypeRef> = crate::select::action_roots(actions.iter().copied());
    for name in &delta.types {
        if let Some(TypeKind::Object(object)) = merged.types.get(name).map(|t| &t.kind) {
            pending.extend(object.fields.iter().map(|f| &f.ty));
        }
    }
    let mut used = BTreeSet::new();
    if actions.iter().any(|a| a.perform_as != PerformAs::None) {
        pending.push(&USER_ID);
    }
    while let Some(ty) = pending.pop() {
        match ty {
            TypeRef::Named(name) | TypeRef::Expandable(name) => {
                if let Some((name, _)) = base.types.get_key_value(name) {
                    if !delta.types.contains(name) {
                        used.insert(name.as_str());
                    }
                }
            }
            TypeRef::List(inner) | TypeRef::Map(inner) => pending.push(inner),
            _ => {}
        }
    }
    used
}

/// `perform_as` takes the spec's user ID type.
static USER_ID: std::sync::LazyLock<TypeRef> =
    std::sync::LazyLock::new(|| TypeRef::Named("UserId".to_string()));

/// Wraps `code` in lever-client's `__lever_resource!` / `__lever_type!` markers, one per
/// resource and type it needs: with all of them compiled in it expands as is; otherwise the
/// first missing one (resources, then `types` in order) is a single compile error naming the
/// feature to enable, instead of one "cannot find type" per use.
fn require_compiled_in<'a>(
    code: TokenStream,
    types: &[&str],
    resources: impl Iterator<Item = &'a String>,
) -> TokenStream {
    let mut code = code;
    for name in types.iter().rev() {
        let key = crate::names::ident(name);
        code = quote!(::lever_client::__lever_type! { #key, #code });
    }
    let resources: Vec<&String> = resources.collect();
    for resource in resources.into_iter().rev() {
        let key = crate::names::ident(resource);
        code = quote!(::lever_client::__lever_resource! { #key, #code });
    }
    code
}

/// The version of the contract between generated code and `lever_client::__private`. Raise
/// it (and add the matching macro to `lever-runtime/src/__private.rs`, re-exported by
/// `lever-client`) when generated code starts to need something an older runtime lacks.
pub const RUNTIME_CONTRACT: u32 = 2;

/// The runtime's macro for [`RUNTIME_CONTRACT`], which overlay code is wrapped in: a runtime
/// without it reports that one missing macro instead of an error per generated item.
pub fn contract_macro() -> proc_macro2::Ident {
    crate::names::ident(&format!(
        "__lever_client_runtime_contract_{RUNTIME_CONTRACT}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_code_is_wrapped_in_the_runtime_contract_macro() {
        let base = lever_spec::shipped().expect("the shipped spec");
        let overlay = b"types:\n  Posting:\n    extend: true\n    fields:\n      customScore: { type: integer, optional: true }\n";
        let merged =
            lever_spec::shipped_with_overlays(vec![("overlay.yaml".into(), overlay.to_vec())])
                .expect("the overlay is valid");
        let tokens: Vec<proc_macro2::TokenTree> = overlay_tokens(&base, &merged, "LeverExt")
            .into_iter()
            .collect();
        let wrapper: String = tokens[..tokens.len() - 1]
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            wrapper,
            format!("::lever_client::__lever_client_runtime_contract_{RUNTIME_CONTRACT}!")
        );
        assert!(matches!(
            tokens.last(),
            Some(proc_macro2::TokenTree::Group(g)) if g.to_string().contains("custom_score")
        ));
    }
}
