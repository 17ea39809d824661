//! API-key and OAuth authentication: headers, single-flight refresh, token rotation, code
//! exchange.

mod common;

use common::sending::SendAs as _;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use common::{Reply, Scripted};
use lever_client::oauth::{self, CodeExchange};
use lever_client::{Client, Error, MemoryTokenStore, OAuthCredentials};
use serde_json::{json, Value};

#[tokio::test]
async fn api_key_is_sent_as_basic_auth() {
    let s = Scripted::new();
    s.on("/v1/users", vec![Reply::json(200, json!({"data": []}))]);
    let client = Client::builder()
        .api_key("my-lever-key")
        .base_url(s.start().await)
        .build()
        .unwrap();
    let _: Vec<Value> = client.send_data(common::get("/users")).await.unwrap();
    let hit = &s.hits("/v1/users")[0];
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("my-lever-key:")
    );
    assert_eq!(hit.headers["authorization"], expected.as_str());
    assert_eq!(expected, "Basic bXktbGV2ZXIta2V5Og==");
    assert_eq!(
        hit.headers["user-agent"],
        concat!("lever-client/", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(hit.headers["accept"], "application/json");
}

/// A token endpoint and an API that accepts only the newest access token.
#[derive(Clone)]
struct OAuthServer {
    state: Arc<Mutex<Tokens>>,
    token_hits: Arc<AtomicUsize>,
    api_hits: Arc<AtomicUsize>,
    forms: Arc<Mutex<Vec<HashMap<String, String>>>>,
    /// The API rejects every token, even fresh ones (a revoked app, a missing scope).
    reject_all: Arc<AtomicBool>,
    /// The token endpoint answers this status with a non-OAuth body.
    token_outage: Arc<Mutex<Option<u16>>>,
}

struct Tokens {
    access: String,
    refresh: String,
    n: usize,
}

impl OAuthServer {
    fn new(access: &str, refresh: &str) -> Self {
        OAuthServer {
            state: Arc::new(Mutex::new(Tokens {
                access: access.into(),
                refresh: refresh.into(),
                n: 1,
            })),
            token_hits: Arc::default(),
            api_hits: Arc::default(),
            forms: Arc::default(),
            reject_all: Arc::default(),
            token_outage: Arc::default(),
        }
    }

    async fn start(&self) -> String {
        let router = Router::new()
            .route("/oauth/token", post(token))
            .route("/v1/me", get(me))
            .with_state(self.clone());
        common::serve(router).await
    }
}

async fn token(
    State(s): State<OAuthServer>,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    s.token_hits.fetch_add(1, Ordering::SeqCst);
    s.forms.lock().unwrap().push(form.clone());
    // Slow enough that concurrent callers pile up behind the refresh.
    tokio::time::sleep(Duration::from_millis(100)).await;
    if let Some(status) = *s.token_outage.lock().unwrap() {
        return (
            StatusCode::from_u16(status).unwrap(),
            Json(json!({"message": "upstream down"})),
        );
    }
    let mut t = s.state.lock().unwrap();
    let valid = match form.get("grant_type").map(String::as_str) {
        Some("refresh_token") => form.get("refresh_token") == Some(&t.refresh),
        Some("authorization_code") => form.get("code").map(String::as_str) == Some("good-code"),
        _ => false,
    };
    if !valid || form.get("client_secret").map(String::as_str) != Some("client-secret") {
        return (
            StatusCode::FORBIDDEN,
            Json(
                json!({"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}),
            ),
        );
    }
    t.n += 1;
    t.access = format!("access-{}", t.n);
    t.refresh = format!("refresh-{}", t.n);
    (
        StatusCode::OK,
        Json(json!({
            "access_token": t.access,
            "refresh_token": t.refresh,
            "token_type": "Bearer",
            "scope": "offline_access opportunities:read:admin",
            "expires_in": 3600
        })),
    )
}

async fn me(State(s): State<OAuthServer>, headers: HeaderMap) -> (StatusCode, Json<Value>) {
    s.api_hits.fetch_add(1, Ordering::SeqCst);
    let expected = format!("Bearer {}", s.state.lock().unwrap().access);
    if !s.reject_all.load(Ordering::SeqCst)
        && headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
    {
        (StatusCode::OK, Json(json!({"data": {"ok": true}})))
    } else {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": "UnauthorizedError", "message": "Invalid token"})),
        )
    }
}

fn oauth_client(base: &str, creds: OAuthCredentials, store: Arc<MemoryTokenStore>) -> Client {
    let token_url = base.replace("/v1", "/oauth/token");
    Client::builder()
        .oauth(creds.token_url(token_url))
        .base_url(base)
        .token_store(store)
        .no_rate_limit()
        .retry(common::fast_retry())
        .build()
        .unwrap()
}

async fn call_many(client: &Client, n: usize) -> Vec<Result<Value, Error>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.send_data::<Value>(common::get("/me")).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test]
async fn valid_token_is_sent_as_bearer_without_refresh() {
    let server = OAuthServer::new("access-1", "refresh-1");
    let base = server.start().await;
    let store = Arc::new(MemoryTokenStore::new());
    let creds = OAuthCredentials::new("client-id", "client-secret", "access-1")
        .refresh_token("refresh-1")
        .expires_in(Duration::from_secs(3600));
    let client = oauth_client(&base, creds, store.clone());
    let v: Value = client.send_data(common::get("/me")).await.unwrap();
    assert_eq!(v, json!({"ok": true}));
    assert_eq!(server.token_hits.load(Ordering::SeqCst), 0);
    assert_eq!(store.save_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_is_refreshed_exactly_once_for_100_concurrent_calls() {
    let server = OAuthServer::new("access-1", "refresh-1");
    let base = server.start().await;
    let store = Arc::new(MemoryTokenStore::new());
    let creds = OAuthCredentials::new("client-id", "client-secret", "access-1")
        .refresh_token("refresh-1")
        .expires_at(SystemTime::now() - Duration::from_secs(10));
    let client = oauth_client(&base, creds, store.clone());

    let results = call_many(&client, 100).await;
    for r in &results {
        assert_eq!(r.as_ref().unwrap(), &json!({"ok": true}));
    }
    assert_eq!(
        server.token_hits.load(Ordering::SeqCst),
        1,
        "exactly one refresh"
    );
    assert_eq!(
        server.api_hits.load(Ordering::SeqCst),
        100,
        "no request used the old token"
    );

    let form = server.forms.lock().unwrap()[0].clone();
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["client_id"], "client-id");
    assert_eq!(form["client_secret"], "client-secret");
    assert_eq!(form["refresh_token"], "refresh-1");

    // The rotated refresh token reached the store.
    assert_eq!(store.save_count(), 1);
    let saved = store.latest().unwrap();
    assert_eq!(saved.access_token.expose(), "access-2");
    assert_eq!(saved.refresh_token.as_ref().unwrap().expose(), "refresh-2");
    assert_eq!(saved.token_type.as_deref(), Some("Bearer"));
    let expires = saved.expires_at.unwrap();
    assert!(expires > SystemTime::now() + Duration::from_secs(3500));

    // Later calls use the new token without refreshing again.
    let _: Value = client.send_data(common::get("/me")).await.unwrap();
    assert_eq!(server.token_hits.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_token_is_refreshed_once_and_the_request_retried() {
    // The server has already rotated past access-1 (e.g. revoked); the client does not know
    // the expiry, so it learns from the 401s.
    let server = OAuthServer::new("revoked", "refresh-1");
    let base = server.start().await;
    let store = Arc::new(MemoryTokenStore::new());
    let creds =
        OAuthCredentials::new("client-id", "client-secret", "access-1").refresh_token("refresh-1");
    let client = oauth_client(&base, creds, store.clone());

    let results = call_many(&client, 30).await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(server.token_hits.load(Ordering::SeqCst), 1);
    assert_eq!(
        server.api_hits.load(Ordering::SeqCst),
        60,
        "each call: one 401, one retry"
    );
    assert_eq!(
        store.latest().unwrap().refresh_token.unwrap().expose(),
        "refresh-2"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_refresh_is_an_auth_error_and_not_repeated_per_request() {
    let server = OAuthServer::new("access-1", "the-real-refresh");
    let base = server.start().await;
    let store = Arc::new(MemoryTokenStore::new());
    let creds = OAuthCredentials::new("client-id", "client-secret", "access-1")
        .refresh_token("stale-refresh")
        .expires_at(SystemTime::now() - Duration::from_secs(1));
    let client = oauth_client(&base, creds, store.clone());

    let results = call_many(&client, 10).await;
    for r in results {
        let e = r.unwrap_err();
        assert!(
            matches!(&e, Error::OAuth { code, .. } if code == "invalid_grant"),
            "{e:?}"
        );
        assert!(e.is_auth());
        assert!(e.needs_reconnect());
        let text = e.to_string();
        assert!(text.contains("invalid_grant"), "{text}");
        for secretish in ["stale-refresh", "client-secret", "Unknown or invalid"] {
            assert!(!text.contains(secretish), "{text}");
            assert!(!format!("{e:?}").contains(secretish), "{e:?}");
        }
    }
    assert_eq!(server.token_hits.load(Ordering::SeqCst), 1);
    assert_eq!(server.api_hits.load(Ordering::SeqCst), 0);
    assert_eq!(store.save_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_invalid_grant_no_token_request_is_ever_made_again() {
    // A dead refresh token used to be retried every 5 s forever.
    let server = OAuthServer::new("access-1", "the-real-refresh");
    let base = server.start().await;
    let creds = OAuthCredentials::new("client-id", "client-secret", "access-1")
        .refresh_token("revoked-refresh")
        .expires_at(SystemTime::now() - Duration::from_secs(1));
    let client = oauth_client(&base, creds, Arc::new(MemoryTokenStore::new()));
    let first = client
        .send_data::<Value>(common::get("/me"))
        .await
        .unwrap_err();
    assert!(first.needs_reconnect(), "{first:?}");
    assert_eq!(
        first.oauth_description(),
        Some("Unknown or invalid refresh token.")
    );
    // Later calls fail fast with the same typed error: the client remembers that the refresh
    // token is dead (a state, not a timer), until the customer connects again.
    for _ in 0..100 {
        let e = client
            .send_data::<Value>(common::get("/me"))
            .await
            .unwrap_err();
        assert!(e.needs_reconnect(), "{e:?}");
    }
    assert_eq!(server.token_hits.load(Ordering::SeqCst), 1);
    assert_eq!(server.api_hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_api_that_rejects_every_token_does_not_rotate_it_per_call() {
    // 20 calls used to cost 20 refreshes (20 rotations of the refresh token).
    let server = OAuthServer::new("access-1", "refresh-1");
    server.reject_all.store(true, Ordering::SeqCst);
    let base = server.start().await;
    let creds =
        OAuthCredentials::new("client-id", "client-secret", "access-1").refresh_token("refresh-1");
    let client = oauth_client(&base, creds, Arc::new(MemoryTokenStore::new()));
    for _ in 0..20 {
        let e = client
            .send_data::<Value>(common::get("/me"))
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED), "{e:?}");
    }
    assert_eq!(server.token_hits.load(Ordering::SeqCst), 1);
    // Once Lever accepts a token again, a later 401 may refresh again at once.
    server.reject_all.store(false, Ordering::SeqCst);
    let _: Value = client.send_data(common::get("/me")).await.unwrap();
}

#[tokio::test]
async fn a_token_shorter_lived_than_the_skew_is_not_refreshed_on_every_call() {
    let server = OAuthServer::new("access-1", "refresh-1");
    let base = server.start().await;
    let creds = OAuthCredentials::new("client-id", "client-secret", "access-1")
        .refresh_token("refresh-1")
        .expires_in(Duration::from_secs(40));
    let client = oauth_client(&base, creds, Arc::new(MemoryTokenStore::new()));
    for _ in 0..20 {
        let _: Value = client.send_data(common::get("/me")).await.unwrap();
    }
    assert_eq!(server.token_hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_token_endpoint_outage_backs_off_and_its_error_says_so_once() {
    let server = OAuthServer::new("access-1", "refresh-1");
    *server.token_outage.lock().unwrap() = Some(503);
    let base = server.start().await;
    let creds = OAuthCredentials::new("client-id", "client-secret", "access-1")
        .refresh_token("refresh-1")
        .expires_at(SystemTime::now() - Duration::from_secs(1));
    let client = oauth_client(&base, creds, Arc::new(MemoryTokenStore::new()));
    for _ in 0..10 {
        let e = client
            .send_data::<Value>(common::get("/me"))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Auth { .. }), "{e:?}");
        assert!(!e.needs_reconnect());
        let text = e.to_string();
        assert_eq!(text.matches("authentication failed").count(), 1, "{text}");
        assert!(text.contains("503"), "{text}");
    }
    assert_eq!(server.token_hits.load(Ordering::SeqCst), 1);
}

/// A store shared with another process that has already refreshed.
struct RefreshedElsewhere {
    runs: AtomicUsize,
}

impl lever_client::TokenStore for RefreshedElsewhere {
    fn save<'a>(
        &'a self,
        _: &'a lever_client::TokenPair,
    ) -> futures::future::BoxFuture<'a, Result<(), Box<dyn std::error::Error + Send + Sync>>> {
        Box::pin(async { Ok(()) })
    }

    fn refresh_locked<'a>(
        &'a self,
        stale: &'a lever_client::TokenPair,
        _refresh: lever_client::Refresh<'a>,
    ) -> futures::future::BoxFuture<'a, Result<lever_client::TokenPair, Error>> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let mut newer = stale.clone();
        newer.access_token = "access-2".into();
        newer.refresh_token = Some("refresh-2".into());
        newer.expires_at = Some(SystemTime::now() + Duration::from_secs(3600));
        Box::pin(async move { Ok(newer) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_store_that_already_holds_newer_tokens_saves_a_call_to_lever() {
    let server = OAuthServer::new("access-2", "refresh-2");
    let base = server.start().await;
    let store = Arc::new(RefreshedElsewhere {
        runs: AtomicUsize::new(0),
    });
    let creds = OAuthCredentials::new("client-id", "client-secret", "access-1")
        .refresh_token("refresh-1")
        .expires_at(SystemTime::now() - Duration::from_secs(1))
        .token_url(base.replace("/v1", "/oauth/token"));
    let client = Client::builder()
        .oauth(creds)
        .base_url(&base)
        .token_store(store.clone())
        .no_rate_limit()
        .build()
        .unwrap();
    let results = call_many(&client, 25).await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(store.runs.load(Ordering::SeqCst), 1, "one locked refresh");
    assert_eq!(
        server.token_hits.load(Ordering::SeqCst),
        0,
        "Lever not called"
    );
}

#[tokio::test]
async fn without_refresh_token_a_401_is_returned() {
    let server = OAuthServer::new("other", "refresh-1");
    let base = server.start().await;
    let creds = OAuthCredentials::new("client-id", "client-secret", "access-1");
    let client = oauth_client(&base, creds, Arc::new(MemoryTokenStore::new()));
    let e = client
        .send_data::<Value>(common::get("/me"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(e.code(), Some("UnauthorizedError"));
    assert_eq!(server.token_hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn exchange_code_posts_the_authorization_code_grant() {
    let server = OAuthServer::new("access-1", "refresh-1");
    let base = server.start().await;
    let token_url = base.replace("/v1", "/oauth/token");
    let pair = oauth::exchange_code(
        &CodeExchange::new("client-id", "client-secret", "good-code", "https://app/cb")
            .token_url(&token_url),
    )
    .await
    .unwrap();
    assert_eq!(pair.access_token.expose(), "access-2");
    assert_eq!(pair.refresh_token.unwrap().expose(), "refresh-2");
    assert_eq!(
        pair.scope.as_deref(),
        Some("offline_access opportunities:read:admin")
    );
    let form = server.forms.lock().unwrap()[0].clone();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "good-code");
    assert_eq!(form["redirect_uri"], "https://app/cb");
    assert_eq!(form["client_id"], "client-id");

    let e = oauth::exchange_code(
        &CodeExchange::new("client-id", "client-secret", "bad-code", "https://app/cb")
            .token_url(token_url),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::OAuth { code, .. } if code == "invalid_grant"),
        "{e:?}"
    );
}
