//! The simulator's shared state.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::HeaderMap;
use base64::Engine;
use lever_spec::Spec;

use crate::config::{FaultConfig, RateLimitConfig, SimConfig};
use crate::error::ApiError;
use crate::oauth::OAuthState;
use crate::routes::Route;
use crate::store::Store;
use crate::util::{lock, Clock, SimRng};
use crate::webhooks::DeliveryRecord;

/// Everything the server tasks share.
pub(crate) struct Shared {
    pub spec: Arc<Spec>,
    pub routes: Vec<Route>,
    pub config: SimConfig,
    pub faults: Mutex<FaultConfig>,
    pub fault_rng: Mutex<SimRng>,
    pub rate_limit: Mutex<Option<RateLimitConfig>>,
    pub buckets: Mutex<HashMap<String, Bucket>>,
    pub store: Mutex<Store>,
    pub clock: Clock,
    pub deliveries: Mutex<Vec<DeliveryRecord>>,
    pub request_count: AtomicU64,
    pub oauth: Mutex<OAuthState>,
    pub http: reqwest::Client,
    pub stopped: AtomicBool,
    pub delivery_notify: tokio::sync::Notify,
    /// The store type webhooks live under (the `webhooks` resource's type).
    pub webhook_type: String,
    /// The runtime background tasks (webhook deliveries) are spawned on.
    pub runtime: tokio::runtime::Handle,
}

/// One credential's token bucket.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Shared {
    /// Checks the `Authorization` header; returns the credential's identity.
    pub(crate) fn authenticate(&self, headers: &HeaderMap) -> Result<String, ApiError> {
        let header = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized("Missing authorization"))?;
        let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::unauthorized("Malformed Basic credentials"))?;
            let key = decoded.split_once(':').map_or(decoded.as_str(), |(k, _)| k);
            if !key.is_empty() && self.config.api_keys.iter().any(|k| k == key) {
                return Ok(format!("key:{key}"));
            }
            return Err(ApiError::unauthorized("Invalid API key"));
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            let now = self.clock.now_ms();
            if lock(&self.oauth).access_token_valid(rest, now) {
                return Ok(format!("token:{rest}"));
            }
            return Err(ApiError::unauthorized("Invalid or expired access token"));
        }
        Err(ApiError::unauthorized("Unsupported authorization scheme"))
    }

    /// Takes one token from `credential`'s bucket, or answers 429.
    pub(crate) fn rate_check(&self, credential: &str) -> Result<(), ApiError> {
        let Some(limit) = *lock(&self.rate_limit) else {
            return Ok(());
        };
        let now = Instant::now();
        let mut buckets = lock(&self.buckets);
        let burst = f64::from(limit.burst.max(1));
        let bucket = buckets.entry(credential.to_string()).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * limit.requests_per_second.max(0.0)).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(ApiError::too_many_requests())
        }
    }
}
