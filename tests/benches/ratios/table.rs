//! Configuration (environment variables), units, and the helpers every section uses.

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

// The table and the median are the compile benches' own (`support/builds.rs`).
pub(crate) use crate::builds::{median, print_table, Row};

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

pub(crate) use crate::builds::workspace_root;
