//! A poller whose checkpoints live in PostgreSQL survives `kill -9` mid-run with nothing
//! lost: every posting created while it runs, is killed and restarts reaches a handler at
//! least once.
//!
//! The poller runs in a child process (this test binary again, running only
//! [`child_poller`]); its handler appends each posting ID to a file, synced, before it
//! returns.

mod common;

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use lever_client::models::CreatePosting;
use lever_client::triggers::{Dispatcher, HandlerError, Poller, Trigger, TriggerPayload};
use lever_client::Timestamp;
use lever_connect::{SqlStore, StoreCheckpoints};
use lever_sim::{SimConfig, Simulator};
use rand::Rng as _;

/// How long a wait may take before the test fails (it only bounds a hang).
const LIMIT: Duration = Duration::from_secs(60);
const ACCOUNT: &str = "acme";

/// The child: poll `PostingCreated` every 20 ms; each handler takes a random 0–20 ms, so a
/// kill lands between handlers and saves as often as inside them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_poller() {
    let Ok(db_url) = std::env::var("CHILD_DB_URL") else {
        return; // a normal test run: only the parent test does anything
    };
    let base = std::env::var("CHILD_BASE_URL").unwrap();
    let log = PathBuf::from(std::env::var("CHILD_LOG").unwrap());
    let start: i64 = std::env::var("CHILD_START_AT").unwrap().parse().unwrap();
    let store = SqlStore::connect(&db_url).await.unwrap();
    let conns = common::manager(store.clone(), &base);
    let client = conns.client(ACCOUNT).await.unwrap();
    let mut dispatcher = Dispatcher::new();
    dispatcher.on(Trigger::PostingCreated, move |event| {
        let log = log.clone();
        async move {
            let TriggerPayload::Polled { id, .. } = &event.payload else {
                return Err(HandlerError::from("not a polled item"));
            };
            let pause = rand::thread_rng().gen_range(0..20);
            tokio::time::sleep(Duration::from_millis(pause)).await;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)?;
            writeln!(file, "{id}")?;
            file.sync_all()?;
            Ok::<(), HandlerError>(())
        }
    });
    let poller = Poller::new(
        client,
        ACCOUNT,
        StoreCheckpoints::new(std::sync::Arc::new(store)),
        dispatcher,
    )
    .trigger(Trigger::PostingCreated)
    .unwrap()
    .start_at(Timestamp(start))
    .page_size(7);
    println!("CHILD-POLLING");
    poller
        .run(Duration::from_millis(20), std::future::pending::<()>())
        .await;
}

fn handled(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

async fn spawn_child(
    db_url: &str,
    sim: &Simulator,
    log: &Path,
    start: i64,
) -> tokio::process::Child {
    tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_poller", "--nocapture", "--test-threads=1"])
        .env("CHILD_DB_URL", db_url)
        .env("CHILD_BASE_URL", sim.base_url())
        .env("CHILD_LOG", log)
        .env("CHILD_START_AT", start.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_run_loses_nothing_with_postgres_checkpoints() {
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let db_url = common::database_url().await;
    let conns = common::manager(SqlStore::connect(&db_url).await.unwrap(), &sim.base_url());
    conns
        .connect_api_key(ACCOUNT, sim.api_key().to_owned())
        .await
        .unwrap();
    let client = conns.client(ACCOUNT).await.unwrap();
    let user = sim.default_user_id().unwrap();
    let start = sim.now_ms();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("handled.txt");

    let mut created = HashSet::new();
    let create = |n: usize| {
        let (client, user) = (client.clone(), user.clone());
        async move {
            let mut ids = Vec::new();
            for i in 0..n {
                let p = client
                    .postings()
                    .create(CreatePosting::new(format!("Role {i}")))
                    .perform_as(user.as_str())
                    .send()
                    .await
                    .unwrap();
                ids.push(p.id.to_string());
            }
            ids
        }
    };
    created.extend(create(20).await);

    // First run: killed once it has handled a few.
    let mut first = spawn_child(&db_url, &sim, &log, start).await;
    common::wait_until("the first run handled 5", LIMIT, || {
        handled(&log).len() >= 5
    })
    .await;
    created.extend(create(10).await);
    first.start_kill().unwrap(); // SIGKILL: no clean shutdown, no final save
    first.wait().await.unwrap();
    let at_kill = handled(&log).len();
    created.extend(create(10).await);

    // Second run resumes from the checkpoint in PostgreSQL.
    let mut second = spawn_child(&db_url, &sim, &log, start).await;
    let expected = created.clone();
    common::wait_until("every posting was handled", LIMIT, || {
        let seen: HashSet<String> = handled(&log).into_iter().collect();
        expected.is_subset(&seen)
    })
    .await;
    second.start_kill().unwrap();
    second.wait().await.unwrap();

    let all = handled(&log);
    let seen: HashSet<&String> = all.iter().collect();
    let lost: Vec<_> = created.iter().filter(|id| !seen.contains(id)).collect();
    assert!(lost.is_empty(), "lost {lost:?}");
    assert!(at_kill < created.len(), "the kill landed mid-run");
    // At least once: what a handler finished just before the kill but the checkpoint did not
    // record yet runs again — at most the items of one page — but a restart does not replay
    // what was checkpointed.
    let duplicates = all.len() - seen.len();
    assert!(duplicates <= 7, "{duplicates} repeats after one kill");
}
