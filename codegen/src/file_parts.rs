//! Files a JSON body may carry (`body.files` in the spec): a builder field that collects
//! them, one setter per declared part, and the switch to a multipart body when any is set.

use lever_spec::{Action, FilePartDef};
use proc_macro2::TokenStream;
use quote::quote;

use crate::names::{doc_attrs, snake_ident};

/// The declared file parts of an action's body (empty for most actions).
pub(crate) fn parts(action: &Action) -> &[FilePartDef] {
    action.body.as_ref().map_or(&[], |b| b.files.as_slice())
}

/// The builder field that holds the attached files, if the body declares any.
pub(crate) fn field(action: &Action) -> Option<TokenStream> {
    (!parts(action).is_empty()).then(
        || quote!(file_parts: ::std::vec::Vec<(::std::string::String, ::lever_client::FilePart)>),
    )
}

/// The builder field's initial value, if the body declares files.
pub(crate) fn init(action: &Action) -> Option<TokenStream> {
    (!parts(action).is_empty()).then(|| quote!(file_parts: ::std::vec::Vec::new()))
}

/// One setter per declared part: a single part replaces an earlier file, a repeated one adds.
pub(crate) fn setters(action: &Action) -> Vec<TokenStream> {
    parts(action)
        .iter()
        .map(|part| {
            let id = snake_ident(&part.name);
            let wire = part.wire_name();
            let text = part
                .doc
                .clone()
                .unwrap_or_else(|| format!("Attaches `{}`.", part.name));
            if part.repeated {
                let doc = doc_attrs(&format!(
                    "{text}\n\nRepeatable: each call adds one file, sent as `{wire}`. Any attached \
                     file sends the request as `multipart/form-data`."
                ));
                quote! {
                    #doc
                    pub fn #id(mut self, file: ::lever_client::FilePart) -> Self {
                        self.file_parts.push((::std::string::ToString::to_string(#wire), file));
                        self
                    }
                }
            } else {
                let doc = doc_attrs(&format!(
                    "{text}\n\nSent as `{wire}`; a second call replaces the file. Any attached \
                     file sends the request as `multipart/form-data`."
                ));
                quote! {
                    #doc
                    pub fn #id(mut self, file: ::lever_client::FilePart) -> Self {
                        self.file_parts.retain(|(name, _)| name != #wire);
                        self.file_parts.push((::std::string::ToString::to_string(#wire), file));
                        self
                    }
                }
            }
        })
        .collect()
}

/// The body expression of `to_request` for a JSON body that may carry files.
pub(crate) fn body_expr() -> TokenStream {
    quote! {
        if self.file_parts.is_empty() {
            ::lever_client::__private::Body::json(&self.body)?
        } else {
            ::lever_client::__private::Body::form(
                &self.body,
                ::std::clone::Clone::clone(&self.file_parts),
            )?
        }
    }
}
