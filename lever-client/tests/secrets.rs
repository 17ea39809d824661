//! No secret appears in `Debug` output, tracing logs or error messages.

mod common;

use common::sending::SendAs as _;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use lever_client::{Client, MemoryTokenStore, OAuthCredentials, RetryPolicy};
use serde_json::{json, Value};

const API_KEY: &str = "SECRET-api-key-7f3a";
const ACCESS: &str = "SECRET-access-token-91bc";
const NEW_ACCESS: &str = "SECRET-new-access-token-44de";
const REFRESH: &str = "SECRET-refresh-token-0a1b";
const NEW_REFRESH: &str = "SECRET-new-refresh-token-c2d3";
const CLIENT_SECRET: &str = "SECRET-client-secret-e5f6";

fn secrets() -> Vec<String> {
    let mut v: Vec<String> = [
        API_KEY,
        ACCESS,
        NEW_ACCESS,
        REFRESH,
        NEW_REFRESH,
        CLIENT_SECRET,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(base64::engine::general_purpose::STANDARD.encode(format!("{API_KEY}:")));
    v.push("SECRET".into());
    v
}

fn assert_clean(what: &str, text: &str) {
    for s in secrets() {
        assert!(!text.contains(&s), "{what} leaks {s:?}:\n{text}");
    }
}

async fn server() -> String {
    async fn token() -> Json<Value> {
        Json(json!({
            "access_token": NEW_ACCESS,
            "refresh_token": NEW_REFRESH,
            "token_type": "Bearer",
            "expires_in": 3600
        }))
    }
    async fn bad_token() -> (StatusCode, Json<Value>) {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "access_denied", "error_description": "Unauthorized"})),
        )
    }
    async fn me(headers: HeaderMap) -> (StatusCode, Json<Value>) {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth == format!("Bearer {NEW_ACCESS}") || auth.starts_with("Basic ") {
            (StatusCode::OK, Json(json!({"data": {"ok": true}})))
        } else {
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"code": "UnauthorizedError", "message": "Invalid token"})),
            )
        }
    }
    async fn limited() -> (StatusCode, [(&'static str, &'static str); 1], Json<Value>) {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "0")],
            Json(json!({"code": "TooManyRequests", "message": "slow down"})),
        )
    }
    let router = Router::new()
        .route("/oauth/token", post(token))
        .route("/bad/token", post(bad_token))
        .route("/v1/me", get(me))
        .route("/v1/limited", get(limited));
    common::serve(router).await
}

#[tokio::test]
async fn secrets_never_leak() {
    let (capture, subscriber) = common::logs::Logs::subscriber(tracing::Level::TRACE);
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let base = server().await;
    let token_url = base.replace("/v1", "/oauth/token");
    let retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        jitter: 0.0,
    };

    // API key: builder and client Debug, a success, a retried 429.
    let builder = Client::builder()
        .api_key(API_KEY)
        .base_url(&base)
        .retry(retry);
    assert_clean("ClientBuilder Debug", &format!("{builder:?}"));
    let key_client = builder.build().unwrap();
    assert_clean("Client Debug", &format!("{key_client:?}"));
    let _: Value = key_client.send_data(common::get("/me")).await.unwrap();
    let e = key_client
        .send_data::<Value>(common::get("/limited"))
        .await
        .unwrap_err();
    assert_clean("429 error", &format!("{e} / {e:?}"));

    // OAuth: expired token refreshed (rotating), then a failing refresh.
    let creds = OAuthCredentials::new("client-id", CLIENT_SECRET, ACCESS)
        .refresh_token(REFRESH)
        .expires_at(SystemTime::now() - Duration::from_secs(5))
        .token_url(&token_url);
    assert_clean("OAuthCredentials Debug", &format!("{creds:?}"));
    let store = Arc::new(MemoryTokenStore::new());
    let oauth_client = Client::builder()
        .oauth(creds.clone())
        .base_url(&base)
        .token_store(store.clone())
        .retry(retry)
        .build()
        .unwrap();
    assert_clean("OAuth Client Debug", &format!("{oauth_client:?}"));
    let _: Value = oauth_client.send_data(common::get("/me")).await.unwrap();
    assert_clean("TokenPair Debug", &format!("{:?}", store.latest().unwrap()));
    assert_clean("MemoryTokenStore Debug", &format!("{store:?}"));

    let failing = Client::builder()
        .oauth(creds.token_url(base.replace("/v1", "/bad/token")))
        .base_url(&base)
        .retry(retry)
        .build()
        .unwrap();
    let e = failing
        .send_data::<Value>(common::get("/me"))
        .await
        .unwrap_err();
    assert!(e.is_auth(), "{e:?}");
    assert_clean("refresh error", &format!("{e} / {e:?}"));

    // Transport error (refused connection).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let dead = Client::builder()
        .api_key(API_KEY)
        .base_url(format!("http://{addr}/v1"))
        .retry(retry)
        .build()
        .unwrap();
    let e = dead
        .send_data::<Value>(common::get("/me"))
        .await
        .unwrap_err();
    assert_clean("transport error", &format!("{e} / {e:?}"));

    let logs = capture.text();
    // The capture works and carries the request span fields...
    assert!(logs.contains("lever.request"), "{logs}");
    assert!(logs.contains("method=GET"), "{logs}");
    assert!(logs.contains("path=/test"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("status=429"), "{logs}");
    assert!(logs.contains("attempt=2"), "{logs}");
    assert!(logs.contains("duration_ms="), "{logs}");
    assert!(logs.contains("refreshed"), "{logs}");
    // ...and no secret.
    assert_clean("tracing logs", &logs);
}
