//! `cargo bench -p lever-tests --bench ratios`: every figure beside a baseline measured in
//! the same run, printed as one Markdown table.
//!
//! | section | figure | baseline |
//! |---|---|---|
//! | generation | `lever_spec::load` + `lever_codegen::generate_client` | YAML parse of the same files |
//! | compile (opt-in) | `cargo build -p lever-client`, cold and after a one-field spec change | `tests/bench-baseline` (same dependencies, no API surface) |
//! | requests | `client.postings().list().limit(50).send()` | reqwest + `serde_json::Value` |
//! | webhooks | `webhooks::verify_and_parse`, and through a `Verifier` | HMAC-SHA256 + `serde_json::from_slice::<Value>` |
//! | rate limit | 8 tasks against a simulator enforcing 10/s, burst 20 | the limit itself |
//! | memory | peak resident growth streaming 100 000 postings | streaming 1 000 |
//!
//! Environment:
//!
//! * `LEVER_BENCH_COMPILE=1` runs the (slow) compile-time section;
//! * `LEVER_BENCH_QUICK=1` shortens everything (CI smoke);
//! * `LEVER_BENCH_RATE_SECS=N` sets the rate-limit run (default 30 s, quick 3 s);
//! * `LEVER_BENCH_ONLY=generation,requests,...` runs only the named sections.
//!
//! The simulator runs in a child process (this binary re-executed with `--sim-server`), so
//! the server does not compete with the client inside one runtime; the memory section streams
//! in another child (`--stream-child`) whose peak resident memory the kernel reports.
//!
//! Without `--bench` (e.g. `cargo test --benches`) the binary only prints how to run it:
//! these are benchmarks, not timed tests.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt as _;
use hmac::{KeyInit as _, Mac as _};
use serde_json::{json, Value};

// ---------------------------------------------------------------- memory of a child

/// A field of `/proc/self/status` in kB (`VmRSS`: resident now, `VmHWM`: resident peak).
fn proc_status_kb(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a kB figure")
}

/// `--stream-child BASE_URL API_KEY`: streams every posting in pages of 100 and prints
/// `count rss_before_kb peak_kb`. Run in its own process so the peak is this stream's alone,
/// measured by the kernel (no counting allocator, no `unsafe`).
fn stream_child(args: &[String]) {
    let (base_url, api_key) = (&args[0], &args[1]);
    let rt = client_runtime();
    let (count, before) = rt.block_on(async {
        let client = lever_client::Client::builder()
            .api_key(api_key.as_str())
            .base_url(base_url)
            .no_rate_limit()
            .build()
            .expect("client");
        // Warm up the connection and the runtime so they are not counted as streaming cost.
        client
            .postings()
            .list()
            .limit(1)
            .send()
            .await
            .expect("warm-up call");
        let before = proc_status_kb("VmRSS");
        let mut stream = client.postings().list().limit(100).stream();
        let mut count = 0usize;
        while let Some(p) = stream.try_next().await.expect("stream item") {
            std::hint::black_box(&p);
            count += 1;
        }
        (count, before)
    });
    println!("{count} {before} {}", proc_status_kb("VmHWM"));
}

// ---------------------------------------------------------------- configuration and table

struct Config {
    quick: bool,
    compile: bool,
    rate_secs: u64,
    only: Option<Vec<String>>,
}

impl Config {
    fn from_env() -> Self {
        let flag = |name: &str| {
            std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
        };
        let quick = flag("LEVER_BENCH_QUICK");
        let rate_secs = std::env::var("LEVER_BENCH_RATE_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(if quick { 3 } else { 30 });
        let only = std::env::var("LEVER_BENCH_ONLY").ok().map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        });
        Config {
            quick,
            compile: flag("LEVER_BENCH_COMPILE"),
            rate_secs: rate_secs.max(1),
            only,
        }
    }

    fn runs(&self, section: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|s| s == section))
    }

    /// `full` normally, `quick` under `LEVER_BENCH_QUICK`.
    fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

struct Row {
    measurement: String,
    figure: String,
    baseline: String,
    ratio: String,
    target: String,
    met: String,
}

impl Row {
    fn new(measurement: impl Into<String>) -> Self {
        Row {
            measurement: measurement.into(),
            figure: "—".into(),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: "—".into(),
        }
    }
    fn figure(mut self, s: impl Into<String>) -> Self {
        self.figure = s.into();
        self
    }
    fn baseline(mut self, s: impl Into<String>) -> Self {
        self.baseline = s.into();
        self
    }
    fn ratio(mut self, r: f64) -> Self {
        self.ratio = format!("{r:.2}×");
        self
    }
    fn target(mut self, s: impl Into<String>) -> Self {
        self.target = s.into();
        self
    }
    fn met(mut self, ok: bool) -> Self {
        self.met = if ok { "yes" } else { "**no**" }.into();
        self
    }
    fn skipped(measurement: &str, why: &str, target: &str) -> Self {
        Row::new(measurement).figure(why).target(target)
    }
}

fn print_table(rows: &[Row]) {
    println!();
    println!("| measurement | figure | baseline | ratio | target | met? |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.measurement, r.figure, r.baseline, r.ratio, r.target, r.met
        );
    }
}

fn median(v: &mut [f64]) -> f64 {
    assert!(!v.is_empty(), "median of nothing");
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn mean(v: &[f64]) -> f64 {
    assert!(!v.is_empty(), "mean of nothing");
    v.iter().sum::<f64>() / v.len() as f64
}

fn ms(d: f64) -> String {
    format!("{:.2} ms", d * 1e3)
}

fn mib(bytes: usize) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn progress(msg: &str) {
    eprintln!("[ratios] {msg}");
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

// ---------------------------------------------------------------- main

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--sim-server") {
        sim_server(&args[1..]);
        return;
    }
    if args.first().map(String::as_str) == Some("--stream-child") {
        stream_child(&args[1..]);
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        println!("ratios: a benchmark; run it with `cargo bench -p lever-tests --bench ratios`");
        return;
    }
    let cfg = Config::from_env();
    let mut rows = Vec::new();
    if cfg.runs("generation") {
        rows.extend(bench_generation(&cfg));
    }
    if cfg.runs("compile") {
        rows.extend(bench_compile(&cfg));
    }
    if cfg.runs("requests") {
        rows.extend(bench_requests(&cfg));
    }
    if cfg.runs("webhooks") {
        rows.extend(bench_webhooks(&cfg));
    }
    if cfg.runs("rate") {
        rows.extend(bench_rate_limit(&cfg));
    }
    if cfg.runs("memory") {
        rows.extend(bench_memory(&cfg));
    }
    print_table(&rows);
}

// ---------------------------------------------------------------- 1. generation

fn bench_generation(cfg: &Config) -> Vec<Row> {
    progress("generation");
    let dir = lever_spec::default_spec_dir();
    let files = lever_spec::spec_files(&dir).expect("spec files");
    let runs = cfg.pick(31, 5);

    // Baseline: read every spec file and parse its YAML (saphyr events into located nodes),
    // without decoding, validation or generation.
    let parse_only = || {
        for path in &files {
            let text = std::fs::read_to_string(path).expect("read spec file");
            let file = Arc::new(lever_spec::yaml::SourceFile {
                path: path.clone(),
                text,
            });
            std::hint::black_box(lever_spec::yaml::parse(&file).expect("YAML parses"));
        }
    };
    let load_only = || {
        std::hint::black_box(lever_spec::load(&dir, &[]).expect("spec loads"));
    };
    let generate = || {
        let spec = lever_spec::load(&dir, &[]).expect("spec loads");
        std::hint::black_box(lever_codegen::generate_client(&spec).expect("generates"));
    };
    let spec = lever_spec::load(&dir, &[]).expect("spec loads");
    let tokens = || lever_codegen::client_tokens(&spec, &lever_codegen::Accessors::Inherent);
    // Warm up (file cache, allocator).
    parse_only();
    generate();
    let (mut gen, mut parse, mut load) = (Vec::new(), Vec::new(), Vec::new());
    let (mut tok, mut fmt) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(tokens());
        tok.push(t.elapsed().as_secs_f64());
        let ts = tokens();
        let t = Instant::now();
        std::hint::black_box(lever_codegen::format_tokens(ts).expect("formats"));
        fmt.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        parse_only();
        parse.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        load_only();
        load.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        generate();
        gen.push(t.elapsed().as_secs_f64());
    }
    let (gen, parse, load) = (median(&mut gen), median(&mut parse), median(&mut load));
    let (tok, fmt) = (median(&mut tok), median(&mut fmt));
    let lines = {
        let spec = lever_spec::load(&dir, &[]).expect("spec loads");
        lever_codegen::generate_client(&spec)
            .expect("generates")
            .lines()
            .count()
    };
    let (small, large) = (10_000, 40_000);
    let scale_runs = cfg.pick(5, 1);
    let (t_small, t_large) = (
        load_actions(small, scale_runs),
        load_actions(large, scale_runs),
    );
    vec![
        Row::new(format!(
            "generation: spec load + validation of {large} actions, median of {scale_runs}"
        ))
        .figure(ms(t_large))
        .baseline(format!("{} ({small} actions)", ms(t_small)))
        .ratio(t_large / t_small)
        .target("≤ 5× (linear: 4×)")
        .met(t_large / t_small <= 5.0),
        Row::new(format!(
            "generation: spec → formatted source ({} files → {lines} lines), median of {runs}",
            files.len()
        ))
        .figure(ms(gen))
        .baseline(format!("{} (YAML parse only)", ms(parse)))
        .ratio(gen / parse)
        .target("< 100 ms absolute")
        .met(gen < 0.1),
        Row::new(format!(
            "generation: of which spec load + validation, median of {runs}"
        ))
        .figure(ms(load))
        .baseline(format!("{} (YAML parse only)", ms(parse)))
        .ratio(load / parse),
        Row::new("generation: of which building tokens (`client_tokens`, quote!)")
            .figure(ms(tok))
            .baseline(format!("{} (YAML parse only)", ms(parse)))
            .ratio(tok / parse),
        Row::new("generation: of which `syn::parse2` + prettyplease (`format_tokens`)")
            .figure(ms(fmt))
            .baseline(format!("{} (YAML parse only)", ms(parse)))
            .ratio(fmt / parse),
    ]
}

/// Median seconds to load a spec whose one resource has `n` actions (each with its own path and
/// a query parameter), from in-memory sources: how loading scales with the size of a spec.
fn load_actions(n: usize, runs: usize) -> f64 {
    let api = "api:\n  title: T\n  base_urls: { production: https://a.test/v1, sandbox: https://b.test/v1 }\n";
    let mut yaml = String::from(
        "types:\n  Thing: { fields: { id: string } }\nresources:\n  things:\n    actions:\n",
    );
    for i in 0..n {
        yaml.push_str(&format!(
            "      get_{i}: {{ title: Get {i}, method: GET, path: /things/t{i}, query: {{ expand: string }}, response: Thing }}\n"
        ));
    }
    let sources = vec![
        (PathBuf::from("api.yaml"), api.to_string()),
        (PathBuf::from("things.yaml"), yaml),
    ];
    let mut times = Vec::new();
    for _ in 0..runs {
        let sources = sources.clone();
        let t = Instant::now();
        let spec = lever_spec::from_sources(sources, vec![]).expect("generated spec loads");
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(spec.actions().count(), n);
    }
    median(&mut times)
}

// ---------------------------------------------------------------- 2. compile time

fn bench_compile(cfg: &Config) -> Vec<Row> {
    let cold = "compile: cold `cargo build -p lever-client` (crate + build script)";
    let incr = "compile: rebuild after adding one field to the spec";
    if !cfg.compile {
        let why = "skipped (set LEVER_BENCH_COMPILE=1)";
        return vec![
            Row::skipped(cold, why, "≤ 1.3× baseline"),
            Row::skipped(incr, why, "≤ 1.3× baseline"),
        ];
    }
    progress("compile: preparing copies under target/bench-compile/");
    let root = workspace_root();
    let area = root.join("target").join("bench-compile");
    // The client is built from a copy of the workspace, so that the one-field spec change
    // below never touches the spec other people are building from.
    let ws = area.join("workspace");
    let _ = std::fs::remove_dir_all(&ws);
    copy_tree(&root, &ws).expect("copy the workspace");
    let base_src = area.join("baseline-src");
    let _ = std::fs::remove_dir_all(&base_src);
    std::fs::create_dir_all(base_src.join("src")).expect("mkdir baseline-src");
    let baseline_crate = root.join("tests").join("bench-baseline");
    for f in ["Cargo.toml", "src/lib.rs"] {
        std::fs::copy(baseline_crate.join(f), base_src.join(f)).expect("copy baseline crate");
    }
    // The main lock file pins the baseline to lever-client's exact dependency versions
    // (cargo drops the entries it does not need).
    std::fs::copy(root.join("Cargo.lock"), base_src.join("Cargo.lock")).expect("copy lock");

    let client = Builder {
        dir: ws.clone(),
        target: area.join("client"),
        package: "lever-client",
    };
    let baseline = Builder {
        dir: base_src.clone(),
        target: area.join("baseline"),
        package: "lever-bench-baseline",
    };
    // Fully cold: empty target directories, so dependencies are compiled too (this is what
    // "a cold `cargo build`" means to most readers). Each side goes first once.
    let full_runs = cfg.pick(2, 1);
    let (mut c_full, mut b_full) = (Vec::new(), Vec::new());
    for i in 0..full_runs {
        progress(&format!(
            "compile: fully cold builds, dependencies included, run {}/{full_runs}",
            i + 1
        ));
        let _ = std::fs::remove_dir_all(&client.target);
        let _ = std::fs::remove_dir_all(&baseline.target);
        if i % 2 == 0 {
            b_full.push(baseline.build().expect("fully cold baseline build"));
            c_full.push(client.build().expect("fully cold lever-client build"));
        } else {
            c_full.push(client.build().expect("fully cold lever-client build"));
            b_full.push(baseline.build().expect("fully cold baseline build"));
        }
    }
    let (c_full, b_full) = (mean(&c_full), mean(&b_full));

    let runs = cfg.pick(3, 1);
    let (mut c_cold, mut b_cold) = (Vec::new(), Vec::new());
    for i in 0..runs {
        progress(&format!("compile: cold run {}/{runs}", i + 1));
        // Alternate which goes first: other builds on the machine come and go.
        let order: [&Builder; 2] = if i % 2 == 0 {
            [&client, &baseline]
        } else {
            [&baseline, &client]
        };
        for b in order {
            b.clean().expect("cargo clean -p");
            let t = b.build().expect("cold build");
            if std::ptr::eq(b, &client) {
                c_cold.push(t);
            } else {
                b_cold.push(t);
            }
        }
    }
    let (c_cold, b_cold) = (median(&mut c_cold), median(&mut b_cold));
    let script = build_script_run(&client.target.join("debug").join("build"), &area, runs);

    // Incremental: one optional field added to `Posting`, rebuilt, then restored.
    let spec_file = ws.join("lever-spec/spec/resources/postings.yaml");
    let lib_file = base_src.join("src/lib.rs");
    let (mut c_inc, mut b_inc) = (Vec::new(), Vec::new());
    for i in 0..runs {
        progress(&format!("compile: incremental run {}/{runs}", i + 1));
        {
            let _restore = RestoreOnDrop::new(&spec_file);
            add_posting_field(&spec_file, i);
            c_inc.push(client.build().expect("incremental build of lever-client"));
        }
        {
            let _restore = RestoreOnDrop::new(&lib_file);
            let text = std::fs::read_to_string(&lib_file).expect("read baseline lib.rs");
            let changed = text.replace(
                "    pub id: String,\n",
                &format!(
                    "    pub id: String,\n    /// Added.\n    pub extra{i}: Option<String>,\n"
                ),
            );
            assert_ne!(text, changed, "baseline lib.rs has the Item struct");
            std::fs::write(&lib_file, changed).expect("write baseline lib.rs");
            b_inc.push(baseline.build().expect("incremental build of the baseline"));
        }
        // Back to the unchanged sources (not timed), so the next run starts alike.
        client.build().expect("rebuild after restore");
        baseline.build().expect("rebuild after restore");
    }
    let (c_inc, b_inc) = (median(&mut c_inc), median(&mut b_inc));
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

/// Times lever-client's compiled build script on its own (it only needs `OUT_DIR`): the
/// share of a cold build spent generating code with unoptimised dependencies.
fn build_script_run(build_dir: &Path, area: &Path, runs: usize) -> Option<f64> {
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
struct Builder {
    dir: PathBuf,
    target: PathBuf,
    package: &'static str,
}

impl Builder {
    fn cargo(&self, args: &[&str]) -> Result<f64, String> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let t = Instant::now();
        let out = Command::new(cargo)
            .args(args)
            .args(["-p", self.package, "--offline"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env_remove("CARGO_MANIFEST_DIR")
            .env_remove("CARGO_PRIMARY_PACKAGE")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let secs = t.elapsed().as_secs_f64();
        if out.status.success() {
            Ok(secs)
        } else {
            Err(format!(
                "cargo {args:?} -p {} failed in {}:\n{}",
                self.package,
                self.dir.display(),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
    fn build(&self) -> Result<f64, String> {
        self.cargo(&["build"])
    }
    fn clean(&self) -> Result<f64, String> {
        self.cargo(&["clean"])
    }
}

/// Copies a source tree, leaving out `target` and `.git` folders.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let ty = entry.file_type()?;
        if ty.is_dir() {
            copy_tree(&entry.path(), &to.join(&name))?;
        } else if ty.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// Adds `benchProbe<i>: { type: string }` to the fields of `Posting` (all optional there),
/// after checking that the changed spec still loads.
fn add_posting_field(spec_file: &Path, i: usize) {
    let text = std::fs::read_to_string(spec_file).expect("read postings.yaml");
    let mut out = String::with_capacity(text.len() + 64);
    let mut in_posting = false;
    let mut done = false;
    for line in text.split_inclusive('\n') {
        out.push_str(line);
        if line.trim_end() == "  Posting:" {
            in_posting = true;
        } else if in_posting && !done && line.trim_end() == "    fields:" {
            out.push_str(&format!(
                "      benchProbe{i}: {{ type: string, doc: Added by the compile benchmark. }}\n"
            ));
            done = true;
        }
    }
    assert!(
        done,
        "found `Posting:` / `fields:` in {}",
        spec_file.display()
    );
    std::fs::write(spec_file, out).expect("write postings.yaml");
    let spec_dir = spec_file
        .ancestors()
        .nth(2)
        .expect("spec/resources/postings.yaml");
    if let Err(e) = lever_spec::load(spec_dir, &[]) {
        panic!("the one-field change does not load:\n{e}");
    }
}

/// Restores a file byte for byte (and its modification time) when dropped, also while
/// unwinding from a panic.
struct RestoreOnDrop {
    path: PathBuf,
    bytes: Vec<u8>,
    modified: Option<std::time::SystemTime>,
}

impl RestoreOnDrop {
    fn new(path: &Path) -> Self {
        let bytes = std::fs::read(path).expect("read the file to restore later");
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        RestoreOnDrop {
            path: path.to_path_buf(),
            bytes,
            modified,
        }
    }
}

impl Drop for RestoreOnDrop {
    fn drop(&mut self) {
        if let Err(e) = std::fs::write(&self.path, &self.bytes) {
            eprintln!("[ratios] could not restore {}: {e}", self.path.display());
            return;
        }
        if let Some(t) = self.modified {
            if let Ok(f) = std::fs::File::options().write(true).open(&self.path) {
                let _ = f.set_modified(t);
            }
        }
    }
}

// ---------------------------------------------------------------- the simulator, in a child process

/// A small posting (about 300 B of JSON), for the 100 000-item memory run: the simulator
/// clones and sorts every stored posting for each page it serves, so item size sets how long
/// that run takes.
fn small_posting(i: usize) -> Value {
    json!({
        "id": format!("{:08x}-0000-4000-8000-{:012x}", i, i),
        "text": format!("Software Engineer ({i})"),
        "createdAt": 1_600_000_000_000_i64 + i as i64 * 1000,
        "updatedAt": 1_600_000_000_000_i64 + i as i64 * 1000 + 500,
        "state": "published",
        "confidentiality": "non-confidential",
        "categories": {"team": "Engineering", "location": "Berlin", "commitment": "Full-time"},
        "tags": ["rust"]
    })
}

/// A realistic posting (about 1.5 kB of JSON).
fn posting(i: usize) -> Value {
    let states = ["published", "internal", "closed", "draft"];
    let teams = ["Engineering", "Sales", "Design", "Operations"];
    let user = |n: usize| format!("{:08x}-1111-4000-8000-{:012x}", n % 7, n % 7);
    json!({
        "id": format!("{:08x}-0000-4000-8000-{:012x}", i, i),
        "text": format!("Senior Software Engineer, Platform ({i})"),
        "createdAt": 1_600_000_000_000_i64 + i as i64 * 1000,
        "updatedAt": 1_600_000_000_000_i64 + i as i64 * 1000 + 500,
        "state": states[i % states.len()],
        "distributionChannels": ["public", "internal"],
        "confidentiality": "non-confidential",
        "user": user(i),
        "owner": user(i + 1),
        "hiringManager": user(i + 2),
        "categories": {
            "team": teams[i % teams.len()],
            "department": "Research & Development",
            "location": "Berlin",
            "allLocations": ["Berlin", "Remote (EU)"],
            "commitment": "Full-time",
            "level": null
        },
        "tags": ["rust", "backend", "distributed-systems"],
        "content": {
            "description": "We are looking for an engineer to build and run the services behind our \
                platform: APIs, queues and storage, with a strong focus on reliability.",
            "descriptionHtml": "<div><p>We are looking for an engineer to build and run the \
                services behind our platform: APIs, queues and storage.</p></div>",
            "lists": [
                {"text": "Requirements", "content": "<li>5+ years of backend work</li><li>Rust or C++</li><li>Operating production systems</li>"},
                {"text": "Benefits", "content": "<li>30 days of holiday</li><li>Learning budget</li>"}
            ],
            "closing": "We look forward to hearing from you.",
            "closingHtml": "<p>We look forward to hearing from you.</p>"
        },
        "country": "DE",
        "followers": [user(i + 3), user(i + 4)],
        "reqCode": null,
        "requisitionCodes": [format!("REQ-{i}")],
        "salaryDescription": "Competitive, with equity.",
        "salaryRange": {"min": 80000, "max": 110000, "currency": "EUR", "interval": "per-year-salary"},
        "urls": {
            "list": "https://jobs.lever.co/example",
            "show": format!("https://jobs.lever.co/example/{i}"),
            "apply": format!("https://jobs.lever.co/example/{i}/apply")
        },
        "workplaceType": "hybrid"
    })
}

/// The child process: `--sim-server <postings> <rate-limited: 0|1> [small]`. Prints the base URL and
/// the API key on one line, answers `count` with the number of requests received, and exits
/// when stdin closes.
fn sim_server(args: &[String]) {
    let postings: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100);
    let limited = args.get(1).map(String::as_str) == Some("1");
    let small = args.get(2).map(String::as_str) == Some("small");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let sim = lever_sim::Simulator::start(lever_sim::SimConfig {
            rate_limit: limited.then(lever_sim::RateLimitConfig::default),
            seed_data: false,
            ..lever_sim::SimConfig::default()
        })
        .await
        .expect("simulator starts");
        for i in 0..postings {
            let p = if small { small_posting(i) } else { posting(i) };
            sim.insert("Posting", p).expect("insert posting");
        }
        println!("{} {}", sim.base_url(), sim.api_key());
        let sim = Arc::new(sim);
        let counter = sim.clone();
        tokio::task::spawn_blocking(move || {
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                let Ok(line) = line else { break };
                if line.trim() == "count" {
                    println!("{}", counter.request_count());
                }
            }
        })
        .await
        .expect("stdin reader");
    });
}

/// A simulator child process; killed when dropped.
struct SimProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    base_url: String,
    api_key: String,
}

impl SimProcess {
    fn start(postings: usize, rate_limited: bool, small: bool) -> Self {
        let exe = std::env::current_exe().expect("current exe");
        let mut child = Command::new(exe)
            .args([
                "--sim-server",
                &postings.to_string(),
                if rate_limited { "1" } else { "0" },
                if small { "small" } else { "full" },
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the simulator");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("child stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("simulator announces itself");
        let mut parts = line.split_whitespace();
        let base_url = parts.next().expect("base URL").to_string();
        let api_key = parts.next().expect("API key").to_string();
        SimProcess {
            child,
            stdin,
            stdout,
            base_url,
            api_key,
        }
    }

    fn request_count(&mut self) -> u64 {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(b"count\n").expect("ask the simulator");
        stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("simulator answers");
        line.trim().parse().expect("a count")
    }

    fn client(&self) -> lever_client::ClientBuilder {
        lever_client::Client::builder()
            .api_key(self.api_key.clone())
            .base_url(self.base_url.clone())
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

// ---------------------------------------------------------------- 3. request overhead

fn bench_requests(cfg: &Config) -> Vec<Row> {
    progress("requests: starting the simulator (100 postings, no rate limit)");
    let sim = SimProcess::start(100, false, false);
    let rt = client_runtime();
    let client = sim.client().no_rate_limit().build().expect("client");
    let http = reqwest::Client::builder().build().expect("reqwest client");
    let url = format!("{}/postings?limit=50", sim.base_url.trim_end_matches('/'));
    let key = sim.api_key.clone();

    let typed = || async {
        let page = client
            .postings()
            .list()
            .limit(50)
            .send()
            .await
            .expect("typed list");
        assert_eq!(page.data.len(), 50);
        std::hint::black_box(page);
    };
    let raw = || async {
        let value: Value = http
            .get(&url)
            .basic_auth(&key, Some(""))
            .send()
            .await
            .expect("reqwest send")
            .error_for_status()
            .expect("2xx")
            .json()
            .await
            .expect("JSON body");
        assert_eq!(value["data"].as_array().map(Vec::len), Some(50));
        std::hint::black_box(value);
    };

    let rounds = cfg.pick(20, 4);
    let per_round = cfg.pick(100, 25);
    let (mut t_lat, mut b_lat) = (Vec::new(), Vec::new());
    let (mut t_total, mut b_total) = (0.0, 0.0);
    rt.block_on(async {
        for _ in 0..50 {
            typed().await;
            raw().await;
        }
        for round in 0..rounds {
            // Alternate the order so drift on a shared machine hits both sides alike.
            for side in 0..2 {
                let typed_side = (round + side) % 2 == 0;
                let start = Instant::now();
                for _ in 0..per_round {
                    let t = Instant::now();
                    if typed_side {
                        typed().await;
                        t_lat.push(t.elapsed().as_secs_f64());
                    } else {
                        raw().await;
                        b_lat.push(t.elapsed().as_secs_f64());
                    }
                }
                let spent = start.elapsed().as_secs_f64();
                if typed_side {
                    t_total += spent;
                } else {
                    b_total += spent;
                }
            }
        }
    });
    let n = (rounds * per_round) as f64;
    let (t_med, b_med) = (median(&mut t_lat), median(&mut b_lat));
    let (t_rps, b_rps) = (n / t_total, n / b_total);
    let lat_ratio = t_med / b_med;
    let rps_ratio = t_rps / b_rps;
    vec![
        Row::new(format!(
            "requests: median latency, list 50 postings ({} sequential calls each)",
            n as usize
        ))
        .figure(ms(t_med))
        .baseline(format!("{} (reqwest + Value)", ms(b_med)))
        .ratio(lat_ratio)
        .target("≤ 1.05×")
        .met(lat_ratio <= 1.05),
        Row::new("requests: sequential throughput, same calls")
            .figure(format!("{t_rps:.0} req/s"))
            .baseline(format!("{b_rps:.0} req/s"))
            .ratio(rps_ratio)
            .target("≥ 0.95×")
            .met(rps_ratio >= 0.95),
    ]
}

// ---------------------------------------------------------------- 4. webhooks

const EVENTS: [&str; 10] = [
    "applicationCreated",
    "candidateHired",
    "candidateStageChange",
    "candidateArchiveChange",
    "candidateDeleted",
    "interviewCreated",
    "interviewUpdated",
    "interviewDeleted",
    "contactCreated",
    "contactUpdated",
];

fn uuid(kind: u32, i: usize) -> String {
    format!("{kind:08x}-{:04x}-4000-8000-{:012x}", i % 0xffff, i * 7919)
}

fn event_data(event: &str, i: usize) -> Value {
    let opp = uuid(1, i);
    let contact = uuid(2, i);
    match event {
        "applicationCreated" => json!({
            "opportunityId": opp, "candidateId": opp, "contactId": contact,
            "applicationId": uuid(3, i), "postingId": uuid(4, i)
        }),
        "candidateHired" => json!({"opportunityId": opp, "candidateId": opp, "contactId": contact}),
        "candidateStageChange" => json!({
            "opportunityId": opp, "candidateId": opp, "contactId": contact,
            "toStageId": "offer", "fromStageId": uuid(5, i)
        }),
        "candidateArchiveChange" => json!({
            "opportunityId": opp, "candidateId": opp, "contactId": contact,
            "fromArchived": null,
            "toArchived": {"archivedAt": 1_700_000_000_000_i64 + i as i64, "reason": uuid(6, i)}
        }),
        "candidateDeleted" => json!({
            "opportunityId": opp, "candidateId": opp, "contactId": contact, "deletedBy": uuid(7, i)
        }),
        "interviewCreated" | "interviewUpdated" | "interviewDeleted" => json!({
            "interviewId": uuid(8, i), "panelId": uuid(9, i),
            "opportunityId": opp, "contactId": contact
        }),
        _ => json!({"contactId": contact}),
    }
}

/// The baseline: what a hand-written receiver does with `serde_json::Value`.
fn verify_value_baseline(key: &[u8], body: &[u8]) -> Option<Value> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let token = v.get("token")?.as_str()?;
    let triggered_at = v.get("triggeredAt")?.as_i64()?;
    let signature = hex::decode(v.get("signature")?.as_str()?).ok()?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).ok()?;
    mac.update(token.as_bytes());
    mac.update(triggered_at.to_string().as_bytes());
    mac.verify_slice(&signature).ok()?;
    Some(v)
}

fn bench_webhooks(cfg: &Config) -> Vec<Row> {
    progress("webhooks");
    let key = "3f1c9e0a5b7d2e4f6a8c0b1d3e5f7a9c1b3d5e7f9a0c2e4f";
    let n = 1000;
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let event = EVENTS[i % EVENTS.len()];
            let token = format!("{:048x}", i as u128 * 0x9e37_79b9_7f4a_7c15);
            lever_client::webhooks::signed_delivery_with(
                key,
                event,
                &token,
                1_700_000_000_000 + i as i64,
                event_data(event, i),
            )
        })
        .collect();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    // Both sides accept every delivery, and the typed side knows every event.
    for b in &bodies {
        let event = lever_client::webhooks::verify_and_parse(key, b).expect("typed accepts");
        assert!(
            !matches!(event, lever_client::webhooks::WebhookEvent::Unknown(_)),
            "known event"
        );
        assert!(verify_value_baseline(key.as_bytes(), b).is_some());
    }
    // A server keeps one `Verifier`; no replay window (the bodies are dated 2023) and no dedup
    // (the default), like the baseline.
    let verifier = lever_client::webhooks::Verifier::new(key).replay_window(None);
    for b in &bodies {
        verifier.verify_and_parse(b).expect("the verifier accepts");
    }
    let rounds = cfg.pick(30, 5);
    let (mut typed, mut kept, mut base) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // Three sides, in a rotating order.
        for side in 0..3 {
            let which = (round + side) % 3;
            let t = Instant::now();
            for b in &bodies {
                let b = std::hint::black_box(b);
                match which {
                    0 => {
                        std::hint::black_box(
                            lever_client::webhooks::verify_and_parse(key, b).is_ok(),
                        );
                    }
                    1 => {
                        std::hint::black_box(verifier.verify_and_parse(b).is_ok());
                    }
                    _ => {
                        std::hint::black_box(verify_value_baseline(key.as_bytes(), b));
                    }
                }
            }
            let rate = n as f64 / t.elapsed().as_secs_f64();
            [&mut typed, &mut kept, &mut base][which].push(rate);
        }
    }
    let (t, v, b) = (median(&mut typed), median(&mut kept), median(&mut base));

    // Where the time goes: the two halves of the baseline on their own.
    let signed: Vec<(String, i64, Vec<u8>)> = bodies
        .iter()
        .map(|b| {
            let v: Value = serde_json::from_slice(b).expect("JSON");
            (
                v["token"].as_str().expect("token").to_string(),
                v["triggeredAt"].as_i64().expect("triggeredAt"),
                hex::decode(v["signature"].as_str().expect("signature")).expect("hex"),
            )
        })
        .collect();
    let (mut hmac_only, mut parse_only) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t0 = Instant::now();
        for (token, at, sig) in &signed {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("key");
            mac.update(token.as_bytes());
            mac.update(at.to_string().as_bytes());
            std::hint::black_box(mac.verify_slice(sig).is_ok());
        }
        hmac_only.push(t0.elapsed().as_secs_f64() / n as f64);
        let t0 = Instant::now();
        for b in &bodies {
            std::hint::black_box(serde_json::from_slice::<Value>(std::hint::black_box(b)).is_ok());
        }
        parse_only.push(t0.elapsed().as_secs_f64() / n as f64);
    }
    let (h, p) = (median(&mut hmac_only), median(&mut parse_only));
    let us = |s: f64| format!("{:.2} µs", s * 1e6);
    vec![
        Row::new(format!(
            "webhooks: verify + parse, deliveries/s (10 events, {n} bodies, avg {} B)",
            bytes / n
        ))
        .figure(format!("{t:.0}/s"))
        .baseline(format!("{b:.0}/s (HMAC + Value)"))
        .ratio(t / b)
        .target("≥ 1.5×")
        .met(t / b >= 1.5),
        Row::new(
            "webhooks: the same through a `Verifier` (signature token keyed once), deliveries/s",
        )
        .figure(format!("{v:.0}/s"))
        .baseline(format!("{b:.0}/s (HMAC + Value)"))
        .ratio(v / b)
        .target("≥ 1.5×")
        .met(v / b >= 1.5),
        Row::new("webhooks: time per delivery")
            .figure(us(1.0 / t))
            .baseline(format!(
                "{} = HMAC-SHA256 {} + `from_slice::<Value>` {} + the rest",
                us(1.0 / b),
                us(h),
                us(p)
            ))
            .ratio(b / t),
    ]
}

// ---------------------------------------------------------------- 5. rate limit

fn bench_rate_limit(cfg: &Config) -> Vec<Row> {
    let secs = cfg.rate_secs;
    progress(&format!(
        "rate limit: 8 tasks for {secs} s against 10/s, burst 20"
    ));
    let mut sim = SimProcess::start(5, true, true);
    let rt = client_runtime();
    // The default rate limit: 10/s, bursts of 20, like Lever.
    let client = sim.client().build().expect("client");
    let before = sim.request_count();
    let ok = Arc::new(AtomicU64::new(0));
    let too_many = Arc::new(AtomicU64::new(0));
    let other = Arc::new(AtomicU64::new(0));
    let steady_from = Duration::from_secs(2).min(Duration::from_secs(secs) / 2);
    let ok_steady = Arc::new(AtomicU64::new(0));
    let run = Duration::from_secs(secs);
    let elapsed = rt.block_on(async {
        let start = tokio::time::Instant::now();
        let deadline = start + run;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let client = client.clone();
            let (ok, too_many, other, ok_steady) = (
                ok.clone(),
                too_many.clone(),
                other.clone(),
                ok_steady.clone(),
            );
            tasks.push(tokio::spawn(async move {
                loop {
                    let res =
                        tokio::time::timeout_at(deadline, client.postings().list().limit(1).send())
                            .await;
                    match res {
                        Err(_) => break, // the run is over; the call was still waiting
                        Ok(Ok(_)) => {
                            ok.fetch_add(1, Ordering::Relaxed);
                            if start.elapsed() >= steady_from {
                                ok_steady.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Ok(Err(lever_client::Error::Api { status, .. }))
                            if status.as_u16() == 429 =>
                        {
                            too_many.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(Err(e)) => {
                            eprintln!("[ratios] rate-limit run: {e}");
                            other.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        start.elapsed()
    });
    let wire = sim.request_count() - before;
    let ok = ok.load(Ordering::Relaxed);
    let too_many = too_many.load(Ordering::Relaxed);
    let other = other.load(Ordering::Relaxed);
    let ok_steady = ok_steady.load(Ordering::Relaxed);
    let whole = ok as f64 / elapsed.as_secs_f64();
    let steady = ok_steady as f64 / (elapsed - steady_from).as_secs_f64();
    let limit = 10.0;
    // What the server could have served at most: the burst plus the refill.
    let ceiling = (20.0 + limit * elapsed.as_secs_f64()) / elapsed.as_secs_f64();
    let wire_extra = wire.saturating_sub(ok + too_many + other);
    vec![
        Row::new(format!(
            "rate limit: req/s after the first {} s, 8 tasks, {secs} s run",
            steady_from.as_secs_f64()
        ))
        .figure(format!("{steady:.2} req/s"))
        .baseline("10 req/s (the limit)")
        .ratio(steady / limit)
        .target("≥ 0.95×")
        .met(steady / limit >= 0.95),
        Row::new("rate limit: req/s over the whole run (burst of 20 included)")
            .figure(format!("{whole:.2} req/s ({ok} calls)"))
            .baseline(format!("{ceiling:.2} req/s (burst + refill)"))
            .ratio(whole / ceiling),
        Row::new("rate limit: 429s reaching callers")
            .figure(format!("{too_many} (other errors: {other})"))
            .baseline("0")
            .target("0")
            .met(too_many == 0 && other == 0),
        Row::new("rate limit: 429s on the wire (retried inside the client)")
            .figure(format!("{wire_extra} (of {wire} requests)"))
            .baseline("0"),
    ]
}

// ---------------------------------------------------------------- 6. memory

fn bench_memory(cfg: &Config) -> Vec<Row> {
    let (small, big) = (1_000, cfg.pick(100_000, 10_000));
    let mut peaks = Vec::new();
    for n in [small, big] {
        progress(&format!("memory: simulator with {n} postings"));
        let sim = SimProcess::start(n, false, true);
        let t = Instant::now();
        let exe = std::env::current_exe().expect("current exe");
        let out = Command::new(exe)
            .args(["--stream-child", &sim.base_url, &sim.api_key])
            .stderr(Stdio::inherit())
            .output()
            .expect("run the streaming child");
        assert!(out.status.success(), "the streaming child failed");
        let line = String::from_utf8_lossy(&out.stdout);
        let nums: Vec<usize> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let [count, before_kb, peak_kb] = nums[..] else {
            panic!("unexpected child output {line:?}")
        };
        assert_eq!(count, n, "every posting streamed");
        let growth = peak_kb.saturating_sub(before_kb).max(1) * 1024;
        progress(&format!(
            "memory: {n} postings streamed in {:.1} s, peak resident {} (+{} while streaming)",
            t.elapsed().as_secs_f64(),
            mib(peak_kb * 1024),
            mib(growth)
        ));
        peaks.push((peak_kb * 1024, growth));
    }
    let ratio = peaks[1].0 as f64 / peaks[0].0 as f64;
    let growth_ratio = peaks[1].1 as f64 / peaks[0].1 as f64;
    vec![
        Row::new(format!(
            "memory: peak resident memory of the client process streaming {big} postings (pages of 100)"
        ))
        .figure(mib(peaks[1].0))
        .baseline(format!("{} ({small} postings)", mib(peaks[0].0)))
        .ratio(ratio)
        .target("≤ 1.2×")
        .met(ratio <= 1.2),
        Row::new("memory: of which growth while streaming (small figures: allocator noise dominates)")
            .figure(mib(peaks[1].1))
            .baseline(format!("{} ({small} postings)", mib(peaks[0].1)))
            .ratio(growth_ratio),
    ]
}
