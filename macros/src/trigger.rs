//! `#[trigger("name")]`: registers an `async fn` as the handler of a trigger.

use lever_spec::{Response, Spec, TriggerDef, TypeRef};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{FnArg, ItemFn, LitStr, Type};

/// The Rust type a trigger's handler receives: the polled item's model type, or the webhook
/// event for webhook triggers; `None` for triggers fed by both (they take `TriggerEvent`).
fn payload_type(spec: &Spec, trigger: &TriggerDef) -> Option<TokenStream> {
    match (&trigger.poll, trigger.webhook.is_empty()) {
        (Some(poll), true) => {
            let action = spec.action(&poll.resource, &poll.action)?;
            match &action.response {
                Response::Data(TypeRef::Named(item)) => {
                    let ident = lever_codegen::names::model_type(item);
                    Some(quote!(::lever_client::models::#ident))
                }
                _ => None,
            }
        }
        (None, false) => Some(quote!(::lever_client::webhooks::WebhookEvent)),
        _ => None,
    }
}

/// A clear message when the handler takes another model type than the trigger delivers (the
/// type checker would report the same mismatch, less helpfully).
fn wrong_model(
    spec: &Spec,
    trigger: &TriggerDef,
    ty: &Type,
    expected: &TokenStream,
) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?.ident.to_string();
    let expected_name = expected.to_string().rsplit("::").next()?.trim().to_string();
    let names_a_model = spec.types.contains_key(&last) || last == "WebhookEvent";
    if !names_a_model || last == expected_name {
        return None;
    }
    let source = if trigger.poll.is_some() {
        "the polled item"
    } else {
        "the webhook event"
    };
    Some(format!(
        "trigger `{}` delivers `{expected_name}` ({source}), but this handler takes `{last}`\n\nchange the parameter to `{}`, or take `lever_client::triggers::TriggerEvent`",
        trigger.name,
        expected.to_string().replace(' ', "").trim_start_matches("::")
    ))
}

fn is_trigger_event(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "TriggerEvent"),
        _ => false,
    }
}

/// Whether a type is `String` (or `std::string::String`).
fn is_string(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => {
            p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "String")
        }
        _ => false,
    }
}

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let name = match syn::parse2::<LitStr>(args) {
        Ok(name) => name,
        Err(err) => {
            return syn::Error::new(
                err.span(),
                "expected the trigger's name as a string, e.g. #[trigger(\"posting_created\")]",
            )
            .to_compile_error()
        }
    };
    let function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let mut out =
                syn::Error::new(Span::call_site(), "#[trigger] goes on a free `async fn`")
                    .to_compile_error();
            out.extend(item);
            return out;
        }
    };
    let spec = match crate::spec::base() {
        Ok(spec) => spec,
        Err(err) => return syn::Error::new(name.span(), err).to_compile_error(),
    };
    let mut errors = Vec::new();
    let trigger = spec.triggers.get(&name.value());
    if trigger.is_none() {
        errors.push(unknown_trigger(spec, &name));
    }
    if function.sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            function.sig.fn_token.span(),
            "a trigger handler must be an `async fn`",
        ));
    }
    let (takes_account, arg_ty) = handler_arguments(&function, &mut errors);
    let (Some(trigger), Some(arg_ty), true) = (trigger, arg_ty, errors.is_empty()) else {
        let errors = errors.iter().map(syn::Error::to_compile_error);
        return quote!(#(#errors)* #function);
    };
    let payload = match payload_statement(spec, trigger, &arg_ty) {
        Ok(payload) => payload,
        Err(error) => return error.to_compile_error(),
    };
    registration(&function, trigger, takes_account, &arg_ty, &payload)
}

/// The handler, and beside it the module that registers it with a `Dispatcher`.
fn registration(
    function: &ItemFn,
    trigger: &TriggerDef,
    takes_account: bool,
    arg_ty: &Type,
    payload: &TokenStream,
) -> TokenStream {
    let variant = lever_codegen::names::trigger_variant(&trigger.name);
    let handler = &function.sig.ident;
    let vis = &function.vis;
    // The call carries the argument's span, so a payload of the wrong type is reported at the
    // handler's parameter.
    let call = if takes_account {
        quote_spanned!(arg_ty.span()=> super::#handler(account, payload))
    } else {
        quote_spanned!(arg_ty.span()=> super::#handler(payload))
    };
    let account =
        takes_account.then(|| quote!(let account = ::std::clone::Clone::clone(&event.account);));
    let doc = format!(
        " Registers [`{handler}`](fn@super::{handler}) as a handler of the \"{}\" trigger.",
        trigger.title
    );
    // The marker expands the registration only when lever-client was built with the features
    // the trigger's sources need; otherwise it is a compile error naming them.
    let key = proc_macro2::Ident::new(&trigger.name, Span::call_site());
    quote! {
        #function

        ::lever_client::__lever_trigger! { #key,
        #[doc(hidden)]
        #vis mod #handler {
            #[doc = #doc]
            pub fn register(
                dispatcher: &mut ::lever_client::triggers::Dispatcher,
            ) -> &mut ::lever_client::triggers::Dispatcher {
                dispatcher.on(
                    ::lever_client::triggers::Trigger::#variant,
                    |event: ::lever_client::triggers::TriggerEvent| async move {
                        #account
                        #payload
                        ::std::result::Result::map_err(#call.await, ::std::convert::Into::<::lever_client::triggers::HandlerError>::into)
                    },
                )
            }

            /// The trigger this handler is registered for.
            pub const TRIGGER: ::lever_client::triggers::Trigger = ::lever_client::triggers::Trigger::#variant;
        }
        }
    }
}

/// An unknown trigger name, with the nearest known one and the list.
fn unknown_trigger(spec: &Spec, name: &LitStr) -> syn::Error {
    let wanted = name.value();
    let best = spec
        .triggers
        .keys()
        .map(|k| (strsim::jaro_winkler(&wanted, k), k))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score >= 0.8)
        .map(|(_, k)| format!("did you mean `{k}`?\n\n"))
        .unwrap_or_default();
    syn::Error::new(
        name.span(),
        format!(
            "unknown trigger `{wanted}`; {best}the triggers are: {}",
            spec.triggers.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
    )
}

/// `(payload)` or `(account: String, payload)` (multi-tenant apps need the account):
/// whether the handler takes the account, and the payload's type.
fn handler_arguments(function: &ItemFn, errors: &mut Vec<syn::Error>) -> (bool, Option<Type>) {
    match function.sig.inputs.iter().collect::<Vec<_>>().as_slice() {
        [FnArg::Typed(arg)] => (false, Some((*arg.ty).clone())),
        [FnArg::Typed(account), FnArg::Typed(arg)] if is_string(&account.ty) => {
            (true, Some((*arg.ty).clone()))
        }
        [FnArg::Typed(account), FnArg::Typed(_)] => {
            errors.push(syn::Error::new_spanned(
                &account.ty,
                "the first of two arguments is the connected account's ID: `account: String`",
            ));
            (false, None)
        }
        _ => {
            errors.push(syn::Error::new(
                function.sig.inputs.span(),
                "a trigger handler takes the trigger's payload, or the account ID (`account: String`) and the payload",
            ));
            (false, None)
        }
    }
}

/// The statement binding `payload` for the handler: the event itself, or the decoded item
/// or webhook event; an error when the handler takes a type the trigger does not deliver.
fn payload_statement(
    spec: &Spec,
    trigger: &TriggerDef,
    arg_ty: &Type,
) -> Result<TokenStream, syn::Error> {
    if is_trigger_event(arg_ty) {
        return Ok(quote!(let payload = event;));
    }
    let Some(expected) = payload_type(spec, trigger) else {
        return Err(syn::Error::new(
            arg_ty.span(),
            format!(
                "trigger `{}` is fed by webhooks and polling; its handler takes `lever_client::triggers::TriggerEvent`",
                trigger.name
            ),
        ));
    };
    if let Some(message) = wrong_model(spec, trigger, arg_ty, &expected) {
        return Err(syn::Error::new_spanned(arg_ty, message));
    }
    let decode = if trigger.poll.is_some() {
        quote!(event.item_as::<#expected>().map_err(::lever_client::triggers::HandlerError::from)?)
    } else {
        quote!(match event.payload {
            ::lever_client::triggers::TriggerPayload::Webhook(webhook) => webhook,
            ::lever_client::triggers::TriggerPayload::Polled { .. } => {
                return ::std::result::Result::Err(::lever_client::triggers::HandlerError::from(
                    "a webhook trigger received a polled item",
                ));
            }
        })
    };
    Ok(quote!(let payload: #expected = #decode;))
}
