//! `lever-codegen`: check, list, expand, export (OpenAPI) and diff the Lever spec.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "lever-codegen",
    version,
    about = "Check, list, expand, export and diff the Lever spec"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct SpecArgs {
    /// The spec file or folder (default: the spec compiled into this binary).
    #[arg(long, global = true)]
    spec: Option<PathBuf>,
    /// An overlay file or folder merged over the spec; repeatable.
    #[arg(long = "overlay", global = true)]
    overlays: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the spec: a one-line summary, or every error with a source snippet.
    Check {
        #[command(flatten)]
        spec: SpecArgs,
    },
    /// List every action, webhook event and trigger.
    List {
        #[command(flatten)]
        spec: SpecArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the formatted generated source.
    Expand {
        #[command(flatten)]
        spec: SpecArgs,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the resolved spec (with overlays) as an OpenAPI 3.1 document.
    Openapi {
        #[command(flatten)]
        spec: SpecArgs,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check recorded Lever responses against the spec (exit 1 if any would fail to decode).
    Drift {
        #[command(flatten)]
        spec: SpecArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// JSON files, each one call `{"method","path","status","response"}` or a list of them.
        #[arg(required = true)]
        recordings: Vec<PathBuf>,
    },
    /// Show what changed in the generated API between two spec versions.
    Diff {
        /// The old spec file or folder.
        old: PathBuf,
        /// The new spec file or folder.
        new: PathBuf,
    },
}

/// `--spec DIR` (with its overlays), or the spec compiled into this binary, so an installed
/// `lever-codegen` needs no source tree.
fn load(args: &SpecArgs) -> Result<lever_spec::Spec, String> {
    match &args.spec {
        Some(path) => lever_spec::load(path, &args.overlays).map_err(|e| e.to_string()),
        None => lever_spec::load_shipped(&args.overlays).map_err(|e| e.to_string()),
    }
}

// Long because it is one match with an arm per command, each a few lines.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { spec } => load(&spec).map(|spec| {
            println!("{}", lever_codegen::cli::summary(&spec));
        }),
        Command::List { spec, json } => load(&spec).map(|spec| {
            if json {
                println!("{}", lever_codegen::cli::list_json(&spec));
            } else {
                print!("{}", lever_codegen::cli::list_table(&spec));
            }
        }),
        Command::Expand { spec, out } => load(&spec).and_then(|spec| {
            let source = lever_codegen::generate_client(&spec).map_err(|e| e.to_string())?;
            match out {
                Some(path) => std::fs::write(&path, source)
                    .map_err(|e| format!("cannot write {}: {e}", path.display())),
                None => {
                    print!("{source}");
                    Ok(())
                }
            }
        }),
        Command::Openapi { spec, out } => load(&spec).and_then(|spec| {
            let document = lever_codegen::openapi::openapi_json(&spec);
            match out {
                Some(path) => std::fs::write(&path, document + "\n")
                    .map_err(|e| format!("cannot write {}: {e}", path.display())),
                None => {
                    println!("{document}");
                    Ok(())
                }
            }
        }),
        Command::Drift {
            spec,
            json,
            recordings,
        } => load(&spec).and_then(|spec| {
            let mut calls = Vec::new();
            for path in &recordings {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let name = path.display().to_string();
                calls.extend(
                    lever_codegen::drift::parse_recording(&name, &text)
                        .map_err(|e| e.to_string())?,
                );
            }
            let report = lever_codegen::drift::drift(&spec, &calls);
            if json {
                println!("{}", lever_codegen::drift::render_json(&report));
            } else {
                print!("{}", lever_codegen::drift::render(&report));
            }
            if report.has_failures() {
                Err(String::new())
            } else {
                Ok(())
            }
        }),
        Command::Diff { old, new } => {
            let load_one = |p: &PathBuf| lever_spec::load(p, &[]).map_err(|e| e.to_string());
            load_one(&old).and_then(|old_spec| {
                let new_spec = load_one(&new)?;
                let changes = lever_codegen::diff::diff(&old_spec, &new_spec);
                print!("{}", lever_codegen::diff::render(&changes));
                Ok(())
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // An empty message: the command already printed why it failed (drift's report).
        Err(message) if message.is_empty() => ExitCode::FAILURE,
        Err(message) => {
            eprint!("{message}");
            if !message.ends_with('\n') {
                eprintln!();
            }
            ExitCode::FAILURE
        }
    }
}
