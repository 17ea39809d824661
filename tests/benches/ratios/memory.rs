//! Memory: peak resident growth streaming 100 000 postings beside 1 000, measured in a child.

use futures::TryStreamExt as _;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::sim::{client_runtime, SimProcess};
use crate::table::{mib, progress, Config, Row};

pub(crate) fn bench_memory(cfg: &Config) -> Vec<Row> {
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

/// A field of `/proc/self/status` in kB (`VmRSS`: resident now, `VmHWM`: resident peak).
pub(crate) fn proc_status_kb(field: &str) -> usize {
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
pub(crate) fn stream_child(args: &[String]) {
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
