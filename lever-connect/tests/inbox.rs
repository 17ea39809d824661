//! The durable webhook inbox, on SQLite and a real PostgreSQL: the route answers 200 once the
//! delivery is committed (and not when the commit fails), handlers run from the inbox with
//! retries and backoff, then a dead letter with its last error, re-driven; two processors on
//! one database handle each delivery once; a processor killed mid-handling loses nothing.

mod common;

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lever_client::triggers::{Dispatcher, HandlerError, Trigger};
use lever_client::webhooks::signed_delivery;
use lever_connect::inbox::{Accepted, Clock};
use lever_connect::routes::webhook_routes;
use lever_connect::{Connections, Inbox, RetryPolicy, SqlStore, WebhookSetup};
use lever_sim::{SimConfig, Simulator};
use reqwest::StatusCode;
use tokio::io::AsyncBufReadExt as _;

fn delivery() -> Vec<u8> {
    signed_delivery(
        "not-checked-by-the-inbox",
        "applicationCreated",
        serde_json::json!({"opportunityId": "o1", "candidateId": "o1", "contactId": "c1",
                           "applicationId": "a1", "postingId": "p1"}),
    )
}

fn key_of(body: &[u8]) -> String {
    lever_client::webhooks::parse(body)
        .unwrap()
        .dedup_key()
        .unwrap()
        .to_string()
}

fn manual_clock() -> (Arc<AtomicI64>, Clock) {
    let now = Arc::new(AtomicI64::new(1_000_000));
    let read = now.clone();
    (now, Arc::new(move || read.load(Ordering::SeqCst)))
}

/// A dispatcher whose `CandidateCreated` handler fails its first `failures` calls and records
/// the dedup key of every successful one.
fn flaky(failures: usize) -> (Dispatcher, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let handled: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut dispatcher = Dispatcher::new();
    let (c, h) = (calls.clone(), handled.clone());
    dispatcher.on(Trigger::CandidateCreated, move |event| {
        let (c, h) = (c.clone(), h.clone());
        async move {
            if c.fetch_add(1, Ordering::SeqCst) < failures {
                return Err(HandlerError::from("crm down"));
            }
            h.lock().unwrap().push(event.dedup_key.clone());
            Ok::<(), HandlerError>(())
        }
    });
    (dispatcher, calls, handled)
}

/// A connected sim account whose webhook points at a route on the inbox; returns what the
/// test needs to receive its deliveries.
struct Site {
    sim: Simulator,
    url: String,
    conns: Connections,
    _guard: common::Guard,
}

async fn site(store: SqlStore, guard: common::Guard, inbox: Inbox) -> Site {
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        webhook_retry: lever_sim::WebhookRetryConfig {
            attempts: 5,
            initial_delay: Duration::from_millis(50),
            timeout: Duration::from_secs(5),
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let acme = sim.add_account("acme").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let conns = Connections::builder()
        .store(store)
        .keyring(common::keyring())
        .base_url(sim.base_url())
        .webhooks(WebhookSetup::new(
            format!("{base}/hooks"),
            ["applicationCreated"],
        ))
        .configure_clients(|b| b.no_rate_limit())
        .build()
        .unwrap();
    let app = axum::Router::new().nest("/hooks", webhook_routes(conns.clone(), inbox));
    tokio::spawn(async move { axum::serve(listener, app).await });
    conns
        .connect_api_key("customer-a", acme.api_key)
        .await
        .unwrap();
    Site {
        sim,
        url: format!("{base}/hooks/customer-a"),
        conns,
        _guard: guard,
    }
}

/// A change in the sim account: one `applicationCreated` delivery.
async fn apply(site: &Site) {
    use lever_client::models::{CreateOpportunity, CreatePosting};
    let client = site.conns.client("customer-a").await.unwrap();
    let user = site.sim.account("acme").unwrap().default_user_id().unwrap();
    let posting = client
        .postings()
        .create(CreatePosting::new("Backend Engineer"))
        .perform_as(&user)
        .send()
        .await
        .unwrap();
    client
        .opportunities()
        .create(CreateOpportunity {
            name: Some("Ada".into()),
            postings: Some(vec![posting.id.clone()]),
            ..CreateOpportunity::default()
        })
        .perform_as(&user)
        .send()
        .await
        .unwrap();
}

async fn retries_then_dead_letter_then_redrive(db: common::Db) {
    let (store, guard) = common::store(db).await;
    let (now, clock) = manual_clock();
    let inbox = Inbox::new(store.clone())
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        })
        .clock(clock);
    let site = site(store, guard, inbox.clone()).await;
    let (dispatcher, calls, handled) = flaky(3);

    // Lever gets its 200 from the commit, before any handler ran (they would fail).
    apply(&site).await;
    let sent = site
        .sim
        .wait_for_deliveries(1, Duration::from_secs(10))
        .await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].success, "answered 2xx: {:?}", sent[0].status);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(inbox.status().await.unwrap().pending, 1);

    // Attempt 1 fails; the retry is due 1 s later, not before.
    let run = inbox.process_due(&dispatcher, 10).await.unwrap();
    assert_eq!((run.claimed, run.retrying), (1, 1));
    now.fetch_add(999, Ordering::SeqCst);
    assert_eq!(inbox.process_due(&dispatcher, 10).await.unwrap().claimed, 0);
    now.fetch_add(1, Ordering::SeqCst);
    let run = inbox.process_due(&dispatcher, 10).await.unwrap();
    assert_eq!((run.claimed, run.retrying), (1, 1));
    // Attempt 3, 2 s later (doubled), is the last: a dead letter with its error.
    now.fetch_add(1_999, Ordering::SeqCst);
    assert_eq!(inbox.process_due(&dispatcher, 10).await.unwrap().claimed, 0);
    now.fetch_add(1, Ordering::SeqCst);
    let run = inbox.process_due(&dispatcher, 10).await.unwrap();
    assert_eq!((run.claimed, run.dead_lettered), (1, 1));
    now.fetch_add(3_600_000, Ordering::SeqCst);
    assert_eq!(inbox.process_due(&dispatcher, 10).await.unwrap().claimed, 0);
    let status = inbox.status().await.unwrap();
    assert_eq!((status.pending, status.in_flight, status.dead), (0, 0, 1));
    let dead = inbox.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 3);
    assert!(dead[0].last_error.as_deref().unwrap().contains("crm down"));

    // Lever's copy of a dead letter is still a duplicate: 200, nothing re-queued.
    let body = serde_json::to_vec(&sent[0].body).unwrap();
    let again = reqwest::Client::new()
        .post(&site.url)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(inbox.status().await.unwrap().dead, 1);

    // Re-driven: handled once, with the dedup key of the delivery.
    assert!(!inbox.redrive("no-such-delivery").await.unwrap());
    assert!(inbox.redrive(&dead[0].id).await.unwrap());
    let run = inbox.process_due(&dispatcher, 10).await.unwrap();
    assert_eq!((run.claimed, run.handled), (1, 1));
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(handled.lock().unwrap().len(), 1);
    let status = inbox.status().await.unwrap();
    assert_eq!((status.dead, status.done), (0, 1));
    assert_eq!(inbox.redrive_all().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_dead_letter_redrive_on_sqlite() {
    retries_then_dead_letter_then_redrive(common::Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_dead_letter_redrive_on_postgres() {
    retries_then_dead_letter_then_redrive(common::Db::Postgres).await;
}

/// Makes the inbox's commit fail: on SQLite a trigger aborts the insert; on PostgreSQL a
/// deferred constraint trigger fails the COMMIT itself (the insert succeeded).
async fn break_commits(store: &SqlStore, db: common::Db) {
    let statements: &[&str] = match db {
        common::Db::Sqlite => &[
            "CREATE TRIGGER broken BEFORE INSERT ON lever_webhook_inbox \
             BEGIN SELECT RAISE(ABORT, 'disk full'); END",
        ],
        common::Db::Postgres => &[
            "CREATE FUNCTION broken() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
            "CREATE CONSTRAINT TRIGGER broken AFTER INSERT ON lever_webhook_inbox \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION broken()",
        ],
    };
    for sql in statements {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
}

async fn no_200_without_commit(db: common::Db) {
    let (store, guard) = common::store(db).await;
    let inbox = Inbox::new(store.clone());
    let site = site(store.clone(), guard, inbox.clone()).await;
    break_commits(&store, db).await;

    apply(&site).await;
    let first = site
        .sim
        .wait_for_deliveries(1, Duration::from_secs(10))
        .await;
    assert!(
        !first[0].success,
        "a delivery that was not committed got a 2xx"
    );
    assert_eq!(first[0].status, Some(503));
    let status = inbox.status().await.unwrap();
    assert_eq!(status.pending + status.done, 0, "nothing stored");

    // The database is back: Lever's retry is committed, then answered 200.
    sqlx::query(match db {
        common::Db::Sqlite => "DROP TRIGGER broken",
        common::Db::Postgres => "DROP TRIGGER broken ON lever_webhook_inbox",
    })
    .execute(store.pool())
    .await
    .unwrap();
    let mut all = first;
    while !all.iter().any(|d| d.success) {
        let n = all.len() + 1;
        all = site
            .sim
            .wait_for_deliveries(n, Duration::from_secs(10))
            .await;
        assert!(all.len() >= n, "Lever's retry arrived");
    }
    assert_eq!(inbox.status().await.unwrap().pending, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_200_without_commit_on_sqlite() {
    no_200_without_commit(common::Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_200_without_commit_on_postgres() {
    no_200_without_commit(common::Db::Postgres).await;
}

async fn two_processors_handle_each_delivery_once(db: common::Db) {
    const N: usize = 200;
    let (store, guard) = common::store(db).await;
    let a = Inbox::new(store).owner("a");
    let b = Inbox::new(common::store_again(&guard).await).owner("b");
    let bodies: Vec<Vec<u8>> = (0..N).map(|_| delivery()).collect();

    // Every delivery arrives twice at each process at once: stored once.
    let accepts = futures::future::join_all(bodies.iter().flat_map(|body| {
        let key = key_of(body);
        [&a, &b, &a, &b].map(|inbox| {
            let (body, key) = (body.clone(), key.clone());
            async move { inbox.accept("customer-a", &key, &body).await.unwrap() }
        })
    }))
    .await;
    let stored = accepts.iter().filter(|x| **x == Accepted::Stored).count();
    assert_eq!(stored, N);
    assert_eq!(a.status().await.unwrap().pending, N as u64);

    let (dispatcher, _, handled) = flaky(0);
    loop {
        let (ra, rb) = tokio::join!(a.process_due(&dispatcher, 5), b.process_due(&dispatcher, 5));
        if ra.unwrap().claimed + rb.unwrap().claimed == 0 {
            break;
        }
    }
    let handled = handled.lock().unwrap().clone();
    let unique: HashSet<&String> = handled.iter().collect();
    assert_eq!(handled.len(), N, "each delivery handled once");
    assert_eq!(unique.len(), N);
    let status = b.status().await.unwrap();
    assert_eq!(
        (status.done, status.pending, status.in_flight),
        (N as u64, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processors_once_on_sqlite() {
    two_processors_handle_each_delivery_once(common::Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processors_once_on_postgres() {
    two_processors_handle_each_delivery_once(common::Db::Postgres).await;
}

/// The child: claims with a 30 s lease and hangs in the handler until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_processor() {
    let Ok(url) = std::env::var("CHILD_INBOX_DB") else {
        return; // a normal test run: only the parent test does anything
    };
    let inbox = Inbox::new(SqlStore::connect(&url).await.unwrap())
        .owner("child")
        .lease(Duration::from_secs(30));
    let mut dispatcher = Dispatcher::new();
    dispatcher.on(Trigger::CandidateCreated, |_event| async {
        println!("CHILD-HANDLING");
        std::future::pending::<Result<(), HandlerError>>().await
    });
    inbox.process_due(&dispatcher, 10).await.unwrap();
}

async fn crash_mid_handling(db: common::Db) {
    let (store, guard) = common::store(db).await;
    let body = delivery();
    let parent = Inbox::new(store).owner("parent");
    parent
        .accept("customer-a", &key_of(&body), &body)
        .await
        .unwrap();

    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_processor",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CHILD_INBOX_DB", guard.url())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.contains("CHILD-HANDLING") {
            break;
        }
    }
    child.kill().await.unwrap(); // SIGKILL, mid-handler
    let status = parent.status().await.unwrap();
    assert_eq!(
        status.in_flight, 1,
        "the dead child's claim holds until its lease ends"
    );

    let (dispatcher, calls, handled) = flaky(0);
    assert_eq!(
        parent.process_due(&dispatcher, 10).await.unwrap().claimed,
        0
    );
    let later = Inbox::new(common::store_again(&guard).await)
        .owner("later")
        .clock(Arc::new(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64
                + 31_000
        }));
    let run = later.process_due(&dispatcher, 10).await.unwrap();
    assert_eq!((run.claimed, run.handled), (1, 1));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        handled.lock().unwrap().len(),
        1,
        "the killed claim ran again"
    );
    assert_eq!(later.status().await.unwrap().done, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_mid_handling_on_sqlite() {
    crash_mid_handling(common::Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_mid_handling_on_postgres() {
    crash_mid_handling(common::Db::Postgres).await;
}

/// A copy arriving while the first copy's transaction is still open (PostgreSQL, where
/// writers do not queue on the whole file) waits for it, and is not reported as stored by a
/// first copy that then rolls back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_waits_for_the_first_copys_commit_on_postgres() {
    let (store, _guard) = common::store(common::Db::Postgres).await;
    let inbox = Inbox::new(store.clone());
    let body = delivery();
    let key = key_of(&body);
    let mut first = store.pool().begin().await.unwrap();
    sqlx::query(
        "INSERT INTO lever_webhook_inbox (dedup_key, account, body, state, attempts, \
         next_attempt_at, received_at, updated_at) VALUES ($1, 'customer-a', $2, 'pending', 0, 0, 0, 0)",
    )
    .bind(&key)
    .bind(body.clone())
    .execute(&mut *first)
    .await
    .unwrap();
    let copy = tokio::spawn({
        let (inbox, key, body) = (inbox.clone(), key.clone(), body.clone());
        async move { inbox.accept("customer-a", &key, &body).await.unwrap() }
    });
    // Until the copy's INSERT waits on the first copy's row lock.
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_stat_activity \
             WHERE wait_event_type = 'Lock' AND datname = current_database()",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(
        !copy.is_finished(),
        "answered before the first copy committed"
    );
    first.rollback().await.unwrap();
    assert_eq!(
        copy.await.unwrap(),
        Accepted::Stored,
        "the copy itself was stored"
    );
    assert_eq!(inbox.status().await.unwrap().pending, 1);
}
