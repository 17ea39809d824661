//! Traces and metrics: each request span records its fields once (attempts, status, account),
//! passthrough spans show the path as written, and `on_response` sees every call.

mod common;

use std::sync::{Arc, Mutex};

use common::{Reply, Scripted};
use lever_client::{Client, Method, RequestMetrics};
use serde_json::json;

#[tokio::test]
async fn spans_record_each_field_once_and_hooks_see_every_call() {
    let (capture, subscriber) = common::logs::Logs::subscriber(tracing::Level::DEBUG);
    let _guard = tracing::subscriber::set_default(subscriber);

    let s = Scripted::new();
    s.on(
        "/v1/postings",
        vec![
            Reply::json(503, json!({"code": "Busy", "message": "later"})),
            Reply::json(200, json!({"data": [], "hasNext": false})),
        ],
    );
    s.on(
        "/v1/opportunities/o-1/notes",
        vec![Reply::json(200, json!({"data": []}))],
    );
    let seen: Arc<Mutex<Vec<RequestMetrics>>> = Arc::default();
    let record = seen.clone();
    let client = Client::builder()
        .api_key("k")
        .base_url(s.start().await)
        .no_rate_limit()
        .retry(common::fast_retry())
        .account("customer-42")
        .on_response(move |m| record.lock().unwrap().push(m.clone()))
        .build()
        .unwrap();
    client.postings().list().send().await.unwrap();
    client
        .request(Method::GET, "/opportunities/:opportunity/notes")
        .path_param("opportunity", "o-1")
        .send()
        .await
        .unwrap();

    let logs = capture.text();
    let closes: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("lever.request{") && l.contains(": close"))
        .collect();
    assert_eq!(closes.len(), 2, "{logs}");
    for line in &closes {
        assert_eq!(line.matches("attempts=").count(), 1, "{line}");
        assert!(
            !line.contains("attempt="),
            "no per-attempt field on the span: {line}"
        );
        assert!(line.contains("account=customer-42"), "{line}");
    }
    assert!(
        closes[0].contains("attempts=2") && closes[0].contains("status=200"),
        "{}",
        closes[0]
    );
    assert!(
        closes[1].contains("path=/opportunities/:opportunity/notes"),
        "the template, not (raw): {}",
        closes[1]
    );

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].path, "/postings");
    assert_eq!(seen[0].attempts, 2);
    assert_eq!(seen[0].status.map(|s| s.as_u16()), Some(200));
    assert!(seen[0].ok);
    assert_eq!(seen[1].account.as_deref(), Some("customer-42"));
}

#[tokio::test]
async fn streams_show_a_span_per_page_with_the_running_item_count() {
    use futures::TryStreamExt as _;
    let (capture, subscriber) = common::logs::Logs::subscriber(tracing::Level::DEBUG);
    let _guard = tracing::subscriber::set_default(subscriber);
    let s = Scripted::new();
    s.on(
        "/v1/postings",
        vec![
            Reply::json(
                200,
                json!({"data": [{"id": "a"}, {"id": "b"}], "hasNext": true, "next": "t1"}),
            ),
            Reply::json(200, json!({"data": [{"id": "c"}], "hasNext": false})),
        ],
    );
    let client = common::api_key_client(&s.start().await);
    let items: Vec<serde_json::Value> = client
        .stream_items(common::get("/postings"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    let logs = capture.text();
    let pages: Vec<&str> = logs
        .lines()
        .filter(|l| {
            l.contains("lever.page{") && !l.contains("lever.request") && l.contains(": close")
        })
        .collect();
    assert_eq!(pages.len(), 2, "{logs}");
    assert!(
        pages[0].contains("page=1 items_before=0 items=2"),
        "{}",
        pages[0]
    );
    assert!(
        pages[1].contains("page=2 items_before=2 items=1"),
        "{}",
        pages[1]
    );
}

#[tokio::test]
async fn each_poll_of_a_list_has_a_span_with_the_account() {
    use lever_client::triggers::{Dispatcher, MemoryStore, Poller, Trigger};
    let (capture, subscriber) = common::logs::Logs::subscriber(tracing::Level::INFO);
    let _guard = tracing::subscriber::set_default(subscriber);
    let s = Scripted::new();
    s.on(
        "/v1/postings",
        vec![Reply::json(200, json!({"data": [], "hasNext": false}))],
    );
    let client = common::api_key_client(&s.start().await);
    let poller = Poller::new(client, "customer-7", MemoryStore::new(), Dispatcher::new())
        .trigger(Trigger::PostingCreated)
        .unwrap()
        .trigger(Trigger::PostingUpdated)
        .unwrap();
    assert!(poller.poll_once().await.is_ok());
    let logs = capture.text();
    let polls: Vec<&str> = logs
        .lines()
        .filter(|l| {
            l.contains("lever.poll{") && !l.contains("lever.request") && l.contains(": close")
        })
        .collect();
    assert_eq!(polls.len(), 1, "both triggers share one list: {logs}");
    assert!(polls[0].contains("account=customer-7"), "{}", polls[0]);
    assert!(polls[0].contains("list=/postings"), "{}", polls[0]);
}
