//! Configuration (environment variables), the printed table, and small helpers.

use std::path::{Path, PathBuf};

pub(crate) struct Config {
    pub(crate) quick: bool,
    pub(crate) compile: bool,
    pub(crate) rate_secs: u64,
    pub(crate) only: Option<Vec<String>>,
}

impl Config {
    pub(crate) fn from_env() -> Self {
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

    pub(crate) fn runs(&self, section: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|s| s == section))
    }

    /// `full` normally, `quick` under `LEVER_BENCH_QUICK`.
    pub(crate) fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

pub(crate) struct Row {
    pub(crate) measurement: String,
    pub(crate) figure: String,
    pub(crate) baseline: String,
    pub(crate) ratio: String,
    pub(crate) target: String,
    pub(crate) met: String,
}

impl Row {
    pub(crate) fn new(measurement: impl Into<String>) -> Self {
        Row {
            measurement: measurement.into(),
            figure: "—".into(),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: "—".into(),
        }
    }
    pub(crate) fn figure(mut self, s: impl Into<String>) -> Self {
        self.figure = s.into();
        self
    }
    pub(crate) fn baseline(mut self, s: impl Into<String>) -> Self {
        self.baseline = s.into();
        self
    }
    pub(crate) fn ratio(mut self, r: f64) -> Self {
        self.ratio = format!("{r:.2}×");
        self
    }
    pub(crate) fn target(mut self, s: impl Into<String>) -> Self {
        self.target = s.into();
        self
    }
    pub(crate) fn met(mut self, ok: bool) -> Self {
        self.met = if ok { "yes" } else { "**no**" }.into();
        self
    }
    pub(crate) fn skipped(measurement: &str, why: &str, target: &str) -> Self {
        Row::new(measurement).figure(why).target(target)
    }
}

pub(crate) fn print_table(rows: &[Row]) {
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

pub(crate) fn median(v: &mut [f64]) -> f64 {
    assert!(!v.is_empty(), "median of nothing");
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub(crate) fn mean(v: &[f64]) -> f64 {
    assert!(!v.is_empty(), "mean of nothing");
    v.iter().sum::<f64>() / v.len() as f64
}

pub(crate) fn ms(d: f64) -> String {
    format!("{:.2} ms", d * 1e3)
}

pub(crate) fn mib(bytes: usize) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub(crate) fn progress(msg: &str) {
    eprintln!("[ratios] {msg}");
}

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}
