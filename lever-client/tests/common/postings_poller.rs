//! A Lever-like `/v1/postings` on loopback (with `updated_at_start` filtering and opaque-token
//! pagination) and the helpers the poller tests share (`tests/triggers_poller*.rs`, through
//! `#[path]`; each uses part of them).
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use lever_client::triggers::{
    CheckpointStore, Dispatcher, HandlerError, Poller, Trigger, TriggerEvent, TriggerPayload,
};
use lever_client::{Client, Timestamp};
use serde_json::{json, Value};

// ------------------------------------------------------------------------------ the server

#[derive(Clone, Default)]
pub(crate) struct Lever {
    pub(crate) inner: Arc<Mutex<Inner>>,
}

/// Changes a concurrent writer makes while the server answers a list request.
pub(crate) type ChangeWhileListing = Box<dyn FnMut(&mut Inner) + Send>;

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) postings: Vec<Value>,
    pub(crate) last_ts: i64,
    /// Whether the clock is logical (one millisecond per change) rather than real time.
    pub(crate) logical: bool,
    pub(crate) requests: Vec<HashMap<String, String>>,
    pub(crate) next_id: usize,
    /// A broken server: every page says `hasNext` with this `next` token.
    pub(crate) stuck_next: Option<String>,
    /// Changes made while a list request is served (concurrent writers), if any.
    pub(crate) during_list: Option<ChangeWhileListing>,
}

impl Inner {
    /// A strictly increasing clock (real time, never repeating a millisecond), or a logical
    /// one that moves one millisecond per change.
    pub(crate) fn tick(&mut self) -> i64 {
        let now = if self.logical {
            self.last_ts + 1
        } else {
            Timestamp::now().as_millis().max(self.last_ts + 1)
        };
        self.last_ts = now;
        now
    }

    pub(crate) fn create(&mut self, text: &str) -> String {
        let at = self.tick();
        Lever::insert(self, text, at, at)
    }

    pub(crate) fn update(&mut self, id: &str, text: &str) -> i64 {
        let at = self.tick();
        let p = self
            .postings
            .iter_mut()
            .find(|p| p["id"] == json!(id))
            .unwrap();
        p["text"] = json!(text);
        p["updatedAt"] = json!(at);
        at
    }
}

impl Lever {
    /// A server whose clock starts at `start` and moves one millisecond per change, so that a
    /// test controls every timestamp.
    pub(crate) fn logical(start: i64) -> Self {
        let lever = Lever::default();
        {
            let mut inner = lever.inner.lock().unwrap();
            inner.logical = true;
            inner.last_ts = start;
        }
        lever
    }

    /// Creates a posting now; returns its ID.
    pub(crate) fn create(&self, text: &str) -> String {
        self.inner.lock().unwrap().create(text)
    }

    /// Creates a posting with given timestamps (e.g. in the past).
    pub(crate) fn create_at(&self, text: &str, created: i64, updated: i64) -> String {
        let mut inner = self.inner.lock().unwrap();
        Self::insert(&mut inner, text, created, updated)
    }

    pub(crate) fn insert(inner: &mut Inner, text: &str, created: i64, updated: i64) -> String {
        inner.next_id += 1;
        let id = format!("posting-{:03}", inner.next_id);
        inner.postings.push(json!({
            "id": id, "text": text, "state": "published", "confidentiality": "non-confidential",
            "createdAt": created, "updatedAt": updated, "tags": [], "followers": [],
        }));
        id
    }

    pub(crate) fn update(&self, id: &str, text: &str) -> i64 {
        self.inner.lock().unwrap().update(id, text)
    }

    pub(crate) fn updated_at(&self, id: &str) -> i64 {
        let inner = self.inner.lock().unwrap();
        let p = inner
            .postings
            .iter()
            .find(|p| p["id"] == json!(id))
            .unwrap();
        p["updatedAt"].as_i64().unwrap()
    }

    pub(crate) fn requests(&self) -> Vec<HashMap<String, String>> {
        self.inner.lock().unwrap().requests.clone()
    }

    pub(crate) async fn serve(&self) -> String {
        let app = Router::new()
            .route("/v1/postings", get(list))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        format!("http://{addr}/v1")
    }
}

/// `GET /v1/postings`: newest *created* first (not in cursor order, like Lever's default),
/// filtered by `updated_at_start` (inclusive), paginated with an opaque `next` token.
pub(crate) async fn list(
    State(lever): State<Lever>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let mut inner = lever.inner.lock().unwrap();
    inner.requests.push(q.clone());
    if let Some(mut change) = inner.during_list.take() {
        change(&mut inner);
        inner.during_list = Some(change);
    }
    let since: i64 = match q.get("updated_at_start").map(|s| s.parse()) {
        None => i64::MIN,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"code": "BadRequest", "message": "bad updated_at_start"})),
            )
        }
    };
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100);
    let start: usize = match q.get("offset") {
        None => 0,
        Some(token) => match token.strip_prefix("tok.").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"code": "BadRequest", "message": "bad offset"})),
                )
            }
        },
    };
    let mut matching: Vec<Value> = inner
        .postings
        .iter()
        .filter(|p| p["updatedAt"].as_i64().unwrap() >= since)
        .cloned()
        .collect();
    matching.sort_by_key(|p| std::cmp::Reverse(p["createdAt"].as_i64().unwrap()));
    let page: Vec<Value> = matching.iter().skip(start).take(limit).cloned().collect();
    let end = start + page.len();
    let mut body = json!({"data": page, "hasNext": end < matching.len()});
    if end < matching.len() {
        body["next"] = json!(format!("tok.{end}"));
    }
    if let Some(token) = &inner.stuck_next {
        body["hasNext"] = json!(true);
        body["next"] = json!(token);
    }
    (StatusCode::OK, Json(body))
}

// ------------------------------------------------------------------------------ helpers

/// What handlers saw: (trigger, posting ID, text).
pub(crate) type Seen = Arc<Mutex<Vec<(Trigger, String, String)>>>;

pub(crate) fn recorder(seen: &Seen, triggers: &[Trigger]) -> Dispatcher {
    let mut dispatcher = Dispatcher::new();
    for &trigger in triggers {
        let seen = seen.clone();
        dispatcher.on(trigger, move |event: TriggerEvent| {
            let seen = seen.clone();
            async move {
                let posting: lever_client::models::Posting = event.item_as()?;
                let TriggerPayload::Polled { id, .. } = &event.payload else {
                    return Err("not polled".into());
                };
                assert_eq!(posting.id.as_str(), id);
                let text = posting.text.clone().unwrap_or_default();
                seen.lock().unwrap().push((event.trigger, id.clone(), text));
                Ok::<(), HandlerError>(())
            }
        });
    }
    dispatcher
}

pub(crate) fn client(base: &str) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(base)
        .build()
        .unwrap()
}

pub(crate) fn take(seen: &Seen) -> Vec<(Trigger, String, String)> {
    std::mem::take(&mut *seen.lock().unwrap())
}

pub(crate) fn poller(
    base: &str,
    store: impl CheckpointStore + 'static,
    dispatcher: Dispatcher,
) -> Poller {
    Poller::new(client(base), "acct-1", store, dispatcher)
        .trigger(Trigger::PostingCreated)
        .unwrap()
        .trigger(Trigger::PostingUpdated)
        .unwrap()
        .page_size(2)
}

/// The checkpoint "Posting Created" and "Posting Updated" share.
pub(crate) fn postings_checkpoint() -> String {
    let name = Trigger::PostingCreated
        .source()
        .poll
        .unwrap()
        .checkpoint_name();
    assert_eq!(
        Some(&name),
        Trigger::PostingUpdated
            .source()
            .poll
            .map(|rule| rule.checkpoint_name())
            .as_ref()
    );
    name
}

/// Waits until the wall clock is past now, so that what the server creates next is dated
/// after every checkpoint taken so far (the server's clock is the wall clock).
pub(crate) async fn until_the_clock_moves_on() {
    let now = Timestamp::now();
    while Timestamp::now() <= now {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Waits until `condition` holds, failing the test after 10 s.
pub(crate) async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

pub(crate) async fn poll_ok(p: &Poller) {
    let report = p.poll_once().await;
    assert!(report.is_ok(), "{report:?}");
}
