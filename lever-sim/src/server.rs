//! The HTTP server: accept loop, fault injection, and dispatch to OAuth and `/v1`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::account::RequestRecord;
use crate::error::ApiError;
use crate::state::{Authenticated, Shared};
use crate::util::lock;
use crate::{api, authorize, oauth};

/// Largest request body read (Lever's upload limit).
const MAX_BODY: usize = 30 * 1024 * 1024;

/// Returned by the service to make hyper close the connection without answering.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

/// Serves connections until `shutdown` changes; then closes every open connection.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let shared = Arc::clone(&shared);
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| handle(Arc::clone(&shared), req));
                    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    if let Err(e) = builder.serve_connection(TokioIo::new(stream), svc).await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let started = Instant::now();
    let at_ms = shared.clock.now_ms();
    shared.request_count.fetch_add(1, Ordering::SeqCst);
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let is_oauth = path.starts_with("/oauth/");
    // Resolved before faults so that a faulted request still shows in its account's log.
    let auth = (!is_oauth).then(|| shared.authenticate(req.headers()));
    let query = req.uri().query().map(str::to_string);
    let log = |status: Option<u16>, body: Vec<u8>| {
        if let Some(Ok(Authenticated { account, kind })) = &auth {
            account.log_request(
                RequestRecord {
                    account: account.name.clone(),
                    method: method.to_string(),
                    path: path.clone(),
                    query: query.clone(),
                    body,
                    auth: *kind,
                    status,
                    at_ms,
                    started,
                    finished: Instant::now(),
                },
                shared.config.request_log_limit,
            );
        }
    };
    let faults = lock(&shared.faults).clone();
    if !is_oauth || faults.apply_to_oauth {
        if faults.drop_rate > 0.0 && lock(&shared.fault_rng).unit() < faults.drop_rate {
            log(None, Vec::new());
            return Err(DropConnection);
        }
        if let Some(delay) = faults.delay {
            tokio::time::sleep(delay).await;
        }
        if faults.error_rate > 0.0 {
            let (hit, which) = {
                let mut rng = lock(&shared.fault_rng);
                (rng.unit() < faults.error_rate, rng.below(2))
            };
            if hit {
                let err = if which == 0 {
                    ApiError::internal("Internal server error (injected fault)")
                } else {
                    ApiError::unavailable("Service unavailable (injected fault)")
                };
                log(Some(err.status.as_u16()), Vec::new());
                return Ok(err.into_response());
            }
        }
    }
    if !is_oauth {
        let verdict = lock(&shared.targeted).take(&method, &path);
        if !verdict.delay.is_zero() {
            tokio::time::sleep(verdict.delay).await;
        }
        if let Some(status) = verdict.fail {
            let err = ApiError::injected(status);
            log(Some(status.as_u16()), Vec::new());
            return Ok(err.into_response());
        }
    }
    let (response, body) = answer(
        &shared,
        req,
        &path,
        auth.as_ref(),
        method.clone(),
        query.as_deref(),
    )
    .await;
    log(Some(response.status().as_u16()), body);
    Ok(response)
}

/// Reads the body and answers the request once faults let it through.
async fn answer(
    shared: &Arc<Shared>,
    req: Request<Incoming>,
    path: &str,
    auth: Option<&Result<Authenticated, ApiError>>,
    method: Method,
    query: Option<&str>,
) -> (Response<Body>, Vec<u8>) {
    if path == "/oauth/authorize" {
        if method != Method::GET {
            return (
                (StatusCode::METHOD_NOT_ALLOWED, "use GET").into_response(),
                Vec::new(),
            );
        }
        return (authorize::authorize(shared, query), Vec::new());
    }
    let content_type = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = match axum::body::to_bytes(Body::new(req.into_body()), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let refused = ApiError::bad_request("The request body could not be read");
            return (refused.into_response(), Vec::new());
        }
    };
    let response = if path == "/oauth/token" {
        if method != Method::POST {
            (StatusCode::METHOD_NOT_ALLOWED, "use POST").into_response()
        } else {
            oauth::token(shared, &bytes)
        }
    } else {
        match (path.strip_prefix("/v1"), auth) {
            (Some(rest), Some(auth)) if rest.is_empty() || rest.starts_with('/') => api::handle(
                shared,
                auth.as_ref()
                    .map(|a| Arc::clone(&a.account))
                    .map_err(Clone::clone),
                method.as_str(),
                rest,
                query,
                content_type.as_deref(),
                &bytes,
            ),
            _ => ApiError::not_found(format!("Unknown route: {method} {path}")).into_response(),
        }
    };
    (response, bytes.to_vec())
}
