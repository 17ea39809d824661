//! What a request builder sends: `request()` and `to_request()` (method, path, query and
//! body), and the `send` methods for each kind of response.

use lever_spec::{Action, BodyFormat, PerformAs, Response, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::context::{Context, From};
use crate::names::snake_ident;

/// `fn request(&self) -> ApiRequest` (or `Result<ApiRequest>` when a JSON body must be
/// encoded), and the public `to_request()`.
pub(crate) fn build_request(cx: &Context<'_>, action: &Action) -> TokenStream {
    let path_expr = path_expr(cx, action);
    let template = &action.path;
    let method = format_ident!("{}", action.method.as_str());
    let pushes = query_pushes(action);
    let query_decl = if pushes.is_empty() {
        quote!(let query = ::std::vec::Vec::new();)
    } else {
        quote!(let mut query: ::std::vec::Vec<(&'static str, ::std::string::String)> = ::std::vec::Vec::new();)
    };
    let (ret, body_expr, fallible) = request_body(action);
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

/// The path: the template's format string, with each parameter encoded as a segment.
fn path_expr(cx: &Context<'_>, action: &Action) -> TokenStream {
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
    if format_args.is_empty() {
        quote!(::std::string::ToString::to_string(#format_string))
    } else {
        quote!({
            #(let #segment_names = #format_args;)*
            ::std::format!(#format_string, #(#segment_names),*)
        })
    }
}

/// Statements pushing each set query parameter (path order, then setters, `perform_as`, and
/// `limit`/`offset`) onto `query`.
fn query_pushes(action: &Action) -> Vec<TokenStream> {
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
    pushes
}

/// The return type of `request()`, the body expression, and whether encoding it can fail.
fn request_body(action: &Action) -> (TokenStream, TokenStream, bool) {
    match &action.body {
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
    }
}

/// `send()` and `send_with_meta()` are plain functions that hand the request to the runtime's
/// one generic async body (`Client::dispatch`), named by the response's kind, instead of
/// `async fn`s: an `async fn` per action made the compiler check a state machine per action,
/// the largest part of compiling the generated builders. All three are `#[inline]`, which
/// defers compiling each one (and the decoding of its response type) to the crate that calls
/// it, so a program pays only for the actions it uses.
pub(crate) fn send_methods(cx: &Context<'_>, action: &Action, bound: &TokenStream) -> TokenStream {
    let (_, _, fallible) = request_body(action);
    let request = if fallible {
        quote!(self.request())
    } else {
        quote!(::std::result::Result::Ok(self.request()))
    };
    let mut stream = TokenStream::new();
    let (send_doc, kind, out) = match &action.response {
        Response::Data(ty) if action.paginated => {
            let item = cx.rust_type(ty, From::Sibling);
            let stream_request = if fallible {
                quote!(self.request()?)
            } else {
                quote!(self.request())
            };
            stream = quote! {
                /// Streams every item across all pages, fetching one page at a time.
                #[inline]
                pub fn stream(self) -> ::lever_client::ItemStream<#item> #bound {
                    self.client.stream_items(#stream_request)
                }
            };
            let page = quote!(::lever_client::Page<#item>);
            (
                "Sends the request and returns one page (`data`, `has_next`, `next`).",
                quote!(::lever_client::__private::Whole<#page>),
                page,
            )
        }
        Response::Data(ty) => {
            let out = cx.rust_type(ty, From::Sibling);
            (
                "Sends the request and decodes the response's `data`.",
                quote!(::lever_client::__private::Data<#out>),
                out,
            )
        }
        Response::Raw(ty) => {
            let out = cx.rust_type(ty, From::Sibling);
            (
                "Sends the request and decodes the whole response body (Lever sends no envelope here).",
                quote!(::lever_client::__private::Whole<#out>),
                out,
            )
        }
        Response::Empty => (
            "Sends the request; Lever answers with no content.",
            quote!(::lever_client::__private::Empty),
            quote!(()),
        ),
        Response::Binary => (
            "Sends the request and returns the downloaded bytes.",
            quote!(::lever_client::__private::Binary),
            quote!(::lever_client::__private::Bytes),
        ),
    };
    quote! {
        #[doc = #send_doc]
        #[inline]
        pub fn send(self) -> ::lever_client::ResponseFuture<#out> #bound {
            let request = #request;
            self.client.dispatch::<#kind>(request)
        }

        /// Like `send`, with the HTTP status and headers.
        #[inline]
        pub fn send_with_meta(self) -> ::lever_client::ResponseFuture<::lever_client::Response<#out>> #bound {
            let request = #request;
            self.client.dispatch_with_meta::<#kind>(request)
        }

        #stream
    }
}
