//! `Verifier::begin`: a delivery is in flight until completed, and forgotten if it is not.

use std::sync::{Arc, Barrier};
use std::thread;

use lever_client::webhooks::{signed_delivery, Verifier, WebhookError};
use serde_json::json;

const KEY: &str = "inflight-signature-token";

fn delivery() -> Vec<u8> {
    signed_delivery(KEY, "candidateHired", json!({"opportunityId": "o1"}))
}

#[test]
fn a_copy_is_in_flight_until_the_first_completes() {
    let verifier = Verifier::new(KEY).dedup(100);
    let body = delivery();
    let (event, pending) = verifier.begin(&body).unwrap();
    assert_eq!(pending.dedup_key(), event.dedup_key().unwrap());
    // Every way in refuses the copy as in flight, a retryable status.
    assert_eq!(verifier.begin(&body).unwrap_err(), WebhookError::InFlight);
    assert_eq!(
        verifier.verify_and_parse(&body),
        Err(WebhookError::InFlight)
    );
    assert_eq!(verifier.clone().verify(&body), Err(WebhookError::InFlight));
    assert_eq!(
        WebhookError::InFlight.status_code(),
        lever_client::StatusCode::SERVICE_UNAVAILABLE
    );
    // `forget` is about handled deliveries: it does not release one in flight.
    verifier.forget(&pending.dedup_key());
    assert_eq!(verifier.verify(&body), Err(WebhookError::InFlight));

    pending.complete();
    assert_eq!(verifier.begin(&body).unwrap_err(), WebhookError::Duplicate);
    assert_eq!(
        WebhookError::Duplicate.status_code(),
        lever_client::StatusCode::OK
    );
}

#[test]
fn a_failed_delivery_is_handled_again_on_retry() {
    let verifier = Verifier::new(KEY).dedup(100);
    let body = delivery();
    let (_, pending) = verifier.begin(&body).unwrap();
    drop(pending);
    let (_, pending) = verifier.begin(&body).unwrap();
    pending.release();
    let (_, pending) = verifier.begin(&body).unwrap();
    pending.complete();
    assert_eq!(verifier.verify(&body), Err(WebhookError::Duplicate));
}

#[test]
fn a_panic_while_handling_forgets_the_delivery() {
    let verifier = Verifier::new(KEY).dedup(100);
    let body = delivery();
    let handler = {
        let (verifier, body) = (verifier.clone(), body.clone());
        thread::spawn(move || {
            let (_event, _pending) = verifier.begin(&body).unwrap();
            panic!("the handler has a bug");
        })
    };
    assert!(handler.join().is_err());
    assert!(verifier.begin(&body).is_ok());
}

#[test]
fn concurrent_copies_are_claimed_once() {
    let verifier = Verifier::new(KEY).dedup(100);
    let body = Arc::new(delivery());
    let copies = 16;
    for round in 0..20 {
        let start = Arc::new(Barrier::new(copies));
        let threads: Vec<_> = (0..copies)
            .map(|_| {
                let (verifier, body, start) = (verifier.clone(), body.clone(), start.clone());
                thread::spawn(move || {
                    start.wait();
                    verifier.begin(&body).map(|(_, pending)| pending)
                })
            })
            .collect();
        let mut claimed = Vec::new();
        let mut in_flight = 0;
        for thread in threads {
            match thread.join().unwrap() {
                Ok(pending) => claimed.push(pending),
                Err(WebhookError::InFlight) => in_flight += 1,
                Err(e) => panic!("round {round}: {e}"),
            }
        }
        assert_eq!(claimed.len(), 1, "round {round}");
        assert_eq!(in_flight, copies - 1, "round {round}");
        // Fail every round but the last, so the next round races again.
        if round < 19 {
            drop(claimed);
        } else {
            claimed.pop().unwrap().complete();
        }
    }
    assert_eq!(verifier.verify(&body), Err(WebhookError::Duplicate));
}

#[test]
fn without_dedup_every_copy_is_handled() {
    let verifier = Verifier::new(KEY);
    let body = delivery();
    let (_, first) = verifier.begin(&body).unwrap();
    let (_, second) = verifier.begin(&body).unwrap();
    first.complete();
    second.complete();
    assert!(verifier.verify_and_parse(&body).is_ok());
}

#[test]
fn copies_in_flight_are_not_pushed_out_by_newer_deliveries() {
    let verifier = Verifier::new(KEY).dedup(1);
    let body = delivery();
    let (_, pending) = verifier.begin(&body).unwrap();
    for _ in 0..10 {
        verifier.verify(&delivery()).unwrap();
    }
    assert_eq!(verifier.begin(&body).unwrap_err(), WebhookError::InFlight);
    pending.complete();
    assert_eq!(verifier.verify(&body), Err(WebhookError::Duplicate));
}

#[test]
fn pending_debug_shows_only_the_key() {
    let verifier = Verifier::new(KEY).dedup(1);
    let body = delivery();
    let (event, pending) = verifier.begin(&body).unwrap();
    let text = format!("{pending:?}");
    assert!(text.contains(&pending.dedup_key().to_string()), "{text}");
    assert!(
        !text.contains(KEY) && !text.contains(event.token()),
        "{text}"
    );
}
