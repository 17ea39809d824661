//! `cargo bench -p lever-tests --bench features`: what the per-resource cargo features of
//! lever-client save (issue #15), each figure beside a baseline built in the same run.
//!
//! | measurement | baseline |
//! |---|---|
//! | `cargo build -p lever-client` with `opportunities,contacts,postings` (dependencies pre-built, crate + build script) | the same build with `full` |
//! | the same with no resource at all (the floor: the build script and the crate's own few items) | the same build with `full` |
//! | `full`, crate + build script, per action | — (absolute, context) |
//! | one field added to `Posting`, rebuild with the three features | one field added to the baseline crate |
//! | `tests/bench-nine-actions` (the nine seed actions), fully cold, three features / `full` | `tests/bench-baseline` (same dependencies, no API surface), fully cold |
//!
//! Builds run in a copy of the workspace under `target/bench-features/`, each with its own
//! target directory, offline, so nobody else's build or spec is touched. The sides alternate
//! which goes first: other builds on the machine come and go. `LEVER_BENCH_QUICK=1` makes one
//! run of each instead of three (fully cold: one instead of two); `LEVER_BENCH_ONLY=crate`,
//! `one-field` or `cold` (comma-separated) runs only those sections. Without `--bench` (e.g.
//! `cargo test --benches`) the binary only prints how to run it.

#[path = "support/builds.rs"]
mod builds;

use builds::{median, Cargo, Row};

const THREE: &str = "opportunities,contacts,postings";
/// `cargo build` of lever-client with the [`THREE`] features only.
const BUILD_CLIENT_THREE: &[&str] = &[
    "build",
    "-p",
    "lever-client",
    "--no-default-features",
    "--features",
    THREE,
];

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "features: a benchmark; run it with `cargo bench -p lever-tests --bench features`"
        );
        return;
    }
    let quick = std::env::var("LEVER_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let runs = if quick { 1 } else { 3 };
    let cold_runs = if quick { 1 } else { 2 };
    let area = builds::workspace_root()
        .join("target")
        .join("bench-features");
    let copy = builds::Copies::prepare(&area).expect("copy the workspace and the baseline");
    let actions = lever_spec::load(&lever_spec::default_spec_dir(), &[])
        .expect("the shipped spec loads")
        .actions()
        .count();

    let only = std::env::var("LEVER_BENCH_ONLY").unwrap_or_default();
    let runs_section = |name: &str| only.is_empty() || only.split(',').any(|s| s.trim() == name);
    let mut rows = Vec::new();
    if runs_section("crate") {
        rows.extend(crate_rows(&copy, &area, runs, actions));
    }
    if runs_section("one-field") {
        rows.push(one_field_row(&copy, &area, runs));
    }
    if runs_section("cold") {
        rows.extend(nine_action_rows(&copy, &area, cold_runs));
    }
    builds::print_table(&rows);
}

/// lever-client alone, dependencies pre-built: three features, none, and `full`.
fn crate_rows(
    copy: &builds::Copies,
    area: &std::path::Path,
    runs: usize,
    actions: usize,
) -> Vec<Row> {
    let client = Cargo::new(&copy.workspace, area.join("client"));
    let variants: [&[&str]; 3] = [
        BUILD_CLIENT_THREE,
        builds::BUILD_CLIENT_NO_RESOURCE,
        builds::BUILD_CLIENT_FULL,
    ];
    builds::progress("features: building lever-client's dependencies once");
    for args in variants {
        client.run(args).expect("warm-up build of lever-client");
    }
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for i in 0..runs {
        builds::progress(&format!(
            "features: lever-client, crate + build script, run {}/{runs}",
            i + 1
        ));
        for k in 0..variants.len() {
            let v = (k + i) % variants.len();
            client
                .run(builds::CLEAN_CLIENT)
                .expect("cargo clean -p lever-client");
            times[v].push(client.run(variants[v]).expect("build lever-client"));
        }
    }
    let [mut t3, mut t0, mut tf] = times;
    let (t3, t0, tf) = (median(&mut t3), median(&mut t0), median(&mut tf));
    let full_label = format!("{} (`full`)", builds::secs(tf));
    vec![
        Row::new(format!("lever-client with `{THREE}` only, crate + build script, dependencies pre-built, median of {runs}"))
            .figure(builds::secs(t3))
            .baseline(full_label.clone())
            .ratio(t3 / tf)
            .target("≤ 0.35×")
            .met(t3 / tf <= 0.35),
        Row::new(format!("lever-client with no resource (the build script and the crate's own items; lever-runtime, with the webhook and trigger code, is a pre-built dependency), median of {runs}"))
            .figure(builds::secs(t0))
            .baseline(full_label)
            .ratio(t0 / tf),
        Row::new(format!("lever-client `full`, crate + build script, per action ({actions} actions)"))
            .figure(format!("{:.0} ms", tf / actions as f64 * 1e3))
            .baseline(builds::secs(tf))
            .target("≤ 4.2 s, ≤ 40 ms per action")
            .met(tf <= 4.2),
    ]
}

/// One optional field added to `Posting` in the spec, rebuilt with the three features.
fn one_field_row(copy: &builds::Copies, area: &std::path::Path, runs: usize) -> Row {
    let client = Cargo::new(&copy.workspace, area.join("client"));
    let baseline = Cargo::new(&copy.baseline, area.join("baseline"));
    let plain = ["build"];
    client
        .run(BUILD_CLIENT_THREE)
        .expect("build with three features");
    baseline.run(&plain).expect("build the baseline");
    let (mut c, mut b) = (Vec::new(), Vec::new());
    for i in 0..runs {
        builds::progress(&format!(
            "features: one-field rebuild, run {}/{runs}",
            i + 1
        ));
        {
            let _restore = builds::RestoreOnDrop::new(&copy.postings_spec());
            builds::add_posting_field(&copy.postings_spec(), i);
            c.push(
                client
                    .run(BUILD_CLIENT_THREE)
                    .expect("rebuild after the spec change"),
            );
        }
        {
            let _restore = builds::RestoreOnDrop::new(&copy.baseline_lib());
            builds::add_baseline_field(&copy.baseline_lib(), i);
            b.push(baseline.run(&plain).expect("rebuild the baseline"));
        }
        // Back to the unchanged sources (not timed), so the next run starts alike.
        client
            .run(BUILD_CLIENT_THREE)
            .expect("rebuild after restore");
        baseline.run(&plain).expect("rebuild after restore");
    }
    let (c, b) = (median(&mut c), median(&mut b));
    Row::new(format!(
        "one field added to `Posting`, rebuild with `{THREE}`, median of {runs}"
    ))
    .figure(builds::secs(c))
    .baseline(format!(
        "{} (one field added to the baseline crate)",
        builds::secs(b)
    ))
    .ratio(c / b)
    .target("≤ 1.0 s")
    .met(c <= 1.0)
}

/// The nine-seed-actions crate and the baseline crate, from empty target directories.
fn nine_action_rows(copy: &builds::Copies, area: &std::path::Path, runs: usize) -> Vec<Row> {
    let three = Cargo::new(&copy.nine_actions, area.join("nine-three"));
    let full = Cargo::new(&copy.nine_actions, area.join("nine-full"));
    let baseline = Cargo::new(&copy.baseline, area.join("baseline-cold"));
    let sides: [(&Cargo, &[&str]); 3] = [
        (&baseline, &["build"]),
        (&three, &["build", "--features", "three"]),
        (&full, &["build", "--features", "full"]),
    ];
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for i in 0..runs {
        for k in 0..sides.len() {
            let s = (k + i) % sides.len();
            builds::progress(&format!(
                "features: fully cold build {}/{} of run {}/{runs}",
                k + 1,
                sides.len(),
                i + 1
            ));
            let (cargo, args) = sides[s];
            cargo.wipe();
            times[s].push(cargo.run(args).expect("fully cold build"));
        }
    }
    let [mut b, mut t3, mut tf] = times;
    let (b, t3, tf) = (median(&mut b), median(&mut t3), median(&mut tf));
    let base = format!("{} (same dependencies, no API surface)", builds::secs(b));
    vec![
        Row::new(format!(
            "the nine seed actions' crate, fully cold, `{THREE}`, median of {runs}"
        ))
        .figure(builds::secs(t3))
        .baseline(base.clone())
        .ratio(t3 / b)
        .target("≤ 1.10×")
        .met(t3 / b <= 1.10),
        Row::new(format!(
            "the nine seed actions' crate, fully cold, `full`, median of {runs}"
        ))
        .figure(builds::secs(tf))
        .baseline(base)
        .ratio(tf / b)
        .target("≤ 1.25×")
        .met(tf / b <= 1.25),
    ]
}
