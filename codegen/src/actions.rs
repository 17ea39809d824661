//! Resources and actions: one accessor struct per resource, one request builder per action.

use lever_spec::{Action, PerformAs, Resource, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

use crate::context::{takes_into, Context, From};
use crate::names::{
    action_method, doc_attrs, ident, request_builder, resource_accessor, snake_ident,
};

/// The request builders of these actions.
pub(crate) fn builders(cx: &Context<'_>, actions: &[&Action]) -> TokenStream {
    let builders = actions.iter().map(|a| crate::builder::builder(cx, a));
    quote!(#(#builders)*)
}

/// An extension trait adding `actions` to an existing resource accessor of `lever_client`.
pub(crate) fn resource_extension(
    cx: &Context<'_>,
    trait_name: &proc_macro2::Ident,
    resource: &str,
    actions: &[&Action],
) -> TokenStream {
    let accessor = resource_accessor(resource);
    let methods: Vec<AccessorMethod> = actions
        .iter()
        .map(|a| accessor_method(cx, a, quote!(self.client())))
        .collect();
    let docs = methods.iter().map(|m| &m.doc);
    let signatures: Vec<_> = methods.iter().map(|m| &m.signature).collect();
    let bodies = methods.iter().map(|m| &m.body);
    let trait_doc = format!(
        " Actions an overlay adds to `client.{resource}()`; bring this trait into scope to call them."
    );
    quote! {
        #[doc = #trait_doc]
        pub trait #trait_name {
            #(#docs #signatures;)*
        }

        impl #trait_name for ::lever_client::resources::#accessor<'_> {
            #(#signatures { #bodies })*
        }
    }
}

/// Everything inside the generated `resources` module for these actions, grouped by resource.
pub(crate) fn resource_items(cx: &Context<'_>, resource: &str, actions: &[&Action]) -> TokenStream {
    let accessor = resource_accessor(resource);
    let doc = cx
        .spec
        .resources
        .get(resource)
        .and_then(|r| r.doc.clone())
        .unwrap_or_else(|| format!("The `{resource}` resource."));
    let accessor_doc = doc_attrs(&format!(
        "{doc}\n\nGet one with `client.{resource}()`; each method starts one request."
    ));
    let methods = actions
        .iter()
        .map(|a| accessor_method(cx, a, quote!(self.client)).inherent());
    let builders = actions.iter().map(|a| crate::builder::builder(cx, a));
    quote! {
        #accessor_doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy)]
        pub struct #accessor<'a> {
            client: &'a ::lever_client::Client,
        }

        impl<'a> #accessor<'a> {
            /// Wraps a client; `client.resource()` is the usual way in.
            pub fn new(client: &'a ::lever_client::Client) -> Self {
                #accessor { client }
            }

            /// The client this accessor sends through.
            pub fn client(&self) -> &'a ::lever_client::Client {
                self.client
            }

            #(#methods)*
        }

        #(#builders)*
    }
}

fn action_doc(action: &Action) -> String {
    let mut text = action.title.clone();
    if let Some(doc) = &action.doc {
        text.push_str("\n\n");
        text.push_str(doc);
    }
    text.push_str(&format!("\n\n`{} {}`", action.method.as_str(), action.path));
    match action.perform_as {
        PerformAs::Required => text.push_str(
            "\n\nLever requires `perform_as`: call `.perform_as(user)` before `.send()` (checked at compile time).",
        ),
        PerformAs::Optional => text.push_str("\n\nAccepts `.perform_as(user)`."),
        PerformAs::None => {}
    }
    if !action.scopes.is_empty() {
        let scopes: Vec<String> = action.scopes.iter().map(|s| format!("`{s}`")).collect();
        text.push_str(&format!("\n\nOAuth scopes: {}.", scopes.join(", ")));
    }
    if let Some(url) = &action.docs {
        text.push_str(&format!("\n\n[Lever's documentation]({url})"));
    }
    text
}

/// Argument type for a path parameter or required query parameter.
fn arg_type(cx: &Context<'_>, ty: &TypeRef) -> TokenStream {
    let rust = cx.rust_type(ty, From::Sibling);
    if takes_into(ty) {
        quote!(impl ::std::convert::Into<#rust>)
    } else {
        rust
    }
}

fn arg_value(ty: &TypeRef, id: &proc_macro2::Ident) -> TokenStream {
    if takes_into(ty) {
        quote!(#id.into())
    } else {
        quote!(#id)
    }
}

pub(crate) fn perform_as_type(cx: &Context<'_>) -> TokenStream {
    if cx.spec.types.contains_key("UserId") {
        cx.named("UserId", From::Sibling)
    } else {
        quote!(::std::string::String)
    }
}

/// An accessor method's signature (with docs) and body; `client` is the expression that gives
/// `&Client` inside the method.
pub(crate) struct AccessorMethod {
    pub doc: TokenStream,
    pub signature: TokenStream,
    pub body: TokenStream,
}

impl AccessorMethod {
    pub(crate) fn inherent(&self) -> TokenStream {
        let AccessorMethod {
            doc,
            signature,
            body,
        } = self;
        quote!(#doc pub #signature { #body })
    }
}

pub(crate) fn accessor_method(
    cx: &Context<'_>,
    action: &Action,
    client: TokenStream,
) -> AccessorMethod {
    let method = action_method(action);
    let builder = request_builder(action);
    let doc = doc_attrs(&action_doc(action));
    let mut args = Vec::new();
    let mut inits = vec![quote!(client: ::std::clone::Clone::clone(#client))];
    for param in action.path_params.iter().chain(action.argument_query()) {
        let id = snake_ident(&param.name);
        let ty = arg_type(cx, &param.ty);
        let value = arg_value(&param.ty, &id);
        args.push(quote!(#id: #ty));
        inits.push(quote!(#id: #value));
    }
    if let Some(body) = &action.body {
        let ty = cx.rust_type(&body.ty, From::Sibling);
        args.push(quote!(body: #ty));
        inits.push(quote!(body));
    }
    for param in action.setter_query() {
        let id = snake_ident(&param.name);
        inits.push(quote!(#id: ::std::default::Default::default()));
    }
    inits.extend(crate::file_parts::init(action));
    if action.perform_as != PerformAs::None {
        inits.push(quote!(perform_as: ::std::option::Option::None));
    }
    if action.paginated {
        inits.push(quote!(limit: ::std::option::Option::None));
        inits.push(quote!(offset: ::std::option::Option::None));
    }
    if action.perform_as == PerformAs::Required {
        inits.push(quote!(state: ::std::marker::PhantomData));
    }
    let ret = if action.perform_as == PerformAs::Required {
        quote!(#builder<::lever_client::__private::PerformAsMissing>)
    } else {
        quote!(#builder)
    };
    AccessorMethod {
        doc,
        signature: quote!(fn #method(&self, #(#args),*) -> #ret),
        body: quote!(#builder { #(#inits,)* }),
    }
}

/// The accessors: inherent methods on `Client` for the built-in client, or an extension trait.
pub(crate) fn client_accessors(resources: &[&Resource], mode: &crate::Accessors) -> TokenStream {
    let docs: Vec<TokenStream> = resources
        .iter()
        .map(|resource| {
            doc_attrs(&format!(
                "{}\n\nActions: {}.",
                resource
                    .doc
                    .clone()
                    .unwrap_or_else(|| format!("The `{}` resource.", resource.name)),
                resource
                    .actions
                    .keys()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
        .collect();
    let methods: Vec<_> = resources.iter().map(|r| snake_ident(&r.name)).collect();
    let accessors: Vec<_> = resources
        .iter()
        .map(|r| resource_accessor(&r.name))
        .collect();
    match mode {
        crate::Accessors::Inherent => quote! {
            impl ::lever_client::Client {
                #(
                    #docs
                    pub fn #methods(&self) -> resources::#accessors<'_> {
                        resources::#accessors::new(self)
                    }
                )*
            }
        },
        crate::Accessors::ExtensionTrait(name) => {
            let trait_name = ident(name);
            quote! {
                /// Resource accessors for `lever_client::Client` from this spec; bring the trait
                /// into scope to call them.
                pub trait #trait_name {
                    #(
                        #docs
                        fn #methods(&self) -> resources::#accessors<'_>;
                    )*
                }

                impl #trait_name for ::lever_client::Client {
                    #(
                        fn #methods(&self) -> resources::#accessors<'_> {
                            resources::#accessors::new(self)
                        }
                    )*
                }
            }
        }
    }
}
