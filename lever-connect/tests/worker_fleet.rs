//! Two worker processes share 20 connected accounts through leases in a real PostgreSQL; one
//! is `kill -9`ed mid-run and started again. Pinned: no account is ever polled by two
//! workers at once (from the simulator's request log), the dead worker's accounts are polled
//! again within TTL + one heartbeat (≤ one poll interval), every posting created reaches a
//! handler, and once stable no worker holds more than ceil(20 / 2) + 1 accounts.
//!
//! The workers run in child processes (this test binary again, running only
//! [`child_worker`]); each handler appends `account posting` to a shared file, synced.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use lever_client::triggers::{Dispatcher, HandlerError, Trigger, TriggerPayload};
use lever_client::Timestamp;
use lever_connect::worker::Worker;
use lever_connect::SqlStore;
use lever_sim::{SimConfig, Simulator};
use sqlx::Row as _;
use tokio::time::Instant;

const ACCOUNTS: usize = 20;
const TTL: Duration = Duration::from_millis(1500);
const HEARTBEAT: Duration = Duration::from_millis(150);
const INTERVAL: Duration = Duration::from_millis(300);

/// The child: one worker named `CHILD_WORKER_ID`, polling `PostingCreated`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_worker() {
    let Ok(db_url) = std::env::var("CHILD_WORKER_DB") else {
        return; // a normal test run: only the parent test does anything
    };
    let base = std::env::var("CHILD_BASE_URL").unwrap();
    let id = std::env::var("CHILD_WORKER_ID").unwrap();
    let log = PathBuf::from(std::env::var("CHILD_LOG").unwrap());
    let start: i64 = std::env::var("CHILD_START_AT").unwrap().parse().unwrap();
    let store = SqlStore::connect(&db_url).await.unwrap();
    let conns = common::manager(store.clone(), &base);
    let mut dispatcher = Dispatcher::new();
    dispatcher.on(Trigger::PostingCreated, move |event| {
        let log = log.clone();
        async move {
            let TriggerPayload::Polled { id, .. } = &event.payload else {
                return Err(HandlerError::from("not a polled item"));
            };
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)?;
            // One write per line: O_APPEND keeps a single small write whole, while
            // `writeln!` may split a line across writes that other processes interleave.
            file.write_all(format!("{} {id}\n", event.account).as_bytes())?;
            file.sync_all()?;
            Ok::<(), HandlerError>(())
        }
    });
    let worker = Worker::new(conns, store, dispatcher)
        .id(id)
        .lease_ttl(TTL)
        .heartbeat_every(HEARTBEAT)
        .poll_interval(INTERVAL)
        .configure_poller(move |p| {
            p.start_at(Timestamp(start))
                .overlap(Duration::from_millis(200))
        });
    println!("CHILD-WORKER-READY");
    worker.run(std::future::pending::<()>()).await.unwrap();
}

fn spawn_child(
    db_url: &str,
    sim: &Simulator,
    id: &str,
    log: &Path,
    start: i64,
) -> tokio::process::Child {
    tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_worker", "--nocapture", "--test-threads=1"])
        .env("CHILD_WORKER_DB", db_url)
        .env("CHILD_BASE_URL", sim.base_url())
        .env("CHILD_WORKER_ID", id)
        .env("CHILD_LOG", log)
        .env("CHILD_START_AT", start.to_string())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

fn handled(log: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(a, p)| (a.to_owned(), p.to_owned()))
        .collect()
}

/// Lease owners as the database has them: owner → accounts (live leases only).
async fn holders(pool: &sqlx::AnyPool) -> HashMap<String, Vec<String>> {
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let rows = sqlx::query(
        "SELECT owner, account FROM lever_leases WHERE owner IS NOT NULL AND expires_at > $1",
    )
    .bind(now)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut by_owner: HashMap<String, Vec<String>> = HashMap::new();
    for row in rows {
        by_owner
            .entry(row.get::<String, _>("owner"))
            .or_default()
            .push(row.get::<String, _>("account"));
    }
    by_owner
}

/// Waits for a condition; the bound only turns a hang into a failure.
async fn wait_until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1500 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Both workers hold every account, each at most its fair share + 1.
async fn balanced(pool: &sqlx::AnyPool, workers: &[&str]) -> bool {
    let by_owner = holders(pool).await;
    let held: usize = by_owner.values().map(Vec::len).sum();
    let cap = ACCOUNTS.div_ceil(workers.len()) + 1;
    held == ACCOUNTS
        && workers.iter().all(|w| {
            by_owner
                .get(*w)
                .is_some_and(|a| !a.is_empty() && a.len() <= cap)
        })
        && by_owner.keys().all(|o| workers.contains(&o.as_str()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_accounts_survive_kill_9_without_overlap_or_loss() {
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        seed_data: false,
        request_log_limit: 1_000_000,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let db_url = common::database_url().await;
    let store = SqlStore::connect(&db_url).await.unwrap();
    let conns = common::manager(store.clone(), &sim.base_url());
    let mut names = Vec::new();
    for i in 0..ACCOUNTS {
        let name = format!("acct-{i:02}");
        let account = sim.add_account(&name).unwrap();
        conns
            .connect_api_key(&name, account.api_key.clone())
            .await
            .unwrap();
        names.push(name);
    }
    let start = sim.now_ms();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("handled.txt");
    let mut created: HashSet<(String, String)> = HashSet::new();
    let mut create = |round: usize| {
        for (i, name) in names.iter().enumerate() {
            if (i + round) % 3 == 0 {
                let p = sim
                    .account(name)
                    .unwrap()
                    .insert(
                        "Posting",
                        serde_json::json!({ "text": format!("Role {round}") }),
                    )
                    .unwrap();
                created.insert((name.clone(), p["id"].as_str().unwrap().to_owned()));
            }
        }
    };

    let mut a = spawn_child(&db_url, &sim, "w-a", &log, start);
    let mut b = spawn_child(&db_url, &sim, "w-b", &log, start);
    let pool = store.pool().clone();
    wait_until("two workers share the accounts evenly", || {
        balanced(&pool, &["w-a", "w-b"])
    })
    .await;
    create(0);
    create(1);

    // kill -9 one worker; its leases must expire and move to the survivor.
    let victims = holders(&pool).await.remove("w-a").unwrap();
    a.start_kill().unwrap();
    a.wait().await.unwrap();
    let killed_at = Instant::now();
    create(2);
    let polled_again = |account: &str| {
        sim.account(account).unwrap().requests().iter().any(|r| {
            r.method == "GET" && r.path == "/v1/postings" && r.started > killed_at.into_std()
        })
    };
    wait_until("the victim's accounts are polled again", || {
        let all = victims.iter().all(|v| polled_again(v));
        async move { all }
    })
    .await;
    let takeover = victims
        .iter()
        .filter_map(|v| {
            sim.account(v)
                .unwrap()
                .requests()
                .iter()
                .filter(|r| r.path == "/v1/postings" && r.started > killed_at.into_std())
                .map(|r| r.started)
                .min()
        })
        .max()
        .unwrap()
        - killed_at.into_std();
    assert!(
        takeover <= TTL + INTERVAL,
        "takeover took {takeover:?}, more than TTL {TTL:?} + interval {INTERVAL:?}"
    );

    // The restarted worker gets its share back.
    let mut a2 = spawn_child(&db_url, &sim, "w-a2", &log, start);
    wait_until("the restarted worker takes its share", || {
        balanced(&pool, &["w-a2", "w-b"])
    })
    .await;
    create(3);
    let expected = created.clone();
    let log2 = log.clone();
    wait_until("every posting was handled", || {
        let seen: HashSet<(String, String)> = handled(&log2).into_iter().collect();
        let done = expected.is_subset(&seen);
        async move { done }
    })
    .await;
    a2.start_kill().unwrap();
    b.start_kill().unwrap();
    a2.wait().await.unwrap();
    b.wait().await.unwrap();

    // No overlap: per account, no two polls' requests were in flight at the same time.
    let mut overlap = 0;
    for name in &names {
        let mut polls: Vec<_> = sim
            .account(name)
            .unwrap()
            .requests()
            .into_iter()
            .filter(|r| r.method == "GET" && r.path == "/v1/postings")
            .collect();
        polls.sort_by_key(|r| r.started);
        overlap += polls
            .windows(2)
            .filter(|w| w[1].started < w[0].finished)
            .count();
    }
    assert_eq!(
        overlap, 0,
        "two workers polled one account at the same moment"
    );
    let seen: HashSet<(String, String)> = handled(&log).into_iter().collect();
    let lost: Vec<_> = created.difference(&seen).collect();
    assert!(lost.is_empty(), "lost {lost:?}");
}
