//! The store conformance suite: every check runs on SQLite and on a real PostgreSQL.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{Db, BOTH};
use lever_connect::crypto::Sealed;
use lever_connect::store::{
    ConnectionKind, ConnectionRecord, ConnectionStatus, OAuthStateRecord, StateLookup, Store,
    WebhookRecord,
};

fn record(account: &str) -> ConnectionRecord {
    ConnectionRecord {
        account: account.into(),
        kind: ConnectionKind::OAuth,
        status: ConnectionStatus::Active,
        status_reason: None,
        status_changed_at: 1_000,
        sealed: Some(Sealed {
            key_id: "k1".into(),
            bytes: vec![1, 2, 3, 0, 255],
        }),
        expires_at: Some(5_000),
        scopes: Some("offline_access postings:read:admin".into()),
        token_version: 1,
        created_at: 1_000,
        updated_at: 1_000,
    }
}

async fn connections_round_trip(store: &dyn Store) {
    assert_eq!(store.connection("a").await.unwrap(), None);
    let a = record("a");
    store.put_connection(&a).await.unwrap();
    assert_eq!(store.connection("a").await.unwrap(), Some(a.clone()));
    // Upsert replaces every mutable column but keeps the first connection time.
    let mut a2 = a.clone();
    a2.status = ConnectionStatus::Disconnected;
    a2.sealed = None;
    a2.expires_at = None;
    a2.status_reason = Some("disconnected by the app".into());
    a2.created_at = 9_999;
    a2.token_version = 2;
    store.put_connection(&a2).await.unwrap();
    let got = store.connection("a").await.unwrap().unwrap();
    assert_eq!(got.status, ConnectionStatus::Disconnected);
    assert_eq!(got.sealed, None);
    assert_eq!(got.created_at, 1_000);
    store.put_connection(&record("c")).await.unwrap();
    store.put_connection(&record("b")).await.unwrap();
    let all: Vec<String> = store
        .connections()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.account)
        .collect();
    assert_eq!(all, ["a", "b", "c"]);
}

async fn states_are_single_use(store: &dyn Store) {
    let state = OAuthStateRecord {
        account: "acct".into(),
        redirect_uri: "https://app/cb".into(),
        scopes: "postings:read:admin".into(),
        created_at: 10,
        expires_at: 20,
        used_at: None,
    };
    store.put_state("hash-1", &state).await.unwrap();
    assert_eq!(
        store.take_state("nope", 11).await.unwrap(),
        StateLookup::Unknown
    );
    // Ten callbacks race with the same state: exactly one gets it.
    let results = futures::future::join_all((0..10).map(|_| store.take_state("hash-1", 12))).await;
    let fresh = results
        .iter()
        .filter(|r| matches!(r, Ok(StateLookup::Fresh(_))))
        .count();
    let replayed = results
        .iter()
        .filter(|r| matches!(r, Ok(StateLookup::AlreadyUsed(_))))
        .count();
    assert_eq!((fresh, replayed), (1, 9), "{results:?}");
    // A duplicate state hash is refused.
    assert!(store.put_state("hash-1", &state).await.is_err());
    store.put_state("hash-2", &state).await.unwrap();
    assert_eq!(store.prune_states(21).await.unwrap(), 2);
    assert_eq!(
        store.take_state("hash-2", 22).await.unwrap(),
        StateLookup::Unknown
    );
}

async fn webhooks_and_checkpoints(store: &dyn Store) {
    for (id, event) in [("w2", "candidateHired"), ("w1", "applicationCreated")] {
        store
            .put_webhook(&WebhookRecord {
                account: "a".into(),
                webhook_id: id.into(),
                event: event.into(),
                sealed_token: Sealed {
                    key_id: "k1".into(),
                    bytes: vec![9; 40],
                },
                created_at: 5,
            })
            .await
            .unwrap();
    }
    let hooks = store.webhooks("a").await.unwrap();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0].webhook_id, "w1");
    assert!(store.webhooks("b").await.unwrap().is_empty());
    store.delete_webhooks("a").await.unwrap();
    assert!(store.webhooks("a").await.unwrap().is_empty());

    assert_eq!(
        store.checkpoint("a", "posting_created").await.unwrap(),
        None
    );
    store
        .put_checkpoint("a", "posting_created", r#"{"since":1}"#, 1)
        .await
        .unwrap();
    store
        .put_checkpoint("a", "posting_created", r#"{"since":2}"#, 2)
        .await
        .unwrap();
    store
        .put_checkpoint("b", "posting_created", r#"{"since":3}"#, 2)
        .await
        .unwrap();
    assert_eq!(
        store
            .checkpoint("a", "posting_created")
            .await
            .unwrap()
            .as_deref(),
        Some(r#"{"since":2}"#)
    );
}

async fn deliveries_dedup_once(store: &dyn Store) {
    let results =
        futures::future::join_all((0..10).map(|_| store.record_delivery("sig-1", "a", 1))).await;
    let firsts = results.iter().filter(|r| matches!(r, Ok(true))).count();
    assert_eq!(firsts, 1, "{results:?}");
    assert!(store.delivery_recorded("sig-1").await.unwrap());
    assert!(!store.delivery_recorded("sig-2").await.unwrap());
    store.forget_delivery("sig-1").await.unwrap();
    assert!(!store.delivery_recorded("sig-1").await.unwrap());
    assert!(store.record_delivery("sig-1", "a", 2).await.unwrap());
}

async fn locked_updates_exclude_each_other(store: Arc<dyn Store>) {
    store.put_connection(&record("locked")).await.unwrap();
    let inside = Arc::new(AtomicUsize::new(0));
    let overlaps = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (store, inside, overlaps) = (store.clone(), inside.clone(), overlaps.clone());
            tokio::spawn(async move {
                let update: lever_connect::store::LockedUpdate<'_> =
                    Box::new(move |current: Option<ConnectionRecord>| {
                        Box::pin(async move {
                            if inside.fetch_add(1, Ordering::SeqCst) != 0 {
                                overlaps.fetch_add(1, Ordering::SeqCst);
                            }
                            // Hold the lock across a real wait, as a token request would.
                            tokio::time::sleep(Duration::from_millis(15)).await;
                            inside.fetch_sub(1, Ordering::SeqCst);
                            let mut next = current?;
                            next.token_version += 1;
                            Some(next)
                        })
                    });
                store.update_locked("locked", update).await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(overlaps.load(Ordering::SeqCst), 0, "two holders at once");
    let got = store.connection("locked").await.unwrap().unwrap();
    assert_eq!(got.token_version, 1 + 12, "every update was written");
    // Writing nothing leaves the record (and the lock) as it was.
    store
        .update_locked("locked", Box::new(|_| Box::pin(async { None })))
        .await
        .unwrap();
    assert_eq!(
        store
            .connection("locked")
            .await
            .unwrap()
            .unwrap()
            .token_version,
        13
    );
    store
        .update_locked(
            "locked",
            Box::new(|c| {
                Box::pin(async move {
                    let mut c = c?;
                    c.token_version = 100;
                    Some(c)
                })
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .connection("locked")
            .await
            .unwrap()
            .unwrap()
            .token_version,
        100,
        "the lock was released by the update that wrote nothing"
    );
}

async fn suite(db: Db) {
    let (store, _guard) = common::store(db).await;
    let store: Arc<dyn Store> = Arc::new(store);
    connections_round_trip(&*store).await;
    states_are_single_use(&*store).await;
    webhooks_and_checkpoints(&*store).await;
    deliveries_dedup_once(&*store).await;
    locked_updates_exclude_each_other(store.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_conforms() {
    suite(BOTH[0]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_conforms() {
    suite(BOTH[1]).await;
}

#[tokio::test]
async fn migrations_are_idempotent_and_urls_checked() {
    let (store, guard) = common::store(Db::Sqlite).await;
    store.migrate().await.unwrap();
    let again = lever_connect::SqlStore::connect(&guard.url())
        .await
        .unwrap();
    again.migrate().await.unwrap();
    let e = lever_connect::SqlStore::connect("mysql://x")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("mysql"), "{e}");
}
