//! The poller against a real HTTP server on loopback that serves `/v1/postings` with
//! `updated_at_start` filtering and opaque-token pagination, like Lever.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lever_client::triggers::{
    Checkpoint, CheckpointStore, Dispatcher, FileStore, HandlerError, MemoryStore, PollError,
    Poller, Trigger, TriggerEvent, TriggerPayload,
};
use lever_client::{Client, Timestamp};

#[path = "common/postings_poller.rs"]
mod postings_poller;

use postings_poller::*;

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
