//! The `Worker` in one process: on the embedded SQLite store (one worker holds every lease
//! and polls every account), and a clean shutdown releases its leases so that another worker
//! takes them at its next heartbeat instead of after the TTL (on both engines).

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Db;
use lever_client::triggers::{Dispatcher, HandlerError, Trigger, TriggerPayload};
use lever_client::Timestamp;
use lever_connect::worker::Worker;
use lever_connect::{Connections, SqlStore};
use lever_sim::{SimConfig, Simulator};
use sqlx::Row as _;

/// How long a wait may take before the test fails (it only bounds a hang).
const LIMIT: Duration = Duration::from_secs(30);

type Seen = Arc<Mutex<HashSet<(String, String)>>>;

fn recording() -> (Dispatcher, Seen) {
    let seen: Seen = Arc::default();
    let mut dispatcher = Dispatcher::new();
    let sink = seen.clone();
    dispatcher.on(Trigger::PostingCreated, move |event| {
        let sink = sink.clone();
        async move {
            let TriggerPayload::Polled { id, .. } = &event.payload else {
                return Err(HandlerError::from("not a polled item"));
            };
            sink.lock()
                .unwrap()
                .insert((event.account.clone(), id.clone()));
            Ok::<(), HandlerError>(())
        }
    });
    (dispatcher, seen)
}

async fn setup(
    db: Db,
    accounts: usize,
) -> (Simulator, SqlStore, common::Guard, Connections, Vec<String>) {
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        seed_data: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (store, guard) = common::store(db).await;
    let conns = common::manager(store.clone(), &sim.base_url());
    let mut names = Vec::new();
    for i in 0..accounts {
        let name = format!("acct-{i}");
        let account = sim.add_account(&name).unwrap();
        conns.connect_api_key(&name, account.api_key).await.unwrap();
        names.push(name);
    }
    (sim, store, guard, conns, names)
}

async fn owners(store: &SqlStore) -> Vec<Option<String>> {
    sqlx::query("SELECT owner FROM lever_leases ORDER BY account")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<Option<String>, _>("owner"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_worker_on_sqlite_polls_every_account_and_releases_on_shutdown() {
    let (sim, store, _guard, conns, names) = setup(Db::Sqlite, 3).await;
    let start = sim.now_ms();
    let (dispatcher, seen) = recording();
    let worker = Worker::new(conns, store.clone(), dispatcher)
        .id("solo")
        .lease_ttl(Duration::from_secs(3))
        .poll_interval(Duration::from_millis(50))
        .configure_poller(move |p| p.start_at(Timestamp(start)));
    let status = worker.status();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    let mut expected = HashSet::new();
    for name in &names {
        let p = sim
            .account(name)
            .unwrap()
            .insert("Posting", serde_json::json!({ "text": "Role" }))
            .unwrap();
        expected.insert((name.clone(), p["id"].as_str().unwrap().to_owned()));
    }
    // A handler finishes before its poll is counted: wait for both.
    common::wait_until("every posting was handled, in counted polls", LIMIT, || {
        expected.is_subset(&seen.lock().unwrap()) && status.snapshot().polls >= 3
    })
    .await;
    let snapshot = status.snapshot();
    assert_eq!(snapshot.worker_id, "solo");
    assert_eq!(snapshot.accounts, names);
    assert_eq!(owners(&store).await, vec![Some("solo".to_owned()); 3]);

    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    assert_eq!(owners(&store).await, vec![None; 3], "released on shutdown");
    assert!(status.snapshot().accounts.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_shutdown_hands_leases_over_before_the_ttl() {
    for db in common::BOTH {
        let (sim, store, _guard, conns, _names) = setup(db, 6).await;
        // A TTL far longer than the wait below: only a release can explain a fast hand-over.
        let build = |id: &str, dispatcher| {
            Worker::new(conns.clone(), store.clone(), dispatcher)
                .id(id)
                .lease_ttl(Duration::from_secs(600))
                .heartbeat_every(Duration::from_millis(50))
                .poll_interval(Duration::from_millis(50))
        };
        let (first, second) = (
            build("first", recording().0),
            build("second", recording().0),
        );
        let (first_status, second_status) = (first.status(), second.status());
        let (stop_first, first_stopped) = tokio::sync::oneshot::channel::<()>();
        let first = tokio::spawn(first.run(async move {
            let _ = first_stopped.await;
        }));
        let second = tokio::spawn(second.run(std::future::pending()));
        common::wait_until("the accounts are split 3/3", LIMIT, || {
            first_status.snapshot().accounts.len() == 3
                && second_status.snapshot().accounts.len() == 3
        })
        .await;
        stop_first.send(()).unwrap();
        first.await.unwrap().unwrap();
        common::wait_until("the second worker holds all six", LIMIT, || {
            second_status.snapshot().accounts.len() == 6
        })
        .await;
        assert_eq!(
            owners(&store).await,
            vec![Some("second".to_owned()); 6],
            "{db:?}"
        );
        second.abort();
        drop(sim);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_drain_the_webhook_inbox_and_report_its_depth() {
    use lever_connect::inbox::Inbox;
    let (_sim, store, _guard, conns, _names) = setup(Db::Sqlite, 1).await;
    let inbox = Inbox::new(store.clone());
    let body = lever_client::webhooks::signed_delivery(
        "signature-token",
        "applicationCreated",
        serde_json::json!({"opportunityId": "o-1", "candidateId": "o-1", "contactId": "c-1",
                           "applicationId": "a-1", "postingId": "p-1"}),
    );
    let event = lever_client::webhooks::parse(&body).unwrap();
    let key = event.dedup_key().unwrap().to_string();
    inbox.accept("acct-0", &key, &body).await.unwrap();
    assert_eq!(inbox.status().await.unwrap().pending, 1);

    let handled: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = handled.clone();
    let mut dispatcher = Dispatcher::new();
    dispatcher.on(Trigger::CandidateCreated, move |event| {
        let sink = sink.clone();
        async move {
            sink.lock().unwrap().push(event.account.clone());
            Ok::<(), HandlerError>(())
        }
    });
    let worker = Worker::new(conns, store.clone(), Dispatcher::new())
        .id("drainer")
        .heartbeat_every(Duration::from_millis(50))
        .step(inbox.worker_step(dispatcher));
    let status = worker.status();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    common::wait_until("the worker handled the stored delivery", LIMIT, || {
        handled.lock().unwrap().len() == 1 && status.snapshot().inbox_depth == Some(0)
    })
    .await;
    assert_eq!(*handled.lock().unwrap(), ["acct-0"]);
    assert_eq!(status.snapshot().dead_letters, Some(0));
    assert_eq!(inbox.status().await.unwrap().done, 1);
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_never_runs_more_polls_at_once_than_its_bound() {
    let (sim, store, _guard, conns, names) = setup(Db::Sqlite, 8).await;
    // Every poll takes 60 ms at Lever; eight accounts polled every 10 ms would have eight in
    // flight at once without the bound.
    sim.delay("GET /postings", Duration::from_millis(60))
        .unwrap();
    let (dispatcher, _seen) = recording();
    let worker = Worker::new(conns, store.clone(), dispatcher)
        .id("bounded")
        .lease_ttl(Duration::from_secs(3))
        .poll_interval(Duration::from_millis(10))
        .max_concurrent_polls(2);
    let status = worker.status();
    let run = tokio::spawn(worker.run(std::future::pending()));
    common::wait_until("every account was polled at least twice", LIMIT, || {
        names.iter().all(|n| {
            sim.account(n)
                .unwrap()
                .requests()
                .iter()
                .filter(|r| r.path == "/v1/postings")
                .count()
                >= 2
        })
    })
    .await;
    run.abort();
    let _ = run.await;
    let mut polls: Vec<(std::time::Instant, std::time::Instant)> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == "/v1/postings")
        .map(|r| (r.started, r.finished))
        .collect();
    polls.sort();
    let most_at_once = polls
        .iter()
        .map(|(start, _)| {
            polls
                .iter()
                .filter(|(s, f)| s <= start && start < f)
                .count()
        })
        .max()
        .unwrap();
    assert!(most_at_once >= 2, "the bound was reached: {most_at_once}");
    assert!(
        most_at_once <= 2,
        "at most 2 polls at once, saw {most_at_once}"
    );
    assert!(status.snapshot().polls >= 16);
}
