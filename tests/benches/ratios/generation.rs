//! Generation: `lever_spec::load` + `lever_codegen::generate_client` beside a YAML parse.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::table::{median, ms, progress, Config, Row};

/// Median seconds of each step over the shipped spec.
struct Medians {
    /// Spec load + validation + generation + formatting.
    gen: f64,
    /// The baseline: reading and YAML-parsing the files.
    parse: f64,
    /// Spec load + validation.
    load: f64,
    /// Building tokens.
    tok: f64,
    /// Formatting tokens.
    fmt: f64,
}

/// Times each step `runs` times, interleaved, after a warm-up.
fn medians(dir: &Path, files: &[PathBuf], runs: usize) -> Medians {
    // Baseline: read every spec file and parse its YAML (saphyr events into located nodes),
    // without decoding, validation or generation.
    let parse_only = || {
        for path in files {
            let text = std::fs::read_to_string(path).expect("read spec file");
            let file = Arc::new(lever_spec::yaml::SourceFile {
                path: path.clone(),
                text,
            });
            std::hint::black_box(lever_spec::yaml::parse(&file).expect("YAML parses"));
        }
    };
    let load_only = || {
        std::hint::black_box(lever_spec::load(dir, &[]).expect("spec loads"));
    };
    let generate = || {
        let spec = lever_spec::load(dir, &[]).expect("spec loads");
        std::hint::black_box(lever_codegen::generate_client(&spec).expect("generates"));
    };
    let spec = lever_spec::load(dir, &[]).expect("spec loads");
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
    Medians {
        gen: median(&mut gen),
        parse: median(&mut parse),
        load: median(&mut load),
        tok: median(&mut tok),
        fmt: median(&mut fmt),
    }
}

pub(crate) fn bench_generation(cfg: &Config) -> Vec<Row> {
    progress("generation");
    let dir = lever_spec::default_spec_dir();
    let files = lever_spec::spec_files(&dir).expect("spec files");
    let runs = cfg.pick(31, 5);

    let Medians {
        gen,
        parse,
        load,
        tok,
        fmt,
    } = medians(&dir, &files, runs);
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
pub(crate) fn load_actions(n: usize, runs: usize) -> f64 {
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
