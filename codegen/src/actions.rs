//! Resources and actions: one accessor struct per resource, one request builder per action.

use lever_spec::{Action, BodyFormat, PerformAs, Resource, Response, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::context::{takes_into, Context, From};
use crate::names::{
    action_method, doc_attrs, ident, request_builder, resource_accessor, snake_ident,
};

/// The request builders of these actions.
pub(crate) fn builders(cx: &Context<'_>, actions: &[&Action]) -> TokenStream {
    let builders = actions.iter().map(|a| builder(cx, a));
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
    let builders = actions.iter().map(|a| builder(cx, a));
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

fn perform_as_type(cx: &Context<'_>) -> TokenStream {
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

fn builder(cx: &Context<'_>, action: &Action) -> TokenStream {
    let name = request_builder(action);
    let required_pa = action.perform_as == PerformAs::Required;
    let doc = doc_attrs(&format!(
        "Request builder for {}: {}.\n\nSet optional parameters with the chained setters, then await `.send()`.",
        action.full_name(),
        action.title
    ));
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
        let id = snake_ident(&param.name);
        let ty = cx.rust_type(&param.ty, From::Sibling);
        let text = param
            .doc
            .clone()
            .unwrap_or_else(|| format!("Sets `{}`.", param.name));
        if param.repeated {
            fields.push(quote!(#id: ::std::vec::Vec<#ty>));
            let setter_doc = doc_attrs(&format!(
                "{text}\n\nRepeatable: each call adds one `{}` value.",
                param.name
            ));
            setters.push(quote! {
                #setter_doc
                pub fn #id(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                    self.#id.push(value.into());
                    self
                }
            });
        } else {
            fields.push(quote!(#id: ::std::option::Option<#ty>));
            let setter_doc = doc_attrs(&text);
            setters.push(quote! {
                #setter_doc
                pub fn #id(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                    self.#id = ::std::option::Option::Some(value.into());
                    self
                }
            });
        }
    }
    fields.extend(crate::file_parts::field(action));
    setters.extend(crate::file_parts::setters(action));
    let user_id = perform_as_type(cx);
    if action.perform_as != PerformAs::None {
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
    if required_pa {
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

    let request = build_request(cx, action);
    // A bound on each method (not on an `impl` for `PerformAsSet` only) makes rustc report
    // `PerformAsGiven`'s message: call `.perform_as(user_id)` first.
    let bound = if required_pa {
        quote!(where S: ::lever_client::__private::PerformAsGiven)
    } else {
        quote!()
    };
    let send = send_methods(cx, action, &bound);

    let perform_as_setter = match action.perform_as {
        PerformAs::None => quote!(),
        PerformAs::Optional => quote! {
            /// Records the change as made by this Lever user.
            pub fn perform_as(mut self, user: impl ::std::convert::Into<#user_id>) -> Self {
                self.perform_as = ::std::option::Option::Some(user.into());
                self
            }
        },
        PerformAs::Required => {
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
    };

    if required_pa {
        quote! {
            #doc
            #[derive(::std::fmt::Debug, ::std::clone::Clone)]
            #[must_use = "a request does nothing until `.send()` is awaited"]
            pub struct #name<S = ::lever_client::__private::PerformAsSet> {
                #(#fields,)*
            }

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
        quote! {
            #doc
            #[derive(::std::fmt::Debug, ::std::clone::Clone)]
            #[must_use = "a request does nothing until `.send()` is awaited"]
            pub struct #name {
                #(#fields,)*
            }

            impl #name {
                #(#setters)*
                #perform_as_setter
                #request
                #send
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

/// `fn request(&self) -> ApiRequest` (or `Result<ApiRequest>` when a JSON body must be encoded).
fn build_request(cx: &Context<'_>, action: &Action) -> TokenStream {
    // Path: the template's format string, with each parameter encoded as a segment.
    let format_string = action.path_template.format_string();
    let format_args: Vec<TokenStream> = action
        .path_template
        .params()
        .map(|name| {
            let id = snake_ident(name);
            let ty = action
                .path_params
                .iter()
                .find(|p| p.name == name)
                .map_or(&TypeRef::String, |p| &p.ty);
            let as_str = if cx.is_id(ty) || *ty == TypeRef::String {
                quote!(::std::convert::AsRef::<str>::as_ref(&self.#id))
            } else {
                quote!(&::std::string::ToString::to_string(&self.#id))
            };
            quote!(::lever_client::__private::encode_path_segment(#as_str))
        })
        .collect();
    // Arguments go in `let`s: prettyplease leaves a macro's arguments on one line.
    let segment_names: Vec<_> = (0..format_args.len())
        .map(|i| format_ident!("segment_{}", i))
        .collect();
    let path_expr = if format_args.is_empty() {
        quote!(::std::string::ToString::to_string(#format_string))
    } else {
        quote!({
            #(let #segment_names = #format_args;)*
            ::std::format!(#format_string, #(#segment_names),*)
        })
    };
    let template = &action.path;
    let method = format_ident!("{}", action.method.as_str());

    let mut pushes = Vec::new();
    for param in action.argument_query() {
        let id = snake_ident(&param.name);
        let wire = &param.name;
        pushes.push(quote!(query.push((#wire, ::std::string::ToString::to_string(&self.#id)));));
    }
    for param in action.setter_query() {
        let id = snake_ident(&param.name);
        let wire = &param.name;
        if param.repeated {
            pushes.push(quote! {
                for value in &self.#id {
                    query.push((#wire, ::std::string::ToString::to_string(value)));
                }
            });
        } else {
            pushes.push(quote! {
                if let ::std::option::Option::Some(value) = &self.#id {
                    query.push((#wire, ::std::string::ToString::to_string(value)));
                }
            });
        }
    }
    if action.perform_as != PerformAs::None {
        pushes.push(quote! {
            if let ::std::option::Option::Some(user) = &self.perform_as {
                query.push(("perform_as", ::std::string::ToString::to_string(user)));
            }
        });
    }
    if action.paginated {
        pushes.push(quote! {
            if let ::std::option::Option::Some(limit) = self.limit {
                query.push(("limit", ::std::string::ToString::to_string(&limit)));
            }
            if let ::std::option::Option::Some(offset) = &self.offset {
                query.push(("offset", ::std::clone::Clone::clone(offset)));
            }
        });
    }
    let query_decl = if pushes.is_empty() {
        quote!(let query = ::std::vec::Vec::new();)
    } else {
        quote!(let mut query: ::std::vec::Vec<(&'static str, ::std::string::String)> = ::std::vec::Vec::new();)
    };
    let (ret, body_expr, fallible) = match &action.body {
        None => (
            quote!(::lever_client::ApiRequest),
            quote!(::lever_client::__private::Body::None),
            false,
        ),
        Some(body) if body.format == BodyFormat::Multipart => (
            quote!(::lever_client::ApiRequest),
            quote!(::lever_client::__private::Body::File(
                ::std::clone::Clone::clone(&self.body)
            )),
            false,
        ),
        Some(body) if !body.files.is_empty() => (
            quote!(::std::result::Result<::lever_client::__private::ApiRequest, ::lever_client::Error>),
            crate::file_parts::body_expr(),
            true,
        ),
        Some(_) => (
            quote!(::std::result::Result<::lever_client::ApiRequest, ::lever_client::Error>),
            quote!(::lever_client::__private::Body::json(&self.body)?),
            true,
        ),
    };
    let request = quote! {
        ::lever_client::ApiRequest {
            method: ::lever_client::Method::#method,
            path: #path_expr,
            path_template: #template,
            query,
            body: #body_expr,
        }
    };
    let request = if fallible {
        quote!(::std::result::Result::Ok(#request))
    } else {
        request
    };
    let public = if fallible {
        quote!(self.request())
    } else {
        quote!(::std::result::Result::Ok(self.request()))
    };
    quote! {
        /// The HTTP request this builder sends (method, path, query and body), e.g. to log or
        /// inspect it. Fails only when the body cannot be encoded as JSON.
        #[inline]
        pub fn to_request(&self) -> ::std::result::Result<::lever_client::ApiRequest, ::lever_client::Error> {
            #public
        }

        // `#[inline]` like `send()` (see `send_methods`): compiled where it is used.
        #[inline]
        fn request(&self) -> #ret {
            #query_decl
            #(#pushes)*
            #request
        }
    }
}

/// `send()` and `stream()` are `#[inline]`: besides letting the compiler inline them, that
/// defers compiling each one (and the decoding of its response type) to the crate that calls
/// it, so `lever-client` itself builds faster and a program pays only for the actions it uses.
fn send_methods(cx: &Context<'_>, action: &Action, bound: &TokenStream) -> TokenStream {
    let request = if matches!(&action.body, Some(b) if b.format == BodyFormat::Json) {
        quote!(self.request()?)
    } else {
        quote!(self.request())
    };
    match &action.response {
        Response::Data(ty) if action.paginated => {
            let item = cx.rust_type(ty, From::Sibling);
            quote! {
                /// Sends the request and returns one page (`data`, `has_next`, `next`).
                #[inline]
                pub async fn send(self) -> ::std::result::Result<::lever_client::Page<#item>, ::lever_client::Error> #bound {
                    self.client.send_page(#request).await
                }

                /// Like `send`, with the HTTP status and headers.
                #[inline]
                pub async fn send_with_meta(self) -> ::std::result::Result<::lever_client::Response<::lever_client::Page<#item>>, ::lever_client::Error> #bound {
                    self.client.send_raw_with_meta(#request).await
                }

                /// Streams every item across all pages, fetching one page at a time.
                #[inline]
                pub fn stream(self) -> ::lever_client::ItemStream<#item> #bound {
                    self.client.stream_items(#request)
                }
            }
        }
        Response::Data(ty) => {
            let out = cx.rust_type(ty, From::Sibling);
            quote! {
                /// Sends the request and decodes the response's `data`.
                #[inline]
                pub async fn send(self) -> ::std::result::Result<#out, ::lever_client::Error> #bound {
                    self.client.send_data(#request).await
                }

                /// Like `send`, with the HTTP status and headers.
                #[inline]
                pub async fn send_with_meta(self) -> ::std::result::Result<::lever_client::Response<#out>, ::lever_client::Error> #bound {
                    self.client.send_data_with_meta(#request).await
                }
            }
        }
        Response::Raw(ty) => {
            let out = cx.rust_type(ty, From::Sibling);
            quote! {
                /// Sends the request and decodes the whole response body (Lever sends no envelope here).
                #[inline]
                pub async fn send(self) -> ::std::result::Result<#out, ::lever_client::Error> #bound {
                    self.client.send_raw(#request).await
                }

                /// Like `send`, with the HTTP status and headers.
                #[inline]
                pub async fn send_with_meta(self) -> ::std::result::Result<::lever_client::Response<#out>, ::lever_client::Error> #bound {
                    self.client.send_raw_with_meta(#request).await
                }
            }
        }
        Response::Empty => quote! {
            /// Sends the request; Lever answers with no content.
            #[inline]
            pub async fn send(self) -> ::std::result::Result<(), ::lever_client::Error> #bound {
                self.client.send_empty(#request).await
            }

            /// Like `send`, with the HTTP status and headers.
            #[inline]
            pub async fn send_with_meta(self) -> ::std::result::Result<::lever_client::Response<()>, ::lever_client::Error> #bound {
                self.client.send_empty_with_meta(#request).await
            }
        },
        Response::Binary => quote! {
            /// Sends the request and returns the downloaded bytes.
            #[inline]
            pub async fn send(self) -> ::std::result::Result<::lever_client::__private::Bytes, ::lever_client::Error> #bound {
                self.client.send_bytes(#request).await
            }

            /// Like `send`, with the HTTP status and headers.
            #[inline]
            pub async fn send_with_meta(self) -> ::std::result::Result<::lever_client::Response<::lever_client::__private::Bytes>, ::lever_client::Error> #bound {
                self.client.send_bytes_with_meta(#request).await
            }
        },
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
