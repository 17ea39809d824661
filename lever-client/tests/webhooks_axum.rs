//! End to end: signed deliveries POSTed to the axum route over loopback.
#![cfg(feature = "axum")]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use lever_client::triggers::{Dispatcher, HandlerError, Trigger, TriggerEvent};
use lever_client::webhooks::axum::{router, WebhookConfig};
use lever_client::webhooks::{sign, signed_delivery, Verifier, WebhookEvent};
use serde_json::{json, Value};

const KEY: &str = "route-signature-token";

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}")
}

async fn post(url: &str, body: Vec<u8>) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "Lever-Webhooks")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

type Received = Arc<Mutex<Vec<TriggerEvent>>>;

fn recording_dispatcher(received: &Received, fail: Arc<AtomicUsize>) -> Dispatcher {
    let mut dispatcher = Dispatcher::new();
    let r = received.clone();
    dispatcher.on(Trigger::CandidateStageChange, move |event| {
        let r = r.clone();
        let fail = fail.clone();
        async move {
            // Fail while the counter is positive.
            if fail
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return Err::<(), HandlerError>("the database is down".into());
            }
            r.lock().unwrap().push(event);
            Ok(())
        }
    });
    dispatcher
}

fn stage_change() -> Vec<u8> {
    signed_delivery(
        KEY,
        "candidateStageChange",
        json!({"opportunityId": "opp-1", "toStageId": "offer", "fromStageId": "applicant-new"}),
    )
}

#[tokio::test]
async fn signed_delivery_reaches_the_handler() {
    let received = Received::default();
    let dispatcher = recording_dispatcher(&received, Arc::new(AtomicUsize::new(0)));
    let verifier = Verifier::new(KEY).dedup(100);
    let app = axum::Router::new().nest(
        "/hooks",
        router(WebhookConfig::single("acct-1", verifier, dispatcher)),
    );
    let base = serve(app).await;

    let body = stage_change();
    let (status, _) = post(&format!("{base}/hooks"), body.clone()).await;
    assert_eq!(status, 200);
    {
        let got = received.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].trigger, Trigger::CandidateStageChange);
        assert_eq!(got[0].account, "acct-1");
        let Some(WebhookEvent::CandidateStageChange(d)) = got[0].webhook() else {
            panic!("{:?}", got[0])
        };
        assert_eq!(d.data.to_stage_id.as_ref().unwrap().as_str(), "offer");
    }

    // Lever re-sends the same delivery: 200 (so it stops), and the handler does not run again.
    let (status, text) = post(&format!("{base}/hooks"), body).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("duplicate"));
    assert_eq!(received.lock().unwrap().len(), 1);

    // An event with no handler (contactCreated fires contact_created only) is accepted.
    let other = signed_delivery(KEY, "contactCreated", json!({"contactId": "c"}));
    assert_eq!(post(&format!("{base}/hooks"), other).await.0, 200);
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn forged_deliveries_get_401_and_reach_nothing() {
    let received = Received::default();
    let dispatcher = recording_dispatcher(&received, Arc::new(AtomicUsize::new(0)));
    let base = serve(router(WebhookConfig::single(
        "acct-1",
        Verifier::new(KEY),
        dispatcher,
    )))
    .await;

    // Signed with another key.
    let forged = signed_delivery("attacker-key", "candidateStageChange", json!({}));
    assert_eq!(post(&base, forged).await.0, 401);
    // A genuine signature over another token.
    let mut v: Value = serde_json::from_slice(&stage_change()).unwrap();
    v["token"] = json!("replaced-token");
    assert_eq!(post(&base, v.to_string().into_bytes()).await.0, 401);
    // No signature at all.
    v.as_object_mut().unwrap().remove("signature");
    assert_eq!(post(&base, v.to_string().into_bytes()).await.0, 401);
    // Garbage signature.
    v["signature"] = json!("not-hex");
    assert_eq!(post(&base, v.to_string().into_bytes()).await.0, 401);
    // Malformed bodies are 400.
    assert_eq!(post(&base, b"not json".to_vec()).await.0, 400);
    v["signature"] = json!(sign(KEY, "replaced-token", 1));
    v["triggeredAt"] = json!("1");
    assert_eq!(post(&base, v.to_string().into_bytes()).await.0, 400);
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn handler_failure_gives_500_and_the_retry_gets_through() {
    let received = Received::default();
    let fail = Arc::new(AtomicUsize::new(1));
    let dispatcher = recording_dispatcher(&received, fail.clone());
    let base = serve(router(WebhookConfig::single(
        "acct-1",
        Verifier::new(KEY).dedup(100),
        dispatcher,
    )))
    .await;

    let body = stage_change();
    let (status, text) = post(&base, body.clone()).await;
    assert_eq!(status, 500);
    // The handler's error is logged, not sent to Lever.
    assert!(!text.contains("database"), "{text}");
    assert!(received.lock().unwrap().is_empty());

    // Lever retries the same delivery: dedup must not swallow it.
    let (status, _) = post(&base, body).await;
    assert_eq!(status, 200);
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_panicking_handler_gives_500() {
    let mut dispatcher = Dispatcher::new();
    dispatcher.on(Trigger::CandidateStageChange, |_event| async move {
        if true {
            panic!("handler bug");
        }
        Ok::<(), HandlerError>(())
    });
    let base = serve(router(WebhookConfig::single(
        "a",
        Verifier::new(KEY),
        dispatcher,
    )))
    .await;
    assert_eq!(post(&base, stage_change()).await.0, 500);
}

#[tokio::test]
async fn per_account_route_uses_each_accounts_tokens() {
    let received = Received::default();
    let dispatcher = recording_dispatcher(&received, Arc::new(AtomicUsize::new(0)));
    let mut verifiers = HashMap::new();
    verifiers.insert("acct-a".to_owned(), Verifier::new("token-a"));
    verifiers.insert(
        "acct-b".to_owned(),
        Verifier::with_tokens(["token-b1", "token-b2"]),
    );
    let base = serve(router(WebhookConfig::from_map(verifiers, dispatcher))).await;

    let for_a = signed_delivery("token-a", "candidateStageChange", json!({"toStageId": "s"}));
    let for_b = signed_delivery(
        "token-b2",
        "candidateStageChange",
        json!({"toStageId": "s"}),
    );
    assert_eq!(post(&format!("{base}/acct-a"), for_a.clone()).await.0, 200);
    assert_eq!(post(&format!("{base}/acct-b"), for_b).await.0, 200);
    // Account A's delivery is not valid for account B.
    assert_eq!(post(&format!("{base}/acct-b"), for_a.clone()).await.0, 401);
    assert_eq!(post(&format!("{base}/nobody"), for_a).await.0, 404);
    let accounts: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.account.clone())
        .collect();
    assert_eq!(accounts, ["acct-a", "acct-b"]);
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let received = Received::default();
    let dispatcher = recording_dispatcher(&received, Arc::new(AtomicUsize::new(0)));
    let base = serve(router(WebhookConfig::single(
        "a",
        Verifier::new(KEY).max_body_bytes(256),
        dispatcher,
    )))
    .await;
    let big = signed_delivery(KEY, "candidateStageChange", json!({"x": "y".repeat(1000)}));
    assert_eq!(post(&base, big).await.0, 413);
    assert!(received.lock().unwrap().is_empty());
}
