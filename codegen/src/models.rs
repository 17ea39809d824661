//! Models: one struct per object, one open enum per enum, one newtype per ID.

use lever_spec::{EnumType, Field, ObjectType, TypeDef, TypeKind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::context::{takes_into, Context, From};
use crate::names::{doc_attrs, ident, snake_ident};

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
    let doc = doc_attrs(def.doc.as_deref().unwrap_or(&def.name));
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
    let name = format_ident!("{}", def.name);
    let fields = object.fields.iter().map(|field| struct_field(cx, field));
    let extra = object.keep_unknown.then(|| {
        quote! {
            /// Keys this version of the spec does not know, kept so the value round-trips.
            #[serde(flatten)]
            pub unknown_fields: ::lever_client::__private::serde_json::Map<::std::string::String, ::lever_client::__private::serde_json::Value>,
        }
    });
    let required: Vec<&Field> = object
        .fields
        .iter()
        .filter(|f| !f.optional && !f.nullable)
        .collect();
    let all_optional = required.is_empty();
    let default_derive = all_optional.then(|| quote!(Default,));
    let constructor = (!all_optional).then(|| {
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
        quote! {
            impl #name {
                #[doc = #ctor_doc]
                pub fn new(#(#params),*) -> Self {
                    #name { #(#inits,)* #extra_init }
                }
            }
        }
    });
    // With `keep_unknown`, `Deserialize` is written out (see `keep_unknown_deserialize`) rather
    // than derived: the derive's `#[serde(flatten)]` buffers the whole object first.
    let derive_deserialize =
        (!object.keep_unknown).then(|| quote!(, ::lever_client::__private::serde::Deserialize));
    let deserialize_impl = object
        .keep_unknown
        .then(|| keep_unknown_deserialize(cx, &name, object));
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, #default_derive ::lever_client::__private::serde::Serialize #derive_deserialize)]
        #[serde(crate = #SERDE_CRATE)]
        pub struct #name {
            #(#fields)*
            #extra
        }
        #constructor
        #deserialize_impl
    }
}

/// `Deserialize` for an object that keeps unknown keys, as a map visitor reading straight from
/// the input: each known key goes to its field with the semantics the derive gives it (absent
/// optional or nullable fields are `None`; with both, `null` is `Some(None)`; a missing required
/// field is a `missing_field` error; a repeated known key is a `duplicate_field` error), and
/// every other key goes to `unknown_fields` as a `serde_json::Value` (a repeated one keeps its
/// last value, like `serde_json::Map`).
fn keep_unknown_deserialize(
    cx: &Context<'_>,
    name: &proc_macro2::Ident,
    object: &ObjectType,
) -> TokenStream {
    let serde = quote!(::lever_client::__private::serde);
    let json = quote!(::lever_client::__private::serde_json);
    let expecting = format!("struct {name}");
    let fields = &object.fields;
    let variants: Vec<_> = fields
        .iter()
        .map(|f| crate::names::pascal_ident(&lever_spec::naming::field_name(&f.name)))
        .collect();
    let wires: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let idents: Vec<_> = fields.iter().map(|f| snake_ident(&f.name)).collect();
    let locals: Vec<_> = (0..fields.len())
        .map(|i| format_ident!("__field{}", i))
        .collect();
    let types: Vec<_> = fields.iter().map(|f| field_type(cx, f)).collect();
    let reads = fields.iter().zip(&types).map(|(f, ty)| {
        if f.optional && f.nullable {
            let inner = cx.rust_type(&f.ty, From::Models);
            quote!(::std::option::Option::Some(map.next_value::<::std::option::Option<#inner>>()?))
        } else {
            quote!(map.next_value::<#ty>()?)
        }
    });
    let finishes = fields.iter().zip(&locals).map(|(f, local)| {
        if !f.optional && !f.nullable {
            let wire = &f.name;
            quote! {
                let ::std::option::Option::Some(#local) = #local else {
                    return ::std::result::Result::Err(<__A::Error as #serde::de::Error>::missing_field(#wire));
                };
            }
        } else {
            quote!(let #local = ::std::option::Option::unwrap_or_default(#local);)
        }
    });
    // With no known field, a `match` would have only the catch-all arm.
    let (from_str, from_string) = if fields.is_empty() {
        (
            quote!(__Field::__Unknown(::std::string::ToString::to_string(
                value
            ))),
            quote!(__Field::__Unknown(value)),
        )
    } else {
        (
            quote! {
                match value {
                    #(#wires => __Field::#variants,)*
                    other => __Field::__Unknown(::std::string::ToString::to_string(other)),
                }
            },
            quote! {
                match value.as_str() {
                    #(#wires => __Field::#variants,)*
                    _ => __Field::__Unknown(value),
                }
            },
        )
    };
    quote! {
        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<__D: #serde::Deserializer<'de>>(deserializer: __D) -> ::std::result::Result<Self, __D::Error> {
                /// A key of the object: a known field, or a key kept in `unknown_fields`.
                enum __Field {
                    #(#variants,)*
                    __Unknown(::std::string::String),
                }

                /// Reads a key, borrowed or owned.
                struct __FieldVisitor;

                impl<'de> #serde::de::Visitor<'de> for __FieldVisitor {
                    type Value = __Field;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a field name")
                    }

                    fn visit_str<__E: #serde::de::Error>(self, value: &str) -> ::std::result::Result<__Field, __E> {
                        ::std::result::Result::Ok(#from_str)
                    }

                    fn visit_string<__E: #serde::de::Error>(self, value: ::std::string::String) -> ::std::result::Result<__Field, __E> {
                        ::std::result::Result::Ok(#from_string)
                    }

                    fn visit_bytes<__E: #serde::de::Error>(self, value: &[u8]) -> ::std::result::Result<__Field, __E> {
                        match ::std::str::from_utf8(value) {
                            ::std::result::Result::Ok(value) => self.visit_str(value),
                            ::std::result::Result::Err(_) => ::std::result::Result::Err(__E::invalid_value(#serde::de::Unexpected::Bytes(value), &self)),
                        }
                    }
                }

                impl<'de> #serde::Deserialize<'de> for __Field {
                    fn deserialize<__K: #serde::Deserializer<'de>>(deserializer: __K) -> ::std::result::Result<Self, __K::Error> {
                        deserializer.deserialize_identifier(__FieldVisitor)
                    }
                }

                /// Reads the object's entries in one pass.
                struct __Visitor;

                impl<'de> #serde::de::Visitor<'de> for __Visitor {
                    type Value = #name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_map<__A: #serde::de::MapAccess<'de>>(self, mut map: __A) -> ::std::result::Result<#name, __A::Error> {
                        #(let mut #locals: ::std::option::Option<#types> = ::std::option::Option::None;)*
                        let mut unknown_fields = #json::Map::new();
                        while let ::std::option::Option::Some(key) = map.next_key::<__Field>()? {
                            match key {
                                #(__Field::#variants => {
                                    if #locals.is_some() {
                                        return ::std::result::Result::Err(<__A::Error as #serde::de::Error>::duplicate_field(#wires));
                                    }
                                    #locals = ::std::option::Option::Some(#reads);
                                })*
                                __Field::__Unknown(key) => {
                                    let value = map.next_value::<#json::Value>()?;
                                    unknown_fields.insert(key, value);
                                }
                            }
                        }
                        #(#finishes)*
                        ::std::result::Result::Ok(#name {
                            #(#idents: #locals,)*
                            unknown_fields,
                        })
                    }
                }

                deserializer.deserialize_map(__Visitor)
            }
        }
    }
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
    let rust_name = lever_spec::naming::field_name(&field.name);
    let rename = (rust_name != field.name).then(|| {
        let wire = &field.name;
        quote!(#[serde(rename = #wire)])
    });
    let ty = cx.rust_type(&field.ty, From::Models);
    let mut doc_text = field
        .doc
        .clone()
        .unwrap_or_else(|| format!("`{}`", field.name));
    let (ty, serde_attr) = match (field.optional, field.nullable) {
        (false, false) => (ty, None),
        (true, false) => {
            doc_text.push_str("\n\nMay be absent.");
            (
                quote!(::std::option::Option<#ty>),
                Some(
                    quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]),
                ),
            )
        }
        (false, true) => {
            doc_text.push_str("\n\nMay be `null`.");
            (
                quote!(::std::option::Option<#ty>),
                Some(quote!(#[serde(default)])),
            )
        }
        (true, true) => {
            doc_text.push_str(
                "\n\nMay be absent (`None`) or `null` (`Some(None)`); the two are kept apart.",
            );
            (
                quote!(::std::option::Option<::std::option::Option<#ty>>),
                Some(
                    quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none", with = "::lever_client::__private::double_option")]),
                ),
            )
        }
    };
    let doc = doc_attrs(&doc_text);
    quote! {
        #doc
        #rename
        #serde_attr
        pub #id: #ty,
    }
}

fn open_enum(def: &TypeDef, values: &EnumType, doc: TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
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
    }
}

fn id_newtype(def: &TypeDef, doc: TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
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
    }
}
