//! One request builder per action: its fields, its setters, `perform_as` (a typestate when
//! Lever requires it), and the request and send methods of [`crate::sending`].

use lever_spec::{Action, PerformAs};
use proc_macro2::TokenStream;
use quote::quote;

use crate::actions::perform_as_type;
use crate::context::{Context, From};
use crate::names::{doc_attrs, ident, request_builder, snake_ident};
use crate::sending::{build_request, send_methods};

/// The builder struct of `action` and its methods.
pub(crate) fn builder(cx: &Context<'_>, action: &Action) -> TokenStream {
    let name = request_builder(action);
    let doc = doc_attrs(&format!(
        "Request builder for {}: {}.\n\nSet optional parameters with the chained setters, then await `.send()`.",
        action.full_name(),
        action.title
    ));
    let (fields, setters) = fields_and_setters(cx, action);
    let request = build_request(cx, action);
    let perform_as_setter = perform_as_setter(cx, action);
    // `Debug` shows IDs and the shape of the body, not query values or body text (an
    // `email` filter, a note): see `redact.rs` in lever-runtime.
    let debug_fields: Vec<_> = builder_field_names(action)
        .iter()
        .map(|name| ident(name))
        .collect();
    if action.perform_as == PerformAs::Required {
        // A bound on each method (not on an `impl` for `PerformAsSet` only) makes rustc
        // report `PerformAsGiven`'s message: call `.perform_as(user_id)` first.
        let send = send_methods(
            cx,
            action,
            &quote!(where S: ::lever_client::__private::PerformAsGiven),
        );
        quote! {
            #doc
            #[derive(::std::clone::Clone)]
            #[must_use = "a request does nothing until `.send()` is awaited"]
            pub struct #name<S = ::lever_client::__private::PerformAsSet> {
                #(#fields,)*
            }

            ::lever_client::__private::redacted_debug!(#name<S> { #(#debug_fields),* });

            impl<S> #name<S> {
                #(#setters)*
                #perform_as_setter
                #request
            }

            impl<S> #name<S> {
                #send
            }
        }
    } else {
        let send = send_methods(cx, action, &quote!());
        quote! {
            #doc
            #[derive(::std::clone::Clone)]
            #[must_use = "a request does nothing until `.send()` is awaited"]
            pub struct #name {
                #(#fields,)*
            }

            ::lever_client::__private::redacted_debug!(#name { #(#debug_fields),* });

            impl #name {
                #(#setters)*
                #perform_as_setter
                #request
                #send
            }
        }
    }
}

/// The builder's fields, in the order of [`builder_field_names`], and its setters.
fn fields_and_setters(cx: &Context<'_>, action: &Action) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut fields = vec![quote!(client: ::lever_client::Client)];
    for param in action.path_params.iter().chain(action.argument_query()) {
        let id = snake_ident(&param.name);
        let ty = cx.rust_type(&param.ty, From::Sibling);
        fields.push(quote!(#id: #ty));
    }
    if let Some(body) = &action.body {
        let ty = cx.rust_type(&body.ty, From::Sibling);
        fields.push(quote!(body: #ty));
    }
    let mut setters = Vec::new();
    for param in action.setter_query() {
        let (field, setter) = query_setter(cx, param);
        fields.push(field);
        setters.push(setter);
    }
    fields.extend(crate::file_parts::field(action));
    setters.extend(crate::file_parts::setters(action));
    if action.perform_as != PerformAs::None {
        let user_id = perform_as_type(cx);
        fields.push(quote!(perform_as: ::std::option::Option<#user_id>));
    }
    if action.paginated {
        fields.push(quote!(limit: ::std::option::Option<u32>));
        fields.push(quote!(offset: ::std::option::Option<::std::string::String>));
        setters.push(quote! {
            /// Page size, 1 to 100 (Lever's default is 100).
            pub fn limit(mut self, limit: u32) -> Self {
                self.limit = ::std::option::Option::Some(limit);
                self
            }

            /// Resume from an offset token (a previous page's `next`).
            pub fn offset(mut self, token: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.offset = ::std::option::Option::Some(token.into());
                self
            }
        });
    }
    if action.perform_as == PerformAs::Required {
        fields.push(quote!(state: ::std::marker::PhantomData<S>));
    }
    setters.push(quote! {
        /// This call's overall deadline, retries and rate-limit waits included, instead of the
        /// client's ([`ClientBuilder::deadline`](::lever_client::ClientBuilder::deadline));
        /// `None` for no limit.
        pub fn deadline(mut self, deadline: ::std::option::Option<::std::time::Duration>) -> Self {
            self.client = self.client.with_deadline(deadline);
            self
        }
    });
    (fields, setters)
}

/// The field and setter of an optional query parameter; a repeated one collects its values.
fn query_setter(cx: &Context<'_>, param: &lever_spec::Param) -> (TokenStream, TokenStream) {
    let id = snake_ident(&param.name);
    let ty = cx.rust_type(&param.ty, From::Sibling);
    let text = param
        .doc
        .clone()
        .unwrap_or_else(|| format!("Sets `{}`.", param.name));
    if param.repeated {
        let setter_doc = doc_attrs(&format!(
            "{text}\n\nRepeatable: each call adds one `{}` value.",
            param.name
        ));
        (
            quote!(#id: ::std::vec::Vec<#ty>),
            quote! {
                #setter_doc
                pub fn #id(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                    self.#id.push(value.into());
                    self
                }
            },
        )
    } else {
        let setter_doc = doc_attrs(&text);
        (
            quote!(#id: ::std::option::Option<#ty>),
            quote! {
                #setter_doc
                pub fn #id(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                    self.#id = ::std::option::Option::Some(value.into());
                    self
                }
            },
        )
    }
}

/// `.perform_as(user)`: a plain setter, or for a required one the move from the
/// `PerformAsMissing` typestate to `PerformAsSet`.
fn perform_as_setter(cx: &Context<'_>, action: &Action) -> TokenStream {
    let user_id = perform_as_type(cx);
    match action.perform_as {
        PerformAs::None => quote!(),
        PerformAs::Optional => quote! {
            /// Records the change as made by this Lever user.
            pub fn perform_as(mut self, user: impl ::std::convert::Into<#user_id>) -> Self {
                self.perform_as = ::std::option::Option::Some(user.into());
                self
            }
        },
        PerformAs::Required => {
            let name = request_builder(action);
            let moves = builder_field_names(action)
                .into_iter()
                .filter(|f| f != "perform_as" && f != "state")
                .map(|f| {
                    let id = ident(&f);
                    quote!(#id: self.#id)
                });
            quote! {
                /// Records the change as made by this Lever user (required by Lever).
                pub fn perform_as(self, user: impl ::std::convert::Into<#user_id>) -> #name<::lever_client::__private::PerformAsSet> {
                    #name {
                        #(#moves,)*
                        perform_as: ::std::option::Option::Some(user.into()),
                        state: ::std::marker::PhantomData,
                    }
                }
            }
        }
    }
}

/// Field names of a builder, in declaration order (used to move fields between typestates).
fn builder_field_names(action: &Action) -> Vec<String> {
    let mut names = vec!["client".to_string()];
    for param in action.path_params.iter().chain(action.argument_query()) {
        names.push(lever_spec::naming::field_name(&param.name));
    }
    if action.body.is_some() {
        names.push("body".into());
    }
    for param in action.setter_query() {
        names.push(lever_spec::naming::field_name(&param.name));
    }
    if crate::file_parts::field(action).is_some() {
        names.push("file_parts".into());
    }
    if action.perform_as != PerformAs::None {
        names.push("perform_as".into());
    }
    if action.paginated {
        names.push("limit".into());
        names.push("offset".into());
    }
    names
}
