//! Identifiers and paths for generated items.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// An identifier for a field or method; keywords become raw identifiers.
pub(crate) fn snake_ident(wire: &str) -> Ident {
    ident(&lever_spec::naming::field_name(wire))
}

/// An identifier from an already-shaped name; keywords become raw identifiers.
pub(crate) fn ident(name: &str) -> Ident {
    if is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        format_ident!("{}", name)
    }
}

/// A PascalCase identifier for a snake_case name.
pub(crate) fn pascal_ident(name: &str) -> Ident {
    format_ident!("{}", lever_spec::naming::pascal(name))
}

fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "break"
            | "const"
            | "continue"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

/// `#[doc = "..."]` attributes, one per line, so rustdoc renders Markdown as written.
pub(crate) fn doc_attrs(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| {
        let line = format!(" {line}");
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}
