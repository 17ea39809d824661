//! `overlay!("file.yaml")`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

struct Args {
    path: LitStr,
    trait_name: Option<Ident>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let path: LitStr = input.parse()?;
        let mut trait_name = None;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if !input.is_empty() {
                let key: Ident = input.parse()?;
                if key != "trait_name" {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown option `{key}`; expected `trait_name = Name`"),
                    ));
                }
                input.parse::<Token![=]>()?;
                trait_name = Some(input.parse()?);
                let _ = input.parse::<Option<Token![,]>>()?;
            }
        }
        Ok(Args { path, trait_name })
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let args = match syn::parse2::<Args>(input) {
        Ok(args) => args,
        Err(err) => return err.to_compile_error(),
    };
    let path = crate::spec::crate_path(&args.path.value());
    let Some(path_str) = path.to_str().map(str::to_string) else {
        return syn::Error::new(args.path.span(), "the overlay path is not valid UTF-8")
            .to_compile_error();
    };
    if !path.is_file() {
        return syn::Error::new(
            args.path.span(),
            format!(
                "overlay file `{}` not found (paths are relative to the crate's Cargo.toml)",
                args.path.value()
            ),
        )
        .to_compile_error();
    }
    let base = match crate::spec::base() {
        Ok(base) => base,
        Err(err) => return syn::Error::new(args.path.span(), err).to_compile_error(),
    };
    let merged = match crate::spec::with_overlay(&path, &args.path.value()) {
        Ok(merged) => merged,
        Err(err) => {
            let message = format!("the overlay is invalid:\n\n{err}");
            return syn::Error::new(args.path.span(), message).to_compile_error();
        }
    };
    let trait_name = args
        .trait_name
        .map(|i| i.to_string())
        .unwrap_or_else(|| "LeverExt".to_string());
    let tokens = lever_codegen::overlay::overlay_tokens(base, &merged, &trait_name);
    quote! {
        // Rebuild when the overlay changes.
        const _: &[u8] = ::core::include_bytes!(#path_str);
        #tokens
    }
}
