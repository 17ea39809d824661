//! A scripted HTTP server on loopback for the integration tests.
#![allow(dead_code)]

pub mod deliveries;
pub mod logs;
pub mod sending;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// Binds 127.0.0.1:0, serves `router`, and returns the base URL (`http://127.0.0.1:PORT/v1`).
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}/v1")
}

/// A raw TCP server on loopback, for what an HTTP framework would not do (hang up, never
/// answer): counts the connections it accepts and hands each to `serve` on its own task.
/// Returns the base URL (`http://127.0.0.1:PORT/v1`) and the count.
pub async fn raw_server<F, Fut>(serve: F) -> (String, Arc<std::sync::atomic::AtomicUsize>)
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(serve(socket));
        }
    });
    (format!("http://{addr}/v1"), accepted)
}

/// One canned response.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
        }
    }
    pub fn header(mut self, name: &'static str, value: impl ToString) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }
}

/// What the server saw.
#[derive(Clone, Debug)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

/// A server answering each path from a script: replies are used in order, the last one
/// repeats. Unknown paths get 404 with Lever's error body.
#[derive(Clone, Default)]
pub struct Scripted {
    scripts: Arc<Mutex<HashMap<String, VecDeque<Reply>>>>,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Scripted {
    pub fn new() -> Self {
        Self::default()
    }

    /// Scripts `path` (e.g. `/v1/postings`).
    pub fn on(&self, path: &str, replies: Vec<Reply>) -> &Self {
        self.scripts
            .lock()
            .unwrap()
            .insert(path.to_owned(), replies.into());
        self
    }

    pub fn hits(&self, path: &str) -> Vec<Hit> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .cloned()
            .collect()
    }

    pub fn all_hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub async fn start(&self) -> String {
        serve(Router::new().fallback(scripted).with_state(self.clone())).await
    }
}

async fn scripted(State(s): State<Scripted>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let path = parts.uri.path().to_owned();
    s.hits.lock().unwrap().push(Hit {
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers.clone(),
        body,
        at: Instant::now(),
    });
    let reply = {
        let mut scripts = s.scripts.lock().unwrap();
        match scripts.get_mut(&path) {
            Some(q) if q.len() > 1 => q.pop_front(),
            Some(q) => q.front().cloned(),
            None => None,
        }
    };
    let reply = reply.unwrap_or_else(|| {
        Reply::json(
            404,
            serde_json::json!({"code": "ResourceNotFound", "message": "no such route"}),
        )
    });
    let mut resp = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (k, v) in reply.headers {
        resp.headers_mut().insert(
            HeaderName::from_static(k),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    resp
}

pub fn api_key_client(base: &str) -> lever_client::Client {
    lever_client::Client::builder()
        .api_key("test-key")
        .base_url(base)
        .no_rate_limit()
        .retry(fast_retry())
        .build()
        .unwrap()
}

pub fn fast_retry() -> lever_client::RetryPolicy {
    lever_client::RetryPolicy {
        max_attempts: 4,
        base_delay: std::time::Duration::from_millis(10),
        max_delay: std::time::Duration::from_secs(2),
        jitter: 0.5,
    }
}

pub fn get(path: &str) -> lever_client::__private::ApiRequest {
    lever_client::__private::ApiRequest::new(lever_client::Method::GET, path, "/test")
}

pub fn post(path: &str) -> lever_client::__private::ApiRequest {
    lever_client::__private::ApiRequest::new(lever_client::Method::POST, path, "/test")
}
