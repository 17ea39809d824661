//! `cargo bench -p lever-tests --bench inbox`: the durable webhook inbox's accept rate beside
//! a baseline measured in the same run, printed as one Markdown table row.
//!
//! | measurement | figure | baseline |
//! |---|---|---|
//! | webhook inbox, PostgreSQL | deliveries/s through `webhook_routes` (verify + dedup + persist + 200), 16 concurrent senders | a bare sqlx `INSERT` of the same rows, 16 concurrent |
//!
//! Needs PostgreSQL's binaries (a throwaway cluster) or `DATABASE_URL`.
//! `LEVER_BENCH_QUICK=1` sends fewer deliveries. Without `--bench` it only prints how to run it.

use std::time::Instant;

use futures::StreamExt as _;
use lever_connect::routes::webhook_routes;
use lever_connect::testing::TempPostgres;
use lever_connect::{Connections, Inbox, Keyring, SqlStore, Store as _, WebhookSetup};
use lever_sim::{SimConfig, Simulator};

const SENDERS: usize = 16;

fn keyring() -> Keyring {
    Keyring::new("bench", [9; 32])
}

async fn fresh_db(server: &str, name: &str) -> String {
    TempPostgres::create_database(server, name)
        .await
        .expect("create a database")
}

/// Deliveries/s accepted through the route (HTTP included, as Lever sees it), and the rows
/// it stored (dedup key, body) for the baseline.
async fn through_route(server: &str, n: usize) -> (f64, Vec<(String, Vec<u8>)>) {
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let acme = sim.add_account("acme").expect("account");
    let store = SqlStore::postgres(&fresh_db(server, "bench_inbox_route").await)
        .await
        .expect("store");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let conns = Connections::builder()
        .store(store.clone())
        .keyring(keyring())
        .base_url(sim.base_url())
        .webhooks(WebhookSetup::new(
            format!("{base}/hooks"),
            ["applicationCreated"],
        ))
        .configure_clients(|b| b.no_rate_limit())
        .build()
        .expect("connections");
    conns
        .connect_api_key("bench", acme.api_key.clone())
        .await
        .expect("connect");
    // The bench signs its own deliveries with the webhook's token, opened from the store the
    // way the route does (the context is lever-connect's sealing context, src/secrets.rs).
    let hook = store
        .webhooks("bench")
        .await
        .expect("webhooks")
        .pop()
        .expect("a registered webhook");
    let context = format!("lever-connect/webhook/bench/{}", hook.webhook_id);
    let token = String::from_utf8(
        keyring()
            .open(context.as_bytes(), &hook.sealed_token)
            .expect("open the signature token"),
    )
    .expect("a UTF-8 token");
    let data = serde_json::json!({"opportunityId": "o1", "candidateId": "o1", "contactId": "c1"});
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|_| {
            lever_client::webhooks::signed_delivery(&token, "applicationCreated", data.clone())
        })
        .collect();
    let app = axum::Router::new().nest("/hooks", webhook_routes(conns, Inbox::new(store)));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let url = format!("{base}/hooks/bench");
    let start = Instant::now();
    let ok = futures::stream::iter(bodies.iter().cloned())
        .map(|body| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                http.post(&url)
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }
        })
        .buffer_unordered(SENDERS)
        .filter(|r| futures::future::ready(matches!(r, Ok(200))))
        .count()
        .await;
    let elapsed = start.elapsed();
    assert_eq!(ok, bodies.len(), "every delivery answered 200");
    let rows = bodies
        .iter()
        .map(|b| {
            let key = lever_client::webhooks::parse(b)
                .ok()
                .and_then(|e| e.dedup_key())
                .map(|k| k.to_string())
                .expect("dedup key");
            (key, b.clone())
        })
        .collect();
    (bodies.len() as f64 / elapsed.as_secs_f64(), rows)
}

/// Rows/s of a bare INSERT of the same rows into the same table, same pool size.
async fn bare_insert(server: &str, rows: &[(String, Vec<u8>)]) -> f64 {
    let store = SqlStore::postgres(&fresh_db(server, "bench_inbox_bare").await)
        .await
        .expect("store");
    let pool = store.pool().clone();
    let start = Instant::now();
    futures::stream::iter(rows.iter().cloned())
        .map(|(key, body)| {
            let pool = pool.clone();
            async move {
                sqlx::query(
                    "INSERT INTO lever_webhook_inbox (dedup_key, account, body, state, attempts, \
                     next_attempt_at, received_at, updated_at) \
                     VALUES ($1, 'bench', $2, 'pending', 0, 0, 0, 0)",
                )
                .bind(key)
                .bind(body)
                .execute(&pool)
                .await
                .expect("insert")
            }
        })
        .buffer_unordered(SENDERS)
        .count()
        .await;
    rows.len() as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("inbox: a benchmark; run it with `cargo bench -p lever-tests --bench inbox`");
        return;
    }
    let n = if std::env::var_os("LEVER_BENCH_QUICK").is_some() {
        500
    } else {
        5_000
    };
    let (server, _guard) = match TempPostgres::url_or_start() {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("[inbox] skipped: no PostgreSQL ({e})");
            return;
        }
    };
    let (figure, rows) = through_route(&server, n).await;
    let baseline = bare_insert(&server, &rows).await;
    let ratio = figure / baseline;
    println!("| measurement | figure | baseline | ratio | target | met? |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| webhook inbox, PostgreSQL: {n} deliveries accepted (verify + dedup + persist + 200), {SENDERS} senders | {figure:.0}/s | {baseline:.0}/s (bare sqlx `INSERT`, same rows) | {ratio:.2}× | ≥ 0.5× | {} |",
        if ratio >= 0.5 { "yes" } else { "**no**" }
    );
}
