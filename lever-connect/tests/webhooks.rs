//! Webhooks of connected accounts: registered in each account's Lever on connect, their
//! signature tokens sealed in the store, deliveries verified per account through the store,
//! deduplicated in the store's inbox and handled from it, deleted on disconnect.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lever_client::models::{CreateOpportunity, CreatePosting};
use lever_client::triggers::{Dispatcher, HandlerError, Trigger};
use lever_client::Client;
use lever_connect::routes::webhook_routes;
use lever_connect::{Connections, Inbox, SqlStore, WebhookSetup};
use lever_sim::{SimConfig, Simulator};
use reqwest::StatusCode;

type Seen = Arc<Mutex<Vec<(String, String)>>>;

async fn apply(client: &Client, user: &str, name: &str) {
    let posting = client
        .postings()
        .create(CreatePosting::new("Backend Engineer"))
        .perform_as(user)
        .send()
        .await
        .unwrap();
    client
        .opportunities()
        .create(CreateOpportunity {
            name: Some(name.into()),
            postings: Some(vec![posting.id.clone()]),
            ..CreateOpportunity::default()
        })
        .perform_as(user)
        .send()
        .await
        .unwrap();
}

async fn wait_for(seen: &Seen, n: usize) -> Vec<(String, String)> {
    for _ in 0..500 {
        if seen.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    seen.lock().unwrap().clone()
}

/// Connections that register `applicationCreated` webhooks pointing at `base`'s route.
fn registering(store: SqlStore, sim: &Simulator, base: &str) -> Connections {
    Connections::builder()
        .store(store)
        .keyring(common::keyring())
        .base_url(sim.base_url())
        .webhooks(WebhookSetup::new(
            format!("{base}/lever/webhooks"),
            ["applicationCreated"],
        ))
        .configure_clients(|b| b.no_rate_limit())
        .build()
        .unwrap()
}

async fn webhooks(db: common::Db) {
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let acme = sim.add_account("acme").unwrap();
    let globex = sim.add_account("globex").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (store, guard) = common::store(db).await;
    let conns = registering(store.clone(), &sim, &base);
    let seen: Seen = Arc::default();
    let mut dispatcher = Dispatcher::new();
    let record = seen.clone();
    dispatcher.on(Trigger::CandidateCreated, move |event| {
        let record = record.clone();
        async move {
            record
                .lock()
                .unwrap()
                .push((event.account.clone(), event.dedup_key.clone()));
            Ok::<(), HandlerError>(())
        }
    });
    let inbox = Inbox::new(store.clone());
    let app = axum::Router::new().nest(
        "/lever/webhooks",
        webhook_routes(conns.clone(), inbox.clone()),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    tokio::spawn(async move {
        inbox
            .run(
                &dispatcher,
                Duration::from_millis(50),
                std::future::pending::<()>(),
            )
            .await
    });

    conns
        .connect_api_key("customer-a", acme.api_key.clone())
        .await
        .unwrap();
    conns
        .connect_api_key("customer-b", globex.api_key.clone())
        .await
        .unwrap();
    let sim_a = sim.account("acme").unwrap();
    assert_eq!(sim_a.list("Webhook").len(), 1, "registered in acme's Lever");
    assert_eq!(sim.account("globex").unwrap().list("Webhook").len(), 1);

    // A change in each account reaches the route under that account, verified with its token.
    let a = conns.client("customer-a").await.unwrap();
    let b = conns.client("customer-b").await.unwrap();
    apply(&a, &sim_a.default_user_id().unwrap(), "Ada").await;
    apply(
        &b,
        &sim.account("globex").unwrap().default_user_id().unwrap(),
        "Bob",
    )
    .await;
    let got = wait_for(&seen, 2).await;
    let mut accounts: Vec<&str> = got.iter().map(|(a, _)| a.as_str()).collect();
    accounts.sort();
    assert_eq!(accounts, ["customer-a", "customer-b"]);

    // Replaying a delivered body: 200, handlers not run again (dedup in the store).
    // The simulator records a delivery once it has read our 200, which can be just after the
    // inbox already ran the handler: wait for the record.
    let mut delivery = None;
    for _ in 0..500 {
        delivery = sim_a.deliveries().into_iter().find(|d| d.success);
        if delivery.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delivery = delivery.expect("a delivery to acme's webhook");
    let http = reqwest::Client::new();
    let url = format!("{base}/lever/webhooks/customer-a");
    let body = serde_json::to_vec(&delivery.body).unwrap();
    let replay = http.post(&url).body(body.clone()).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::OK);
    let status = Inbox::new(store.clone()).status().await.unwrap();
    assert_eq!(
        status.done + status.pending + status.in_flight,
        2,
        "one row per delivery"
    );
    assert_eq!(seen.lock().unwrap().len(), 2);
    // … also through another process's view of the same store.
    let other = Connections::builder()
        .store(common::store_again(&guard).await)
        .keyring(common::keyring())
        .base_url(sim.base_url())
        .build()
        .unwrap();
    assert!(other.verifier("customer-a").await.unwrap().is_some());

    // customer-a's delivery posted under customer-b does not verify with b's token.
    let cross = http
        .post(format!("{base}/lever/webhooks/customer-b"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::UNAUTHORIZED);
    let unknown = http
        .post(format!("{base}/lever/webhooks/nobody"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // Signature tokens are sealed at rest.
    let token = sim_a.list("Webhook")[0]
        .pointer("/configuration/signatureToken")
        .and_then(|t| t.as_str())
        .map(str::to_owned);
    let dumped = dump_webhooks(&store).await;
    if let Some(token) = token {
        assert!(!dumped.contains(&token));
    }

    // Another process re-registers customer-b's webhooks (new signature tokens). The route
    // caches each account's verifier; a delivery its cached tokens refuse is checked against
    // the store once more, so the new token's deliveries are accepted at once.
    let before = sim.account("globex").unwrap().list("Webhook");
    registering(common::store_again(&guard).await, &sim, &base)
        .register_webhooks("customer-b")
        .await
        .unwrap();
    let after = sim.account("globex").unwrap().list("Webhook");
    assert_eq!(after.len(), 1);
    assert_ne!(
        before[0]["id"], after[0]["id"],
        "a new webhook, with its own token"
    );
    apply(
        &b,
        &sim.account("globex").unwrap().default_user_id().unwrap(),
        "Cy",
    )
    .await;
    let got = wait_for(&seen, 3).await;
    assert_eq!(
        got.len(),
        3,
        "the delivery signed with the new token was handled"
    );
    assert_eq!(got[2].0, "customer-b");

    // Disconnect deletes the account's webhooks in Lever and in the store, and the route
    // forgets its cached verifier at once: the replayed body is refused.
    conns.disconnect("customer-a").await.unwrap();
    assert!(sim_a.list("Webhook").is_empty());
    assert!(conns.verifier("customer-a").await.unwrap().is_none());
    let after_disconnect = http.post(&url).body(body.clone()).send().await.unwrap();
    assert_eq!(after_disconnect.status(), StatusCode::NOT_FOUND);
    assert_eq!(sim.account("globex").unwrap().list("Webhook").len(), 1);
}

async fn dump_webhooks(store: &SqlStore) -> String {
    use sqlx::Row as _;
    let rows = sqlx::query("SELECT sealed_token FROM lever_webhooks")
        .fetch_all(store.pool())
        .await
        .unwrap();
    rows.iter()
        .map(|r| String::from_utf8_lossy(&r.get::<Vec<u8>, _>(0)).into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_webhooks_on_sqlite() {
    webhooks(common::Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_webhooks_on_postgres() {
    webhooks(common::Db::Postgres).await;
}
