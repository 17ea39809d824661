//! Models: one struct per object, one open enum per enum, one newtype per ID.

use lever_spec::{EnumType, Field, ObjectType, TypeDef, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::context::{takes_into, Context, From};
use crate::names::{doc_attrs, ident, snake_ident, user_doc};

const SERDE_CRATE: &str = "::lever_client::__private::serde";

/// Every local type definition.
pub(crate) fn models(cx: &Context<'_>) -> TokenStream {
    let items = cx
        .spec
        .types
        .values()
        .filter(|def| cx.local.contains(def.name.as_str()))
        .map(|def| type_def(cx, def));
    quote!(#(#items)*)
}

fn type_def(cx: &Context<'_>, def: &TypeDef) -> TokenStream {
    let mut text = def
        .doc
        .as_deref()
        .and_then(user_doc)
        .unwrap_or_else(|| format!("The `{}` type of the Lever API.", def.name));
    text.push_str(&format!(
        "\n\n[Lever's documentation]({})",
        model_docs_url(cx, def)
    ));
    let doc = doc_attrs(&text);
    match &def.kind {
        TypeKind::Object(object) => object_struct(cx, def, object, doc),
        TypeKind::Enum(values) => open_enum(def, values, doc),
        TypeKind::Id => id_newtype(def, doc),
    }
}

fn object_struct(
    cx: &Context<'_>,
    def: &TypeDef,
    object: &ObjectType,
    doc: TokenStream,
) -> TokenStream {
    let name = ident(&def.name);
    let fields = object.fields.iter().map(|field| struct_field(cx, field));
    let extra = object.keep_unknown.then(|| {
        quote! {
            /// Keys this version of the spec does not know, kept so the value round-trips.
            pub unknown_fields: ::lever_client::__private::serde_json::Map<::std::string::String, ::lever_client::__private::serde_json::Value>,
        }
    });
    let all_optional = object.fields.iter().all(|f| f.optional || f.nullable);
    let default_derive = all_optional.then(|| quote!(::std::default::Default,));
    let constructor = constructor(cx, &name, object);
    let serde_fields = object.fields.iter().map(|f| {
        let id = snake_ident(&f.name);
        let kind = format_ident!(
            "{}",
            match (f.optional, f.nullable) {
                (false, false) => "required",
                (true, false) => "optional",
                (false, true) => "nullable",
                (true, true) => "optional_nullable",
            }
        );
        let wire = &f.name;
        quote!(#kind #id = #wire)
    });
    let keep = object.keep_unknown.then(|| quote!(keep unknown_fields));
    // Objects with a required `id` can stand behind an `Expandable<T>`, whose `id()` then
    // works expanded or not.
    let identified = object
        .fields
        .iter()
        .find(|f| f.name == "id" && !f.optional && !f.nullable)
        .filter(|f| cx.is_id(&f.ty) || f.ty == TypeRef::String)
        .map(|_| {
            quote! {
                impl ::lever_client::Identified for #name {
                    fn id(&self) -> &str {
                        self.id.as_str()
                    }
                }
            }
        });
    quote! {
        #doc
        // `Debug` comes from `object_serde!`: it redacts candidates' personal data.
        #[derive(::std::clone::Clone, ::std::cmp::PartialEq, #default_derive)]
        pub struct #name {
            #(#fields)*
            #extra
        }
        #constructor
        #identified
        ::lever_client::__private::object_serde!(#name { #(#serde_fields),* } #keep);
    }
}

/// `new(required fields...)` for an object with required fields; `None` when every field is
/// optional (the struct derives `Default` instead).
fn constructor(
    cx: &Context<'_>,
    name: &proc_macro2::Ident,
    object: &ObjectType,
) -> Option<TokenStream> {
    let required: Vec<&Field> = object
        .fields
        .iter()
        .filter(|f| !f.optional && !f.nullable)
        .collect();
    if required.is_empty() {
        return None;
    }
    let params = required.iter().map(|f| {
        let id = snake_ident(&f.name);
        let ty = cx.rust_type(&f.ty, From::Models);
        if takes_into(&f.ty) {
            quote!(#id: impl ::std::convert::Into<#ty>)
        } else {
            quote!(#id: #ty)
        }
    });
    let inits = object.fields.iter().map(|f| {
        let id = snake_ident(&f.name);
        if !f.optional && !f.nullable {
            if takes_into(&f.ty) {
                quote!(#id: #id.into())
            } else {
                quote!(#id)
            }
        } else {
            quote!(#id: ::std::option::Option::None)
        }
    });
    let extra_init = object
        .keep_unknown
        .then(|| quote!(unknown_fields: ::std::default::Default::default(),));
    let names: Vec<String> = required
        .iter()
        .map(|f| format!("`{}`", lever_spec::naming::field_name(&f.name)))
        .collect();
    let ctor_doc = format!(
        " Creates a value with the required fields ({}); every optional field is `None`.",
        names.join(", ")
    );
    Some(quote! {
        impl #name {
            #[doc = #ctor_doc]
            pub fn new(#(#params),*) -> Self {
                #name { #(#inits,)* #extra_init }
            }
        }
    })
}

/// A field's Rust type: `T`, `Option<T>`, or `Option<Option<T>>` when it is both optional and
/// nullable.
fn field_type(cx: &Context<'_>, field: &Field) -> TokenStream {
    let ty = cx.rust_type(&field.ty, From::Models);
    match (field.optional, field.nullable) {
        (false, false) => ty,
        (true, false) | (false, true) => quote!(::std::option::Option<#ty>),
        (true, true) => quote!(::std::option::Option<::std::option::Option<#ty>>),
    }
}

fn struct_field(cx: &Context<'_>, field: &Field) -> TokenStream {
    let id = snake_ident(&field.name);
    let ty = field_type(cx, field);
    // No doc that only repeats the field's name: the spec's doc (minus notes about the spec
    // itself), then what absence and `null` mean.
    let mut paragraphs: Vec<String> = field
        .doc
        .as_deref()
        .and_then(user_doc)
        .into_iter()
        .collect();
    match (field.optional, field.nullable) {
        (false, false) => {}
        (true, false) => paragraphs.push("May be absent.".into()),
        (false, true) => paragraphs.push("May be `null`.".into()),
        (true, true) => paragraphs.push(
            "May be absent (`None`) or `null` (`Some(None)`); the two are kept apart.".into(),
        ),
    }
    let doc = if paragraphs.is_empty() {
        quote!(#[allow(missing_docs)])
    } else {
        doc_attrs(&paragraphs.join("\n\n"))
    };
    quote! {
        #doc
        pub #id: #ty,
    }
}

/// An enum that keeps unknown values (`Other(String)`), with its string conversions.
// Long because it is one `quote!` template of the enum and its impls.
fn open_enum(def: &TypeDef, values: &EnumType, doc: TokenStream) -> TokenStream {
    let name = ident(&def.name);
    let variants: Vec<_> = values
        .values
        .iter()
        .map(|v| ident(&lever_spec::naming::variant_name(&v.value)))
        .collect();
    let wires: Vec<&str> = values.values.iter().map(|v| v.value.as_str()).collect();
    let variant_docs = values.values.iter().map(|v| {
        let text = match &v.doc {
            Some(doc) => format!("`{}`: {doc}", v.value),
            None => format!("`{}`", v.value),
        };
        doc_attrs(&text)
    });
    quote! {
        #doc
        ///
        /// Open: a value this version does not know is kept in `Other` and serialised back unchanged.
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variant_docs #variants,)*
            /// A value this version of the spec does not know.
            Other(::std::string::String),
        }

        impl #name {
            /// Every known value.
            pub const KNOWN: &'static [&'static str] = &[#(#wires),*];

            /// The value as Lever spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#name::#variants => #wires,)*
                    #name::Other(value) => value,
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#wires => #name::#variants,)*
                    other => #name::Other(::std::string::ToString::to_string(other)),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match #name::from(value.as_str()) {
                    #name::Other(_) => #name::Other(value),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(#name::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::lever_client::__private::serde::Serialize for #name {
            fn serialize<S: ::lever_client::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::lever_client::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::lever_client::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                ::lever_client::__private::deserialize_open_enum(deserializer).map(#name::from)
            }
        }

        ::lever_client::__private::debug_shown!(#name);
    }
}

fn id_newtype(def: &TypeDef, doc: TokenStream) -> TokenStream {
    let name = ident(&def.name);
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash, ::std::cmp::PartialOrd, ::std::cmp::Ord, ::lever_client::__private::serde::Serialize, ::lever_client::__private::serde::Deserialize)]
        #[serde(crate = #SERDE_CRATE, transparent)]
        pub struct #name(pub ::std::string::String);

        impl #name {
            /// Wraps an ID string.
            pub fn new(id: impl ::std::convert::Into<::std::string::String>) -> Self {
                #name(id.into())
            }

            /// The ID as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(id: &str) -> Self {
                #name(::std::string::ToString::to_string(id))
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(id: ::std::string::String) -> Self {
                #name(id)
            }
        }

        impl ::std::convert::From<&::std::string::String> for #name {
            fn from(id: &::std::string::String) -> Self {
                #name(::std::clone::Clone::clone(id))
            }
        }

        impl ::std::convert::From<&#name> for #name {
            fn from(id: &#name) -> Self {
                ::std::clone::Clone::clone(id)
            }
        }

        impl ::std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        ::lever_client::__private::debug_shown!(#name);
    }
}

/// Lever's API reference, for models no action documents.
const LEVER_DOCS: &str = "https://hire.lever.co/developer/documentation";

/// Where Lever documents a model: the page of the first action (in spec order) that returns
/// it or takes it as a body, else the API reference.
fn model_docs_url<'a>(cx: &Context<'a>, def: &TypeDef) -> &'a str {
    let named = |ty: &lever_spec::TypeRef| match ty {
        lever_spec::TypeRef::Named(name) => name == &def.name,
        lever_spec::TypeRef::List(inner) => {
            matches!(&**inner, lever_spec::TypeRef::Named(name) if name == &def.name)
        }
        _ => false,
    };
    cx.spec
        .actions()
        .map(|(_, action)| action)
        .find(|action| {
            let returns = matches!(&action.response, lever_spec::Response::Data(ty) | lever_spec::Response::Raw(ty) if named(ty));
            let takes = action.body.as_ref().is_some_and(|body| named(&body.ty));
            (returns || takes) && action.docs.is_some()
        })
        .and_then(|action| action.docs.as_deref())
        .unwrap_or(LEVER_DOCS)
}
