//! Generates the client surface from the shipped spec into `OUT_DIR/lever.rs`.
//!
//! A spec error fails the build with the same rendered errors as `lever-codegen check`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
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
    let source = match lever_codegen::generate_client(&spec) {
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
