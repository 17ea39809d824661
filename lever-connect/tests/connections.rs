//! Connections against lever-sim, on SQLite and on a real PostgreSQL: the connect flow and
//! its refusals, API keys, cached clients, status, events, secrets at rest, invalid_grant.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{Db, BOTH};
use lever_client::{Method, TokenPair};
use lever_connect::{
    Callback, ConnectError, ConnectionEvent, ConnectionKind, ConnectionStatus, Connections,
    Keyring, OAuthApp, SqlStore,
};
use lever_sim::{SimConfig, Simulator};
use sqlx::Row as _;

const REDIRECT: &str = "https://app.example/lever/callback";

async fn sim() -> Simulator {
    Simulator::start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn connections(sim: &Simulator, store: SqlStore, keyring: Keyring) -> Connections {
    let oauth = sim.oauth_config();
    Connections::builder()
        .store(store)
        .keyring(keyring)
        .base_url(sim.base_url())
        .oauth_app(
            OAuthApp::new(&oauth.client_id, oauth.client_secret.as_str(), REDIRECT)
                .authorize_url(format!("http://{}/oauth/authorize", sim.addr()))
                .token_url(sim.oauth_token_url()),
        )
        .configure_clients(|b| b.no_rate_limit())
        .build()
        .unwrap()
}

fn state_of(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

/// Every text and blob column of every table, as one string (what a dump would show).
async fn dump(store: &SqlStore) -> String {
    let mut out = String::new();
    for table in [
        "lever_connections",
        "lever_oauth_states",
        "lever_webhooks",
        "lever_checkpoints",
        "lever_webhook_deliveries",
    ] {
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(store.pool())
            .await
            .unwrap();
        for row in rows {
            for i in 0..row.len() {
                if let Ok(Some(s)) = row.try_get::<Option<String>, _>(i) {
                    out.push_str(&s);
                } else if let Ok(Some(b)) = row.try_get::<Option<Vec<u8>>, _>(i) {
                    out.push_str(&String::from_utf8_lossy(&b));
                }
                out.push('|');
            }
        }
    }
    out
}

async fn oauth_flow(db: Db) {
    let sim = sim().await;
    let (store, _guard) = common::store(db).await;
    let conns = connections(&sim, store.clone(), common::keyring());
    let mut events = conns.events();

    let url = conns
        .authorize_url("customer-a", &["postings:read:admin"])
        .await
        .unwrap();
    assert!(url.contains("client_id=sim-client-id"), "{url}");
    assert!(url.contains("offline_access"), "{url}");
    let state = state_of(&url);

    // Forged and tampered states are refused, and nothing is stored.
    for forged in ["", "not-a-state", &format!("{state}x")] {
        let e = conns
            .complete(forged, &sim.issue_auth_code())
            .await
            .unwrap_err();
        assert!(matches!(e, ConnectError::UnknownState), "{e:?}");
    }
    assert!(conns.list().await.unwrap().is_empty());

    let info = conns
        .complete(&state, &sim.issue_auth_code())
        .await
        .unwrap();
    assert_eq!(info.account, "customer-a");
    assert_eq!(info.kind, ConnectionKind::OAuth);
    assert_eq!(info.status, ConnectionStatus::Active);
    assert_eq!(
        events.recv().await.unwrap(),
        ConnectionEvent::Connected {
            account: "customer-a".into(),
            kind: ConnectionKind::OAuth
        }
    );

    // A replayed callback is refused even with a fresh code.
    let e = conns
        .complete(&state, &sim.issue_auth_code())
        .await
        .unwrap_err();
    assert!(matches!(e, ConnectError::ReplayedState), "{e:?}");

    // The account's client works, and is cached.
    let client = conns.client("customer-a").await.unwrap();
    let postings = client.postings().list().send().await.unwrap();
    assert!(!postings.data.is_empty());
    let again = conns.client("customer-a").await.unwrap();
    let _ = again.request(Method::GET, "/users").send().await.unwrap();
    assert_eq!(sim.oauth_stats().code_grants, 1);

    // Denied consent consumes the state and stores nothing.
    let url = conns.authorize_url("customer-b", &[]).await.unwrap();
    let denied = Callback {
        state: state_of(&url),
        code: None,
        error: Some("access_denied".into()),
    };
    let e = conns.complete_callback(&denied).await.unwrap_err();
    assert!(
        matches!(&e, ConnectError::Denied { account, error } if account == "customer-b" && error == "access_denied"),
        "{e:?}"
    );
    let e = conns.complete_callback(&denied).await.unwrap_err();
    assert!(matches!(e, ConnectError::ReplayedState), "{e:?}");
    assert!(conns.status("customer-b").await.unwrap().is_none());

    // Secrets at rest: a dump of every table holds none of them.
    let tokens = conns.oauth_tokens("customer-a").await.unwrap().unwrap();
    let dumped = dump(&store).await;
    assert!(dumped.contains("customer-a"));
    for secret in [
        tokens.access_token.expose(),
        tokens.refresh_token.as_ref().unwrap().expose(),
        &sim.oauth_config().client_secret,
        &state,
    ] {
        assert!(!dumped.contains(secret), "a secret is in the tables");
    }

    // Disconnect deletes the credentials but keeps the status.
    conns.disconnect("customer-a").await.unwrap();
    let status = conns.status("customer-a").await.unwrap().unwrap();
    assert_eq!(status.status, ConnectionStatus::Disconnected);
    assert!(matches!(
        conns.client("customer-a").await.unwrap_err(),
        ConnectError::NotConnected { .. }
    ));
    assert!(conns.oauth_tokens("customer-a").await.unwrap().is_none());
    assert!(matches!(
        events.recv().await.unwrap(),
        ConnectionEvent::Disconnected { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_connect_flow_on_sqlite() {
    oauth_flow(BOTH[0]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_connect_flow_on_postgres() {
    oauth_flow(BOTH[1]).await;
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let sim = sim().await;
    let (store, _guard) = common::store(Db::Sqlite).await;
    let oauth = sim.oauth_config();
    let conns = Connections::builder()
        .store(store)
        .keyring(common::keyring())
        .base_url(sim.base_url())
        .state_ttl(Duration::ZERO)
        .oauth_app(
            OAuthApp::new(&oauth.client_id, oauth.client_secret.as_str(), REDIRECT)
                .token_url(sim.oauth_token_url()),
        )
        .build()
        .unwrap();
    let url = conns.authorize_url("late", &[]).await.unwrap();
    let e = conns
        .complete(&state_of(&url), &sim.issue_auth_code())
        .await
        .unwrap_err();
    assert!(matches!(e, ConnectError::ExpiredState), "{e:?}");
    assert!(conns.list().await.unwrap().is_empty());
    assert_eq!(sim.oauth_stats().token_requests, 0);
}

async fn api_keys(db: Db) {
    let sim = sim().await;
    let (store, _guard) = common::store(db).await;
    let conns = connections(&sim, store.clone(), common::keyring());
    let e = conns
        .connect_api_key("bad", "not-a-lever-key")
        .await
        .unwrap_err();
    assert!(matches!(&e, ConnectError::Lever(l) if l.is_auth()), "{e:?}");
    assert!(!e.to_string().contains("not-a-lever-key"), "{e}");
    assert!(conns.status("bad").await.unwrap().is_none());

    let info = conns
        .connect_api_key("good", sim.api_key().to_owned())
        .await
        .unwrap();
    assert_eq!(info.kind, ConnectionKind::ApiKey);
    let client = conns.client("good").await.unwrap();
    client.postings().list().send().await.unwrap();
    assert!(!dump(&store).await.contains(sim.api_key()));
    assert_eq!(conns.list().await.unwrap().len(), 1);

    // A wrong key (same ID, other bytes) is a clear error, never garbage credentials.
    let wrong = connections(&sim, store.clone(), Keyring::new("test-key-1", [7; 32]));
    let e = wrong.client("good").await.unwrap_err();
    assert!(
        e.to_string()
            .contains("does not decrypt with key \"test-key-1\""),
        "{e}"
    );
    // A keyring without the row's key says which key is missing.
    let other = connections(&sim, store, Keyring::new("test-key-2", [42; 32]));
    let e = other.client("good").await.unwrap_err();
    assert!(e.to_string().contains("no key \"test-key-1\""), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_connections_on_sqlite() {
    api_keys(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_connections_on_postgres() {
    api_keys(Db::Postgres).await;
}

async fn invalid_grant(db: Db) {
    let sim = sim().await;
    let (store, _guard) = common::store(db).await;
    let conns = connections(&sim, store, common::keyring());
    let mut events = conns.events();
    // A connection whose refresh token Lever no longer knows, with an expired access token.
    let dead = TokenPair {
        access_token: "expired-access".into(),
        refresh_token: Some("revoked-refresh".into()),
        expires_at: Some(SystemTime::now() - Duration::from_secs(5)),
        token_type: Some("Bearer".into()),
        scope: None,
    };
    conns.connect_oauth_tokens("gone", &dead).await.unwrap();
    let _ = events.recv().await.unwrap();
    let client = conns.client("gone").await.unwrap();
    let before = sim.oauth_stats().token_requests;

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.request(Method::GET, "/users").send().await })
        })
        .collect();
    for t in tasks {
        let e = t.await.unwrap().unwrap_err();
        assert!(e.needs_reconnect(), "{e:?}");
    }
    assert_eq!(sim.oauth_stats().token_requests - before, 1, "one attempt");
    let status = conns.status("gone").await.unwrap().unwrap();
    assert_eq!(status.status, ConnectionStatus::NeedsReauthorization);
    assert_eq!(status.status_reason.as_deref(), Some("invalid_grant"));
    assert_eq!(
        events.recv().await.unwrap(),
        ConnectionEvent::NeedsReauthorization {
            account: "gone".into()
        }
    );

    // 100 later calls fail fast and cost no token request; the hook fired once.
    for _ in 0..100 {
        let e = client
            .request(Method::GET, "/users")
            .send()
            .await
            .unwrap_err();
        assert!(e.needs_reconnect(), "{e:?}");
    }
    assert_eq!(sim.oauth_stats().token_requests - before, 1);
    assert!(events.try_recv().is_err(), "the hook fired once");
    // A new client (another process, or after a restart) is refused before any call.
    let fresh = connections(&sim, common::store_again(&_guard).await, common::keyring());
    let e = fresh.client("gone").await.unwrap_err();
    assert!(e.needs_reconnect(), "{e:?}");
    // A client built before the mark, in another process, also learns it from the store.
    assert_eq!(sim.oauth_stats().token_requests - before, 1);

    // Connecting again makes it active.
    let url = conns.authorize_url("gone", &[]).await.unwrap();
    conns
        .complete(&state_of(&url), &sim.issue_auth_code())
        .await
        .unwrap();
    let client = conns.client("gone").await.unwrap();
    client.request(Method::GET, "/users").send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_grant_marks_the_connection_once_on_sqlite() {
    invalid_grant(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_grant_marks_the_connection_once_on_postgres() {
    invalid_grant(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_of_another_process_does_not_refresh_a_broken_connection() {
    // Process 1 and process 2 each hold a client of the same connection (two managers on
    // one store). Process 1 finds the refresh token dead; process 2's refresh, run under the
    // store's lock, sees the mark and does not call Lever.
    let sim = sim().await;
    let (store, guard) = common::store(Db::Sqlite).await;
    let one = connections(&sim, store, common::keyring());
    let two = connections(&sim, common::store_again(&guard).await, common::keyring());
    let dead = TokenPair {
        access_token: "expired-access".into(),
        refresh_token: Some("revoked-refresh".into()),
        expires_at: Some(SystemTime::now() - Duration::from_secs(5)),
        token_type: None,
        scope: None,
    };
    one.connect_oauth_tokens("shared", &dead).await.unwrap();
    let c1 = one.client("shared").await.unwrap();
    let c2 = two.client("shared").await.unwrap();
    assert!(c1
        .request(Method::GET, "/users")
        .send()
        .await
        .unwrap_err()
        .needs_reconnect());
    let before = sim.oauth_stats().token_requests;
    assert!(c2
        .request(Method::GET, "/users")
        .send()
        .await
        .unwrap_err()
        .needs_reconnect());
    assert_eq!(sim.oauth_stats().token_requests, before);
}

#[tokio::test]
async fn account_ids_are_checked() {
    let sim = sim().await;
    let (store, _guard) = common::store(Db::Sqlite).await;
    let conns = connections(&sim, store, common::keyring());
    for bad in ["", "a\nb", &"x".repeat(256)] {
        assert!(matches!(
            conns.authorize_url(bad, &[]).await.unwrap_err(),
            ConnectError::InvalidInput(_)
        ));
    }
    assert!(matches!(
        conns.client("never").await.unwrap_err(),
        ConnectError::NotConnected { .. }
    ));
    let _ = Arc::new(conns);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_disconnecting_takes_effect_after_revalidation() {
    let sim = sim().await;
    let (store, guard) = common::store(Db::Sqlite).await;
    let one = connections(&sim, store, common::keyring());
    let oauth = sim.oauth_config();
    let two = Connections::builder()
        .store(common::store_again(&guard).await)
        .keyring(common::keyring())
        .base_url(sim.base_url())
        .oauth_app(OAuthApp::new(
            &oauth.client_id,
            oauth.client_secret.as_str(),
            REDIRECT,
        ))
        .revalidate_after(Duration::ZERO)
        .build()
        .unwrap();
    one.connect_api_key("shared", sim.api_key().to_owned())
        .await
        .unwrap();
    two.client("shared").await.unwrap(); // cached in "process" two
    one.disconnect("shared").await.unwrap();
    let e = two.client("shared").await.unwrap_err();
    assert!(matches!(e, ConnectError::NotConnected { .. }), "{e:?}");
    // Connecting again (in process one) is picked up by process two too.
    one.connect_api_key("shared", sim.api_key().to_owned())
        .await
        .unwrap();
    two.client("shared")
        .await
        .unwrap()
        .request(Method::GET, "/users")
        .send()
        .await
        .unwrap();
}
