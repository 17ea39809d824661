//! `naming::CLIENT_METHODS` is written by hand; this reads the inherent methods of
//! `lever_client::Client` and of the `lever_runtime::Client` it wraps from their source, so a
//! method added there without being listed here (a resource of that name would then clash
//! with it) fails this test.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("lever-client/src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Method names of every `impl Client { .. }` (not trait impls) in the items, nested modules
/// included.
fn inherent_methods(items: &[syn::Item], out: &mut BTreeSet<String>) {
    for item in items {
        match item {
            syn::Item::Impl(block) if block.trait_.is_none() => {
                let syn::Type::Path(ty) = &*block.self_ty else {
                    continue;
                };
                if ty.path.segments.last().is_some_and(|s| s.ident == "Client") {
                    for inner in &block.items {
                        if let syn::ImplItem::Fn(f) = inner {
                            out.insert(f.sig.ident.to_string());
                        }
                    }
                }
            }
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    inherent_methods(items, out);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn client_methods_lists_every_inherent_method_of_the_client() {
    // `lever_client::Client` wraps `lever_runtime::Client` and reaches its methods through
    // `Deref`: an accessor named as either's method would clash or hide it.
    let mut files = Vec::new();
    for crate_dir in ["../lever-client/src", "../lever-runtime/src"] {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate_dir);
        let before = files.len();
        rust_files(&src, &mut files);
        assert!(files.len() > before, "no sources under {}", src.display());
    }
    let mut found = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        let parsed = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        inherent_methods(&parsed.items, &mut found);
    }
    let listed: BTreeSet<String> = lever_spec::naming::CLIENT_METHODS
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert!(
        found.contains("builder"),
        "the parser found the client: {found:?}"
    );
    assert_eq!(
        listed, found,
        "naming::CLIENT_METHODS must equal the inherent methods of lever_client::Client and lever_runtime::Client"
    );
}
