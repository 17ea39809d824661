//! `cargo bench -p lever-tests --bench workers`: how fast a fleet of `lever_connect` workers
//! takes over a dead worker's accounts, beside the lease TTL, as one Markdown table.
//!
//! | measurement | figure | baseline |
//! |---|---|---|
//! | takeover | from a worker's death (its `run` future dropped: no release) to every account it held polled again by the survivor | the lease TTL |
//!
//! Two workers in this process share 20 API-key accounts through leases in a throwaway
//! PostgreSQL (poll interval 200 ms, heartbeat 100 ms); median of 3 deaths per TTL.
//! Without `--bench` the binary only prints how to run it.

use std::time::{Duration, Instant};

use lever_client::triggers::{Dispatcher, HandlerError, Trigger};
use lever_connect::worker::{StatusHandle, Worker};
use lever_connect::{Connections, Keyring, SqlStore};
use lever_sim::{SimConfig, Simulator};

const ACCOUNTS: usize = 20;
const INTERVAL: Duration = Duration::from_millis(200);
const HEARTBEAT: Duration = Duration::from_millis(100);

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
}
