//! The passthrough API and the HTTP layer against a real loopback server: path templates,
//! transport errors, an app-supplied reqwest client, response metadata, the connection pool.

mod common;

use common::sending::SendAs as _;

use std::time::{Duration, Instant};

use common::{api_key_client, post, Reply, Scripted};
use lever_client::{Error, Method, RetryPolicy, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

fn ok(data: Value) -> Reply {
    Reply::json(200, json!({ "data": data }))
}

#[tokio::test]
async fn passthrough_requests() {
    let s = Scripted::new();
    s.on("/v1/anything", vec![ok(json!({"echo": true}))]);
    s.on(
        "/v1/gone",
        vec![Reply {
            status: 204,
            headers: vec![],
            body: String::new(),
        }],
    );
    let client = api_key_client(&s.start().await);

    #[derive(serde::Serialize)]
    struct Q {
        limit: u32,
        expand: Vec<&'static str>,
        offset: Option<String>,
    }
    let v = client
        .request(Method::PUT, "/anything")
        .query(&Q {
            limit: 5,
            expand: vec!["owner", "stage"],
            offset: None,
        })
        .query_pair("perform_as", "user 1")
        .json(&json!({"a": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(v, json!({"data": {"echo": true}}));
    let hit = &s.hits("/v1/anything")[0];
    assert_eq!(hit.method, "PUT");
    let mut q: Vec<&str> = hit.query.as_deref().unwrap().split('&').collect();
    q.sort();
    assert_eq!(
        q,
        vec![
            "expand=owner",
            "expand=stage",
            "limit=5",
            "perform_as=user+1"
        ]
    );
    assert_eq!(&hit.body[..], br#"{"a":1}"#);

    #[derive(Deserialize, PartialEq, Debug)]
    struct Echo {
        data: Value,
    }
    let typed: Echo = client
        .request(Method::GET, "anything")
        .send_as()
        .await
        .unwrap();
    assert_eq!(typed.data, json!({"echo": true}));

    let v = client
        .request(Method::DELETE, "/gone")
        .send()
        .await
        .unwrap();
    assert_eq!(v, Value::Null);

    let e = client
        .request(Method::GET, "/nowhere")
        .send()
        .await
        .unwrap_err();
    assert!(e.is_not_found());

    let e = client
        .request(Method::GET, "/anything")
        .query(&3)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e}");
}

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    // Reserve a port, then close it so connecting is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = lever_client::Client::builder()
        .api_key("k")
        .base_url(format!("http://{addr}/v1"))
        .no_rate_limit()
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(50),
            jitter: 0.0,
        })
        .build()
        .unwrap();
    let start = Instant::now();
    // POST: a refused connection certainly did not deliver the request, so it is retried.
    let e = client.send_data::<Value>(post("/x")).await.unwrap_err();
    let Error::Transport(transport) = &e else {
        panic!("a transport error: {e:?}");
    };
    assert_eq!(transport.kind(), lever_client::TransportKind::Connect);
    assert!(transport.is_connect() && transport.is_transient());
    // The HTTP library's error is reachable only as `dyn Error`.
    assert!(std::error::Error::source(transport).is_some());
    assert!(e.is_retryable());
    assert!(
        start.elapsed() >= Duration::from_millis(100),
        "two 50 ms backoffs before giving up: {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_dropped_connection_that_the_client_retried_is_retryable_for_the_caller_too() {
    // A server that reads each request and hangs up without answering.
    let (base, accepted) = common::raw_server(|mut socket| async move {
        let mut buf = [0u8; 4096];
        let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
        drop(socket);
    })
    .await;
    let client = lever_client::Client::builder()
        .api_key("k")
        .base_url(base)
        .no_rate_limit()
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            jitter: 0.0,
        })
        .build()
        .unwrap();
    let e = client
        .send_data::<Value>(common::get("/x"))
        .await
        .unwrap_err();
    let Error::Transport(transport) = &e else {
        panic!("a transport error: {e:?}");
    };
    assert!(
        !transport.is_connect(),
        "connected, then lost: {transport:?}"
    );
    assert!(transport.is_transient());
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "the client retried the GET"
    );
    assert!(
        e.is_retryable(),
        "the client retried it, so the caller may too"
    );
}

#[tokio::test]
async fn passthrough_path_templates_are_filled_before_sending() {
    let s = Scripted::new();
    s.on(
        "/v1/opportunities/opp%2F1/notes",
        vec![Reply::json(200, json!({"data": []}))],
    );
    let client = lever_client::Client::builder()
        .api_key("k")
        .base_url(s.start().await)
        .no_rate_limit()
        .build()
        .unwrap();
    client
        .request(Method::GET, "/opportunities/:opportunity/notes")
        .path_param("opportunity", "opp/1")
        .send()
        .await
        .unwrap();
    assert_eq!(s.hits("/v1/opportunities/opp%2F1/notes").len(), 1);
    // A template left unfilled is refused before anything is sent.
    let e = client
        .request(Method::GET, "/opportunities/{opportunity}/notes")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    assert_eq!(s.hits("/v1/opportunities/opp%2F1/notes").len(), 1);
}

#[tokio::test]
async fn an_app_supplied_http_client_is_used_with_our_headers() {
    let s = Scripted::new();
    s.on("/v1/users", vec![Reply::json(200, json!({"data": []}))]);
    let mut headers = lever_client::reqwest::header::HeaderMap::new();
    headers.insert("x-through-proxy", "yes".parse().unwrap());
    let http = lever_client::reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = lever_client::Client::builder()
        .api_key("k")
        .base_url(s.start().await)
        .no_rate_limit()
        .user_agent("my-app/2")
        .http_client(http)
        .build()
        .unwrap();
    client.request(Method::GET, "/users").send().await.unwrap();
    let hit = &s.hits("/v1/users")[0];
    assert_eq!(hit.headers["x-through-proxy"], "yes");
    assert_eq!(hit.headers["user-agent"], "my-app/2");
    assert_eq!(hit.headers["accept"], "application/json");
    assert!(hit.headers["authorization"]
        .to_str()
        .unwrap()
        .starts_with("Basic "));
}

#[tokio::test]
async fn send_with_meta_returns_status_and_headers_beside_the_body() {
    let s = Scripted::new();
    s.on(
        "/v1/postings",
        vec![Reply::json(200, json!({"data": [], "hasNext": false}))
            .header("x-ratelimit-remaining", 17)],
    );
    s.on(
        "/v1/users/u1",
        vec![
            Reply::json(200, json!({"data": {"id": "u1", "name": "Ada"}}))
                .header("x-request-id", "r-9"),
        ],
    );
    let client = api_key_client(&s.start().await);
    let user = client.users().get("u1").send_with_meta().await.unwrap();
    assert_eq!(user.headers["x-request-id"], "r-9");
    assert_eq!(user.body.id.as_str(), "u1");
    let response = client.postings().list().send_with_meta().await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers["x-ratelimit-remaining"], "17");
    assert!(response.body.data.is_empty());
    assert!(!response.into_body().has_next);
}

#[tokio::test]
async fn clients_built_alike_share_one_connection_pool() {
    // A keep-alive HTTP/1.1 server that counts the connections it accepts.
    let (base, accepted) = common::raw_server(|mut socket| async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut buf = [0u8; 4096];
        while let Ok(n) = socket.read(&mut buf).await {
            if n == 0 {
                return;
            }
            let body = r#"{"data":{"id":"x"}}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            if socket.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let build = |key: &str| {
        lever_client::Client::builder()
            .api_key(key)
            .base_url(base.clone())
            .user_agent("pool-sharing-test")
            .no_rate_limit()
            .build()
            .unwrap()
    };
    let (first, second) = (build("key-a"), build("key-b"));
    first.send_data::<Value>(common::get("/x")).await.unwrap();
    second.send_data::<Value>(common::get("/x")).await.unwrap();
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the second client reused the first one's connection"
    );
}
