//! Retries, errors, decoding and request bodies against a real loopback server. The
//! passthrough API and the HTTP layer are in `requests_http.rs`.

mod common;

use common::sending::SendAs as _;

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

/// `.send()` returns a `ResponseFuture` that owns its request: it can be spawned after the
/// builder and the client are gone, and it sends nothing until it is polled.
#[tokio::test]
async fn a_send_future_is_owned_lazy_and_spawnable() {
    let s = Scripted::new();
    s.on(
        "/v1/postings/p1",
        vec![ok(json!({"id": "p1", "text": "Rust Engineer"}))],
    );
    let client = api_key_client(&s.start().await);
    let future: lever_client::ResponseFuture<lever_client::models::Posting> =
        client.postings().get("p1").send();
    drop(client);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        s.hits("/v1/postings/p1").is_empty(),
        "sent before it was polled"
    );
    let posting = tokio::spawn(future).await.unwrap().unwrap();
    assert_eq!(posting.id.as_str(), "p1");
    assert_eq!(posting.text.as_deref(), Some("Rust Engineer"));
    assert_eq!(s.hits("/v1/postings/p1").len(), 1);
}
