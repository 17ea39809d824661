//! Identifiers and paths for generated items.
//!
//! The public functions name what generated code defines, so that the macros (which expand
//! to calls into it) ask here instead of rebuilding the names.

use lever_spec::{naming, Action, Spec, TypeKind};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::GenerateError;

/// An identifier for a field or method; keywords become raw identifiers.
pub(crate) fn snake_ident(wire: &str) -> Ident {
    ident(&naming::field_name(wire))
}

/// Stands in for a name that cannot be an identifier, so that building tokens never panics.
/// The public `generate_*` functions never emit it: [`check_names`] refuses such a spec first.
const UNUSABLE: &str = "__lever_unusable_name";

/// An identifier from an already-shaped name; keywords become raw identifiers.
pub(crate) fn ident(name: &str) -> Ident {
    match naming::ident_problem(name) {
        None if naming::is_keyword(name) => Ident::new_raw(name, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
        Some(_) => Ident::new(UNUSABLE, Span::call_site()),
    }
}

/// A PascalCase identifier for a snake_case name.
pub(crate) fn pascal_ident(name: &str) -> Ident {
    ident(&naming::pascal(name))
}

/// The accessor struct of a resource in `lever_client::resources`: `postings` → `Postings`.
pub fn resource_accessor(resource: &str) -> Ident {
    pascal_ident(resource)
}

/// The accessor method that starts an action's request: `postings.get` → `get`.
pub fn action_method(action: &Action) -> Ident {
    snake_ident(&action.name)
}

/// The request builder of an action: `postings.get` → `PostingsGetRequest`.
pub fn request_builder(action: &Action) -> Ident {
    ident(&naming::builder_type_name(&action.resource, &action.name))
}

/// The variant of `lever_client::triggers::Trigger` for a trigger: `posting_created` →
/// `PostingCreated`.
pub fn trigger_variant(trigger: &str) -> Ident {
    pascal_ident(trigger)
}

/// The type in `lever_client::models` for a spec type name (written as it is).
pub fn model_type(name: &str) -> Ident {
    ident(name)
}

/// Checks every Rust name that generating `spec` (with `trait_name` for extension traits)
/// will write, with the same check as `lever-spec`'s validation. A spec from `lever_spec::load`
/// passes; one built or changed by hand gets an error here instead of a panic or bad code.
pub(crate) fn check_names(spec: &Spec, trait_name: Option<&str>) -> Result<(), GenerateError> {
    let mut names: Vec<(&str, String)> = Vec::new();
    if let Some(trait_name) = trait_name {
        names.push((trait_name, trait_name.to_string()));
    }
    for def in spec.types.values() {
        names.push((&def.name, def.name.clone()));
        match &def.kind {
            TypeKind::Object(object) => {
                for field in &object.fields {
                    names.push((&field.name, naming::field_name(&field.name)));
                }
            }
            TypeKind::Enum(values) => {
                for value in &values.values {
                    names.push((&value.value, naming::variant_name(&value.value)));
                }
            }
            TypeKind::Id => {}
        }
    }
    for resource in spec.resources.values() {
        names.push((&resource.name, naming::field_name(&resource.name)));
        names.push((&resource.name, naming::pascal(&resource.name)));
        if let Some(trait_name) = trait_name {
            let ext = format!("{trait_name}{}", naming::pascal(&resource.name));
            names.push((&resource.name, ext));
        }
        for action in resource.actions.values() {
            names.push((&action.name, naming::field_name(&action.name)));
            let builder = naming::builder_type_name(&action.resource, &action.name);
            names.push((&action.name, builder));
            for param in action.path_params.iter().chain(&action.query) {
                names.push((&param.name, naming::field_name(&param.name)));
            }
        }
    }
    for event in spec.events.values() {
        names.push((&event.name, naming::variant_name(&event.name)));
    }
    for trigger in spec.triggers.values() {
        names.push((&trigger.name, naming::pascal(&trigger.name)));
        names.push((&trigger.name, source_const_name(&trigger.name)));
    }
    match names
        .into_iter()
        .find_map(|(spec_name, rust)| naming::ident_problem(&rust).map(|p| (spec_name, rust, p)))
    {
        None => Ok(()),
        Some((spec_name, rust, problem)) => Err(GenerateError::Name {
            spec_name: spec_name.to_string(),
            rust,
            problem,
        }),
    }
}

/// The name of a trigger's `TriggerSource` constant: `posting_created` → `SOURCE_POSTING_CREATED`.
pub(crate) fn source_const_name(trigger: &str) -> String {
    format!("SOURCE_{}", trigger.to_uppercase())
}

/// `#[doc = "..."]` attributes, one per line, so rustdoc renders Markdown as written.
pub(crate) fn doc_attrs(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| {
        let line = format!(" {line}");
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// A spec doc as users should read it: without the notes the spec keeps about itself
/// ("Only in the docs examples", "(maybe present)"), which say where a fact comes from rather
/// than what the field means. `None` when nothing is left.
pub(crate) fn user_doc(text: &str) -> Option<String> {
    const NOTES: [&str; 4] = [
        "; only in the docs examples",
        "Only in the docs examples.",
        "only in the docs examples",
        " (maybe present)",
    ];
    let mut doc = text.to_string();
    for note in NOTES {
        doc = doc.replace(note, "");
    }
    let doc = doc.trim();
    (!doc.is_empty()).then(|| doc.to_string())
}
