//! The poller against concurrent writers, lists that never end, and lists shared by several
//! triggers (the server and helpers are in `common/postings_poller.rs`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lever_client::triggers::{
    Checkpoint, CheckpointStore, Dispatcher, HandlerError, MemoryStore, PollError, Poller, Trigger,
    TriggerEvent, TriggerPayload,
};
use lever_client::{Client, PaginationStop, Timestamp};

#[path = "common/postings_poller.rs"]
mod postings_poller;

use postings_poller::*;

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
