//! Rate limit: 8 tasks against a simulator enforcing 10/s, burst 20.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::sim::{client_runtime, SimProcess};
use crate::table::{progress, Config, Row};

/// What the callers saw, counted across tasks.
#[derive(Default)]
struct Counts {
    ok: AtomicU64,
    /// 429s that reached the caller.
    too_many: AtomicU64,
    other: AtomicU64,
    /// Successes after the first `steady_from` of the run.
    ok_steady: AtomicU64,
}

/// One caller: lists a posting again and again until the run's deadline, counting outcomes.
/// `window` is (start, deadline, steady_from).
async fn caller(
    client: lever_client::Client,
    counts: Arc<Counts>,
    window: (tokio::time::Instant, tokio::time::Instant, Duration),
) {
    let (start, deadline, steady_from) = window;
    loop {
        let res = tokio::time::timeout_at(deadline, client.postings().list().limit(1).send()).await;
        match res {
            Err(_) => break, // the run is over; the call was still waiting
            Ok(Ok(_)) => {
                counts.ok.fetch_add(1, Ordering::Relaxed);
                if start.elapsed() >= steady_from {
                    counts.ok_steady.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(Err(lever_client::Error::Api { status, .. })) if status.as_u16() == 429 => {
                counts.too_many.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Err(e)) => {
                eprintln!("[ratios] rate-limit run: {e}");
                counts.other.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

pub(crate) fn bench_rate_limit(cfg: &Config) -> Vec<Row> {
    let secs = cfg.rate_secs;
    progress(&format!(
        "rate limit: 8 tasks for {secs} s against 10/s, burst 20"
    ));
    let mut sim = SimProcess::start(5, true, true);
    let rt = client_runtime();
    // The default rate limit: 10/s, bursts of 20, like Lever.
    let client = sim.client().build().expect("client");
    let before = sim.request_count();
    let counts = Arc::new(Counts::default());
    let steady_from = Duration::from_secs(2).min(Duration::from_secs(secs) / 2);
    let run = Duration::from_secs(secs);
    let elapsed = rt.block_on(async {
        let start = tokio::time::Instant::now();
        let window = (start, start + run, steady_from);
        let tasks: Vec<_> = (0..8)
            .map(|_| tokio::spawn(caller(client.clone(), counts.clone(), window)))
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
        start.elapsed()
    });
    let wire = sim.request_count() - before;
    let load = |count: &AtomicU64| count.load(Ordering::Relaxed);
    let (ok, too_many, other) = (
        load(&counts.ok),
        load(&counts.too_many),
        load(&counts.other),
    );
    let ok_steady = load(&counts.ok_steady);
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
