//! What every generator module needs: the spec, which types are generated here, and how to
//! name a type from inside each generated module.

use std::collections::BTreeSet;

use lever_spec::{Spec, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

/// Which module a path is written from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum From {
    /// Inside the generated `models` module.
    Models,
    /// Inside any sibling module (`resources`, `events`, `registry`).
    Sibling,
}

pub(crate) struct Context<'a> {
    pub spec: &'a Spec,
    /// Types generated in this output; others are referred to in `lever_client::models`.
    pub local: BTreeSet<&'a str>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(spec: &'a Spec, local: BTreeSet<&'a str>) -> Self {
        Context { spec, local }
    }

    /// The path of a named model type as seen from `from`.
    pub(crate) fn named(&self, name: &str, from: From) -> TokenStream {
        let ident = crate::names::ident(name);
        if !self.local.contains(name) {
            quote!(::lever_client::models::#ident)
        } else if from == From::Models {
            quote!(#ident)
        } else {
            quote!(super::models::#ident)
        }
    }

    /// The Rust type for a type reference.
    pub(crate) fn rust_type(&self, ty: &TypeRef, from: From) -> TokenStream {
        match ty {
            TypeRef::String => quote!(::std::string::String),
            TypeRef::Integer => quote!(i64),
            TypeRef::Number => quote!(f64),
            TypeRef::Boolean => quote!(bool),
            TypeRef::Timestamp => quote!(::lever_client::Timestamp),
            TypeRef::ByteSize => quote!(::lever_client::ByteSize),
            TypeRef::Json => quote!(::lever_client::__private::serde_json::Value),
            TypeRef::File => quote!(::lever_client::FilePart),
            TypeRef::Named(name) => self.named(name, from),
            TypeRef::List(inner) => {
                let inner = self.rust_type(inner, from);
                quote!(::std::vec::Vec<#inner>)
            }
            TypeRef::Map(inner) => {
                let inner = self.rust_type(inner, from);
                quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
            }
            TypeRef::Expandable(name) => {
                let inner = self.named(name, from);
                quote!(::lever_client::Expandable<#inner>)
            }
        }
    }

    /// Whether a named type is an ID newtype.
    pub(crate) fn is_id(&self, ty: &TypeRef) -> bool {
        matches!(ty, TypeRef::Named(name) if matches!(self.spec.types.get(name).map(|t| &t.kind), Some(TypeKind::Id)))
    }
}

/// Whether arguments of this type are taken as `impl Into<T>` (strings, IDs, enums, objects),
/// so callers can pass `&str`, `String` or the type itself.
pub(crate) fn takes_into(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::String | TypeRef::Named(_))
}
