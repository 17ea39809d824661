//! Helpers shared by the multi-account tests: the spec, a quiet configuration, an HTTP
//! client per credential and a webhook receiver.

#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use lever_sim::{AccountConfig, SimConfig, WebhookRetryConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;
pub type Error = Box<dyn std::error::Error>;

const NEEDED: [&str; 6] = [
    "opportunities",
    "contacts",
    "postings",
    "users",
    "stages",
    "webhooks",
];

/// Where the spec these tests use lives: the shipped one once it has the resources they
/// need, else the fixture.
pub fn spec_dir() -> PathBuf {
    let shipped = lever_spec::default_spec_dir();
    let complete = lever_spec::load(&shipped, &[])
        .is_ok_and(|s| NEEDED.iter().all(|r| s.resources.contains_key(*r)));
    if complete {
        shipped
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec")
    }
}

pub fn spec() -> Arc<lever_spec::Spec> {
    Arc::new(lever_spec::load(&spec_dir(), &[]).expect("the test spec loads"))
}

/// No rate limit, quick webhook retries.
pub fn config() -> SimConfig {
    SimConfig {
        spec: Some(spec()),
        rate_limit: None,
        webhook_retry: WebhookRetryConfig {
            attempts: 3,
            initial_delay: Duration::from_millis(20),
            timeout: Duration::from_secs(2),
        },
        ..SimConfig::default()
    }
}

/// [`config`] with the accounts `acme` (key `acme-key`) and `globex` (key `globex-key`)
/// beside the default one.
pub fn two_accounts() -> SimConfig {
    SimConfig {
        accounts: vec![
            AccountConfig {
                api_keys: vec!["acme-key".into()],
                ..AccountConfig::new("acme")
            },
            AccountConfig {
                api_keys: vec!["globex-key".into()],
                ..AccountConfig::new("globex")
            },
        ],
        ..config()
    }
}

/// Talks to `/v1` with one credential.
#[derive(Clone)]
pub struct As {
    pub base: String,
    pub auth: Auth,
    pub http: reqwest::Client,
}

#[derive(Clone)]
pub enum Auth {
    Key(String),
    Bearer(String),
}

impl As {
    pub fn key(base: &str, key: &str) -> As {
        As {
            base: base.to_string(),
            auth: Auth::Key(key.to_string()),
            http: reqwest::Client::new(),
        }
    }

    pub fn bearer(base: &str, token: &str) -> As {
        As {
            base: base.to_string(),
            auth: Auth::Bearer(token.to_string()),
            http: reqwest::Client::new(),
        }
    }

    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let rb = self.http.request(method, format!("{}{path}", self.base));
        match &self.auth {
            Auth::Key(k) => rb.basic_auth(k, Some("")),
            Auth::Bearer(t) => rb.bearer_auth(t),
        }
    }

    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Result<(StatusCode, Value), Error> {
        let resp = rb.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    pub async fn get(&self, path: &str) -> Result<(StatusCode, Value), Error> {
        self.send(self.req(reqwest::Method::GET, path)).await
    }

    /// The IDs of every item of a (small) list.
    pub async fn ids(&self, path: &str) -> Result<Vec<String>, Error> {
        let (status, body) = self.get(path).await?;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        Ok(body["data"]
            .as_array()
            .ok_or("no data")?
            .iter()
            .filter_map(|o| o["id"].as_str().map(str::to_string))
            .collect())
    }

    /// Registers a webhook; returns its ID and signature token.
    pub async fn register(&self, url: &str, event: &str) -> Result<(String, String), Error> {
        let (status, created) = self
            .send(
                self.req(reqwest::Method::POST, "/webhooks")
                    .json(&json!({ "url": url, "event": event })),
            )
            .await?;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["data"]["id"].as_str().ok_or("no id")?.to_string();
        let token = created["data"]["configuration"]["signatureToken"]
            .as_str()
            .ok_or("no signatureToken")?
            .to_string();
        assert_eq!(token.len(), 48, "{token}");
        assert!(token
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        Ok((id, token))
    }

    /// Creates an opportunity (which fires `contactCreated`); returns it.
    pub async fn create_candidate(&self, perform_as: &str, email: &str) -> Result<Value, Error> {
        let (status, created) = self
            .send(
                self.req(reqwest::Method::POST, "/opportunities")
                    .query(&[("perform_as", perform_as)])
                    .json(&json!({ "name": "Test Candidate", "emails": [email] })),
            )
            .await?;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        Ok(created["data"].clone())
    }
}

/// A webhook receiver on loopback that records the user agent and body of every request;
/// it answers 500 to the first `fail` requests, then 200.
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Receiver {
    /// A receiver that accepts every delivery.
    pub async fn start() -> Result<Receiver, Error> {
        Receiver::failing_first(0).await
    }

    /// A receiver that answers 500 to the first `fail` requests.
    pub async fn failing_first(fail: usize) -> Result<Receiver, Error> {
        let got: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let store = Arc::clone(&got);
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let store = Arc::clone(&store);
                    let calls = Arc::clone(&calls);
                    async move {
                        let user_agent = headers
                            .get("user-agent")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string();
                        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        store
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((user_agent, value));
                        if calls.fetch_add(1, Ordering::SeqCst) < fail {
                            axum::http::StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            axum::http::StatusCode::OK
                        }
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver { url, got })
    }

    /// Every request's (user agent, body), in arrival order.
    pub fn requests(&self) -> Vec<(String, Value)> {
        self.got.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every request's body, in arrival order.
    pub fn bodies(&self) -> Vec<Value> {
        self.requests().into_iter().map(|(_, body)| body).collect()
    }
}

/// Whether `body` carries Lever's signature made with `signature_token`, checked with an
/// HMAC of its own (not the simulator's `sign`).
pub fn signed_with(signature_token: &str, body: &Value) -> bool {
    let (Some(token), Some(at), Some(sig)) = (
        body["token"].as_str(),
        body["triggeredAt"].as_i64(),
        body["signature"].as_str(),
    ) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(signature_token.as_bytes()) else {
        return false;
    };
    mac.update(format!("{token}{at}").as_bytes());
    let Ok(sig) = hex::decode(sig) else {
        return false;
    };
    mac.verify_slice(&sig).is_ok()
}
