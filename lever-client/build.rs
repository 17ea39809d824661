//! Generates the client surface from the shipped spec into `OUT_DIR/lever.rs`.
//!
//! A spec error fails the build with the same rendered errors as `lever-codegen check`.
//!
//! Only the resources whose cargo feature is enabled are generated (one feature per resource,
//! named as the spec's resource key; `full` enables them all): see `lever_codegen::select`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    // The spec is read from lever-spec's folder, not compiled in (lever-spec's `shipped`
    // feature stays off here): a spec edit then reruns this script alone, instead of
    // recompiling lever-spec, lever-codegen and the script first.
    println!("cargo:rerun-if-changed=build.rs");
    let spec_dir = lever_spec::default_spec_dir();
    println!("cargo:rerun-if-changed={}", spec_dir.display());
    let files = match lever_spec::spec_files(&spec_dir) {
        Ok(files) => files,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    let spec = match lever_spec::load(&spec_dir, &[]) {
        Ok(spec) => spec,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let enabled: BTreeSet<String> = spec
        .resources
        .keys()
        // `full` means every resource, even one the spec gained before Cargo.toml did (a
        // test keeps the two lists in sync).
        .filter(|name| feature_enabled("full") || feature_enabled(name))
        .cloned()
        .collect();
    let source = match lever_codegen::generate_client_for(&spec, &enabled) {
        Ok(source) => source,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        eprintln!("OUT_DIR is not set; run this through cargo");
        return ExitCode::FAILURE;
    };
    let out = out_dir.join("lever.rs");
    // Rewriting identical output would still bump the mtime and recompile dependants.
    if std::fs::read_to_string(&out).ok().as_deref() != Some(source.as_str()) {
        if let Err(err) = std::fs::write(&out, source) {
            eprintln!("cannot write {}: {err}", out.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Cargo tells a build script its package's enabled features as `CARGO_FEATURE_<NAME>`
/// (upper case, `-` as `_`).
fn feature_enabled(feature: &str) -> bool {
    let var = format!(
        "CARGO_FEATURE_{}",
        feature.to_ascii_uppercase().replace('-', "_")
    );
    std::env::var_os(var).is_some()
}
