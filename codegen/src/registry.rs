//! `Trigger`: the static triggers registry.

use lever_spec::{PollEmit, TriggerDef};
use proc_macro2::TokenStream;
use quote::quote;

use crate::context::Context;
use crate::names::{doc_attrs, trigger_variant};

/// The `Trigger` enum, its registry entries and their poll rules.
// Long because most of it is one `quote!` template (the enum and its impls), kept whole so it
// reads like the code it generates.
pub(crate) fn triggers(cx: &Context<'_>) -> TokenStream {
    let triggers: Vec<&TriggerDef> = cx.spec.triggers.values().collect();
    let variants: Vec<_> = triggers.iter().map(|t| trigger_variant(&t.name)).collect();
    let names: Vec<&str> = triggers.iter().map(|t| t.name.as_str()).collect();
    let titles: Vec<&str> = triggers.iter().map(|t| t.title.as_str()).collect();
    let descriptions: Vec<&str> = triggers.iter().map(|t| t.description.as_str()).collect();
    let docs = triggers.iter().map(|t| doc_attrs(&trigger_doc(t)));
    let scopes = triggers.iter().map(|t| {
        let list = trigger_scopes(cx, t);
        quote!(&[#(#list),*])
    });
    let experimental: Vec<bool> = triggers.iter().map(|t| t.experimental).collect();
    let source_consts: Vec<_> = triggers
        .iter()
        .map(|t| crate::names::ident(&crate::names::source_const_name(&t.name)))
        .collect();
    let source_defs = triggers
        .iter()
        .zip(&source_consts)
        .map(|(t, id)| source_def(cx, t, id));
    quote! {
        /// A trigger from the registry: something users react to, fired by native webhook
        /// events, by polling, or both.
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash, ::std::cmp::PartialOrd, ::std::cmp::Ord)]
        #[non_exhaustive]
        pub enum Trigger {
            #(#docs #variants,)*
        }

        #(#source_defs)*

        impl Trigger {
            /// Every trigger in the registry.
            pub const ALL: &'static [Trigger] = &[#(Trigger::#variants),*];

            /// The snake_case name, e.g. `posting_updated`.
            pub fn name(self) -> &'static str {
                match self {
                    #(Trigger::#variants => #names,)*
                }
            }

            /// The human title, e.g. "Posting Updated".
            pub fn title(self) -> &'static str {
                match self {
                    #(Trigger::#variants => #titles,)*
                }
            }

            /// What the trigger means.
            pub fn description(self) -> &'static str {
                match self {
                    #(Trigger::#variants => #descriptions,)*
                }
            }

            /// Where its events come from: webhook events, a polling rule, or both.
            pub fn source(self) -> &'static ::lever_client::triggers::TriggerSource {
                match self {
                    #(Trigger::#variants => &#source_consts,)*
                }
            }

            /// The OAuth scopes it needs: its poll action's, plus any the trigger declares
            /// (e.g. `confidential:access:admin` for a poll that lists confidential items).
            pub fn scopes(self) -> &'static [&'static str] {
                match self {
                    #(Trigger::#variants => #scopes,)*
                }
            }

            /// Whether it rests on behaviour Lever does not document, so its events may change.
            pub fn is_experimental(self) -> bool {
                match self {
                    #(Trigger::#variants => #experimental,)*
                }
            }

            /// Looks a trigger up by its snake_case name.
            pub fn from_name(name: &str) -> ::std::option::Option<Trigger> {
                match name {
                    #(#names => ::std::option::Option::Some(Trigger::#variants),)*
                    _ => ::std::option::Option::None,
                }
            }
        }

        /// The runtime's view of the trigger: the dispatcher and the poller in `lever_runtime`
        /// are generic over it.
        impl ::lever_client::triggers::TriggerKind for Trigger {
            fn name(self) -> &'static str {
                Trigger::name(self)
            }

            fn source(self) -> &'static ::lever_client::triggers::TriggerSource {
                Trigger::source(self)
            }

            fn from_name(name: &str) -> ::std::option::Option<Self> {
                Trigger::from_name(name)
            }
        }

        impl ::std::fmt::Display for Trigger {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.title())
            }
        }

        impl ::std::str::FromStr for Trigger {
            type Err = ::lever_client::triggers::UnknownTrigger;
            fn from_str(name: &str) -> ::std::result::Result<Self, Self::Err> {
                Trigger::from_name(name).ok_or_else(|| ::lever_client::triggers::UnknownTrigger(::std::string::ToString::to_string(name)))
            }
        }
    }
}

/// A trigger's scopes: its poll action's, then the ones it declares, without repeats.
fn trigger_scopes(cx: &Context<'_>, trigger: &TriggerDef) -> Vec<String> {
    let from_poll = trigger
        .poll
        .as_ref()
        .and_then(|poll| cx.spec.action(&poll.resource, &poll.action))
        .map(|action| action.scopes.clone())
        .unwrap_or_default();
    let mut scopes: Vec<String> = Vec::new();
    for scope in from_poll.into_iter().chain(trigger.scopes.iter().cloned()) {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes
}

/// A trigger's doc: what it means, what fires it, and whether it is experimental.
fn trigger_doc(t: &TriggerDef) -> String {
    let mut text = format!("{}: {}", t.title, t.description);
    if !t.webhook.is_empty() {
        text.push_str(&format!(
            "\n\nFired by the webhook events {}.",
            t.webhook
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if t.experimental {
        text.push_str(
            "\n\n**Experimental**: it rests on behaviour Lever does not document, so its events may change.",
        );
    }
    if let Some(poll) = &t.poll {
        text.push_str(&format!(
            "\n\nPolled through `{}.{}` ({} items).",
            poll.resource,
            poll.action,
            poll.emit.as_str()
        ));
    }
    text
}

/// A trigger's `TriggerSource` constant: its webhook events and poll rule.
fn source_def(cx: &Context<'_>, t: &TriggerDef, id: &proc_macro2::Ident) -> TokenStream {
    let events = &t.webhook;
    let poll = match &t.poll {
        None => quote!(::std::option::Option::None),
        Some(poll) => poll_rule(cx, poll),
    };
    quote! {
        const #id: ::lever_client::triggers::TriggerSource = ::lever_client::triggers::TriggerSource {
            webhook: &[#(#events),*],
            poll: #poll,
        };
    }
}

/// `Some(PollRule { .. })` for a trigger's poll rule.
fn poll_rule(cx: &Context<'_>, poll: &lever_spec::PollRule) -> TokenStream {
    let action = cx.spec.action(&poll.resource, &poll.action);
    let path = action.map(|a| a.path.as_str()).unwrap_or_default();
    let resource = &poll.resource;
    let action_name = &poll.action;
    let since = &poll.since;
    let cursor = &poll.cursor;
    let created = match &poll.created_field {
        Some(f) => quote!(::std::option::Option::Some(#f)),
        None => quote!(::std::option::Option::None),
    };
    let emit = match poll.emit {
        PollEmit::Created => quote!(::lever_client::triggers::PollEmit::Created),
        PollEmit::Updated => quote!(::lever_client::triggers::PollEmit::Updated),
        PollEmit::All => quote!(::lever_client::triggers::PollEmit::All),
    };
    let query = poll.fixed_query.iter().map(|(k, v)| quote!((#k, #v)));
    quote!(::std::option::Option::Some(::lever_client::triggers::PollRule {
        resource: #resource,
        action: #action_name,
        path: #path,
        since: #since,
        cursor: #cursor,
        created_field: #created,
        emit: #emit,
        query: &[#(#query),*],
    }))
}
