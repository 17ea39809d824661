//! `cargo bench -p lever-tests --bench workers`: how fast a fleet of `lever_connect` workers
//! takes over a dead worker's accounts, beside the lease TTL, as one Markdown table.
//!
//! | measurement | figure | baseline |
//! |---|---|---|
//! | takeover | from a worker's death (its `run` future dropped: no release) to every account it held polled again by the survivor | the lease TTL |
//! | scale | polls/s of 3 workers sharing the accounts, each bounded to `SCALE_SLOTS` polls in flight, every poll taking `SCALE_LATENCY` at (simulated) Lever | the same of 1 worker: its ceiling |
//!
//! Takeover: two workers in this process share 20 API-key accounts through leases in a
//! throwaway PostgreSQL (poll interval 200 ms, heartbeat 100 ms); median of 3 deaths per TTL.
//! Scale: `SCALE_ACCOUNTS` accounts polled as often as the workers can (demand far above the
//! ceiling); the figure converts polls/s into accounts served at one poll per trigger per
//! minute (one trigger here), far below Lever's 10 requests/s per account.
//! Without `--bench` the binary only prints how to run it.

use std::time::{Duration, Instant};

use lever_client::triggers::{Dispatcher, HandlerError, Trigger};
use lever_connect::worker::{StatusHandle, Worker};
use lever_connect::{Connections, Keyring, SqlStore};
use lever_sim::{SimConfig, Simulator};

const ACCOUNTS: usize = 20;
const INTERVAL: Duration = Duration::from_millis(200);
const HEARTBEAT: Duration = Duration::from_millis(100);
const SCALE_ACCOUNTS: usize = 600;
const SCALE_SLOTS: usize = 16;
const SCALE_LATENCY: Duration = Duration::from_millis(100);
const SCALE_WINDOW: Duration = Duration::from_secs(4);

fn manager(store: SqlStore, base: &str) -> Connections {
    Connections::builder()
        .store(store)
        .keyring(Keyring::new("bench", [9; 32]))
        .base_url(base)
        .configure_clients(|b| b.no_rate_limit())
        .build()
        .expect("connections")
}

fn worker(conns: &Connections, store: &SqlStore, id: &str, ttl: Duration) -> Worker {
    let mut dispatcher = Dispatcher::new();
    dispatcher.on(Trigger::PostingCreated, |_| async {
        Ok::<(), HandlerError>(())
    });
    Worker::new(conns.clone(), store.clone(), dispatcher)
        .id(id)
        .lease_ttl(ttl)
        .heartbeat_every(HEARTBEAT)
        .poll_interval(INTERVAL)
}

async fn until(mut done: impl FnMut() -> bool) {
    while !done() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// One death: returns the takeover time.
async fn takeover(sim: &Simulator, db_url: &str, ttl: Duration, round: usize) -> Duration {
    let store = SqlStore::connect(db_url).await.expect("store");
    let conns = manager(store.clone(), &sim.base_url());
    let victim = worker(&conns, &store, &format!("victim-{round}"), ttl);
    let survivor = worker(&conns, &store, &format!("survivor-{round}"), ttl);
    let (victim_status, survivor_status): (StatusHandle, StatusHandle) =
        (victim.status(), survivor.status());
    let victim_run = tokio::spawn(victim.run(std::future::pending()));
    let survivor_run = tokio::spawn(survivor.run(std::future::pending()));
    until(|| {
        victim_status.snapshot().accounts.len() == ACCOUNTS / 2
            && survivor_status.snapshot().accounts.len() == ACCOUNTS / 2
    })
    .await;
    let held = victim_status.snapshot().accounts;
    victim_run.abort(); // death: no release, its pollers aborted with it
    let _ = victim_run.await;
    let died = Instant::now();
    let polled_since = |account: &str| {
        sim.account(account)
            .expect("account")
            .requests()
            .iter()
            .filter(|r| r.path == "/v1/postings" && r.started > died)
            .map(|r| r.started)
            .min()
    };
    until(|| held.iter().all(|a| polled_since(a).is_some())).await;
    let taken = held
        .iter()
        .filter_map(|a| polled_since(a))
        .max()
        .map_or(Duration::ZERO, |t| t - died);
    survivor_run.abort();
    let _ = survivor_run.await;
    taken
}

/// Polls/s of `workers` workers sharing `accounts` once the leases are spread, over
/// `SCALE_WINDOW`.
async fn served(sim: &Simulator, db_url: &str, accounts: usize, workers: usize) -> f64 {
    let store = SqlStore::connect(db_url).await.expect("store");
    let conns = manager(store.clone(), &sim.base_url());
    let mut statuses = Vec::new();
    let mut runs = Vec::new();
    for w in 0..workers {
        let worker = worker(
            &conns,
            &store,
            &format!("scale-{workers}-{w}"),
            Duration::from_secs(5),
        )
        .poll_interval(Duration::from_millis(250))
        .max_concurrent_polls(SCALE_SLOTS);
        statuses.push(worker.status());
        runs.push(tokio::spawn(worker.run(std::future::pending())));
    }
    let share = accounts.div_ceil(workers);
    until(|| {
        let held: Vec<usize> = statuses
            .iter()
            .map(|s| s.snapshot().accounts.len())
            .collect();
        held.iter().sum::<usize>() == accounts && held.iter().all(|&h| h <= share)
    })
    .await;
    // Warm up (connections, first polls), then count.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let polls =
        |statuses: &[StatusHandle]| statuses.iter().map(|s| s.snapshot().polls).sum::<u64>();
    let before = polls(&statuses);
    let start = Instant::now();
    tokio::time::sleep(SCALE_WINDOW).await;
    let rate = (polls(&statuses) - before) as f64 / start.elapsed().as_secs_f64();
    for run in runs {
        run.abort();
        let _ = run.await;
    }
    rate
}

async fn scale(sim: &Simulator, server: &str) {
    let db_url = lever_connect::testing::TempPostgres::create_database(
        server,
        &format!("bench_workers_scale_{}", std::process::id()),
    )
    .await
    .expect("database");
    let store = SqlStore::connect(&db_url).await.expect("store");
    let conns = manager(store, &sim.base_url());
    for a in 0..SCALE_ACCOUNTS {
        let name = format!("scale-acct-{a}");
        let account = sim.add_account(&name).expect("account");
        conns
            .connect_api_key(&name, account.api_key)
            .await
            .expect("connect");
    }
    sim.delay("GET /postings", SCALE_LATENCY).expect("delay");
    let one = served(sim, &db_url, SCALE_ACCOUNTS, 1).await;
    let three = served(sim, &db_url, SCALE_ACCOUNTS, 3).await;
    sim.clear_targeted_faults();
    let per_minute = |polls_per_second: f64| polls_per_second * 60.0;
    println!(
        "| scale, PostgreSQL: 1 worker's ceiling ({SCALE_SLOTS} polls in flight, {} ms per poll at Lever) | {one:.0} polls/s = {:.0} accounts at 1 poll/min | — | — | measured | — |",
        SCALE_LATENCY.as_millis(),
        per_minute(one)
    );
    println!(
        "| scale, PostgreSQL: 3 workers sharing {SCALE_ACCOUNTS} accounts | {three:.0} polls/s = {:.0} accounts at 1 poll/min | {one:.0} polls/s (1 worker) | {:.2}× | ≥ 2.5× | {} |",
        per_minute(three),
        three / one,
        if three / one >= 2.5 { "yes" } else { "**no**" }
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("workers: a benchmark; run it with `cargo bench -p lever-tests --bench workers`");
        return;
    }
    let (server, _guard) = match lever_connect::testing::TempPostgres::url_or_start() {
        Ok(started) => started,
        Err(e) => {
            eprintln!("[workers] skipped: no PostgreSQL ({e})");
            return;
        }
    };
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        seed_data: false,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    println!("| measurement | figure | baseline | ratio | target | met? |");
    println!("|---|---|---|---|---|---|");
    for (i, ttl) in [Duration::from_secs(1), Duration::from_secs(3)]
        .into_iter()
        .enumerate()
    {
        let db_url = lever_connect::testing::TempPostgres::create_database(
            &server,
            &format!("bench_workers_{}_{i}", std::process::id()),
        )
        .await
        .expect("database");
        let store = SqlStore::connect(&db_url).await.expect("store");
        let conns = manager(store, &sim.base_url());

        for a in 0..ACCOUNTS {
            let name = format!("ttl{i}-acct-{a}");
            let account = sim.add_account(&name).expect("account");
            conns
                .connect_api_key(&name, account.api_key)
                .await
                .expect("connect");
        }
        let mut runs = Vec::new();
        for round in 0..3 {
            runs.push(takeover(&sim, &db_url, ttl, round).await);
        }
        runs.sort();
        let median = runs[1];
        println!(
            "| takeover after a worker's death, PostgreSQL, 2 workers × 20 accounts | {:.2} s (max of 3: {:.2} s) | {:.1} s (lease TTL) | {:.2}× | ≤ TTL + interval ({:.1} s) | {} |",
            median.as_secs_f64(),
            runs[2].as_secs_f64(),
            ttl.as_secs_f64(),
            median.as_secs_f64() / ttl.as_secs_f64(),
            (ttl + INTERVAL).as_secs_f64(),
            if runs[2] <= ttl + INTERVAL { "yes" } else { "**no**" }
        );
    }
    scale(&sim, &server).await;
}
