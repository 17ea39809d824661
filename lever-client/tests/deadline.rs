//! The overall deadline of a call: it bounds rate-limit waits, retries and their delays,
//! and the last attempt, beside the per-attempt timeout.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{Reply, Scripted};
use lever_client::{Client, Error, Method, RateLimit, RetryPolicy};
use serde_json::json;

fn patient_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_secs(5),
        max_delay: Duration::from_secs(60),
        jitter: 0.0,
    }
}

#[tokio::test]
async fn a_retry_that_would_start_past_the_deadline_is_not_made() {
    let s = Scripted::new();
    s.on(
        "/v1/users",
        vec![
            Reply::json(503, json!({"code": "Unavailable", "message": "busy"}))
                .header("retry-after", 30),
        ],
    );
    let client = Client::builder()
        .api_key("k")
        .base_url(s.start().await)
        .no_rate_limit()
        .retry(patient_retries())
        .deadline(Some(Duration::from_secs(2)))
        .build()
        .unwrap();
    let e = client
        .request(Method::GET, "/users")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503), "{e:?}");
    assert_eq!(s.hits("/v1/users").len(), 1, "no retry 30 s later");
}

/// A server that accepts connections and never answers.
async fn silent_server() -> (String, Arc<AtomicUsize>) {
    common::raw_server(|socket| async move {
        std::future::pending::<()>().await;
        drop(socket);
    })
    .await
}

/// A client on `base` with no overall deadline of its own (a request or a builder sets one).
fn without_deadline(base: String) -> Client {
    Client::builder()
        .api_key("k")
        .base_url(base)
        .no_rate_limit()
        .deadline(None)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_silent_server_runs_into_the_deadline_not_into_four_timeouts() {
    let (base, accepted) = silent_server().await;
    let client = Client::builder()
        .api_key("k")
        .base_url(base)
        .no_rate_limit()
        .timeout(Duration::from_secs(60))
        .retry(patient_retries())
        .deadline(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let e = client
        .request(Method::GET, "/users")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Deadline { after } if after == Duration::from_millis(300)),
        "{e:?}"
    );
    assert!(e.is_retryable());
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_per_request_deadline_overrides_the_clients() {
    let (base, _) = silent_server().await;
    let client = without_deadline(base);
    let e = client
        .request(Method::GET, "/users")
        .deadline(Some(Duration::from_millis(200)))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Deadline { .. }), "{e:?}");
}

#[tokio::test]
async fn a_rate_limit_wait_longer_than_the_deadline_fails_without_sending() {
    let s = Scripted::new();
    s.on("/v1/users", vec![Reply::json(200, json!({"data": []}))]);
    let client = Client::builder()
        .api_key("k")
        .base_url(s.start().await)
        .rate_limit(RateLimit::new(0.5, 1))
        .deadline(Some(Duration::from_millis(500)))
        .build()
        .unwrap();
    client.request(Method::GET, "/users").send().await.unwrap();
    let e = client
        .request(Method::GET, "/users")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Deadline { .. }), "{e:?}");
    assert_eq!(
        s.hits("/v1/users").len(),
        1,
        "the second call was never sent"
    );
}

#[tokio::test]
async fn a_typed_builder_deadline_overrides_the_clients_both_ways() {
    let s = Scripted::new();
    s.on(
        "/v1/users",
        vec![
            Reply::json(503, json!({"code": "Unavailable", "message": "busy"}))
                .header("retry-after", 1),
            Reply::json(200, json!({"data": [], "hasNext": false})),
        ],
    );
    let client = Client::builder()
        .api_key("k")
        .base_url(s.start().await)
        .no_rate_limit()
        .retry(patient_retries())
        .deadline(Some(Duration::from_millis(300)))
        .build()
        .unwrap();

    // A longer deadline on the builder lets the retry one second later happen.
    let page = client
        .users()
        .list()
        .deadline(Some(Duration::from_secs(20)))
        .send()
        .await
        .unwrap();
    assert!(page.data.is_empty());
    assert_eq!(s.hits("/v1/users").len(), 2);
    assert_eq!(client.deadline(), Some(Duration::from_millis(300)));
}

#[tokio::test]
async fn a_shorter_deadline_on_a_builder_or_a_client_copy_bounds_typed_calls_and_streams() {
    use futures::StreamExt as _;
    let (base, accepted) = silent_server().await;
    let client = without_deadline(base);
    let e = client
        .users()
        .list()
        .deadline(Some(Duration::from_millis(200)))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Deadline { after } if after == Duration::from_millis(200)),
        "{e:?}"
    );

    let hurried = client.with_deadline(Some(Duration::from_millis(150)));
    assert_eq!(hurried.deadline(), Some(Duration::from_millis(150)));
    assert_eq!(client.deadline(), None, "the original keeps its deadline");
    let first = hurried.users().list().stream().next().await.unwrap();
    assert!(
        matches!(first, Err(Error::Deadline { after }) if after == Duration::from_millis(150)),
        "{first:?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}
