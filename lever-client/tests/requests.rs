//! Retries, errors, decoding and the passthrough API against a real loopback server.

mod common;

use std::time::{Duration, Instant};

use common::{api_key_client, get, post, Reply, Scripted};
use lever_client::__private::{ApiRequest, Body};
use lever_client::error::{Found, JsonKind};
use lever_client::{Error, FilePart, Method, RetryPolicy, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

fn ok(data: Value) -> Reply {
    Reply::json(200, json!({ "data": data }))
}

#[tokio::test]
async fn retries_429_honouring_retry_after() {
    let s = Scripted::new();
    s.on(
        "/v1/limited",
        vec![
            Reply::json(
                429,
                json!({"code": "TooManyRequests", "message": "slow down"}),
            )
            .header("retry-after", 1),
            ok(json!({"id": "x"})),
        ],
    );
    let client = api_key_client(&s.start().await);
    let start = Instant::now();
    let v: Value = client.send_data(get("/limited")).await.unwrap();
    let elapsed = start.elapsed();
    assert_eq!(v, json!({"id": "x"}));
    let hits = s.hits("/v1/limited");
    assert_eq!(hits.len(), 2);
    let gap = hits[1].at - hits[0].at;
    // The backoff alone would be ~10 ms; Retry-After asks for 1 s.
    assert!(gap >= Duration::from_millis(950), "gap {gap:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test]
async fn retries_503_for_get_until_success() {
    let s = Scripted::new();
    let unavailable = Reply::json(
        503,
        json!({"code": "ServiceUnavailable", "message": "maintenance"}),
    );
    s.on(
        "/v1/flaky",
        vec![unavailable.clone(), unavailable, ok(json!([1, 2]))],
    );
    let client = api_key_client(&s.start().await);
    let v: Vec<i32> = client.send_data(get("/flaky")).await.unwrap();
    assert_eq!(v, vec![1, 2]);
    assert_eq!(s.hits("/v1/flaky").len(), 3);
}

#[tokio::test]
async fn gives_up_after_max_attempts() {
    let s = Scripted::new();
    s.on(
        "/v1/down",
        vec![Reply::json(502, json!({"code": "BadGateway"}))],
    );
    let client = lever_client::Client::builder()
        .api_key("k")
        .base_url(s.start().await)
        .no_rate_limit()
        .retry(RetryPolicy {
            max_attempts: 3,
            ..common::fast_retry()
        })
        .build()
        .unwrap();
    let e = client.send_empty(get("/down")).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(e.is_retryable());
    assert_eq!(s.hits("/v1/down").len(), 3);
}

#[tokio::test]
async fn post_503_is_not_retried_but_post_429_is() {
    let s = Scripted::new();
    s.on(
        "/v1/create503",
        vec![
            Reply::json(
                503,
                json!({"code": "ServiceUnavailable", "message": "maintenance"}),
            ),
            ok(json!({"id": "never"})),
        ],
    );
    s.on(
        "/v1/create429",
        vec![
            Reply::json(
                429,
                json!({"code": "TooManyRequests", "message": "slow down"}),
            ),
            Reply::json(201, json!({"data": {"id": "created"}})),
        ],
    );
    let client = api_key_client(&s.start().await);

    let mut req = post("/create503");
    req.body = Body::json(&json!({"name": "Ada"})).unwrap();
    let e = client.send_data::<Value>(req).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(e.code(), Some("ServiceUnavailable"));
    assert_eq!(
        s.hits("/v1/create503").len(),
        1,
        "a POST that got 503 must not be repeated"
    );

    let mut req = post("/create429");
    req.body = Body::json(&json!({"name": "Ada"})).unwrap();
    let v: Value = client.send_data(req).await.unwrap();
    assert_eq!(v, json!({"id": "created"}));
    let hits = s.hits("/v1/create429");
    assert_eq!(
        hits.len(),
        2,
        "a POST that got 429 was not processed: retry"
    );
    assert_eq!(hits[1].body, hits[0].body, "the retry sends the same body");
    assert_eq!(&hits[1].body[..], br#"{"name":"Ada"}"#);
    assert_eq!(hits[1].headers["content-type"], "application/json");
}

#[tokio::test]
async fn client_errors_are_not_retried_and_keep_levers_code() {
    let s = Scripted::new();
    s.on(
        "/v1/bad",
        vec![Reply::json(
            400,
            json!({"code": "BadRequestError", "message": "Invalid value for perform_as"}),
        )],
    );
    s.on(
        "/v1/postings/missing",
        vec![Reply::json(
            404,
            json!({"code": "ResourceNotFound", "message": "Posting not found"}),
        )],
    );
    s.on(
        "/v1/html",
        vec![Reply {
            status: 500,
            headers: vec![("content-type", "text/html".into())],
            body: "<html><body>Internal error</body></html>".into(),
        }],
    );
    let client = api_key_client(&s.start().await);

    let e = client.send_data::<Value>(post("/bad")).await.unwrap_err();
    match &e {
        Error::Api {
            status,
            code,
            message,
            detail,
        } => {
            assert!(detail.is_none(), "Lever's own error body: nothing withheld");
            assert_eq!(*status, StatusCode::BAD_REQUEST);
            assert_eq!(code.as_deref(), Some("BadRequestError"));
            assert_eq!(message.as_deref(), Some("Invalid value for perform_as"));
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert!(!e.is_retryable());
    assert_eq!(s.hits("/v1/bad").len(), 1);

    let e = client
        .send_data::<Value>(get("/postings/missing"))
        .await
        .unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.code(), Some("ResourceNotFound"));
    assert_eq!(e.message(), Some("Posting not found"));
    assert_eq!(
        e.to_string(),
        "Lever API error 404 Not Found (ResourceNotFound): Posting not found"
    );
    assert_eq!(s.hits("/v1/postings/missing").len(), 1);

    // A 500 may come after Lever processed the request: a POST is not retried.
    let e = client.send_empty(post("/html")).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(e.code(), None);
    assert_eq!(
        e.message(),
        None,
        "a body not in Lever's format is not shown"
    );
    assert!(e.sensitive_detail().unwrap().contains("Internal error"));
    assert!(!e.to_string().contains("Internal error"), "{e}");
    assert_eq!(
        s.hits("/v1/html").len(),
        1,
        "a POST that got 500 is not retried"
    );
}

#[tokio::test]
async fn decode_error_carries_the_json_path() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Posting {
        id: String,
        #[serde(rename = "createdAt")]
        created_at: lever_client::Timestamp,
    }
    let s = Scripted::new();
    s.on(
        "/v1/postings",
        vec![Reply::json(
            200,
            json!({"data": [
                {"id": "a", "createdAt": 1},
                {"id": "b", "createdAt": "not a time"}
            ], "hasNext": false}),
        )],
    );
    let client = api_key_client(&s.start().await);
    let e = client
        .send_page::<Posting>(get("/postings"))
        .await
        .unwrap_err();
    let Error::Decode {
        path,
        expected,
        found,
        ..
    } = &e
    else {
        panic!("expected Decode, got {e:?}")
    };
    assert_eq!(path, "data[1].createdAt");
    assert_eq!(
        expected,
        "a millisecond timestamp (an integer or a numeric string)"
    );
    assert_eq!(*found, Found::InvalidValue(JsonKind::String));
    assert!(e.to_string().contains("data[1].createdAt"));
    assert!(!format!("{e} {e:?}").contains("not a time"), "{e} {e:?}");
    // The snippet: the start of the body, at most 200 characters and an ellipsis.
    let detail = e.sensitive_detail().unwrap();
    let (_, snippet) = detail.split_once("(body: ").unwrap();
    assert!(snippet.starts_with("{\"data\""), "{snippet}");
    assert!(snippet.chars().count() <= 201 + 1);
}

#[tokio::test]
async fn generated_models_report_the_json_path_too() {
    // The generated `Deserialize` (`object_serde!`) under `serde_path_to_error`.
    let s = Scripted::new();
    s.on(
        "/v1/postings",
        vec![Reply::json(
            200,
            json!({"data": [
                {"id": "a", "createdAt": 1},
                {"id": "b", "categories": {"team": 7}}
            ], "hasNext": false}),
        )],
    );
    let client = api_key_client(&s.start().await);
    let e = client.postings().list().send().await.unwrap_err();
    let Error::Decode { path, found, .. } = &e else {
        panic!("expected Decode, got {e:?}")
    };
    assert_eq!(path, "data[1].categories.team");
    assert_eq!(*found, Found::WrongKind(JsonKind::Number));
    let detail = e.sensitive_detail().unwrap();
    assert!(detail.contains("invalid type: integer `7`"), "{detail}");
}

#[tokio::test]
async fn envelopes_empty_bytes_and_path_encoding() {
    let s = Scripted::new();
    s.on(
        "/v1/opportunities",
        vec![Reply::json(
            201,
            json!({"deduped": true, "data": {"id": "opp1"}}),
        )],
    );
    s.on("/v1/postings/a%2Fb", vec![ok(json!({"id": "a/b"}))]);
    s.on(
        "/v1/webhooks/w1",
        vec![Reply {
            status: 204,
            headers: vec![],
            body: String::new(),
        }],
    );
    s.on(
        "/v1/postings/users",
        vec![Reply::json(
            200,
            json!({"posting": {"id": "p"}, "users": []}),
        )],
    );
    s.on(
        "/v1/files/f1/download",
        vec![Reply {
            status: 200,
            headers: vec![("content-type", "application/pdf".into())],
            body: "%PDF-1.4 fake".into(),
        }],
    );
    let client = api_key_client(&s.start().await);

    let mut req = post("/opportunities");
    req.query = vec![
        ("perform_as", "u 1".into()),
        ("expand", "a".into()),
        ("expand", "b".into()),
    ];
    let v: Value = client.send_data(req).await.unwrap();
    assert_eq!(v, json!({"id": "opp1"}), "extra top-level keys are ignored");
    let hit = &s.hits("/v1/opportunities")[0];
    assert_eq!(
        hit.query.as_deref(),
        Some("perform_as=u+1&expand=a&expand=b")
    );

    let path = format!(
        "/postings/{}",
        lever_client::__private::encode_path_segment("a/b")
    );
    let req = ApiRequest {
        method: Method::GET,
        path,
        path_template: "/postings/{posting}",
        query: vec![],
        body: Body::None,
    };
    let v: Value = client.send_data(req).await.unwrap();
    assert_eq!(v["id"], "a/b");

    client
        .send_empty(ApiRequest::new(
            Method::DELETE,
            "/webhooks/w1",
            "/webhooks/{webhook}",
        ))
        .await
        .unwrap();

    let raw: Value = client.send_raw(get("/postings/users")).await.unwrap();
    assert_eq!(raw["posting"]["id"], "p");

    let bytes = client.send_bytes(get("/files/f1/download")).await.unwrap();
    assert_eq!(&bytes[..], b"%PDF-1.4 fake");
}

#[tokio::test]
async fn multipart_upload_has_one_file_part() {
    let s = Scripted::new();
    s.on("/v1/uploads", vec![ok(json!({"uri": "https://x/u"}))]);
    let client = api_key_client(&s.start().await);
    let mut req = post("/uploads");
    req.body = Body::File(
        FilePart::new("cv.pdf", b"%PDF-1.4 resume".to_vec()).content_type("application/pdf"),
    );
    let v: Value = client.send_data(req).await.unwrap();
    assert_eq!(v["uri"], "https://x/u");
    let hit = &s.hits("/v1/uploads")[0];
    let ct = hit.headers["content-type"].to_str().unwrap();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    let body = String::from_utf8_lossy(&hit.body);
    assert!(
        body.contains(r#"Content-Disposition: form-data; name="file"; filename="cv.pdf""#),
        "{body}"
    );
    assert!(body.contains("Content-Type: application/pdf"), "{body}");
    assert!(body.contains("%PDF-1.4 resume"), "{body}");
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
            drop(socket);
        }
    });
    let client = lever_client::Client::builder()
        .api_key("k")
        .base_url(format!("http://{addr}/v1"))
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
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
            });
        }
    });
    let build = |key: &str| {
        lever_client::Client::builder()
            .api_key(key)
            .base_url(format!("http://{addr}/v1"))
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
