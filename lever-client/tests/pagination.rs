//! `stream_items` follows opaque `next` tokens across pages.

mod common;

use common::sending::SendAs as _;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use futures::StreamExt;
use lever_client::{Error, Page, PaginationStop};
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};

const TOTAL: usize = 8;
const PER_PAGE: usize = 3;

#[derive(Clone, Default)]
struct Seen {
    offsets: Arc<Mutex<Vec<Option<String>>>>,
    queries: Arc<Mutex<Vec<HashMap<String, String>>>>,
    fail_page: Option<usize>,
}

/// Lever-style token: URL-encoded JSON `[sortKey, timestamp, id]`.
fn token(index: usize) -> String {
    let raw = json!([
        index,
        1491435120000i64 + index as i64,
        format!("uuid-{index}")
    ])
    .to_string();
    utf8_percent_encode(&raw, NON_ALPHANUMERIC).to_string()
}

async fn list(
    State(seen): State<Seen>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, (axum::http::StatusCode, Json<Value>)> {
    let offset = q
        .iter()
        .find(|(k, _)| k == "offset")
        .map(|(_, v)| v.clone());
    let page_no = seen.offsets.lock().unwrap().len();
    seen.offsets.lock().unwrap().push(offset.clone());
    seen.queries
        .lock()
        .unwrap()
        .push(q.iter().cloned().collect());
    if seen.fail_page == Some(page_no) {
        // A 400 is not retried, so the stream must yield it and end.
        return Err((
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"code": "InvalidOffset", "message": "boom"})),
        ));
    }
    let start = match offset {
        None => 0,
        Some(t) => {
            let decoded = percent_decode_str(&t).decode_utf8().unwrap();
            let v: Value = serde_json::from_str(&decoded).expect("the token came back unchanged");
            v[0].as_u64().unwrap() as usize
        }
    };
    let end = (start + PER_PAGE).min(TOTAL);
    let data: Vec<Value> = (start..end)
        .map(|i| json!({"id": format!("item-{i}")}))
        .collect();
    let mut body = json!({"data": data, "hasNext": end < TOTAL});
    if end < TOTAL {
        body["next"] = json!(token(end)); // absent on the last page, like Lever
    }
    Ok(Json(body))
}

async fn start(seen: Seen) -> lever_client::Client {
    let base = common::serve(
        Router::new()
            .route("/v1/postings", get(list))
            .with_state(seen),
    )
    .await;
    common::api_key_client(&base)
}

fn request() -> lever_client::__private::ApiRequest {
    let mut req = common::get("/postings");
    req.query = vec![
        ("limit", PER_PAGE.to_string()),
        ("expand", "owner".into()),
        ("offset", "stale-offset-from-caller".into()),
    ];
    req
}

#[tokio::test]
async fn stream_yields_every_item_once_in_order() {
    let seen = Seen::default();
    // Drop the caller's offset to start from the first page.
    let client = start(seen.clone()).await;
    let mut req = request();
    req.query.retain(|(k, _)| *k != "offset");

    let items: Vec<Value> = client
        .stream_items::<Value>(req)
        .map(|r| r.unwrap())
        .collect()
        .await;
    let ids: Vec<String> = items
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..TOTAL).map(|i| format!("item-{i}")).collect();
    assert_eq!(ids, expected);

    let offsets = seen.offsets.lock().unwrap().clone();
    assert_eq!(offsets, vec![None, Some(token(3)), Some(token(6))]);
    for q in seen.queries.lock().unwrap().iter() {
        assert_eq!(q["limit"], "3", "other query parameters are kept: {q:?}");
        assert_eq!(q["expand"], "owner");
    }
}

#[tokio::test]
async fn next_replaces_existing_offset() {
    let seen = Seen::default();
    let client = start(seen.clone()).await;
    // The caller's offset is used for the first request, then replaced (never duplicated).
    let mut req = request();
    req.query.retain(|(k, _)| *k != "offset");
    req.query.push(("offset", token(3)));
    let n = client
        .stream_items::<Value>(req)
        .filter_map(|r| async move { r.ok() })
        .count()
        .await;
    assert_eq!(n, TOTAL - 3);
    assert_eq!(
        seen.offsets.lock().unwrap().clone(),
        vec![Some(token(3)), Some(token(6))]
    );
}

#[tokio::test]
async fn error_mid_stream_is_yielded_then_ends() {
    let seen = Seen {
        fail_page: Some(1),
        ..Seen::default()
    };
    let client = start(seen.clone()).await;
    let mut req = request();
    req.query.retain(|(k, _)| *k != "offset");
    let results: Vec<Result<Value, Error>> = client.stream_items(req).collect().await;
    assert_eq!(results.len(), PER_PAGE + 1);
    assert!(results[..PER_PAGE].iter().all(Result::is_ok));
    let e = results[PER_PAGE].as_ref().unwrap_err();
    assert_eq!(e.code(), Some("InvalidOffset"));
    assert_eq!(
        seen.offsets.lock().unwrap().len(),
        2,
        "no request after the error"
    );
}

#[tokio::test]
async fn send_page_returns_one_page() {
    let seen = Seen::default();
    let client = start(seen).await;
    let mut req = request();
    req.query.retain(|(k, _)| *k != "offset");
    let page: Page<Value> = client.send_page(req).await.unwrap();
    assert_eq!(page.data.len(), PER_PAGE);
    assert!(page.has_next);
    assert_eq!(page.next.as_deref(), Some(token(3).as_str()));
}

// ------------------------------------------------------------------ lists that never end

/// A list server whose `next` tokens are chosen by `next_token(offset)`; every page holds one
/// item named after the offset it answered. After `give_up_after` requests it answers 400, so
/// a client that never stops on its own still ends (with the wrong error) instead of hanging.
#[derive(Clone)]
struct Endless {
    offsets: Arc<Mutex<Vec<Option<String>>>>,
    next_token: fn(Option<&str>) -> String,
    /// The request whose page is the last (`hasNext: false`), if any.
    last_page: Option<usize>,
    give_up_after: usize,
}

async fn endless_list(
    State(server): State<Endless>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, (axum::http::StatusCode, Json<Value>)> {
    let offset = q
        .iter()
        .find(|(k, _)| k == "offset")
        .map(|(_, v)| v.clone());
    let requests = {
        let mut offsets = server.offsets.lock().unwrap();
        offsets.push(offset.clone());
        offsets.len()
    };
    if requests > server.give_up_after {
        return Err((
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"code": "TestServerGaveUp", "message": "the client never stopped"})),
        ));
    }
    let item = json!({"id": offset.clone().unwrap_or_else(|| "first".into())});
    if server.last_page == Some(requests) {
        return Ok(Json(json!({"data": [item], "hasNext": false})));
    }
    Ok(Json(json!({
        "data": [item],
        "hasNext": true,
        "next": (server.next_token)(offset.as_deref()),
    })))
}

async fn start_endless(server: Endless) -> lever_client::Client {
    let base = common::serve(
        Router::new()
            .route("/v1/postings", get(endless_list))
            .with_state(server),
    )
    .await;
    common::api_key_client(&base)
}

/// A, B, A, B, ...
fn cycling(offset: Option<&str>) -> String {
    match offset {
        Some("A") => "B".into(),
        _ => "A".into(),
    }
}

/// 1, 2, 3, ...: never repeats.
fn counting(offset: Option<&str>) -> String {
    let n: u64 = offset.and_then(|o| o.parse().ok()).unwrap_or(0);
    (n + 1).to_string()
}

#[tokio::test]
async fn a_server_cycling_next_tokens_ends_the_stream_with_a_typed_error() {
    let server = Endless {
        offsets: Arc::default(),
        next_token: cycling,
        last_page: None,
        give_up_after: 50,
    };
    let client = start_endless(server.clone()).await;
    let results: Vec<Result<Value, Error>> = client
        .stream_items(common::get("/postings"))
        .collect()
        .await;

    // first, A, B: then B's `next` is A again, which was followed already.
    let ids: Vec<&str> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["first", "A", "B"], "no page is yielded twice");
    let last = results.last().unwrap().as_ref().unwrap_err();
    assert!(
        matches!(
            last,
            Error::Pagination {
                reason: PaginationStop::RepeatedToken,
                pages: 3,
                ..
            }
        ),
        "{last:?}"
    );
    assert!(!last.is_retryable());
    assert!(last.to_string().contains("/test"), "names the list: {last}");
    assert_eq!(
        server.offsets.lock().unwrap().clone(),
        vec![None, Some("A".into()), Some("B".into())],
        "no request after the repeat was seen"
    );
}

#[tokio::test]
async fn a_repeat_of_the_callers_own_offset_is_a_cycle_too() {
    let server = Endless {
        offsets: Arc::default(),
        next_token: cycling,
        last_page: None,
        give_up_after: 50,
    };
    let client = start_endless(server.clone()).await;
    let mut req = common::get("/postings");
    req.query.push(("offset", "B".into()));
    let results: Vec<Result<Value, Error>> = client.stream_items(req).collect().await;
    assert_eq!(results.len(), 3, "B, A, then the error: {results:?}");
    assert!(matches!(
        results[2],
        Err(Error::Pagination {
            reason: PaginationStop::RepeatedToken,
            ..
        })
    ));
}

#[tokio::test]
async fn a_list_that_never_ends_stops_at_the_page_cap() {
    let cap = 25;
    let server = Endless {
        offsets: Arc::default(),
        next_token: counting,
        last_page: None,
        give_up_after: cap + 10,
    };
    let client = start_endless(server.clone()).await;
    let results: Vec<Result<Value, Error>> = client
        .stream_items_with_max_pages(common::get("/postings"), cap)
        .collect()
        .await;
    assert_eq!(results.len(), cap + 1, "{results:?}");
    assert!(results[..cap].iter().all(Result::is_ok));
    let last = results[cap].as_ref().unwrap_err();
    assert!(
        matches!(
            last,
            Error::Pagination {
                reason: PaginationStop::PageCap { max_pages: 25 },
                pages: 25,
                ..
            }
        ),
        "{last:?}"
    );
    assert!(!last.is_retryable());
    assert_eq!(server.offsets.lock().unwrap().len(), cap);
}

#[tokio::test]
async fn a_list_of_exactly_the_page_cap_ends_normally() {
    let cap = 25;
    let server = Endless {
        offsets: Arc::default(),
        next_token: counting,
        last_page: Some(cap),
        give_up_after: cap + 10,
    };
    let client = start_endless(server.clone()).await;
    let results: Vec<Result<Value, Error>> = client
        .stream_items_with_max_pages(common::get("/postings"), cap)
        .collect()
        .await;
    assert_eq!(results.len(), cap);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
}
