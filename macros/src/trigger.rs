//! `#[trigger("name")]` (filled in once the dispatcher's registration API is settled).

use proc_macro2::TokenStream;

pub(crate) fn expand(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
