//! `WebhookEvent`: one variant per Lever webhook event, plus `Unknown` with the raw JSON.

use proc_macro2::TokenStream;
use quote::quote;

use crate::context::{Context, From};
use crate::names::{doc_attrs, ident};

/// `with_registry`: a sibling `registry` module exists, so events can name their triggers.
// Long because most of it is one `quote!` template, the enum with its impls: kept whole so it
// reads like the code it generates.
pub(crate) fn webhook_event(cx: &Context<'_>, with_registry: bool) -> TokenStream {
    let events: Vec<_> = cx.spec.events.values().collect();
    let variants: Vec<_> = events
        .iter()
        .map(|e| ident(&lever_spec::naming::variant_name(&e.name)))
        .collect();
    let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    let datas: Vec<_> = events
        .iter()
        .map(|e| cx.named(&e.data, From::Sibling))
        .collect();
    let docs = events.iter().map(|e| {
        doc_attrs(&format!(
            "`{}`: {}",
            e.name,
            e.doc.clone().unwrap_or_default()
        ))
    });
    let triggers_for = events.iter().map(|e| {
        let triggers = cx
            .spec
            .triggers
            .values()
            .filter(|t| t.webhook.contains(&e.name))
            .map(|t| crate::names::trigger_variant(&t.name));
        quote!(&[#(super::registry::Trigger::#triggers),*])
    });
    let triggers_method = with_registry.then(|| {
        quote! {
            /// The triggers that this event fires.
            pub fn triggers(&self) -> &'static [super::registry::Trigger] {
                match self {
                    #(WebhookEvent::#variants(_) => #triggers_for,)*
                    WebhookEvent::Unknown(_) => &[],
                }
            }
        }
    });
    let strict: Vec<&str> = events
        .iter()
        .filter(|e| {
            strict_type(
                cx,
                &lever_spec::TypeRef::Named(e.data.clone()),
                &mut Vec::new(),
            )
        })
        .map(|e| e.name.as_str())
        .collect();
    let unused_parts = names.is_empty().then(|| quote!(let _ = (parts, data);));
    let strict_match = if strict.is_empty() {
        quote! {
            let _ = name;
            false
        }
    } else {
        quote!(matches!(name, #(#strict)|*))
    };
    // Without a registry there is no `Trigger` to name: the event is then not one the
    // runtime's receiver and dispatcher take (an overlay's own events, a fixture).
    let not_unknown = (!names.is_empty()).then(|| quote!(_ => ::std::option::Option::None,));
    let event_kind = with_registry.then(|| {
        quote! {
            /// The runtime's view of the event: the receiver, the dispatcher and the poller in
            /// `lever_runtime` are generic over it.
            impl ::lever_client::webhooks::EventKind for WebhookEvent {
                type Trigger = super::registry::Trigger;

                fn name(&self) -> &str {
                    WebhookEvent::name(self)
                }

                fn token(&self) -> &str {
                    WebhookEvent::token(self)
                }

                fn triggered_at(&self) -> ::std::option::Option<::lever_client::Timestamp> {
                    WebhookEvent::triggered_at(self)
                }

                fn triggers(&self) -> &'static [super::registry::Trigger] {
                    WebhookEvent::triggers(self)
                }

                fn as_unknown(&self) -> ::std::option::Option<&::lever_client::webhooks::UnknownEvent> {
                    match self {
                        WebhookEvent::Unknown(unknown) => ::std::option::Option::Some(unknown),
                        #not_unknown
                    }
                }

                fn from_value(value: ::lever_client::__private::serde_json::Value) -> ::std::result::Result<Self, ::lever_client::__private::serde_json::Error> {
                    WebhookEvent::from_value(value)
                }

                fn from_parts(name: &str, parts: ::lever_client::webhooks::DeliveryParts, data: &str) -> ::std::option::Option<::std::result::Result<Self, ::lever_client::__private::serde_json::Error>> {
                    #unused_parts
                    match name {
                        #(#names => ::std::option::Option::Some(parts.decode(data).map(WebhookEvent::#variants)),)*
                        _ => ::std::option::Option::None,
                    }
                }

                fn decodes_data_strictly(name: &str) -> bool {
                    #strict_match
                }
            }
        }
    });
    quote! {
        /// A webhook delivery from Lever, typed by its `event`.
        ///
        /// Parse one with `lever_client::webhooks::parse` (or `verify_and_parse`). Events this
        /// version does not know are kept in `Unknown` with their raw JSON, and every event
        /// serialises back to the JSON it came from (minus keys the spec does not know, which
        /// each data type keeps in `unknown_fields`).
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
        #[non_exhaustive]
        pub enum WebhookEvent {
            #(#docs #variants(::lever_client::webhooks::Delivery<#datas>),)*
            /// An event this version of the spec does not know.
            Unknown(::lever_client::webhooks::UnknownEvent),
        }

        impl WebhookEvent {
            /// Every event name Lever sends, as the spec knows them.
            pub const NAMES: &'static [&'static str] = &[#(#names),*];

            /// The event's name as Lever spells it (e.g. `candidateStageChange`).
            pub fn name(&self) -> &str {
                match self {
                    #(WebhookEvent::#variants(_) => #names,)*
                    WebhookEvent::Unknown(unknown) => &unknown.event,
                }
            }

            /// The delivery's `token` (signed together with `triggered_at`).
            pub fn token(&self) -> &str {
                match self {
                    #(WebhookEvent::#variants(delivery) => &delivery.token,)*
                    WebhookEvent::Unknown(unknown) => unknown.token(),
                }
            }

            /// When Lever fired the event.
            pub fn triggered_at(&self) -> ::std::option::Option<::lever_client::Timestamp> {
                match self {
                    #(WebhookEvent::#variants(delivery) => ::std::option::Option::Some(delivery.triggered_at),)*
                    WebhookEvent::Unknown(unknown) => unknown.triggered_at(),
                }
            }

            #triggers_method

            /// Decodes a delivery body already parsed as JSON.
            pub fn from_value(value: ::lever_client::__private::serde_json::Value) -> ::std::result::Result<Self, ::lever_client::__private::serde_json::Error> {
                let name = match value.get("event") {
                    ::std::option::Option::Some(::lever_client::__private::serde_json::Value::String(name)) => ::std::clone::Clone::clone(name),
                    _ => return ::std::result::Result::Err(<::lever_client::__private::serde_json::Error as ::lever_client::__private::serde::de::Error>::custom("the delivery has no string `event` field")),
                };
                match name.as_str() {
                    #(#names => ::lever_client::__private::serde_json::from_value(value).map(WebhookEvent::#variants),)*
                    _ => ::std::result::Result::Ok(WebhookEvent::Unknown(::lever_client::webhooks::UnknownEvent::new(name, value))),
                }
            }
        }

        #event_kind

        impl ::lever_client::__private::serde::Serialize for WebhookEvent {
            fn serialize<S: ::lever_client::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(WebhookEvent::#variants(delivery) => ::lever_client::webhooks::serialize_delivery(#names, delivery, serializer),)*
                    WebhookEvent::Unknown(unknown) => ::lever_client::__private::serde::Serialize::serialize(&unknown.raw, serializer),
                }
            }
        }

        impl<'de> ::lever_client::__private::serde::Deserialize<'de> for WebhookEvent {
            fn deserialize<D: ::lever_client::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::lever_client::__private::serde_json::Value as ::lever_client::__private::serde::Deserialize>::deserialize(deserializer)?;
                WebhookEvent::from_value(value).map_err(<D::Error as ::lever_client::__private::serde::de::Error>::custom)
            }
        }
    }
}

/// Whether decoding a value of `ty` reads all of its input as strictly as parsing a
/// `serde_json::Value` does: scalars, IDs, enums and JSON values do, lists and maps of such
/// types too, and objects that keep unknown keys (as `Value`s) and whose fields all do. A
/// derived object skims the keys it does not know, so it does not; nor do types whose decoding
/// this does not know (`File`, `Expandable`), nor recursive types.
fn strict_type(cx: &Context<'_>, ty: &lever_spec::TypeRef, visiting: &mut Vec<String>) -> bool {
    use lever_spec::{TypeKind, TypeRef};
    match ty {
        TypeRef::String
        | TypeRef::Integer
        | TypeRef::Number
        | TypeRef::Boolean
        | TypeRef::Timestamp
        | TypeRef::ByteSize
        | TypeRef::Json => true,
        TypeRef::File | TypeRef::Expandable(_) => false,
        TypeRef::List(inner) | TypeRef::Map(inner) => strict_type(cx, inner, visiting),
        TypeRef::Named(name) => match cx.spec.types.get(name).map(|def| &def.kind) {
            Some(TypeKind::Id | TypeKind::Enum(_)) => true,
            Some(TypeKind::Object(object)) => {
                if !object.keep_unknown || visiting.contains(name) {
                    return false;
                }
                visiting.push(name.clone());
                let strict = object
                    .fields
                    .iter()
                    .all(|field| strict_type(cx, &field.ty, visiting));
                visiting.pop();
                strict
            }
            None => false,
        },
    }
}
