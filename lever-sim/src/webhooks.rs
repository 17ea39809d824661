//! Webhook deliveries: Lever's envelope, its signature, retries, and the delivery log.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::account::Account;
use crate::state::Shared;
use crate::store::HIDDEN;
use crate::util::lock;

/// Events whose webhooks may carry `configuration.conditions.origins`.
pub(crate) const EVENTS_WITH_CONDITIONS: [&str; 4] = [
    "applicationCreated",
    "candidateHired",
    "candidateStageChange",
    "candidateArchiveChange",
];

/// The origins a new webhook's conditions default to.
pub(crate) const ORIGINS: [&str; 6] = [
    "applied",
    "sourced",
    "referred",
    "university",
    "agency",
    "internal",
];

/// Where the signature token of a webhook is kept (never shown after creation).
pub(crate) const TOKEN_KEY: &str = "__sim_signatureToken";

/// One attempt to deliver one event to one webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    /// The name of the account whose change fired the event (and that owns the webhook).
    pub account: String,
    /// The webhook's ID.
    pub webhook_id: String,
    /// The receiver's URL.
    pub url: String,
    /// The event name, e.g. `applicationCreated`.
    pub event: String,
    /// 1 for the first try, 2 for the first retry, and so on.
    pub attempt: u32,
    /// The HTTP status the receiver answered, if it answered.
    pub status: Option<u16>,
    /// The connection or timeout error, if it did not.
    pub error: Option<String>,
    /// Whether this attempt counted as delivered (a 2xx status).
    pub success: bool,
    /// The JSON body that was sent (the same for every attempt of a delivery).
    pub body: Value,
    /// When the attempt started, on the simulator's clock (ms).
    pub at_ms: i64,
}

/// An event produced by an API call, waiting to be delivered.
#[derive(Debug, Clone)]
pub(crate) struct PendingEvent {
    pub event: String,
    pub data: Value,
    /// The opportunity's origin, for `conditions.origins`.
    pub origin: Option<String>,
}

/// The HTTP client deliveries are sent with: Lever's user agent, and redirects not followed
/// (a 3xx answer is a failed attempt, as in Lever).
pub(crate) fn delivery_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Lever-Webhooks")
        .build()
}

/// Lowercase hex HMAC-SHA256 of `token + triggered_at`, keyed with `signature_token`.
pub fn sign(signature_token: &str, token: &str, triggered_at: i64) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match Hmac::<Sha256>::new_from_slice(signature_token.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(token.as_bytes());
    mac.update(triggered_at.to_string().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Starts background deliveries of `events` to every matching webhook.
pub(crate) fn dispatch(shared: &Arc<Shared>, account: &Account, events: Vec<PendingEvent>) {
    if events.is_empty() {
        return;
    }
    let mut jobs = Vec::new();
    {
        let mut store = lock(&account.store);
        let hooks: Vec<_> = store.all(&shared.webhook_type).cloned().collect();
        for ev in &events {
            for hook in &hooks {
                if hook.get("event").and_then(Value::as_str) != Some(ev.event.as_str()) {
                    continue;
                }
                if EVENTS_WITH_CONDITIONS.contains(&ev.event.as_str()) {
                    let origins = hook
                        .get("configuration")
                        .and_then(|c| c.get("conditions"))
                        .and_then(|c| c.get("origins"))
                        .and_then(Value::as_array);
                    if let (Some(origins), Some(origin)) = (origins, &ev.origin) {
                        if !origins.iter().any(|o| o.as_str() == Some(origin)) {
                            continue;
                        }
                    }
                }
                let Some(url) = hook.get("url").and_then(Value::as_str) else {
                    continue;
                };
                let signature_token = hook
                    .get(TOKEN_KEY)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let token = store.rng.alnum(48);
                let id = store.rng.uuid();
                let triggered_at = shared.clock.now_ms();
                let mut body = json!({
                    "token": token,
                    "triggeredAt": triggered_at,
                    "event": ev.event,
                    "data": ev.data,
                    "id": id,
                });
                if !signature_token.is_empty() {
                    body["signature"] = json!(sign(&signature_token, &token, triggered_at));
                }
                let webhook_id = hook
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                jobs.push((webhook_id, url.to_string(), ev.event.clone(), body));
            }
        }
    }
    for (webhook_id, url, event, body) in jobs {
        let shared = Arc::clone(shared);
        let runtime = shared.runtime.clone();
        let job = Delivery {
            account: account.name.clone(),
            webhook_id,
            url,
            event,
            body,
        };
        runtime.spawn(async move { deliver(shared, job).await });
    }
}

/// One event on its way to one webhook.
struct Delivery {
    account: String,
    webhook_id: String,
    url: String,
    event: String,
    body: Value,
}

async fn deliver(shared: Arc<Shared>, job: Delivery) {
    let Delivery {
        account,
        webhook_id,
        url,
        event,
        body,
    } = job;
    let retry = shared.config.webhook_retry;
    let attempts = retry.attempts.max(1);
    let mut gap = retry.initial_delay;
    for attempt in 1..=attempts {
        if shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        let at_ms = shared.clock.now_ms();
        let result = shared
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(retry.timeout)
            .body(body.to_string())
            .send()
            .await;
        let (status, error) = match result {
            Ok(resp) => (Some(resp.status().as_u16()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let success = status.is_some_and(|s| (200..300).contains(&s));
        tracing::debug!(%url, %event, attempt, ?status, ?error, "webhook delivery attempt");
        lock(&shared.deliveries).push(DeliveryRecord {
            account: account.clone(),
            webhook_id: webhook_id.clone(),
            url: url.clone(),
            event: event.clone(),
            attempt,
            status,
            error,
            success,
            body: body.clone(),
            at_ms,
        });
        shared.delivery_notify.notify_waiters();
        if success {
            return;
        }
        if attempt < attempts {
            tokio::time::sleep(gap).await;
            gap = gap.saturating_mul(2);
        }
    }
}

/// A webhook's public JSON: without its signature token unless `with_token`.
pub(crate) fn public_webhook(hook: &crate::store::Obj, with_token: bool) -> Value {
    let mut out = crate::store::public(hook);
    if with_token {
        if let Some(token) = hook.get(TOKEN_KEY) {
            if let Some(Value::Object(conf)) = out.get_mut("configuration") {
                conf.insert("signatureToken".to_string(), token.clone());
            }
        }
    } else if let Some(Value::Object(conf)) = out.get_mut("configuration") {
        conf.remove("signatureToken");
    }
    out.retain(|k, _| !k.starts_with(HIDDEN));
    Value::Object(out)
}
