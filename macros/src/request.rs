//! `request!(client, GET "/path/{param}", args...)`.

use lever_spec::{Action, PathTemplate, Spec};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Token};

struct Args {
    client: Expr,
    method: Ident,
    path: LitStr,
    args: Vec<Expr>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let client: Expr = input.parse()?;
        input.parse::<Token![,]>()?;
        let method: Ident = input.parse()?;
        let path: LitStr = input.parse()?;
        let mut args = Vec::new();
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            let rest = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
            args.extend(rest);
        }
        Ok(Args {
            client,
            method,
            path,
            args,
        })
    }
}

fn nearest(spec: &Spec, wanted: &str) -> Vec<String> {
    let mut scored: Vec<(f64, String)> = spec
        .actions()
        .map(|(_, a)| {
            let candidate = format!("{} {}", a.method.as_str(), a.path);
            (strsim::jaro_winkler(wanted, &candidate), candidate)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

fn find<'a>(spec: &'a Spec, method: &str, path: &PathTemplate) -> Option<&'a Action> {
    spec.actions()
        .map(|(_, a)| a)
        .find(|a| a.method.as_str() == method && a.path_template.same_route(path))
}

fn describe_arguments(action: &Action) -> String {
    let mut names: Vec<String> = action
        .path_params
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect();
    names.extend(
        action
            .argument_query()
            .map(|p| format!("`{}` (query)", p.name)),
    );
    if action.body.is_some() {
        names.push("the body".to_string());
    }
    if names.is_empty() {
        "no arguments".to_string()
    } else {
        names.join(", ")
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let args = match syn::parse2::<Args>(input) {
        Ok(args) => args,
        Err(err) => return err.to_compile_error(),
    };
    let spec = match crate::spec::base() {
        Ok(spec) => spec,
        Err(err) => return syn::Error::new(Span::call_site(), err).to_compile_error(),
    };
    let method = args.method.to_string().to_ascii_uppercase();
    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        return syn::Error::new(
            args.method.span(),
            format!(
                "`{}` is not an HTTP method; use GET, POST, PUT, PATCH or DELETE",
                args.method
            ),
        )
        .to_compile_error();
    }
    // `{param}` or `:param` segments; a trailing `/` is ignored.
    let path = match PathTemplate::parse_user(&args.path.value()) {
        Ok(path) => path,
        Err(message) => return syn::Error::new(args.path.span(), message).to_compile_error(),
    };
    let Some(action) = find(spec, &method, &path) else {
        let wanted = format!("{method} {path}");
        let near = nearest(spec, &wanted);
        let message = format!(
            "no Lever action matches `{wanted}`\n\nthe nearest known paths are:\n{}\n\n(for any other path, use `client.request(Method::{method}, ..)`)",
            near.iter().map(|n| format!("    {n}")).collect::<Vec<_>>().join("\n")
        );
        return syn::Error::new(args.path.span(), message).to_compile_error();
    };
    let expected = action.path_params.len()
        + action.argument_query().count()
        + usize::from(action.body.is_some());
    if args.args.len() != expected {
        let span = args
            .args
            .get(expected)
            .map(syn::spanned::Spanned::span)
            .unwrap_or_else(|| args.path.span());
        let message = format!(
            "`{method} {}` ({}) takes {expected} argument{}: {}; {} given",
            action.path,
            action.full_name(),
            if expected == 1 { "" } else { "s" },
            describe_arguments(action),
            args.args.len()
        );
        return syn::Error::new(span, message).to_compile_error();
    }
    let accessor = lever_codegen::names::resource_accessor(&action.resource);
    let call = lever_codegen::names::action_method(action);
    let client = &args.client;
    let call_args = &args.args;
    // The marker expands the call only when lever-client was built with the resource's
    // feature; otherwise it is a compile error naming the feature.
    let resource = proc_macro2::Ident::new(&action.resource, Span::call_site());
    quote! {
        ::lever_client::__lever_resource!(#resource, ::lever_client::resources::#accessor::new(&#client).#call(#(#call_args),*))
    }
}
