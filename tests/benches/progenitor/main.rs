//! `cargo bench -p lever-tests --bench progenitor`: lever-codegen beside Oxide's progenitor on
//! exactly the same surface — the shipped spec, exported by `lever-codegen openapi` and given to
//! `cargo progenitor` — in one run: generation time, generated lines per operation, and the
//! generated crate's debug compile time per operation (dependencies pre-built).
//!
//! progenitor is not a dependency of this workspace. Install it once into `target/`:
//!
//! ```text
//! cargo install --root target/progenitor cargo-progenitor
//! ```
//!
//! (or point `LEVER_PROGENITOR` at a `cargo-progenitor` binary). Without it the bench prints
//! the install command and skips the rows. The first run fetches the generated crate's
//! dependencies (progenitor-client, regress…) from crates.io.
//!
//! progenitor reads OpenAPI 3.0, the export is 3.1: `openapi30.rs` rewrites it and the bench
//! prints what the rewrite had to drop or change — what progenitor cannot express.
//! `LEVER_BENCH_QUICK=1` makes one run of each measurement instead of three.

#[path = "../support/builds.rs"]
mod builds;
mod openapi30;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use builds::{median, progress, secs, Cargo, Row};

const CRATE: &str = "lever-progenitor";

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "progenitor: a benchmark; run it with `cargo bench -p lever-tests --bench progenitor`"
        );
        return;
    }
    let area = builds::workspace_root()
        .join("target")
        .join("bench-progenitor");
    let Some(progenitor) = find_progenitor() else {
        println!(
            "progenitor: skipped, no `cargo-progenitor` found. Install it with \
             `cargo install --root target/progenitor cargo-progenitor` \
             (or set LEVER_PROGENITOR to the binary)."
        );
        builds::print_table(&[Row::skipped(
            "lever-codegen beside progenitor",
            "skipped (progenitor not installed)",
            "—",
        )]);
        return;
    };
    let quick = std::env::var("LEVER_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let runs = if quick { 1 } else { 3 };
    std::fs::create_dir_all(&area).expect("create target/bench-progenitor");

    let spec_dir = lever_spec::default_spec_dir();
    let spec = lever_spec::load(&spec_dir, &[]).expect("the shipped spec loads");
    let actions = spec.actions().count();
    let (document, losses) = openapi30::for_progenitor(lever_codegen::openapi::openapi(&spec));
    let operations = count_operations(&document);
    let input = area.join("lever-openapi-3.0.json");
    let text = serde_json::to_string_pretty(&document).expect("a JSON value serialises");
    std::fs::write(&input, text).expect("write the OpenAPI 3.0 document");
    let crate_dir = area.join(CRATE);

    let gen_runs = runs.max(3);
    let (ours_gen, theirs_gen) = generation(&spec_dir, &progenitor, &input, &crate_dir, gen_runs);
    let ours_lines = code_lines(&lever_codegen::generate_client(&spec).expect("generates"));
    let theirs_lines = code_lines(
        &std::fs::read_to_string(crate_dir.join("src/lib.rs")).expect("progenitor's lib.rs"),
    );
    let compile = compile_times(&area, &crate_dir, runs);

    let per = |s: f64, n: usize| format!("{:.1} ms per operation", s * 1e3 / n as f64);
    let mut rows = vec![
        Row::new(format!(
            "generation: lever-codegen (spec load + generate_client, in process) beside \
             `cargo progenitor` (JSON parse + generate + write), median of {gen_runs}"
        ))
        .figure(format!("{} ({})", ms(ours_gen), per(ours_gen, actions)))
        .baseline(format!("{} ({})", ms(theirs_gen), per(theirs_gen, operations)))
        .ratio(ours_gen / theirs_gen),
        Row::new("generated lines (not blank) per operation: lever-client (models, actions, webhook events, triggers) beside progenitor (models, operations)")
            .figure(format!("{:.0} ({ours_lines} lines, {actions} actions)", ours_lines as f64 / actions as f64))
            .baseline(format!("{:.0} ({theirs_lines} lines, {operations} operations)", theirs_lines as f64 / operations as f64))
            .ratio((ours_lines as f64 / actions as f64) / (theirs_lines as f64 / operations as f64)),
        Row::new(format!("compile: lever-client `full`, crate + build script, dependencies pre-built, median of {runs}"))
            .figure(format!("{} ({})", secs(compile.ours_full), per(compile.ours_full, actions)))
            .baseline(format!("{} ({}; its runtime is the pre-built progenitor-client)", secs(compile.theirs), per(compile.theirs, operations)))
            .ratio((compile.ours_full / actions as f64) / (compile.theirs / operations as f64))
            .target("≤ 0.5× progenitor per operation (issue #15: 40 ms vs 84 ms)")
            .met((compile.ours_full / actions as f64) / (compile.theirs / operations as f64) <= 0.5),
        Row::new("compile: lever-client's generated surface alone (`full` minus the build with no resource, which is the hand-written runtime)")
            .figure(format!("{} ({})", secs(compile.ours_full - compile.ours_none), per(compile.ours_full - compile.ours_none, actions)))
            .baseline(format!("{} ({})", secs(compile.theirs), per(compile.theirs, operations)))
            .ratio(((compile.ours_full - compile.ours_none) / actions as f64) / (compile.theirs / operations as f64)),
    ];
    if operations != actions {
        rows.push(
            Row::new("operations progenitor generated")
                .figure(operations.to_string())
                .baseline(format!("{actions} actions in the spec")),
        );
    }
    builds::print_table(&rows);
    println!();
    println!("What progenitor cannot express, changed in its input:");
    for loss in &losses {
        println!("- {} × {}", loss.count, loss.what);
    }
}

/// `LEVER_PROGENITOR`, or `target/progenitor/bin/cargo-progenitor`.
fn find_progenitor() -> Option<PathBuf> {
    let path = std::env::var_os("LEVER_PROGENITOR").map_or_else(
        || {
            builds::workspace_root()
                .join("target/progenitor/bin")
                .join(format!("cargo-progenitor{}", std::env::consts::EXE_SUFFIX))
        },
        PathBuf::from,
    );
    path.is_file().then_some(path)
}

fn count_operations(document: &serde_json::Value) -> usize {
    document["paths"].as_object().map_or(0, |paths| {
        paths
            .values()
            .filter_map(serde_json::Value::as_object)
            .flat_map(|item| item.values())
            .filter(|op| op.get("operationId").is_some())
            .count()
    })
}

/// Median seconds of lever-codegen (in process) and of `cargo progenitor`, one after the other.
fn generation(
    spec_dir: &Path,
    progenitor: &Path,
    input: &Path,
    crate_dir: &Path,
    runs: usize,
) -> (f64, f64) {
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for i in 0..runs.max(3) {
        progress(&format!(
            "progenitor: generation run {}/{}",
            i + 1,
            runs.max(3)
        ));
        let t = Instant::now();
        let spec = lever_spec::load(spec_dir, &[]).expect("the shipped spec loads");
        let code = lever_codegen::generate_client(&spec).expect("generates");
        ours.push(t.elapsed().as_secs_f64());
        std::hint::black_box(code);

        let _ = std::fs::remove_dir_all(crate_dir);
        let t = Instant::now();
        let out = Command::new(progenitor)
            .arg("progenitor")
            .arg("-i")
            .arg(input)
            .arg("-o")
            .arg(crate_dir)
            .args(["-n", CRATE, "-v", "0.1.0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("run cargo-progenitor");
        theirs.push(t.elapsed().as_secs_f64());
        assert!(
            out.status.success(),
            "cargo progenitor failed on the exported spec:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The generated crate is its own workspace, not a member of the one it sits in.
    let manifest = crate_dir.join("Cargo.toml");
    let mut toml = std::fs::read_to_string(&manifest).expect("progenitor's Cargo.toml");
    toml.push_str("\n[workspace]\n");
    std::fs::write(&manifest, toml).expect("write progenitor's Cargo.toml");
    (median(&mut ours), median(&mut theirs))
}

struct CompileTimes {
    ours_full: f64,
    ours_none: f64,
    theirs: f64,
}

/// Crate-only debug builds (dependencies pre-built) of lever-client `full`, lever-client with
/// no resource, and progenitor's crate; median seconds of `runs`, the three in turn.
fn compile_times(area: &Path, crate_dir: &Path, runs: usize) -> CompileTimes {
    progress("progenitor: copying the workspace");
    let copies = builds::Copies::prepare(area).expect("copy the workspace");
    let client = Cargo::new(&copies.workspace, area.join("client"));
    let theirs = Cargo::new(crate_dir, area.join("progenitor-target")).online();
    let (full, none) = (builds::BUILD_CLIENT_FULL, builds::BUILD_CLIENT_NO_RESOURCE);
    let theirs_build: &[&str] = &["build"];
    progress("progenitor: building the dependencies once");
    client.run(full).expect("warm-up build of lever-client");
    client.run(none).expect("warm-up build of lever-client");
    theirs
        .run(theirs_build)
        .expect("warm-up build of progenitor's crate (needs crates.io the first time)");
    let (mut f, mut n, mut p) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        progress(&format!("progenitor: compile run {}/{runs}", i + 1));
        for k in 0..3 {
            match (k + i) % 3 {
                0 => {
                    client.run(builds::CLEAN_CLIENT).expect("clean");
                    f.push(client.run(full).expect("build lever-client"));
                }
                1 => {
                    client.run(builds::CLEAN_CLIENT).expect("clean");
                    n.push(client.run(none).expect("build lever-client"));
                }
                _ => {
                    theirs.run(&["clean", "-p", CRATE]).expect("clean");
                    p.push(theirs.run(theirs_build).expect("build progenitor's crate"));
                }
            }
        }
    }
    CompileTimes {
        ours_full: median(&mut f),
        ours_none: median(&mut n),
        theirs: median(&mut p),
    }
}

/// Lines that are not blank.
fn code_lines(source: &str) -> usize {
    source.lines().filter(|l| !l.trim().is_empty()).count()
}

fn ms(s: f64) -> String {
    format!("{:.0} ms", s * 1e3)
}
