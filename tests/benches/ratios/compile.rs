//! Compile times (opt-in): lever-client beside `tests/bench-baseline`, cold and incremental.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::builds;
use crate::table::{mean, median, progress, workspace_root, Config, Row};

pub(crate) fn bench_compile(cfg: &Config) -> Vec<Row> {
    let cold = "compile: cold `cargo build -p lever-client` (crate + build script)";
    let incr = "compile: rebuild after adding one field to the spec";
    if !cfg.compile {
        let why = "skipped (set LEVER_BENCH_COMPILE=1)";
        return vec![
            Row::skipped(cold, why, "≤ 1.3× baseline"),
            Row::skipped(incr, why, "≤ 1.3× baseline"),
        ];
    }
    let area = workspace_root().join("target").join("bench-compile");
    let (client, baseline) = prepare(&area);
    let full_runs = cfg.pick(2, 1);
    let (c_full, b_full) = fully_cold(&client, &baseline, full_runs);

    let runs = cfg.pick(3, 1);
    let (c_cold, b_cold) = cold_builds(&client, &baseline, runs);
    let script = build_script_run(
        &area.join("client").join("debug").join("build"),
        &area,
        runs,
    );

    let (c_inc, b_inc) = incremental(&client, &baseline, runs);
    let secs = |s: f64| format!("{s:.1} s");
    let script_row = match script {
        Some(t) => Row::new(format!(
            "compile: of which running lever-client's build.rs alone (dev profile), median of {runs}"
        ))
        .figure(secs(t))
        .baseline(format!("{} (the baseline's whole cold build)", secs(b_cold)))
        .ratio(t / b_cold),
        None => Row::new("compile: running build.rs alone").figure("not found"),
    };
    vec![
        Row::new(format!("compile: fully cold `cargo build -p lever-client`, empty target dir (dependencies included), mean of {full_runs}"))
            .figure(secs(c_full))
            .baseline(format!("{} (same dependencies, no API surface)", secs(b_full)))
            .ratio(c_full / b_full)
            .target("≤ 1.3× baseline")
            .met(c_full / b_full <= 1.3),
        Row::new(format!("{cold}, dependencies pre-built, median of {runs}"))
            .figure(secs(c_cold))
            .baseline(secs(b_cold))
            .ratio(c_cold / b_cold)
            .target("≤ 1.3× baseline")
            .met(c_cold / b_cold <= 1.3),
        script_row,
        Row::new(format!("{incr}, median of {runs}"))
            .figure(secs(c_inc))
            .baseline(format!("{} (one field added to a struct)", secs(b_inc)))
            .ratio(c_inc / b_inc)
            .target("≤ 1.3× baseline")
            .met(c_inc / b_inc <= 1.3),
    ]
}

/// Copies the workspace and the baseline crate under `area`; the two builders.
fn prepare(area: &Path) -> (Builder, Builder) {
    progress("compile: preparing copies under target/bench-compile/");
    // The client is built from a copy of the workspace, so that the one-field spec change
    // below never touches the spec other people are building from.
    let copies = builds::Copies::prepare(area).expect("copy the workspace and the baseline");
    let client = Builder::new(&copies.workspace, area.join("client"), "lever-client");
    let baseline = Builder::new(
        &copies.baseline,
        area.join("baseline"),
        "lever-bench-baseline",
    );
    (client, baseline)
}

/// Fully cold builds of both sides (mean seconds of `runs`).
fn fully_cold(client: &Builder, baseline: &Builder, full_runs: usize) -> (f64, f64) {
    // Fully cold: empty target directories, so dependencies are compiled too (this is what
    // "a cold `cargo build`" means to most readers). Each side goes first once.
    let (mut c_full, mut b_full) = (Vec::new(), Vec::new());
    for i in 0..full_runs {
        progress(&format!(
            "compile: fully cold builds, dependencies included, run {}/{full_runs}",
            i + 1
        ));
        client.cargo.wipe();
        baseline.cargo.wipe();
        if i % 2 == 0 {
            b_full.push(baseline.build().expect("fully cold baseline build"));
            c_full.push(client.build().expect("fully cold lever-client build"));
        } else {
            c_full.push(client.build().expect("fully cold lever-client build"));
            b_full.push(baseline.build().expect("fully cold baseline build"));
        }
    }
    (mean(&c_full), mean(&b_full))
}

/// Cold builds with dependencies pre-built (median seconds of `runs`).
fn cold_builds(client: &Builder, baseline: &Builder, runs: usize) -> (f64, f64) {
    let (mut c_cold, mut b_cold) = (Vec::new(), Vec::new());
    for i in 0..runs {
        progress(&format!("compile: cold run {}/{runs}", i + 1));
        // Alternate which goes first: other builds on the machine come and go.
        let order: [&Builder; 2] = if i % 2 == 0 {
            [client, baseline]
        } else {
            [baseline, client]
        };
        for b in order {
            b.clean().expect("cargo clean -p");
            let t = b.build().expect("cold build");
            if std::ptr::eq(b, client) {
                c_cold.push(t);
            } else {
                b_cold.push(t);
            }
        }
    }
    (median(&mut c_cold), median(&mut b_cold))
}

/// Rebuilds after one field is added on each side (median seconds of `runs`).
fn incremental(client: &Builder, baseline: &Builder, runs: usize) -> (f64, f64) {
    // Incremental: one optional field added to `Posting`, rebuilt, then restored.
    let spec_file = client.dir.join("lever-spec/spec/resources/postings.yaml");
    let lib_file = baseline.dir.join("src/lib.rs");
    let (mut c_inc, mut b_inc) = (Vec::new(), Vec::new());
    for i in 0..runs {
        progress(&format!("compile: incremental run {}/{runs}", i + 1));
        {
            let _restore = builds::RestoreOnDrop::new(&spec_file);
            builds::add_posting_field(&spec_file, i);
            c_inc.push(client.build().expect("incremental build of lever-client"));
        }
        {
            let _restore = builds::RestoreOnDrop::new(&lib_file);
            builds::add_baseline_field(&lib_file, i);
            b_inc.push(baseline.build().expect("incremental build of the baseline"));
        }
        // Back to the unchanged sources (not timed), so the next run starts alike.
        client.build().expect("rebuild after restore");
        baseline.build().expect("rebuild after restore");
    }
    (median(&mut c_inc), median(&mut b_inc))
}

/// Times lever-client's compiled build script on its own (it only needs `OUT_DIR`): the
/// share of a cold build spent generating code with unoptimised dependencies.
pub(crate) fn build_script_run(build_dir: &Path, area: &Path, runs: usize) -> Option<f64> {
    let mut scripts: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(build_dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("lever-client-"))
        .map(|e| e.path().join("build-script-build"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    scripts.sort();
    let (_, script) = scripts.pop()?;
    let out = area.join("build-script-out");
    std::fs::create_dir_all(&out).ok()?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let _ = std::fs::remove_file(out.join("lever.rs"));
        let t = Instant::now();
        let status = Command::new(&script)
            .env("OUT_DIR", &out)
            .stdout(Stdio::null())
            .status()
            .ok()?;
        times.push(t.elapsed().as_secs_f64());
        if !status.success() {
            return None;
        }
    }
    Some(median(&mut times))
}

/// `cargo build -p <package>` in `dir` with its own target directory.
pub(crate) struct Builder {
    dir: PathBuf,
    package: &'static str,
    cargo: builds::Cargo,
}

impl Builder {
    fn new(dir: &Path, target: PathBuf, package: &'static str) -> Self {
        Builder {
            dir: dir.to_path_buf(),
            package,
            cargo: builds::Cargo::new(dir, target),
        }
    }
    fn build(&self) -> Result<f64, String> {
        self.cargo.run(&["build", "-p", self.package])
    }
    fn clean(&self) -> Result<f64, String> {
        self.cargo.run(&["clean", "-p", self.package])
    }
}
