//! Proc macros for `lever-client`, over the same generator as the built-in client.
//!
//! - [`overlay!`](macro@overlay): extend the spec from your crate with an overlay YAML; its new
//!   types and actions are generated here and reached from `lever_client::Client` like the
//!   built-in ones.
//! - [`request!`](macro@request): a passthrough request whose method and path are checked
//!   against the spec at compile time, returning that action's typed request builder.
//! - [`trigger`](macro@trigger): register a function as the handler of a trigger by name, with
//!   its argument type checked against the trigger's payload.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod overlay;
mod request;
mod spec;
mod trigger;

use proc_macro::TokenStream;

/// Generates the types and actions of an overlay YAML (path relative to your crate's
/// `Cargo.toml`), merged over the shipped spec and validated with the same errors as
/// `lever-codegen check`. Editing the file triggers a rebuild.
///
/// ```text
/// mod lever_ext {
///     lever_macros::overlay!("lever-overlay.yaml");
///     // or: lever_macros::overlay!("lever-overlay.yaml", trait_name = MyLeverExt);
/// }
/// use lever_ext::LeverExt as _;        // accessors for new resources: client.my_resource()
/// use lever_ext::LeverExtPostings as _; // new actions on existing ones: client.postings().my_action()
/// ```
#[proc_macro]
pub fn overlay(input: TokenStream) -> TokenStream {
    overlay::expand(input.into()).into()
}

/// A request to a Lever path, checked against the spec at compile time:
/// `request!(client, GET "/opportunities/{opportunity}", id)` expands to the typed request
/// builder of the matching action (here `client.opportunities().get(id)`), so `.send().await`
/// returns that action's typed response. Path parameters are given in order, then the body if
/// the action takes one. An unknown path, or the wrong number of arguments, is a compile error.
///
/// Paths are written with `{param}` segments as in Lever's docs, or with `:param` segments (the
/// integration platforms' syntax): `request!(client, GET "/opportunities/:opportunity", id)`
/// is the same call; a trailing `/` is ignored.
#[proc_macro]
pub fn request(input: TokenStream) -> TokenStream {
    request::expand(input.into()).into()
}

/// Registers an `async fn` as the handler of a trigger, by the trigger's snake_case name:
///
/// ```text
/// #[lever_macros::trigger("posting_created")]
/// async fn on_posting(posting: lever_client::models::Posting) -> Result<(), lever_client::triggers::HandlerError> {
///     Ok(())
/// }
///
/// // With the connected account's ID (multi-tenant apps):
/// #[lever_macros::trigger("posting_updated")]
/// async fn on_update(account: String, posting: lever_client::models::Posting) -> Result<(), lever_client::triggers::HandlerError> {
///     println!("{account}: {:?}", posting.text);
///     Ok(())
/// }
///
/// // then, for each: on_posting::register(&mut dispatcher); on_update::register(&mut dispatcher);
/// ```
///
/// The macro generates a module named after the function with `register(&mut Dispatcher)` and
/// `TRIGGER`.
/// An unknown trigger name is a compile error with a suggestion; an argument whose type is not
/// the trigger's payload (the polled item type, or `WebhookEvent` for webhook triggers) is a
/// compile error too.
#[proc_macro_attribute]
pub fn trigger(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand(args.into(), item.into()).into()
}
