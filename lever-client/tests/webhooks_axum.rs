//! End to end: signed deliveries POSTed to the axum route over loopback.
#![cfg(feature = "axum")]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use lever_client::triggers::{Dispatcher, HandlerError, Trigger, TriggerEvent};
use lever_client::webhooks::axum::{router, WebhookConfig};
use lever_client::webhooks::{sign, signed_delivery, Verifier, WebhookEvent};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

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
    let response = lever_client::reqwest::Client::new()
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

// ------------------------------------------------------------------ retries while in flight

/// A dispatcher whose `candidateStageChange` handler announces each call on `calls` and then
/// waits for the test's verdict: `true` succeeds, `false` (or a dropped sender) fails.
fn gated_dispatcher(calls: mpsc::UnboundedSender<oneshot::Sender<bool>>) -> Dispatcher {
    let mut dispatcher = Dispatcher::new();
    dispatcher.on(Trigger::CandidateStageChange, move |_event| {
        let calls = calls.clone();
        async move {
            let (verdict_tx, verdict_rx) = oneshot::channel();
            calls.send(verdict_tx).map_err(|_| "the test is gone")?;
            match verdict_rx.await {
                Ok(true) => Ok(()),
                _ => Err::<(), HandlerError>("the handler failed".into()),
            }
        }
    });
    dispatcher
}

async fn post_owned(url: String, body: Vec<u8>) -> (u16, String) {
    post(&url, body).await
}

#[tokio::test]
async fn a_retry_of_a_delivery_in_flight_is_not_acknowledged_before_it_succeeded() {
    let (calls_tx, mut calls) = mpsc::unbounded_channel();
    let base = serve(router(WebhookConfig::single(
        "acct-1",
        Verifier::new(KEY).dedup(100),
        gated_dispatcher(calls_tx),
    )))
    .await;
    let body = stage_change();

    let first = tokio::spawn(post_owned(base.clone(), body.clone()));
    let first_verdict = calls.recv().await.unwrap();

    // Lever gave up waiting and retries while the first attempt is still in its handler.
    let response = lever_client::reqwest::Client::new()
        .post(&base)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503, "a retryable status");
    assert!(response.headers().contains_key("retry-after"));
    // The duplicate did not run the handler a second time.
    assert!(calls.try_recv().is_err());

    // Now the first attempt fails: Lever must retry, and that retry must be processed.
    first_verdict.send(false).unwrap();
    assert_eq!(first.await.unwrap().0, 500);
    let mut retry = tokio::spawn(post_owned(base.clone(), body.clone()));
    tokio::select! {
        call = calls.recv() => call.unwrap().send(true).unwrap(),
        answer = &mut retry => panic!("the retry was answered without being handled: {answer:?}"),
    }
    assert_eq!(retry.await.unwrap().0, 200);

    // Once handled, repeats are acknowledged without running the handler.
    let (status, text) = post(&base, body).await;
    assert_eq!(status, 200, "{text}");
    assert!(calls.try_recv().is_err());
}

#[tokio::test]
async fn concurrent_duplicates_run_the_handler_once() {
    let (calls_tx, mut calls) = mpsc::unbounded_channel();
    let base = serve(router(WebhookConfig::single(
        "acct-1",
        Verifier::new(KEY).dedup(100),
        gated_dispatcher(calls_tx),
    )))
    .await;
    let body = stage_change();
    let copies = 20;

    let mut requests = JoinSet::new();
    for _ in 0..copies {
        requests.spawn(post_owned(base.clone(), body.clone()));
    }
    // One copy reaches the handler; every other one is answered while it is still running.
    let verdict = calls.recv().await.unwrap();
    let mut answered = Vec::new();
    while answered.len() < copies - 1 {
        tokio::select! {
            Some(result) = requests.join_next() => answered.push(result.unwrap().0),
            Some(_) = calls.recv() => panic!("a duplicate ran the handler while the first was in flight"),
        }
    }
    assert!(answered.iter().all(|&status| status == 503), "{answered:?}");

    verdict.send(true).unwrap();
    assert_eq!(requests.join_next().await.unwrap().unwrap().0, 200);

    // Repeats after success are all acknowledged, and none runs the handler.
    for _ in 0..copies {
        requests.spawn(post_owned(base.clone(), body.clone()));
    }
    while let Some(result) = requests.join_next().await {
        assert_eq!(result.unwrap().0, 200);
    }
    assert!(calls.try_recv().is_err());
}

#[tokio::test]
async fn a_delivery_whose_request_was_dropped_is_handled_on_retry() {
    let (calls_tx, mut calls) = mpsc::unbounded_channel();
    let base = serve(router(WebhookConfig::single(
        "acct-1",
        Verifier::new(KEY).dedup(100),
        gated_dispatcher(calls_tx),
    )))
    .await;
    let body = stage_change();

    // Lever hangs up while the handler runs: the server drops the request's future.
    let first = tokio::spawn(post_owned(base.clone(), body.clone()));
    let mut verdict = calls.recv().await.unwrap();
    first.abort();
    verdict.closed().await;

    // Its retry must be handled, not acknowledged as a duplicate.
    let mut retry = tokio::spawn(post_owned(base.clone(), body));
    tokio::select! {
        call = calls.recv() => call.unwrap().send(true).unwrap(),
        answer = &mut retry => panic!("the retry was answered without being handled: {answer:?}"),
    }
    assert_eq!(retry.await.unwrap().0, 200);
}
