//! The poller against a real HTTP server on loopback that serves `/v1/postings` with
//! `updated_at_start` filtering and opaque-token pagination, like Lever.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use lever_client::triggers::{
    Checkpoint, CheckpointStore, Dispatcher, FileStore, HandlerError, MemoryStore, PollError,
    Poller, Trigger, TriggerEvent, TriggerPayload,
};
use lever_client::{Client, PaginationStop, Timestamp};
use serde_json::{json, Value};

// ------------------------------------------------------------------------------ the server

#[derive(Clone, Default)]
struct Lever {
    inner: Arc<Mutex<Inner>>,
}

/// Changes a concurrent writer makes while the server answers a list request.
type ChangeWhileListing = Box<dyn FnMut(&mut Inner) + Send>;

#[derive(Default)]
struct Inner {
    postings: Vec<Value>,
    last_ts: i64,
    /// Whether the clock is logical (one millisecond per change) rather than real time.
    logical: bool,
    requests: Vec<HashMap<String, String>>,
    next_id: usize,
    /// A broken server: every page says `hasNext` with this `next` token.
    stuck_next: Option<String>,
    /// Changes made while a list request is served (concurrent writers), if any.
    during_list: Option<ChangeWhileListing>,
}

impl Inner {
    /// A strictly increasing clock (real time, never repeating a millisecond), or a logical
    /// one that moves one millisecond per change.
    fn tick(&mut self) -> i64 {
        let now = if self.logical {
            self.last_ts + 1
        } else {
            Timestamp::now().as_millis().max(self.last_ts + 1)
        };
        self.last_ts = now;
        now
    }

    fn create(&mut self, text: &str) -> String {
        let at = self.tick();
        Lever::insert(self, text, at, at)
    }

    fn update(&mut self, id: &str, text: &str) -> i64 {
        let at = self.tick();
        let p = self
            .postings
            .iter_mut()
            .find(|p| p["id"] == json!(id))
            .unwrap();
        p["text"] = json!(text);
        p["updatedAt"] = json!(at);
        at
    }
}

impl Lever {
    /// A server whose clock starts at `start` and moves one millisecond per change, so that a
    /// test controls every timestamp.
    fn logical(start: i64) -> Self {
        let lever = Lever::default();
        {
            let mut inner = lever.inner.lock().unwrap();
            inner.logical = true;
            inner.last_ts = start;
        }
        lever
    }

    /// Creates a posting now; returns its ID.
    fn create(&self, text: &str) -> String {
        self.inner.lock().unwrap().create(text)
    }

    /// Creates a posting with given timestamps (e.g. in the past).
    fn create_at(&self, text: &str, created: i64, updated: i64) -> String {
        let mut inner = self.inner.lock().unwrap();
        Self::insert(&mut inner, text, created, updated)
    }

    fn insert(inner: &mut Inner, text: &str, created: i64, updated: i64) -> String {
        inner.next_id += 1;
        let id = format!("posting-{:03}", inner.next_id);
        inner.postings.push(json!({
            "id": id, "text": text, "state": "published", "confidentiality": "non-confidential",
            "createdAt": created, "updatedAt": updated, "tags": [], "followers": [],
        }));
        id
    }

    fn update(&self, id: &str, text: &str) -> i64 {
        self.inner.lock().unwrap().update(id, text)
    }

    fn updated_at(&self, id: &str) -> i64 {
        let inner = self.inner.lock().unwrap();
        let p = inner
            .postings
            .iter()
            .find(|p| p["id"] == json!(id))
            .unwrap();
        p["updatedAt"].as_i64().unwrap()
    }

    fn requests(&self) -> Vec<HashMap<String, String>> {
        self.inner.lock().unwrap().requests.clone()
    }

    async fn serve(&self) -> String {
        let app = Router::new()
            .route("/v1/postings", get(list))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        format!("http://{addr}/v1")
    }
}

/// `GET /v1/postings`: newest *created* first (not in cursor order, like Lever's default),
/// filtered by `updated_at_start` (inclusive), paginated with an opaque `next` token.
async fn list(
    State(lever): State<Lever>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let mut inner = lever.inner.lock().unwrap();
    inner.requests.push(q.clone());
    if let Some(mut change) = inner.during_list.take() {
        change(&mut inner);
        inner.during_list = Some(change);
    }
    let since: i64 = match q.get("updated_at_start").map(|s| s.parse()) {
        None => i64::MIN,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"code": "BadRequest", "message": "bad updated_at_start"})),
            )
        }
    };
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100);
    let start: usize = match q.get("offset") {
        None => 0,
        Some(token) => match token.strip_prefix("tok.").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"code": "BadRequest", "message": "bad offset"})),
                )
            }
        },
    };
    let mut matching: Vec<Value> = inner
        .postings
        .iter()
        .filter(|p| p["updatedAt"].as_i64().unwrap() >= since)
        .cloned()
        .collect();
    matching.sort_by_key(|p| std::cmp::Reverse(p["createdAt"].as_i64().unwrap()));
    let page: Vec<Value> = matching.iter().skip(start).take(limit).cloned().collect();
    let end = start + page.len();
    let mut body = json!({"data": page, "hasNext": end < matching.len()});
    if end < matching.len() {
        body["next"] = json!(format!("tok.{end}"));
    }
    if let Some(token) = &inner.stuck_next {
        body["hasNext"] = json!(true);
        body["next"] = json!(token);
    }
    (StatusCode::OK, Json(body))
}

// ------------------------------------------------------------------------------ helpers

/// What handlers saw: (trigger, posting ID, text).
type Seen = Arc<Mutex<Vec<(Trigger, String, String)>>>;

fn recorder(seen: &Seen, triggers: &[Trigger]) -> Dispatcher {
    let mut dispatcher = Dispatcher::new();
    for &trigger in triggers {
        let seen = seen.clone();
        dispatcher.on(trigger, move |event: TriggerEvent| {
            let seen = seen.clone();
            async move {
                let posting: lever_client::models::Posting = event.item_as()?;
                let TriggerPayload::Polled { id, .. } = &event.payload else {
                    return Err("not polled".into());
                };
                assert_eq!(posting.id.as_str(), id);
                let text = posting.text.clone().unwrap_or_default();
                seen.lock().unwrap().push((event.trigger, id.clone(), text));
                Ok::<(), HandlerError>(())
            }
        });
    }
    dispatcher
}

fn client(base: &str) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(base)
        .build()
        .unwrap()
}

fn take(seen: &Seen) -> Vec<(Trigger, String, String)> {
    std::mem::take(&mut *seen.lock().unwrap())
}

fn poller(base: &str, store: impl CheckpointStore + 'static, dispatcher: Dispatcher) -> Poller {
    Poller::new(client(base), "acct-1", store, dispatcher)
        .trigger(Trigger::PostingCreated)
        .unwrap()
        .trigger(Trigger::PostingUpdated)
        .unwrap()
        .page_size(2)
}

/// The checkpoint "Posting Created" and "Posting Updated" share.
fn postings_checkpoint() -> String {
    let name = Trigger::PostingCreated
        .source()
        .poll
        .unwrap()
        .checkpoint_name();
    assert_eq!(
        Some(&name),
        Trigger::PostingUpdated
            .source()
            .poll
            .map(|rule| rule.checkpoint_name())
            .as_ref()
    );
    name
}

/// Waits until the wall clock is past now, so that what the server creates next is dated
/// after every checkpoint taken so far (the server's clock is the wall clock).
async fn until_the_clock_moves_on() {
    let now = Timestamp::now();
    while Timestamp::now() <= now {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Waits until `condition` holds, failing the test after 10 s.
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn poll_ok(p: &Poller) {
    let report = p.poll_once().await;
    assert!(report.is_ok(), "{report:?}");
}

// ------------------------------------------------------------------------------ tests

#[tokio::test]
async fn created_and_updated_each_fire_exactly_once() {
    let lever = Lever::default();
    let base = lever.serve().await;
    // A posting from before the poller existed never fires, not even when the overlap asks
    // for it.
    let old_at = Timestamp::now().as_millis() - 500;
    let old = lever.create_at("Old", old_at - 10_000, old_at);
    let seen = Seen::default();
    let store = MemoryStore::new();
    let p = poller(
        &base,
        store.clone(),
        recorder(&seen, &[Trigger::PostingCreated, Trigger::PostingUpdated]),
    );

    poll_ok(&p).await; // creates the checkpoints at "now"
    assert!(take(&seen).is_empty());
    until_the_clock_moves_on().await;

    let a = lever.create("A");
    let b = lever.create("B");
    let c = lever.create("C");
    poll_ok(&p).await;
    let got = take(&seen);
    assert_eq!(
        got,
        vec![
            (Trigger::PostingCreated, a.clone(), "A".to_owned()),
            (Trigger::PostingCreated, b.clone(), "B".to_owned()),
            (Trigger::PostingCreated, c.clone(), "C".to_owned()),
        ],
        "created items fire in cursor order"
    );
    // The overlap returns them again: nothing fires.
    poll_ok(&p).await;
    poll_ok(&p).await;
    assert!(take(&seen).is_empty());

    lever.update(&a, "A v2");
    lever.update(&old, "Old v2");
    poll_ok(&p).await;
    let got = take(&seen);
    assert_eq!(
        got,
        vec![
            (Trigger::PostingUpdated, a.clone(), "A v2".to_owned()),
            (Trigger::PostingUpdated, old.clone(), "Old v2".to_owned()),
        ]
    );
    poll_ok(&p).await;
    assert!(take(&seen).is_empty());

    // Created then updated between two polls: one Created. Updated twice: one Updated.
    let d = lever.create("D");
    lever.update(&d, "D v2");
    lever.update(&b, "B v2");
    lever.update(&b, "B v3");
    poll_ok(&p).await;
    let mut got = take(&seen);
    got.sort();
    assert_eq!(
        got,
        vec![
            (Trigger::PostingCreated, d.clone(), "D v2".to_owned()),
            (Trigger::PostingUpdated, b.clone(), "B v3".to_owned()),
        ]
    );
    poll_ok(&p).await;
    assert!(take(&seen).is_empty());

    // The checkpoint sits at the largest cursor handled.
    let cp = store.get("acct-1", &postings_checkpoint()).unwrap();
    assert_eq!(
        cp.since,
        Timestamp(lever.updated_at(&b).max(lever.updated_at(&d)))
    );

    // Every request carried the rule's fixed query and the window start.
    let requests = lever.requests();
    assert!(requests
        .iter()
        .all(|q| q.get("confidentiality").map(String::as_str) == Some("all")));
    assert!(requests.iter().all(|q| q.contains_key("updated_at_start")));
    assert!(requests
        .iter()
        .any(|q| q.get("offset").map(String::as_str) == Some("tok.2")));
}

#[tokio::test]
async fn changes_made_while_the_poller_runs_fire_once() {
    let lever = Lever::default();
    let base = lever.serve().await;
    let seen = Seen::default();
    let store = MemoryStore::new();
    let p = poller(
        &base,
        store.clone(),
        recorder(&seen, &[Trigger::PostingCreated, Trigger::PostingUpdated]),
    );
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        p.run(Duration::from_millis(20), async move {
            let _ = stopped.changed().await;
        })
        .await;
    });
    eventually("the first poll's checkpoint", || {
        store.get("acct-1", &postings_checkpoint()).is_some()
    })
    .await;
    until_the_clock_moves_on().await;

    // Each change waits for another list request, so the changes are spread over the polls.
    let another_request = || {
        let served = lever.requests().len();
        let lever = lever.clone();
        eventually("another list request", move || {
            lever.requests().len() > served
        })
    };
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(lever.create(&format!("P{i}")));
        another_request().await;
    }
    for id in &ids[..3] {
        lever.update(id, "changed");
        another_request().await;
    }
    // Wait for everything to show up, then for several more polls.
    let expected = 5 + 3;
    eventually("every change", || seen.lock().unwrap().len() >= expected).await;
    for _ in 0..5 {
        another_request().await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the poller stops on shutdown")
        .unwrap();

    let got = take(&seen);
    let created: Vec<&String> = got
        .iter()
        .filter(|(t, _, _)| *t == Trigger::PostingCreated)
        .map(|(_, id, _)| id)
        .collect();
    let updated: Vec<&String> = got
        .iter()
        .filter(|(t, _, _)| *t == Trigger::PostingUpdated)
        .map(|(_, id, _)| id)
        .collect();
    // Each posting's creation fired exactly once (a posting updated before the poll that
    // found it counts as created only).
    let mut created_sorted = created.clone();
    created_sorted.sort();
    created_sorted.dedup();
    assert_eq!(created_sorted.len(), created.len(), "{got:?}");
    assert_eq!(created.len(), 5, "{got:?}");
    // Each update fired at most once per posting, and every update that happened after the
    // posting's Created was observed fired.
    let mut updated_sorted = updated.clone();
    updated_sorted.sort();
    updated_sorted.dedup();
    assert_eq!(updated_sorted.len(), updated.len(), "{got:?}");
    for id in &updated {
        assert!(ids[..3].contains(id));
    }
    assert_eq!(
        got.len(),
        created.len() + updated.len(),
        "only Created/Updated fire"
    );
}

#[tokio::test]
async fn killing_the_poller_mid_run_loses_nothing() {
    let lever = Lever::default();
    let base = lever.serve().await;
    let dir = tempfile::tempdir().unwrap();

    // First poller: handles two items, then "crashes" while handling the third (its handler
    // has run but the checkpoint was not saved yet).
    let delivered = Seen::default();
    let stuck = Arc::new(tokio::sync::Notify::new());
    let mut first = Dispatcher::new();
    {
        let delivered = delivered.clone();
        let stuck = stuck.clone();
        first.on(Trigger::PostingCreated, move |event: TriggerEvent| {
            let delivered = delivered.clone();
            let stuck = stuck.clone();
            async move {
                let TriggerPayload::Polled { id, .. } = &event.payload else {
                    return Err::<(), HandlerError>("not polled".into());
                };
                let n = {
                    let mut d = delivered.lock().unwrap();
                    d.push((event.trigger, id.clone(), "first".into()));
                    d.len()
                };
                if n == 3 {
                    stuck.notify_one();
                    futures::future::pending::<()>().await;
                }
                Ok(())
            }
        });
    }
    let p1 = Poller::new(client(&base), "acct-1", FileStore::new(dir.path()), first)
        .trigger(Trigger::PostingCreated)
        .unwrap()
        .page_size(2);
    poll_ok(&p1).await; // checkpoint at "now"
    until_the_clock_moves_on().await;
    let ids: Vec<String> = (0..5).map(|i| lever.create(&format!("P{i}"))).collect();

    let task = tokio::spawn(async move {
        p1.run(Duration::from_millis(10), std::future::pending::<()>())
            .await;
    });
    tokio::time::timeout(Duration::from_secs(10), stuck.notified())
        .await
        .unwrap();
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let first_run: Vec<String> = take(&delivered).into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(first_run, ids[..3].to_vec());

    // The file store holds the progress: the first two are recorded, not the third.
    let cp: Checkpoint = FileStore::new(dir.path())
        .load("acct-1", &postings_checkpoint())
        .await
        .unwrap()
        .unwrap();
    let recorded: Vec<&str> = cp.seen.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(recorded, vec![ids[0].as_str(), ids[1].as_str()]);

    // A fresh poller on the same store picks up where the first stopped: the third item is
    // delivered again (at least once), the rest for the first time, and nothing is lost.
    let seen = Seen::default();
    let p2 = Poller::new(
        client(&base),
        "acct-1",
        FileStore::new(dir.path()),
        recorder(&seen, &[Trigger::PostingCreated]),
    )
    .trigger(Trigger::PostingCreated)
    .unwrap();
    poll_ok(&p2).await;
    let second_run: Vec<String> = take(&seen).into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(second_run, ids[2..].to_vec());
    poll_ok(&p2).await;
    assert!(take(&seen).is_empty());
}

#[tokio::test]
async fn a_failing_handler_is_retried_and_holds_the_checkpoint() {
    let lever = Lever::default();
    let base = lever.serve().await;
    let store = MemoryStore::new();
    let failing = Arc::new(Mutex::new(None::<String>));
    let delivered = Seen::default();
    let mut dispatcher = Dispatcher::new();
    {
        let failing = failing.clone();
        let delivered = delivered.clone();
        dispatcher.on(Trigger::PostingCreated, move |event: TriggerEvent| {
            let failing = failing.clone();
            let delivered = delivered.clone();
            async move {
                let TriggerPayload::Polled { id, .. } = &event.payload else {
                    return Err::<(), HandlerError>("not polled".into());
                };
                if failing.lock().unwrap().as_deref() == Some(id.as_str()) {
                    return Err(format!("cannot handle {id} yet").into());
                }
                delivered
                    .lock()
                    .unwrap()
                    .push((event.trigger, id.clone(), String::new()));
                Ok(())
            }
        });
    }
    let p = Poller::new(client(&base), "acct-1", store.clone(), dispatcher)
        .trigger(Trigger::PostingCreated)
        .unwrap();
    poll_ok(&p).await;
    let start = store.get("acct-1", &postings_checkpoint()).unwrap().since;
    until_the_clock_moves_on().await;

    let a = lever.create("A");
    let b = lever.create("B");
    let c = lever.create("C");
    *failing.lock().unwrap() = Some(b.clone());

    for _ in 0..3 {
        let report = p.poll_once().await;
        let errors: Vec<_> = report.errors().collect();
        assert_eq!(errors.len(), 1);
        match errors[0].1 {
            PollError::Handler { id, trigger, .. } => {
                assert_eq!(id, &b);
                assert_eq!(*trigger, Trigger::PostingCreated);
            }
            other => panic!("{other:?}"),
        }
        // The checkpoint did not move past B, and C was not delivered before B.
        let cp = store.get("acct-1", &postings_checkpoint()).unwrap();
        assert_eq!(cp.since, start);
        assert!(cp.since.as_millis() <= lever.updated_at(&b));
        assert!(cp.seen.iter().any(|(id, _)| *id == a));
        assert!(!cp.seen.iter().any(|(id, _)| *id == b || *id == c));
    }
    let got: Vec<String> = take(&delivered).into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(got, vec![a.clone()], "A once, despite three polls");

    // B recovers: B and C are delivered, A is not repeated, and the checkpoint advances.
    *failing.lock().unwrap() = None;
    poll_ok(&p).await;
    let got: Vec<String> = take(&delivered).into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(got, vec![b.clone(), c.clone()]);
    let cp = store.get("acct-1", &postings_checkpoint()).unwrap();
    assert_eq!(cp.since, Timestamp(lever.updated_at(&c)));
    poll_ok(&p).await;
    assert!(take(&delivered).is_empty());
}

#[tokio::test]
async fn run_backs_off_and_stops_on_shutdown() {
    let lever = Lever::default();
    let base = lever.serve().await;
    let calls = Arc::new(AtomicBool::new(false));
    let mut dispatcher = Dispatcher::new();
    {
        let calls = calls.clone();
        dispatcher.on(Trigger::PostingCreated, move |_event| {
            calls.store(true, Ordering::SeqCst);
            async { Err::<(), HandlerError>("always failing".into()) }
        });
    }
    let p = Poller::new(client(&base), "acct-1", MemoryStore::new(), dispatcher)
        .trigger(Trigger::PostingCreated)
        .unwrap()
        .start_at(Timestamp(0))
        .max_backoff(Duration::from_millis(50));
    lever.create("A");
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        p.run(Duration::from_millis(10), async move {
            let _ = stopped.changed().await;
        })
        .await;
    });
    // It keeps retrying: the handler ran, and the page was asked for again.
    eventually("a retried poll", || {
        calls.load(Ordering::SeqCst) && lever.requests().len() >= 2
    })
    .await;
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops promptly")
        .unwrap();
}

#[tokio::test]
async fn start_at_replays_history_and_api_errors_are_typed() {
    let lever = Lever::default();
    let base = lever.serve().await;
    let old = lever.create_at("Old", 1_000, 2_000);
    let seen = Seen::default();
    let p = Poller::new(
        client(&base),
        "acct-1",
        MemoryStore::new(),
        recorder(&seen, &[Trigger::PostingCreated, Trigger::PostingUpdated]),
    )
    .trigger(Trigger::PostingCreated)
    .unwrap()
    .trigger(Trigger::PostingUpdated)
    .unwrap()
    .start_at(Timestamp(500));
    poll_ok(&p).await;
    assert_eq!(
        take(&seen),
        vec![(Trigger::PostingCreated, old, "Old".to_owned())]
    );

    // A server that is not Lever.
    let unreachable = Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9/v1")
        .retry(lever_client::RetryPolicy::none())
        .build()
        .unwrap();
    let bad = Poller::new(unreachable, "acct-1", MemoryStore::new(), Dispatcher::new())
        .trigger(Trigger::PostingCreated)
        .unwrap();
    let err = bad.poll_trigger(Trigger::PostingCreated).await.unwrap_err();
    assert!(matches!(err, PollError::Api { .. }), "{err:?}");
    assert!(matches!(
        bad.poll_trigger(Trigger::PostingUpdated).await,
        Err(PollError::NotPolled(Trigger::PostingUpdated))
    ));
}

// ------------------------------------------- updates while handlers run (issue #12, item 1)

fn quick_client(base: &str) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(base)
        .no_rate_limit()
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_update_made_while_a_created_handler_runs_fires_updated() {
    const START: i64 = 1_000_000;
    let lever = Lever::logical(START);
    let base = lever.serve().await;
    let seen = Seen::default();
    let mut dispatcher = recorder(&seen, &[Trigger::PostingUpdated]);
    {
        // The Created handler is slow: each posting changes while its handler still runs.
        let seen = seen.clone();
        let lever = lever.clone();
        dispatcher.on(Trigger::PostingCreated, move |event: TriggerEvent| {
            let seen = seen.clone();
            let lever = lever.clone();
            async move {
                let posting: lever_client::models::Posting = event.item_as()?;
                let id = posting.id.as_str().to_owned();
                let text = posting.text.clone().unwrap_or_default();
                seen.lock()
                    .unwrap()
                    .push((event.trigger, id.clone(), text.clone()));
                lever.update(&id, &format!("{text} v2"));
                Ok::<(), HandlerError>(())
            }
        });
    }
    let p = Poller::new(
        quick_client(&base),
        "acct-1",
        MemoryStore::new(),
        dispatcher,
    )
    .trigger(Trigger::PostingCreated)
    .unwrap()
    .trigger(Trigger::PostingUpdated)
    .unwrap()
    .start_at(Timestamp(START))
    .page_size(2);
    let ids: Vec<String> = (0..5).map(|i| lever.create(&format!("P{i}"))).collect();
    for _ in 0..3 {
        poll_ok(&p).await;
    }
    let mut got = take(&seen);
    got.sort();
    let mut expected: Vec<(Trigger, String, String)> = ids
        .iter()
        .enumerate()
        .flat_map(|(i, id)| {
            [
                (Trigger::PostingCreated, id.clone(), format!("P{i}")),
                (Trigger::PostingUpdated, id.clone(), format!("P{i} v2")),
            ]
        })
        .collect();
    expected.sort();
    assert_eq!(got, expected, "every update fired, once");
}

/// Reproduces one randomised run: `LEVER_POLLER_SEED=<seed> cargo test -p lever-client --test
/// triggers_poller randomised`.
const SEED_VAR: &str = "LEVER_POLLER_SEED";

/// Many creates and updates interleaved with polls, with handlers that take a random number
/// of concurrent changes to finish, sometimes fail, and changes made while pages are being
/// listed. Every posting's creation fires exactly once, every update made after the posting
/// was first delivered fires, no delivery repeats, and the last version of each posting is
/// delivered.
#[tokio::test]
async fn randomised_interleavings_lose_no_update() {
    let seeds: Vec<u64> = match std::env::var(SEED_VAR) {
        Ok(seed) => vec![seed.parse().expect("a u64 seed")],
        Err(_) => (0..100).collect(),
    };
    // One server and one client for all runs (building a client is the slow part); each run
    // starts the server afresh.
    let lever = Lever::default();
    let base = lever.serve().await;
    let client = quick_client(&base);
    for seed in seeds {
        if let Err(message) = random_run(seed, &lever, &client).await {
            panic!("seed {seed}: {message}\n(rerun with {SEED_VAR}={seed})");
        }
    }
}

/// What the randomised run shares with its handlers and server.
struct World {
    rng: rand::rngs::StdRng,
    /// Once set, nothing changes any more and no handler fails.
    quiet: bool,
    /// Changes the server may still make while listing in the current poll.
    list_budget: usize,
    /// Successful deliveries: (trigger, id, cursor).
    delivered: Vec<(Trigger, String, i64)>,
}

/// One random change: a new posting or an update of an existing one.
fn random_change(inner: &mut Inner, rng: &mut rand::rngs::StdRng) {
    use rand::Rng as _;
    if inner.postings.is_empty() || rng.gen_bool(0.35) {
        inner.create("new");
    } else {
        let i = rng.gen_range(0..inner.postings.len());
        let id = inner.postings[i]["id"].as_str().unwrap().to_owned();
        inner.update(&id, "changed");
    }
}

async fn random_run(seed: u64, lever: &Lever, client: &Client) -> Result<(), String> {
    use rand::{Rng as _, SeedableRng as _};
    const START: i64 = 1_000_000;
    /// The most changes made while one poll lists its pages: the overlap must cover them.
    const MAX_CHANGES_WHILE_LISTING: usize = 2;

    *lever.inner.lock().unwrap() = Inner {
        logical: true,
        last_ts: START,
        ..Inner::default()
    };
    let world = Arc::new(Mutex::new(World {
        rng: rand::rngs::StdRng::seed_from_u64(seed),
        quiet: false,
        list_budget: 0,
        delivered: Vec::new(),
    }));
    {
        let world = world.clone();
        lever.inner.lock().unwrap().during_list = Some(Box::new(move |inner: &mut Inner| {
            let mut w = world.lock().unwrap();
            let w = &mut *w;
            if !w.quiet && w.list_budget > 0 && w.rng.gen_bool(0.3) {
                w.list_budget -= 1;
                random_change(inner, &mut w.rng);
            }
        }));
    }
    let mut dispatcher = Dispatcher::new();
    for trigger in [Trigger::PostingCreated, Trigger::PostingUpdated] {
        let world = world.clone();
        let lever = lever.clone();
        dispatcher.on(trigger, move |event: TriggerEvent| {
            let world = world.clone();
            let lever = lever.clone();
            async move {
                let TriggerPayload::Polled { id, cursor, .. } = &event.payload else {
                    return Err::<(), HandlerError>("not polled".into());
                };
                // The handler "runs" for a random number of concurrent changes, then
                // sometimes fails (before anything is recorded).
                let mut w = world.lock().unwrap();
                let w = &mut *w;
                let changes = if w.quiet { 0 } else { w.rng.gen_range(0..=3) };
                for _ in 0..changes {
                    random_change(&mut lever.inner.lock().unwrap(), &mut w.rng);
                }
                if !w.quiet && w.rng.gen_bool(0.1) {
                    return Err("a transient handler failure".into());
                }
                w.delivered
                    .push((event.trigger, id.clone(), cursor.as_millis()));
                Ok(())
            }
        });
    }
    let (overlap, page_size) = {
        let mut w = world.lock().unwrap();
        let overlap = MAX_CHANGES_WHILE_LISTING as u64 + w.rng.gen_range(1..=8);
        (overlap, w.rng.gen_range(1..=4))
    };
    let p = Poller::new(client.clone(), "acct-1", MemoryStore::new(), dispatcher)
        .trigger(Trigger::PostingCreated)
        .unwrap()
        .trigger(Trigger::PostingUpdated)
        .unwrap()
        .start_at(Timestamp(START + 1))
        .overlap(Duration::from_millis(overlap))
        .page_size(page_size);

    let steps = world.lock().unwrap().rng.gen_range(10..35);
    for _ in 0..steps {
        let poll = {
            let mut w = world.lock().unwrap();
            let w = &mut *w;
            if w.rng.gen_bool(0.4) {
                w.list_budget = MAX_CHANGES_WHILE_LISTING;
                true
            } else {
                random_change(&mut lever.inner.lock().unwrap(), &mut w.rng);
                false
            }
        };
        if poll {
            // Handler failures are expected here; the next polls retry.
            let _ = p.poll_once().await;
        }
    }
    // Quiet: poll until a poll delivers nothing.
    world.lock().unwrap().quiet = true;
    let mut settled = false;
    for _ in 0..20 {
        let report = p.poll_once().await;
        if !report.is_ok() {
            return Err(format!("a quiet poll failed: {report:?}"));
        }
        if report.dispatched() == 0 {
            settled = true;
            break;
        }
    }
    if !settled {
        return Err("the poller keeps delivering after changes stopped".into());
    }

    let delivered = std::mem::take(&mut world.lock().unwrap().delivered);
    let postings = lever.inner.lock().unwrap().postings.clone();
    let context = || format!("overlap {overlap}, page size {page_size}, delivered {delivered:?}");
    let mut unique = delivered.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != delivered.len() {
        return Err(format!("a delivery repeated; {}", context()));
    }
    for posting in &postings {
        let id = posting["id"].as_str().unwrap();
        let last = posting["updatedAt"].as_i64().unwrap();
        let mine: Vec<&(Trigger, String, i64)> =
            delivered.iter().filter(|(_, i, _)| i == id).collect();
        let created: Vec<i64> = mine
            .iter()
            .filter(|(t, _, _)| *t == Trigger::PostingCreated)
            .map(|(_, _, c)| *c)
            .collect();
        if created.len() != 1 {
            return Err(format!(
                "{id} fired Created {} times; {}",
                created.len(),
                context()
            ));
        }
        if mine
            .iter()
            .any(|(t, _, c)| *t == Trigger::PostingUpdated && *c <= created[0])
        {
            return Err(format!("{id} fired Updated before Created; {}", context()));
        }
        if !mine.iter().any(|(_, _, c)| *c == last) {
            return Err(format!(
                "{id}: its last version (updatedAt {last}) never fired; {}",
                context()
            ));
        }
    }
    Ok(())
}

// ------------------------------------------------- lists that never end, shared lists

#[tokio::test]
async fn a_list_that_cycles_or_never_ends_fails_the_poll_and_fires_nothing() {
    const START: i64 = 1_000_000;
    let lever = Lever::logical(START);
    let base = lever.serve().await;
    let seen = Seen::default();
    let store = MemoryStore::new();
    let p = Poller::new(
        quick_client(&base),
        "acct-1",
        store.clone(),
        recorder(&seen, &[Trigger::PostingCreated, Trigger::PostingUpdated]),
    )
    .trigger(Trigger::PostingCreated)
    .unwrap()
    .trigger(Trigger::PostingUpdated)
    .unwrap()
    .start_at(Timestamp(START))
    .page_size(1)
    .max_pages(3);
    for i in 0..5 {
        lever.create(&format!("P{i}"));
    }
    let expect_stop = |report: lever_client::triggers::PollReport, wanted: PaginationStop| {
        let results: Vec<_> = report.results.iter().collect();
        assert_eq!(results.len(), 2, "{report:?}");
        match &results[0] {
            (
                Trigger::PostingCreated,
                Err(PollError::Api {
                    source: lever_client::Error::Pagination { reason, .. },
                    ..
                }),
            ) => assert_eq!(*reason, wanted),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            results[1],
            (
                Trigger::PostingUpdated,
                Err(PollError::SharedList {
                    trigger: Trigger::PostingUpdated,
                    reported_with: Trigger::PostingCreated,
                    ..
                })
            )
        ));
    };

    // Five pages of one item, but at most three are followed.
    expect_stop(
        p.poll_once().await,
        PaginationStop::PageCap { max_pages: 3 },
    );
    // A server whose `next` always points back at the first page.
    lever.inner.lock().unwrap().stuck_next = Some("tok.0".into());
    expect_stop(p.poll_once().await, PaginationStop::RepeatedToken);
    // Nothing was dispatched from a partial list, and the checkpoint did not move.
    assert!(take(&seen).is_empty());
    let cp = store.get("acct-1", &postings_checkpoint()).unwrap();
    assert_eq!((cp.since, cp.seen.len()), (Timestamp(START), 0));

    // Once the server behaves, everything fires.
    lever.inner.lock().unwrap().stuck_next = None;
    let p = p.max_pages(10);
    poll_ok(&p).await;
    assert_eq!(take(&seen).len(), 5);
}

#[tokio::test]
async fn a_failing_handler_stops_its_list_for_every_trigger_on_it() {
    const START: i64 = 1_000_000;
    let lever = Lever::logical(START);
    let base = lever.serve().await;
    let seen = Seen::default();
    let mut dispatcher = recorder(&seen, &[Trigger::PostingUpdated]);
    dispatcher.on(Trigger::PostingCreated, |event: TriggerEvent| async move {
        let posting: lever_client::models::Posting = event.item_as()?;
        match posting.text.as_deref() {
            Some("bad") => Err::<(), HandlerError>("cannot handle it".into()),
            _ => Ok(()),
        }
    });
    let p = Poller::new(
        quick_client(&base),
        "acct-1",
        MemoryStore::new(),
        dispatcher,
    )
    .trigger(Trigger::PostingUpdated)
    .unwrap()
    .trigger(Trigger::PostingCreated)
    .unwrap()
    .start_at(Timestamp(START));
    let a = lever.create("A");
    poll_ok(&p).await;
    lever.create("bad");
    lever.update(&a, "A v2");

    let report = p.poll_once().await;
    // Reported in the order the triggers were added.
    match &report.results[..] {
        [(
            Trigger::PostingUpdated,
            Err(PollError::SharedList {
                reported_with,
                list,
                ..
            }),
        ), (Trigger::PostingCreated, Err(PollError::Handler { trigger, .. }))] => {
            assert_eq!(*reported_with, Trigger::PostingCreated);
            assert_eq!(*trigger, Trigger::PostingCreated);
            assert_eq!(*list, postings_checkpoint());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.checkpoint_name(Trigger::PostingUpdated),
        Some(postings_checkpoint())
    );
    // The update after the failing item waits for it.
    assert!(take(&seen).is_empty());
    assert!(matches!(
        p.poll_trigger(Trigger::PostingUpdated).await,
        Err(PollError::SharedList { .. })
    ));
}

#[tokio::test]
async fn checkpoints_kept_per_trigger_by_older_versions_are_carried_over() {
    const START: i64 = 1_000_000;
    let lever = Lever::logical(START);
    let base = lever.serve().await;
    let old = lever.create("Old"); // 1_000_001, handled by the old poller
    let store = MemoryStore::new();
    // The old poller kept one checkpoint per trigger; "Posting Updated" was behind.
    let handled = Checkpoint {
        since: Timestamp(START + 1),
        seen: vec![(old.clone(), Timestamp(START + 1))],
        floor: Some(Timestamp(START)),
    };
    store
        .save("acct-1", Trigger::PostingCreated.name(), &handled)
        .await
        .unwrap();
    store
        .save(
            "acct-1",
            Trigger::PostingUpdated.name(),
            &Checkpoint::starting_at(Timestamp(START)),
        )
        .await
        .unwrap();
    let fresh = lever.create("New"); // 1_000_002
    lever.update(&old, "Old v2"); // 1_000_003

    let seen = Seen::default();
    let p = poller(
        &base,
        store.clone(),
        recorder(&seen, &[Trigger::PostingCreated, Trigger::PostingUpdated]),
    )
    .overlap(Duration::ZERO);
    poll_ok(&p).await;
    let mut got = take(&seen);
    got.sort();
    assert_eq!(
        got,
        vec![
            (Trigger::PostingCreated, fresh, "New".to_owned()),
            (Trigger::PostingUpdated, old, "Old v2".to_owned()),
        ]
    );
    let cp = store.get("acct-1", &postings_checkpoint()).unwrap();
    assert_eq!(cp.since, Timestamp(START + 3));
    assert!(
        cp.seen.iter().all(|(_, t)| t.as_millis() > START),
        "the carried-over marks are gone: {cp:?}"
    );
    poll_ok(&p).await;
    assert!(take(&seen).is_empty());
}
